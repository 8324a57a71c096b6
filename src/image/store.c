/* store.c - opening the image store, the start-up sweep, pull de-duplication, disk usage. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "image/content.h"
#include "image/fetch.h"
#include "image/reference.h"
#include "image/store_internal.h"
#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/file.h"

struct img_pin {
    struct img_pin *next;
    char key[80];
    int count;
};

int img_pin(img_store *store, const char *key)
{
    pthread_mutex_lock(&store->pin_lock);
    struct img_pin *pin = store->pins;
    while (pin && strcmp(pin->key, key) != 0)
        pin = pin->next;
    if (pin == NULL && (pin = calloc(1, sizeof *pin)) != NULL) {
        snprintf(pin->key, sizeof pin->key, "%s", key);
        pin->next = store->pins;
        store->pins = pin;
    }
    if (pin)
        pin->count++;
    pthread_mutex_unlock(&store->pin_lock);
    return pin ? 0 : -1;
}

void img_unpin(img_store *store, const char *key)
{
    pthread_mutex_lock(&store->pin_lock);
    for (struct img_pin **p = &store->pins; *p; p = &(*p)->next) {
        if (strcmp((*p)->key, key) != 0)
            continue;
        struct img_pin *pin = *p;
        if (--pin->count == 0) {
            *p = pin->next;
            free(pin);
        }
        break;
    }
    pthread_mutex_unlock(&store->pin_lock);
}

void img_trash_unpinned(img_store *store, const char *key, const char *path)
{
    pthread_mutex_lock(&store->pin_lock);
    struct img_pin *pin = store->pins;
    while (pin && strcmp(pin->key, key) != 0)
        pin = pin->next;
    if (pin == NULL)
        img_trash(store, path);
    pthread_mutex_unlock(&store->pin_lock);
}

struct img_inflight {
    img_inflight *next;
    char *key;
    pthread_cond_t done_cond;
    bool done;
    int waiters;
    int rc;
    char *image_ref;
    wc_error err;
};

static void free_registries(img_registry_host *hosts, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free((char *)hosts[i].name);
        img_strv_free((char **)hosts[i].mirrors, hosts[i].mirrors_count);
    }
    free(hosts);
}

static int copy_registries(img_store *store, const img_store_options *options, wc_error *err)
{
    if (options->registries_count == 0)
        return 0;
    store->registries = calloc(options->registries_count, sizeof *store->registries);
    if (store->registries == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    store->registries_count = options->registries_count;
    for (size_t i = 0; i < options->registries_count; i++) {
        const img_registry_host *from = &options->registries[i];
        img_registry_host *to = &store->registries[i];
        to->name = strdup(from->name);
        to->insecure = from->insecure;
        to->no_fallback = from->no_fallback;
        char **mirrors = NULL;
        size_t count = 0;
        for (size_t m = 0; m < from->mirrors_count; m++)
            if (img_strv_push(&mirrors, &count, from->mirrors[m]) < 0)
                return wc_error_set(err, WC_ERESOURCE, "out of memory");
        to->mirrors = (const char *const *)mirrors;
        to->mirrors_count = count;
        if (to->name == NULL)
            return wc_error_set(err, WC_ERESOURCE, "out of memory");
    }
    return 0;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct sweep {
    img_content *content;
    char **keep;
    size_t keep_count;
    size_t removed;
} sweep;

static void sweep_blob(const char *digest, void *data)
{
    sweep *s = data;
    const char *key = digest;
    if (bsearch(&key, s->keep, s->keep_count, sizeof *s->keep, compare_strings) == NULL) {
        img_content_delete(s->content, digest);
        s->removed++;
    }
}

/* What a pull cut by a crash left: ingest files, blobs no image references, rootfs dirs of
 * images that were never recorded (or half-unpacked temporaries). */
static int sweep_orphans(img_store *store, wc_error *err)
{
    img_content_clear_ingest(store->content);
    sweep s = {.content = store->content};
    if (img_records_all_blobs(store, &s.keep, &s.keep_count, err) < 0)
        return -1;
    img_content_walk(store->content, sweep_blob, &s);
    img_strv_free(s.keep, s.keep_count);

    char images_dir[4096];
    snprintf(images_dir, sizeof images_dir, "%s/images", store->root);
    cleanup_closedir DIR *dir = opendir(images_dir);
    if (dir == NULL)
        return 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        char id[300];
        snprintf(id, sizeof id, "sha256:%s", entry->d_name);
        bool exists = false;
        if (img_digest_valid(id) && img_records_has_id(store, id, &exists, err) < 0)
            return -1;
        if (!exists) {
            char path[4200];
            if ((size_t)snprintf(path, sizeof path, "%s/%s", images_dir, entry->d_name) <
                sizeof path)
                img_remove_tree(path);
        }
    }
    return 0;
}

