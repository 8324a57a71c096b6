/* runtime_internal.h - shared between the files of src/runtime only. */
#ifndef WASMCRI_RUNTIME_RUNTIME_INTERNAL_H
#define WASMCRI_RUNTIME_RUNTIME_INTERNAL_H

#include "runtime/backend.h"
#include "runtime/runtime.h"

struct rt_runtime {
    uv_loop_t *loop;
    store_db *db;
    char *root;
    char *shim_path;
    rt_event_fn on_event;
    void *event_data;
    rt_pod *pods;
    rt_container *containers;
    /* Shims spawned ahead of need (wasm backend), so a start does not wait for an exec: two,
     * so that back-to-back starts find one while the next is being spawned. */
#define RT_WARM_SHIMS 2
    pid_t warm_pid[RT_WARM_SHIMS];
    int warm_fd[RT_WARM_SHIMS];
    int warm_count;
    int warm_spawning;
    uv_timer_t *warm_timer;
    bool closing;
    rt_cgroups cgroups;
};

/* wasm_backend.c: the warm shim. */
void rt_wasm_backend_open(rt_runtime *runtime);
void rt_wasm_backend_close(rt_runtime *runtime);

typedef struct rt_waiter {
    rt_done_fn done;
    void *data;
    struct rt_waiter *next;
} rt_waiter;

const char *rt_runtime_shim_path(const rt_runtime *runtime);
void rt_emit(rt_runtime *runtime, rt_event_kind kind, const rt_container *container);
/* Persists the container's row (after a start: pid, start time, started_ns; a new spec). */
int rt_container_save(rt_runtime *runtime, rt_container *container, wc_error *err);

/* supervise.c: watching a shim until it exits. */
int rt_supervise(rt_runtime *runtime, rt_container *container, wc_error *err);
/* Called for a container whose shim is gone (or at reload): reads or writes its exit record. */
void rt_collect_exit(rt_runtime *runtime, rt_container *container, int wait_status,
                     bool have_wait_status);
/* Stops watching (closes the pidfd, the watch and the kill timer); the container may be freed
 * right after. */
void rt_supervise_stop(rt_container *container);
/* Ends the stop deadline, emits the STOPPED event and wakes the waiters. */
void rt_container_exited(rt_runtime *runtime, rt_container *container);
/* A uv_close callback for handles allocated alone. */
void rt_free_handle(uv_handle_t *handle);
int rt_signal(rt_container *container, int sig);

/* process.c: facts about a process from /proc. */
int rt_process_start_time(pid_t pid, uint64_t *out);
int rt_process_usage(pid_t pid, rt_usage *out, wc_error *err);

#endif
