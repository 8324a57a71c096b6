/* clock.c - clock_res_get and clock_time_get over the host's POSIX clocks. */
#include <time.h>

#include "wasi/host.h"

static bool host_clock(uint32_t id, clockid_t *out)
{
    switch (id) {
    case WASI_CLOCK_REALTIME: *out = CLOCK_REALTIME; return true;
    case WASI_CLOCK_MONOTONIC: *out = CLOCK_MONOTONIC; return true;
    case WASI_CLOCK_PROCESS_CPUTIME_ID: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case WASI_CLOCK_THREAD_CPUTIME_ID: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
    }
}

static uint64_t timespec_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

WASI_HANDLER(wasi_clock_res_get)
{
    clockid_t id;
    struct timespec ts;
    if (!host_clock(ARG32(0), &id))
        return WASI_EINVAL;
    if (clock_getres(id, &ts) < 0)
        return WASI_EINVAL;
    return wasi_store_u64(call, ARG32(1), timespec_ns(&ts)) ? WASI_ESUCCESS : WASI_EFAULT;
}

WASI_HANDLER(wasi_clock_time_get)
{
    clockid_t id;
    struct timespec ts;
    if (!host_clock(ARG32(0), &id))
        return WASI_EINVAL;
    /* ARG64(1) is the precision the guest tolerates: ours is always the best there is. */
    if (clock_gettime(id, &ts) < 0)
        return WASI_EINVAL;
    return wasi_store_u64(call, ARG32(2), timespec_ns(&ts)) ? WASI_ESUCCESS : WASI_EFAULT;
}
