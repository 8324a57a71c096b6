/* wasm_backend.c - wasm sandboxes and instances: a pod is a no-op (no process, READY at once);
 * an instance is a wasmcri-shim process that runs one module, spawned directly (no shell, in
 * its own session so it outlives the daemon). */
#include "runtime/runtime_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/exit_status.h"
#include "runtime/instance_spec.h"
#include "runtime/shim.h"
#include "util/cleanup.h"
#include "util/file.h"

extern char **environ;

static int wasm_pod_run(rt_runtime *runtime, rt_pod *pod, wc_error *err)
{
    (void)runtime;
    (void)pod;
    (void)err;
    return 0;
}

static uint32_t memory_pages(uint64_t limit_bytes)
{
    if (limit_bytes == 0)
        return 0;
    uint64_t pages = limit_bytes / 65536;
    if (pages == 0)
        pages = 1; /* a cap below one page still lets a module without memory run */
    return pages > 65536 ? 65536 : (uint32_t)pages;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int wasm_container_create(rt_runtime *runtime, rt_pod *pod, rt_container *container,
                                 const rt_container_request *request, wc_error *err)
{
    (void)runtime;
    (void)pod;
    if (request->module_path == NULL)
        return wc_error_set(err, WC_EINVAL, "image %s is not a wasm module",
                            request->image ? request->image : "");
    rt_instance_spec spec = { 0 };
    int oom = 0;
    spec.module_path = strdup(request->module_path);
    oom |= spec.module_path == NULL;
    /* The original convention: command[0] names the module and is argv[0]. */
    if (request->command_count == 0) {
        const char *name = request->module_filename && request->module_filename[0]
            ? request->module_filename : base_name(request->module_path);
        oom |= rt_instance_spec_add_arg(&spec, name);
    }
    for (size_t i = 0; i < request->command_count; i++)
        oom |= rt_instance_spec_add_arg(&spec, request->command[i]);
    for (size_t i = 0; i < request->args_count; i++)
        oom |= rt_instance_spec_add_arg(&spec, request->args[i]);
    for (size_t i = 0; i < request->env_count; i++)
        oom |= rt_instance_spec_add_env(&spec, request->env[i]);
    for (size_t i = 0; i < request->mounts_count; i++) {
        const rt_mount *m = &request->mounts[i];
        if (m->container_path == NULL || m->container_path[0] == 0 || m->host_path == NULL
            || m->host_path[0] == 0) {
            rt_instance_spec_clear(&spec);
            return wc_error_set(err, WC_EINVAL, "mount %zu: container_path and host_path are "
                                "required", i);
        }
        oom |= rt_instance_spec_add_preopen(&spec, m->container_path, m->host_path,
                                            m->read_only);
    }
    if (request->working_dir && request->working_dir[0])
        oom |= (spec.working_dir = strdup(request->working_dir)) == NULL;
    if (request->log_path)
        oom |= (spec.log_path = strdup(request->log_path)) == NULL;
    spec.max_memory_pages = memory_pages(request->memory_limit_bytes);
    if (oom) {
        rt_instance_spec_clear(&spec);
        return wc_error_set(err, WC_ERESOURCE, "instance spec: out of memory");
    }
    if (request->log_path) {
        /* kubelet makes the pod's log directory; crictl users may not have. */
        cleanup_free char *copy = strdup(request->log_path);
        if (copy && wc_mkdir_p(dirname(copy), 0755, err) < 0) {
            rt_instance_spec_clear(&spec);
            return wc_error_prefix(err, "log directory");
        }
    }
    int rc = rt_instance_spec_format(&spec, &container->spec, &container->spec_length, err);
    rt_instance_spec_clear(&spec);
    return rc;
}

/* Spawns a shim that waits for its instance on stdin (a socket whose other end is *fd). */
static int spawn_waiting_shim(rt_runtime *runtime, pid_t *pid, int *fd, wc_error *err)
{
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
        return wc_error_set_errno(err, errno, "shim socket");
    const char *shim = rt_runtime_shim_path(runtime);
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
    /* Its own session: the daemon's death or a terminal's hangup does not reach it. Signals
     * the daemon blocks or handles start in their default state in the shim. */
    sigset_t all, held;
    sigfillset(&all);
    /* Held until the shim's handlers are in place: a reopen or a cap update right after a
     * start must wait for them, not kill it. */
    sigemptyset(&held);
    sigaddset(&held, SIGUSR1);
    sigaddset(&held, RT_SHIM_MEMORY_SIGNAL);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &held);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF
                                        | POSIX_SPAWN_SETSIGMASK);
    posix_spawn_file_actions_adddup2(&actions, pair[1], 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    char *const argv[] = { (char *)"wasmcri-shim", NULL };
    int rc = posix_spawn(pid, shim, &actions, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close(pair[1]);
    if (rc != 0) {
        close(pair[0]);
        return wc_error_set_errno(err, rc, "spawn %s", shim);
    }
    *fd = pair[0];
    return 0;
}

/* The spawn of the next warm shim runs on the thread pool: an exec takes the spawning thread
 * a millisecond or more, which the loop must not wait for. */
typedef struct warm_spawn {
    uv_work_t work;
    rt_runtime *runtime;
    pid_t pid;
    int fd;
    int rc;
} warm_spawn;

static void warm_spawn_work(uv_work_t *work)
{
    warm_spawn *job = (warm_spawn *)work;
    wc_error err = { 0 };
    job->rc = spawn_waiting_shim(job->runtime, &job->pid, &job->fd, &err);
}

static void warm_spawn_done(uv_work_t *work, int status)
{
    warm_spawn *job = (warm_spawn *)work;
    rt_runtime *runtime = job->runtime;
    runtime->warm_spawning--;
    if (job->rc == 0 && status == 0) {
        if (runtime->warm_count < RT_WARM_SHIMS && !runtime->closing) {
            runtime->warm_pid[runtime->warm_count] = job->pid;
            runtime->warm_fd[runtime->warm_count] = job->fd;
            runtime->warm_count++;
        } else {
            close(job->fd);
            waitpid(job->pid, NULL, 0);
        }
    }
    free(job);
}

static void refill_warm_shim(uv_timer_t *timer)
{
    rt_runtime *runtime = timer->data;
    while (!runtime->closing && runtime->warm_count + runtime->warm_spawning < RT_WARM_SHIMS) {
        warm_spawn *job = calloc(1, sizeof *job);
        if (job == NULL)
            return; /* the next start spawns one itself */
        job->runtime = runtime;
        job->fd = -1;
        if (uv_queue_work(runtime->loop, &job->work, warm_spawn_work, warm_spawn_done) < 0) {
            free(job);
            return;
        }
        runtime->warm_spawning++;
    }
}

void rt_wasm_backend_open(rt_runtime *runtime)
{
    runtime->warm_timer = malloc(sizeof *runtime->warm_timer);
    if (runtime->warm_timer == NULL)
        return;
    uv_timer_init(runtime->loop, runtime->warm_timer);
    runtime->warm_timer->data = runtime;
    /* Not a reason to keep the loop running. */
    uv_unref((uv_handle_t *)runtime->warm_timer);
    uv_timer_start(runtime->warm_timer, refill_warm_shim, 0, 0);
}

void rt_wasm_backend_close(rt_runtime *runtime)
{
    runtime->closing = true;
    /* A spawn under way finishes on the pool; its done callback must run before we go. */
    while (runtime->warm_spawning > 0)
        uv_run(runtime->loop, UV_RUN_ONCE);
    if (runtime->warm_timer) {
        uv_timer_stop(runtime->warm_timer);
        uv_close((uv_handle_t *)runtime->warm_timer, rt_free_handle);
        runtime->warm_timer = NULL;
    }
    /* EOF before any byte: a waiting shim exits at once. */
    while (runtime->warm_count > 0) {
        runtime->warm_count--;
        close(runtime->warm_fd[runtime->warm_count]);
        waitpid(runtime->warm_pid[runtime->warm_count], NULL, 0);
    }
}

/* Sends the whole message; false when the shim is gone (EPIPE) or the socket fails. */
static bool send_all(int fd, const char *data, size_t length)
{
    while (length > 0) {
        ssize_t n = send(fd, data, length, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        length -= (size_t)n;
    }
    return true;
}

static int wasm_container_start(rt_runtime *runtime, rt_container *container, wc_error *err)
{
    if (container->spec == NULL)
        return wc_error_set(err, WC_EPRECONDITION, "container %s has no instance spec",
                            container->id);
    size_t dir_length = strlen(container->dir);
    cleanup_free char *message = malloc(dir_length + 1 + container->spec_length);
    if (message == NULL)
        return wc_error_set(err, WC_ERESOURCE, "start: out of memory");
    memcpy(message, container->dir, dir_length);
    message[dir_length] = '\n';
    memcpy(message + dir_length + 1, container->spec, container->spec_length);
    size_t length = dir_length + 1 + container->spec_length;
    pid_t pid = 0;
    int fd = -1;
    for (int attempt = 0;; attempt++) {
        if (runtime->warm_count > 0) {
            runtime->warm_count--;
            pid = runtime->warm_pid[runtime->warm_count];
            fd = runtime->warm_fd[runtime->warm_count];
        } else if (spawn_waiting_shim(runtime, &pid, &fd, err) < 0) {
            return -1;
        }
        /* Into its cgroup before it gets the instance: the module never runs unlimited. */
        if (rt_cpu_limits_set(&container->cpu) && runtime->cgroups.root != NULL
            && rt_cgroup_place(&runtime->cgroups, container->id, pid, &container->cpu, err) < 0) {
            close(fd); /* EOF: the shim exits without running anything */
            waitpid(pid, NULL, 0);
            return wc_error_prefix(err, "cpu limits");
        }
        bool sent = send_all(fd, message, length);
        close(fd);
        if (sent)
            break;
        /* That shim died while waiting: reap it and take a fresh one, once. */
        waitpid(pid, NULL, 0);
        if (attempt == 1)
            return wc_error_set(err, WC_EINTERNAL, "the shim exited before taking its instance");
    }
    container->pid = pid;
    container->kill_sent = false;
    rt_process_start_time(pid, &container->pid_start_time);
    container->started_ns = rt_now_ns();
    container->state = RT_CONTAINER_RUNNING;
    if (runtime->warm_timer)
        uv_timer_start(runtime->warm_timer, refill_warm_shim, 0, 0);
    if (rt_supervise(runtime, container, err) < 0) {
        /* Without a watch the exit would go unseen: do not leave it running. */
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        rt_collect_exit(runtime, container, 0, false);
        return -1;
    }
    wc_error save_err = { 0 };
    if (rt_container_save(runtime, container, &save_err) < 0) {
        /* A start the database does not know would be lost by a restart: undo it. */
        rt_signal(container, SIGKILL);
        container->kill_sent = true;
        *err = save_err;
        return -1;
    }
    rt_emit(runtime, RT_EVENT_STARTED, container);
    return 0;
}

/* Queues the new cap to a running shim (see shim.h): through the pidfd when there is one,
 * which cannot reach a process that reused the pid. */
static int send_memory_cap(rt_container *container, uint32_t pages)
{
    int sig = RT_SHIM_MEMORY_SIGNAL;
    union sigval value = { .sival_int = (int)pages };
    if (container->pidfd >= 0) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        info.si_signo = sig;
        info.si_code = SI_QUEUE;
        info.si_pid = getpid();
        info.si_uid = getuid();
        info.si_value = value;
        return (int)syscall(SYS_pidfd_send_signal, container->pidfd, sig, &info, 0);
    }
    if (container->pid > 0)
        return sigqueue(container->pid, sig, value);
    errno = ESRCH;
    return -1;
}

/* A created instance gets the cap in its spec; a running one gets it at once from its shim
 * (the spec keeps it too, as the record of the cap in force). */
static int wasm_container_update_memory(rt_runtime *runtime, rt_container *container,
                                        uint64_t memory_limit_bytes, wc_error *err)
{
    bool running = container->state == RT_CONTAINER_RUNNING;
    if ((container->state != RT_CONTAINER_CREATED && !running) || container->spec == NULL)
        return 0; /* an exited instance has no cap left to change */
    if (running && send_memory_cap(container, memory_pages(memory_limit_bytes)) < 0
        && errno != ESRCH) /* ESRCH: it just exited; its exit is collected as usual */
        return wc_error_set_errno(err, errno, "memory limit of container %s", container->id);
    cleanup_free char *copy = strndup(container->spec, container->spec_length);
    if (copy == NULL)
        return wc_error_set(err, WC_ERESOURCE, "update: out of memory");
    rt_instance_spec spec;
    if (rt_instance_spec_parse(copy, &spec, err) < 0)
        return -1;
    spec.max_memory_pages = memory_pages(memory_limit_bytes);
    char *text = NULL;
    size_t length = 0;
    int rc = rt_instance_spec_format(&spec, &text, &length, err);
    rt_instance_spec_clear(&spec);
    if (rc < 0)
        return -1;
    free(container->spec);
    container->spec = text;
    container->spec_length = length;
    return rt_container_save(runtime, container, err);
}

const rt_backend rt_wasm_backend = {
    .name = "wasm",
    .pod_run = wasm_pod_run,
    .container_create = wasm_container_create,
    .container_start = wasm_container_start,
    .container_update_memory = wasm_container_update_memory,
};
