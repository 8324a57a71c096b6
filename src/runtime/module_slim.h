/* module_slim.h - a module's bytes without the custom sections the engine does not need.
 *
 * Rust and C toolchains leave DWARF (.debug_*) sections that are most of a module's size
 * (2.4 of wasi-demo-app's 2.6 MB) and play no part in running it; the engine keeps a copy of
 * the bytes it is given, so each instance would pay for them in resident memory. The shim maps
 * the file and hands the engine only what it runs (and the "name" section, for trap messages). */
#ifndef WASMCRI_RUNTIME_MODULE_SLIM_H
#define WASMCRI_RUNTIME_MODULE_SLIM_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* Maps path and copies every section except custom ones other than "name" into *out (caller
 * frees). A module that does not parse is copied whole, so the engine reports the error. */
int rt_module_load_slim(const char *path, uint8_t **out, size_t *length, wc_error *err);

#endif
