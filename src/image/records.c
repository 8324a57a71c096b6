/* records.c - image records in the metadata database: schema, write, lookups, removal. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/store_internal.h"
#include "image/unpack.h"
#include "util/cleanup.h"

static const char *const migrations[] = {
    "CREATE TABLE images ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " id TEXT NOT NULL UNIQUE,"
    " size INTEGER NOT NULL,"
    " created_ns INTEGER NOT NULL,"
    " is_wasm INTEGER NOT NULL,"
    " module_path TEXT,"           /* relative to the image root */
    " module_filename TEXT,"
    " stop_signal TEXT,"
    " config TEXT,"                /* {entrypoint, cmd, env, workdir, user} */
    " rootfs_path TEXT,"           /* relative to the image root */
    " source TEXT,"
    " media_type TEXT);"
    "CREATE TABLE image_names ("
    " name TEXT PRIMARY KEY,"
    " image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    " is_digest INTEGER NOT NULL);"
    "CREATE INDEX image_names_by_id ON image_names(image_id);"
    "CREATE TABLE image_blobs ("
    " image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    " digest TEXT NOT NULL,"
    " PRIMARY KEY (image_id, digest));"
    "CREATE INDEX image_blobs_by_digest ON image_blobs(digest);",
};

int img_records_migrate(img_store *store, wc_error *err)
{
    return store_db_migrate(store->db, "images", migrations,
                            sizeof migrations / sizeof migrations[0], err);
}

void img_strv_free(char **strv, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(strv[i]);
    free(strv);
}

int img_strv_push(char ***strv, size_t *count, const char *value)
{
    char **grown = realloc(*strv, (*count + 1) * sizeof *grown);
    if (grown == NULL)
        return -1;
    *strv = grown;
    if ((grown[*count] = strdup(value)) == NULL)
        return -1;
    (*count)++;
    return 0;
}

void img_record_clear(img_record *r)
{
    free(r->id);
    img_strv_free(r->repo_tags, r->repo_tags_count);
    img_strv_free(r->repo_digests, r->repo_digests_count);
    free(r->module_path);
    free(r->module_filename);
    free(r->stop_signal);
    img_strv_free(r->entrypoint, r->entrypoint_count);
    img_strv_free(r->cmd, r->cmd_count);
    img_strv_free(r->env, r->env_count);
    free(r->workdir);
    free(r->user);
    free(r->rootfs_path);
    free(r->source);
    free(r->media_type);
}

void img_record_free(img_record *r)
{
    if (r == NULL)
        return;
    img_record_clear(r);
    free(r);
}

void img_record_list_free(img_record **records, size_t count)
{
    for (size_t i = 0; i < count; i++)
        img_record_free(records[i]);
    free(records);
}

static json_t *strv_json(char *const *strv, size_t count)
{
    json_t *array = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(array, json_string(strv[i]));
    return array;
}

static char *config_json(const img_record *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "entrypoint", strv_json(r->entrypoint, r->entrypoint_count));
    json_object_set_new(o, "cmd", strv_json(r->cmd, r->cmd_count));
    json_object_set_new(o, "env", strv_json(r->env, r->env_count));
    if (r->workdir)
        json_object_set_new(o, "workdir", json_string(r->workdir));
    if (r->user)
        json_object_set_new(o, "user", json_string(r->user));
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

static void bind_text_or_null(sqlite3_stmt *stmt, int index, const char *value)
{
    if (value)
        sqlite3_bind_text(stmt, index, value, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(stmt, index);
}

static int put_name(store_db *db, const char *name, const char *id, bool is_digest, wc_error *err)
{
    cleanup_stmt sqlite3_stmt *stmt = NULL;
    /* A tag moves to the newest image pulled under it, as in docker and containerd. */
    if (store_db_prepare(db, "INSERT INTO image_names(name, image_id, is_digest) VALUES (?,?,?) "
                             "ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id",
                         &stmt, err) < 0)
        return -1;
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 3, is_digest);
    return store_db_step(db, stmt, err) < 0 ? -1 : 0;
}