static void empty_trash(img_store *store)
{
    char trash[4096];
    snprintf(trash, sizeof trash, "%s/trash", store->root);
    cleanup_closedir DIR *dir = opendir(trash);
    if (dir == NULL)
        return;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        char path[4400];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", trash, entry->d_name) < sizeof path)
            img_remove_tree(path);
    }
}

static void *janitor_main(void *data)
{
    img_store *store = data;
    pthread_mutex_lock(&store->janitor_lock);
    for (;;) {
        while (!store->janitor_pending && !store->janitor_stop)
            pthread_cond_wait(&store->janitor_wake, &store->janitor_lock);
        if (store->janitor_stop)
            break;   /* what is left is emptied at the next start */
        store->janitor_pending = false;
        pthread_mutex_unlock(&store->janitor_lock);
        empty_trash(store);
        pthread_mutex_lock(&store->janitor_lock);
    }
    pthread_mutex_unlock(&store->janitor_lock);
    return NULL;
}

void img_trash(img_store *store, const char *path)
{
    static _Atomic unsigned serial;
    char target[4400];
    const char *base = strrchr(path, '/');
    snprintf(target, sizeof target, "%s/trash/%s-%d-%u", store->root, base ? base + 1 : path,
             (int)getpid(), serial++);
    if (!store->janitor_started || rename(path, target) < 0) {
        img_remove_tree(path);
        return;
    }
    pthread_mutex_lock(&store->janitor_lock);
    store->janitor_pending = true;
    pthread_cond_signal(&store->janitor_wake);
    pthread_mutex_unlock(&store->janitor_lock);
}

int img_store_open(const img_store_options *options, img_store **out, wc_error *err)
{
    img_fetch_global_init();
    img_store *store = calloc(1, sizeof *store);
    if (store == NULL)
        return wc_error_set(err, WC_ERESOURCE, "image store: out of memory");
    pthread_mutex_init(&store->pin_lock, NULL);
    pthread_mutex_init(&store->inflight_lock, NULL);
    pthread_mutex_init(&store->reload_lock, NULL);
    pthread_mutex_init(&store->cache_lock, NULL);
    pthread_mutex_init(&store->janitor_lock, NULL);
    pthread_cond_init(&store->janitor_wake, NULL);
    store->db = options->db;
    char images_dir[4096], trash_dir[4096];
    snprintf(images_dir, sizeof images_dir, "%s/images", options->root);
    snprintf(trash_dir, sizeof trash_dir, "%s/trash", options->root);
    int rc = (store->root = strdup(options->root)) ? 0
             : wc_error_set(err, WC_ERESOURCE, "image store: out of memory");
    if (rc == 0)
        rc = copy_registries(store, options, err);
    if (rc == 0)
        rc = wc_mkdir_p(images_dir, 0700, err);
    if (rc == 0)
        rc = wc_mkdir_p(trash_dir, 0700, err);
    if (rc == 0)
        rc = img_content_open(options->root, &store->content, err);
    if (rc == 0)
        rc = img_fetch_session_new(&store->session, err);
    if (rc == 0)
        rc = img_records_migrate(store, err);
    if (rc == 0)
        rc = sweep_orphans(store, err);
    if (rc == 0)
        rc = img_cache_reload(store, err);
    if (rc == 0) {
        store->janitor_pending = true;   /* a trash left by the previous run */
        if (pthread_create(&store->janitor, NULL, janitor_main, store) == 0)
            store->janitor_started = true;
        else
            empty_trash(store);
    }
    if (rc < 0) {
        img_store_free(store);
        return wc_error_prefix(err, "open image store %s", options->root);
    }
    *out = store;
    return 0;
}

