/* resolve.c - every guest path is resolved beneath a directory fd by the kernel (openat2 with
 * RESOLVE_BENEATH), so `..`, absolute paths and symlinks cannot lead out of a preopen. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasi/host.h"

uint32_t wasi_open_beneath(int dirfd, const char *path, int flags, unsigned mode, int *out)
{
    /* openat2 refuses a mode without O_CREAT/O_TMPFILE (O_TMPFILE contains O_DIRECTORY). */
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    for (int attempt = 0; attempt < 64; attempt++) {
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        if (fd >= 0) {
            *out = (int)fd;
            return WASI_ESUCCESS;
        }
        /* EAGAIN: a concurrent rename raced the lookup; the kernel asks us to retry. */
        if (errno == EINTR || errno == EAGAIN)
            continue;
        /* EXDEV is how RESOLVE_BENEATH reports an escape. */
        return errno == EXDEV ? WASI_ENOTCAPABLE : wasi_errno_from_host(errno);
    }
    return WASI_EAGAIN;
}

static bool is_dot_or_dotdot(const char *name, size_t length)
{
    return (length == 1 && name[0] == '.') || (length == 2 && name[0] == '.' && name[1] == '.');
}

uint32_t wasi_open_parent(int dirfd, char *path, int *parent_fd, const char **leaf)
{
    if (path[0] == '/')
        return WASI_ENOTCAPABLE;
    size_t length = strlen(path);
    if (length == 0)
        return WASI_ENOENT;
    size_t end = length; /* the last component ends before its trailing slashes */
    while (end > 1 && path[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;
    if (is_dot_or_dotdot(path + start, end - start)) {
        int fd;
        uint32_t e = wasi_open_beneath(dirfd, path, O_PATH, 0, &fd);
        if (e != WASI_ESUCCESS)
            return e;
        close(fd);
        return WASI_EINVAL;
    }
    *leaf = path + start;
    if (start == 0)
        return wasi_open_beneath(dirfd, ".", O_PATH | O_DIRECTORY, 0, parent_fd);
    char saved = path[start];
    path[start] = '\0'; /* the parent keeps its trailing '/': fine for a directory */
    uint32_t e = wasi_open_beneath(dirfd, path, O_PATH | O_DIRECTORY, 0, parent_fd);
    path[start] = saved;
    return e;
}
