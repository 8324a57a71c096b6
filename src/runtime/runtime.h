/* runtime.h - pods and containers: the state machine behind the CRI RuntimeService.
 *
 * Owns: the rt_pods / rt_containers tables of the metadata database, one directory per
 * container under ROOT/containers/<id> (the shim's spec, its exit record), and the supervision
 * of running instances. Everything here runs on the daemon's event-loop thread and never
 * blocks on a workload: a stop that must wait for an exit completes through a callback.
 *
 * Work specific to a kind of sandbox goes through a backend (backend.h): the wasm backend runs
 * each instance in its own wasmcri-shim process; the Linux-container backend is a seam for
 * later. The CRI layer keeps the protobuf side: it stores each packed config here as an opaque
 * blob and may cache its decoded form on the object (cache / cache_free). */
#ifndef WASMCRI_RUNTIME_RUNTIME_H
#define WASMCRI_RUNTIME_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "runtime/cgroup.h"
#include "store/db.h"
#include "util/error.h"

typedef struct rt_runtime rt_runtime;
typedef struct rt_backend rt_backend;

/* Values as in CRI's PodSandboxState / ContainerState. */
typedef enum rt_pod_state { RT_POD_READY = 0, RT_POD_NOTREADY = 1 } rt_pod_state;
typedef enum rt_container_state {
    RT_CONTAINER_CREATED = 0,
    RT_CONTAINER_RUNNING = 1,
    RT_CONTAINER_EXITED = 2,
    RT_CONTAINER_UNKNOWN = 3,
} rt_container_state;

/* Values as in CRI's ContainerEventType. */
typedef enum rt_event_kind {
    RT_EVENT_CREATED = 0,
    RT_EVENT_STARTED = 1,
    RT_EVENT_STOPPED = 2,
    RT_EVENT_DELETED = 3,
} rt_event_kind;

typedef struct rt_pod {
    char id[65];
    char *name;
    char *namespace_;
    char *uid;
    uint32_t attempt;
    char *runtime_handler;
    int64_t created_ns;
    rt_pod_state state;
    uint8_t *config;            /* opaque: the packed PodSandboxConfig */
    size_t config_length;
    void *cache;                /* the CRI layer's decoded config */
    void (*cache_free)(void *);
    /* private */
    const rt_backend *backend;
    struct rt_pod *next;
} rt_pod;

typedef struct rt_container {
    char id[65];
    char pod_id[65];
    char *name;
    uint32_t attempt;
    char *image;                /* as the request named it */
    char *image_id;             /* "sha256:..." */
    char *log_path;             /* absolute, or NULL */
    int64_t created_ns;
    int64_t started_ns;
    int64_t finished_ns;
    rt_container_state state;
    int exit_code;
    char *reason;               /* Completed, Error, OOMKilled (once exited) */
    char *message;
    int stop_signal;            /* the image's, else SIGTERM */
    rt_cpu_limits cpu;          /* applied through cgroups where they can be */
    uint8_t *config;            /* opaque: the packed ContainerConfig */
    size_t config_length;
    void *cache;
    void (*cache_free)(void *);
    /* private: what the shim runs (rt_instance_spec text), and its supervision */
    char *spec;
    size_t spec_length;
    char *dir;
    pid_t pid;
    uint64_t pid_start_time;    /* /proc/PID/stat starttime: guards against pid reuse */
    int pidfd;
    uv_poll_t *exit_watch;
    uv_timer_t *kill_timer;
    bool kill_sent;
    struct rt_waiter *waiters;  /* stop/remove calls waiting for the exit */
    struct rt_container *next;
} rt_container;

typedef void (*rt_event_fn)(rt_event_kind kind, const rt_container *container, void *data);

typedef struct rt_options {
    uv_loop_t *loop;
    store_db *db;
    const char *root;           /* persistent: containers/<id> */
    const char *shim_path;      /* NULL: wasmcri-shim beside the running executable */
    rt_event_fn on_event;
    void *event_data;
} rt_options;

/* Opens the runtime: migrates its tables, reloads every pod and container, reattaches to
 * running shims and collects the exits that happened while the daemon was down. */
int rt_runtime_open(const rt_options *options, rt_runtime **out, wc_error *err);
/* Frees the daemon's view; running instances keep running. */
void rt_runtime_free(rt_runtime *runtime);

/* ---- pods --------------------------------------------------------------------------- */

