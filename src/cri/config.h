/* config.h - the daemon's settings: defaults, a YAML file (--config), then flags.
 *
 * Example file (every key optional):
 *   listen: /run/wasmcri/wasmcri.sock
 *   root: /var/lib/wasmcri          # persistent: meta.db, blobs, pod and container dirs
 *   state: /run/wasmcri             # volatile: shim sockets
 *   log_level: info                 # error | warn | info | debug
 *   wasm_handlers: [wasm]           # RuntimeClass handlers that make wasm sandboxes
 *   max_memory_per_instance: 4Gi    # default linear-memory cap (bytes, or Ki/Mi/Gi suffix)
 *   registries:
 *     docker.io:
 *       mirrors: ["http://127.0.0.1:5000"]   # endpoints tried in order
 *       no_fallback: true                     # never go to docker.io itself
 *     127.0.0.1:5001:
 *       insecure: true                        # plain http (and unverified TLS) allowed
 */
#ifndef WASMCRI_CRI_CONFIG_H
#define WASMCRI_CRI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define CRI_DEFAULT_LISTEN "/run/wasmcri/wasmcri.sock"
#define CRI_DEFAULT_ROOT "/var/lib/wasmcri"
#define CRI_DEFAULT_STATE "/run/wasmcri"

typedef enum cri_log_level {
    CRI_LOG_ERROR = 0,
    CRI_LOG_WARN,
    CRI_LOG_INFO,
    CRI_LOG_DEBUG,
} cri_log_level;

/* Settings for one registry host as it appears in image references ("docker.io",
 * "registry.k8s.io", "127.0.0.1:5000"). */
typedef struct cri_registry_config {
    char *host;
    bool insecure;        /* plain http allowed, TLS not verified */
    char **mirrors;       /* endpoint URLs ("http://127.0.0.1:5000"), tried in order */
    size_t n_mirrors;
    bool no_fallback;     /* when every mirror fails, fail (do not try host itself) */
} cri_registry_config;

typedef struct cri_config {
    char *listen;         /* unix socket path */
    char *root;
    char *state;
    char *config_file;    /* the file read, or NULL */
    cri_log_level log_level;
    char **wasm_handlers; /* runtime_handler names that select a wasm sandbox */
    size_t n_wasm_handlers;
    cri_registry_config *registries;
    size_t n_registries;
    uint64_t max_memory_per_instance; /* bytes; 0 = the engine's own limit (4 GiB) */
} cri_config;

/* Fills the defaults. */
int cri_config_init(cri_config *config, wc_error *err);
void cri_config_free(cri_config *config);
/* Reads a YAML file over the current values (unknown keys are an error, naming the key). */
int cri_config_load_file(cri_config *config, const char *path, wc_error *err);
/* Defaults, then --config FILE, then --listen --root --state --log-level (both "--x v" and
 * "--x=v"). --help / unknown flags are WC_EINVAL with a usage message. */
int cri_config_from_args(cri_config *config, int argc, char **argv, wc_error *err);

/* Lookups for the services. */
bool cri_config_is_wasm_handler(const cri_config *config, const char *handler);

int cri_log_level_parse(const char *name, cri_log_level *out, wc_error *err);
const char *cri_log_level_name(cri_log_level level);
/* The config as a JSON object text (for Status verbose info); caller frees; NULL on OOM. */
char *cri_config_to_json(const cri_config *config);

#endif
