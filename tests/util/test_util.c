/* Unit tests for src/util: the error object and the file helpers. */
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <errno.h>

#include "../testlib.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/file.h"

static void error_set_and_prefix(void)
{
    wc_error err = { 0 };
    CHECK(wc_error_set(&err, WC_ENOTFOUND, "image %s", "hello") == -1);
    CHECK(err.code == WC_ENOTFOUND);
    CHECK(strcmp(err.message, "image hello") == 0);
    wc_error_prefix(&err, "pull %s", "x");
    CHECK(strcmp(err.message, "pull x: image hello") == 0);
    CHECK(err.code == WC_ENOTFOUND);
    CHECK(wc_error_set(NULL, WC_EINVAL, "ignored") == -1);
}

static void error_prefix_truncates_safely(void)
{
    wc_error err = { 0 };
    char long_text[2000];
    memset(long_text, 'a', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = 0;
    wc_error_set(&err, WC_EIO, "%s", long_text);
    wc_error_prefix(&err, "%s", long_text);
    CHECK(strlen(err.message) == sizeof err.message - 1);
}

static void error_from_errno(void)
{
    wc_error err = { 0 };
    wc_error_set_errno(&err, ENOENT, "open %s", "/nope");
    CHECK(err.code == WC_ENOTFOUND);
    CHECK(strstr(err.message, "open /nope: ") == err.message);
}

static void file_roundtrip(void)
{
    char dir[] = "/tmp/wasmcri-util-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char nested[256], path[300];
    snprintf(nested, sizeof nested, "%s/a/b/c", dir);
    wc_error err = { 0 };
    CHECK(wc_mkdir_p(nested, 0700, &err) == 0);
    snprintf(path, sizeof path, "%s/file", nested);
    CHECK(wc_write_file_atomic(path, "hello", 5, 0600, &err) == 0);
    cleanup_free uint8_t *data = NULL;
    size_t length = 0;
    CHECK(wc_read_file(path, &data, &length, &err) == 0);
    CHECK(length == 5 && memcmp(data, "hello", 5) == 0 && data[5] == 0);
    CHECK(wc_read_file(nested, &data, &length, &err) == -1); /* a directory */
    char command[400];
    snprintf(command, sizeof command, "rm -rf %s", dir);
    CHECK(system(command) == 0);
}

int main(void)
{
    RUN_TEST(error_set_and_prefix);
    RUN_TEST(error_prefix_truncates_safely);
    RUN_TEST(error_from_errno);
    RUN_TEST(file_roundtrip);
    return TESTS_DONE();
}
