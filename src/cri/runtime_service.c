/* runtime_service.c - the CRI RuntimeService: protobuf requests <-> the runtime's pods and
 * containers (src/runtime). Handlers run on the loop thread; only image lookups (the image
 * store may block on disk or network) go to the thread pool. */
#include "cri/runtime_service.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.pb-c.h"
#include "cri/config.h"
#include "cri/log.h"
#include "image/store.h"
#include "runtime/exit_status.h"
#include "runtime/runtime.h"
#include "store/db.h"
#include "util/cleanup.h"

typedef struct event_subscriber {
    cri_call *call;
    struct event_subscriber *next;
} event_subscriber;

struct cri_runtime_service {
    cri_server *server;
    const cri_config *config;
    store_db *db;
    img_store *images;
    rt_runtime *runtime;
    event_subscriber *subscribers;
};

/* ---- an arena for building responses: everything freed at once after the reply -------- */

typedef struct arena {
    void **blocks;
    size_t count;
    size_t capacity;
    bool failed;
} arena;

static void *arena_alloc(arena *a, size_t size)
{
    if (a->count == a->capacity) {
        size_t capacity = a->capacity ? 2 * a->capacity : 32;
        void **bigger = realloc(a->blocks, capacity * sizeof *bigger);
        if (bigger == NULL) {
            a->failed = true;
            return NULL;
        }
        a->blocks = bigger;
        a->capacity = capacity;
    }
    void *block = calloc(1, size ? size : 1);
    if (block == NULL) {
        a->failed = true;
        return NULL;
    }
    a->blocks[a->count++] = block;
    return block;
}

static void arena_free(arena *a)
{
    for (size_t i = 0; i < a->count; i++)
        free(a->blocks[i]);
    free(a->blocks);
}

#define ARENA_NEW(a, type, init)                                                             \
    ({                                                                                       \
        type *object_ = arena_alloc((a), sizeof(type));                                      \
        if (object_)                                                                         \
            *object_ = (type)init;                                                           \
        object_;                                                                             \
    })

static void reply_or_fail(cri_call *call, const ProtobufCMessage *response, arena *a)
{
    if (a->failed) {
        wc_error err = { WC_ERESOURCE, "out of memory building the response" };
        cri_call_fail(call, &err);
    } else {
        cri_call_reply(call, response);
    }
}

/* ---- decoded configs, cached on the runtime's objects ------------------------------- */

static void free_pod_config(void *config)
{
    runtime__v1__pod_sandbox_config__free_unpacked(config, NULL);
}

static void free_container_config(void *config)
{
    runtime__v1__container_config__free_unpacked(config, NULL);
}

static Runtime__V1__PodSandboxConfig *pod_config(rt_pod *pod)
{
    if (pod->cache == NULL && pod->config_length > 0) {
        pod->cache = runtime__v1__pod_sandbox_config__unpack(NULL, pod->config_length,
                                                             pod->config);
        pod->cache_free = free_pod_config;
    }
    return pod->cache;
}

static Runtime__V1__ContainerConfig *container_config(rt_container *c)
{
    if (c->cache == NULL && c->config_length > 0) {
        c->cache = runtime__v1__container_config__unpack(NULL, c->config_length, c->config);
        c->cache_free = free_container_config;
    }
    return c->cache;
}

/* Label/annotation maps: every generated map entry is { base, key, value }, and the wire form
 * is the same whatever message holds it, so a response may point at the request's entries. */
typedef struct map_entry {
    ProtobufCMessage base;
    char *key;
    char *value;
} map_entry;

static const char *map_get(map_entry **entries, size_t count, const char *key)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(entries[i]->key, key) == 0)
            return entries[i]->value;
    return NULL;
}

static bool labels_match(map_entry **selector, size_t selector_count, map_entry **labels,
                         size_t label_count)
{
    for (size_t i = 0; i < selector_count; i++) {
        const char *value = map_get(labels, label_count, selector[i]->key);
        if (value == NULL || strcmp(value, selector[i]->value) != 0)
            return false;
    }
    return true;
}

#define MAP(config, field) ((map_entry **)((config) ? (config)->field : NULL))
#define MAP_COUNT(config, field) ((config) ? (config)->n_##field : 0)

/* Labels and annotations of a listed or inspected object echo its config's entries. */
#define ECHO_LABELS_AND_ANNOTATIONS(to, config)                                              \
    do {                                                                                     \
        (to)->n_labels = (config)->n_labels;                                                 \
        (to)->labels = (void *)(config)->labels;                                             \
        (to)->n_annotations = (config)->n_annotations;                                       \
        (to)->annotations = (void *)(config)->annotations;                                   \
    } while (0)

/* List filters name objects by id prefix, as crictl passes them; "" matches everything. */
static bool id_matches(const char *id, const char *prefix)
{
    return prefix[0] == 0 || strncmp(id, prefix, strlen(prefix)) == 0;
}

/* ---- responses from the model ------------------------------------------------------- */

static Runtime__V1__PodSandboxMetadata *pod_metadata(arena *a, const rt_pod *pod)
{
    Runtime__V1__PodSandboxMetadata *m =
        ARENA_NEW(a, Runtime__V1__PodSandboxMetadata, RUNTIME__V1__POD_SANDBOX_METADATA__INIT);
    if (m) {
        m->name = pod->name;
        m->namespace_ = pod->namespace_;
        m->uid = pod->uid;
        m->attempt = pod->attempt;
    }
    return m;
}

static Runtime__V1__ContainerMetadata *container_metadata(arena *a, const rt_container *c)
{
    Runtime__V1__ContainerMetadata *m =
        ARENA_NEW(a, Runtime__V1__ContainerMetadata, RUNTIME__V1__CONTAINER_METADATA__INIT);
    if (m) {
        m->name = c->name;
        m->attempt = c->attempt;
    }
    return m;
}

static Runtime__V1__ImageSpec *image_spec(arena *a, const rt_container *c)
{
    Runtime__V1__ImageSpec *spec =
        ARENA_NEW(a, Runtime__V1__ImageSpec, RUNTIME__V1__IMAGE_SPEC__INIT);
    if (spec) {
        spec->image = c->image;
        spec->user_specified_image = c->image;
    }
    return spec;
}

