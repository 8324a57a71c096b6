/* testlib.h - the smallest unit-test kit: each CHECK that fails prints why; each test function
 * reports one PASS/FAIL line in the format tests/run.sh tallies. */
#ifndef WASMCRI_TESTS_TESTLIB_H
#define WASMCRI_TESTS_TESTLIB_H

#include <stdio.h>

static int testlib_failures;
static int testlib_failed_tests;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);    \
            testlib_failures++;                                                         \
        }                                                                               \
    } while (0)

#define RUN_TEST(fn)                                                                    \
    do {                                                                                \
        int before = testlib_failures;                                                  \
        fn();                                                                           \
        if (testlib_failures == before) {                                               \
            printf("PASS %s\n", #fn);                                                   \
        } else {                                                                        \
            printf("FAIL %s: %d checks failed\n", #fn, testlib_failures - before);      \
            testlib_failed_tests++;                                                     \
        }                                                                               \
    } while (0)

#define TESTS_DONE() (testlib_failed_tests == 0 ? 0 : 1)

#endif
