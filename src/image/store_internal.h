/* store_internal.h - what the image store's files share (not an interface for others). */
#ifndef WASMCRI_IMAGE_STORE_INTERNAL_H
#define WASMCRI_IMAGE_STORE_INTERNAL_H

#include <pthread.h>

#include "image/content.h"
#include "image/fetch.h"
#include "image/store.h"

typedef struct img_inflight img_inflight;

struct img_store {
    char *root;
    store_db *db;
    img_content *content;
    img_fetch_session *session;      /* connections kept between pulls */
    img_registry_host *registries;   /* deep copy of the options */
    size_t registries_count;
    /* Digests that pulls in progress rely on (blobs they found present or wrote, the rootfs of
     * the image id they record): a removal leaves those files alone, so it never deletes what a
     * pull is about to record, and never waits for a pull either. */
    pthread_mutex_t pin_lock;
    struct img_pin *pins;
    /* Pulls in progress, so a second pull of one reference waits for the first. */
    pthread_mutex_t inflight_lock;
    img_inflight *inflight;
    /* Every record in memory, so lookups (ImageStatus, ListImages, CreateContainer) never
     * touch the disk and may run on the loop thread. Rebuilt from the database after each
     * change; reload_lock orders the rebuilds, cache_lock guards the swap and the readers. */
    pthread_mutex_t reload_lock;
    pthread_mutex_t cache_lock;
    img_record **cache;
    size_t cache_count;
    /* Removed rootfs trees are renamed into trash/ and deleted by this thread, so RemoveImage
     * does not wait for thousands of unlinks. */
    pthread_t janitor;
    bool janitor_started;
    pthread_mutex_t janitor_lock;
    pthread_cond_t janitor_wake;
    bool janitor_pending;
    bool janitor_stop;
};

/* What a pull produces, written in one transaction by img_records_put. */
typedef struct img_new_image {
    img_record record;               /* module_path / rootfs_path relative to the root */
    char **blobs;                    /* digests this image keeps alive */
    size_t blobs_count;
} img_new_image;

int img_records_migrate(img_store *store, wc_error *err);
int img_records_put(img_store *store, const img_new_image *image, wc_error *err);
/* Every blob digest referenced by any image (sorted, for the start-up sweep). */
int img_records_all_blobs(img_store *store, char ***digests, size_t *count, wc_error *err);
int img_records_has_id(img_store *store, const char *id, bool *exists, wc_error *err);
/* Every record, read from the database (for the cache). */
int img_records_load_all(img_store *store, img_record ***out, size_t *count, wc_error *err);
/* Frees what a record holds, not the record itself (img_record_free frees both). */
void img_record_clear(img_record *record);

/* The in-memory copy (cache.c). */
int img_cache_reload(img_store *store, wc_error *err);
void img_cache_clear(img_store *store);
/* Moves a tree into trash/ and wakes the janitor (store.c). */
void img_trash(img_store *store, const char *path);
/* Pins (counted) keep a digest's files; img_trash_unpinned trashes path unless key is pinned,
 * atomically with respect to img_pin. */
int img_pin(img_store *store, const char *key);
void img_unpin(img_store *store, const char *key);
void img_trash_unpinned(img_store *store, const char *key, const char *path);

/* The pulls, by kind. */
int img_pull_url(img_store *store, const char *name, const char *url, const char *filename,
                 const char *stop_signal, char **image_ref, wc_error *err);
int img_pull_registry(img_store *store, const char *reference, const img_auth *auth,
                      char **image_ref, wc_error *err);

/* String array helpers. */
void img_strv_free(char **strv, size_t count);
int img_strv_push(char ***strv, size_t *count, const char *value);

#endif
