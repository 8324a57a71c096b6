/* image_service.c - runtime.v1.ImageService: PullImage, ImageStatus, ListImages, RemoveImage,
 * ImageFsInfo, answered from the image store. Pulls, removals and disk usage run on the loop's
 * thread pool; ImageStatus and ListImages read the store's in-memory records (no disk, no
 * waiting behind pulls), so they answer on the loop thread at once. */
#include "cri/image_service.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.pb-c.h"
#include "cri/config.h"
#include "cri/log.h"
#include "image/store.h"
#include "store/db.h"
#include "util/cleanup.h"
#include "util/file.h"

/* A pull in progress and the calls that asked for the same pull meanwhile: they are answered
 * together when it ends, so identical pulls hold one worker thread, not one each. */
typedef struct pending_pull pending_pull;
typedef struct pull_waiter {
    struct pull_waiter *next;
    cri_call *call;
} pull_waiter;

struct pending_pull {
    pending_pull *next;
    char *key;
    pull_waiter *waiters;
};

struct cri_image_service {
    store_db *db;
    img_store *store;
    pending_pull *pulls;    /* loop thread only */
};

img_store *cri_image_service_store(cri_image_service *service)
{
    return service->store;
}

store_db *cri_image_service_db(cri_image_service *service)
{
    return service->db;
}

/* One job per call: what the worker needs and what it produced. */
typedef struct image_job {
    cri_image_service *service;
    const void *request;
    int rc;
    wc_error err;
    char *image_ref;
    img_record *record;
    img_record **records;
    size_t records_count;
    img_fs_usage usage;
    bool verbose;
    pending_pull *pending;
} image_job;

static image_job *job_new(cri_call *call, cri_image_service *service, const void *request)
{
    image_job *job = calloc(1, sizeof *job);
    if (job == NULL) {
        wc_error err;
        wc_error_set(&err, WC_ERESOURCE, "out of memory");
        cri_call_fail(call, &err);
        return NULL;
    }
    job->service = service;
    job->request = request;
    return job;
}

static void job_free(image_job *job)
{
    free(job->image_ref);
    img_record_free(job->record);
    img_record_list_free(job->records, job->records_count);
    free(job);
}

static void queue(cri_call *call, image_job *job, cri_work_fn work, cri_done_fn done)
{
    if (cri_call_queue_work(call, work, done, job) < 0) {
        wc_error err;
        wc_error_set(&err, WC_EINTERNAL, "cannot queue work");
        cri_call_fail(call, &err);
        job_free(job);
    }
}

static const char *spec_image(const Runtime__V1__ImageSpec *spec)
{
    return spec && spec->image ? spec->image : "";
}

/* ---- building Image messages ----------------------------------------------------------- */

typedef struct image_message {
    Runtime__V1__Image image;
    Runtime__V1__Int64Value uid;
    Runtime__V1__ImageSpec spec;
    Runtime__V1__ImageSpec__AnnotationsEntry entries[3];
    Runtime__V1__ImageSpec__AnnotationsEntry *entry_pointers[3];
    char username[256];
} image_message;

/* Fills m from r; m borrows r's strings (r must outlive the packed reply). */
static void image_message_fill(image_message *m, const img_record *r)
{
    runtime__v1__image__init(&m->image);
    runtime__v1__image_spec__init(&m->spec);
    m->image.id = r->id;
    m->image.n_repo_tags = r->repo_tags_count;
    m->image.repo_tags = r->repo_tags;
    m->image.n_repo_digests = r->repo_digests_count;
    m->image.repo_digests = r->repo_digests;
    m->image.size = r->size;
    if (r->user && *r->user) {
        /* "uid[:gid]" numeric gives uid, anything else is a user name (as containerd). */
        snprintf(m->username, sizeof m->username, "%.*s", (int)strcspn(r->user, ":"), r->user);
        char *end = NULL;
        long long uid = strtoll(m->username, &end, 10);
        if (end != m->username && *end == 0) {
            runtime__v1__int64_value__init(&m->uid);
            m->uid.value = uid;
            m->image.uid = &m->uid;
        } else {
            m->image.username = m->username;
        }
    }
    m->spec.image = r->id;
    size_t n = 0;
    if (r->is_wasm && r->module_filename) {
        struct { const char *key, *value; } items[3] = {
            {"wasm.module.filename", r->module_filename},
            {"wasm.module.stopSignal", r->stop_signal},
            {"wasm.module.url", r->media_type && strcmp(r->media_type, "application/wasm") == 0
                                    ? r->source : NULL},
        };
        for (size_t i = 0; i < 3; i++) {
            if (items[i].value == NULL)
                continue;
            runtime__v1__image_spec__annotations_entry__init(&m->entries[n]);
            m->entries[n].key = (char *)items[i].key;
            m->entries[n].value = (char *)items[i].value;
            m->entry_pointers[n] = &m->entries[n];
            n++;
        }
    }
    m->spec.n_annotations = n;
    m->spec.annotations = m->entry_pointers;
    m->image.spec = &m->spec;
}

