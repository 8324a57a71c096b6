/* backend.h - what differs between kinds of sandboxes. The wasm backend runs an instance per
 * wasmcri-shim process; the Linux backend (runc/crun containers) is a seam for a later issue.
 * The runtime keeps the state machine and persistence; a backend only does the work. */
#ifndef WASMCRI_RUNTIME_BACKEND_H
#define WASMCRI_RUNTIME_BACKEND_H

#include "runtime/runtime.h"

struct rt_backend {
    const char *name;
    /* Makes the sandbox exist (the wasm one has no process). */
    int (*pod_run)(rt_runtime *runtime, rt_pod *pod, wc_error *err);
    /* Prepares container->dir for a start. */
    int (*container_create)(rt_runtime *runtime, rt_pod *pod, rt_container *container,
                            const rt_container_request *request, wc_error *err);
    /* Starts the workload's supervisor; sets container->pid. */
    int (*container_start)(rt_runtime *runtime, rt_container *container, wc_error *err);
    int (*container_update_memory)(rt_runtime *runtime, rt_container *container,
                                   uint64_t memory_limit_bytes, wc_error *err);
};

extern const rt_backend rt_wasm_backend;
extern const rt_backend rt_linux_backend;

#endif
