/* pull.c - the two kinds of pull: a wasm module by URL, an image from a registry. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image/fetch.h"
#include "image/reference.h"
#include "image/registry.h"
#include "image/store_internal.h"
#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "wasm/wasm.h"

#define MODULE_LIMIT (512ull << 20)

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void new_image_free(img_new_image *image)
{
    img_record_clear(&image->record);
    img_strv_free(image->blobs, image->blobs_count);
}

/* Magic and version, then the engine's full validation. */
static int check_module(const uint8_t *bytes, size_t length, wc_error *err)
{
    if (length < 8 || memcmp(bytes, "\0asm", 4) != 0)
        return wc_error_set(err, WC_EINVAL, "not a wasm module: magic header not detected");
    if (bytes[4] != 1 || bytes[5] != 0 || bytes[6] != 0 || bytes[7] != 0)
        return wc_error_set(err, WC_EINVAL, "unsupported wasm binary version %u%s",
                            bytes[4] | bytes[5] << 8 | (unsigned)bytes[6] << 16,
                            bytes[6] == 1 ? " (a component, not a core module)" : "");
    if (wasm_module_validate_bytes(bytes, length, err) < 0) {
        err->code = WC_EINVAL;
        return wc_error_prefix(err, "invalid wasm module");
    }
    return 0;
}

static const char *url_basename(const char *url, char *buffer, size_t size)
{
    const char *start = strstr(url, "://");
    start = start ? start + 3 : url;
    size_t length = strcspn(start, "?#");
    const char *end = start + length;
    const char *base = end;
    while (base > start && base[-1] != '/')
        base--;
    if (base == end)
        return "module.wasm";
    snprintf(buffer, size, "%.*s", (int)(end - base), base);
    return buffer;
}

int img_pull_url(img_store *store, const char *name, const char *url, const char *filename,
                 const char *stop_signal, char **image_ref, wc_error *err)
{
    char tag[1100];
    if (img_module_tag(name, tag, sizeof tag, err) < 0)
        return -1;
    cleanup_free uint8_t *bytes = NULL;
    size_t length = 0;
    img_fetch_request request = {.url = url, .tls_verify = true, .session = store->session};
    if (img_fetch_buffer(&request, MODULE_LIMIT, &bytes, &length, NULL, err) < 0)
        return wc_error_prefix(err, "pull %s", name);
    if (check_module(bytes, length, err) < 0)
        return wc_error_prefix(err, "pull %s from %s", name, url);
    char digest[72];
    img_sha256_digest(bytes, length, digest);
    /* Pinned from before the blob is looked for until the record names it. */
    if (img_pin(store, digest) < 0)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    if (img_content_put(store->content, bytes, length, digest, digest, err) < 0) {
        img_unpin(store, digest);
        return wc_error_prefix(err, "pull %s", name);
    }

    img_new_image image = {0};
    img_record *r = &image.record;
    char base_name[1100], repo_digest[1200], module_path[200], file_buffer[256];
    snprintf(base_name, sizeof base_name, "%.*s", (int)(strrchr(tag, ':') - tag), tag);
    snprintf(repo_digest, sizeof repo_digest, "%s@%s", base_name, digest);
    snprintf(module_path, sizeof module_path, "blobs/sha256/%s", digest + 7);
    r->id = strdup(digest);
    r->size = length;
    r->created_ns = now_ns();
    r->is_wasm = true;
    r->module_path = strdup(module_path);
    r->module_filename = strdup(filename && *filename ? filename
                                : url_basename(url, file_buffer, sizeof file_buffer));
    r->stop_signal = stop_signal && *stop_signal ? strdup(stop_signal) : NULL;
    r->source = strdup(url);
    r->media_type = strdup("application/wasm");
    int rc = 0;
    if (!r->id || !r->module_path || !r->module_filename || !r->source || !r->media_type ||
        img_strv_push(&r->repo_tags, &r->repo_tags_count, tag) < 0 ||
        img_strv_push(&r->repo_digests, &r->repo_digests_count, repo_digest) < 0 ||
        img_strv_push(&image.blobs, &image.blobs_count, digest) < 0)
        rc = wc_error_set(err, WC_ERESOURCE, "pull %s: out of memory", name);
    if (rc == 0)
        rc = img_records_put(store, &image, err);
    img_unpin(store, digest);
    if (rc == 0 && (*image_ref = strdup(digest)) == NULL)
        rc = wc_error_set(err, WC_ERESOURCE, "out of memory");
    new_image_free(&image);
    return rc;
}

