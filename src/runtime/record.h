/* record.h - small text records on disk: the shim's instance spec, a container's metadata, its
 * exit status. One line per entry: a key, then tab-separated fields, each escaped (\\, \t, \n),
 * so any byte string except NUL survives. Text keeps the files readable when debugging a node. */
#ifndef WASMCRI_RUNTIME_RECORD_H
#define WASMCRI_RUNTIME_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

typedef struct rt_record {
    char *text;
    size_t length;
    size_t capacity;
    bool failed; /* an allocation failed: rt_record_write reports it once */
} rt_record;

/* Appends "key\tfield1\tfield2...\n"; fields may be NULL (written empty). */
void rt_record_add(rt_record *record, const char *key, size_t field_count,
                   const char *const *fields);
void rt_record_add_string(rt_record *record, const char *key, const char *value);
void rt_record_add_int(rt_record *record, const char *key, int64_t value);
/* Writes the record to path atomically (temporary file + rename); durable adds fsync. */
int rt_record_write(const rt_record *record, const char *path, bool durable, wc_error *err);
void rt_record_free(rt_record *record);

/* Called once per line; fields are unescaped and valid during the call only. */
typedef int (*rt_record_visitor)(const char *key, size_t field_count, char **fields, void *data,
                                 wc_error *err);
int rt_record_read(const char *path, rt_record_visitor visit, void *data, wc_error *err);
/* The same over text in memory (NUL-terminated; modified in place). */
int rt_record_parse(char *text, rt_record_visitor visit, void *data, wc_error *err);

/* Parses a decimal integer field; false when it is not one. */
bool rt_record_parse_int(const char *text, int64_t *out);

#endif