void img_store_free(img_store *store)
{
    if (store == NULL)
        return;
    if (store->janitor_started) {
        pthread_mutex_lock(&store->janitor_lock);
        store->janitor_stop = true;
        pthread_cond_signal(&store->janitor_wake);
        pthread_mutex_unlock(&store->janitor_lock);
        pthread_join(store->janitor, NULL);
    }
    img_cache_clear(store);
    img_fetch_session_free(store->session);
    img_content_free(store->content);
    free_registries(store->registries, store->registries_count);
    pthread_mutex_destroy(&store->pin_lock);
    while (store->pins) {
        struct img_pin *next = store->pins->next;
        free(store->pins);
        store->pins = next;
    }
    pthread_mutex_destroy(&store->inflight_lock);
    pthread_mutex_destroy(&store->reload_lock);
    pthread_mutex_destroy(&store->cache_lock);
    pthread_mutex_destroy(&store->janitor_lock);
    pthread_cond_destroy(&store->janitor_wake);
    free(store->root);
    free(store);
}

const char *img_store_root(const img_store *store)
{
    return store->root;
}

static const char *annotation(const img_annotation *annotations, size_t count, const char *key)
{
    for (size_t i = 0; i < count; i++)
        if (annotations[i].key && strcmp(annotations[i].key, key) == 0)
            return annotations[i].value;
    return NULL;
}

/* The module settings a pull reads from the image spec annotations (kubelet copies the pod's
 * there). `wasm.module.url/<short name>` names the module of the image whose short name (last
 * path component, no tag or digest: "example.org/demo:v1" -> "demo") is <short name>, so a pod
 * can name several modules; the plain keys serve a pod with one module. */
typedef struct module_settings {
    const char *url;
    const char *filename;
    const char *stop_signal;
} module_settings;

static void module_settings_read(const char *reference, const img_annotation *annotations,
                                 size_t count, module_settings *out)
{
    char short_name[256];
    const char *start = strrchr(reference, '/');
    start = start ? start + 1 : reference;
    snprintf(short_name, sizeof short_name, "%.*s", (int)strcspn(start, ":@"), start);
    static const char *const keys[3] = {"wasm.module.url", "wasm.module.filename",
                                        "wasm.module.stopSignal"};
    const char *specific[3], *plain[3];
    for (int i = 0; i < 3; i++) {
        char key[320];
        snprintf(key, sizeof key, "%s/%s", keys[i], short_name);
        specific[i] = annotation(annotations, count, key);
        plain[i] = annotation(annotations, count, keys[i]);
        if (specific[i] && !*specific[i])
            specific[i] = NULL;
        if (plain[i] && !*plain[i])
            plain[i] = NULL;
    }
    /* A module named for this image takes only its own settings; the plain URL takes the
     * specific ones first, then the plain ones. */
    bool own = specific[0] != NULL;
    out->url = own ? specific[0] : plain[0];
    out->filename = specific[1] ? specific[1] : own ? NULL : plain[1];
    out->stop_signal = specific[2] ? specific[2] : own ? NULL : plain[2];
}

static int pull_now(img_store *store, const char *reference, const module_settings *module,
                    const img_auth *auth, char **image_ref, wc_error *err)
{
    if (module->url != NULL)
        return img_pull_url(store, reference, module->url, module->filename,
                            module->stop_signal, image_ref, err);
    return img_pull_registry(store, reference, auth, image_ref, err);
}

static void free_record(img_record **record)
{
    img_record_free(*record);
}