/* ---- registries ----------------------------------------------------------------------- */

static bool is_wasm_layer(const char *media_type)
{
    return strcmp(media_type, "application/wasm") == 0 ||
           strcmp(media_type, "application/vnd.wasm.content.layer.v1+wasm") == 0 ||
           strcmp(media_type, "application/vnd.bytecodealliance.wasm.component.layer.v0+wasm") == 0 ||
           strcmp(media_type, "application/vnd.module.wasm.content.layer.v1+wasm") == 0;
}

static bool is_tar_layer(const char *media_type)
{
    static const char *const known[] = {
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.diff.tar.zstd",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(media_type, known[i]) == 0)
            return true;
    return false;
}

static const img_registry_host *host_config(img_store *store, const char *domain)
{
    for (size_t i = 0; i < store->registries_count; i++)
        if (strcmp(store->registries[i].name, domain) == 0)
            return &store->registries[i];
    return NULL;
}

/* From an index, the manifest for linux/amd64, else a wasm one, else the only one. */
static int pick_platform(json_t *index, char digest[80], wc_error *err)
{
    json_t *manifests = json_object_get(index, "manifests");
    if (!json_is_array(manifests) || json_array_size(manifests) == 0)
        return wc_error_set(err, WC_EINVAL, "image index has no manifests");
    const char *amd64 = NULL, *wasm = NULL;
    size_t i;
    json_t *m;
    json_array_foreach(manifests, i, m) {
        const char *d = json_string_value(json_object_get(m, "digest"));
        json_t *platform = json_object_get(m, "platform");
        const char *os = json_string_value(json_object_get(platform, "os"));
        const char *arch = json_string_value(json_object_get(platform, "architecture"));
        if (!d || !arch)
            continue;
        if (!amd64 && strcmp(arch, "amd64") == 0 && os && strcmp(os, "linux") == 0)
            amd64 = d;
        if (!wasm && strcmp(arch, "wasm") == 0)
            wasm = d;
    }
    const char *chosen = amd64 ? amd64 : wasm;
    if (!chosen && json_array_size(manifests) == 1)
        chosen = json_string_value(json_object_get(json_array_get(manifests, 0), "digest"));
    if (!chosen || !img_digest_valid(chosen))
        return wc_error_set(err, WC_ENOTFOUND, "no manifest for linux/amd64 or wasm in the index");
    snprintf(digest, 80, "%s", chosen);
    return 0;
}

static void json_to_strv(json_t *array, char ***strv, size_t *count)
{
    size_t i;
    json_t *v;
    json_array_foreach(array, i, v) {
        if (json_is_string(v))
            img_strv_push(strv, count, json_string_value(v));
    }
}

/* The file the entrypoint names, when it is a .wasm file inside the rootfs. */
static bool wasm_entrypoint(const char *rootfs, const img_record *r, char *relative, size_t size)
{
    const char *first = r->entrypoint_count ? r->entrypoint[0] : r->cmd_count ? r->cmd[0] : NULL;
    if (first == NULL)
        return false;
    size_t n = strlen(first);
    if (n < 6 || strcmp(first + n - 5, ".wasm") != 0)
        return false;
    char path[PATH_MAX], resolved[PATH_MAX], root_resolved[PATH_MAX];
    int written = first[0] == '/'
                ? snprintf(path, sizeof path, "%s%s", rootfs, first)
                : snprintf(path, sizeof path, "%s/%s/%s", rootfs, r->workdir ? r->workdir : "",
                           first);
    if (written < 0 || (size_t)written >= sizeof path)
        return false;
    /* Symlinks inside the image are resolved against the host: accept only a result that
     * stays inside the rootfs. */
    if (!realpath(path, resolved) || !realpath(rootfs, root_resolved))
        return false;
    size_t root_length = strlen(root_resolved);
    if (strncmp(resolved, root_resolved, root_length) != 0 || resolved[root_length] != '/')
        return false;
    struct stat st;
    if (stat(resolved, &st) < 0 || !S_ISREG(st.st_mode))
        return false;
    snprintf(relative, size, "%s", resolved + root_length + 1);
    return true;
}

static int validate_module_file(const char *path, wc_error *err)
{
    cleanup_free uint8_t *bytes = NULL;
    size_t length = 0;
    if (wc_read_file(path, &bytes, &length, err) < 0)
        return -1;
    return check_module(bytes, length, err);
}

typedef struct registry_pull {
    img_store *store;
    img_registry *registry;
    img_ref ref;
    const char *reference;
    json_t *manifest;
    json_t *config;
    char manifest_digest[72];    /* the top-level one (index or manifest), for repo_digests */
    char media_type[256];
    img_new_image image;
    uint64_t *blob_sizes;        /* beside image.blobs: sizes the manifest declares */
    size_t pinned;               /* image.blobs[0..pinned) are pinned (blobs[0], the config
                                    digest, is also the image id: it pins the rootfs) */
} registry_pull;

static int fetch_manifest(registry_pull *p, wc_error *err)
{
    cleanup_free uint8_t *body = NULL;
    size_t length = 0;
    char media_type[256], digest[72];
    const char *wanted = p->ref.digest[0] ? p->ref.digest : p->ref.tag;
    if (img_registry_manifest(p->registry, wanted, &body, &length, media_type, digest, err) < 0)
        return -1;
    snprintf(p->manifest_digest, sizeof p->manifest_digest, "%s", digest);
    for (int depth = 0;; depth++) {
        json_error_t json_err;
        json_t *doc = json_loadb((const char *)body, length, 0, &json_err);
        if (!json_is_object(doc)) {
            json_decref(doc);
            return wc_error_set(err, WC_EINVAL, "manifest is not JSON: %s", json_err.text);
        }
        const char *declared = json_string_value(json_object_get(doc, "mediaType"));
        if (media_type[0] == 0 || strcmp(media_type, "application/json") == 0 ||
            strcmp(media_type, "text/plain") == 0)
            snprintf(media_type, sizeof media_type, "%s", declared ? declared : "");
        if ((strcmp(media_type, MT_OCI_INDEX) == 0 || strcmp(media_type, MT_DOCKER_LIST) == 0) &&
            depth == 0) {
            char chosen[80];
            int rc = pick_platform(doc, chosen, err);
            json_decref(doc);
            if (rc < 0)
                return -1;
            free(steal_pointer(&body));
            if (img_registry_manifest(p->registry, chosen, &body, &length, media_type, digest,
                                      err) < 0)
                return -1;
            continue;
        }
        if (strcmp(media_type, MT_OCI_MANIFEST) != 0 && strcmp(media_type, MT_DOCKER_MANIFEST) != 0) {
            json_decref(doc);
            return wc_error_set(err, WC_EINVAL, "unsupported manifest media type \"%s\"",
                                media_type);
        }
        snprintf(p->media_type, sizeof p->media_type, "%s", media_type);
        p->manifest = doc;
        return 0;
    }
}

/* The config and every layer, several at a time: a registry answers each request with some
 * latency, and the downloads of one image need not wait for each other. */
#define PARALLEL_DOWNLOADS 4

typedef struct blob_download {
    registry_pull *pull;
    const char *digest;
    uint64_t size;
    pthread_t thread;
    bool started;
    int rc;
    wc_error err;
} blob_download;

static void *download_main(void *data)
{
    blob_download *d = data;
    d->rc = img_registry_blob(d->pull->registry, d->pull->store->content, d->digest, d->size,
                              &d->err);
    return NULL;
}

static int download_blobs(registry_pull *p, wc_error *err)
{
    size_t count = p->image.blobs_count;
    blob_download *downloads = calloc(count ? count : 1, sizeof *downloads);
    if (downloads == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    int rc = 0;
    for (size_t start = 0; start < count; start += PARALLEL_DOWNLOADS) {
        size_t end = start + PARALLEL_DOWNLOADS < count ? start + PARALLEL_DOWNLOADS : count;
        for (size_t i = start; i < end; i++) {
            downloads[i] = (blob_download){.pull = p, .digest = p->image.blobs[i],
                                           .size = p->blob_sizes[i]};
            /* The last of a batch runs on this thread; a failed thread start does too. */
            if (i + 1 < end && pthread_create(&downloads[i].thread, NULL, download_main,
                                              &downloads[i]) == 0)
                downloads[i].started = true;
            else
                download_main(&downloads[i]);
        }
        for (size_t i = start; i < end; i++) {
            if (downloads[i].started)
                pthread_join(downloads[i].thread, NULL);
            if (downloads[i].rc < 0 && rc == 0) {
                *err = downloads[i].err;
                rc = -1;
            }
        }
        if (rc < 0)
            break;
    }
    free(downloads);
    return rc;
}

static int fetch_config(registry_pull *p, const char *digest, wc_error *err)
{
    char path[4096];
    img_content_path(p->store->content, digest, path, sizeof path);
    cleanup_free uint8_t *bytes = NULL;
    size_t length;
    if (wc_read_file(path, &bytes, &length, err) < 0)
        return -1;
    json_error_t json_err;
    p->config = json_loadb((const char *)bytes, length, 0, &json_err);
    if (!json_is_object(p->config))
        return wc_error_set(err, WC_EINVAL, "image config %s is not a JSON object", digest);
    return 0;
}

static int fill_from_config(registry_pull *p)
{
    img_record *r = &p->image.record;
    json_t *c = json_object_get(p->config, "config");
    json_to_strv(json_object_get(c, "Entrypoint"), &r->entrypoint, &r->entrypoint_count);
    json_to_strv(json_object_get(c, "Cmd"), &r->cmd, &r->cmd_count);
    json_to_strv(json_object_get(c, "Env"), &r->env, &r->env_count);
    const char *workdir = json_string_value(json_object_get(c, "WorkingDir"));
    const char *user = json_string_value(json_object_get(c, "User"));
    const char *signal = json_string_value(json_object_get(c, "StopSignal"));
    r->workdir = workdir && *workdir ? strdup(workdir) : NULL;
    r->user = user && *user ? strdup(user) : NULL;
    r->stop_signal = signal && *signal ? strdup(signal) : NULL;
    return 0;
}

/* Unpacks the tar layers into images/<hex>/rootfs through a temporary directory, so a rootfs
 * under its final name is always complete. */
static int unpack_layers(registry_pull *p, json_t *layers, const char *hex, wc_error *err)
{
    char final_dir[4096], final_rootfs[4200], temp_dir[4096], temp_rootfs[4200];
    snprintf(final_dir, sizeof final_dir, "%s/images/%s", p->store->root, hex);
    snprintf(final_rootfs, sizeof final_rootfs, "%s/rootfs", final_dir);
    struct stat st;
    if (stat(final_rootfs, &st) == 0)
        return 0;   /* this image was unpacked before */
    static _Atomic unsigned serial;
    snprintf(temp_dir, sizeof temp_dir, "%s/images/.tmp-%.12s-%d-%u", p->store->root, hex,
             (int)getpid(), serial++);
    snprintf(temp_rootfs, sizeof temp_rootfs, "%s/rootfs", temp_dir);
    img_remove_tree(temp_dir);
    if (wc_mkdir_p(temp_rootfs, 0755, err) < 0)
        return -1;
    size_t i;
    json_t *layer;
    json_array_foreach(layers, i, layer) {
        const char *media_type = json_string_value(json_object_get(layer, "mediaType"));
        const char *digest = json_string_value(json_object_get(layer, "digest"));
        if (!is_tar_layer(media_type))
            continue;
        char path[4096];
        img_content_path(p->store->content, digest, path, sizeof path);
        if (img_unpack_layer(path, temp_rootfs, err) < 0) {
            img_remove_tree(temp_dir);
            return wc_error_prefix(err, "layer %s", digest);
        }
    }
    if (rename(temp_dir, final_dir) < 0) {
        int saved = errno;
        img_remove_tree(temp_dir);
        if (saved == EEXIST || saved == ENOTEMPTY)
            return 0;   /* a concurrent pull of the same image finished first */
        return wc_error_set_errno(err, saved, "rename %s", temp_dir);
    }
    return 0;
}

static uint64_t declared_size(json_t *descriptor)
{
    json_int_t size = json_integer_value(json_object_get(descriptor, "size"));
    return size > 0 ? (uint64_t)size : 0;
}

static int pull_layers(registry_pull *p, wc_error *err)
{
    img_record *r = &p->image.record;
    json_t *config_desc = json_object_get(p->manifest, "config");
    const char *config_digest = json_string_value(json_object_get(config_desc, "digest"));
    if (!config_digest || !img_digest_valid(config_digest))
        return wc_error_set(err, WC_EINVAL, "manifest has no valid config digest");
    json_t *layers = json_object_get(p->manifest, "layers");
    if (!json_is_array(layers))
        return wc_error_set(err, WC_EINVAL, "manifest has no layers");
    /* Check every media type and digest before downloading anything. */
    size_t i, tar_layers = 0;
    json_t *layer, *wasm_layer = NULL;
    uint64_t size = (uint64_t)json_integer_value(json_object_get(config_desc, "size"));
    json_array_foreach(layers, i, layer) {
        const char *media_type = json_string_value(json_object_get(layer, "mediaType"));
        const char *digest = json_string_value(json_object_get(layer, "digest"));
        if (!media_type || !digest || !img_digest_valid(digest))
            return wc_error_set(err, WC_EINVAL, "layer %zu: missing media type or digest", i);
        if (is_wasm_layer(media_type)) {
            if (!wasm_layer)
                wasm_layer = layer;
        } else if (is_tar_layer(media_type)) {
            tar_layers++;
        } else {
            return wc_error_set(err, WC_EINVAL, "layer %s: unsupported media type \"%s\"",
                                digest, media_type);
        }
        size += (uint64_t)json_integer_value(json_object_get(layer, "size"));
    }
    p->blob_sizes = calloc(json_array_size(layers) + 1, sizeof *p->blob_sizes);
    if (p->blob_sizes == NULL ||
        img_strv_push(&p->image.blobs, &p->image.blobs_count, config_digest) < 0)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    p->blob_sizes[0] = declared_size(config_desc);
    json_array_foreach(layers, i, layer) {
        const char *digest = json_string_value(json_object_get(layer, "digest"));
        if (img_strv_push(&p->image.blobs, &p->image.blobs_count, digest) < 0)
            return wc_error_set(err, WC_ERESOURCE, "out of memory");
        p->blob_sizes[p->image.blobs_count - 1] = declared_size(layer);
    }
    for (; p->pinned < p->image.blobs_count; p->pinned++)
        if (img_pin(p->store, p->image.blobs[p->pinned]) < 0)
            return wc_error_set(err, WC_ERESOURCE, "out of memory");
    if (download_blobs(p, err) < 0 || fetch_config(p, config_digest, err) < 0)
        return -1;
    r->id = strdup(config_digest);
    r->size = size;
    fill_from_config(p);
    const char *hex = config_digest + 7;
    if (tar_layers > 0) {
        if (unpack_layers(p, layers, hex, err) < 0)
            return -1;
        char rootfs[200];
        snprintf(rootfs, sizeof rootfs, "images/%s/rootfs", hex);
        r->rootfs_path = strdup(rootfs);
    }
    const char *arch = json_string_value(json_object_get(p->config, "architecture"));
    bool wasm_arch = arch && strcmp(arch, "wasm") == 0;
    char module[4096];
    if (wasm_layer) {
        const char *digest = json_string_value(json_object_get(wasm_layer, "digest"));
        const char *title = json_string_value(json_object_get(
            json_object_get(wasm_layer, "annotations"), "org.opencontainers.image.title"));
        snprintf(module, sizeof module, "blobs/sha256/%s", digest + 7);
        r->module_path = strdup(module);
        r->module_filename = strdup(title && *title && !strchr(title, '/') ? title : "module.wasm");
        r->is_wasm = true;
    } else if (r->rootfs_path) {
        char full_rootfs[4300], relative[4096];
        snprintf(full_rootfs, sizeof full_rootfs, "%s/%s", p->store->root, r->rootfs_path);
        /* A wasm-architecture image, or a small image whose entrypoint is a .wasm file. */
        if (wasm_entrypoint(full_rootfs, r, relative, sizeof relative) &&
            (wasm_arch || size < (64u << 20))) {
            if ((size_t)snprintf(module, sizeof module, "%s/%s", r->rootfs_path, relative) >=
                sizeof module)
                return wc_error_set(err, WC_EINVAL, "module path too long");
            r->module_path = strdup(module);
            const char *base = strrchr(relative, '/');
            r->module_filename = strdup(base ? base + 1 : relative);
            r->is_wasm = true;
        }
    }
    if (wasm_arch && !r->is_wasm)
        return wc_error_set(err, WC_EINVAL, "image has architecture wasm but no wasm module "
                            "(no wasm layer, no .wasm entrypoint)");
    if (r->is_wasm) {
        char full[4400];
        snprintf(full, sizeof full, "%s/%s", p->store->root, r->module_path);
        if (validate_module_file(full, err) < 0)
            return -1;
    }
    return 0;
}

int img_pull_registry(img_store *store, const char *reference, const img_auth *auth,
                      char **image_ref, wc_error *err)
{
    registry_pull p = {.store = store, .reference = reference};
    if (img_ref_parse(reference, &p.ref, err) < 0)
        return -1;
    int rc = img_registry_open(&p.ref, host_config(store, p.ref.domain), auth, store->session,
                               &p.registry, err);
    if (rc == 0)
        rc = fetch_manifest(&p, err);
    if (rc == 0)
        rc = pull_layers(&p, err);
    img_record *r = &p.image.record;
    if (rc == 0) {
        char name[800], tagged[1100], digest_ref[1200];
        img_ref_name(&p.ref, name, sizeof name);
        img_ref_tagged(&p.ref, tagged, sizeof tagged);
        snprintf(digest_ref, sizeof digest_ref, "%s@%s", name, p.manifest_digest);
        r->created_ns = now_ns();
        r->source = strdup(reference);
        r->media_type = strdup(p.media_type);
        if ((tagged[0] && img_strv_push(&r->repo_tags, &r->repo_tags_count, tagged) < 0) ||
            img_strv_push(&r->repo_digests, &r->repo_digests_count, digest_ref) < 0 ||
            !r->id || !r->source || !r->media_type)
            rc = wc_error_set(err, WC_ERESOURCE, "out of memory");
    }
    if (rc == 0)
        rc = img_records_put(store, &p.image, err);
    for (size_t i = 0; i < p.pinned; i++)
        img_unpin(store, p.image.blobs[i]);
    if (rc == 0 && (*image_ref = strdup(r->id)) == NULL)
        rc = wc_error_set(err, WC_ERESOURCE, "out of memory");
    new_image_free(&p.image);
    free(p.blob_sizes);
    json_decref(p.manifest);
    json_decref(p.config);
    img_registry_free(p.registry);
    if (rc < 0)
        return wc_error_prefix(err, "pull %s", reference);
    return 0;
}