/* ---- PullImage ------------------------------------------------------------------------- */

static void pull_work(void *data)
{
    image_job *job = data;
    const Runtime__V1__PullImageRequest *request = job->request;
    const Runtime__V1__ImageSpec *spec = request->image;
    size_t count = spec ? spec->n_annotations : 0;
    img_annotation *annotations = calloc(count ? count : 1, sizeof *annotations);
    if (annotations == NULL) {
        job->rc = wc_error_set(&job->err, WC_ERESOURCE, "out of memory");
        return;
    }
    for (size_t i = 0; i < count; i++) {
        annotations[i].key = spec->annotations[i]->key;
        annotations[i].value = spec->annotations[i]->value;
    }
    img_auth auth = {0};
    const Runtime__V1__AuthConfig *a = request->auth;
    if (a) {
        auth.username = a->username;
        auth.password = a->password;
        auth.auth = a->auth;
        auth.identity_token = a->identity_token;
        auth.registry_token = a->registry_token;
    }
    job->rc = img_store_pull(job->service->store, spec_image(spec), annotations, count,
                             a ? &auth : NULL, &job->image_ref, &job->err);
    free(annotations);
}

static void pull_answer(cri_call *call, const image_job *job)
{
    if (job->rc < 0) {
        cri_call_fail(call, &job->err);
    } else {
        Runtime__V1__PullImageResponse response = RUNTIME__V1__PULL_IMAGE_RESPONSE__INIT;
        response.image_ref = job->image_ref;
        cri_call_reply(call, &response.base);
    }
}

static void pull_done(cri_call *call, void *data)
{
    image_job *job = data;
    const Runtime__V1__PullImageRequest *request = job->request;
    if (job->rc < 0)
        cri_log_info("PullImage %s: %s", spec_image(request->image), job->err.message);
    else
        cri_log_debug("PullImage %s: %s", spec_image(request->image), job->image_ref);
    /* Unlink the pending entry first: answering ends the calls (and frees their requests). */
    pending_pull *pending = job->pending;
    for (pending_pull **p = &job->service->pulls; *p; p = &(*p)->next)
        if (*p == pending) {
            *p = pending->next;
            break;
        }
    pull_answer(call, job);
    for (pull_waiter *w = pending ? pending->waiters : NULL, *next; w; w = next) {
        next = w->next;
        pull_answer(w->call, job);
        free(w);
    }
    if (pending) {
        free(pending->key);
        free(pending);
    }
    job_free(job);
}

/* What makes two pulls the same: the name, every annotation, the credentials. */
static char *pull_key(const Runtime__V1__PullImageRequest *request)
{
    size_t size = 0;
    char *key = NULL;
    FILE *out = open_memstream(&key, &size);
    if (out == NULL)
        return NULL;
    fprintf(out, "%s", spec_image(request->image));
    for (size_t i = 0; request->image && i < request->image->n_annotations; i++)
        fprintf(out, "%c%s=%s", 0x1f, request->image->annotations[i]->key,
                request->image->annotations[i]->value);
    const Runtime__V1__AuthConfig *a = request->auth;
    if (a)
        fprintf(out, "%cauth%c%s%c%s%c%s%c%s%c%s", 0x1e, 0x1f, a->username, 0x1f, a->password,
                0x1f, a->auth, 0x1f, a->identity_token, 0x1f, a->registry_token);
    fclose(out);
    return key;
}