typedef struct rt_pod_request {
    const char *name;
    const char *namespace_;
    const char *uid;
    uint32_t attempt;
    const char *runtime_handler;
    bool wasm;                  /* the handler or the annotation selects a wasm sandbox */
    const uint8_t *config;
    size_t config_length;
} rt_pod_request;

/* WC_EINVAL without a name, WC_EEXIST for the same metadata twice, the backend's error
 * (WC_EUNIMPLEMENTED for Linux containers today). */
int rt_pod_run(rt_runtime *runtime, const rt_pod_request *request, rt_pod **out, wc_error *err);
/* By full id or unique prefix; NULL (with WC_ENOTFOUND) otherwise. */
rt_pod *rt_pod_find(rt_runtime *runtime, const char *id, wc_error *err);
rt_pod *rt_pod_first(rt_runtime *runtime);

typedef void (*rt_done_fn)(void *data, const wc_error *err);
/* Stops every instance of the pod at once (SIGKILL), then marks it NOTREADY. */
void rt_pod_stop(rt_runtime *runtime, rt_pod *pod, rt_done_fn done, void *data);
/* Stops and removes every instance, then the pod. */
void rt_pod_remove(rt_runtime *runtime, rt_pod *pod, rt_done_fn done, void *data);

/* ---- containers --------------------------------------------------------------------- */

typedef struct rt_mount {
    const char *container_path;
    const char *host_path;
    bool read_only;
} rt_mount;

typedef struct rt_container_request {
    const char *name;
    uint32_t attempt;
    const char *image;
    const char *image_id;
    const char *module_path;    /* the module's bytes */
    const char *module_filename;/* argv[0] when there is no command */
    int stop_signal;            /* 0: SIGTERM */
    const char *const *command; /* command[0] names the module: it is argv[0] */
    size_t command_count;
    const char *const *args;
    size_t args_count;
    const char *const *env;     /* "KEY=VALUE" */
    size_t env_count;
    const rt_mount *mounts;
    size_t mounts_count;
    const char *working_dir;
    const char *log_path;       /* absolute, or NULL */
    uint64_t memory_limit_bytes;/* 0: none */
    rt_cpu_limits cpu;
    const uint8_t *config;
    size_t config_length;
} rt_container_request;

int rt_container_create(rt_runtime *runtime, rt_pod *pod, const rt_container_request *request,
                        rt_container **out, wc_error *err);
/* CREATED -> RUNNING: WC_EPRECONDITION in another state. */
int rt_container_start(rt_runtime *runtime, rt_container *container, wc_error *err);
/* Sends the stop signal, SIGKILL after timeout_seconds (at once when <= 0); done runs once the
 * instance has exited (at once when it is not running). */
void rt_container_stop(rt_runtime *runtime, rt_container *container, int64_t timeout_seconds,
                       rt_done_fn done, void *data);
/* Stops (SIGKILL) when running, then forgets the container and its files; the log stays. */
void rt_container_remove(rt_runtime *runtime, rt_container *container, rt_done_fn done,
                         void *data);
rt_container *rt_container_find(rt_runtime *runtime, const char *id, wc_error *err);
rt_container *rt_container_first(rt_runtime *runtime);
/* Asks the shim to reopen its log file (after a rotation). */
int rt_container_reopen_log(rt_runtime *runtime, rt_container *container, wc_error *err);
/* Changes the limits: the memory cap (0 leaves it) at once for a running instance (its shim
 * applies it to the live store: a cap below the current size refuses further growth, it never
 * shrinks memory; reaches shims reattached after a daemon restart too) and for the start of a
 * created one; the CPU limits at once where cgroups are usable. config (NULL: kept) replaces
 * the packed config, so that a status shows the limits in force. */
int rt_container_update(rt_runtime *runtime, rt_container *container,
                        uint64_t memory_limit_bytes, const rt_cpu_limits *cpu,
                        const uint8_t *config, size_t config_length, wc_error *err);

typedef struct rt_usage {
    uint64_t cpu_ns;            /* user + system time of the instance's process */
    uint64_t rss_bytes;         /* its resident memory: the working set */
    int64_t timestamp_ns;
} rt_usage;
/* Zeroes (no error) when the instance is not running. */
int rt_container_usage(const rt_container *container, rt_usage *out, wc_error *err);

/* A fresh 64-hex id. */
int rt_new_id(char out[65], wc_error *err);

#endif
