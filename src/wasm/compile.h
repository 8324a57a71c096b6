/* compile.h - the back end's internal code, produced by compile.c and run by interp.c.
 * Internal to src/wasm.
 *
 * Compilation is lazy: loading a module validates every body and fills each function's frame
 * layout (wasm_compile), but a body is translated only when the function is first called
 * (wasm_compiled_body, from the interpreter's call path: calls from wasm, call_indirect, host
 * calls through wasm_func_call, the start function). A module of a big program runs only a
 * small part of its code, and every byte compiled is heap each instance process keeps.
 *
 * A compiled function is an array of 32-bit words: an internal opcode followed by its decoded
 * immediates. A 64-bit immediate (a constant's value, a pointer) takes two words, in the host's
 * byte order (wasm_imm64 reads it). Branch targets are word offsets into the same array and
 * every branch carries its stack adjustment, so nothing re-parses the binary while running.
 * (32-bit words rather than 64: the code of wasi-demo-app is 44% smaller, as fast.)
 *
 * Values live in one stack of 8-byte slots. A frame is: parameters, then declared locals, then
 * the operand stack. i32/f32 occupy one slot (zero-extended, raw bits), i64/f64 and references
 * one slot, and a v128 occupies TWO consecutive slots (low 8 bytes first). Local indices are
 * compiled to slot offsets from the frame pointer. */
#ifndef WASMCRI_WASM_COMPILE_H
#define WASMCRI_WASM_COMPILE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wasm/module.h"

/* Internal opcodes. Immediates (in words) are listed after each name. "target" is a word
 * offset in the function's code; "dest, keep": keep the top `keep` slots, moved down to slot
 * `dest` of the frame, and the stack height becomes dest + keep. */