static Runtime__V1__PodSandboxStatus *pod_status(arena *a, rt_pod *pod)
{
    Runtime__V1__PodSandboxConfig *config = pod_config(pod);
    Runtime__V1__PodSandboxStatus *s =
        ARENA_NEW(a, Runtime__V1__PodSandboxStatus, RUNTIME__V1__POD_SANDBOX_STATUS__INIT);
    Runtime__V1__PodSandboxNetworkStatus *network = ARENA_NEW(
        a, Runtime__V1__PodSandboxNetworkStatus, RUNTIME__V1__POD_SANDBOX_NETWORK_STATUS__INIT);
    if (s == NULL || network == NULL)
        return NULL;
    s->id = pod->id;
    s->metadata = pod_metadata(a, pod);
    s->state = (Runtime__V1__PodSandboxState)pod->state;
    s->created_at = pod->created_ns;
    s->network = network;
    s->runtime_handler = pod->runtime_handler;
    if (config) {
        ECHO_LABELS_AND_ANNOTATIONS(s, config);
        /* Namespace options are echoed as the pod asked for them. */
        if (config->linux && config->linux->security_context
            && config->linux->security_context->namespace_options) {
            Runtime__V1__LinuxPodSandboxStatus *linux_status = ARENA_NEW(
                a, Runtime__V1__LinuxPodSandboxStatus, RUNTIME__V1__LINUX_POD_SANDBOX_STATUS__INIT);
            Runtime__V1__Namespace *namespaces =
                ARENA_NEW(a, Runtime__V1__Namespace, RUNTIME__V1__NAMESPACE__INIT);
            if (linux_status && namespaces) {
                namespaces->options = config->linux->security_context->namespace_options;
                linux_status->namespaces = namespaces;
                s->linux = linux_status;
            }
        }
    }
    return s;
}

static Runtime__V1__ContainerStatus *container_status(arena *a, rt_container *c)
{
    Runtime__V1__ContainerConfig *config = container_config(c);
    Runtime__V1__ContainerStatus *s =
        ARENA_NEW(a, Runtime__V1__ContainerStatus, RUNTIME__V1__CONTAINER_STATUS__INIT);
    if (s == NULL)
        return NULL;
    s->id = c->id;
    s->metadata = container_metadata(a, c);
    s->state = (Runtime__V1__ContainerState)c->state;
    s->created_at = c->created_ns;
    s->started_at = c->state == RT_CONTAINER_CREATED ? 0 : c->started_ns;
    s->finished_at = c->state == RT_CONTAINER_EXITED ? c->finished_ns : 0;
    s->exit_code = c->state == RT_CONTAINER_EXITED ? c->exit_code : 0;
    s->image = image_spec(a, c);
    s->image_ref = c->image_id;
    s->image_id = c->image_id;
    s->reason = c->reason ? c->reason : (char *)"";
    s->message = c->message ? c->message : (char *)"";
    s->log_path = c->log_path ? c->log_path : (char *)"";
    if (config) {
        ECHO_LABELS_AND_ANNOTATIONS(s, config);
        s->n_mounts = config->n_mounts;
        s->mounts = config->mounts;
        if (config->linux && config->linux->resources) {
            Runtime__V1__ContainerResources *resources = ARENA_NEW(
                a, Runtime__V1__ContainerResources, RUNTIME__V1__CONTAINER_RESOURCES__INIT);
            if (resources) {
                resources->linux = config->linux->resources;
                s->resources = resources;
            }
        }
    }
    return s;
}

static Runtime__V1__UInt64Value *u64(arena *a, uint64_t value)
{
    Runtime__V1__UInt64Value *v =
        ARENA_NEW(a, Runtime__V1__UInt64Value, RUNTIME__V1__UINT64_VALUE__INIT);
    if (v)
        v->value = value;
    return v;
}

/* CPU and memory usage as CRI reports them: the working set, RSS and usage are all the RSS. */
static void fill_usage(arena *a, Runtime__V1__CpuUsage *cpu, Runtime__V1__MemoryUsage *memory,
                       int64_t timestamp_ns, uint64_t cpu_ns, uint64_t rss_bytes)
{
    cpu->timestamp = timestamp_ns;
    cpu->usage_core_nano_seconds = u64(a, cpu_ns);
    memory->timestamp = timestamp_ns;
    memory->working_set_bytes = u64(a, rss_bytes);
    memory->rss_bytes = u64(a, rss_bytes);
    memory->usage_bytes = u64(a, rss_bytes);
}

static Runtime__V1__ContainerStats *container_stats(arena *a, rt_container *c)
{
    Runtime__V1__ContainerConfig *config = container_config(c);
    rt_usage usage;
    wc_error err = { 0 };
    rt_container_usage(c, &usage, &err);
    Runtime__V1__ContainerStats *stats =
        ARENA_NEW(a, Runtime__V1__ContainerStats, RUNTIME__V1__CONTAINER_STATS__INIT);
    Runtime__V1__ContainerAttributes *attributes = ARENA_NEW(
        a, Runtime__V1__ContainerAttributes, RUNTIME__V1__CONTAINER_ATTRIBUTES__INIT);
    Runtime__V1__CpuUsage *cpu = ARENA_NEW(a, Runtime__V1__CpuUsage, RUNTIME__V1__CPU_USAGE__INIT);
    Runtime__V1__MemoryUsage *memory =
        ARENA_NEW(a, Runtime__V1__MemoryUsage, RUNTIME__V1__MEMORY_USAGE__INIT);
    if (!stats || !attributes || !cpu || !memory)
        return NULL;
    attributes->id = c->id;
    attributes->metadata = container_metadata(a, c);
    if (config)
        ECHO_LABELS_AND_ANNOTATIONS(attributes, config);
    fill_usage(a, cpu, memory, usage.timestamp_ns, usage.cpu_ns, usage.rss_bytes);
    stats->attributes = attributes;
    stats->cpu = cpu;
    stats->memory = memory;
    return stats;
}

/* ---- helpers ------------------------------------------------------------------------ */

