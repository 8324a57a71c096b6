/* Unit tests for the pieces of src/runtime a shim is made of: the CRI log writer, the record
 * format (escaping), the instance spec round trip, the exit record, the module slimmer. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../testlib.h"
#include "runtime/exit_status.h"
#include "runtime/instance_spec.h"
#include "runtime/log_writer.h"
#include "runtime/module_slim.h"
#include "util/cleanup.h"
#include "util/file.h"

static char dir[] = "/tmp/wasmcri-runtime-unit.XXXXXX";

static char *path_in_dir(const char *name)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, name) < 0)
        abort();
    return path;
}

/* The text of the log file with each record's timestamp cut off: "stdout F text\n"... */
static char *log_without_times(const char *path)
{
    uint8_t *data = NULL;
    size_t length = 0;
    wc_error err = { 0 };
    if (wc_read_file(path, &data, &length, &err) < 0)
        return strdup("");
    char *out = malloc(length + 1), *o = out;
    for (char *line = (char *)data; *line;) {
        char *end = strchr(line, '\n');
        char *space = strchr(line, ' ');
        if (end == NULL || space == NULL || space > end)
            break;
        memcpy(o, space + 1, (size_t)(end - space));
        o += end - space;
        line = end + 1;
    }
    *o = 0;
    free(data);
    return out;
}

static void log_lines_and_partials(void)
{
    cleanup_free char *path = path_in_dir("a.log");
    rt_log_writer *w = NULL;
    wc_error err = { 0 };
    CHECK(rt_log_writer_open(path, &w, &err) == 0);
    CHECK(rt_log_writer_feed(w, RT_LOG_STDOUT, "one\ntw", 6, &err) == 0);
    CHECK(rt_log_writer_feed(w, RT_LOG_STDERR, "err\n", 4, &err) == 0);
    CHECK(rt_log_writer_feed(w, RT_LOG_STDOUT, "o\n\nthree", 8, &err) == 0);
    CHECK(rt_log_writer_flush(w, RT_LOG_STDOUT, &err) == 0);
    rt_log_writer_free(w);
    cleanup_free char *text = log_without_times(path);
    CHECK(strcmp(text, "stdout F one\nstderr F err\nstdout F two\nstdout F \nstdout F three\n") == 0);
}

static void log_long_lines_split(void)
{
    cleanup_free char *path = path_in_dir("b.log");
    rt_log_writer *w = NULL;
    wc_error err = { 0 };
    CHECK(rt_log_writer_open(path, &w, &err) == 0);
    size_t n = RT_LOG_MAX_LINE * 2 + 10;
    char *big = malloc(n + 1);
    memset(big, 'x', n);
    big[n] = '\n';
    /* Fed in odd pieces, so the split must work across feeds too. */
    for (size_t done = 0; done < n + 1;) {
        size_t piece = n + 1 - done < 7001 ? n + 1 - done : 7001;
        CHECK(rt_log_writer_feed(w, RT_LOG_STDOUT, big + done, piece, &err) == 0);
        done += piece;
    }
    free(big);
    rt_log_writer_free(w);
    cleanup_free char *text = log_without_times(path);
    /* Two partial records of 16 KiB, then the last 10 bytes as the full one. */
    char *first = strstr(text, "stdout P ");
    CHECK(first == text);
    char *second = first ? strstr(first + 1, "stdout P ") : NULL;
    CHECK(second != NULL && second - first == 9 + RT_LOG_MAX_LINE + 1);
    char *last = second ? strstr(second + 1, "stdout F ") : NULL;
    CHECK(last != NULL && strcmp(last, "stdout F xxxxxxxxxx\n") == 0);
}

static void log_reopen_after_rotation(void)
{
    cleanup_free char *path = path_in_dir("c.log");
    cleanup_free char *rotated = path_in_dir("c.log.1");
    rt_log_writer *w = NULL;
    wc_error err = { 0 };
    CHECK(rt_log_writer_open(path, &w, &err) == 0);
    CHECK(rt_log_writer_feed(w, RT_LOG_STDOUT, "before\n", 7, &err) == 0);
    CHECK(rename(path, rotated) == 0);
    CHECK(rt_log_writer_reopen(w, &err) == 0);
    CHECK(rt_log_writer_feed(w, RT_LOG_STDOUT, "after\n", 6, &err) == 0);
    rt_log_writer_free(w);
    cleanup_free char *old_text = log_without_times(rotated);
    cleanup_free char *new_text = log_without_times(path);
    CHECK(strcmp(old_text, "stdout F before\n") == 0);
    CHECK(strcmp(new_text, "stdout F after\n") == 0);
}

static void log_time_format(void)
{
    char out[48];
    rt_log_format_time(1700000000, 123400000, out, sizeof out);
    CHECK(strcmp(out, "2023-11-14T22:13:20.1234Z") == 0);
    rt_log_format_time(1700000000, 0, out, sizeof out);
    CHECK(strcmp(out, "2023-11-14T22:13:20Z") == 0);
}