static void handle_pull(cri_call *call, const ProtobufCMessage *request, void *data)
{
    cri_image_service *service = data;
    char *key = pull_key((const Runtime__V1__PullImageRequest *)request);
    if (key == NULL) {
        wc_error err;
        wc_error_set(&err, WC_ERESOURCE, "out of memory");
        cri_call_fail(call, &err);
        return;
    }
    for (pending_pull *p = service->pulls; p; p = p->next) {
        if (strcmp(p->key, key) != 0)
            continue;
        pull_waiter *w = calloc(1, sizeof *w);
        free(key);
        if (w == NULL) {
            wc_error err;
            wc_error_set(&err, WC_ERESOURCE, "out of memory");
            cri_call_fail(call, &err);
            return;
        }
        w->call = call;
        w->next = p->waiters;
        p->waiters = w;
        return;
    }
    image_job *job = job_new(call, service, request);
    pending_pull *pending = job ? calloc(1, sizeof *pending) : NULL;
    if (pending == NULL) {
        free(key);
        if (job) {
            wc_error err;
            wc_error_set(&err, WC_ERESOURCE, "out of memory");
            cri_call_fail(call, &err);
            job_free(job);
        }
        return;
    }
    pending->key = key;
    pending->next = service->pulls;
    service->pulls = pending;
    job->pending = pending;
    if (cri_call_queue_work(call, pull_work, pull_done, job) < 0) {
        job->rc = wc_error_set(&job->err, WC_EINTERNAL, "cannot queue work");
        pull_done(call, job);
    }
}

/* ---- ImageStatus ------------------------------------------------------------------------ */

static void status_work(void *data)
{
    image_job *job = data;
    const Runtime__V1__ImageStatusRequest *request = job->request;
    job->rc = img_store_resolve(job->service->store, spec_image(request->image), &job->record,
                                &job->err);
}

static json_t *strv_json(char *const *strv, size_t count)
{
    json_t *array = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(array, json_string(strv[i]));
    return array;
}

/* The verbose `info`: what the runtime will do with the image. */
static char *record_info(const img_record *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "kind", json_string(r->is_wasm ? "wasm" : "oci"));
    if (r->source)
        json_object_set_new(o, "source", json_string(r->source));
    if (r->media_type)
        json_object_set_new(o, "mediaType", json_string(r->media_type));
    if (r->module_path)
        json_object_set_new(o, "modulePath", json_string(r->module_path));
    if (r->module_filename)
        json_object_set_new(o, "moduleFilename", json_string(r->module_filename));
    if (r->stop_signal)
        json_object_set_new(o, "stopSignal", json_string(r->stop_signal));
    if (r->rootfs_path)
        json_object_set_new(o, "rootfs", json_string(r->rootfs_path));
    json_t *config = json_object();
    json_object_set_new(config, "Entrypoint", strv_json(r->entrypoint, r->entrypoint_count));
    json_object_set_new(config, "Cmd", strv_json(r->cmd, r->cmd_count));
    json_object_set_new(config, "Env", strv_json(r->env, r->env_count));
    if (r->workdir)
        json_object_set_new(config, "WorkingDir", json_string(r->workdir));
    if (r->user)
        json_object_set_new(config, "User", json_string(r->user));
    json_object_set_new(o, "config", config);
    json_object_set_new(o, "createdAt", json_integer(r->created_ns));
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

static void status_done(cri_call *call, void *data)
{
    image_job *job = data;
    const Runtime__V1__ImageStatusRequest *request = job->request;
    Runtime__V1__ImageStatusResponse response = RUNTIME__V1__IMAGE_STATUS_RESPONSE__INIT;
    if (job->rc < 0 && job->err.code != WC_ENOTFOUND) {
        cri_call_fail(call, &job->err);
        job_free(job);
        return;
    }
    /* An unknown image is an empty response, not an error (kubelet relies on it). */
    image_message m;
    Runtime__V1__ImageStatusResponse__InfoEntry info = RUNTIME__V1__IMAGE_STATUS_RESPONSE__INFO_ENTRY__INIT;
    Runtime__V1__ImageStatusResponse__InfoEntry *info_pointer = &info;
    cleanup_free char *info_text = NULL;
    if (job->rc == 0) {
        image_message_fill(&m, job->record);
        response.image = &m.image;
        if (request->verbose && (info_text = record_info(job->record)) != NULL) {
            info.key = "info";
            info.value = info_text;
            response.n_info = 1;
            response.info = &info_pointer;
        }
    }
    cri_call_reply(call, &response.base);
    job_free(job);
}

