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
#include <unistd.h>

#include "runtime/exit_status.h"
#include "runtime/instance_spec.h"
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

static int spec_path(const rt_container *container, char *out, size_t size)
{
    return (size_t)snprintf(out, size, "%s/spec", container->dir) < size ? 0 : -1;
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
    char path[4096];
    int rc = spec_path(container, path, sizeof path) < 0
        ? wc_error_set(err, WC_EINVAL, "path too long: %s", container->dir)
        : rt_instance_spec_write(&spec, path, err);
    rt_instance_spec_clear(&spec);
    return rc;
}

static int wasm_container_start(rt_runtime *runtime, rt_container *container, wc_error *err)
{
    const char *shim = rt_runtime_shim_path(runtime);
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
    /* Its own session: the daemon's death or a terminal's hangup does not reach it. Signals
     * the daemon blocks or handles start in their default state in the shim. */
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF
                                        | POSIX_SPAWN_SETSIGMASK);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    char *const argv[] = { (char *)"wasmcri-shim", container->dir, NULL };
    pid_t pid = 0;
    int rc = posix_spawn(&pid, shim, &actions, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
        return wc_error_set_errno(err, rc, "spawn %s", shim);
    container->pid = pid;
    container->kill_sent = false;
    rt_process_start_time(pid, &container->pid_start_time);
    container->started_ns = rt_now_ns();
    container->state = RT_CONTAINER_RUNNING;
    if (rt_supervise(runtime, container, err) < 0) {
        /* Without a watch the exit would go unseen: do not leave it running. */
        kill(pid, SIGKILL);
        rt_collect_exit(runtime, container, 0, false);
        return -1;
    }
    wc_error save_err = { 0 };
    if (rt_container_save_start(runtime, container, &save_err) < 0) {
        /* A start the database does not know would be lost by a restart: undo it. */
        rt_signal(container, SIGKILL);
        container->kill_sent = true;
        *err = save_err;
        return -1;
    }
    rt_emit(runtime, RT_EVENT_STARTED, container);
    return 0;
}

static int wasm_container_update_memory(rt_runtime *runtime, rt_container *container,
                                        uint64_t memory_limit_bytes, wc_error *err)
{
    (void)runtime;
    if (container->state != RT_CONTAINER_CREATED)
        return 0; /* a running instance keeps the cap it was instantiated with */
    char path[4096];
    if (spec_path(container, path, sizeof path) < 0)
        return wc_error_set(err, WC_EINVAL, "path too long: %s", container->dir);
    rt_instance_spec spec;
    if (rt_instance_spec_read(path, &spec, err) < 0)
        return -1;
    spec.max_memory_pages = memory_pages(memory_limit_bytes);
    int rc = rt_instance_spec_write(&spec, path, err);
    rt_instance_spec_clear(&spec);
    return rc;
}

const rt_backend rt_wasm_backend = {
    .name = "wasm",
    .pod_run = wasm_pod_run,
    .container_create = wasm_container_create,
    .container_start = wasm_container_start,
    .container_update_memory = wasm_container_update_memory,
};