static void spec_round_trip(void)
{
    rt_instance_spec spec = { 0 };
    spec.module_path = strdup("/blobs/x");
    CHECK(rt_instance_spec_add_arg(&spec, "x.wasm") == 0);
    CHECK(rt_instance_spec_add_arg(&spec, "tab\there\nnewline\\slash") == 0);
    CHECK(rt_instance_spec_add_env(&spec, "A=b c") == 0);
    CHECK(rt_instance_spec_add_preopen(&spec, "/data", "/host/data", true) == 0);
    spec.log_path = strdup("/logs/x.log");
    spec.max_memory_pages = 64;
    char *text = NULL;
    size_t length = 0;
    wc_error err = { 0 };
    CHECK(rt_instance_spec_format(&spec, &text, &length, &err) == 0);
    rt_instance_spec back;
    CHECK(text != NULL && rt_instance_spec_parse(text, &back, &err) == 0);
    CHECK(back.argc == 2 && strcmp(back.argv[1], "tab\there\nnewline\\slash") == 0);
    CHECK(back.argv[2] == NULL);
    CHECK(back.env_count == 1 && strcmp(back.env[0], "A=b c") == 0);
    CHECK(back.preopen_count == 1 && back.preopens[0].read_only
          && strcmp(back.preopens[0].host_path, "/host/data") == 0);
    CHECK(back.max_memory_pages == 64 && strcmp(back.log_path, "/logs/x.log") == 0);
    rt_instance_spec_clear(&back);
    rt_instance_spec_clear(&spec);
    free(text);
    char bad[] = "arg\tx\n";
    CHECK(rt_instance_spec_parse(bad, &back, &err) < 0 && err.code == WC_EMALFORMED);
}

static void exit_record(void)
{
    cleanup_free char *path = path_in_dir("exit");
    rt_exit_status status = { .exit_code = 137 };
    snprintf(status.message, sizeof status.message, "memory limit\treached");
    wc_error err = { 0 };
    CHECK(rt_exit_status_write(path, &status, &err) == 0);
    rt_exit_status back;
    CHECK(rt_exit_status_read(path, &back, &err) == 0);
    CHECK(back.exit_code == 137 && strcmp(back.reason, "Error") == 0);
    CHECK(strcmp(back.message, "memory limit\treached") == 0 && back.finished_ns > 0);
    cleanup_free char *missing = path_in_dir("nope");
    CHECK(rt_exit_status_read(missing, &back, &err) < 0 && err.code == WC_ENOTFOUND);
}

static void slim_drops_debug_sections(void)
{
    /* header, a type section, a ".debug_info" custom section, a "name" custom section */
    static const uint8_t module[] = {
        0, 'a', 's', 'm', 1, 0, 0, 0,
        1, 4, 1, 0x60, 0, 0,
        0, 13, 11, '.', 'd', 'e', 'b', 'u', 'g', '_', 'i', 'n', 'f', 'o', 0,
        0, 6, 4, 'n', 'a', 'm', 'e', 0,
    };
    cleanup_free char *path = path_in_dir("m.wasm");
    wc_error err = { 0 };
    CHECK(wc_write_file_atomic(path, module, sizeof module, 0644, &err) == 0);
    cleanup_free uint8_t *out = NULL;
    size_t length = 0;
    CHECK(rt_module_load_slim(path, &out, &length, &err) == 0);
    static const uint8_t expected[] = {
        0, 'a', 's', 'm', 1, 0, 0, 0,
        1, 4, 1, 0x60, 0, 0,
        0, 6, 4, 'n', 'a', 'm', 'e', 0,
    };
    CHECK(length == sizeof expected && memcmp(out, expected, length) == 0);
    /* Not a module: passed whole, for the engine to refuse with its own words. */
    CHECK(wc_write_file_atomic(path, "hello", 5, 0644, &err) == 0);
    free(out);
    out = NULL;
    CHECK(rt_module_load_slim(path, &out, &length, &err) == 0 && length == 5);
}

int main(void)
{
    if (mkdtemp(dir) == NULL)
        return 1;
    RUN_TEST(log_lines_and_partials);
    RUN_TEST(log_long_lines_split);
    RUN_TEST(log_reopen_after_rotation);
    RUN_TEST(log_time_format);
    RUN_TEST(spec_round_trip);
    RUN_TEST(exit_record);
    RUN_TEST(slim_drops_debug_sections);
    static const char *const files[] = { "a.log", "b.log", "c.log", "c.log.1", "exit", "m.wasm" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *path = path_in_dir(files[i]);
        unlink(path);
        free(path);
    }
    rmdir(dir);
    return TESTS_DONE();
}