static void handle_status(cri_call *call, const ProtobufCMessage *request, void *data)
{
    image_job *job = job_new(call, data, request);
    if (job) {
        status_work(job);
        status_done(call, job);
    }
}

/* ---- ListImages -------------------------------------------------------------------------- */

static void list_work(void *data)
{
    image_job *job = data;
    const Runtime__V1__ListImagesRequest *request = job->request;
    const char *filter = request->filter ? spec_image(request->filter->image) : "";
    if (*filter) {
        job->rc = img_store_resolve(job->service->store, filter, &job->record, &job->err);
        if (job->rc == 0) {
            job->records = calloc(1, sizeof *job->records);
            if (job->records) {
                job->records[0] = steal_pointer(&job->record);
                job->records_count = 1;
            }
        } else if (job->err.code == WC_ENOTFOUND) {
            job->rc = 0;
        }
        return;
    }
    job->rc = img_store_list(job->service->store, &job->records, &job->records_count, &job->err);
}

static void list_done(cri_call *call, void *data)
{
    image_job *job = data;
    if (job->rc < 0) {
        cri_call_fail(call, &job->err);
        job_free(job);
        return;
    }
    Runtime__V1__ListImagesResponse response = RUNTIME__V1__LIST_IMAGES_RESPONSE__INIT;
    size_t count = job->records_count;
    image_message *messages = calloc(count ? count : 1, sizeof *messages);
    Runtime__V1__Image **pointers = calloc(count ? count : 1, sizeof *pointers);
    if (messages == NULL || pointers == NULL) {
        wc_error err;
        wc_error_set(&err, WC_ERESOURCE, "out of memory");
        cri_call_fail(call, &err);
    } else {
        for (size_t i = 0; i < count; i++) {
            image_message_fill(&messages[i], job->records[i]);
            pointers[i] = &messages[i].image;
        }
        response.n_images = count;
        response.images = pointers;
        cri_call_reply(call, &response.base);
    }
    free(messages);
    free(pointers);
    job_free(job);
}

static void handle_list(cri_call *call, const ProtobufCMessage *request, void *data)
{
    image_job *job = job_new(call, data, request);
    if (job) {
        list_work(job);
        list_done(call, job);
    }
}

/* ---- RemoveImage ----------------------------------------------------------------------- */

static void remove_work(void *data)
{
    image_job *job = data;
    const Runtime__V1__RemoveImageRequest *request = job->request;
    bool removed = false;
    job->rc = img_store_remove(job->service->store, spec_image(request->image), &removed,
                               &job->err);
}

static void remove_done(cri_call *call, void *data)
{
    image_job *job = data;
    if (job->rc < 0) {
        cri_call_fail(call, &job->err);
    } else {
        Runtime__V1__RemoveImageResponse response = RUNTIME__V1__REMOVE_IMAGE_RESPONSE__INIT;
        cri_call_reply(call, &response.base);
    }
    job_free(job);
}

static void handle_remove(cri_call *call, const ProtobufCMessage *request, void *data)
{
    const Runtime__V1__RemoveImageRequest *r = (const Runtime__V1__RemoveImageRequest *)request;
    if (*spec_image(r->image) == 0) {
        wc_error err;
        wc_error_set(&err, WC_EINVAL, "RemoveImage: image is empty");
        cri_call_fail(call, &err);
        return;
    }
    image_job *job = job_new(call, data, request);
    if (job)
        queue(call, job, remove_work, remove_done);
}

/* ---- ImageFsInfo ----------------------------------------------------------------------- */

static void fs_work(void *data)
{
    image_job *job = data;
    job->rc = img_store_fs_usage(job->service->store, &job->usage, &job->err);
}

