/* simd.c - the 128-bit SIMD instructions: the op table (what each opcode takes and gives) and
 * the lane semantics. Lanes are read and written byte by byte, little-endian, so the code does
 * not depend on the host's byte order. Pure functions, no allocation, no mutable state. */
#include "wasm/simd.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* The op table, indexed by opcode (every SIMD opcode of Wasm 2.0 is < 256). Unused slots have
 * name == NULL. */

#define NO_TYPE ((wasm_valtype)0)
#define V WASM_V128

#define ENTRY(code, nm, imm, mem, lanes, bytes, np, p0, p1, p2, nr, res)                        \
    [code] = { .opcode = (code), .name = (nm), .immediate = (imm), .memory = (mem),             \
               .lane_count = (lanes), .access_bytes = (bytes), .param_count = (np),             \
               .params = { p0, p1, p2 }, .result_count = (nr), .result = (res) }

/* v128 -> v128 */
#define UNARY(code, nm) ENTRY(code, nm, WASM_SIMD_IMM_NONE, WASM_SIMD_NOT_MEMORY, 0, 0, 1, V, NO_TYPE, NO_TYPE, 1, V)
/* v128 v128 -> v128 */
#define BINARY(code, nm) ENTRY(code, nm, WASM_SIMD_IMM_NONE, WASM_SIMD_NOT_MEMORY, 0, 0, 2, V, V, NO_TYPE, 1, V)
/* v128 v128 v128 -> v128 */
#define TERNARY(code, nm) ENTRY(code, nm, WASM_SIMD_IMM_NONE, WASM_SIMD_NOT_MEMORY, 0, 0, 3, V, V, V, 1, V)
/* v128 -> i32 */
#define TEST(code, nm) ENTRY(code, nm, WASM_SIMD_IMM_NONE, WASM_SIMD_NOT_MEMORY, 0, 0, 1, V, NO_TYPE, NO_TYPE, 1, WASM_I32)
/* v128 i32 -> v128 */
#define SHIFT(code, nm) ENTRY(code, nm, WASM_SIMD_IMM_NONE, WASM_SIMD_NOT_MEMORY, 0, 0, 2, V, WASM_I32, NO_TYPE, 1, V)
/* t -> v128 */
#define SPLAT(code, nm, t) ENTRY(code, nm, WASM_SIMD_IMM_NONE, WASM_SIMD_NOT_MEMORY, 0, 0, 1, t, NO_TYPE, NO_TYPE, 1, V)
/* v128 -> t, lane immediate */
#define EXTRACT(code, nm, lanes, t) ENTRY(code, nm, WASM_SIMD_IMM_LANE, WASM_SIMD_NOT_MEMORY, lanes, 0, 1, V, NO_TYPE, NO_TYPE, 1, t)
/* v128 t -> v128, lane immediate */
#define REPLACE(code, nm, lanes, t) ENTRY(code, nm, WASM_SIMD_IMM_LANE, WASM_SIMD_NOT_MEMORY, lanes, 0, 2, V, t, NO_TYPE, 1, V)
/* i32 -> v128, memarg */
#define LOAD(code, nm, bytes) ENTRY(code, nm, WASM_SIMD_IMM_MEMARG, WASM_SIMD_LOAD, 0, bytes, 1, WASM_I32, NO_TYPE, NO_TYPE, 1, V)
/* i32 v128 -> v128, memarg + lane */
#define LOAD_LANE(code, nm, bytes) ENTRY(code, nm, WASM_SIMD_IMM_MEMARG_LANE, WASM_SIMD_LOAD_LANE, 16 / (bytes), bytes, 2, WASM_I32, V, NO_TYPE, 1, V)
/* i32 v128 -> (), memarg */
#define STORE(code, nm) ENTRY(code, nm, WASM_SIMD_IMM_MEMARG, WASM_SIMD_STORE, 0, 16, 2, WASM_I32, V, NO_TYPE, 0, NO_TYPE)
/* i32 v128 -> (), memarg + lane */
#define STORE_LANE(code, nm, bytes) ENTRY(code, nm, WASM_SIMD_IMM_MEMARG_LANE, WASM_SIMD_STORE_LANE, 16 / (bytes), bytes, 2, WASM_I32, V, NO_TYPE, 0, NO_TYPE)

