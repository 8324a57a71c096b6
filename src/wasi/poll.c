/* poll_oneoff: wait for clock deadlines (relative or absolute, realtime or monotonic) and for
 * fds to become readable or writable, with one ppoll. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "wasi/host.h"

typedef struct subscription {
    uint64_t userdata;
    uint8_t type;
    uint16_t error;      /* answered at once with this errno (bad fd, unsupported clock) */
    clockid_t clock;
    uint64_t deadline;   /* clock: in that clock's nanoseconds */
    int poll_index;      /* fd: its pollfd, -1 when answered at once */
} subscription;

static uint64_t now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Bytes ready to read, for the event's nbytes (0 when the host cannot say). */
static uint64_t readable_bytes(int fd)
{
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        off_t position = lseek(fd, 0, SEEK_CUR);
        return position >= 0 && st.st_size > position ? (uint64_t)(st.st_size - position) : 0;
    }
    int n = 0;
    return ioctl(fd, FIONREAD, &n) == 0 && n > 0 ? (uint64_t)n : 0;
}

static void store_event(wasi_call *call, uint32_t at, const subscription *s, uint16_t error,
                        uint64_t nbytes, uint16_t flags)
{
    uint8_t *p = wasi_guest(call, at, WASI_EVENT_SIZE);
    memset(p, 0, WASI_EVENT_SIZE);
    wasi_store_u64(call, at + WASI_EVENT_USERDATA, s->userdata);
    wasi_store_u16(call, at + WASI_EVENT_ERROR, error);
    wasi_store_u8(call, at + WASI_EVENT_TYPE, s->type);
    wasi_store_u64(call, at + WASI_EVENT_NBYTES, nbytes);
    wasi_store_u16(call, at + WASI_EVENT_FLAGS, flags);
}

/* Reads subscription i from guest memory already bounds-checked. */
static void read_subscription(wasi_call *call, const uint8_t *p, subscription *s,
                              struct pollfd *pollfds, int *poll_count)
{
    *s = (subscription){ .userdata = wasi_le64(p + WASI_SUBSCRIPTION_USERDATA),
                         .type = p[WASI_SUBSCRIPTION_TAG], .poll_index = -1 };
    if (s->type == WASI_EVENTTYPE_CLOCK) {
        uint32_t id = wasi_le32(p + WASI_SUBSCRIPTION_CLOCK_ID);
        uint64_t timeout = wasi_le64(p + WASI_SUBSCRIPTION_CLOCK_TIMEOUT);
        uint16_t flags = wasi_le16(p + WASI_SUBSCRIPTION_CLOCK_FLAGS);
        if (id == WASI_CLOCK_REALTIME)
            s->clock = CLOCK_REALTIME;
        else if (id == WASI_CLOCK_MONOTONIC)
            s->clock = CLOCK_MONOTONIC;
        else {
            s->error = id <= WASI_CLOCK_THREAD_CPUTIME_ID ? WASI_ENOTSUP : WASI_EINVAL;
            return;
        }
        if (flags & WASI_SUBSCRIPTION_CLOCK_ABSTIME) {
            s->deadline = timeout;
        } else {
            uint64_t now = now_ns(s->clock);
            s->deadline = timeout > UINT64_MAX - now ? UINT64_MAX : now + timeout;
        }
        return;
    }
    if (s->type != WASI_EVENTTYPE_FD_READ && s->type != WASI_EVENTTYPE_FD_WRITE) {
        s->error = WASI_EINVAL;
        return;
    }
    wasi_fd_entry *entry = wasi_fd_get(call->ctx, wasi_le32(p + WASI_SUBSCRIPTION_FD));
    if (entry == NULL) {
        s->error = WASI_EBADF;
        return;
    }
    s->poll_index = (*poll_count)++;
    pollfds[s->poll_index] = (struct pollfd){
        .fd = entry->host_fd,
        .events = s->type == WASI_EVENTTYPE_FD_READ ? POLLIN : POLLOUT,
    };
}

WASI_HANDLER(wasi_poll_oneoff)
{
    uint32_t in = ARG32(0), out = ARG32(1), count = ARG32(2), nevents_ptr = ARG32(3);
    if (count == 0)
        return WASI_EINVAL;
    const uint8_t *subs = wasi_guest(call, in, (uint64_t)count * WASI_SUBSCRIPTION_SIZE);
    if (subs == NULL || wasi_guest(call, out, (uint64_t)count * WASI_EVENT_SIZE) == NULL
        || wasi_guest(call, nevents_ptr, 4) == NULL)
        return WASI_EFAULT;
    cleanup_free subscription *s = calloc(count, sizeof *s);
    cleanup_free struct pollfd *pollfds = calloc(count, sizeof *pollfds);
    if (s == NULL || pollfds == NULL)
        return WASI_ENOMEM;
    int poll_count = 0;
    bool answered_at_once = false;
    for (uint32_t i = 0; i < count; i++) {
        read_subscription(call, subs + (size_t)i * WASI_SUBSCRIPTION_SIZE, &s[i], pollfds,
                          &poll_count);
        answered_at_once |= s[i].error != 0;
    }

    for (;;) {
        /* An interrupt that came before the wait began would not cut the wait short. */
        if (call->ctx->interrupted)
            return wasi_trap_interrupted(call);
        /* Sleep until the nearest deadline (not at all when something is already answered). */
        bool have_clock = false;
        uint64_t wait = UINT64_MAX;
        for (uint32_t i = 0; i < count; i++) {
            if (s[i].type != WASI_EVENTTYPE_CLOCK || s[i].error)
                continue;
            uint64_t now = now_ns(s[i].clock);
            uint64_t left = s[i].deadline > now ? s[i].deadline - now : 0;
            have_clock = true;
            wait = left < wait ? left : wait;
        }
        if (answered_at_once)
            wait = 0, have_clock = true;
        struct timespec timeout = { .tv_sec = (time_t)(wait / 1000000000u),
                                    .tv_nsec = (long)(wait % 1000000000u) };
        if (wait / 1000000000u > (uint64_t)INT32_MAX)
            timeout.tv_sec = INT32_MAX;
        int ready = ppoll(pollfds, (nfds_t)poll_count, have_clock ? &timeout : NULL, NULL);
        if (ready < 0) {
            if (errno != EINTR)
                return wasi_errno_from_host(errno);
            if (call->ctx->interrupted)
                return wasi_trap_interrupted(call);
            continue;
        }

        uint32_t events = 0;
        for (uint32_t i = 0; i < count; i++) {
            uint32_t at = out + events * WASI_EVENT_SIZE;
            if (s[i].error) {
                store_event(call, at, &s[i], s[i].error, 0, 0);
                events++;
            } else if (s[i].type == WASI_EVENTTYPE_CLOCK) {
                if (now_ns(s[i].clock) >= s[i].deadline) {
                    store_event(call, at, &s[i], 0, 0, 0);
                    events++;
                }
            } else {
                const struct pollfd *pfd = &pollfds[s[i].poll_index];
                if (pfd->revents == 0)
                    continue;
                uint16_t error = (pfd->revents & POLLNVAL) ? WASI_EBADF : 0;
                uint16_t flags = (pfd->revents & POLLHUP) ? WASI_EVENT_FD_READWRITE_HANGUP : 0;
                uint64_t nbytes = s[i].type == WASI_EVENTTYPE_FD_READ && !error
                                      ? readable_bytes(pfd->fd) : 0;
                store_event(call, at, &s[i], error, nbytes, flags);
                events++;
            }
        }
        if (events > 0) {
            wasi_store_u32(call, nevents_ptr, events);
            return WASI_ESUCCESS;
        }
    }
}
