/* linux_backend.c - the seam for Linux containers (runc/crun sandboxes with a pause-less
 * process model), which belong to a later issue: every operation says so clearly. */
#include "runtime/runtime_internal.h"

static int linux_pod_run(rt_runtime *runtime, rt_pod *pod, wc_error *err)
{
    (void)runtime;
    return wc_error_set(err, WC_EUNIMPLEMENTED,
                        "runtime handler '%s' runs Linux containers, which wasmcri does not "
                        "support yet; use a wasm handler (RuntimeClass handler 'wasm') or the "
                        "pod annotation wasm-sandbox",
                        pod->runtime_handler[0] ? pod->runtime_handler : "(default)");
}

static int linux_container_create(rt_runtime *runtime, rt_pod *pod, rt_container *container,
                                  const rt_container_request *request, wc_error *err)
{
    (void)runtime;
    (void)container;
    (void)request;
    return wc_error_set(err, WC_EUNIMPLEMENTED, "pod %s: Linux containers are not supported yet",
                        pod->id);
}

static int linux_container_start(rt_runtime *runtime, rt_container *container, wc_error *err)
{
    (void)runtime;
    return wc_error_set(err, WC_EUNIMPLEMENTED,
                        "container %s: Linux containers are not supported yet", container->id);
}

static int linux_container_update_memory(rt_runtime *runtime, rt_container *container,
                                         uint64_t memory_limit_bytes, wc_error *err)
{
    (void)runtime;
    (void)memory_limit_bytes;
    return wc_error_set(err, WC_EUNIMPLEMENTED,
                        "container %s: Linux containers are not supported yet", container->id);
}

const rt_backend rt_linux_backend = {
    .name = "linux",
    .pod_run = linux_pod_run,
    .container_create = linux_container_create,
    .container_start = linux_container_start,
    .container_update_memory = linux_container_update_memory,
};