static void fs_done(cri_call *call, void *data)
{
    image_job *job = data;
    if (job->rc < 0) {
        cri_call_fail(call, &job->err);
        job_free(job);
        return;
    }
    Runtime__V1__ImageFsInfoResponse response = RUNTIME__V1__IMAGE_FS_INFO_RESPONSE__INIT;
    Runtime__V1__FilesystemUsage usage = RUNTIME__V1__FILESYSTEM_USAGE__INIT;
    Runtime__V1__FilesystemIdentifier fs_id = RUNTIME__V1__FILESYSTEM_IDENTIFIER__INIT;
    Runtime__V1__UInt64Value used = RUNTIME__V1__UINT64_VALUE__INIT;
    Runtime__V1__UInt64Value inodes = RUNTIME__V1__UINT64_VALUE__INIT;
    fs_id.mountpoint = (char *)img_store_root(job->service->store);
    used.value = job->usage.used_bytes;
    inodes.value = job->usage.inodes_used;
    usage.timestamp = job->usage.timestamp_ns;
    usage.fs_id = &fs_id;
    usage.used_bytes = &used;
    usage.inodes_used = &inodes;
    Runtime__V1__FilesystemUsage *pointer = &usage;
    response.n_image_filesystems = 1;
    response.image_filesystems = &pointer;
    cri_call_reply(call, &response.base);
    job_free(job);
}

static void handle_fs_info(cri_call *call, const ProtobufCMessage *request, void *data)
{
    image_job *job = job_new(call, data, request);
    if (job)
        queue(call, job, fs_work, fs_done);
}

/* ---- setup ------------------------------------------------------------------------------ */

static int registry_hosts(const struct cri_config *config, img_registry_host **out)
{
    *out = calloc(config->n_registries ? config->n_registries : 1, sizeof **out);
    if (*out == NULL)
        return -1;
    for (size_t i = 0; i < config->n_registries; i++) {
        const cri_registry_config *r = &config->registries[i];
        (*out)[i].name = r->host;
        (*out)[i].insecure = r->insecure;
        (*out)[i].mirrors = (const char *const *)r->mirrors;
        (*out)[i].mirrors_count = r->n_mirrors;
        (*out)[i].no_fallback = r->no_fallback;
    }
    return 0;
}

int cri_image_service_init(cri_server *server, const struct cri_config *config,
                          cri_image_service **out, wc_error *err)
{
    cri_image_service *service = calloc(1, sizeof *service);
    if (service == NULL)
        return wc_error_set(err, WC_ERESOURCE, "image service: out of memory");
    cleanup_free char *db_path = NULL;
    cleanup_free img_registry_host *hosts = NULL;
    if (asprintf(&db_path, "%s/meta.db", config->root) < 0 || registry_hosts(config, &hosts) < 0) {
        free(service);
        return wc_error_set(err, WC_ERESOURCE, "image service: out of memory");
    }
    img_store_options options = {
        .root = config->root, .registries = hosts, .registries_count = config->n_registries,
    };
    int rc = wc_mkdir_p(config->root, 0711, err);
    if (rc == 0)
        rc = store_db_open(db_path, &service->db, err);
    options.db = service->db;
    if (rc == 0)
        rc = img_store_open(&options, &service->store, err);
    static const struct {
        const char *method;
        const ProtobufCMessageDescriptor *descriptor;
        cri_handler handler;
    } handlers[] = {
        {"/runtime.v1.ImageService/PullImage", &runtime__v1__pull_image_request__descriptor,
         handle_pull},
        {"/runtime.v1.ImageService/ImageStatus", &runtime__v1__image_status_request__descriptor,
         handle_status},
        {"/runtime.v1.ImageService/ListImages", &runtime__v1__list_images_request__descriptor,
         handle_list},
        {"/runtime.v1.ImageService/RemoveImage", &runtime__v1__remove_image_request__descriptor,
         handle_remove},
        {"/runtime.v1.ImageService/ImageFsInfo", &runtime__v1__image_fs_info_request__descriptor,
         handle_fs_info},
    };
    for (size_t i = 0; rc == 0 && i < sizeof handlers / sizeof handlers[0]; i++)
        rc = cri_server_register(server, handlers[i].method, handlers[i].descriptor,
                                 handlers[i].handler, service, err);
    if (rc < 0) {
        cri_image_service_free(service);
        return -1;
    }
    *out = service;
    return 0;
}

void cri_image_service_free(cri_image_service *service)
{
    if (service == NULL)
        return;
    /* Normally empty: the server ends every call (and so every pull) before services go. */
    for (pending_pull *p = service->pulls, *next; p; p = next) {
        next = p->next;
        for (pull_waiter *w = p->waiters, *wn; w; w = wn) {
            wn = w->next;
            free(w);
        }
        free(p->key);
        free(p);
    }
    img_store_free(service->store);
    store_db_close(service->db);
    free(service);
}
