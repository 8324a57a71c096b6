/* sock.c - sock_accept/recv/send/shutdown on sockets the embedder pre-opened (and the
 * connections accepted from them). Anything else is ENOTSOCK; unknown fds EBADF. */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "util/cleanup.h"
#include "wasi/host.h"

static uint32_t socket_entry(wasi_call *call, uint32_t fd, wasi_fd_entry **out)
{
    *out = wasi_fd_get(call->ctx, fd);
    if (*out == NULL)
        return WASI_EBADF;
    if ((*out)->filetype != WASI_FILETYPE_SOCKET_STREAM
        && (*out)->filetype != WASI_FILETYPE_SOCKET_DGRAM)
        return WASI_ENOTSOCK;
    return WASI_ESUCCESS;
}

WASI_HANDLER(wasi_sock_accept)
{
    wasi_fd_entry *listener;
    uint32_t e = socket_entry(call, ARG32(0), &listener);
    if (e != WASI_ESUCCESS)
        return e;
    uint32_t flags = ARG32(1), fd_ptr = ARG32(2);
    if (flags & ~WASI_FDFLAG_NONBLOCK)
        return WASI_EINVAL;
    if (wasi_guest(call, fd_ptr, 4) == NULL)
        return WASI_EFAULT;
    int host_flags = SOCK_CLOEXEC | ((flags & WASI_FDFLAG_NONBLOCK) ? SOCK_NONBLOCK : 0);
    if (call->ctx->interrupted)
        return wasi_trap_interrupted(call);
    int fd;
    while ((fd = accept4(listener->host_fd, NULL, NULL, host_flags)) < 0 && errno == EINTR) {
        if (call->ctx->interrupted)
            return wasi_trap_interrupted(call);
    }
    if (fd < 0)
        return wasi_errno_from_host(errno);
    wasi_fd_entry entry = {
        .host_fd = fd,
        .filetype = WASI_FILETYPE_SOCKET_STREAM,
        .rights_base = listener->rights_inheriting,
        .rights_inheriting = listener->rights_inheriting,
    };
    return wasi_fd_insert_reply(call, &entry, fd_ptr);
}

WASI_HANDLER(wasi_sock_recv)
{
    wasi_fd_entry *entry;
    uint32_t e = socket_entry(call, ARG32(0), &entry);
    if (e != WASI_ESUCCESS)
        return e;
    uint32_t ri_flags = ARG32(3), datalen_ptr = ARG32(4), flags_ptr = ARG32(5);
    if (ri_flags & ~(WASI_RIFLAG_RECV_PEEK | WASI_RIFLAG_RECV_WAITALL))
        return WASI_EINVAL;
    if (wasi_guest(call, datalen_ptr, 4) == NULL || wasi_guest(call, flags_ptr, 2) == NULL)
        return WASI_EFAULT;
    cleanup_free struct iovec *vec = NULL;
    int count = 0;
    e = wasi_iovecs(call, ARG32(1), ARG32(2), &vec, &count);
    if (e != WASI_ESUCCESS)
        return e;
    struct msghdr msg = { .msg_iov = vec, .msg_iovlen = (size_t)count };
    int host_flags = ((ri_flags & WASI_RIFLAG_RECV_PEEK) ? MSG_PEEK : 0)
                     | ((ri_flags & WASI_RIFLAG_RECV_WAITALL) ? MSG_WAITALL : 0);
    if (call->ctx->interrupted)
        return wasi_trap_interrupted(call);
    ssize_t n;
    while ((n = recvmsg(entry->host_fd, &msg, host_flags)) < 0 && errno == EINTR) {
        if (call->ctx->interrupted)
            return wasi_trap_interrupted(call);
    }
    if (n < 0)
        return wasi_errno_from_host(errno);
    wasi_store_u32(call, datalen_ptr, (uint32_t)n);
    wasi_store_u16(call, flags_ptr, (msg.msg_flags & MSG_TRUNC) ? WASI_ROFLAG_RECV_DATA_TRUNCATED
                                                                 : 0);
    return WASI_ESUCCESS;
}

WASI_HANDLER(wasi_sock_send)
{
    wasi_fd_entry *entry;
    uint32_t e = socket_entry(call, ARG32(0), &entry);
    if (e != WASI_ESUCCESS)
        return e;
    uint32_t datalen_ptr = ARG32(4);
    if (ARG32(3) != 0) /* siflags: none are defined */
        return WASI_EINVAL;
    if (wasi_guest(call, datalen_ptr, 4) == NULL)
        return WASI_EFAULT;
    cleanup_free struct iovec *vec = NULL;
    int count = 0;
    e = wasi_iovecs(call, ARG32(1), ARG32(2), &vec, &count);
    if (e != WASI_ESUCCESS)
        return e;
    struct msghdr msg = { .msg_iov = vec, .msg_iovlen = (size_t)count };
    ssize_t n;
    /* MSG_NOSIGNAL: a closed peer is EPIPE for the guest, never SIGPIPE for the host. */
    while ((n = sendmsg(entry->host_fd, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
        if (call->ctx->interrupted)
            return wasi_trap_interrupted(call);
    }
    if (n < 0)
        return wasi_errno_from_host(errno);
    wasi_store_u32(call, datalen_ptr, (uint32_t)n);
    return WASI_ESUCCESS;
}

WASI_HANDLER(wasi_sock_shutdown)
{
    wasi_fd_entry *entry;
    uint32_t e = socket_entry(call, ARG32(0), &entry);
    if (e != WASI_ESUCCESS)
        return e;
    int how;
    switch (ARG32(1)) {
    case WASI_SDFLAG_RD: how = SHUT_RD; break;
    case WASI_SDFLAG_WR: how = SHUT_WR; break;
    case WASI_SDFLAG_RD | WASI_SDFLAG_WR: how = SHUT_RDWR; break;
    default: return WASI_EINVAL;
    }
    return shutdown(entry->host_fd, how) < 0 ? wasi_errno_from_host(errno) : WASI_ESUCCESS;
}
