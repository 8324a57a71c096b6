/* instance_spec.h - what a wasm instance is to run with: written by the daemon at
 * CreateContainer into the container's directory, read by wasmcri-shim at start. */
#ifndef WASMCRI_RUNTIME_INSTANCE_SPEC_H
#define WASMCRI_RUNTIME_INSTANCE_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

typedef struct rt_preopen {
    char *guest_path; /* the container path the module sees */
    char *host_path;
    bool read_only;
} rt_preopen;

typedef struct rt_instance_spec {
    char *module_path;      /* the module's bytes (the image's blob) */
    char **argv;            /* argv[0] is the module's name */
    size_t argc;
    char **env;             /* "KEY=VALUE" */
    size_t env_count;
    rt_preopen *preopens;
    size_t preopen_count;
    char *working_dir;      /* NULL: "/" */
    char *log_path;         /* NULL: output is discarded */
    uint32_t max_memory_pages; /* 0: no cap beyond the engine's */
} rt_instance_spec;

int rt_instance_spec_read(const char *path, rt_instance_spec *out, wc_error *err);
/* The same text in memory: what the daemon stores and sends to a shim over its stdin. */
int rt_instance_spec_format(const rt_instance_spec *spec, char **text, size_t *length,
                            wc_error *err);
/* Parses text (modified in place). */
int rt_instance_spec_parse(char *text, rt_instance_spec *out, wc_error *err);
/* Frees what the spec owns and zeroes it. */
void rt_instance_spec_clear(rt_instance_spec *spec);

/* Helpers for building a spec: append a copy; -1 on out of memory. */
int rt_instance_spec_add_arg(rt_instance_spec *spec, const char *arg);
int rt_instance_spec_add_env(rt_instance_spec *spec, const char *key_value);
int rt_instance_spec_add_preopen(rt_instance_spec *spec, const char *guest_path,
                                 const char *host_path, bool read_only);

#endif