#define WASM_INTERNAL_OPS(X) \
    X(UNREACHABLE) \
    X(JUMP)             /* target */ \
    X(JUMP_IF_ZERO)     /* target: pops an i32 */ \
    X(JUMP_IF_NONZERO)  /* target: pops an i32 */ \
    X(BR)               /* target dest keep */ \
    X(BR_IF)            /* target dest keep: pops an i32 */ \
    X(BR_TABLE)         /* count, then count+1 triples (target dest keep): pops an i32 */ \
    X(RETURN)           /* result slots */ \
    X(LOOP)             /* checks the store's interrupt flag on every iteration */ \
    X(CALL)             /* function index */ \
    X(CALL_INDIRECT)    /* type index, table index */ \
    X(DROP)             /* slots */ \
    X(SELECT)           /* one-slot operands */ \
    X(SELECT_V128) \
    X(LOCAL_GET)        /* slot */ \
    X(LOCAL_SET)        /* slot */ \
    X(LOCAL_TEE)        /* slot */ \
    X(LOCAL_GET_V128)   /* slot */ \
    X(LOCAL_SET_V128)   /* slot */ \
    X(LOCAL_TEE_V128)   /* slot */ \
    X(LOCAL_COPY)       /* from slot, to slot: local.get a; local.set b */ \
    X(LOCAL_GET2)       /* slot, slot: local.get a; local.get b */ \
    X(LOCAL_SET_CONST)  /* value (2 words), slot: i32/i64/f32/f64.const c; local.set x */ \
    X(GLOBAL_GET)       /* global index */ \
    X(GLOBAL_SET)       /* global index */ \
    X(GLOBAL_GET_V128)  /* global index */ \
    X(GLOBAL_SET_V128)  /* global index */ \
    X(CONST)            /* the slot's 64-bit value (i32, i64, f32, f64 bits): 2 words */ \
    X(V128_CONST)       /* four words */ \
    X(I32_LOAD) X(I64_LOAD) X(F32_LOAD) X(F64_LOAD) /* offset, for every load and store */ \
    X(I32_LOAD8_S) X(I32_LOAD8_U) X(I32_LOAD16_S) X(I32_LOAD16_U) \
    X(I64_LOAD8_S) X(I64_LOAD8_U) X(I64_LOAD16_S) X(I64_LOAD16_U) X(I64_LOAD32_S) X(I64_LOAD32_U) \
    X(I32_STORE) X(I64_STORE) X(F32_STORE) X(F64_STORE) \
    X(I32_STORE8) X(I32_STORE16) X(I64_STORE8) X(I64_STORE16) X(I64_STORE32) \
    X(MEMORY_SIZE) X(MEMORY_GROW) \
    X(I32_EQZ) X(I32_EQ) X(I32_NE) X(I32_LT_S) X(I32_LT_U) X(I32_GT_S) X(I32_GT_U) \
    X(I32_LE_S) X(I32_LE_U) X(I32_GE_S) X(I32_GE_U) \
    X(I64_EQZ) X(I64_EQ) X(I64_NE) X(I64_LT_S) X(I64_LT_U) X(I64_GT_S) X(I64_GT_U) \
    X(I64_LE_S) X(I64_LE_U) X(I64_GE_S) X(I64_GE_U) \
    X(F32_EQ) X(F32_NE) X(F32_LT) X(F32_GT) X(F32_LE) X(F32_GE) \
    X(F64_EQ) X(F64_NE) X(F64_LT) X(F64_GT) X(F64_LE) X(F64_GE) \
    X(I32_CLZ) X(I32_CTZ) X(I32_POPCNT) X(I32_ADD) X(I32_SUB) X(I32_MUL) X(I32_DIV_S) \
    X(I32_DIV_U) X(I32_REM_S) X(I32_REM_U) X(I32_AND) X(I32_OR) X(I32_XOR) X(I32_SHL) \
    X(I32_SHR_S) X(I32_SHR_U) X(I32_ROTL) X(I32_ROTR) \
    X(I64_CLZ) X(I64_CTZ) X(I64_POPCNT) X(I64_ADD) X(I64_SUB) X(I64_MUL) X(I64_DIV_S) \
    X(I64_DIV_U) X(I64_REM_S) X(I64_REM_U) X(I64_AND) X(I64_OR) X(I64_XOR) X(I64_SHL) \
    X(I64_SHR_S) X(I64_SHR_U) X(I64_ROTL) X(I64_ROTR) \
    X(F32_ABS) X(F32_NEG) X(F32_CEIL) X(F32_FLOOR) X(F32_TRUNC) X(F32_NEAREST) X(F32_SQRT) \
    X(F32_ADD) X(F32_SUB) X(F32_MUL) X(F32_DIV) X(F32_MIN) X(F32_MAX) X(F32_COPYSIGN) \
    X(F64_ABS) X(F64_NEG) X(F64_CEIL) X(F64_FLOOR) X(F64_TRUNC) X(F64_NEAREST) X(F64_SQRT) \
    X(F64_ADD) X(F64_SUB) X(F64_MUL) X(F64_DIV) X(F64_MIN) X(F64_MAX) X(F64_COPYSIGN) \
    X(I32_WRAP_I64) X(I32_TRUNC_F32_S) X(I32_TRUNC_F32_U) X(I32_TRUNC_F64_S) X(I32_TRUNC_F64_U) \
    X(I64_EXTEND_I32_S) X(I64_EXTEND_I32_U) X(I64_TRUNC_F32_S) X(I64_TRUNC_F32_U) \
    X(I64_TRUNC_F64_S) X(I64_TRUNC_F64_U) \
    X(F32_CONVERT_I32_S) X(F32_CONVERT_I32_U) X(F32_CONVERT_I64_S) X(F32_CONVERT_I64_U) \
    X(F32_DEMOTE_F64) \
    X(F64_CONVERT_I32_S) X(F64_CONVERT_I32_U) X(F64_CONVERT_I64_S) X(F64_CONVERT_I64_U) \
    X(F64_PROMOTE_F32) \
    X(I32_EXTEND8_S) X(I32_EXTEND16_S) X(I64_EXTEND8_S) X(I64_EXTEND16_S) X(I64_EXTEND32_S) \
    X(I32_TRUNC_SAT_F32_S) X(I32_TRUNC_SAT_F32_U) X(I32_TRUNC_SAT_F64_S) X(I32_TRUNC_SAT_F64_U) \
    X(I64_TRUNC_SAT_F32_S) X(I64_TRUNC_SAT_F32_U) X(I64_TRUNC_SAT_F64_S) X(I64_TRUNC_SAT_F64_U) \
    X(MEMORY_INIT)      /* data segment */ \
    X(DATA_DROP)        /* data segment */ \
    X(MEMORY_COPY) X(MEMORY_FILL) \
    X(TABLE_INIT)       /* elem segment, table */ \
    X(ELEM_DROP)        /* elem segment */ \
    X(TABLE_COPY)       /* destination table, source table */ \
    X(TABLE_GROW) X(TABLE_SIZE) X(TABLE_FILL) X(TABLE_GET) X(TABLE_SET) /* table */ \
    X(REF_IS_NULL) \
    X(REF_FUNC)         /* function index */ \
    X(SIMD)             /* const wasm_simd_op *, immediate bytes pointer (or 0): 2 words each */ \
    X(SIMD_MEMORY)      /* const wasm_simd_op * (2 words), offset, lane */

