/* filestat.c - file attributes by fd and by path: *_filestat_get, *_filestat_set_times,
 * fd_filestat_set_size. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "wasi/host.h"

static uint64_t ns_of(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

static uint32_t store_filestat(wasi_call *call, uint32_t ptr, const struct stat *st, int fd)
{
    uint8_t *p = wasi_guest(call, ptr, WASI_FILESTAT_SIZE);
    if (p == NULL)
        return WASI_EFAULT;
    memset(p, 0, WASI_FILESTAT_SIZE);
    wasi_store_u64(call, ptr + WASI_FILESTAT_DEV, (uint64_t)st->st_dev);
    wasi_store_u64(call, ptr + WASI_FILESTAT_INO, (uint64_t)st->st_ino);
    wasi_store_u8(call, ptr + WASI_FILESTAT_FILETYPE, wasi_filetype_from_mode(st->st_mode, fd));
    wasi_store_u64(call, ptr + WASI_FILESTAT_NLINK, (uint64_t)st->st_nlink);
    wasi_store_u64(call, ptr + WASI_FILESTAT_FILESIZE, (uint64_t)st->st_size);
    wasi_store_u64(call, ptr + WASI_FILESTAT_ATIM, ns_of(&st->st_atim));
    wasi_store_u64(call, ptr + WASI_FILESTAT_MTIM, ns_of(&st->st_mtim));
    wasi_store_u64(call, ptr + WASI_FILESTAT_CTIM, ns_of(&st->st_ctim));
    return WASI_ESUCCESS;
}

/* fstflags and two timestamps -> utimensat's times. EINVAL for "set" and "now" together. */
static uint32_t times_from(uint64_t atim, uint64_t mtim, uint32_t flags, struct timespec out[2])
{
    if ((flags & ~(WASI_FSTFLAG_ATIM | WASI_FSTFLAG_ATIM_NOW | WASI_FSTFLAG_MTIM
                   | WASI_FSTFLAG_MTIM_NOW))
        || ((flags & WASI_FSTFLAG_ATIM) && (flags & WASI_FSTFLAG_ATIM_NOW))
        || ((flags & WASI_FSTFLAG_MTIM) && (flags & WASI_FSTFLAG_MTIM_NOW)))
        return WASI_EINVAL;
    uint64_t values[2] = { atim, mtim };
    uint32_t set[2] = { WASI_FSTFLAG_ATIM, WASI_FSTFLAG_MTIM };
    uint32_t now[2] = { WASI_FSTFLAG_ATIM_NOW, WASI_FSTFLAG_MTIM_NOW };
    for (int i = 0; i < 2; i++) {
        if (flags & set[i])
            out[i] = (struct timespec){ .tv_sec = (time_t)(values[i] / 1000000000u),
                                        .tv_nsec = (long)(values[i] % 1000000000u) };
        else if (flags & now[i])
            out[i] = (struct timespec){ .tv_nsec = UTIME_NOW };
        else
            out[i] = (struct timespec){ .tv_nsec = UTIME_OMIT };
    }
    return WASI_ESUCCESS;
}

WASI_HANDLER(wasi_fd_filestat_get)
{
    wasi_fd_entry *entry = wasi_fd_get(call->ctx, ARG32(0));
    if (entry == NULL)
        return WASI_EBADF;
    struct stat st;
    if (fstat(entry->host_fd, &st) < 0)
        return wasi_errno_from_host(errno);
    return store_filestat(call, ARG32(1), &st, entry->host_fd);
}

WASI_HANDLER(wasi_fd_filestat_set_size)
{
    wasi_fd_entry *entry = wasi_fd_get(call->ctx, ARG32(0));
    if (entry == NULL)
        return WASI_EBADF;
    if (entry->read_only)
        return WASI_EROFS;
    if (ARG64(1) > INT64_MAX)
        return WASI_EINVAL;
    return ftruncate(entry->host_fd, (off_t)ARG64(1)) < 0 ? wasi_errno_from_host(errno)
                                                          : WASI_ESUCCESS;
}

WASI_HANDLER(wasi_fd_filestat_set_times)
{
    wasi_fd_entry *entry = wasi_fd_get(call->ctx, ARG32(0));
    if (entry == NULL)
        return WASI_EBADF;
    struct timespec times[2];
    uint32_t e = times_from(ARG64(1), ARG64(2), ARG32(3), times);
    if (e != WASI_ESUCCESS)
        return e;
    if (entry->read_only)
        return WASI_EROFS;
    /* AT_EMPTY_PATH also works on the O_PATH fds of preopens, where futimens does not. */
    return utimensat(entry->host_fd, "", times, AT_EMPTY_PATH) < 0
               ? wasi_errno_from_host(errno) : WASI_ESUCCESS;
}

/* Opens the object a guest path names, beneath the directory fd, as O_PATH. */
static uint32_t open_path(wasi_call *call, uint32_t dirfd, uint32_t lookup, uint32_t path_ptr,
                          uint32_t path_len, wasi_fd_entry **dir, int *out)
{
    *dir = wasi_fd_get(call->ctx, dirfd);
    if (*dir == NULL)
        return WASI_EBADF;
    cleanup_free char *path = NULL;
    uint32_t e = wasi_guest_path(call, path_ptr, path_len, &path);
    if (e != WASI_ESUCCESS)
        return e;
    int flags = O_PATH | ((lookup & WASI_LOOKUP_SYMLINK_FOLLOW) ? 0 : O_NOFOLLOW);
    return wasi_open_beneath((*dir)->host_fd, path, flags, 0, out);
}

WASI_HANDLER(wasi_path_filestat_get)
{
    wasi_fd_entry *dir;
    cleanup_close int fd = -1;
    uint32_t e = open_path(call, ARG32(0), ARG32(1), ARG32(2), ARG32(3), &dir, &fd);
    if (e != WASI_ESUCCESS)
        return e;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return wasi_errno_from_host(errno);
    return store_filestat(call, ARG32(4), &st, -1);
}

WASI_HANDLER(wasi_path_filestat_set_times)
{
    struct timespec times[2];
    uint32_t e = times_from(ARG64(4), ARG64(5), ARG32(6), times);
    if (e != WASI_ESUCCESS)
        return e;
    wasi_fd_entry *dir;
    cleanup_close int fd = -1;
    e = open_path(call, ARG32(0), ARG32(1), ARG32(2), ARG32(3), &dir, &fd);
    if (e != WASI_ESUCCESS)
        return e;
    if (dir->read_only)
        return WASI_EROFS;
    /* With no follow, fd is the symlink itself and this changes the link's own times. */
    return utimensat(fd, "", times, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0
               ? wasi_errno_from_host(errno) : WASI_ESUCCESS;
}
