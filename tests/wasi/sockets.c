/* sock_*: accepts one connection on the pre-opened listening socket (fd 3), reads a line,
 * answers "echo: <line>", shuts down. Socket calls on non-sockets are ENOTSOCK. */
#include <unistd.h>
#include <wasi/api.h>

#include "guest.h"

int main(void)
{
    __wasi_fd_t conn = 0;
    uint8_t buf[64];
    __wasi_size_t got = 0, sent = 0;
    __wasi_roflags_t roflags = 0;
    CHECK(__wasi_sock_accept(1, 0, &conn) == __WASI_ERRNO_NOTSOCK);
    CHECK(__wasi_sock_accept(42, 0, &conn) == __WASI_ERRNO_BADF);
    __wasi_iovec_t riov = { buf, sizeof buf };
    CHECK(__wasi_sock_recv(1, &riov, 1, 0, &got, &roflags) == __WASI_ERRNO_NOTSOCK);
    CHECK(__wasi_sock_shutdown(1, __WASI_SDFLAGS_WR) == __WASI_ERRNO_NOTSOCK);

    __wasi_fdstat_t st;
    CHECK(__wasi_fd_fdstat_get(3, &st) == 0 && st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM);
    CHECK(__wasi_sock_accept(3, 0, &conn) == 0 && conn > 3);
    size_t have = 0;
    while (have < sizeof buf && (have == 0 || buf[have - 1] != '\n')) {
        riov = (__wasi_iovec_t){ buf + have, sizeof buf - have };
        if (__wasi_sock_recv(conn, &riov, 1, 0, &got, &roflags) != 0 || got == 0)
            break;
        have += got;
    }
    CHECK(have == 6 && memcmp(buf, "hello\n", 6) == 0);
    __wasi_ciovec_t siov[2] = { { (const uint8_t *)"echo: ", 6 }, { buf, have } };
    CHECK(__wasi_sock_send(conn, siov, 2, 0, &sent) == 0 && sent == 6 + have);
    CHECK(__wasi_sock_shutdown(conn, 99) == __WASI_ERRNO_INVAL);
    CHECK(__wasi_sock_shutdown(conn, __WASI_SDFLAGS_RD | __WASI_SDFLAGS_WR) == 0);
    CHECK(__wasi_fd_close(conn) == 0);
    GUEST_DONE();
}
