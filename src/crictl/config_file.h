/* config_file.h - crictl's JSON/YAML config files as CRI messages (runp, create, run). */
#ifndef WASMCRI_CRICTL_CONFIG_FILE_H
#define WASMCRI_CRICTL_CONFIG_FILE_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

#include "util/error.h"

/* Owns every allocation of a built message: free it all at once. */
typedef struct crictl_arena {
    void **blocks;
    size_t count;
    size_t capacity;
} crictl_arena;

void *crictl_arena_alloc(crictl_arena *arena, size_t size);
char *crictl_arena_strdup(crictl_arena *arena, const char *text);
void crictl_arena_free(crictl_arena *arena);

/* Reads a JSON or YAML file (JSON when it starts with '{'). New reference. */
int crictl_load_file(const char *path, json_t **out, wc_error *err);
/* Builds a message of the descriptor's type from JSON; unknown keys are ignored as crictl
 * does; map fields take objects; enums take names or numbers. */
int crictl_json_to_message(crictl_arena *arena, json_t *json,
                           const ProtobufCMessageDescriptor *descriptor, const char *what,
                           ProtobufCMessage **out, wc_error *err);
int crictl_load_message(crictl_arena *arena, const char *path,
                        const ProtobufCMessageDescriptor *descriptor, ProtobufCMessage **out,
                        wc_error *err);

#endif
