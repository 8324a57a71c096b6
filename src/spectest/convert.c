/* convert.c - turns a .wast script into wast2json's JSON + .wasm files in a temporary
 * directory. We have no text-format parser of our own: wabt's converter does that part. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spectest/internal.h"
#include "util/cleanup.h"

extern char **environ;

void spectest_remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *entry;
        while ((entry = readdir(d)) != NULL) {
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                continue;
            unlinkat(dirfd(d), entry->d_name, 0);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* "dir/i32.wast" -> "i32"; a name that does not end in .wast is kept whole. */
static char *script_stem(const char *path, wc_error *err)
{
    cleanup_free char *copy = strdup(path);
    if (copy == NULL) {
        wc_error_set(err, WC_ERESOURCE, "out of memory");
        return NULL;
    }
    char *stem = strdup(basename(copy));
    if (stem == NULL) {
        wc_error_set(err, WC_ERESOURCE, "out of memory");
        return NULL;
    }
    size_t length = strlen(stem);
    if (length > 5 && strcmp(stem + length - 5, ".wast") == 0)
        stem[length - 5] = '\0';
    return stem;
}

/* asprintf that leaves NULL behind on failure (glibc leaves the pointer undefined). */
static char *format_string(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format_string(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *result = NULL;
    if (vasprintf(&result, fmt, ap) < 0)
        result = NULL;
    va_end(ap);
    return result;
}

/* The first line of the converter's output, for the error message. */
static void first_line(const char *log_path, char *line, size_t size)
{
    line[0] = '\0';
    cleanup_fclose FILE *log = fopen(log_path, "r");
    if (log == NULL || fgets(line, (int)size, log) == NULL)
        return;
    line[strcspn(line, "\n")] = '\0';
}

static int run_converter(const char *wast_path, const char *json_path, const char *log_path,
                         wc_error *err)
{
    const char *program = getenv("WAST2JSON");
    if (program == NULL || program[0] == '\0')
        program = "wast2json";
    posix_spawn_file_actions_t actions;
    if (posix_spawn_file_actions_init(&actions) != 0)
        return wc_error_set(err, WC_ERESOURCE, "posix_spawn_file_actions_init failed");
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path,
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    char *argv[] = { (char *)program, (char *)wast_path, (char *)"-o", (char *)json_path, NULL };
    pid_t pid;
    int rc = posix_spawnp(&pid, program, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
        return wc_error_set_errno(err, rc, "run %s", program);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return wc_error_set_errno(err, errno, "wait for %s", program);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    char line[512];
    first_line(log_path, line, sizeof line);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return wc_error_set(err, WC_ENOTFOUND, "%s not found (install wabt)", program);
    return wc_error_set(err, WC_EINVAL, "%s %s failed: %s", program, wast_path,
                        line[0] != '\0' ? line : "no output");
}

int spectest_convert(const char *wast_path, char **dir_out, char **json_out, wc_error *err)
{
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    cleanup_free char *dir = format_string("%s/wasmcri-spectest-XXXXXX", tmp);
    if (dir == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    if (mkdtemp(dir) == NULL)
        return wc_error_set_errno(err, errno, "mkdtemp %s", dir);

    cleanup_free char *stem = script_stem(wast_path, err);
    if (stem == NULL) {
        spectest_remove_dir(dir);
        return -1;
    }
    cleanup_free char *json_path = format_string("%s/%s.json", dir, stem);
    cleanup_free char *log_path = format_string("%s/wast2json.log", dir);
    if (json_path == NULL || log_path == NULL) {
        spectest_remove_dir(dir);
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    }
    if (run_converter(wast_path, json_path, log_path, err) < 0) {
        spectest_remove_dir(dir);
        return -1;
    }
    *dir_out = steal_pointer(&dir);
    *json_out = steal_pointer(&json_path);
    return 0;
}