static void fail(cri_call *call, wc_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(cri_call *call, wc_code code, const char *fmt, ...)
{
    wc_error err = { 0 };
    va_list ap;
    va_start(ap, fmt);
    wc_error_setv(&err, code, fmt, ap);
    va_end(ap);
    cri_call_fail(call, &err);
}

/* A call waiting for the runtime (stop, remove): answered with an empty response. */
typedef struct pending_reply {
    cri_call *call;
    const ProtobufCMessageDescriptor *descriptor;
} pending_reply;

static void reply_empty(cri_call *call, const ProtobufCMessageDescriptor *descriptor)
{
    /* Every *Response answered this way has no fields. */
    ProtobufCMessage message;
    protobuf_c_message_init(descriptor, &message);
    cri_call_reply(call, &message);
}

static void pending_done(void *data, const wc_error *err)
{
    pending_reply *pending = data;
    if (err)
        cri_call_fail(pending->call, err);
    else
        reply_empty(pending->call, pending->descriptor);
    free(pending);
}

static pending_reply *pending_new(cri_call *call, const ProtobufCMessageDescriptor *descriptor)
{
    pending_reply *pending = malloc(sizeof *pending);
    if (pending == NULL) {
        fail(call, WC_ERESOURCE, "out of memory");
        return NULL;
    }
    *pending = (pending_reply){ call, descriptor };
    return pending;
}

static bool truthy(const char *value)
{
    return value != NULL && strcmp(value, "0") != 0 && strcasecmp(value, "false") != 0;
}

/* ---- pods --------------------------------------------------------------------------- */

static size_t containers_in_pod(cri_runtime_service *service, const rt_pod *pod)
{
    size_t count = 0;
    for (rt_container *c = rt_container_first(service->runtime); c; c = c->next)
        count += strcmp(c->pod_id, pod->id) == 0;
    return count;
}

static void run_pod_sandbox(cri_call *call, const ProtobufCMessage *message, void *data)
{
    cri_runtime_service *service = data;
    const Runtime__V1__RunPodSandboxRequest *request = (const void *)message;
    const Runtime__V1__PodSandboxConfig *config = request->config;
    if (config == NULL || config->metadata == NULL || config->metadata->name[0] == 0) {
        fail(call, WC_EINVAL, "RunPodSandbox: config.metadata.name is required");
        return;
    }
    const char *handler = request->runtime_handler ? request->runtime_handler : "";
    bool wasm = cri_config_is_wasm_handler(service->config, handler)
        || truthy(map_get(MAP(config, annotations), MAP_COUNT(config, annotations),
                          "wasm-sandbox"));
    size_t length = runtime__v1__pod_sandbox_config__get_packed_size(config);
    cleanup_free uint8_t *packed = malloc(length ? length : 1);
    if (packed == NULL) {
        fail(call, WC_ERESOURCE, "out of memory");
        return;
    }
    runtime__v1__pod_sandbox_config__pack(config, packed);
    rt_pod_request pod_request = {
        .name = config->metadata->name,
        .namespace_ = config->metadata->namespace_,
        .uid = config->metadata->uid,
        .attempt = config->metadata->attempt,
        .runtime_handler = handler,
        .wasm = wasm,
        .config = packed,
        .config_length = length,
    };
    rt_pod *pod = NULL;
    wc_error err = { 0 };
    if (rt_pod_run(service->runtime, &pod_request, &pod, &err) < 0) {
        cri_call_fail(call, &err);
        return;
    }
    cri_log_info("pod sandbox %s/%s is %s (handler '%s')", pod->namespace_, pod->name, pod->id,
                 handler);
    Runtime__V1__RunPodSandboxResponse response = RUNTIME__V1__RUN_POD_SANDBOX_RESPONSE__INIT;
    response.pod_sandbox_id = pod->id;
    cri_call_reply(call, &response.base);
}

static void stop_pod_sandbox(cri_call *call, const ProtobufCMessage *message, void *data)
{
    cri_runtime_service *service = data;
    const Runtime__V1__StopPodSandboxRequest *request = (const void *)message;
    rt_pod *pod = rt_pod_find(service->runtime, request->pod_sandbox_id, NULL);
    if (pod == NULL) { /* nothing left to stop: success, so kubelet's retries settle */
        reply_empty(call, &runtime__v1__stop_pod_sandbox_response__descriptor);
        return;
    }
    pending_reply *pending = pending_new(call, &runtime__v1__stop_pod_sandbox_response__descriptor);
    if (pending)
        rt_pod_stop(service->runtime, pod, pending_done, pending);
}

static void remove_pod_sandbox(cri_call *call, const ProtobufCMessage *message, void *data)
{
    cri_runtime_service *service = data;
    const Runtime__V1__RemovePodSandboxRequest *request = (const void *)message;
    rt_pod *pod = rt_pod_find(service->runtime, request->pod_sandbox_id, NULL);
    if (pod == NULL) { /* already gone: success, as containerd answers */
        reply_empty(call, &runtime__v1__remove_pod_sandbox_response__descriptor);
        return;
    }
    pending_reply *pending =
        pending_new(call, &runtime__v1__remove_pod_sandbox_response__descriptor);
    if (pending)
        rt_pod_remove(service->runtime, pod, pending_done, pending);
}

static void pod_sandbox_status(cri_call *call, const ProtobufCMessage *message, void *data)
{
    cri_runtime_service *service = data;
    const Runtime__V1__PodSandboxStatusRequest *request = (const void *)message;
    wc_error err = { 0 };
    rt_pod *pod = rt_pod_find(service->runtime, request->pod_sandbox_id, &err);
    if (pod == NULL) {
        cri_call_fail(call, &err);
        return;
    }
    arena a = { 0 };
    Runtime__V1__PodSandboxStatusResponse response =
        RUNTIME__V1__POD_SANDBOX_STATUS_RESPONSE__INIT;
    response.status = pod_status(&a, pod);
    response.timestamp = rt_now_ns();
    size_t count = containers_in_pod(service, pod);
    response.containers_statuses = arena_alloc(&a, count * sizeof *response.containers_statuses);
    for (rt_container *c = rt_container_first(service->runtime); c && response.containers_statuses;
         c = c->next)
        if (strcmp(c->pod_id, pod->id) == 0)
            response.containers_statuses[response.n_containers_statuses++] =
                container_status(&a, c);
    reply_or_fail(call, &response.base, &a);
    arena_free(&a);
}

static void list_pod_sandbox(cri_call *call, const ProtobufCMessage *message, void *data)
{
    cri_runtime_service *service = data;
    const Runtime__V1__ListPodSandboxRequest *request = (const void *)message;
    const Runtime__V1__PodSandboxFilter *filter = request->filter;
    arena a = { 0 };
    size_t count = 0;
    for (rt_pod *pod = rt_pod_first(service->runtime); pod; pod = pod->next)
        count++;
    Runtime__V1__ListPodSandboxResponse response = RUNTIME__V1__LIST_POD_SANDBOX_RESPONSE__INIT;
    response.items = arena_alloc(&a, count * sizeof *response.items);
    for (rt_pod *pod = rt_pod_first(service->runtime); pod && response.items; pod = pod->next) {
        Runtime__V1__PodSandboxConfig *config = pod_config(pod);
        if (filter) {
            if (!id_matches(pod->id, filter->id))
                continue;
            if (filter->state && (int)filter->state->state != (int)pod->state)
                continue;
            if (!labels_match(MAP(filter, label_selector), MAP_COUNT(filter, label_selector),
                              MAP(config, labels), MAP_COUNT(config, labels)))
                continue;
        }
        Runtime__V1__PodSandbox *item =
            ARENA_NEW(&a, Runtime__V1__PodSandbox, RUNTIME__V1__POD_SANDBOX__INIT);
        if (item == NULL)
            break;
        item->id = pod->id;
        item->metadata = pod_metadata(&a, pod);
        item->state = (Runtime__V1__PodSandboxState)pod->state;
        item->created_at = pod->created_ns;
        item->runtime_handler = pod->runtime_handler;
        if (config)
            ECHO_LABELS_AND_ANNOTATIONS(item, config);
        response.items[response.n_items++] = item;
    }
    reply_or_fail(call, &response.base, &a);
    arena_free(&a);
}

static Runtime__V1__PodSandboxStats *pod_stats(cri_runtime_service *service, arena *a,
                                               rt_pod *pod)
{
    Runtime__V1__PodSandboxConfig *config = pod_config(pod);
    Runtime__V1__PodSandboxStats *stats =
        ARENA_NEW(a, Runtime__V1__PodSandboxStats, RUNTIME__V1__POD_SANDBOX_STATS__INIT);
    Runtime__V1__PodSandboxAttributes *attributes = ARENA_NEW(
        a, Runtime__V1__PodSandboxAttributes, RUNTIME__V1__POD_SANDBOX_ATTRIBUTES__INIT);
    Runtime__V1__LinuxPodSandboxStats *linux_stats = ARENA_NEW(
        a, Runtime__V1__LinuxPodSandboxStats, RUNTIME__V1__LINUX_POD_SANDBOX_STATS__INIT);
    Runtime__V1__CpuUsage *cpu = ARENA_NEW(a, Runtime__V1__CpuUsage, RUNTIME__V1__CPU_USAGE__INIT);
    Runtime__V1__MemoryUsage *memory =
        ARENA_NEW(a, Runtime__V1__MemoryUsage, RUNTIME__V1__MEMORY_USAGE__INIT);
    if (!stats || !attributes || !linux_stats || !cpu || !memory)
        return NULL;
    attributes->id = pod->id;
    attributes->metadata = pod_metadata(a, pod);
    if (config)
        ECHO_LABELS_AND_ANNOTATIONS(attributes, config);
    size_t count = containers_in_pod(service, pod);
    linux_stats->containers = arena_alloc(a, count * sizeof *linux_stats->containers);
    uint64_t cpu_ns = 0, rss = 0;
    int64_t now = rt_now_ns();
    for (rt_container *c = rt_container_first(service->runtime); c && linux_stats->containers;
         c = c->next) {
        if (strcmp(c->pod_id, pod->id) != 0)
            continue;
        Runtime__V1__ContainerStats *cs = container_stats(a, c);
        if (cs == NULL)
            return NULL;
        cpu_ns += cs->cpu->usage_core_nano_seconds->value;
        rss += cs->memory->working_set_bytes->value;
        linux_stats->containers[linux_stats->n_containers++] = cs;
    }
    fill_usage(a, cpu, memory, now, cpu_ns, rss);
    linux_stats->cpu = cpu;
    linux_stats->memory = memory;
    stats->attributes = attributes;
    stats->linux = linux_stats;
    return stats;
}

static void pod_sandbox_stats(cri_call *call, const ProtobufCMessage *message, void *data)
{
    cri_runtime_service *service = data;
    const Runtime__V1__PodSandboxStatsRequest *request = (const void *)message;
    wc_error err = { 0 };
    rt_pod *pod = rt_pod_find(service->runtime, request->pod_sandbox_id, &err);
    if (pod == NULL) {
        cri_call_fail(call, &err);
        return;
    }
    arena a = { 0 };
    Runtime__V1__PodSandboxStatsResponse response = RUNTIME__V1__POD_SANDBOX_STATS_RESPONSE__INIT;
    response.stats = pod_stats(service, &a, pod);
    reply_or_fail(call, &response.base, &a);
    arena_free(&a);
}

static void list_pod_sandbox_stats(cri_call *call, const ProtobufCMessage *message, void *data)
{
    cri_runtime_service *service = data;
    const Runtime__V1__ListPodSandboxStatsRequest *request = (const void *)message;
    const Runtime__V1__PodSandboxStatsFilter *filter = request->filter;
    arena a = { 0 };
    size_t count = 0;
    for (rt_pod *pod = rt_pod_first(service->runtime); pod; pod = pod->next)
        count++;
    Runtime__V1__ListPodSandboxStatsResponse response =
        RUNTIME__V1__LIST_POD_SANDBOX_STATS_RESPONSE__INIT;
    response.stats = arena_alloc(&a, count * sizeof *response.stats);
    for (rt_pod *pod = rt_pod_first(service->runtime); pod && response.stats; pod = pod->next) {
        Runtime__V1__PodSandboxConfig *config = pod_config(pod);
        if (filter && !id_matches(pod->id, filter->id))
            continue;
        if (filter && !labels_match(MAP(filter, label_selector), MAP_COUNT(filter, label_selector),
                                    MAP(config, labels), MAP_COUNT(config, labels)))
            continue;
        Runtime__V1__PodSandboxStats *stats = pod_stats(service, &a, pod);
        if (stats == NULL)
            break;
        response.stats[response.n_stats++] = stats;
    }
    reply_or_fail(call, &response.base, &a);
    arena_free(&a);
}

/* ---- containers: create (a pull of a missing module runs on the thread pool) --------- */

typedef struct create_job {
    cri_runtime_service *service;
    const Runtime__V1__CreateContainerRequest *request;
    char pod_id[65];
    char *image;             /* the reference asked for */
    char *pull_url;          /* a wasm.module.url to pull from when the image is missing */
    char *pull_filename;
    char *pull_stop_signal;
    img_record *record;
    wc_error err;
} create_job;

/* The short name of an image reference: "registry/x/demo:v1" -> "demo". */
static void image_short_name(const char *image, char *out, size_t size)
{
    const char *start = strrchr(image, '/');
    start = start ? start + 1 : image;
    size_t length = strcspn(start, ":@");
    snprintf(out, size, "%.*s", (int)length, start);
}

/* Where the module of a container may be named, first match wins:
 *   the container config's image.annotations: wasm.module.url (the original system's way);
 *   pod annotations wasm.module.url/<image short name>, wasm.module.url/<container name>;
 *   the pod annotation wasm.module.url (a pod with one module).
 * The same keys with wasm.module.filename and wasm.module.stopSignal go with it. */
/* Takes the module a map names by keys (url, filename, stopSignal); false without a url. */
static bool take_module(create_job *job, map_entry **entries, size_t count,
                        const char *const keys[3])
{
    const char *url = map_get(entries, count, keys[0]);
    if (url == NULL)
        return false;
    const char *filename = map_get(entries, count, keys[1]);
    const char *stop = map_get(entries, count, keys[2]);
    job->pull_url = strdup(url);
    job->pull_filename = filename ? strdup(filename) : NULL;
    job->pull_stop_signal = stop ? strdup(stop) : NULL;
    return true;
}

static void find_module_url(create_job *job)
{
    const Runtime__V1__ContainerConfig *config = job->request->config;
    const Runtime__V1__PodSandboxConfig *pod = job->request->sandbox_config;
    const Runtime__V1__ImageSpec *spec = config->image;
    char short_name[256], keys[3][3][320];
    image_short_name(job->image, short_name, sizeof short_name);
    const char *fields[3] = { "wasm.module.url", "wasm.module.filename", "wasm.module.stopSignal" };
    if (spec && take_module(job, MAP(spec, annotations), MAP_COUNT(spec, annotations), fields))
        return;
    if (pod == NULL)
        return;
    const char *name = config->metadata ? config->metadata->name : "";
    for (int f = 0; f < 3; f++) {
        snprintf(keys[0][f], sizeof keys[0][f], "%s/%s", fields[f], short_name);
        snprintf(keys[1][f], sizeof keys[1][f], "%s/%s", fields[f], name);
        snprintf(keys[2][f], sizeof keys[2][f], "%s", fields[f]);
    }
    for (int k = 0; k < 3; k++) {
        const char *const named[3] = { keys[k][0], keys[k][1], keys[k][2] };
        if (take_module(job, MAP(pod, annotations), MAP_COUNT(pod, annotations), named))
            return;
    }
}

static void create_lookup_work(void *data)
{
    create_job *job = data;
    if (img_store_resolve(job->service->images, job->image, &job->record, &job->err) == 0)
        return;
    if (job->err.code != WC_ENOTFOUND || job->pull_url == NULL)
        return;
    img_annotation annotations[3] = { { "wasm.module.url", job->pull_url } };
    size_t count = 1;
    if (job->pull_filename)
        annotations[count++] = (img_annotation){ "wasm.module.filename", job->pull_filename };
    if (job->pull_stop_signal)
        annotations[count++] = (img_annotation){ "wasm.module.stopSignal",
                                                 job->pull_stop_signal };
    cleanup_free char *image_ref = NULL;
    wc_error_clear(&job->err);
    if (img_store_pull(job->service->images, job->image, annotations, count, NULL, &image_ref,
                       &job->err) < 0) {
        wc_error_prefix(&job->err, "pull %s from %s", job->image, job->pull_url);
        return;
    }
    img_store_resolve(job->service->images, image_ref, &job->record, &job->err);
}

static int parse_signal(const char *name)
{
    static const struct { const char *name; int number; } signals[] = {
        { "TERM", SIGTERM }, { "INT", SIGINT }, { "HUP", SIGHUP }, { "QUIT", SIGQUIT },
        { "KILL", SIGKILL }, { "USR2", SIGUSR2 },
    };
    if (name == NULL || name[0] == 0)
        return 0;
    if (strncasecmp(name, "SIG", 3) == 0)
        name += 3;
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        if (strcasecmp(name, signals[i].name) == 0)
            return signals[i].number;
    int number = atoi(name);
    return number > 0 && number < 65 ? number : 0;
}

static void create_job_free(create_job *job)
{
    free(job->image);
    free(job->pull_url);
    free(job->pull_filename);
    free(job->pull_stop_signal);
    if (job->record)
        img_record_free(job->record);
    free(job);
}

static void create_lookup_done(cri_call *call, void *data)
{
    create_job *job = data;
    cri_runtime_service *service = job->service;
    const Runtime__V1__ContainerConfig *config = job->request->config;
    wc_error err = job->err;
    rt_pod *pod = rt_pod_find(service->runtime, job->pod_id, &err);
    if (job->record == NULL || pod == NULL) {
        if (job->record == NULL)
            wc_error_prefix(&err, "CreateContainer %s: image %s",
                            config->metadata->name, job->image);
        cri_call_fail(call, &err);
        create_job_free(job);
        return;
    }
    const img_record *record = job->record;
    if (!record->is_wasm || record->module_path == NULL) {
        fail(call, WC_EPRECONDITION,
             "CreateContainer %s: image %s is not a wasm module (Linux containers are not "
             "supported yet)", config->metadata->name, job->image);
        create_job_free(job);
        return;
    }
    /* The request's maps and lists stay valid until the call ends: point into them.
     * The image's environment first (OCI wasm images), then the container's, which wins. */
    size_t env_count = 0;
    cleanup_free char **env = calloc(record->env_count + config->n_envs + 1, sizeof *env);
    cleanup_free rt_mount *mounts = calloc(config->n_mounts + 1, sizeof *mounts);
    cleanup_free char *log_path = NULL;
    const Runtime__V1__PodSandboxConfig *pod_cfg = pod_config(pod);
    const char *log_directory = pod_cfg ? pod_cfg->log_directory : "";
    if (job->request->sandbox_config && job->request->sandbox_config->log_directory[0])
        log_directory = job->request->sandbox_config->log_directory;
    int oom = env == NULL || mounts == NULL;
    for (size_t i = 0; !oom && env && i < record->env_count; i++) {
        const char *entry = record->env[i];
        size_t key_length = strcspn(entry, "=");
        bool overridden = false;
        for (size_t k = 0; k < config->n_envs && !overridden; k++)
            overridden = strlen(config->envs[k]->key) == key_length
                && strncmp(config->envs[k]->key, entry, key_length) == 0;
        if (!overridden && (env[env_count] = strdup(entry)) != NULL)
            env_count++;
        else if (!overridden)
            oom = 1;
    }
    for (size_t i = 0; !oom && env && i < config->n_envs; i++) {
        char *entry = NULL;
        if (asprintf(&entry, "%s=%s", config->envs[i]->key, config->envs[i]->value) < 0)
            oom = 1;
        else
            env[env_count++] = entry;
    }
    for (size_t i = 0; !oom && i < config->n_mounts; i++)
        mounts[i] = (rt_mount){ config->mounts[i]->container_path, config->mounts[i]->host_path,
                                config->mounts[i]->readonly };
    if (!oom && config->log_path[0] && log_directory[0])
        oom |= asprintf(&log_path, "%s/%s", log_directory, config->log_path) < 0;
    else if (!oom && config->log_path[0] == '/')
        oom |= (log_path = strdup(config->log_path)) == NULL;
    const char *const *command = (const char *const *)config->command;
    size_t command_count = config->n_command;
    const char *const *args = (const char *const *)config->args;
    size_t args_count = config->n_args;
    /* An OCI wasm image's entrypoint names the module when the config has no command. */
    if (command_count == 0 && record->entrypoint_count > 0) {
        command = (const char *const *)record->entrypoint;
        command_count = record->entrypoint_count;
        if (args_count == 0) {
            args = (const char *const *)record->cmd;
            args_count = record->cmd_count;
        }
    }
    size_t length = runtime__v1__container_config__get_packed_size(config);
    cleanup_free uint8_t *packed = oom ? NULL : malloc(length ? length : 1);
    if (packed == NULL) {
        for (size_t i = 0; env && i < env_count; i++)
            free(env[i]);
        fail(call, WC_ERESOURCE, "CreateContainer: out of memory");
        create_job_free(job);
        return;
    }
    runtime__v1__container_config__pack(config, packed);
    uint64_t memory_limit = 0;
    rt_cpu_limits cpu = { 0 };
    if (config->linux && config->linux->resources) {
        const Runtime__V1__LinuxContainerResources *r = config->linux->resources;
        if (r->memory_limit_in_bytes > 0)
            memory_limit = (uint64_t)r->memory_limit_in_bytes;
        cpu = (rt_cpu_limits){ r->cpu_quota, r->cpu_period, r->cpu_shares };
    }
    if (memory_limit == 0 && service->config->max_memory_per_instance)
        memory_limit = service->config->max_memory_per_instance;
    rt_container_request request = {
        .name = config->metadata->name,
        .attempt = config->metadata->attempt,
        .image = job->image,
        .image_id = record->id,
        .module_path = record->module_path,
        .module_filename = record->module_filename,
        .stop_signal = parse_signal(record->stop_signal),
        .command = command,
        .command_count = command_count,
        .args = args,
        .args_count = args_count,
        .env = (const char *const *)env,
        .env_count = env_count,
        .mounts = mounts,
        .mounts_count = config->n_mounts,
        .working_dir = config->working_dir,
        .log_path = log_path,
        .memory_limit_bytes = memory_limit,
        .cpu = cpu,
        .config = packed,
        .config_length = length,
    };
    rt_container *container = NULL;
    if (rt_container_create(service->runtime, pod, &request, &container, &err) < 0) {
        cri_call_fail(call, &err);
    } else {
        Runtime__V1__CreateContainerResponse response =
            RUNTIME__V1__CREATE_CONTAINER_RESPONSE__INIT;
        response.container_id = container->id;
        cri_call_reply(call, &response.base);
    }
    for (size_t i = 0; i < env_count; i++)
        free(env[i]);
    create_job_free(job);
}

static void create_container(cri_call *call, const ProtobufCMessage *message, void *data)
{
    cri_runtime_service *service = data;
    const Runtime__V1__CreateContainerRequest *request = (const void *)message;
    const Runtime__V1__ContainerConfig *config = request->config;
    if (config == NULL || config->metadata == NULL || config->metadata->name[0] == 0) {
        fail(call, WC_EINVAL, "CreateContainer: config.metadata.name is required");
        return;
    }
    if (config->image == NULL || config->image->image[0] == 0) {
        fail(call, WC_EINVAL, "CreateContainer %s: config.image.image is required",
             config->metadata->name);
        return;
    }
    wc_error err = { 0 };
    rt_pod *pod = rt_pod_find(service->runtime, request->pod_sandbox_id, &err);
    if (pod == NULL) {
        cri_call_fail(call, &err);
        return;
    }
    if (pod->state != RT_POD_READY) {
        fail(call, WC_EPRECONDITION, "CreateContainer %s: pod sandbox %s is not ready",
             config->metadata->name, pod->id);
        return;
    }
    if (service->images == NULL) {
        fail(call, WC_EUNAVAILABLE, "CreateContainer: the image store is not available");
        return;
    }
    create_job *job = calloc(1, sizeof *job);
    if (job == NULL || (job->image = strdup(config->image->image)) == NULL) {
        free(job);
        fail(call, WC_ERESOURCE, "CreateContainer: out of memory");
        return;
    }
    job->service = service;
    job->request = request;
    snprintf(job->pod_id, sizeof job->pod_id, "%s", pod->id);
    find_module_url(job);
    /* The image store answers lookups from memory: only a pull goes to the thread pool. */
    if (img_store_resolve(service->images, job->image, &job->record, &job->err) == 0
        || job->err.code != WC_ENOTFOUND || job->pull_url == NULL) {
        create_lookup_done(call, job);
        return;
    }
    if (cri_call_queue_work(call, create_lookup_work, create_lookup_done, job) < 0) {
        create_job_free(job);
        fail(call, WC_EINTERNAL, "CreateContainer: could not queue the image lookup");
    }
}

/* ---- containers: the rest ----------------------------------------------------------- */

static rt_container *find_container(cri_runtime_service *service, cri_call *call, const char *id)
{
    wc_error err = { 0 };
    rt_container *c = rt_container_find(service->runtime, id, &err);
    if (c == NULL)
        cri_call_fail(call, &err);
    return c;
}

static void start_container(cri_call *call, const ProtobufCMessage *message, void *data)
{
    cri_runtime_service *service = data;
    const Runtime__V1__StartContainerRequest *request = (const void *)message;
    rt_container *c = find_container(service, call, request->container_id);
    if (c == NULL)
        return;
    wc_error err = { 0 };
    if (rt_container_start(service->runtime, c, &err) < 0) {
        cri_call_fail(call, &err);
        return;
    }
    reply_empty(call, &runtime__v1__start_container_response__descriptor);
}

static void stop_container(cri_call *call, const ProtobufCMessage *message, void *data)
{
    cri_runtime_service *service = data;
    const Runtime__V1__StopContainerRequest *request = (const void *)message;
    rt_container *c = find_container(service, call, request->container_id);
    if (c == NULL)
        return;
    pending_reply *pending = pending_new(call, &runtime__v1__stop_container_response__descriptor);
    if (pending)
        rt_container_stop(service->runtime, c, request->timeout, pending_done, pending);
}

static void remove_container(cri_call *call, const ProtobufCMessage *message, void *data)
{
    cri_runtime_service *service = data;
    const Runtime__V1__RemoveContainerRequest *request = (const void *)message;
    rt_container *c = rt_container_find(service->runtime, request->container_id, NULL);
    if (c == NULL) { /* already gone: success, as containerd answers */
        reply_empty(call, &runtime__v1__remove_container_response__descriptor);
        return;
    }
    pending_reply *pending =
        pending_new(call, &runtime__v1__remove_container_response__descriptor);
    if (pending)
        rt_container_remove(service->runtime, c, pending_done, pending);
}

static void container_status_rpc(cri_call *call, const ProtobufCMessage *message, void *data)
{
    cri_runtime_service *service = data;
    const Runtime__V1__ContainerStatusRequest *request = (const void *)message;
    rt_container *c = find_container(service, call, request->container_id);
    if (c == NULL)
        return;
    arena a = { 0 };
    Runtime__V1__ContainerStatusResponse response = RUNTIME__V1__CONTAINER_STATUS_RESPONSE__INIT;
    response.status = container_status(&a, c);
    map_entry *info = NULL;
    if (request->verbose) {
        /* crictl inspect shows info["info"] as JSON. */
        info = ARENA_NEW(&a, map_entry, { 0 });
        char *text = arena_alloc(&a, 512);
        if (info && text) {
            protobuf_c_message_init(&runtime__v1__container_status_response__info_entry__descriptor,
                                    info);
            snprintf(text, 512, "{\"pid\":%d,\"sandboxID\":\"%s\",\"runtimeType\":\"wasm\"}",
                     c->state == RT_CONTAINER_RUNNING ? (int)c->pid : 0, c->pod_id);
            info->key = (char *)"info";
            info->value = text;
            response.n_info = 1;
            response.info = (Runtime__V1__ContainerStatusResponse__InfoEntry **)&info;
        }
    }
    reply_or_fail(call, &response.base, &a);
    arena_free(&a);
}

static void list_containers(cri_call *call, const ProtobufCMessage *message, void *data)
{
    cri_runtime_service *service = data;
    const Runtime__V1__ListContainersRequest *request = (const void *)message;
    const Runtime__V1__ContainerFilter *filter = request->filter;
    arena a = { 0 };
    size_t count = 0;
    for (rt_container *c = rt_container_first(service->runtime); c; c = c->next)
        count++;
    Runtime__V1__ListContainersResponse response = RUNTIME__V1__LIST_CONTAINERS_RESPONSE__INIT;
    response.containers = arena_alloc(&a, count * sizeof *response.containers);
    for (rt_container *c = rt_container_first(service->runtime); c && response.containers;
         c = c->next) {
        Runtime__V1__ContainerConfig *config = container_config(c);
        if (filter) {
            if (!id_matches(c->id, filter->id) || !id_matches(c->pod_id, filter->pod_sandbox_id))
                continue;
            if (filter->state && (int)filter->state->state != (int)c->state)
                continue;
            if (!labels_match(MAP(filter, label_selector), MAP_COUNT(filter, label_selector),
                              MAP(config, labels), MAP_COUNT(config, labels)))
                continue;
        }
        Runtime__V1__Container *item =
            ARENA_NEW(&a, Runtime__V1__Container, RUNTIME__V1__CONTAINER__INIT);
        if (item == NULL)
            break;
        item->id = c->id;
        item->pod_sandbox_id = c->pod_id;
        item->metadata = container_metadata(&a, c);
        item->image = image_spec(&a, c);
        item->image_ref = c->image_id;
        item->image_id = c->image_id;
        item->state = (Runtime__V1__ContainerState)c->state;
        item->created_at = c->created_ns;
        if (config)
            ECHO_LABELS_AND_ANNOTATIONS(item, config);
        response.containers[response.n_containers++] = item;
    }
    reply_or_fail(call, &response.base, &a);
    arena_free(&a);
}

static void update_container_resources(cri_call *call, const ProtobufCMessage *message,
                                       void *data)
{
    cri_runtime_service *service = data;
    const Runtime__V1__UpdateContainerResourcesRequest *request = (const void *)message;
    rt_container *c = find_container(service, call, request->container_id);
    if (c == NULL)
        return;
    wc_error err = { 0 };
    if (request->linux) {
        /* As containerd: the fields given (non-zero) replace the config's, which is stored
         * again so ContainerStatus.resources shows the limits in force. */
        const Runtime__V1__LinuxContainerResources *r = request->linux;
        Runtime__V1__ContainerConfig *config = container_config(c);
        Runtime__V1__ContainerConfig updated = RUNTIME__V1__CONTAINER_CONFIG__INIT;
        Runtime__V1__LinuxContainerConfig linux = RUNTIME__V1__LINUX_CONTAINER_CONFIG__INIT;
        Runtime__V1__LinuxContainerResources resources =
            RUNTIME__V1__LINUX_CONTAINER_RESOURCES__INIT;
        if (config)
            updated = *config;
        if (updated.linux)
            linux = *updated.linux;
        if (linux.resources)
            resources = *linux.resources;
        if (r->cpu_quota)
            resources.cpu_quota = r->cpu_quota;
        if (r->cpu_period)
            resources.cpu_period = r->cpu_period;
        if (r->cpu_shares)
            resources.cpu_shares = r->cpu_shares;
        if (r->memory_limit_in_bytes > 0)
            resources.memory_limit_in_bytes = r->memory_limit_in_bytes;
        linux.resources = &resources;
        updated.linux = &linux;
        size_t length = runtime__v1__container_config__get_packed_size(&updated);
        cleanup_free uint8_t *packed = malloc(length ? length : 1);
        if (packed == NULL) {
            cri_call_fail(call, &(wc_error){ WC_ERESOURCE, "update: out of memory" });
            return;
        }
        runtime__v1__container_config__pack(&updated, packed);
        rt_cpu_limits cpu = { resources.cpu_quota, resources.cpu_period, resources.cpu_shares };
        uint64_t memory = r->memory_limit_in_bytes > 0 ? (uint64_t)r->memory_limit_in_bytes : 0;
        if (rt_container_update(service->runtime, c, memory, &cpu, packed, length, &err) < 0) {
            cri_call_fail(call, &err);
            return;
        }
    }
    reply_empty(call, &runtime__v1__update_container_resources_response__descriptor);
}

static void reopen_container_log(cri_call *call, const ProtobufCMessage *message, void *data)
{
    cri_runtime_service *service = data;
    const Runtime__V1__ReopenContainerLogRequest *request = (const void *)message;
    rt_container *c = find_container(service, call, request->container_id);
    if (c == NULL)
        return;
    wc_error err = { 0 };
    if (rt_container_reopen_log(service->runtime, c, &err) < 0) {
        cri_call_fail(call, &err);
        return;
    }
    reply_empty(call, &runtime__v1__reopen_container_log_response__descriptor);
}

static void no_shell(cri_call *call, const ProtobufCMessage *message, void *data)
{
    (void)message;
    (void)data;
    const char *method = strrchr(cri_call_method(call), '/');
    if (method && strcmp(method, "/PortForward") == 0) {
        fail(call, WC_EPRECONDITION,
             "PortForward: wasm sandboxes have no network namespace to forward into");
        return;
    }
    fail(call, WC_EPRECONDITION,
         "%s: wasm instances have no shell or process to enter: there is nothing to exec or "
         "attach to; read the output with the container's log",
         method ? method + 1 : "exec");
}

static void container_stats_rpc(cri_call *call, const ProtobufCMessage *message, void *data)
{
    cri_runtime_service *service = data;
    const Runtime__V1__ContainerStatsRequest *request = (const void *)message;
    rt_container *c = find_container(service, call, request->container_id);
    if (c == NULL)
        return;
    arena a = { 0 };
    Runtime__V1__ContainerStatsResponse response = RUNTIME__V1__CONTAINER_STATS_RESPONSE__INIT;
    response.stats = container_stats(&a, c);
    reply_or_fail(call, &response.base, &a);
    arena_free(&a);
}

static void list_container_stats(cri_call *call, const ProtobufCMessage *message, void *data)
{
    cri_runtime_service *service = data;
    const Runtime__V1__ListContainerStatsRequest *request = (const void *)message;
    const Runtime__V1__ContainerStatsFilter *filter = request->filter;
    arena a = { 0 };
    size_t count = 0;
    for (rt_container *c = rt_container_first(service->runtime); c; c = c->next)
        count++;
    Runtime__V1__ListContainerStatsResponse response =
        RUNTIME__V1__LIST_CONTAINER_STATS_RESPONSE__INIT;
    response.stats = arena_alloc(&a, count * sizeof *response.stats);
    for (rt_container *c = rt_container_first(service->runtime); c && response.stats;
         c = c->next) {
        Runtime__V1__ContainerConfig *config = container_config(c);
        if (filter) {
            if (!id_matches(c->id, filter->id) || !id_matches(c->pod_id, filter->pod_sandbox_id))
                continue;
            if (!labels_match(MAP(filter, label_selector), MAP_COUNT(filter, label_selector),
                              MAP(config, labels), MAP_COUNT(config, labels)))
                continue;
        }
        Runtime__V1__ContainerStats *stats = container_stats(&a, c);
        if (stats == NULL)
            break;
        response.stats[response.n_stats++] = stats;
    }
    reply_or_fail(call, &response.base, &a);
    arena_free(&a);
}

/* kubelet sends the node's pod CIDR at start; wasm sandboxes have no network to configure. */
static void update_runtime_config(cri_call *call, const ProtobufCMessage *message, void *data)
{
    (void)message;
    (void)data;
    reply_empty(call, &runtime__v1__update_runtime_config_response__descriptor);
}

/* ---- events ------------------------------------------------------------------------- */

static void unsubscribe(cri_runtime_service *service, cri_call *call)
{
    for (event_subscriber **link = &service->subscribers; *link; link = &(*link)->next) {
        if ((*link)->call == call) {
            event_subscriber *gone = *link;
            *link = gone->next;
            free(gone);
            return;
        }
    }
}

static void events_cancelled(cri_call *call, void *data)
{
    cri_runtime_service *service = data;
    unsubscribe(service, call);
    cri_call_finish(call, NULL);
}

static void get_container_events(cri_call *call, const ProtobufCMessage *message, void *data)
{
    (void)message;
    cri_runtime_service *service = data;
    event_subscriber *subscriber = malloc(sizeof *subscriber);
    if (subscriber == NULL) {
        fail(call, WC_ERESOURCE, "GetContainerEvents: out of memory");
        return;
    }
    subscriber->call = call;
    subscriber->next = service->subscribers;
    service->subscribers = subscriber;
    cri_call_on_cancel(call, events_cancelled, service);
}

static void log_event(rt_event_kind kind, const rt_container *c)
{
    switch (kind) {
    case RT_EVENT_CREATED:
        cri_log_debug("container %s (%s) created in pod %s", c->id, c->name, c->pod_id);
        break;
    case RT_EVENT_STARTED:
        cri_log_debug("container %s (%s) started: shim pid %d", c->id, c->name, (int)c->pid);
        break;
    case RT_EVENT_STOPPED:
        cri_log_info("container %s (%s) exited with %d (%s)%s%s", c->id, c->name, c->exit_code,
                     c->reason ? c->reason : "", c->message && c->message[0] ? ": " : "",
                     c->message ? c->message : "");
        break;
    case RT_EVENT_DELETED:
        cri_log_debug("container %s (%s) removed", c->id, c->name);
        break;
    }
}

static void on_runtime_event(rt_event_kind kind, const rt_container *container, void *data)
{
    cri_runtime_service *service = data;
    log_event(kind, container);
    if (service->subscribers == NULL)
        return;
    rt_container *c = (rt_container *)container;
    arena a = { 0 };
    Runtime__V1__ContainerEventResponse event = RUNTIME__V1__CONTAINER_EVENT_RESPONSE__INIT;
    event.container_id = c->id;
    event.container_event_type = (Runtime__V1__ContainerEventType)kind;
    event.created_at = rt_now_ns();
    rt_pod *pod = service->runtime ? rt_pod_find(service->runtime, c->pod_id, NULL) : NULL;
    if (pod)
        event.pod_sandbox_status = pod_status(&a, pod);
    Runtime__V1__ContainerStatus *status = container_status(&a, c);
    if (status) {
        event.n_containers_statuses = 1;
        event.containers_statuses = &status;
    }
    if (!a.failed) {
        for (event_subscriber *s = service->subscribers; s; s = s->next)
            cri_call_send(s->call, &event.base);
    }
    arena_free(&a);
}

/* ---- registration ------------------------------------------------------------------- */

typedef struct method {
    const char *name;
    const ProtobufCMessageDescriptor *request;
    cri_handler handler;
} method;

static const method methods[] = {
    { "RunPodSandbox", &runtime__v1__run_pod_sandbox_request__descriptor, run_pod_sandbox },
    { "StopPodSandbox", &runtime__v1__stop_pod_sandbox_request__descriptor, stop_pod_sandbox },
    { "RemovePodSandbox", &runtime__v1__remove_pod_sandbox_request__descriptor,
      remove_pod_sandbox },
    { "PodSandboxStatus", &runtime__v1__pod_sandbox_status_request__descriptor,
      pod_sandbox_status },
    { "ListPodSandbox", &runtime__v1__list_pod_sandbox_request__descriptor, list_pod_sandbox },
    { "PodSandboxStats", &runtime__v1__pod_sandbox_stats_request__descriptor, pod_sandbox_stats },
    { "ListPodSandboxStats", &runtime__v1__list_pod_sandbox_stats_request__descriptor,
      list_pod_sandbox_stats },
    { "CreateContainer", &runtime__v1__create_container_request__descriptor, create_container },
    { "StartContainer", &runtime__v1__start_container_request__descriptor, start_container },
    { "StopContainer", &runtime__v1__stop_container_request__descriptor, stop_container },
    { "RemoveContainer", &runtime__v1__remove_container_request__descriptor, remove_container },
    { "ListContainers", &runtime__v1__list_containers_request__descriptor, list_containers },
    { "ContainerStatus", &runtime__v1__container_status_request__descriptor,
      container_status_rpc },
    { "UpdateContainerResources", &runtime__v1__update_container_resources_request__descriptor,
      update_container_resources },
    { "ReopenContainerLog", &runtime__v1__reopen_container_log_request__descriptor,
      reopen_container_log },
    { "ExecSync", &runtime__v1__exec_sync_request__descriptor, no_shell },
    { "Exec", &runtime__v1__exec_request__descriptor, no_shell },
    { "Attach", &runtime__v1__attach_request__descriptor, no_shell },
    { "PortForward", &runtime__v1__port_forward_request__descriptor, no_shell },
    { "UpdateRuntimeConfig", &runtime__v1__update_runtime_config_request__descriptor,
      update_runtime_config },
    { "ContainerStats", &runtime__v1__container_stats_request__descriptor, container_stats_rpc },
    { "ListContainerStats", &runtime__v1__list_container_stats_request__descriptor,
      list_container_stats },
    { "GetContainerEvents", &runtime__v1__get_events_request__descriptor, get_container_events },
};

int cri_runtime_service_init(cri_server *server, const struct cri_config *config,
                             cri_runtime_service **out, wc_error *err)
{
    cri_runtime_service *service = calloc(1, sizeof *service);
    if (service == NULL)
        return wc_error_set(err, WC_ERESOURCE, "runtime service: out of memory");
    service->server = server;
    service->config = config;
    *out = service;
    return 0;
}

int cri_runtime_service_attach_images(cri_runtime_service *service, struct img_store *images,
                                      struct store_db *db, wc_error *err)
{
    if (images == NULL || db == NULL)
        return wc_error_set(err, WC_EINVAL, "runtime service: no image store");
    service->images = images;
    service->db = db;
    rt_options options = {
        .loop = cri_server_loop(service->server),
        .db = db,
        .root = service->config->root,
        .on_event = on_runtime_event,
        .event_data = service,
    };
    if (rt_runtime_open(&options, &service->runtime, err) < 0)
        return wc_error_prefix(err, "runtime service");
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "/runtime.v1.RuntimeService/%s", methods[i].name);
        if (cri_server_register(service->server, path, methods[i].request, methods[i].handler,
                                service, err) < 0)
            return wc_error_prefix(err, "runtime service");
    }
    return 0;
}

void cri_runtime_service_free(cri_runtime_service *service)
{
    if (service == NULL)
        return;
    while (service->subscribers) {
        event_subscriber *s = service->subscribers;
        service->subscribers = s->next;
        free(s);
    }
    rt_runtime_free(service->runtime);
    /* The image store and the database belong to the image service. */
    free(service);
}