static const wasm_simd_op simd_ops[256] = {
    LOAD(0x00, "v128.load", 16),
    LOAD(0x01, "v128.load8x8_s", 8),
    LOAD(0x02, "v128.load8x8_u", 8),
    LOAD(0x03, "v128.load16x4_s", 8),
    LOAD(0x04, "v128.load16x4_u", 8),
    LOAD(0x05, "v128.load32x2_s", 8),
    LOAD(0x06, "v128.load32x2_u", 8),
    LOAD(0x07, "v128.load8_splat", 1),
    LOAD(0x08, "v128.load16_splat", 2),
    LOAD(0x09, "v128.load32_splat", 4),
    LOAD(0x0a, "v128.load64_splat", 8),
    STORE(0x0b, "v128.store"),
    ENTRY(0x0c, "v128.const", WASM_SIMD_IMM_V128, WASM_SIMD_NOT_MEMORY, 0, 0, 0, NO_TYPE, NO_TYPE, NO_TYPE, 1, V),
    /* lane_count 32: each shuffle index picks one of the 32 bytes of both operands */
    ENTRY(0x0d, "i8x16.shuffle", WASM_SIMD_IMM_SHUFFLE, WASM_SIMD_NOT_MEMORY, 32, 0, 2, V, V, NO_TYPE, 1, V),
    BINARY(0x0e, "i8x16.swizzle"),
    SPLAT(0x0f, "i8x16.splat", WASM_I32),
    SPLAT(0x10, "i16x8.splat", WASM_I32),
    SPLAT(0x11, "i32x4.splat", WASM_I32),
    SPLAT(0x12, "i64x2.splat", WASM_I64),
    SPLAT(0x13, "f32x4.splat", WASM_F32),
    SPLAT(0x14, "f64x2.splat", WASM_F64),
    EXTRACT(0x15, "i8x16.extract_lane_s", 16, WASM_I32),
    EXTRACT(0x16, "i8x16.extract_lane_u", 16, WASM_I32),
    REPLACE(0x17, "i8x16.replace_lane", 16, WASM_I32),
    EXTRACT(0x18, "i16x8.extract_lane_s", 8, WASM_I32),
    EXTRACT(0x19, "i16x8.extract_lane_u", 8, WASM_I32),
    REPLACE(0x1a, "i16x8.replace_lane", 8, WASM_I32),
    EXTRACT(0x1b, "i32x4.extract_lane", 4, WASM_I32),
    REPLACE(0x1c, "i32x4.replace_lane", 4, WASM_I32),
    EXTRACT(0x1d, "i64x2.extract_lane", 2, WASM_I64),
    REPLACE(0x1e, "i64x2.replace_lane", 2, WASM_I64),
    EXTRACT(0x1f, "f32x4.extract_lane", 4, WASM_F32),
    REPLACE(0x20, "f32x4.replace_lane", 4, WASM_F32),
    EXTRACT(0x21, "f64x2.extract_lane", 2, WASM_F64),
    REPLACE(0x22, "f64x2.replace_lane", 2, WASM_F64),
    BINARY(0x23, "i8x16.eq"),
    BINARY(0x24, "i8x16.ne"),
    BINARY(0x25, "i8x16.lt_s"),
    BINARY(0x26, "i8x16.lt_u"),
    BINARY(0x27, "i8x16.gt_s"),
    BINARY(0x28, "i8x16.gt_u"),
    BINARY(0x29, "i8x16.le_s"),
    BINARY(0x2a, "i8x16.le_u"),
    BINARY(0x2b, "i8x16.ge_s"),
    BINARY(0x2c, "i8x16.ge_u"),
    BINARY(0x2d, "i16x8.eq"),
    BINARY(0x2e, "i16x8.ne"),
    BINARY(0x2f, "i16x8.lt_s"),
    BINARY(0x30, "i16x8.lt_u"),
    BINARY(0x31, "i16x8.gt_s"),
    BINARY(0x32, "i16x8.gt_u"),
    BINARY(0x33, "i16x8.le_s"),
    BINARY(0x34, "i16x8.le_u"),
    BINARY(0x35, "i16x8.ge_s"),
    BINARY(0x36, "i16x8.ge_u"),
    BINARY(0x37, "i32x4.eq"),
    BINARY(0x38, "i32x4.ne"),
    BINARY(0x39, "i32x4.lt_s"),
    BINARY(0x3a, "i32x4.lt_u"),
    BINARY(0x3b, "i32x4.gt_s"),
    BINARY(0x3c, "i32x4.gt_u"),
    BINARY(0x3d, "i32x4.le_s"),
    BINARY(0x3e, "i32x4.le_u"),
    BINARY(0x3f, "i32x4.ge_s"),
    BINARY(0x40, "i32x4.ge_u"),
    BINARY(0x41, "f32x4.eq"),
    BINARY(0x42, "f32x4.ne"),
    BINARY(0x43, "f32x4.lt"),
    BINARY(0x44, "f32x4.gt"),
    BINARY(0x45, "f32x4.le"),
    BINARY(0x46, "f32x4.ge"),
    BINARY(0x47, "f64x2.eq"),
    BINARY(0x48, "f64x2.ne"),
    BINARY(0x49, "f64x2.lt"),
    BINARY(0x4a, "f64x2.gt"),
    BINARY(0x4b, "f64x2.le"),
    BINARY(0x4c, "f64x2.ge"),
    UNARY(0x4d, "v128.not"),
    BINARY(0x4e, "v128.and"),
    BINARY(0x4f, "v128.andnot"),
    BINARY(0x50, "v128.or"),
    BINARY(0x51, "v128.xor"),
    TERNARY(0x52, "v128.bitselect"),
    TEST(0x53, "v128.any_true"),
    LOAD_LANE(0x54, "v128.load8_lane", 1),
    LOAD_LANE(0x55, "v128.load16_lane", 2),
    LOAD_LANE(0x56, "v128.load32_lane", 4),
    LOAD_LANE(0x57, "v128.load64_lane", 8),
    STORE_LANE(0x58, "v128.store8_lane", 1),
    STORE_LANE(0x59, "v128.store16_lane", 2),
    STORE_LANE(0x5a, "v128.store32_lane", 4),
    STORE_LANE(0x5b, "v128.store64_lane", 8),
    LOAD(0x5c, "v128.load32_zero", 4),
    LOAD(0x5d, "v128.load64_zero", 8),
    UNARY(0x5e, "f32x4.demote_f64x2_zero"),
    UNARY(0x5f, "f64x2.promote_low_f32x4"),
    UNARY(0x60, "i8x16.abs"),
    UNARY(0x61, "i8x16.neg"),
    UNARY(0x62, "i8x16.popcnt"),
    TEST(0x63, "i8x16.all_true"),
    TEST(0x64, "i8x16.bitmask"),
    BINARY(0x65, "i8x16.narrow_i16x8_s"),
    BINARY(0x66, "i8x16.narrow_i16x8_u"),
    UNARY(0x67, "f32x4.ceil"),
    UNARY(0x68, "f32x4.floor"),
    UNARY(0x69, "f32x4.trunc"),
    UNARY(0x6a, "f32x4.nearest"),
    SHIFT(0x6b, "i8x16.shl"),
    SHIFT(0x6c, "i8x16.shr_s"),
    SHIFT(0x6d, "i8x16.shr_u"),
    BINARY(0x6e, "i8x16.add"),
    BINARY(0x6f, "i8x16.add_sat_s"),
    BINARY(0x70, "i8x16.add_sat_u"),
    BINARY(0x71, "i8x16.sub"),
    BINARY(0x72, "i8x16.sub_sat_s"),
    BINARY(0x73, "i8x16.sub_sat_u"),
    UNARY(0x74, "f64x2.ceil"),
    UNARY(0x75, "f64x2.floor"),
    BINARY(0x76, "i8x16.min_s"),
    BINARY(0x77, "i8x16.min_u"),
    BINARY(0x78, "i8x16.max_s"),
    BINARY(0x79, "i8x16.max_u"),
    UNARY(0x7a, "f64x2.trunc"),
    BINARY(0x7b, "i8x16.avgr_u"),
    UNARY(0x7c, "i16x8.extadd_pairwise_i8x16_s"),
    UNARY(0x7d, "i16x8.extadd_pairwise_i8x16_u"),
    UNARY(0x7e, "i32x4.extadd_pairwise_i16x8_s"),
    UNARY(0x7f, "i32x4.extadd_pairwise_i16x8_u"),
    UNARY(0x80, "i16x8.abs"),
    UNARY(0x81, "i16x8.neg"),
    BINARY(0x82, "i16x8.q15mulr_sat_s"),
    TEST(0x83, "i16x8.all_true"),
    TEST(0x84, "i16x8.bitmask"),
    BINARY(0x85, "i16x8.narrow_i32x4_s"),
    BINARY(0x86, "i16x8.narrow_i32x4_u"),
    UNARY(0x87, "i16x8.extend_low_i8x16_s"),
    UNARY(0x88, "i16x8.extend_high_i8x16_s"),
    UNARY(0x89, "i16x8.extend_low_i8x16_u"),
    UNARY(0x8a, "i16x8.extend_high_i8x16_u"),
    SHIFT(0x8b, "i16x8.shl"),
    SHIFT(0x8c, "i16x8.shr_s"),
    SHIFT(0x8d, "i16x8.shr_u"),
    BINARY(0x8e, "i16x8.add"),
    BINARY(0x8f, "i16x8.add_sat_s"),
    BINARY(0x90, "i16x8.add_sat_u"),
    BINARY(0x91, "i16x8.sub"),
    BINARY(0x92, "i16x8.sub_sat_s"),
    BINARY(0x93, "i16x8.sub_sat_u"),
    UNARY(0x94, "f64x2.nearest"),
    BINARY(0x95, "i16x8.mul"),
    BINARY(0x96, "i16x8.min_s"),
    BINARY(0x97, "i16x8.min_u"),
    BINARY(0x98, "i16x8.max_s"),
    BINARY(0x99, "i16x8.max_u"),
    BINARY(0x9b, "i16x8.avgr_u"),
    BINARY(0x9c, "i16x8.extmul_low_i8x16_s"),
    BINARY(0x9d, "i16x8.extmul_high_i8x16_s"),
    BINARY(0x9e, "i16x8.extmul_low_i8x16_u"),
    BINARY(0x9f, "i16x8.extmul_high_i8x16_u"),
    UNARY(0xa0, "i32x4.abs"),
    UNARY(0xa1, "i32x4.neg"),
    TEST(0xa3, "i32x4.all_true"),
    TEST(0xa4, "i32x4.bitmask"),
    UNARY(0xa7, "i32x4.extend_low_i16x8_s"),
    UNARY(0xa8, "i32x4.extend_high_i16x8_s"),
    UNARY(0xa9, "i32x4.extend_low_i16x8_u"),
    UNARY(0xaa, "i32x4.extend_high_i16x8_u"),
    SHIFT(0xab, "i32x4.shl"),
    SHIFT(0xac, "i32x4.shr_s"),
    SHIFT(0xad, "i32x4.shr_u"),
    BINARY(0xae, "i32x4.add"),
    BINARY(0xb1, "i32x4.sub"),
    BINARY(0xb5, "i32x4.mul"),
    BINARY(0xb6, "i32x4.min_s"),
    BINARY(0xb7, "i32x4.min_u"),
    BINARY(0xb8, "i32x4.max_s"),
    BINARY(0xb9, "i32x4.max_u"),
    BINARY(0xba, "i32x4.dot_i16x8_s"),
    BINARY(0xbc, "i32x4.extmul_low_i16x8_s"),
    BINARY(0xbd, "i32x4.extmul_high_i16x8_s"),
    BINARY(0xbe, "i32x4.extmul_low_i16x8_u"),
    BINARY(0xbf, "i32x4.extmul_high_i16x8_u"),
    UNARY(0xc0, "i64x2.abs"),
    UNARY(0xc1, "i64x2.neg"),
    TEST(0xc3, "i64x2.all_true"),
    TEST(0xc4, "i64x2.bitmask"),
    UNARY(0xc7, "i64x2.extend_low_i32x4_s"),
    UNARY(0xc8, "i64x2.extend_high_i32x4_s"),
    UNARY(0xc9, "i64x2.extend_low_i32x4_u"),
    UNARY(0xca, "i64x2.extend_high_i32x4_u"),
    SHIFT(0xcb, "i64x2.shl"),
    SHIFT(0xcc, "i64x2.shr_s"),
    SHIFT(0xcd, "i64x2.shr_u"),
    BINARY(0xce, "i64x2.add"),
    BINARY(0xd1, "i64x2.sub"),
    BINARY(0xd5, "i64x2.mul"),
    BINARY(0xd6, "i64x2.eq"),
    BINARY(0xd7, "i64x2.ne"),
    BINARY(0xd8, "i64x2.lt_s"),
    BINARY(0xd9, "i64x2.gt_s"),
    BINARY(0xda, "i64x2.le_s"),
    BINARY(0xdb, "i64x2.ge_s"),
    BINARY(0xdc, "i64x2.extmul_low_i32x4_s"),
    BINARY(0xdd, "i64x2.extmul_high_i32x4_s"),
    BINARY(0xde, "i64x2.extmul_low_i32x4_u"),
    BINARY(0xdf, "i64x2.extmul_high_i32x4_u"),
    UNARY(0xe0, "f32x4.abs"),
    UNARY(0xe1, "f32x4.neg"),
    UNARY(0xe3, "f32x4.sqrt"),
    BINARY(0xe4, "f32x4.add"),
    BINARY(0xe5, "f32x4.sub"),
    BINARY(0xe6, "f32x4.mul"),
    BINARY(0xe7, "f32x4.div"),
    BINARY(0xe8, "f32x4.min"),
    BINARY(0xe9, "f32x4.max"),
    BINARY(0xea, "f32x4.pmin"),
    BINARY(0xeb, "f32x4.pmax"),
    UNARY(0xec, "f64x2.abs"),
    UNARY(0xed, "f64x2.neg"),
    UNARY(0xef, "f64x2.sqrt"),
    BINARY(0xf0, "f64x2.add"),
    BINARY(0xf1, "f64x2.sub"),
    BINARY(0xf2, "f64x2.mul"),
    BINARY(0xf3, "f64x2.div"),
    BINARY(0xf4, "f64x2.min"),
    BINARY(0xf5, "f64x2.max"),
    BINARY(0xf6, "f64x2.pmin"),
    BINARY(0xf7, "f64x2.pmax"),
    UNARY(0xf8, "i32x4.trunc_sat_f32x4_s"),
    UNARY(0xf9, "i32x4.trunc_sat_f32x4_u"),
    UNARY(0xfa, "f32x4.convert_i32x4_s"),
    UNARY(0xfb, "f32x4.convert_i32x4_u"),
    UNARY(0xfc, "i32x4.trunc_sat_f64x2_s_zero"),
    UNARY(0xfd, "i32x4.trunc_sat_f64x2_u_zero"),
    UNARY(0xfe, "f64x2.convert_low_i32x4_s"),
    UNARY(0xff, "f64x2.convert_low_i32x4_u"),
};

const wasm_simd_op *wasm_simd_op_lookup(uint32_t opcode)
{
    if (opcode >= sizeof simd_ops / sizeof simd_ops[0] || simd_ops[opcode].name == NULL)
        return NULL;
    return &simd_ops[opcode];
}

/* Placeholders until the semantics land: every result is zero. */
void wasm_simd_execute(uint32_t opcode, const uint8_t *immediate, const wasm_v128 *operands,
                       wasm_v128 *result)
{
    (void)opcode;
    (void)immediate;
    (void)operands;
    memset(result, 0, sizeof *result);
}

void wasm_simd_load(uint32_t opcode, const uint8_t *src, const wasm_v128 *vector, uint8_t lane,
                    wasm_v128 *result)
{
    (void)opcode;
    (void)src;
    (void)vector;
    (void)lane;
    memset(result, 0, sizeof *result);
}

void wasm_simd_store(uint32_t opcode, const wasm_v128 *vector, uint8_t lane, uint8_t *dst)
{
    (void)opcode;
    (void)vector;
    (void)lane;
    (void)dst;
}
