/* spectest.h - runs WebAssembly spec test scripts (.wast) against our engine.
 *
 * A .wast file is converted by wabt's `wast2json` into a JSON command list plus one .wasm file
 * per module (in a temporary directory, removed afterwards); every command is then run in one
 * wasm_store with the standard `spectest` host module registered. Each command counts as
 * passed, failed, or not applicable (a text-format module that wast2json could only hand over
 * as .wat: we have no text parser, so it can neither pass nor fail). */
#ifndef WASMCRI_SPECTEST_SPECTEST_H
#define WASMCRI_SPECTEST_SPECTEST_H

#include <stdbool.h>
#include <stdio.h>

#include "util/error.h"

typedef struct spectest_options {
    FILE *report;               /* failing commands are described here (NULL: not reported) */
    unsigned max_reported;      /* failures reported per file; 0 = all */
    FILE *host_output;          /* where spectest.print* write (NULL: discarded) */
    unsigned command_timeout_ms;/* a command running longer is interrupted; 0 = no deadline */
    bool check_messages;        /* assert_malformed/invalid/unlinkable also need the engine's
                                 * error message to contain the script's text */
} spectest_options;

typedef struct spectest_counts {
    unsigned passed;
    unsigned failed;
    unsigned not_applicable;
} spectest_counts;

/* Converts the .wast file with wast2json (the WAST2JSON environment variable may name another
 * converter) and runs it, adding to counts. Returns -1 only when the script could not be run
 * at all (conversion failed, unreadable JSON); failing commands are counted, not errors. */
int spectest_run_wast(const char *wast_path, const spectest_options *options,
                      spectest_counts *counts, wc_error *err);

/* Runs an already converted script: the JSON written by wast2json, with its module files in
 * the same directory. */
int spectest_run_json(const char *json_path, const spectest_options *options,
                      spectest_counts *counts, wc_error *err);

#endif
