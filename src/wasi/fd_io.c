/* fd_io.c - reading, writing and positioning open fds: fd_read/write, fd_pread/pwrite,
 * fd_seek/tell, fd_advise, fd_allocate, fd_sync/datasync. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "wasi/host.h"

typedef ssize_t (*transfer_fn)(int fd, const struct iovec *iov, int count, off_t offset);

static ssize_t do_readv(int fd, const struct iovec *iov, int count, off_t offset)
{
    (void)offset;
    return readv(fd, iov, count);
}
static ssize_t do_writev(int fd, const struct iovec *iov, int count, off_t offset)
{
    (void)offset;
    return writev(fd, iov, count);
}

/* fd, iovs, iovs_len, then the guest pointer for the byte count. Blocking transfers restart
 * after a signal unless the embedder interrupted the instance. */
static uint32_t transfer(wasi_call *call, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                         off_t offset, uint32_t count_ptr, transfer_fn fn, bool writes)
{
    wasi_fd_entry *entry = wasi_fd_get(call->ctx, fd);
    if (entry == NULL)
        return WASI_EBADF;
    if (writes && entry->read_only)
        return WASI_EBADF;
    if (wasi_guest(call, count_ptr, 4) == NULL)
        return WASI_EFAULT;
    cleanup_free struct iovec *vec = NULL;
    int count = 0;
    uint32_t e = wasi_iovecs(call, iovs, iovs_len, &vec, &count);
    if (e != WASI_ESUCCESS)
        return e;
    /* A read may block: do not start one after an interrupt already came. */
    if (!writes && call->ctx->interrupted)
        return wasi_trap_interrupted(call);
    ssize_t n;
    while ((n = fn(entry->host_fd, vec, count, offset)) < 0 && errno == EINTR) {
        if (call->ctx->interrupted)
            return wasi_trap_interrupted(call);
    }
    if (n < 0)
        return errno == EISDIR && !writes ? WASI_EISDIR : wasi_errno_from_host(errno);
    wasi_store_u32(call, count_ptr, (uint32_t)n);
    return WASI_ESUCCESS;
}

WASI_HANDLER(wasi_fd_read)
{
    return transfer(call, ARG32(0), ARG32(1), ARG32(2), 0, ARG32(3), do_readv, false);
}

WASI_HANDLER(wasi_fd_write)
{
    return transfer(call, ARG32(0), ARG32(1), ARG32(2), 0, ARG32(3), do_writev, true);
}

WASI_HANDLER(wasi_fd_pread)
{
    if (ARG64(3) > INT64_MAX)
        return WASI_EINVAL;
    return transfer(call, ARG32(0), ARG32(1), ARG32(2), (off_t)ARG64(3), ARG32(4), preadv, false);
}

WASI_HANDLER(wasi_fd_pwrite)
{
    if (ARG64(3) > INT64_MAX)
        return WASI_EINVAL;
    return transfer(call, ARG32(0), ARG32(1), ARG32(2), (off_t)ARG64(3), ARG32(4), pwritev, true);
}

WASI_HANDLER(wasi_fd_seek)
{
    wasi_fd_entry *entry = wasi_fd_get(call->ctx, ARG32(0));
    if (entry == NULL)
        return WASI_EBADF;
    int whence;
    switch (ARG32(2)) {
    case WASI_WHENCE_SET: whence = SEEK_SET; break;
    case WASI_WHENCE_CUR: whence = SEEK_CUR; break;
    case WASI_WHENCE_END: whence = SEEK_END; break;
    default: return WASI_EINVAL;
    }
    if (wasi_guest(call, ARG32(3), 8) == NULL)
        return WASI_EFAULT;
    if (entry->filetype == WASI_FILETYPE_DIRECTORY)
        return WASI_EBADF; /* a directory's position is fd_readdir's cookie */
    off_t position = lseek(entry->host_fd, (off_t)ARG64(1), whence);
    if (position < 0)
        return wasi_errno_from_host(errno);
    wasi_store_u64(call, ARG32(3), (uint64_t)position);
    return WASI_ESUCCESS;
}

WASI_HANDLER(wasi_fd_tell)
{
    wasi_fd_entry *entry = wasi_fd_get(call->ctx, ARG32(0));
    if (entry == NULL)
        return WASI_EBADF;
    if (wasi_guest(call, ARG32(1), 8) == NULL)
        return WASI_EFAULT;
    if (entry->filetype == WASI_FILETYPE_DIRECTORY)
        return WASI_EBADF;
    off_t position = lseek(entry->host_fd, 0, SEEK_CUR);
    if (position < 0)
        return wasi_errno_from_host(errno);
    wasi_store_u64(call, ARG32(1), (uint64_t)position);
    return WASI_ESUCCESS;
}

WASI_HANDLER(wasi_fd_advise)
{
    static const int advice[] = {
        [WASI_ADVICE_NORMAL] = POSIX_FADV_NORMAL, [WASI_ADVICE_SEQUENTIAL] = POSIX_FADV_SEQUENTIAL,
        [WASI_ADVICE_RANDOM] = POSIX_FADV_RANDOM, [WASI_ADVICE_WILLNEED] = POSIX_FADV_WILLNEED,
        [WASI_ADVICE_DONTNEED] = POSIX_FADV_DONTNEED, [WASI_ADVICE_NOREUSE] = POSIX_FADV_NOREUSE,
    };
    wasi_fd_entry *entry = wasi_fd_get(call->ctx, ARG32(0));
    if (entry == NULL)
        return WASI_EBADF;
    if (ARG32(3) > WASI_ADVICE_NOREUSE || ARG64(1) > INT64_MAX || ARG64(2) > INT64_MAX)
        return WASI_EINVAL;
    if (entry->filetype == WASI_FILETYPE_DIRECTORY)
        return WASI_EBADF;
    int rc = posix_fadvise(entry->host_fd, (off_t)ARG64(1), (off_t)ARG64(2), advice[ARG32(3)]);
    return wasi_errno_from_host(rc);
}

WASI_HANDLER(wasi_fd_allocate)
{
    wasi_fd_entry *entry = wasi_fd_get(call->ctx, ARG32(0));
    if (entry == NULL)
        return WASI_EBADF;
    if (entry->read_only)
        return WASI_EBADF;
    if (ARG64(1) > INT64_MAX || ARG64(2) > INT64_MAX || ARG64(1) + ARG64(2) > INT64_MAX)
        return WASI_EINVAL;
    if (entry->filetype == WASI_FILETYPE_DIRECTORY)
        return WASI_EBADF;
    int rc = posix_fallocate(entry->host_fd, (off_t)ARG64(1), (off_t)ARG64(2));
    return wasi_errno_from_host(rc);
}

static uint32_t sync_fd(wasi_call *call, uint32_t fd, int (*fn)(int))
{
    wasi_fd_entry *entry = wasi_fd_get(call->ctx, fd);
    if (entry == NULL)
        return WASI_EBADF;
    int host_fd = entry->host_fd;
    cleanup_close int opened = -1;
    if (entry->filetype == WASI_FILETYPE_DIRECTORY) {
        /* A preopen is an O_PATH fd, which cannot be synced: sync the directory itself. */
        opened = openat(entry->host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (opened < 0)
            return wasi_errno_from_host(errno);
        host_fd = opened;
    }
    return fn(host_fd) < 0 ? wasi_errno_from_host(errno) : WASI_ESUCCESS;
}

WASI_HANDLER(wasi_fd_datasync)
{
    return sync_fd(call, ARG32(0), fdatasync);
}

WASI_HANDLER(wasi_fd_sync)
{
    return sync_fd(call, ARG32(0), fsync);
}
