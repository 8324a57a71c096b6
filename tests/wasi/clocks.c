/* clocks (all four), clock resolution, sleeping through poll_oneoff (relative and absolute),
 * sched_yield, random_get. argv[1]: the host's realtime in seconds. */
#include <sched.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

#include "guest.h"

static uint64_t now(__wasi_clockid_t id)
{
    __wasi_timestamp_t t = 0;
    CHECK(__wasi_clock_time_get(id, 1, &t) == 0);
    return t;
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    long long host_now = argc == 2 ? atoll(argv[1]) : 0;
    uint64_t real = now(__WASI_CLOCKID_REALTIME);
    CHECK((long long)(real / 1000000000u) >= host_now - 60
          && (long long)(real / 1000000000u) <= host_now + 60);
    uint64_t m1 = now(__WASI_CLOCKID_MONOTONIC), m2 = now(__WASI_CLOCKID_MONOTONIC);
    CHECK(m2 >= m1 && m1 > 0);
    volatile uint64_t spin = 0;
    for (int i = 0; i < 2000000; i++)
        spin += (uint64_t)i;
    CHECK(spin > 0);
    CHECK(now(__WASI_CLOCKID_PROCESS_CPUTIME_ID) > 0);
    CHECK(now(__WASI_CLOCKID_THREAD_CPUTIME_ID) > 0);
    __wasi_timestamp_t res = 0;
    for (__wasi_clockid_t id = 0; id < 4; id++) {
        CHECK(__wasi_clock_res_get(id, &res) == 0 && res > 0 && res <= 1000000000u);
    }
    CHECK(__wasi_clock_time_get(99, 1, &res) == __WASI_ERRNO_INVAL);
    CHECK(__wasi_clock_res_get(99, &res) == __WASI_ERRNO_INVAL);

    /* A relative sleep (nanosleep -> poll_oneoff) of 120 ms. */
    struct timespec ts = { 0, 120 * 1000000 };
    uint64_t before = now(__WASI_CLOCKID_MONOTONIC);
    CHECK(nanosleep(&ts, NULL) == 0);
    uint64_t slept = now(__WASI_CLOCKID_MONOTONIC) - before;
    CHECK(slept >= 120000000u && slept < 2000000000u);

    /* An absolute monotonic deadline 80 ms ahead, raw. */
    __wasi_subscription_t sub = { .userdata = 42, .u.tag = __WASI_EVENTTYPE_CLOCK };
    sub.u.u.clock = (__wasi_subscription_clock_t){ .id = __WASI_CLOCKID_MONOTONIC,
        .timeout = now(__WASI_CLOCKID_MONOTONIC) + 80000000u,
        .flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME };
    __wasi_event_t ev;
    __wasi_size_t n = 0;
    before = now(__WASI_CLOCKID_MONOTONIC);
    CHECK(__wasi_poll_oneoff(&sub, &ev, 1, &n) == 0);
    CHECK(n == 1 && ev.userdata == 42 && ev.error == 0 && ev.type == __WASI_EVENTTYPE_CLOCK);
    CHECK(now(__WASI_CLOCKID_MONOTONIC) - before >= 70000000u);
    /* An absolute realtime deadline 50 ms ahead. */
    sub.u.u.clock = (__wasi_subscription_clock_t){ .id = __WASI_CLOCKID_REALTIME,
        .timeout = now(__WASI_CLOCKID_REALTIME) + 50000000u,
        .flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME };
    before = now(__WASI_CLOCKID_MONOTONIC);
    CHECK(__wasi_poll_oneoff(&sub, &ev, 1, &n) == 0 && n == 1 && ev.error == 0);
    CHECK(now(__WASI_CLOCKID_MONOTONIC) - before >= 40000000u);
    /* A CPU-time clock cannot be waited on: answered at once with an error. */
    sub.u.u.clock.id = __WASI_CLOCKID_PROCESS_CPUTIME_ID;
    CHECK(__wasi_poll_oneoff(&sub, &ev, 1, &n) == 0 && n == 1 && ev.error == __WASI_ERRNO_NOTSUP);
    sub.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    /* A deadline already past answers at once; no subscriptions is EINVAL. */
    sub.u.u.clock.timeout = 1;
    CHECK(__wasi_poll_oneoff(&sub, &ev, 1, &n) == 0 && n == 1);
    CHECK(__wasi_poll_oneoff(&sub, &ev, 0, &n) == __WASI_ERRNO_INVAL);

    CHECK(sched_yield() == 0);

    unsigned char a[64] = { 0 }, b[64] = { 0 };
    CHECK(getentropy(a, sizeof a) == 0 && getentropy(b, sizeof b) == 0);
    CHECK(memcmp(a, b, sizeof a) != 0);
    int nonzero = 0;
    for (size_t i = 0; i < sizeof a; i++)
        nonzero += a[i] != 0;
    CHECK(nonzero > 32);
    CHECK(__wasi_random_get(a, 0) == 0);
    printf("slept %llu ms\n", (unsigned long long)(slept / 1000000u));
    GUEST_DONE();
}