static int put_locked(img_store *store, const img_new_image *image, wc_error *err)
{
    const img_record *r = &image->record;
    cleanup_free char *config = config_json(r);
    cleanup_stmt sqlite3_stmt *stmt = NULL;
    if (store_db_prepare(store->db,
                         "INSERT INTO images(id, size, created_ns, is_wasm, module_path, "
                         "module_filename, stop_signal, config, rootfs_path, source, media_type) "
                         "VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
                         "module_filename = excluded.module_filename, "
                         "stop_signal = excluded.stop_signal, source = excluded.source",
                         &stmt, err) < 0)
        return -1;
    sqlite3_bind_text(stmt, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64)r->size);
    sqlite3_bind_int64(stmt, 3, r->created_ns);
    sqlite3_bind_int(stmt, 4, r->is_wasm);
    bind_text_or_null(stmt, 5, r->module_path);
    bind_text_or_null(stmt, 6, r->module_filename);
    bind_text_or_null(stmt, 7, r->stop_signal);
    bind_text_or_null(stmt, 8, config);
    bind_text_or_null(stmt, 9, r->rootfs_path);
    bind_text_or_null(stmt, 10, r->source);
    bind_text_or_null(stmt, 11, r->media_type);
    if (store_db_step(store->db, stmt, err) < 0)
        return -1;
    for (size_t i = 0; i < r->repo_tags_count; i++)
        if (put_name(store->db, r->repo_tags[i], r->id, false, err) < 0)
            return -1;
    for (size_t i = 0; i < r->repo_digests_count; i++)
        if (put_name(store->db, r->repo_digests[i], r->id, true, err) < 0)
            return -1;
    cleanup_stmt sqlite3_stmt *blob = NULL;
    if (store_db_prepare(store->db, "INSERT OR IGNORE INTO image_blobs(image_id, digest) "
                                    "VALUES (?,?)", &blob, err) < 0)
        return -1;
    for (size_t i = 0; i < image->blobs_count; i++) {
        sqlite3_reset(blob);
        sqlite3_bind_text(blob, 1, r->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(blob, 2, image->blobs[i], -1, SQLITE_STATIC);
        if (store_db_step(store->db, blob, err) < 0)
            return -1;
    }
    return 0;
}

int img_records_put(img_store *store, const img_new_image *image, wc_error *err)
{
    if (img_content_sync(store->content, err) < 0)
        return wc_error_prefix(err, "record image %s", image->record.id);
    if (store_db_begin(store->db, err) < 0)
        return wc_error_prefix(err, "record image %s", image->record.id);
    if (put_locked(store, image, err) < 0) {
        store_db_rollback(store->db);
        return wc_error_prefix(err, "record image %s", image->record.id);
    }
    if (store_db_commit(store->db, err) < 0)
        return wc_error_prefix(err, "record image %s", image->record.id);
    return img_cache_reload(store, err);
}

static char *absolute(const img_store *store, const unsigned char *relative)
{
    if (relative == NULL)
        return NULL;
    char *path = NULL;
    if (asprintf(&path, "%s/%s", store->root, (const char *)relative) < 0)
        return NULL;
    return path;
}

static char *column_strdup(sqlite3_stmt *stmt, int column)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    return text ? strdup((const char *)text) : NULL;
}

static void json_strv(json_t *array, char ***strv, size_t *count)
{
    size_t i;
    json_t *value;
    json_array_foreach(array, i, value) {
        if (json_is_string(value))
            img_strv_push(strv, count, json_string_value(value));
    }
}

#define RECORD_COLUMNS                                                                        \
    "id, size, created_ns, is_wasm, module_path, module_filename, stop_signal, config, "      \
    "rootfs_path, source, media_type"

