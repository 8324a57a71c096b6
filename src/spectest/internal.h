/* internal.h - what the files of src/spectest share; not part of the component's interface. */
#ifndef WASMCRI_SPECTEST_INTERNAL_H
#define WASMCRI_SPECTEST_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "util/error.h"
#include "wasm/wasm.h"

/* ---- convert.c: wast2json into a temporary directory ---------------------------------- */

/* Creates a temporary directory, converts wast_path into it; *dir and *json_path are new
 * strings (the caller removes the directory with spectest_remove_dir and frees both). */
int spectest_convert(const char *wast_path, char **dir, char **json_path, wc_error *err);
/* Removes a flat directory made by spectest_convert and everything in it. */
void spectest_remove_dir(const char *dir);

/* ---- host_module.c: the standard `spectest` module ------------------------------------ */

/* Creates the spectest functions, globals, table and memory in store and defines them in
 * linker under the module name "spectest". print* write to output (NULL: discarded). */
int spectest_host_module_define(wasm_store *store, wasm_linker *linker, FILE *output,
                                wc_error *err);

/* ---- values.c: JSON values, expectations, comparison ---------------------------------- */

typedef enum spectest_match {
    SPECTEST_MATCH_EXACT = 0,
    SPECTEST_MATCH_NAN_CANONICAL,
    SPECTEST_MATCH_NAN_ARITHMETIC,
    SPECTEST_MATCH_NONNULL,   /* a funcref result: any non-null reference */
} spectest_match;

typedef enum spectest_lanes {
    SPECTEST_LANES_NONE = 0,  /* not a v128 */
    SPECTEST_LANES_I8,
    SPECTEST_LANES_I16,
    SPECTEST_LANES_I32,
    SPECTEST_LANES_I64,
    SPECTEST_LANES_F32,
    SPECTEST_LANES_F64,
} spectest_lanes;

/* One expected result. For scalars match[0] says how to compare; for a v128 one entry per lane. */
typedef struct spectest_expected {
    wasm_valtype type;
    wasm_value value;
    spectest_lanes lanes;
    spectest_match match[16];
} spectest_expected;

/* Parses an argument {"type": "i32", "value": "42"}. */
int spectest_parse_value(json_t *json, wasm_valtype *type, wasm_value *value, wc_error *err);
/* Parses an expected result (which may be nan:canonical, nan:arithmetic, per lane for v128). */
int spectest_parse_expected(json_t *json, spectest_expected *expected, wc_error *err);
bool spectest_value_matches(const spectest_expected *expected, wasm_valtype type,
                            wasm_value value);
/* "i32:42", "f32:0x7fc00000 (nan)", "v128:i32x4 1 2 3 4", "externref:7", "funcref:null". */
void spectest_format_value(wasm_valtype type, wasm_value value, spectest_lanes lanes,
                           char *buffer, size_t size);
void spectest_format_expected(const spectest_expected *expected, char *buffer, size_t size);
const char *spectest_valtype_name(wasm_valtype type);

/* ---- deadline.c: interrupt a command that runs too long ------------------------------- */

typedef struct spectest_deadline {
    bool created;
    timer_t timer;
    unsigned timeout_ms;
} spectest_deadline;

/* timeout_ms 0 makes a deadline that never fires. */
int spectest_deadline_init(spectest_deadline *deadline, wasm_store *store, unsigned timeout_ms,
                           wc_error *err);
void spectest_deadline_arm(spectest_deadline *deadline);
void spectest_deadline_disarm(spectest_deadline *deadline);
void spectest_deadline_destroy(spectest_deadline *deadline);

#endif
