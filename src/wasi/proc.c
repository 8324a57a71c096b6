/* proc.c - proc_exit, proc_raise, sched_yield, random_get. */
#include <errno.h>
#include <sched.h>
#include <sys/random.h>

#include "wasi/host.h"

WASI_HANDLER(wasi_proc_exit)
{
    /* Not an error: the engine unwinds the guest and wasi_run reads the code from the trap. */
    wasm_trap_exit(call->trap, (int)ARG32(0));
    return WASI_TRAPPED;
}

WASI_HANDLER(wasi_proc_raise)
{
    (void)call;
    (void)args;
    /* Signals are not part of the sandbox: a guest cannot signal itself. */
    return WASI_ENOSYS;
}

WASI_HANDLER(wasi_sched_yield)
{
    (void)call;
    (void)args;
    sched_yield();
    return WASI_ESUCCESS;
}

WASI_HANDLER(wasi_random_get)
{
    uint8_t *buf = wasi_guest(call, ARG32(0), ARG32(1));
    if (buf == NULL)
        return WASI_EFAULT;
    size_t length = ARG32(1), done = 0;
    while (done < length) {
        ssize_t n = getrandom(buf + done, length - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return wasi_errno_from_host(errno);
        }
        done += (size_t)n;
    }
    return WASI_ESUCCESS;
}
