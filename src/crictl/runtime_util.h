/* runtime_util.h - what the pod and container commands share: crictl's table layout, its
 * "2 minutes ago" durations, state names, id truncation, and --label filters. */
#ifndef WASMCRI_CRICTL_RUNTIME_UTIL_H
#define WASMCRI_CRICTL_RUNTIME_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crictl/config_file.h"
#include "crictl/crictl.h"

/* A table printed as Go's tabwriter (minwidth 20, padding 3) lays out crictl's output. */
typedef struct crictl_table {
    size_t columns;
    char **cells;   /* rows * columns, owned */
    size_t rows;
} crictl_table;

void crictl_table_init(crictl_table *table, size_t columns);
/* Adds a row of `columns` strings (copied). */
void crictl_table_row(crictl_table *table, const char *const *cells);
void crictl_table_print(crictl_table *table);
void crictl_table_free(crictl_table *table);

/* "3 seconds ago", "About a minute ago", ... from a Unix-nanoseconds time. */
void crictl_ago(int64_t unix_ns, char *out, size_t size);
/* "1.2MB" as go-units HumanSizeWithPrecision (SI units, `precision` significant digits:
 * HumanSize, for stats, is 4; crictl images uses 3). */
void crictl_human_size(uint64_t bytes, int precision, char *out, size_t size);
/* The first 13 characters of an id, unless no_trunc. */
const char *crictl_short_id(const char *id, bool no_trunc, char out[14]);
const char *crictl_container_state_name(int state);
const char *crictl_pod_state_name(int state);

/* Appends a "key=value" --label flag to a filter's label selector: entries of the map entry
 * type `descriptor` (the pod or the container filter's), held by the arena. */
int crictl_add_label(crictl_arena *arena, const ProtobufCMessageDescriptor *descriptor,
                     crictl_map_entry ***labels, size_t *count, const char *text, wc_error *err);

/* Prints message JSON as crictl inspect does: {"status": ..., "info": {...}}. */
int crictl_print_status(const ProtobufCMessage *status, size_t n_info,
                        crictl_map_entry *const *info, crictl_format format);

#endif