/* Builds a record from a row of RECORD_COLUMNS, then reads its names. */
static int load_row(img_store *store, sqlite3_stmt *row, img_record **out, wc_error *err)
{
    img_record *r = calloc(1, sizeof *r);
    if (r == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    r->id = column_strdup(row, 0);
    r->size = (uint64_t)sqlite3_column_int64(row, 1);
    r->created_ns = sqlite3_column_int64(row, 2);
    r->is_wasm = sqlite3_column_int(row, 3) != 0;
    r->module_path = absolute(store, sqlite3_column_text(row, 4));
    r->module_filename = column_strdup(row, 5);
    r->stop_signal = column_strdup(row, 6);
    const char *config = (const char *)sqlite3_column_text(row, 7);
    if (config) {
        json_t *o = json_loads(config, 0, NULL);
        if (o) {
            json_strv(json_object_get(o, "entrypoint"), &r->entrypoint, &r->entrypoint_count);
            json_strv(json_object_get(o, "cmd"), &r->cmd, &r->cmd_count);
            json_strv(json_object_get(o, "env"), &r->env, &r->env_count);
            const char *workdir = json_string_value(json_object_get(o, "workdir"));
            const char *user = json_string_value(json_object_get(o, "user"));
            r->workdir = workdir ? strdup(workdir) : NULL;
            r->user = user ? strdup(user) : NULL;
            json_decref(o);
        }
    }
    r->rootfs_path = absolute(store, sqlite3_column_text(row, 8));
    r->source = column_strdup(row, 9);
    r->media_type = column_strdup(row, 10);

    cleanup_stmt sqlite3_stmt *names = NULL;
    if (store_db_prepare(store->db, "SELECT name, is_digest FROM image_names WHERE image_id = ? "
                                    "ORDER BY rowid", &names, err) < 0) {
        img_record_free(r);
        return -1;
    }
    sqlite3_bind_text(names, 1, r->id, -1, SQLITE_STATIC);
    int rc;
    while ((rc = store_db_step(store->db, names, err)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(names, 0);
        if (sqlite3_column_int(names, 1))
            img_strv_push(&r->repo_digests, &r->repo_digests_count, name);
        else
            img_strv_push(&r->repo_tags, &r->repo_tags_count, name);
    }
    if (rc < 0) {
        img_record_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

int img_records_has_id(img_store *store, const char *id, bool *exists, wc_error *err)
{
    store_db_lock(store->db);
    cleanup_stmt sqlite3_stmt *stmt = NULL;
    int rc = store_db_prepare(store->db, "SELECT 1 FROM images WHERE id = ?", &stmt, err);
    if (rc == 0) {
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        rc = store_db_step(store->db, stmt, err);
        *exists = rc == SQLITE_ROW;
        rc = rc < 0 ? -1 : 0;
    }
    sqlite3_finalize(steal_pointer(&stmt));
    store_db_unlock(store->db);
    return rc;
}

int img_records_load_all(img_store *store, img_record ***out, size_t *count, wc_error *err)
{
    *out = NULL;
    *count = 0;
    store_db_lock(store->db);
    cleanup_stmt sqlite3_stmt *stmt = NULL;
    int rc = store_db_prepare(store->db, "SELECT " RECORD_COLUMNS " FROM images ORDER BY seq",
                              &stmt, err);
    img_record **records = NULL;
    size_t used = 0;
    while (rc == 0 && (rc = store_db_step(store->db, stmt, err)) == SQLITE_ROW) {
        img_record **grown = realloc(records, (used + 1) * sizeof *grown);
        if (grown == NULL) {
            rc = wc_error_set(err, WC_ERESOURCE, "out of memory");
            break;
        }
        records = grown;
        rc = load_row(store, stmt, &records[used], err);
        if (rc == 0)
            used++;
    }
    sqlite3_finalize(steal_pointer(&stmt));
    store_db_unlock(store->db);
    if (rc < 0) {
        img_record_list_free(records, used);
        return -1;
    }
    *out = records;
    *count = used;
    return 0;
}

int img_records_all_blobs(img_store *store, char ***digests, size_t *count, wc_error *err)
{
    *digests = NULL;
    *count = 0;
    store_db_lock(store->db);
    cleanup_stmt sqlite3_stmt *stmt = NULL;
    int rc = store_db_prepare(store->db, "SELECT DISTINCT digest FROM image_blobs ORDER BY digest",
                              &stmt, err);
    while (rc == 0 && (rc = store_db_step(store->db, stmt, err)) == SQLITE_ROW)
        rc = img_strv_push(digests, count, (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(steal_pointer(&stmt));
    store_db_unlock(store->db);
    if (rc < 0) {
        img_strv_free(*digests, *count);
        *digests = NULL;
        *count = 0;
        return wc_error_set(err, WC_EINTERNAL, "list blobs failed");
    }
    return 0;
}

/* Deletes the rows of id; fills the blobs only it used and its rootfs (relative). */
static int delete_locked(img_store *store, const char *id, char ***orphans, size_t *orphans_count,
                         char **rootfs, wc_error *err)
{
    cleanup_stmt sqlite3_stmt *blobs = NULL;
    if (store_db_prepare(store->db, "SELECT digest FROM image_blobs b WHERE image_id = ?1 AND "
                         "NOT EXISTS (SELECT 1 FROM image_blobs o WHERE o.digest = b.digest AND "
                         "o.image_id != ?1)", &blobs, err) < 0)
        return -1;
    sqlite3_bind_text(blobs, 1, id, -1, SQLITE_STATIC);
    int rc;
    while ((rc = store_db_step(store->db, blobs, err)) == SQLITE_ROW)
        img_strv_push(orphans, orphans_count, (const char *)sqlite3_column_text(blobs, 0));
    if (rc < 0)
        return -1;
    cleanup_stmt sqlite3_stmt *row = NULL;
    if (store_db_prepare(store->db, "SELECT rootfs_path FROM images WHERE id = ?", &row, err) < 0)
        return -1;
    sqlite3_bind_text(row, 1, id, -1, SQLITE_STATIC);
    if ((rc = store_db_step(store->db, row, err)) < 0)
        return -1;
    if (rc == SQLITE_ROW)
        *rootfs = column_strdup(row, 0);
    cleanup_stmt sqlite3_stmt *del = NULL;
    if (store_db_prepare(store->db, "DELETE FROM images WHERE id = ?", &del, err) < 0)
        return -1;
    sqlite3_bind_text(del, 1, id, -1, SQLITE_STATIC);
    return store_db_step(store->db, del, err) < 0 ? -1 : 0;
}

int img_store_remove(img_store *store, const char *reference, bool *removed, wc_error *err)
{
    *removed = false;
    char id[80] = "";
    char **orphans = NULL;
    size_t orphans_count = 0;
    char *rootfs = NULL;
    img_record *record = NULL;
    if (img_store_resolve(store, reference, &record, err) == 0) {
        snprintf(id, sizeof id, "%s", record->id);
        img_record_free(record);
    }
    int rc = store_db_begin(store->db, err);
    if (rc == 0) {
        if (id[0])
            rc = delete_locked(store, id, &orphans, &orphans_count, &rootfs, err);
        if (rc == 0)
            rc = store_db_commit(store->db, err);
        else
            store_db_rollback(store->db);
    }
    if (rc == 0 && id[0]) {
        /* The rows are gone first, so a crash here leaves only orphans, swept at start. */
        *removed = true;
        rc = img_cache_reload(store, err);
        for (size_t i = 0; i < orphans_count; i++) {
            char path[4096];
            if (img_content_path(store->content, orphans[i], path, sizeof path) == 0)
                img_trash_unpinned(store, orphans[i], path);
        }
        if (rootfs) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", store->root, rootfs);
            char *slash = strrchr(path, '/');   /* images/<hex>/rootfs -> images/<hex> */
            if (slash && strcmp(slash, "/rootfs") == 0)
                *slash = 0;
            img_trash_unpinned(store, id, path);   /* a pull of the same image pins its id */
        }
    }
    img_strv_free(orphans, orphans_count);
    free(rootfs);
    if (rc < 0)
        return wc_error_prefix(err, "remove image %s", reference);
    return 0;
}
