/* db.c - SQLite connection, lock, migrations and statement helpers; see db.h. */
#include "store/db.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

struct store_db {
    sqlite3 *handle;
    pthread_mutex_t lock;
};

int store_db_error(store_db *db, wc_error *err, const char *context)
{
    int code = sqlite3_extended_errcode(db->handle);
    wc_code kind = WC_EINTERNAL;
    if ((code & 0xff) == SQLITE_CONSTRAINT)
        kind = WC_EEXIST;
    else if ((code & 0xff) == SQLITE_FULL || (code & 0xff) == SQLITE_NOMEM)
        kind = WC_ERESOURCE;
    else if ((code & 0xff) == SQLITE_IOERR)
        kind = WC_EIO;
    return wc_error_set(err, kind, "%s: sqlite: %s", context, sqlite3_errmsg(db->handle));
}

int store_db_open(const char *path, store_db **out, wc_error *err)
{
    store_db *db = calloc(1, sizeof *db);
    if (db == NULL)
        return wc_error_set(err, WC_ERESOURCE, "open %s: out of memory", path);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&db->lock, &attr);
    pthread_mutexattr_destroy(&attr);

    int rc = sqlite3_open_v2(path, &db->handle,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        wc_error_set(err, WC_EIO, "open database %s: %s", path,
                     db->handle ? sqlite3_errmsg(db->handle) : sqlite3_errstr(rc));
        store_db_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db->handle, 5000);
    /* WAL: readers never wait for the writer; synchronous=NORMAL keeps every committed
     * transaction across a process kill (only a power loss may drop the last ones). */
    if (store_db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                          "PRAGMA foreign_keys=ON;"
                          "CREATE TABLE IF NOT EXISTS schema_versions ("
                          " component TEXT PRIMARY KEY, version INTEGER NOT NULL);", err) < 0) {
        wc_error_prefix(err, "open database %s", path);
        store_db_close(db);
        return -1;
    }
    *out = db;
    return 0;
}

void store_db_close(store_db *db)
{
    if (db == NULL)
        return;
    if (db->handle != NULL)
        sqlite3_close_v2(db->handle);
    pthread_mutex_destroy(&db->lock);
    free(db);
}

sqlite3 *store_db_handle(store_db *db)
{
    return db->handle;
}

void store_db_lock(store_db *db)
{
    pthread_mutex_lock(&db->lock);
}

void store_db_unlock(store_db *db)
{
    pthread_mutex_unlock(&db->lock);
}

int store_db_exec(store_db *db, const char *sql, wc_error *err)
{
    store_db_lock(db);
    char *message = NULL;
    int rc = sqlite3_exec(db->handle, sql, NULL, NULL, &message);
    if (rc != SQLITE_OK) {
        wc_error_set(err, (rc & 0xff) == SQLITE_CONSTRAINT ? WC_EEXIST : WC_EINTERNAL,
                     "sqlite: %s", message ? message : sqlite3_errstr(rc));
        sqlite3_free(message);
        store_db_unlock(db);
        return -1;
    }
    store_db_unlock(db);
    return 0;
}

int store_db_prepare(store_db *db, const char *sql, sqlite3_stmt **stmt, wc_error *err)
{
    if (sqlite3_prepare_v2(db->handle, sql, -1, stmt, NULL) != SQLITE_OK)
        return store_db_error(db, err, "prepare");
    return 0;
}

int store_db_step(store_db *db, sqlite3_stmt *stmt, wc_error *err)
{
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return rc;
    return store_db_error(db, err, "step");
}

int store_db_begin(store_db *db, wc_error *err)
{
    store_db_lock(db);
    if (sqlite3_exec(db->handle, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        store_db_error(db, err, "begin");
        store_db_unlock(db);
        return -1;
    }
    return 0;
}

int store_db_commit(store_db *db, wc_error *err)
{
    if (sqlite3_exec(db->handle, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        store_db_error(db, err, "commit");
        sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
        store_db_unlock(db);
        return -1;
    }
    store_db_unlock(db);
    return 0;
}

void store_db_rollback(store_db *db)
{
    sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
    store_db_unlock(db);
}

static int read_version(store_db *db, const char *component, long long *version, wc_error *err)
{
    cleanup_stmt sqlite3_stmt *stmt = NULL;
    if (store_db_prepare(db, "SELECT version FROM schema_versions WHERE component = ?", &stmt, err) < 0)
        return -1;
    sqlite3_bind_text(stmt, 1, component, -1, SQLITE_STATIC);
    int rc = store_db_step(db, stmt, err);
    if (rc < 0)
        return -1;
    *version = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    return 0;
}

static int apply_step(store_db *db, const char *component, const char *sql, long long version,
                      wc_error *err)
{
    if (store_db_begin(db, err) < 0)
        return -1;
    char *message = NULL;
    if (sqlite3_exec(db->handle, sql, NULL, NULL, &message) != SQLITE_OK) {
        wc_error_set(err, WC_EINTERNAL, "sqlite: %s", message ? message : "error");
        sqlite3_free(message);
        store_db_rollback(db);
        return -1;
    }
    cleanup_stmt sqlite3_stmt *stmt = NULL;
    if (store_db_prepare(db, "INSERT INTO schema_versions(component, version) VALUES (?, ?) "
                             "ON CONFLICT(component) DO UPDATE SET version = excluded.version",
                         &stmt, err) < 0) {
        store_db_rollback(db);
        return -1;
    }
    sqlite3_bind_text(stmt, 1, component, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, version);
    if (store_db_step(db, stmt, err) < 0) {
        store_db_rollback(db);
        return -1;
    }
    return store_db_commit(db, err);
}

int store_db_migrate(store_db *db, const char *component, const char *const *migrations,
                     size_t count, wc_error *err)
{
    store_db_lock(db);
    long long version = 0;
    int rc = read_version(db, component, &version, err);
    if (rc == 0 && (unsigned long long)version > count)
        rc = wc_error_set(err, WC_EPRECONDITION, "schema of %s is at version %lld, newer than "
                          "this build knows (%zu)", component, version, count);
    for (size_t i = (size_t)version; rc == 0 && i < count; i++)
        rc = apply_step(db, component, migrations[i], (long long)i + 1, err);
    store_db_unlock(db);
    if (rc < 0)
        return wc_error_prefix(err, "migrate %s", component);
    return 0;
}
