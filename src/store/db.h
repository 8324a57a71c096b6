/* db.h - the daemon's metadata database: one SQLite file (WAL) under --root.
 *
 * Components own their tables: each calls store_db_migrate() once at start with its own ordered
 * list of schema steps; the applied version per component is kept in `schema_versions`, so steps
 * run exactly once and new steps are appended, never edited.
 *
 * Threads: the connection is shared by the loop thread and worker threads. Every use holds the
 * database lock (store_db_lock / store_db_unlock); store_db_begin takes it and store_db_commit /
 * store_db_rollback release it, so a transaction is never interleaved with another thread's
 * statements. The lock is recursive: helpers may be called inside a transaction. */
#ifndef WASMCRI_STORE_DB_H
#define WASMCRI_STORE_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

typedef struct store_db store_db;

/* Opens (creating when missing) the database file, in WAL mode with foreign keys on. */
int store_db_open(const char *path, store_db **out, wc_error *err);
void store_db_close(store_db *db);

/* The raw handle, for components that prepare their own statements (hold the lock). */
sqlite3 *store_db_handle(store_db *db);

void store_db_lock(store_db *db);
void store_db_unlock(store_db *db);

/* Applies migrations[version..count-1] for the component, each in its own transaction, and records
 * the new version. A database newer than the code (version > count) is refused. */
int store_db_migrate(store_db *db, const char *component, const char *const *migrations,
                     size_t count, wc_error *err);

/* Runs one or more statements without results. */
int store_db_exec(store_db *db, const char *sql, wc_error *err);
/* Prepares one statement; finalize it with sqlite3_finalize or cleanup_stmt. */
int store_db_prepare(store_db *db, const char *sql, sqlite3_stmt **stmt, wc_error *err);
/* sqlite3_step that maps failures into err: returns SQLITE_ROW, SQLITE_DONE, or -1. */
int store_db_step(store_db *db, sqlite3_stmt *stmt, wc_error *err);

/* BEGIN IMMEDIATE (takes the lock); commit or rollback ends it (releases the lock). */
int store_db_begin(store_db *db, wc_error *err);
int store_db_commit(store_db *db, wc_error *err);
void store_db_rollback(store_db *db);

/* Fills err from the connection's last error: "context: sqlite message". */
int store_db_error(store_db *db, wc_error *err, const char *context);

static inline void store_cleanup_stmt(sqlite3_stmt **stmt)
{
    if (*stmt != NULL)
        sqlite3_finalize(*stmt);
}
#define cleanup_stmt __attribute__((cleanup(store_cleanup_stmt)))

#endif
