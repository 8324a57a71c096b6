/* supervise.c - watching a shim process until it exits, with a pidfd on the event loop: works
 * the same for shims the daemon spawned and for those it reattached to after a restart. */
#include "runtime/runtime_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/exit_status.h"

typedef struct exit_watch {
    uv_poll_t poll; /* first: the handle is the allocation */
    rt_runtime *runtime;
    rt_container *container;
} exit_watch;

void rt_free_handle(uv_handle_t *handle)
{
    free(handle);
}

static void on_exit_readable(uv_poll_t *poll, int status, int events)
{
    (void)status;
    (void)events;
    exit_watch *watch = (exit_watch *)poll;
    rt_container *c = watch->container;
    int wait_status = 0;
    pid_t reaped;
    do
        reaped = waitpid(c->pid, &wait_status, WNOHANG);
    while (reaped < 0 && errno == EINTR);
    /* Not our child (reattached after a restart): someone else reaps it, we read the record. */
    rt_collect_exit(watch->runtime, c, wait_status, reaped == c->pid);
}

int rt_supervise(rt_runtime *runtime, rt_container *container, wc_error *err)
{
    int pidfd = (int)syscall(SYS_pidfd_open, container->pid, 0);
    if (pidfd < 0)
        return wc_error_set_errno(err, errno, "watch process %d", (int)container->pid);
    exit_watch *watch = calloc(1, sizeof *watch);
    if (watch == NULL) {
        close(pidfd);
        return wc_error_set(err, WC_ERESOURCE, "watch process: out of memory");
    }
    int rc = uv_poll_init(runtime->loop, &watch->poll, pidfd);
    if (rc < 0) {
        free(watch);
        close(pidfd);
        return wc_error_set(err, WC_EINTERNAL, "watch process %d: %s", (int)container->pid,
                            uv_strerror(rc));
    }
    watch->runtime = runtime;
    watch->container = container;
    container->pidfd = pidfd;
    container->exit_watch = &watch->poll;
    uv_poll_start(&watch->poll, UV_READABLE, on_exit_readable);
    return 0;
}

void rt_supervise_stop(rt_container *container)
{
    if (container->exit_watch) {
        uv_poll_stop(container->exit_watch);
        uv_close((uv_handle_t *)container->exit_watch, rt_free_handle);
        container->exit_watch = NULL;
    }
    if (container->pidfd >= 0) {
        close(container->pidfd);
        container->pidfd = -1;
    }
    if (container->kill_timer) {
        uv_timer_stop(container->kill_timer);
        uv_close((uv_handle_t *)container->kill_timer, rt_free_handle);
        container->kill_timer = NULL;
    }
}

int rt_signal(rt_container *container, int sig)
{
    if (container->pidfd >= 0)
        return (int)syscall(SYS_pidfd_send_signal, container->pidfd, sig, NULL, 0);
    if (container->pid > 0)
        return kill(container->pid, sig);
    errno = ESRCH;
    return -1;
}

/* fsync of a file and its directory on the thread pool: the loop never waits for the disk. */
typedef struct sync_job {
    uv_work_t work;
    char path[4096];
} sync_job;

static void sync_work(uv_work_t *work)
{
    sync_job *job = (sync_job *)work;
    int fd = open(job->path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    char *slash = strrchr(job->path, '/');
    if (slash == NULL)
        return;
    *slash = 0;
    fd = open(job->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static void sync_done(uv_work_t *work, int status)
{
    (void)status;
    free(work);
}

static void sync_later(rt_runtime *runtime, const char *path)
{
    sync_job *job = malloc(sizeof *job);
    if (job == NULL)
        return;
    snprintf(job->path, sizeof job->path, "%s", path);
    if (uv_queue_work(runtime->loop, &job->work, sync_work, sync_done) < 0)
        free(job);
}

static char *replace_string(char *old, const char *value)
{
    free(old);
    return strdup(value);
}

void rt_collect_exit(rt_runtime *runtime, rt_container *c, int wait_status,
                     bool have_wait_status)
{
    if (c->exit_watch) {
        uv_poll_stop(c->exit_watch);
        uv_close((uv_handle_t *)c->exit_watch, rt_free_handle);
        c->exit_watch = NULL;
    }
    if (c->pidfd >= 0) {
        close(c->pidfd);
        c->pidfd = -1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/exit", c->dir);
    rt_exit_status status;
    wc_error err = { 0 };
    if (rt_exit_status_read(path, &status, &err) < 0) {
        /* The shim could not record its end (SIGKILL, crash): record what we know. */
        status = (rt_exit_status){ 0 };
        if (have_wait_status && WIFEXITED(wait_status) && WEXITSTATUS(wait_status) != 0) {
            status.exit_code = WEXITSTATUS(wait_status);
            snprintf(status.message, sizeof status.message,
                     "the instance's shim exited with %d without recording an exit",
                     status.exit_code);
        } else if (have_wait_status && WIFSIGNALED(wait_status)) {
            status.exit_code = 128 + WTERMSIG(wait_status);
        } else if (c->kill_sent) {
            status.exit_code = 128 + SIGKILL;
        } else {
            status.exit_code = 255;
            snprintf(status.reason, sizeof status.reason, "Unknown");
            snprintf(status.message, sizeof status.message,
                     "the instance ended while the runtime was down, without an exit record");
        }
        wc_error write_err = { 0 };
        if (rt_exit_status_write_nosync(path, &status, &write_err) == 0)
            sync_later(runtime, path);
    }
    c->state = RT_CONTAINER_EXITED;
    c->exit_code = status.exit_code;
    c->finished_ns = status.finished_ns;
    c->reason = replace_string(c->reason, status.reason);
    c->message = replace_string(c->message, status.message);
    rt_container_exited(runtime, c);
}
