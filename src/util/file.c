/* file.c - whole-file reads and atomic writes; see file.h. */
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

int wc_read_file(const char *path, uint8_t **data, size_t *length, wc_error *err)
{
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return wc_error_set_errno(err, errno, "open %s", path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return wc_error_set_errno(err, errno, "stat %s", path);
    if (!S_ISREG(st.st_mode))
        return wc_error_set(err, WC_EINVAL, "%s: not a regular file", path);
    size_t capacity = (size_t)st.st_size + 1;
    cleanup_free uint8_t *buffer = malloc(capacity);
    if (buffer == NULL)
        return wc_error_set(err, WC_ERESOURCE, "read %s: out of memory", path);
    size_t used = 0;
    for (;;) {
        if (used + 1 >= capacity) {
            /* The file grew while we read it. */
            uint8_t *bigger = realloc(buffer, capacity * 2);
            if (bigger == NULL)
                return wc_error_set(err, WC_ERESOURCE, "read %s: out of memory", path);
            buffer = bigger;
            capacity *= 2;
        }
        ssize_t n = read(fd, buffer + used, capacity - 1 - used);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return wc_error_set_errno(err, errno, "read %s", path);
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    buffer[used] = 0;
    *length = used;
    *data = steal_pointer(&buffer);
    return 0;
}

int wc_write_file_atomic(const char *path, const void *data, size_t length, int mode, wc_error *err)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >= sizeof tmp)
        return wc_error_set(err, WC_EINVAL, "path too long: %s", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return wc_error_set_errno(err, errno, "create %s", tmp);
    const uint8_t *p = data;
    size_t left = length;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int saved = errno;
            close(fd);
            unlink(tmp);
            return wc_error_set_errno(err, saved, "write %s", tmp);
        }
        p += n;
        left -= (size_t)n;
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        int saved = errno;
        unlink(tmp);
        return wc_error_set_errno(err, saved, "sync %s", tmp);
    }
    if (rename(tmp, path) < 0) {
        int saved = errno;
        unlink(tmp);
        return wc_error_set_errno(err, saved, "rename %s", path);
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    cleanup_close int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0)
        fsync(dfd);
    return 0;
}

int wc_mkdir_p(const char *path, int mode, wc_error *err)
{
    char buf[4096];
    if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf)
        return wc_error_set(err, WC_EINVAL, "path too long: %s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
            return wc_error_set_errno(err, errno, "mkdir %s", buf);
        *p = '/';
    }
    if (mkdir(buf, mode) < 0 && errno != EEXIST)
        return wc_error_set_errno(err, errno, "mkdir %s", buf);
    return 0;
}
