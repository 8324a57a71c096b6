/* runtime.c - pods and containers: records, lookups, persistence, lifecycle; see runtime.h. */
#include "runtime/runtime_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "runtime/exit_status.h"
#include "util/cleanup.h"
#include "util/file.h"

/* Append-only: each step runs once per database (store_db_migrate). */
static const char *const migrations[] = {
    "CREATE TABLE rt_pods ("
    "  id TEXT PRIMARY KEY, name TEXT NOT NULL, namespace TEXT NOT NULL, uid TEXT NOT NULL,"
    "  attempt INTEGER NOT NULL, handler TEXT NOT NULL, wasm INTEGER NOT NULL,"
    "  created_ns INTEGER NOT NULL, state INTEGER NOT NULL, config BLOB);"
    "CREATE TABLE rt_containers ("
    "  id TEXT PRIMARY KEY, pod_id TEXT NOT NULL, name TEXT NOT NULL, attempt INTEGER NOT NULL,"
    "  image TEXT NOT NULL, image_id TEXT NOT NULL, log_path TEXT, created_ns INTEGER NOT NULL,"
    "  started_ns INTEGER NOT NULL DEFAULT 0, pid INTEGER NOT NULL DEFAULT 0,"
    "  pid_start INTEGER NOT NULL DEFAULT 0, stop_signal INTEGER NOT NULL, config BLOB);",
    /* The shim's spec lives in the row: a create writes no files. */
    "ALTER TABLE rt_containers ADD COLUMN spec BLOB;",
    "ALTER TABLE rt_containers ADD COLUMN cpu_quota INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE rt_containers ADD COLUMN cpu_period INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE rt_containers ADD COLUMN cpu_shares INTEGER NOT NULL DEFAULT 0;",
};

