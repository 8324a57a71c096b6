/* skim.h - instruction decoding without typing, shared by the decoder (constant expressions)
 * and the validator (which must report a module's malformedness before its invalidity, as a
 * decoder that reads everything first would). Internal to the front end. */
#ifndef WASMCRI_WASM_SKIM_H
#define WASMCRI_WASM_SKIM_H

#include "wasm/module.h"
#include "wasm/reader.h"

/* Reads the immediates of opcode `op` (already read), checking only the binary format: illegal
 * opcodes, LEB128s, reserved zero bytes, value and reference type bytes, the DataCount rule.
 * Tracks block nesting in *depth (`end` decrements it). m may be NULL (no DataCount rule). */
int wasm_skim_instruction(wasm_reader *r, const wasm_module *m, uint8_t op, int *depth,
                          wc_error *err);
/* Decodes a whole function body without typing it. */
int wasm_skim_body(const wasm_module *m, const wasm_module_code *code, wc_error *err);
/* The error for a body whose bytes ran out before its final `end` (r->pos == r->end). */
int wasm_body_ran_out(const wasm_module *m, wasm_reader *r, wc_error *err);
/* True when memory.init/data.drop are malformed for want of a DataCount section. */
bool wasm_data_count_required(const wasm_module *m);

#endif
