/* guest.h - the checking kit of the guest programs in tests/wasi (compiled to wasm32-wasi).
 * A failed CHECK prints `check failed` with the line and errno; the program then exits 1. */
#ifndef WASMCRI_TESTS_WASI_GUEST_H
#define WASMCRI_TESTS_WASI_GUEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int guest_failures;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            printf("check failed: %s:%d: %s (errno %d %s)\n", __FILE__, __LINE__, #cond, \
                   errno, strerror(errno));                                              \
            guest_failures++;                                                            \
        }                                                                                \
    } while (0)

/* A call that must fail with a given errno. */
#define CHECK_ERRNO(call, expected)                                                      \
    do {                                                                                 \
        errno = 0;                                                                       \
        long rc_ = (long)(call);                                                         \
        if (rc_ != -1 || errno != (expected)) {                                          \
            printf("check failed: %s:%d: %s gave %ld errno %d (%s), wanted errno %d\n",  \
                   __FILE__, __LINE__, #call, rc_, errno, strerror(errno), expected);    \
            guest_failures++;                                                            \
        }                                                                                \
    } while (0)

#define GUEST_DONE()                                                                     \
    do {                                                                                 \
        printf(guest_failures ? "FAILED %d checks\n" : "all checks passed\n",            \
               guest_failures);                                                          \
        return guest_failures ? 1 : 0;                                                   \
    } while (0)

#endif