int rt_new_id(char out[65], wc_error *err)
{
    uint8_t bytes[32];
    size_t got = 0;
    while (got < sizeof bytes) {
        ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return wc_error_set_errno(err, errno, "new id");
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof bytes; i++)
        snprintf(out + 2 * i, 3, "%02x", bytes[i]);
    return 0;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

const char *rt_runtime_shim_path(const rt_runtime *runtime)
{
    return runtime->shim_path;
}

void rt_emit(rt_runtime *runtime, rt_event_kind kind, const rt_container *container)
{
    if (runtime->on_event)
        runtime->on_event(kind, container, runtime->event_data);
}

/* ---- objects ------------------------------------------------------------------------ */

static void pod_free(rt_pod *pod)
{
    if (pod->cache_free && pod->cache)
        pod->cache_free(pod->cache);
    free(pod->name);
    free(pod->namespace_);
    free(pod->uid);
    free(pod->runtime_handler);
    free(pod->config);
    free(pod);
}

/* Frees a container whose supervision has ended (no watch, no timer). */
static void container_free(rt_container *container)
{
    if (container->cache_free && container->cache)
        container->cache_free(container->cache);
    free(container->name);
    free(container->image);
    free(container->image_id);
    free(container->log_path);
    free(container->reason);
    free(container->message);
    free(container->config);
    free(container->spec);
    free(container->dir);
    free(container);
}

static int copy_blob(uint8_t **slot, size_t *length_slot, const void *data, size_t length)
{
    *slot = NULL;
    *length_slot = 0;
    if (length == 0)
        return 0;
    *slot = malloc(length);
    if (*slot == NULL)
        return -1;
    memcpy(*slot, data, length);
    *length_slot = length;
    return 0;
}

static int container_dir(rt_runtime *runtime, const char *id, char **out)
{
    return asprintf(out, "%s/containers/%s", runtime->root, id) < 0 ? -1 : 0;
}

/* ---- lookups ------------------------------------------------------------------------ */

rt_pod *rt_pod_first(rt_runtime *runtime)
{
    return runtime->pods;
}

rt_container *rt_container_first(rt_runtime *runtime)
{
    return runtime->containers;
}

rt_pod *rt_pod_find(rt_runtime *runtime, const char *id, wc_error *err)
{
    size_t length = id ? strlen(id) : 0;
    rt_pod *found = NULL;
    if (length > 0) {
        for (rt_pod *pod = runtime->pods; pod; pod = pod->next) {
            if (strncmp(pod->id, id, length) != 0)
                continue;
            if (found != NULL) {
                wc_error_set(err, WC_ENOTFOUND, "pod sandbox id '%s' is ambiguous", id);
                return NULL;
            }
            found = pod;
        }
    }
    if (found == NULL)
        wc_error_set(err, WC_ENOTFOUND, "pod sandbox '%s' not found", id ? id : "");
    return found;
}

rt_container *rt_container_find(rt_runtime *runtime, const char *id, wc_error *err)
{
    size_t length = id ? strlen(id) : 0;
    rt_container *found = NULL;
    if (length > 0) {
        for (rt_container *c = runtime->containers; c; c = c->next) {
            if (strncmp(c->id, id, length) != 0)
                continue;
            if (found != NULL) {
                wc_error_set(err, WC_ENOTFOUND, "container id '%s' is ambiguous", id);
                return NULL;
            }
            found = c;
        }
    }
    if (found == NULL)
        wc_error_set(err, WC_ENOTFOUND, "container '%s' not found", id ? id : "");
    return found;
}

/* ---- persistence -------------------------------------------------------------------- */

static int exec_bound(rt_runtime *runtime, sqlite3_stmt *stmt, wc_error *err)
{
    int rc = store_db_step(runtime->db, stmt, err);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

static int save_pod(rt_runtime *runtime, const rt_pod *pod, wc_error *err)
{
    store_db_lock(runtime->db);
    cleanup_stmt sqlite3_stmt *stmt = NULL;
    int rc = store_db_prepare(runtime->db,
        "INSERT OR REPLACE INTO rt_pods (id, name, namespace, uid, attempt, handler, wasm,"
        " created_ns, state, config) VALUES (?,?,?,?,?,?,?,?,?,?)", &stmt, err);
    if (rc == 0) {
        sqlite3_bind_text(stmt, 1, pod->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, pod->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, pod->namespace_, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, pod->uid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 5, pod->attempt);
        sqlite3_bind_text(stmt, 6, pod->runtime_handler, -1, SQLITE_STATIC);
        sqlite3_bind_int(stmt, 7, pod->backend == &rt_wasm_backend);
        sqlite3_bind_int64(stmt, 8, pod->created_ns);
        sqlite3_bind_int(stmt, 9, (int)pod->state);
        sqlite3_bind_blob(stmt, 10, pod->config, (int)pod->config_length, SQLITE_STATIC);
        rc = exec_bound(runtime, stmt, err);
    }
    store_db_unlock(runtime->db);
    return rc;
}

static int save_container(rt_runtime *runtime, const rt_container *c, wc_error *err)
{
    store_db_lock(runtime->db);
    cleanup_stmt sqlite3_stmt *stmt = NULL;
    int rc = store_db_prepare(runtime->db,
        "INSERT OR REPLACE INTO rt_containers (id, pod_id, name, attempt, image, image_id,"
        " log_path, created_ns, started_ns, pid, pid_start, stop_signal, config, spec,"
        " cpu_quota, cpu_period, cpu_shares) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        &stmt, err);
    if (rc == 0) {
        sqlite3_bind_text(stmt, 1, c->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, c->pod_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, c->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 4, c->attempt);
        sqlite3_bind_text(stmt, 5, c->image, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 6, c->image_id, -1, SQLITE_STATIC);
        if (c->log_path)
            sqlite3_bind_text(stmt, 7, c->log_path, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(stmt, 7);
        sqlite3_bind_int64(stmt, 8, c->created_ns);
        sqlite3_bind_int64(stmt, 9, c->started_ns);
        sqlite3_bind_int64(stmt, 10, c->pid);
        sqlite3_bind_int64(stmt, 11, (sqlite3_int64)c->pid_start_time);
        sqlite3_bind_int(stmt, 12, c->stop_signal);
        sqlite3_bind_blob(stmt, 13, c->config, (int)c->config_length, SQLITE_STATIC);
        sqlite3_bind_blob(stmt, 14, c->spec, (int)c->spec_length, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 15, c->cpu.quota_us);
        sqlite3_bind_int64(stmt, 16, c->cpu.period_us);
        sqlite3_bind_int64(stmt, 17, c->cpu.shares);
        rc = exec_bound(runtime, stmt, err);
    }
    store_db_unlock(runtime->db);
    return rc;
}

int rt_container_save(rt_runtime *runtime, rt_container *container, wc_error *err)
{
    return save_container(runtime, container, err);
}

static int delete_row(rt_runtime *runtime, const char *sql, const char *id, wc_error *err)
{
    store_db_lock(runtime->db);
    cleanup_stmt sqlite3_stmt *stmt = NULL;
    int rc = store_db_prepare(runtime->db, sql, &stmt, err);
    if (rc == 0) {
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        rc = exec_bound(runtime, stmt, err);
    }
    store_db_unlock(runtime->db);
    return rc;
}

static char *column_text(sqlite3_stmt *stmt, int column)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    return text ? strdup((const char *)text) : NULL;
}

static int column_blob(sqlite3_stmt *stmt, int column, uint8_t **out, size_t *length)
{
    const void *blob = sqlite3_column_blob(stmt, column);
    int size = sqlite3_column_bytes(stmt, column);
    return copy_blob(out, length, blob, blob ? (size_t)size : 0);
}

static int load_pods(rt_runtime *runtime, wc_error *err)
{
    store_db_lock(runtime->db);
    cleanup_stmt sqlite3_stmt *stmt = NULL;
    int rc = store_db_prepare(runtime->db,
        "SELECT id, name, namespace, uid, attempt, handler, wasm, created_ns, state, config"
        " FROM rt_pods ORDER BY created_ns DESC", &stmt, err);
    while (rc == 0) {
        int step = store_db_step(runtime->db, stmt, err);
        if (step != SQLITE_ROW) {
            rc = step == SQLITE_DONE ? 0 : -1;
            break;
        }
        rt_pod *pod = calloc(1, sizeof *pod);
        if (pod == NULL) {
            rc = wc_error_set(err, WC_ERESOURCE, "load pods: out of memory");
            break;
        }
        snprintf(pod->id, sizeof pod->id, "%s", (const char *)sqlite3_column_text(stmt, 0));
        pod->name = column_text(stmt, 1);
        pod->namespace_ = column_text(stmt, 2);
        pod->uid = column_text(stmt, 3);
        pod->attempt = (uint32_t)sqlite3_column_int64(stmt, 4);
        pod->runtime_handler = column_text(stmt, 5);
        pod->backend = sqlite3_column_int(stmt, 6) ? &rt_wasm_backend : &rt_linux_backend;
        pod->created_ns = sqlite3_column_int64(stmt, 7);
        pod->state = sqlite3_column_int(stmt, 8) == RT_POD_READY ? RT_POD_READY : RT_POD_NOTREADY;
        int blob_rc = column_blob(stmt, 9, &pod->config, &pod->config_length);
        pod->next = runtime->pods;
        runtime->pods = pod;
        if (blob_rc < 0 || !pod->name || !pod->namespace_ || !pod->uid || !pod->runtime_handler)
            rc = wc_error_set(err, WC_ERESOURCE, "load pods: out of memory");
    }
    store_db_unlock(runtime->db);
    return rc;
}

/* Decides the state of a reloaded container from its pid and exit record. */
static void reattach(rt_runtime *runtime, rt_container *c)
{
    if (c->started_ns == 0 || c->pid <= 0) {
        c->state = RT_CONTAINER_CREATED;
        return;
    }
    c->state = RT_CONTAINER_RUNNING;
    uint64_t start_time = 0;
    wc_error err = { 0 };
    /* The pidfd is taken before the start-time check, so the process checked is the one
     * watched even if the pid is reused right after. */
    if (rt_supervise(runtime, c, &err) == 0 && rt_process_start_time(c->pid, &start_time) == 0
        && start_time == c->pid_start_time)
        return;
    rt_supervise_stop(c);
    rt_collect_exit(runtime, c, 0, false);
}

static int load_containers(rt_runtime *runtime, wc_error *err)
{
    store_db_lock(runtime->db);
    cleanup_stmt sqlite3_stmt *stmt = NULL;
    int rc = store_db_prepare(runtime->db,
        "SELECT id, pod_id, name, attempt, image, image_id, log_path, created_ns, started_ns,"
        " pid, pid_start, stop_signal, config, spec, cpu_quota, cpu_period, cpu_shares"
        " FROM rt_containers ORDER BY created_ns DESC",
        &stmt, err);
    rt_container *loaded = NULL;
    while (rc == 0) {
        int step = store_db_step(runtime->db, stmt, err);
        if (step != SQLITE_ROW) {
            rc = step == SQLITE_DONE ? 0 : -1;
            break;
        }
        rt_container *c = calloc(1, sizeof *c);
        if (c == NULL) {
            rc = wc_error_set(err, WC_ERESOURCE, "load containers: out of memory");
            break;
        }
        c->pidfd = -1;
        snprintf(c->id, sizeof c->id, "%s", (const char *)sqlite3_column_text(stmt, 0));
        snprintf(c->pod_id, sizeof c->pod_id, "%s", (const char *)sqlite3_column_text(stmt, 1));
        c->name = column_text(stmt, 2);
        c->attempt = (uint32_t)sqlite3_column_int64(stmt, 3);
        c->image = column_text(stmt, 4);
        c->image_id = column_text(stmt, 5);
        c->log_path = column_text(stmt, 6);
        c->created_ns = sqlite3_column_int64(stmt, 7);
        c->started_ns = sqlite3_column_int64(stmt, 8);
        c->pid = (pid_t)sqlite3_column_int64(stmt, 9);
        c->pid_start_time = (uint64_t)sqlite3_column_int64(stmt, 10);
        c->stop_signal = sqlite3_column_int(stmt, 11);
        int blob_rc = column_blob(stmt, 12, &c->config, &c->config_length);
        if (blob_rc == 0 && column_blob(stmt, 13, (uint8_t **)&c->spec, &c->spec_length) == 0
            && c->spec != NULL) {
            /* Kept NUL-terminated: it is text. */
            char *text = realloc(c->spec, c->spec_length + 1);
            if (text != NULL)
                text[c->spec_length] = 0;
            c->spec = text;
            blob_rc = text ? 0 : -1;
        }
        c->cpu = (rt_cpu_limits){ sqlite3_column_int64(stmt, 14), sqlite3_column_int64(stmt, 15),
                                  sqlite3_column_int64(stmt, 16) };
        int dir_rc = container_dir(runtime, c->id, &c->dir);
        c->next = loaded;
        loaded = c;
        if (blob_rc < 0 || dir_rc < 0 || !c->name || !c->image || !c->image_id)
            rc = wc_error_set(err, WC_ERESOURCE, "load containers: out of memory");
    }
    store_db_unlock(runtime->db);
    /* Reattach outside the database lock: it may write exit records. */
    while (loaded) {
        rt_container *c = loaded;
        loaded = c->next;
        c->next = runtime->containers;
        runtime->containers = c;
        if (rc == 0)
            reattach(runtime, c);
    }
    return rc;
}

/* The shim beside the running program (build dirs and installs keep them together). */
static char *default_shim_path(void)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0)
        return strdup("wasmcri-shim");
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = 0;
    char *path = NULL;
    return asprintf(&path, "%s/wasmcri-shim", self) < 0 ? NULL : path;
}

int rt_runtime_open(const rt_options *options, rt_runtime **out, wc_error *err)
{
    rt_runtime *runtime = calloc(1, sizeof *runtime);
    if (runtime == NULL)
        return wc_error_set(err, WC_ERESOURCE, "runtime: out of memory");
    runtime->loop = options->loop;
    runtime->db = options->db;
    runtime->on_event = options->on_event;
    runtime->event_data = options->event_data;
    runtime->root = strdup(options->root);
    runtime->shim_path = options->shim_path ? strdup(options->shim_path) : default_shim_path();
    cleanup_free char *containers = NULL;
    if (runtime->root == NULL || runtime->shim_path == NULL
        || asprintf(&containers, "%s/containers", options->root) < 0) {
        rt_runtime_free(runtime);
        return wc_error_set(err, WC_ERESOURCE, "runtime: out of memory");
    }
    if (wc_mkdir_p(containers, 0700, err) < 0
        || store_db_migrate(runtime->db, "runtime", migrations,
                            sizeof migrations / sizeof migrations[0], err) < 0
        || load_pods(runtime, err) < 0 || load_containers(runtime, err) < 0) {
        rt_runtime_free(runtime);
        return wc_error_prefix(err, "runtime");
    }
    rt_cgroups_detect(&runtime->cgroups);
    rt_wasm_backend_open(runtime);
    *out = runtime;
    return 0;
}

void rt_runtime_free(rt_runtime *runtime)
{
    if (runtime == NULL)
        return;
    while (runtime->containers) {
        rt_container *c = runtime->containers;
        runtime->containers = c->next;
        /* Waiters are told the daemon is going away; the instance keeps running. */
        wc_error gone = { WC_EUNAVAILABLE, "runtime shutting down" };
        while (c->waiters) {
            rt_waiter *w = c->waiters;
            c->waiters = w->next;
            w->done(w->data, &gone);
            free(w);
        }
        rt_supervise_stop(c);
        container_free(c);
    }
    rt_wasm_backend_close(runtime);
    /* Lets the close callbacks of the handles just closed free their memory: the daemon frees
     * the runtime after its loop has stopped. */
    uv_run(runtime->loop, UV_RUN_NOWAIT);
    while (runtime->pods) {
        rt_pod *pod = runtime->pods;
        runtime->pods = pod->next;
        pod_free(pod);
    }
    rt_cgroups_free(&runtime->cgroups);
    free(runtime->root);
    free(runtime->shim_path);
    free(runtime);
}

/* ---- pods --------------------------------------------------------------------------- */

int rt_pod_run(rt_runtime *runtime, const rt_pod_request *request, rt_pod **out, wc_error *err)
{
    if (request->name == NULL || request->name[0] == 0)
        return wc_error_set(err, WC_EINVAL, "pod sandbox config: metadata.name is required");
    const char *namespace_ = request->namespace_ ? request->namespace_ : "";
    const char *uid = request->uid ? request->uid : "";
    for (rt_pod *pod = runtime->pods; pod; pod = pod->next) {
        if (strcmp(pod->name, request->name) == 0 && strcmp(pod->namespace_, namespace_) == 0
            && strcmp(pod->uid, uid) == 0 && pod->attempt == request->attempt)
            return wc_error_set(err, WC_EEXIST,
                                "pod sandbox %s/%s (uid '%s', attempt %u) already exists as %s",
                                namespace_, request->name, uid, request->attempt, pod->id);
    }
    rt_pod *pod = calloc(1, sizeof *pod);
    if (pod == NULL)
        return wc_error_set(err, WC_ERESOURCE, "run pod: out of memory");
    pod->backend = request->wasm ? &rt_wasm_backend : &rt_linux_backend;
    pod->name = strdup(request->name);
    pod->namespace_ = strdup(namespace_);
    pod->uid = strdup(uid);
    pod->attempt = request->attempt;
    pod->runtime_handler = dup_or_empty(request->runtime_handler);
    pod->created_ns = rt_now_ns();
    pod->state = RT_POD_READY;
    if (!pod->name || !pod->namespace_ || !pod->uid || !pod->runtime_handler
        || copy_blob(&pod->config, &pod->config_length, request->config,
                     request->config_length) < 0) {
        pod_free(pod);
        return wc_error_set(err, WC_ERESOURCE, "run pod: out of memory");
    }
    if (rt_new_id(pod->id, err) < 0 || pod->backend->pod_run(runtime, pod, err) < 0
        || save_pod(runtime, pod, err) < 0) {
        pod_free(pod);
        return wc_error_prefix(err, "run pod sandbox %s", request->name);
    }
    pod->next = runtime->pods;
    runtime->pods = pod;
    *out = pod;
    return 0;
}

/* Counts down the stops/removes a pod operation waits for. */
typedef struct pod_job {
    rt_runtime *runtime;
    char pod_id[65];
    bool remove;
    int pending;
    wc_error first_error;
    rt_done_fn done;
    void *data;
} pod_job;

static void pod_job_finish(pod_job *job)
{
    rt_runtime *runtime = job->runtime;
    wc_error err = job->first_error;
    rt_pod **link = &runtime->pods;
    while (*link && strcmp((*link)->id, job->pod_id) != 0)
        link = &(*link)->next;
    rt_pod *pod = *link;
    if (pod != NULL && err.code == WC_OK) {
        if (job->remove) {
            if (delete_row(runtime, "DELETE FROM rt_pods WHERE id = ?", pod->id, &err) == 0) {
                *link = pod->next;
                pod_free(pod);
            }
        } else if (pod->state != RT_POD_NOTREADY) {
            pod->state = RT_POD_NOTREADY;
            save_pod(runtime, pod, &err);
        }
    }
    job->done(job->data, err.code == WC_OK ? NULL : &err);
    free(job);
}

static void pod_job_step(void *data, const wc_error *err)
{
    pod_job *job = data;
    if (err != NULL && job->first_error.code == WC_OK)
        job->first_error = *err;
    if (--job->pending == 0)
        pod_job_finish(job);
}

static void pod_stop_or_remove(rt_runtime *runtime, rt_pod *pod, bool remove, rt_done_fn done,
                               void *data)
{
    pod_job *job = calloc(1, sizeof *job);
    if (job == NULL) {
        wc_error err = { WC_ERESOURCE, "pod sandbox: out of memory" };
        done(data, &err);
        return;
    }
    job->runtime = runtime;
    snprintf(job->pod_id, sizeof job->pod_id, "%s", pod->id);
    job->remove = remove;
    job->done = done;
    job->data = data;
    job->pending = 1; /* held until every container is asked, so no early finish */
    rt_container *next = NULL;
    for (rt_container *c = runtime->containers; c; c = next) {
        next = c->next;
        if (strcmp(c->pod_id, pod->id) != 0)
            continue;
        job->pending++;
        if (remove)
            rt_container_remove(runtime, c, pod_job_step, job);
        else
            rt_container_stop(runtime, c, 0, pod_job_step, job);
    }
    pod_job_step(job, NULL);
}

void rt_pod_stop(rt_runtime *runtime, rt_pod *pod, rt_done_fn done, void *data)
{
    pod_stop_or_remove(runtime, pod, false, done, data);
}

void rt_pod_remove(rt_runtime *runtime, rt_pod *pod, rt_done_fn done, void *data)
{
    pod_stop_or_remove(runtime, pod, true, done, data);
}

/* ---- containers --------------------------------------------------------------------- */

static int remove_tree_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

int rt_container_create(rt_runtime *runtime, rt_pod *pod, const rt_container_request *request,
                        rt_container **out, wc_error *err)
{
    if (request->name == NULL || request->name[0] == 0)
        return wc_error_set(err, WC_EINVAL, "container config: metadata.name is required");
    if (pod->state != RT_POD_READY)
        return wc_error_set(err, WC_EPRECONDITION, "pod sandbox %s is not ready", pod->id);
    for (rt_container *c = runtime->containers; c; c = c->next) {
        if (strcmp(c->pod_id, pod->id) == 0 && strcmp(c->name, request->name) == 0
            && c->attempt == request->attempt)
            return wc_error_set(err, WC_EEXIST,
                                "container %s (attempt %u) already exists in pod %s as %s",
                                request->name, request->attempt, pod->id, c->id);
    }
    rt_container *c = calloc(1, sizeof *c);
    if (c == NULL)
        return wc_error_set(err, WC_ERESOURCE, "create container: out of memory");
    c->pidfd = -1;
    snprintf(c->pod_id, sizeof c->pod_id, "%s", pod->id);
    c->name = strdup(request->name);
    c->attempt = request->attempt;
    c->image = dup_or_empty(request->image);
    c->image_id = dup_or_empty(request->image_id);
    c->log_path = request->log_path ? strdup(request->log_path) : NULL;
    c->created_ns = rt_now_ns();
    c->state = RT_CONTAINER_CREATED;
    c->stop_signal = request->stop_signal > 0 ? request->stop_signal : SIGTERM;
    c->cpu = request->cpu;
    if (!c->name || !c->image || !c->image_id || (request->log_path && !c->log_path)
        || copy_blob(&c->config, &c->config_length, request->config, request->config_length) < 0
        || rt_new_id(c->id, err) < 0 || container_dir(runtime, c->id, &c->dir) < 0) {
        container_free(c);
        return err->code ? -1 : wc_error_set(err, WC_ERESOURCE, "create container: out of memory");
    }
    /* The directory (exit record) is made by the shim at start: a create writes no files. */
    if (pod->backend->container_create(runtime, pod, c, request, err) < 0
        || save_container(runtime, c, err) < 0) {
        container_free(c);
        return wc_error_prefix(err, "create container %s", request->name);
    }
    c->next = runtime->containers;
    runtime->containers = c;
    rt_emit(runtime, RT_EVENT_CREATED, c);
    *out = c;
    return 0;
}

static const rt_backend *container_backend(rt_runtime *runtime, const rt_container *c)
{
    rt_pod *pod = rt_pod_find(runtime, c->pod_id, NULL);
    return pod ? pod->backend : &rt_wasm_backend;
}

int rt_container_start(rt_runtime *runtime, rt_container *container, wc_error *err)
{
    if (container->state != RT_CONTAINER_CREATED)
        return wc_error_set(err, WC_EPRECONDITION, "container %s is %s, not created",
                            container->id,
                            container->state == RT_CONTAINER_RUNNING ? "running" : "exited");
    if (container_backend(runtime, container)->container_start(runtime, container, err) < 0)
        return wc_error_prefix(err, "start container %s", container->id);
    return 0;
}

int rt_container_update(rt_runtime *runtime, rt_container *container,
                        uint64_t memory_limit_bytes, const rt_cpu_limits *cpu,
                        const uint8_t *config, size_t config_length, wc_error *err)
{
    if (memory_limit_bytes > 0
        && container_backend(runtime, container)
                   ->container_update_memory(runtime, container, memory_limit_bytes, err) < 0)
        return -1;
    if (cpu != NULL) {
        bool had_cpu_limits = rt_cpu_limits_set(&container->cpu);
        container->cpu = *cpu;
        /* Without limits before or now there is no cgroup to change (a memory-only update). */
        if (container->state == RT_CONTAINER_RUNNING && runtime->cgroups.root != NULL
            && (had_cpu_limits || rt_cpu_limits_set(cpu))) {
            int rc = rt_cgroup_update(&runtime->cgroups, container->id, cpu, err);
            /* Not limited at start: place it now. */
            if (rc < 0 && rt_cpu_limits_set(cpu))
                rc = rt_cgroup_place(&runtime->cgroups, container->id, container->pid, cpu, err);
            if (rc < 0)
                return wc_error_prefix(err, "update container %s", container->id);
        }
    }
    if (config != NULL) {
        uint8_t *copy = NULL;
        size_t copy_length = 0;
        if (copy_blob(&copy, &copy_length, config, config_length) < 0)
            return wc_error_set(err, WC_ERESOURCE, "update container: out of memory");
        free(container->config);
        container->config = copy;
        container->config_length = copy_length;
        if (container->cache_free && container->cache)
            container->cache_free(container->cache);
        container->cache = NULL;
    }
    return rt_container_save(runtime, container, err);
}

static void kill_at_deadline(uv_timer_t *timer)
{
    rt_container *c = timer->data;
    if (c->state == RT_CONTAINER_RUNNING && rt_signal(c, SIGKILL) == 0)
        c->kill_sent = true;
}

void rt_container_stop(rt_runtime *runtime, rt_container *container, int64_t timeout_seconds,
                       rt_done_fn done, void *data)
{
    if (container->state != RT_CONTAINER_RUNNING) {
        done(data, NULL);
        return;
    }
    rt_waiter *waiter = malloc(sizeof *waiter);
    if (waiter == NULL) {
        wc_error err = { WC_ERESOURCE, "stop container: out of memory" };
        done(data, &err);
        return;
    }
    *waiter = (rt_waiter){ done, data, container->waiters };
    container->waiters = waiter;
    if (timeout_seconds <= 0) {
        if (rt_signal(container, SIGKILL) == 0)
            container->kill_sent = true;
        return;
    }
    rt_signal(container, container->stop_signal);
    if (container->kill_timer == NULL) {
        container->kill_timer = malloc(sizeof *container->kill_timer);
        if (container->kill_timer == NULL) {
            if (rt_signal(container, SIGKILL) == 0)
                container->kill_sent = true;
            return;
        }
        uv_timer_init(runtime->loop, container->kill_timer);
        container->kill_timer->data = container;
        uv_timer_start(container->kill_timer, kill_at_deadline, (uint64_t)timeout_seconds * 1000,
                       0);
    }
}

void rt_container_exited(rt_runtime *runtime, rt_container *container)
{
    if (container->kill_timer) {
        uv_timer_stop(container->kill_timer);
        uv_close((uv_handle_t *)container->kill_timer, rt_free_handle);
        container->kill_timer = NULL;
    }
    rt_emit(runtime, RT_EVENT_STOPPED, container);
    /* Detached first: a waiter (a remove) may free the container. */
    rt_waiter *waiters = container->waiters;
    container->waiters = NULL;
    while (waiters) {
        rt_waiter *w = waiters;
        waiters = w->next;
        w->done(w->data, NULL);
        free(w);
    }
}

typedef struct remove_job {
    rt_runtime *runtime;
    char id[65];
    rt_done_fn done;
    void *data;
} remove_job;

static void remove_after_stop(void *data, const wc_error *stop_err)
{
    remove_job *job = data;
    rt_runtime *runtime = job->runtime;
    wc_error err = { 0 };
    rt_container **link = &runtime->containers;
    while (*link && strcmp((*link)->id, job->id) != 0)
        link = &(*link)->next;
    rt_container *c = *link;
    if (stop_err != NULL) {
        err = *stop_err;
    } else if (c != NULL && c->state != RT_CONTAINER_RUNNING) {
        if (delete_row(runtime, "DELETE FROM rt_containers WHERE id = ?", c->id, &err) == 0) {
            *link = c->next;
            nftw(c->dir, remove_tree_entry, 8, FTW_DEPTH | FTW_PHYS);
            rt_cgroup_remove(&runtime->cgroups, c->id);
            rt_emit(runtime, RT_EVENT_DELETED, c);
            rt_supervise_stop(c);
            container_free(c);
        }
    }
    job->done(job->data, err.code == WC_OK ? NULL : &err);
    free(job);
}

void rt_container_remove(rt_runtime *runtime, rt_container *container, rt_done_fn done,
                         void *data)
{
    remove_job *job = malloc(sizeof *job);
    if (job == NULL) {
        wc_error err = { WC_ERESOURCE, "remove container: out of memory" };
        done(data, &err);
        return;
    }
    *job = (remove_job){ runtime, "", done, data };
    snprintf(job->id, sizeof job->id, "%s", container->id);
    rt_container_stop(runtime, container, 0, remove_after_stop, job);
}

int rt_container_reopen_log(rt_runtime *runtime, rt_container *container, wc_error *err)
{
    (void)runtime;
    if (container->state != RT_CONTAINER_RUNNING)
        return wc_error_set(err, WC_EPRECONDITION, "container %s is not running",
                            container->id);
    if (rt_signal(container, SIGUSR1) < 0)
        return wc_error_set_errno(err, errno, "reopen log of container %s", container->id);
    return 0;
}

int rt_container_usage(const rt_container *container, rt_usage *out, wc_error *err)
{
    *out = (rt_usage){ 0 };
    out->timestamp_ns = rt_now_ns();
    if (container->state != RT_CONTAINER_RUNNING || container->pid <= 0)
        return 0;
    return rt_process_usage(container->pid, out, err);
}