int img_store_pull(img_store *store, const char *reference, const img_annotation *annotations,
                   size_t annotations_count, const img_auth *auth, char **image_ref, wc_error *err)
{
    *image_ref = NULL;
    if (reference == NULL || *reference == 0)
        return wc_error_set(err, WC_EINVAL, "pull: empty image reference");
    module_settings module;
    module_settings_read(reference, annotations, annotations_count, &module);
    /* A module pulled by URL before, pulled again without annotations (kubelet's default policy
     * for untagged and :latest images is Always): fetch it again from where it came from. */
    __attribute__((cleanup(free_record))) img_record *known = NULL;
    wc_error ignored;
    if (module.url == NULL && img_store_resolve(store, reference, &known, &ignored) == 0 &&
        known->media_type && strcmp(known->media_type, "application/wasm") == 0 && known->source) {
        module.url = known->source;
        module.filename = known->module_filename;
        module.stop_signal = known->stop_signal;
    }
    const char *url = module.url;
    const char *filename = module.filename;
    const char *signal = module.stop_signal;
    /* Pulls share work only when they would do the same thing, credentials included (a pull
     * with bad credentials must not fail another's good ones). */
    char auth_digest[72] = "";
    if (auth) {
        cleanup_free char *secret = NULL;
        if (asprintf(&secret, "%s\n%s\n%s\n%s\n%s", auth->username ? auth->username : "",
                     auth->password ? auth->password : "", auth->auth ? auth->auth : "",
                     auth->identity_token ? auth->identity_token : "",
                     auth->registry_token ? auth->registry_token : "") < 0)
            return wc_error_set(err, WC_ERESOURCE, "out of memory");
        img_sha256_digest(secret, strlen(secret), auth_digest);
    }
    cleanup_free char *key = NULL;
    if (asprintf(&key, "%s\n%s\n%s\n%s\n%s", reference, url ? url : "", filename ? filename : "",
                 signal ? signal : "", auth_digest) < 0)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");

    /* A pull of the same thing already running: wait for it and share its result. */
    pthread_mutex_lock(&store->inflight_lock);
    for (img_inflight *f = store->inflight; f; f = f->next) {
        if (strcmp(f->key, key) != 0)
            continue;
        f->waiters++;
        while (!f->done)
            pthread_cond_wait(&f->done_cond, &store->inflight_lock);
        int rc = f->rc;
        if (rc == 0 && (*image_ref = strdup(f->image_ref)) == NULL)
            rc = wc_error_set(err, WC_ERESOURCE, "out of memory");
        else if (rc < 0 && err)
            *err = f->err;
        if (--f->waiters == 0) {
            pthread_cond_destroy(&f->done_cond);
            free(f->image_ref);
            free(f->key);
            free(f);
        }
        pthread_mutex_unlock(&store->inflight_lock);
        return rc;
    }
    img_inflight *mine = calloc(1, sizeof *mine);
    if (mine == NULL || (mine->key = strdup(key)) == NULL) {
        free(mine);
        pthread_mutex_unlock(&store->inflight_lock);
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    }
    pthread_cond_init(&mine->done_cond, NULL);
    mine->next = store->inflight;
    store->inflight = mine;
    pthread_mutex_unlock(&store->inflight_lock);

    wc_error local;
    wc_error *errp = err ? err : &local;
    wc_error_clear(errp);
    int rc = pull_now(store, reference, &module, auth, image_ref, errp);

    pthread_mutex_lock(&store->inflight_lock);
    for (img_inflight **p = &store->inflight; *p; p = &(*p)->next)
        if (*p == mine) {
            *p = mine->next;
            break;
        }
    if (mine->waiters > 0) {
        mine->done = true;
        mine->rc = rc;
        mine->err = *errp;
        mine->image_ref = *image_ref ? strdup(*image_ref) : NULL;
        if (rc == 0 && mine->image_ref == NULL)
            mine->rc = wc_error_set(&mine->err, WC_ERESOURCE, "out of memory");
        pthread_cond_broadcast(&mine->done_cond);
    } else {
        pthread_cond_destroy(&mine->done_cond);
        free(mine->key);
        free(mine);
    }
    pthread_mutex_unlock(&store->inflight_lock);
    return rc;
}

/* nftw() hands its callback no user pointer: per-thread totals are the callback's only way
 * out, and stay correct when two ImageFsInfo walks run on different pool threads. */
static __thread uint64_t usage_bytes, usage_inodes;

static int count_usage(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path;
    (void)flag;
    (void)ftw;
    usage_bytes += (uint64_t)st->st_blocks * 512;
    usage_inodes++;
    return 0;
}

int img_store_fs_usage(img_store *store, img_fs_usage *usage, wc_error *err)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    usage_bytes = 0;
    usage_inodes = 0;
    /* The image store's own files only: blobs, unpacked images (the database is shared). */
    const char *parts[] = {"blobs", "images", "ingest"};
    for (size_t i = 0; i < 3; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", store->root, parts[i]);
        if (nftw(path, count_usage, 32, FTW_PHYS) < 0 && errno != ENOENT)
            return wc_error_set_errno(err, errno, "image fs usage %s", path);
    }
    usage->used_bytes = usage_bytes;
    usage->inodes_used = usage_inodes;
    usage->timestamp_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    return 0;
}
