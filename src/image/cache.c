/* cache.c - the records in memory: lookups by name, tag, id, id prefix or digest reference
 * without touching the disk, so the CRI layer can answer ImageStatus and ListImages on the loop
 * thread and CreateContainer resolves its image in microseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/reference.h"
#include "image/store_internal.h"

static char **strv_dup(char *const *strv, size_t count, bool *failed)
{
    if (count == 0)
        return NULL;
    char **copy = calloc(count, sizeof *copy);
    if (copy == NULL) {
        *failed = true;
        return NULL;
    }
    for (size_t i = 0; i < count; i++)
        if ((copy[i] = strdup(strv[i])) == NULL)
            *failed = true;
    return copy;
}

static char *str_dup(const char *s, bool *failed)
{
    if (s == NULL)
        return NULL;
    char *copy = strdup(s);
    if (copy == NULL)
        *failed = true;
    return copy;
}

static img_record *record_dup(const img_record *r)
{
    img_record *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    bool failed = false;
    *c = *r;
    c->id = str_dup(r->id, &failed);
    c->repo_tags = strv_dup(r->repo_tags, r->repo_tags_count, &failed);
    c->repo_digests = strv_dup(r->repo_digests, r->repo_digests_count, &failed);
    c->module_path = str_dup(r->module_path, &failed);
    c->module_filename = str_dup(r->module_filename, &failed);
    c->stop_signal = str_dup(r->stop_signal, &failed);
    c->entrypoint = strv_dup(r->entrypoint, r->entrypoint_count, &failed);
    c->cmd = strv_dup(r->cmd, r->cmd_count, &failed);
    c->env = strv_dup(r->env, r->env_count, &failed);
    c->workdir = str_dup(r->workdir, &failed);
    c->user = str_dup(r->user, &failed);
    c->rootfs_path = str_dup(r->rootfs_path, &failed);
    c->source = str_dup(r->source, &failed);
    c->media_type = str_dup(r->media_type, &failed);
    if (failed) {
        img_record_free(c);
        return NULL;
    }
    return c;
}

int img_cache_reload(img_store *store, wc_error *err)
{
    pthread_mutex_lock(&store->reload_lock);
    img_record **records = NULL;
    size_t count = 0;
    int rc = img_records_load_all(store, &records, &count, err);
    if (rc == 0) {
        pthread_mutex_lock(&store->cache_lock);
        img_record **old = store->cache;
        size_t old_count = store->cache_count;
        store->cache = records;
        store->cache_count = count;
        pthread_mutex_unlock(&store->cache_lock);
        img_record_list_free(old, old_count);
    }
    pthread_mutex_unlock(&store->reload_lock);
    return rc;
}

void img_cache_clear(img_store *store)
{
    img_record_list_free(store->cache, store->cache_count);
    store->cache = NULL;
    store->cache_count = 0;
}

static bool has_name(const img_record *r, const char *name)
{
    for (size_t i = 0; i < r->repo_tags_count; i++)
        if (strcmp(r->repo_tags[i], name) == 0)
            return true;
    for (size_t i = 0; i < r->repo_digests_count; i++)
        if (strcmp(r->repo_digests[i], name) == 0)
            return true;
    return false;
}

/* The record a reference names (cache_lock held): names first, in the forms a user may type
 * them ("hello" -> "hello:latest", "busybox" -> "docker.io/library/busybox:latest"), then the
 * full id, then a unique id prefix. */
static const img_record *find(const img_store *store, const char *reference)
{
    char candidates[3][1100];
    size_t count = 0;
    snprintf(candidates[count++], sizeof candidates[0], "%s", reference);
    wc_error ignored;
    if (img_module_tag(reference, candidates[count], sizeof candidates[0], &ignored) == 0)
        count++;
    img_ref ref;
    if (img_ref_parse(reference, &ref, &ignored) == 0) {
        char name[800];
        img_ref_name(&ref, name, sizeof name);
        if (ref.digest[0])
            snprintf(candidates[count++], sizeof candidates[0], "%s@%s", name, ref.digest);
        else
            img_ref_tagged(&ref, candidates[count++], sizeof candidates[0]);
    }
    for (size_t c = 0; c < count; c++)
        for (size_t i = 0; i < store->cache_count; i++)
            if (has_name(store->cache[i], candidates[c]))
                return store->cache[i];
    const char *hex = strncmp(reference, "sha256:", 7) == 0 ? reference + 7 : reference;
    if (!img_hex_prefix(hex))
        return NULL;
    const img_record *match = NULL;
    size_t length = strlen(hex);
    for (size_t i = 0; i < store->cache_count; i++) {
        if (strncmp(store->cache[i]->id + 7, hex, length) != 0)
            continue;
        if (match != NULL)
            return NULL;   /* ambiguous */
        match = store->cache[i];
    }
    return match;
}

int img_store_resolve(img_store *store, const char *reference, img_record **out, wc_error *err)
{
    if (reference == NULL || *reference == 0)
        return wc_error_set(err, WC_EINVAL, "empty image reference");
    pthread_mutex_lock(&store->cache_lock);
    const img_record *r = find(store, reference);
    img_record *copy = r ? record_dup(r) : NULL;
    pthread_mutex_unlock(&store->cache_lock);
    if (r == NULL)
        return wc_error_set(err, WC_ENOTFOUND, "image %s not found", reference);
    if (copy == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    *out = copy;
    return 0;
}

int img_store_list(img_store *store, img_record ***out, size_t *count, wc_error *err)
{
    pthread_mutex_lock(&store->cache_lock);
    size_t n = store->cache_count;
    img_record **copies = calloc(n ? n : 1, sizeof *copies);
    size_t made = 0;
    while (copies && made < n && (copies[made] = record_dup(store->cache[made])) != NULL)
        made++;
    pthread_mutex_unlock(&store->cache_lock);
    if (copies == NULL || made < n) {
        img_record_list_free(copies, made);
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    }
    *out = copies;
    *count = n;
    return 0;
}
