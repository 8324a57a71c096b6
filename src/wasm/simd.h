/* simd.h - the 128-bit SIMD instructions (prefix 0xFD): what each takes and gives (for the
 * validator and the compiler), and their lane semantics as pure functions (for the interpreter).
 * Internal to src/wasm. Lanes are little-endian, as in linear memory. */
#ifndef WASMCRI_WASM_SIMD_H
#define WASMCRI_WASM_SIMD_H

#include <stdint.h>

#include "wasm/wasm.h"

typedef struct wasm_v128 {
    uint8_t bytes[16];
} wasm_v128;

typedef enum wasm_simd_immediate {
    WASM_SIMD_IMM_NONE,
    WASM_SIMD_IMM_MEMARG,       /* align, offset (memory ops) */
    WASM_SIMD_IMM_MEMARG_LANE,  /* align, offset, then a lane index byte (load/store lane) */
    WASM_SIMD_IMM_LANE,         /* a lane index byte (extract/replace lane) */
    WASM_SIMD_IMM_V128,         /* 16 bytes (v128.const) */
    WASM_SIMD_IMM_SHUFFLE,      /* 16 lane index bytes, each < 32 (i8x16.shuffle) */
} wasm_simd_immediate;

typedef enum wasm_simd_memory_kind {
    WASM_SIMD_NOT_MEMORY,
    WASM_SIMD_LOAD,             /* loads access_bytes and transforms them into a v128 */
    WASM_SIMD_LOAD_LANE,        /* loads access_bytes into one lane of the v128 operand */
    WASM_SIMD_STORE,            /* stores the whole v128 */
    WASM_SIMD_STORE_LANE,       /* stores one lane of the v128 */
} wasm_simd_memory_kind;

typedef struct wasm_simd_op {
    uint32_t opcode;            /* the LEB128 u32 that follows 0xFD */
    const char *name;           /* "i32x4.add" */
    wasm_simd_immediate immediate;
    wasm_simd_memory_kind memory;
    uint8_t lane_count;         /* lane immediates must be < lane_count */
    uint8_t access_bytes;       /* memory ops: bytes read or written; alignment must be
                                 * <= log2(access_bytes) */
    uint8_t param_count;        /* operands popped, memory address included (as i32) */
    wasm_valtype params[3];     /* in push order: params[0] was pushed first */
    uint8_t result_count;       /* 0 or 1 */
    wasm_valtype result;
} wasm_simd_op;

/* The op's description, or NULL for an opcode that does not exist. */
const wasm_simd_op *wasm_simd_op_lookup(uint32_t opcode);

/* Executes a non-memory op. operands[i] holds params[i]; a scalar operand or result
 * (i32/i64/f32/f64: lane values, shift counts, splat inputs, any_true/all_true/bitmask results)
 * sits in the low bytes, little-endian, the rest zero. immediate points at the lane index byte
 * or at the 16 immediate bytes (NULL for none). Float results follow the spec's NaN rules.
 * result may point at one of the operands. */
void wasm_simd_execute(uint32_t opcode, const uint8_t *immediate, const wasm_v128 *operands,
                       wasm_v128 *result);

/* Memory ops, once the caller has bounds-checked the effective address:
 * LOAD: src holds access_bytes bytes; result is the transformed v128 (splat, extend, zero-fill).
 * LOAD_LANE: result = vector with lane `lane` replaced by src's bytes.
 * STORE / STORE_LANE: writes access_bytes bytes of vector (lane `lane` for STORE_LANE) to dst. */
void wasm_simd_load(uint32_t opcode, const uint8_t *src, const wasm_v128 *vector, uint8_t lane,
                    wasm_v128 *result);
void wasm_simd_store(uint32_t opcode, const wasm_v128 *vector, uint8_t lane, uint8_t *dst);

#endif
