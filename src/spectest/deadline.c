/* deadline.c - a per-command deadline, so one runaway command (an engine bug looping forever)
 * costs that command only and the rest of the script still runs. A POSIX timer whose
 * notification runs on its own thread calls wasm_store_interrupt(), which is thread-safe;
 * the store travels in the timer's sigev_value, so no global state is needed. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "spectest/internal.h"

static void deadline_expired(union sigval value)
{
    wasm_store_interrupt(value.sival_ptr);
}

int spectest_deadline_init(spectest_deadline *deadline, wasm_store *store, unsigned timeout_ms,
                           wc_error *err)
{
    memset(deadline, 0, sizeof *deadline);
    deadline->timeout_ms = timeout_ms;
    if (timeout_ms == 0)
        return 0;
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_THREAD;
    event.sigev_notify_function = deadline_expired;
    event.sigev_value.sival_ptr = store;
    if (timer_create(CLOCK_MONOTONIC, &event, &deadline->timer) < 0)
        return wc_error_set_errno(err, errno, "timer_create");
    deadline->created = true;
    return 0;
}

static void set_timer(spectest_deadline *deadline, unsigned ms)
{
    if (!deadline->created)
        return;
    struct itimerspec spec;
    memset(&spec, 0, sizeof spec);
    spec.it_value.tv_sec = ms / 1000;
    spec.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
    timer_settime(deadline->timer, 0, &spec, NULL);
}

void spectest_deadline_arm(spectest_deadline *deadline)
{
    set_timer(deadline, deadline->timeout_ms);
}

void spectest_deadline_disarm(spectest_deadline *deadline)
{
    set_timer(deadline, 0);
}

void spectest_deadline_destroy(spectest_deadline *deadline)
{
    if (deadline->created)
        timer_delete(deadline->timer);
    deadline->created = false;
}
