/* poll_oneoff on fds: stdin (a pipe holding "ping\n") is readable with nbytes, stdout is
 * writable, a bad fd answers EBADF, and a ready fd ends a wait that also has a long clock. */
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <wasi/api.h>

#include "guest.h"

int main(void)
{
    __wasi_subscription_t subs[3] = {
        { .userdata = 1, .u.tag = __WASI_EVENTTYPE_FD_READ, .u.u.fd_read.file_descriptor = 0 },
        { .userdata = 2, .u.tag = __WASI_EVENTTYPE_CLOCK,
          .u.u.clock = { .id = __WASI_CLOCKID_MONOTONIC, .timeout = 5000000000ull } },
        { .userdata = 3, .u.tag = __WASI_EVENTTYPE_FD_WRITE, .u.u.fd_write.file_descriptor = 1 },
    };
    __wasi_event_t events[3];
    __wasi_size_t n = 0;
    __wasi_timestamp_t before = 0, after = 0;
    CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &before) == 0);
    CHECK(__wasi_poll_oneoff(subs, events, 3, &n) == 0);
    CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &after) == 0);
    CHECK(after - before < 2000000000ull);
    CHECK(n == 2);
    int saw_read = 0, saw_write = 0;
    for (__wasi_size_t i = 0; i < n; i++) {
        if (events[i].userdata == 1) {
            saw_read = 1;
            CHECK(events[i].type == __WASI_EVENTTYPE_FD_READ && events[i].error == 0);
            CHECK(events[i].fd_readwrite.nbytes == 5);
        } else if (events[i].userdata == 3) {
            saw_write = 1;
            CHECK(events[i].type == __WASI_EVENTTYPE_FD_WRITE && events[i].error == 0);
        }
    }
    CHECK(saw_read && saw_write);
    char buf[16] = { 0 };
    CHECK(read(0, buf, sizeof buf) == 5 && strcmp(buf, "ping\n") == 0);

    /* libc poll() over the same calls. */
    struct pollfd pfd = { .fd = 1, .events = POLLOUT };
    CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLOUT));

    /* A bad fd is answered at once with EBADF. */
    subs[0].u.u.fd_read.file_descriptor = 77;
    CHECK(__wasi_poll_oneoff(subs, events, 2, &n) == 0);
    CHECK(n == 1 && events[0].userdata == 1 && events[0].error == __WASI_ERRNO_BADF);

    /* stdin at end of file: readable, hang-up or 0 bytes. */
    subs[0].u.u.fd_read.file_descriptor = 0;
    CHECK(__wasi_poll_oneoff(subs, events, 1, &n) == 0 && n == 1 && events[0].error == 0);
    CHECK(read(0, buf, sizeof buf) == 0);
    /* A pipe has no position. */
    CHECK(lseek(0, 0, SEEK_CUR) == -1 && errno == ESPIPE);
    CHECK(pread(0, buf, 1, 0) == -1 && errno == ESPIPE);
    CHECK(fcntl(0, F_SETFL, O_NONBLOCK) == 0 && (fcntl(0, F_GETFL) & O_NONBLOCK));
    GUEST_DONE();
}
