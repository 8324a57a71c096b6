/* fd_table.c - the guest's view of its fd table: fd_close, fd_renumber, fd_prestat_*,
 * fd_fdstat_*. */
#include <errno.h>
#include <fcntl.h>

#include "wasi/host.h"

WASI_HANDLER(wasi_fd_close)
{
    wasi_fd_entry *entry = wasi_fd_get(call->ctx, ARG32(0));
    if (entry == NULL)
        return WASI_EBADF;
    wasi_fd_release(entry);
    return WASI_ESUCCESS;
}

WASI_HANDLER(wasi_fd_renumber)
{
    wasi_fd_entry *from = wasi_fd_get(call->ctx, ARG32(0));
    wasi_fd_entry *to = wasi_fd_get(call->ctx, ARG32(1));
    if (from == NULL || to == NULL)
        return WASI_EBADF;
    if (from == to)
        return WASI_ESUCCESS;
    wasi_fd_release(to);
    *to = *from;
    *from = (wasi_fd_entry){ .host_fd = -1 };
    return WASI_ESUCCESS;
}

WASI_HANDLER(wasi_fd_prestat_get)
{
    wasi_fd_entry *entry = wasi_fd_get(call->ctx, ARG32(0));
    if (entry == NULL || entry->preopen_name == NULL)
        return WASI_EBADF;
    uint8_t *p = wasi_guest(call, ARG32(1), WASI_PRESTAT_SIZE);
    if (p == NULL)
        return WASI_EFAULT;
    memset(p, 0, WASI_PRESTAT_SIZE);
    p[WASI_PRESTAT_TAG] = WASI_PREOPENTYPE_DIR;
    wasi_store_u32(call, ARG32(1) + WASI_PRESTAT_NAME_LEN, (uint32_t)strlen(entry->preopen_name));
    return WASI_ESUCCESS;
}

WASI_HANDLER(wasi_fd_prestat_dir_name)
{
    wasi_fd_entry *entry = wasi_fd_get(call->ctx, ARG32(0));
    if (entry == NULL || entry->preopen_name == NULL)
        return WASI_EBADF;
    size_t length = strlen(entry->preopen_name);
    if (ARG32(2) < length)
        return WASI_ENAMETOOLONG;
    uint8_t *p = wasi_guest(call, ARG32(1), length);
    if (p == NULL)
        return WASI_EFAULT;
    memcpy(p, entry->preopen_name, length);
    return WASI_ESUCCESS;
}

WASI_HANDLER(wasi_fd_fdstat_get)
{
    wasi_fd_entry *entry = wasi_fd_get(call->ctx, ARG32(0));
    if (entry == NULL)
        return WASI_EBADF;
    uint8_t *p = wasi_guest(call, ARG32(1), WASI_FDSTAT_SIZE);
    if (p == NULL)
        return WASI_EFAULT;
    uint16_t flags = 0;
    int host_flags = fcntl(entry->host_fd, F_GETFL);
    if (host_flags >= 0 && !(host_flags & O_PATH)) {
        if (host_flags & O_APPEND) flags |= WASI_FDFLAG_APPEND;
        if (host_flags & O_NONBLOCK) flags |= WASI_FDFLAG_NONBLOCK;
        if ((host_flags & O_SYNC) == O_SYNC) flags |= WASI_FDFLAG_SYNC | WASI_FDFLAG_RSYNC;
        else if (host_flags & O_DSYNC) flags |= WASI_FDFLAG_DSYNC;
    }
    memset(p, 0, WASI_FDSTAT_SIZE);
    p[WASI_FDSTAT_FILETYPE] = entry->filetype;
    wasi_store_u16(call, ARG32(1) + WASI_FDSTAT_FLAGS, flags);
    wasi_store_u64(call, ARG32(1) + WASI_FDSTAT_RIGHTS_BASE, entry->rights_base);
    wasi_store_u64(call, ARG32(1) + WASI_FDSTAT_RIGHTS_INHERITING, entry->rights_inheriting);
    return WASI_ESUCCESS;
}

WASI_HANDLER(wasi_fd_fdstat_set_flags)
{
    wasi_fd_entry *entry = wasi_fd_get(call->ctx, ARG32(0));
    if (entry == NULL)
        return WASI_EBADF;
    uint32_t flags = ARG32(1);
    if (flags & ~(WASI_FDFLAG_APPEND | WASI_FDFLAG_DSYNC | WASI_FDFLAG_NONBLOCK
                  | WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC))
        return WASI_EINVAL;
    /* Linux changes only O_APPEND and O_NONBLOCK on an open fd; sync modes are set at open. */
    if (flags & (WASI_FDFLAG_DSYNC | WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC))
        return WASI_ENOTSUP;
    if (entry->read_only && (flags & WASI_FDFLAG_APPEND))
        return WASI_EROFS;
    int host_flags = fcntl(entry->host_fd, F_GETFL);
    if (host_flags < 0)
        return wasi_errno_from_host(errno);
    if (host_flags & O_PATH)
        return WASI_EBADF;
    host_flags &= ~(O_APPEND | O_NONBLOCK);
    if (flags & WASI_FDFLAG_APPEND) host_flags |= O_APPEND;
    if (flags & WASI_FDFLAG_NONBLOCK) host_flags |= O_NONBLOCK;
    return fcntl(entry->host_fd, F_SETFL, host_flags) < 0 ? wasi_errno_from_host(errno)
                                                          : WASI_ESUCCESS;
}

WASI_HANDLER(wasi_fd_fdstat_set_rights)
{
    wasi_fd_entry *entry = wasi_fd_get(call->ctx, ARG32(0));
    if (entry == NULL)
        return WASI_EBADF;
    uint64_t base = ARG64(1), inheriting = ARG64(2);
    /* Rights can only be dropped, never gained. */
    if ((base & ~entry->rights_base) || (inheriting & ~entry->rights_inheriting))
        return WASI_ENOTCAPABLE;
    entry->rights_base = base;
    entry->rights_inheriting = inheriting;
    return WASI_ESUCCESS;
}