/* Integer binary operators the compiler fuses with the instructions that pushed their
 * operands: `i32.const c; i32.add` becomes I32_ADD_IMM c (2 words), `local.get x; i32.add` becomes
 * I32_ADD_LOCAL slot, `local.get a; local.get b; i32.add` becomes I32_ADD_LOCALS slot slot
 * (pushing the result). One dispatch instead of two or three on the commonest sequences. */
#define WASM_FUSABLE_BINARY_OPS(X) \
    X(I32_ADD) X(I32_SUB) X(I32_MUL) X(I32_AND) X(I32_OR) X(I32_XOR) \
    X(I32_SHL) X(I32_SHR_S) X(I32_SHR_U) \
    X(I32_EQ) X(I32_NE) X(I32_LT_S) X(I32_LT_U) X(I32_GT_S) X(I32_GT_U) \
    X(I32_LE_S) X(I32_LE_U) X(I32_GE_S) X(I32_GE_U) \
    X(I64_ADD) X(I64_SUB) X(I64_MUL) X(I64_AND) X(I64_OR) X(I64_XOR) \
    X(I64_SHL) X(I64_SHR_S) X(I64_SHR_U) \
    X(I64_EQ) X(I64_NE) X(I64_LT_S) X(I64_LT_U) X(I64_GT_S) X(I64_GT_U) \
    X(I64_LE_S) X(I64_LE_U) X(I64_GE_S) X(I64_GE_U)

/* i32 comparisons the compiler fuses with the conditional jump that consumes them (br_if, if):
 * JUMP_I32_LT_S target, JUMP_I32_LT_S_IMM value (2 words) target. An `if` jumps on the inverse. */
#define WASM_FUSABLE_COMPARE_OPS(X) \
    X(I32_EQ) X(I32_NE) X(I32_LT_S) X(I32_LT_U) X(I32_GT_S) X(I32_GT_U) \
    X(I32_LE_S) X(I32_LE_U) X(I32_GE_S) X(I32_GE_U)

typedef enum wasm_internal_op {
#define WASM_INTERNAL_OP_ENUM(name) WASM_OP_##name,
    WASM_INTERNAL_OPS(WASM_INTERNAL_OP_ENUM)
#undef WASM_INTERNAL_OP_ENUM
#define WASM_FUSED_OP_ENUM(name) WASM_OP_##name##_IMM, WASM_OP_##name##_LOCAL, \
    WASM_OP_##name##_LOCALS,
    WASM_FUSABLE_BINARY_OPS(WASM_FUSED_OP_ENUM)
#undef WASM_FUSED_OP_ENUM
#define WASM_FUSED_JUMP_ENUM(name) WASM_OP_JUMP_##name, WASM_OP_JUMP_##name##_IMM,
    WASM_FUSABLE_COMPARE_OPS(WASM_FUSED_JUMP_ENUM)
#undef WASM_FUSED_JUMP_ENUM
    WASM_OP_COUNT_
} wasm_internal_op;

typedef uint32_t wasm_word;

/* A 64-bit immediate at p (two words). */
static inline uint64_t wasm_imm64(const wasm_word *p)
{
    uint64_t value;
    memcpy(&value, p, sizeof(value));
    return value;
}

/* A translated body: one allocation, sized exactly. */
typedef struct wasm_code {
    uint32_t max_slots;       /* the frame's largest height: locals plus operands */
    uint32_t length;          /* in words */
    wasm_word words[];
} wasm_code;

typedef struct wasm_compiled_func {
    /* NULL until the first call. The module is shared between stores and threads, so the
     * body is published with compare-and-swap: a thread that loses the race to compile it
     * frees its own copy and uses the winner's (both are identical). Lock-free, and the
     * call path pays one acquire load (a plain load on x86). Never changes once set. */
    _Atomic(wasm_code *) body;
    uint32_t type_index;
    uint32_t param_slots;
    uint32_t local_slots;     /* parameters and declared locals */
    uint32_t result_slots;
} wasm_compiled_func;

struct wasm_compiled {
    uint32_t func_count;      /* the module's defined functions, in code-section order */
    wasm_compiled_func *funcs;
};

/* The translated body of defined function code_index (in code-section order), compiling and
 * publishing it on first use. Thread-safe. NULL with err (WC_ERESOURCE) when out of memory. */
const wasm_code *wasm_compiled_body(const wasm_module *module, uint32_t code_index,
                                    wc_error *err);

/* Slots a value of the type occupies. */
static inline uint32_t wasm_slot_width(wasm_valtype type)
{
    return type == WASM_V128 ? 2u : 1u;
}

static inline uint32_t wasm_slot_count(const wasm_valtype *types, uint32_t count)
{
    uint32_t slots = 0;
    for (uint32_t i = 0; i < count; i++)
        slots += wasm_slot_width(types[i]);
    return slots;
}

#endif
