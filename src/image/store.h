/* store.h - the image store: pulled images, their records and their files.
 *
 * Owns, under ROOT: blobs/sha256/<hex> (content-addressed, verified), images/<idhex>/rootfs
 * (unpacked OCI images) and the `images` tables in the metadata database. An image is either a
 * wasm module (pulled by URL or from a registry as a wasm artifact/image) or an OCI image.
 *
 * Identity as in containerd: id = "sha256:<hex>" of the image config (of the module bytes for a
 * URL module); repo_tags are normalized references; repo_digests are "name@sha256:<manifest>".
 *
 * Every function may block (disk, network): call them from worker threads, never the loop.
 * The store is thread-safe; two concurrent pulls of one reference share one download. */
#ifndef WASMCRI_IMAGE_STORE_H
#define WASMCRI_IMAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"
#include "util/error.h"

typedef struct img_store img_store;

/* What CreateContainer needs to run an image, and what ImageStatus reports. */
typedef struct img_record {
    char *id;                     /* "sha256:<64 hex>" */
    char **repo_tags;             /* normalized "docker.io/library/busybox:latest", "hello:latest" */
    size_t repo_tags_count;
    char **repo_digests;          /* "docker.io/library/busybox@sha256:..." */
    size_t repo_digests_count;
    uint64_t size;                /* bytes of the image's blobs */
    int64_t created_ns;           /* when it was pulled (Unix ns) */
    bool is_wasm;                 /* run it as a wasm instance */
    char *module_path;            /* wasm: absolute path of the module bytes, else NULL */
    char *module_filename;        /* wasm: the module's file name (argv[0]), else NULL */
    char *stop_signal;            /* "SIGTERM"-style or NULL when unset */
    char **entrypoint;            /* from the image config (OCI images), may be empty */
    size_t entrypoint_count;
    char **cmd;
    size_t cmd_count;
    char **env;                   /* "KEY=value" */
    size_t env_count;
    char *workdir;                /* NULL when unset */
    char *user;                   /* NULL when unset */
    char *rootfs_path;            /* unpacked OCI images: absolute rootfs dir, else NULL */
    char *source;                 /* the URL or registry reference it came from */
    char *media_type;             /* manifest media type, or "application/wasm" for URL modules */
} img_record;

void img_record_free(img_record *record);

/* Registry access: the CRI layer fills this from its config (insecure registries, mirrors). */
typedef struct img_registry_host {
    const char *name;             /* "docker.io", "127.0.0.1:5000" */
    bool insecure;                /* plain http (and https without verification) allowed */
    const char *const *mirrors;   /* endpoints "http://127.0.0.1:5000" tried instead, in order */
    size_t mirrors_count;
    bool no_fallback;             /* with mirrors: never try the registry itself */
} img_registry_host;

typedef struct img_store_options {
    const char *root;             /* persistent dir: blobs/, images/ */
    store_db *db;                 /* shared metadata database (the caller keeps it open) */
    const img_registry_host *registries;
    size_t registries_count;
} img_store_options;

/* Opens the store, migrates its tables and removes what an interrupted pull left behind. */
int img_store_open(const img_store_options *options, img_store **out, wc_error *err);
void img_store_free(img_store *store);

/* Credentials for a registry pull (PullImageRequest.auth); all fields optional. */
typedef struct img_auth {
    const char *username;
    const char *password;
    const char *auth;             /* base64 "user:password" */
    const char *identity_token;
    const char *registry_token;
} img_auth;

typedef struct img_annotation {
    const char *key;
    const char *value;
} img_annotation;

/* Pulls an image. With the annotation wasm.module.url the reference is a name for the module
 * at that URL (http, https, file), validated before it is stored; otherwise it is a registry
 * reference. `wasm.module.url/<short name>` (and .../filename/<short name>, .../stopSignal/...)
 * name the module of the image whose last path component, without tag or digest, is <short
 * name> (pod annotations naming several modules); they win over the plain keys.
 * On success *image_ref is the new image's id (caller frees).
 * Errors: WC_EINVAL (bad reference, invalid module, wrong media type, digest mismatch),
 * WC_ENOTFOUND (404), WC_EUNAVAILABLE (host unreachable), WC_EPRECONDITION (auth refused). */
int img_store_pull(img_store *store, const char *reference, const img_annotation *annotations,
                   size_t annotations_count, const img_auth *auth, char **image_ref, wc_error *err);

/* Finds an image by name, tag, full id, unique id prefix or digest reference.
 * WC_ENOTFOUND when nothing matches (also for an ambiguous prefix). */
int img_store_resolve(img_store *store, const char *reference, img_record **out, wc_error *err);

/* All images, in pull order. */
int img_store_list(img_store *store, img_record ***out, size_t *count, wc_error *err);
void img_record_list_free(img_record **records, size_t count);

/* Removes the image that reference resolves to (all its tags) and the files no other image
 * uses. Succeeds when nothing matches (*removed false). */
int img_store_remove(img_store *store, const char *reference, bool *removed, wc_error *err);

/* Bytes and inodes used under the store's root, and its mount point. */
typedef struct img_fs_usage {
    uint64_t used_bytes;
    uint64_t inodes_used;
    int64_t timestamp_ns;
} img_fs_usage;
int img_store_fs_usage(img_store *store, img_fs_usage *usage, wc_error *err);
const char *img_store_root(const img_store *store);

#endif
