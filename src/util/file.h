/* file.h - whole-file reads and atomic writes. */
#ifndef WASMCRI_UTIL_FILE_H
#define WASMCRI_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* Reads the whole file into a new buffer (NUL-terminated one byte past *length). */
int wc_read_file(const char *path, uint8_t **data, size_t *length, wc_error *err);
/* Writes data to path atomically: a temporary file beside it, fsync, rename, fsync of the dir. */
int wc_write_file_atomic(const char *path, const void *data, size_t length, int mode, wc_error *err);
/* mkdir -p with the given mode for the directories it creates. */
int wc_mkdir_p(const char *path, int mode, wc_error *err);

#endif
