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


/* ------------------------------------------------------------------------------------------ */
/* Lane access. A lane is `bits` wide (8, 16, 32 or 64); its value travels as a uint64_t holding
 * the lane's bits zero-extended. */

static uint64_t lane_get(const wasm_v128 *v, unsigned bits, unsigned index)
{
    unsigned width = bits / 8;
    uint64_t value = 0;
    for (unsigned k = 0; k < width; k++)
        value |= (uint64_t)v->bytes[index * width + k] << (8 * k);
    return value;
}

static void lane_set(wasm_v128 *v, unsigned bits, unsigned index, uint64_t value)
{
    unsigned width = bits / 8;
    for (unsigned k = 0; k < width; k++)
        v->bytes[index * width + k] = (uint8_t)(value >> (8 * k));
}

static uint64_t all_ones(unsigned bits)
{
    return bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

/* The lane's bits read as a two's complement number (no implementation-defined casts). */
static int64_t as_signed(uint64_t value, unsigned bits)
{
    value &= all_ones(bits);
    if (value & (UINT64_C(1) << (bits - 1)))
        return -(int64_t)(~value & all_ones(bits)) - 1;
    return (int64_t)value;
}

/* Arithmetic shift right, without relying on how the compiler shifts negative numbers. */
static int64_t shift_right_signed(int64_t value, unsigned count)
{
    return value < 0 ? ~(~value >> count) : value >> count;
}

static int64_t clamp(int64_t value, int64_t low, int64_t high)
{
    return value < low ? low : value > high ? high : value;
}

static int64_t signed_min(unsigned bits) { return -(int64_t)(UINT64_C(1) << (bits - 1)); }
static int64_t signed_max(unsigned bits) { return (int64_t)((UINT64_C(1) << (bits - 1)) - 1); }

/* Reads a lane extended to 64 bits, signed or unsigned; as a uint64_t so sums and products of
 * such values wrap instead of overflowing. */
static uint64_t lane_extended(const wasm_v128 *v, unsigned bits, unsigned index, bool is_signed)
{
    uint64_t value = lane_get(v, bits, index);
    return is_signed ? (uint64_t)as_signed(value, bits) : value;
}

static float f32_from_bits(uint64_t bits)
{
    uint32_t u = (uint32_t)bits;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint64_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static double f64_from_bits(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static uint64_t f64_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* ------------------------------------------------------------------------------------------ */
/* Integer lanes. */

enum int_binop {
    /* the comparisons come in opcode order: eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u */
    INT_EQ, INT_NE, INT_LT_S, INT_LT_U, INT_GT_S, INT_GT_U, INT_LE_S, INT_LE_U, INT_GE_S, INT_GE_U,
    INT_ADD, INT_SUB, INT_MUL,
    INT_ADD_SAT_S, INT_ADD_SAT_U, INT_SUB_SAT_S, INT_SUB_SAT_U,
    INT_MIN_S, INT_MIN_U, INT_MAX_S, INT_MAX_U,
    INT_AVGR_U, INT_Q15MULR_SAT_S,
};

/* a and b are zero-extended lane bits; the result is truncated to the lane by lane_set. The
 * saturating, averaging and q15 ops exist only for 8- and 16-bit lanes, so their intermediate
 * values fit comfortably in 64 bits. */
static uint64_t int_binop_lane(enum int_binop op, unsigned bits, uint64_t a, uint64_t b)
{
    int64_t sa = as_signed(a, bits), sb = as_signed(b, bits);
    uint64_t ones = all_ones(bits);
    switch (op) {
    case INT_EQ:   return a == b ? ones : 0;
    case INT_NE:   return a != b ? ones : 0;
    case INT_LT_S: return sa < sb ? ones : 0;
    case INT_LT_U: return a < b ? ones : 0;
    case INT_GT_S: return sa > sb ? ones : 0;
    case INT_GT_U: return a > b ? ones : 0;
    case INT_LE_S: return sa <= sb ? ones : 0;
    case INT_LE_U: return a <= b ? ones : 0;
    case INT_GE_S: return sa >= sb ? ones : 0;
    case INT_GE_U: return a >= b ? ones : 0;
    case INT_ADD:  return a + b;
    case INT_SUB:  return a - b;
    case INT_MUL:  return a * b;
    case INT_ADD_SAT_S: return (uint64_t)clamp(sa + sb, signed_min(bits), signed_max(bits));
    case INT_ADD_SAT_U: return a + b > ones ? ones : a + b;
    case INT_SUB_SAT_S: return (uint64_t)clamp(sa - sb, signed_min(bits), signed_max(bits));
    case INT_SUB_SAT_U: return a > b ? a - b : 0;
    case INT_MIN_S: return sa < sb ? a : b;
    case INT_MIN_U: return a < b ? a : b;
    case INT_MAX_S: return sa > sb ? a : b;
    case INT_MAX_U: return a > b ? a : b;
    case INT_AVGR_U: return (a + b + 1) >> 1;
    case INT_Q15MULR_SAT_S:
        return (uint64_t)clamp(shift_right_signed(sa * sb + 0x4000, 15), signed_min(bits),
                               signed_max(bits));
    }
    return 0;
}

static void int_binary(enum int_binop op, unsigned bits, const wasm_v128 *a, const wasm_v128 *b,
                       wasm_v128 *out)
{
    for (unsigned i = 0; i < 128 / bits; i++)
        lane_set(out, bits, i, int_binop_lane(op, bits, lane_get(a, bits, i), lane_get(b, bits, i)));
}

enum int_unop { INT_ABS, INT_NEG, INT_POPCNT };

static void int_unary(enum int_unop op, unsigned bits, const wasm_v128 *a, wasm_v128 *out)
{
    for (unsigned i = 0; i < 128 / bits; i++) {
        uint64_t value = lane_get(a, bits, i), r = 0;
        switch (op) {
        case INT_ABS:
            r = as_signed(value, bits) < 0 ? 0 - value : value; /* the minimum stays itself */
            break;
        case INT_NEG:
            r = 0 - value;
            break;
        case INT_POPCNT:
            for (; value; value &= value - 1)
                r++;
            break;
        }
        lane_set(out, bits, i, r);
    }
}

enum shift_op { SHIFT_LEFT, SHIFT_RIGHT_S, SHIFT_RIGHT_U };

static void int_shift(enum shift_op op, unsigned bits, const wasm_v128 *a, const wasm_v128 *count,
                      wasm_v128 *out)
{
    unsigned n = (unsigned)(lane_get(count, 32, 0) % bits); /* the spec takes it modulo the width */
    for (unsigned i = 0; i < 128 / bits; i++) {
        uint64_t value = lane_get(a, bits, i);
        uint64_t r = op == SHIFT_LEFT ? value << n
                   : op == SHIFT_RIGHT_U ? value >> n
                   : (uint64_t)shift_right_signed(as_signed(value, bits), n);
        lane_set(out, bits, i, r);
    }
}

/* Widens half of a's lanes (low or high) to twice their width. */
static void int_extend(unsigned src_bits, bool high, bool is_signed, const wasm_v128 *a,
                       wasm_v128 *out)
{
    unsigned count = 64 / src_bits;
    for (unsigned i = 0; i < count; i++)
        lane_set(out, src_bits * 2, i, lane_extended(a, src_bits, (high ? count : 0) + i, is_signed));
}

/* Halves the lane width of a then b, saturating the signed source lanes into the new range. */
static void int_narrow(unsigned src_bits, bool is_signed, const wasm_v128 *a, const wasm_v128 *b,
                       wasm_v128 *out)
{
    unsigned bits = src_bits / 2, count = 128 / src_bits;
    int64_t low = is_signed ? signed_min(bits) : 0;
    int64_t high = is_signed ? signed_max(bits) : (int64_t)all_ones(bits);
    for (unsigned i = 0; i < 2 * count; i++) {
        const wasm_v128 *src = i < count ? a : b;
        int64_t value = as_signed(lane_get(src, src_bits, i % count), src_bits);
        lane_set(out, bits, i, (uint64_t)clamp(value, low, high));
    }
}

static void int_extmul(unsigned src_bits, bool high, bool is_signed, const wasm_v128 *a,
                       const wasm_v128 *b, wasm_v128 *out)
{
    unsigned count = 64 / src_bits, first = high ? count : 0;
    for (unsigned i = 0; i < count; i++)
        lane_set(out, src_bits * 2, i,
                 lane_extended(a, src_bits, first + i, is_signed) *
                     lane_extended(b, src_bits, first + i, is_signed));
}

static void int_extadd_pairwise(unsigned src_bits, bool is_signed, const wasm_v128 *a,
                                wasm_v128 *out)
{
    for (unsigned i = 0; i < 64 / src_bits; i++)
        lane_set(out, src_bits * 2, i,
                 lane_extended(a, src_bits, 2 * i, is_signed) +
                     lane_extended(a, src_bits, 2 * i + 1, is_signed));
}

static void i32x4_dot_i16x8_s(const wasm_v128 *a, const wasm_v128 *b, wasm_v128 *out)
{
    for (unsigned i = 0; i < 4; i++) {
        uint64_t sum = lane_extended(a, 16, 2 * i, true) * lane_extended(b, 16, 2 * i, true) +
                       lane_extended(a, 16, 2 * i + 1, true) * lane_extended(b, 16, 2 * i + 1, true);
        lane_set(out, 32, i, sum); /* wraps: only -32768 * -32768 * 2 overflows */
    }
}

static uint32_t bitmask(unsigned bits, const wasm_v128 *a)
{
    uint32_t mask = 0;
    for (unsigned i = 0; i < 128 / bits; i++)
        if (lane_get(a, bits, i) >> (bits - 1))
            mask |= UINT32_C(1) << i;
    return mask;
}

static uint32_t all_true(unsigned bits, const wasm_v128 *a)
{
    for (unsigned i = 0; i < 128 / bits; i++)
        if (lane_get(a, bits, i) == 0)
            return 0;
    return 1;
}

static uint32_t any_true(const wasm_v128 *a)
{
    for (unsigned i = 0; i < 16; i++)
        if (a->bytes[i])
            return 1;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Float lanes: C arithmetic is IEEE 754 with round-to-nearest-even; a NaN operand yields a quiet
 * NaN (its payload kept, or the canonical NaN), which is what the spec allows. */

enum float_binop {
    /* the comparisons come in opcode order: eq ne lt gt le ge */
    FLOAT_EQ, FLOAT_NE, FLOAT_LT, FLOAT_GT, FLOAT_LE, FLOAT_GE,
    FLOAT_ADD, FLOAT_SUB, FLOAT_MUL, FLOAT_DIV, FLOAT_MIN, FLOAT_MAX, FLOAT_PMIN, FLOAT_PMAX,
};

enum float_unop { FLOAT_SQRT, FLOAT_CEIL, FLOAT_FLOOR, FLOAT_TRUNC, FLOAT_NEAREST };

/* The f32 and f64 versions are the same code on different types. ONES is the lane mask. */
#define DEFINE_FLOAT_OPS(T, NAME, SUFFIX, TO_BITS, ONES)                                    \
    static uint64_t NAME##_binop_lane(enum float_binop op, T a, T b)                          \
    {                                                                                           \
        switch (op) {                                                                           \
        case FLOAT_EQ: return a == b ? ONES : 0;                                                \
        case FLOAT_NE: return a != b ? ONES : 0;                                                \
        case FLOAT_LT: return a < b ? ONES : 0;                                                 \
        case FLOAT_GT: return a > b ? ONES : 0;                                                 \
        case FLOAT_LE: return a <= b ? ONES : 0;                                                \
        case FLOAT_GE: return a >= b ? ONES : 0;                                                \
        case FLOAT_ADD: return TO_BITS(a + b);                                                  \
        case FLOAT_SUB: return TO_BITS(a - b);                                                  \
        case FLOAT_MUL: return TO_BITS(a * b);                                                  \
        case FLOAT_DIV: return TO_BITS(a / b);                                                  \
        case FLOAT_MIN:                                                                         \
        case FLOAT_MAX:                                                                         \
            /* NaN wins (made quiet by the addition); -0 is below +0 */                          \
            if (isnan(a) || isnan(b))                                                           \
                return TO_BITS(a + b);                                                          \
            if (a == b)                                                                         \
                return op == FLOAT_MIN ? TO_BITS(a) | TO_BITS(b) : TO_BITS(a) & TO_BITS(b);     \
            return TO_BITS(op == FLOAT_MIN ? (a < b ? a : b) : (a > b ? a : b));                \
        /* pseudo-min/max: exactly `b < a ? b : a` and `a < b ? b : a`, NaNs included */         \
        case FLOAT_PMIN: return TO_BITS(b < a ? b : a);                                         \
        case FLOAT_PMAX: return TO_BITS(a < b ? b : a);                                         \
        }                                                                                       \
        return 0;                                                                               \
    }                                                                                           \
    static uint64_t NAME##_unop_lane(enum float_unop op, T a)                                 \
    {                                                                                           \
        /* libm's rounding functions may return a signalling NaN as is: quiet it */             \
        if (isnan(a))                                                                           \
            return TO_BITS(a + a);                                                              \
        switch (op) {                                                                           \
        case FLOAT_SQRT: return TO_BITS(sqrt##SUFFIX(a));                                       \
        case FLOAT_CEIL: return TO_BITS(ceil##SUFFIX(a));                                       \
        case FLOAT_FLOOR: return TO_BITS(floor##SUFFIX(a));                                     \
        case FLOAT_TRUNC: return TO_BITS(trunc##SUFFIX(a));                                     \
        /* the default rounding mode rounds half to even, as the spec's nearest does */         \
        case FLOAT_NEAREST: return TO_BITS(nearbyint##SUFFIX(a));                               \
        }                                                                                       \
        return 0;                                                                               \
    }

/* SUFFIX completes C's math function names: sqrtf for float, sqrt for double. */
DEFINE_FLOAT_OPS(float, f32, f, f32_bits, UINT64_C(0xffffffff))
DEFINE_FLOAT_OPS(double, f64, , f64_bits, UINT64_MAX)

static void float_binary(enum float_binop op, unsigned bits, const wasm_v128 *a,
                         const wasm_v128 *b, wasm_v128 *out)
{
    for (unsigned i = 0; i < 128 / bits; i++) {
        uint64_t x = lane_get(a, bits, i), y = lane_get(b, bits, i);
        lane_set(out, bits, i, bits == 32 ? f32_binop_lane(op, f32_from_bits(x), f32_from_bits(y))
                                          : f64_binop_lane(op, f64_from_bits(x), f64_from_bits(y)));
    }
}

static void float_unary(enum float_unop op, unsigned bits, const wasm_v128 *a, wasm_v128 *out)
{
    for (unsigned i = 0; i < 128 / bits; i++) {
        uint64_t x = lane_get(a, bits, i);
        lane_set(out, bits, i, bits == 32 ? f32_unop_lane(op, f32_from_bits(x))
                                          : f64_unop_lane(op, f64_from_bits(x)));
    }
}

/* abs and neg only touch the sign bit, so NaN payloads pass through unchanged. */
static void float_sign(bool negate, unsigned bits, const wasm_v128 *a, wasm_v128 *out)
{
    uint64_t sign = UINT64_C(1) << (bits - 1);
    for (unsigned i = 0; i < 128 / bits; i++) {
        uint64_t x = lane_get(a, bits, i);
        lane_set(out, bits, i, negate ? x ^ sign : x & ~sign);
    }
}

/* Float to i32 with saturation: NaN gives 0, out-of-range values the nearest bound. Every f32
 * is exactly a double, so one version serves both. */
static uint64_t trunc_sat_i32(double x, bool is_signed)
{
    if (isnan(x))
        return 0;
    if (is_signed) {
        if (x >= 2147483648.0)
            return (uint32_t)INT32_MAX;
        if (x <= -2147483649.0)
            return (uint64_t)(int64_t)INT32_MIN;
        return (uint64_t)(int64_t)(int32_t)x;
    }
    if (x <= -1.0)
        return 0;
    if (x >= 4294967296.0)
        return UINT32_MAX;
    return (uint32_t)x;
}

/* ------------------------------------------------------------------------------------------ */

/* Writes a scalar result (i32 or i64 bits) into the low bytes of an all-zero v128. */
static void scalar_result(wasm_v128 *out, unsigned bits, uint64_t value)
{
    memset(out, 0, sizeof *out);
    lane_set(out, bits, 0, value);
}

static void splat(wasm_v128 *out, unsigned bits, uint64_t value)
{
    for (unsigned i = 0; i < 128 / bits; i++)
        lane_set(out, bits, i, value);
}

/* The lane immediate; the validator has checked it, the modulo only keeps a bad caller inside
 * the vector. */
static unsigned lane_index(const uint8_t *immediate, unsigned bits)
{
    return immediate ? immediate[0] % (128 / bits) : 0;
}

void wasm_simd_execute(uint32_t opcode, const uint8_t *immediate, const wasm_v128 *operands,
                       wasm_v128 *result)
{
    /* Computed into a local so that result may alias an operand. */
    wasm_v128 out;
    memset(&out, 0, sizeof out);
    const wasm_v128 *a = &operands[0], *b = &operands[1];

#define INT_BIN(op, bits) int_binary(op, bits, a, b, &out); break
#define FLOAT_BIN(op, bits) float_binary(op, bits, a, b, &out); break

    switch (opcode) {
    case 0x0c: /* v128.const */
        if (immediate)
            memcpy(out.bytes, immediate, 16);
        break;
    case 0x0d: /* i8x16.shuffle: indexes 0-15 pick from a, 16-31 from b */
        for (unsigned i = 0; i < 16 && immediate; i++) {
            unsigned index = immediate[i] % 32u;
            out.bytes[i] = index < 16 ? a->bytes[index] : b->bytes[index - 16];
        }
        break;
    case 0x0e: /* i8x16.swizzle: out-of-range indexes give 0 */
        for (unsigned i = 0; i < 16; i++)
            out.bytes[i] = b->bytes[i] < 16 ? a->bytes[b->bytes[i]] : 0;
        break;

    case 0x0f: splat(&out, 8, lane_get(a, 8, 0)); break;
    case 0x10: splat(&out, 16, lane_get(a, 16, 0)); break;
    case 0x11: splat(&out, 32, lane_get(a, 32, 0)); break;
    case 0x12: splat(&out, 64, lane_get(a, 64, 0)); break;
    case 0x13: splat(&out, 32, lane_get(a, 32, 0)); break;
    case 0x14: splat(&out, 64, lane_get(a, 64, 0)); break;

    case 0x15: /* i8x16.extract_lane_s */
        scalar_result(&out, 32, (uint64_t)as_signed(lane_get(a, 8, lane_index(immediate, 8)), 8));
        break;
    case 0x16: scalar_result(&out, 32, lane_get(a, 8, lane_index(immediate, 8))); break;
    case 0x18: /* i16x8.extract_lane_s */
        scalar_result(&out, 32, (uint64_t)as_signed(lane_get(a, 16, lane_index(immediate, 16)), 16));
        break;
    case 0x19: scalar_result(&out, 32, lane_get(a, 16, lane_index(immediate, 16))); break;
    case 0x1b: /* i32x4 */
    case 0x1f: /* f32x4 */
        scalar_result(&out, 32, lane_get(a, 32, lane_index(immediate, 32)));
        break;
    case 0x1d: /* i64x2 */
    case 0x21: /* f64x2 */
        scalar_result(&out, 64, lane_get(a, 64, lane_index(immediate, 64)));
        break;

    case 0x17: out = *a; lane_set(&out, 8, lane_index(immediate, 8), lane_get(b, 8, 0)); break;
    case 0x1a: out = *a; lane_set(&out, 16, lane_index(immediate, 16), lane_get(b, 16, 0)); break;
    case 0x1c: /* i32x4 */
    case 0x20: /* f32x4 */
        out = *a;
        lane_set(&out, 32, lane_index(immediate, 32), lane_get(b, 32, 0));
        break;
    case 0x1e: /* i64x2 */
    case 0x22: /* f64x2 */
        out = *a;
        lane_set(&out, 64, lane_index(immediate, 64), lane_get(b, 64, 0));
        break;

    /* comparisons: 10 per integer shape, 6 per float shape, in enum order */
    case 0x23: case 0x24: case 0x25: case 0x26: case 0x27:
    case 0x28: case 0x29: case 0x2a: case 0x2b: case 0x2c:
        INT_BIN((enum int_binop)(INT_EQ + (opcode - 0x23)), 8);
    case 0x2d: case 0x2e: case 0x2f: case 0x30: case 0x31:
    case 0x32: case 0x33: case 0x34: case 0x35: case 0x36:
        INT_BIN((enum int_binop)(INT_EQ + (opcode - 0x2d)), 16);
    case 0x37: case 0x38: case 0x39: case 0x3a: case 0x3b:
    case 0x3c: case 0x3d: case 0x3e: case 0x3f: case 0x40:
        INT_BIN((enum int_binop)(INT_EQ + (opcode - 0x37)), 32);
    case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46:
        FLOAT_BIN((enum float_binop)(FLOAT_EQ + (opcode - 0x41)), 32);
    case 0x47: case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c:
        FLOAT_BIN((enum float_binop)(FLOAT_EQ + (opcode - 0x47)), 64);
    case 0xd6: INT_BIN(INT_EQ, 64);
    case 0xd7: INT_BIN(INT_NE, 64);
    case 0xd8: INT_BIN(INT_LT_S, 64);
    case 0xd9: INT_BIN(INT_GT_S, 64);
    case 0xda: INT_BIN(INT_LE_S, 64);
    case 0xdb: INT_BIN(INT_GE_S, 64);

    /* bitwise */
    case 0x4d: for (unsigned i = 0; i < 16; i++) out.bytes[i] = (uint8_t)~a->bytes[i]; break;
    case 0x4e: for (unsigned i = 0; i < 16; i++) out.bytes[i] = a->bytes[i] & b->bytes[i]; break;
    case 0x4f: for (unsigned i = 0; i < 16; i++) out.bytes[i] = a->bytes[i] & (uint8_t)~b->bytes[i]; break;
    case 0x50: for (unsigned i = 0; i < 16; i++) out.bytes[i] = a->bytes[i] | b->bytes[i]; break;
    case 0x51: for (unsigned i = 0; i < 16; i++) out.bytes[i] = a->bytes[i] ^ b->bytes[i]; break;
    case 0x52: /* v128.bitselect: bits of a where the mask (third operand) is 1, else of b */
        for (unsigned i = 0; i < 16; i++)
            out.bytes[i] = (uint8_t)((a->bytes[i] & operands[2].bytes[i]) |
                                     (b->bytes[i] & (uint8_t)~operands[2].bytes[i]));
        break;
    case 0x53: scalar_result(&out, 32, any_true(a)); break;

    /* float <-> float and int <-> float conversions */
    case 0x5e: /* f32x4.demote_f64x2_zero */
        for (unsigned i = 0; i < 2; i++)
            lane_set(&out, 32, i, f32_bits((float)f64_from_bits(lane_get(a, 64, i))));
        break;
    case 0x5f: /* f64x2.promote_low_f32x4 */
        for (unsigned i = 0; i < 2; i++)
            lane_set(&out, 64, i, f64_bits((double)f32_from_bits(lane_get(a, 32, i))));
        break;
    case 0xf8: case 0xf9: /* i32x4.trunc_sat_f32x4_s/u */
        for (unsigned i = 0; i < 4; i++)
            lane_set(&out, 32, i, trunc_sat_i32(f32_from_bits(lane_get(a, 32, i)), opcode == 0xf8));
        break;
    case 0xfa: /* f32x4.convert_i32x4_s */
        for (unsigned i = 0; i < 4; i++)
            lane_set(&out, 32, i, f32_bits((float)as_signed(lane_get(a, 32, i), 32)));
        break;
    case 0xfb: /* f32x4.convert_i32x4_u */
        for (unsigned i = 0; i < 4; i++)
            lane_set(&out, 32, i, f32_bits((float)(uint32_t)lane_get(a, 32, i)));
        break;
    case 0xfc: case 0xfd: /* i32x4.trunc_sat_f64x2_s/u_zero */
        for (unsigned i = 0; i < 2; i++)
            lane_set(&out, 32, i, trunc_sat_i32(f64_from_bits(lane_get(a, 64, i)), opcode == 0xfc));
        break;
    case 0xfe: /* f64x2.convert_low_i32x4_s */
        for (unsigned i = 0; i < 2; i++)
            lane_set(&out, 64, i, f64_bits((double)as_signed(lane_get(a, 32, i), 32)));
        break;
    case 0xff: /* f64x2.convert_low_i32x4_u */
        for (unsigned i = 0; i < 2; i++)
            lane_set(&out, 64, i, f64_bits((double)(uint32_t)lane_get(a, 32, i)));
        break;

    /* i8x16 */
    case 0x60: int_unary(INT_ABS, 8, a, &out); break;
    case 0x61: int_unary(INT_NEG, 8, a, &out); break;
    case 0x62: int_unary(INT_POPCNT, 8, a, &out); break;
    case 0x63: scalar_result(&out, 32, all_true(8, a)); break;
    case 0x64: scalar_result(&out, 32, bitmask(8, a)); break;
    case 0x65: int_narrow(16, true, a, b, &out); break;
    case 0x66: int_narrow(16, false, a, b, &out); break;
    case 0x6b: int_shift(SHIFT_LEFT, 8, a, b, &out); break;
    case 0x6c: int_shift(SHIFT_RIGHT_S, 8, a, b, &out); break;
    case 0x6d: int_shift(SHIFT_RIGHT_U, 8, a, b, &out); break;
    case 0x6e: INT_BIN(INT_ADD, 8);
    case 0x6f: INT_BIN(INT_ADD_SAT_S, 8);
    case 0x70: INT_BIN(INT_ADD_SAT_U, 8);
    case 0x71: INT_BIN(INT_SUB, 8);
    case 0x72: INT_BIN(INT_SUB_SAT_S, 8);
    case 0x73: INT_BIN(INT_SUB_SAT_U, 8);
    case 0x76: INT_BIN(INT_MIN_S, 8);
    case 0x77: INT_BIN(INT_MIN_U, 8);
    case 0x78: INT_BIN(INT_MAX_S, 8);
    case 0x79: INT_BIN(INT_MAX_U, 8);
    case 0x7b: INT_BIN(INT_AVGR_U, 8);

    /* i16x8 */
    case 0x7c: int_extadd_pairwise(8, true, a, &out); break;
    case 0x7d: int_extadd_pairwise(8, false, a, &out); break;
    case 0x80: int_unary(INT_ABS, 16, a, &out); break;
    case 0x81: int_unary(INT_NEG, 16, a, &out); break;
    case 0x82: INT_BIN(INT_Q15MULR_SAT_S, 16);
    case 0x83: scalar_result(&out, 32, all_true(16, a)); break;
    case 0x84: scalar_result(&out, 32, bitmask(16, a)); break;
    case 0x85: int_narrow(32, true, a, b, &out); break;
    case 0x86: int_narrow(32, false, a, b, &out); break;
    case 0x87: int_extend(8, false, true, a, &out); break;
    case 0x88: int_extend(8, true, true, a, &out); break;
    case 0x89: int_extend(8, false, false, a, &out); break;
    case 0x8a: int_extend(8, true, false, a, &out); break;
    case 0x8b: int_shift(SHIFT_LEFT, 16, a, b, &out); break;
    case 0x8c: int_shift(SHIFT_RIGHT_S, 16, a, b, &out); break;
    case 0x8d: int_shift(SHIFT_RIGHT_U, 16, a, b, &out); break;
    case 0x8e: INT_BIN(INT_ADD, 16);
    case 0x8f: INT_BIN(INT_ADD_SAT_S, 16);
    case 0x90: INT_BIN(INT_ADD_SAT_U, 16);
    case 0x91: INT_BIN(INT_SUB, 16);
    case 0x92: INT_BIN(INT_SUB_SAT_S, 16);
    case 0x93: INT_BIN(INT_SUB_SAT_U, 16);
    case 0x95: INT_BIN(INT_MUL, 16);
    case 0x96: INT_BIN(INT_MIN_S, 16);
    case 0x97: INT_BIN(INT_MIN_U, 16);
    case 0x98: INT_BIN(INT_MAX_S, 16);
    case 0x99: INT_BIN(INT_MAX_U, 16);
    case 0x9b: INT_BIN(INT_AVGR_U, 16);
    case 0x9c: int_extmul(8, false, true, a, b, &out); break;
    case 0x9d: int_extmul(8, true, true, a, b, &out); break;
    case 0x9e: int_extmul(8, false, false, a, b, &out); break;
    case 0x9f: int_extmul(8, true, false, a, b, &out); break;

    /* i32x4 */
    case 0x7e: int_extadd_pairwise(16, true, a, &out); break;
    case 0x7f: int_extadd_pairwise(16, false, a, &out); break;
    case 0xa0: int_unary(INT_ABS, 32, a, &out); break;
    case 0xa1: int_unary(INT_NEG, 32, a, &out); break;
    case 0xa3: scalar_result(&out, 32, all_true(32, a)); break;
    case 0xa4: scalar_result(&out, 32, bitmask(32, a)); break;
    case 0xa7: int_extend(16, false, true, a, &out); break;
    case 0xa8: int_extend(16, true, true, a, &out); break;
    case 0xa9: int_extend(16, false, false, a, &out); break;
    case 0xaa: int_extend(16, true, false, a, &out); break;
    case 0xab: int_shift(SHIFT_LEFT, 32, a, b, &out); break;
    case 0xac: int_shift(SHIFT_RIGHT_S, 32, a, b, &out); break;
    case 0xad: int_shift(SHIFT_RIGHT_U, 32, a, b, &out); break;
    case 0xae: INT_BIN(INT_ADD, 32);
    case 0xb1: INT_BIN(INT_SUB, 32);
    case 0xb5: INT_BIN(INT_MUL, 32);
    case 0xb6: INT_BIN(INT_MIN_S, 32);
    case 0xb7: INT_BIN(INT_MIN_U, 32);
    case 0xb8: INT_BIN(INT_MAX_S, 32);
    case 0xb9: INT_BIN(INT_MAX_U, 32);
    case 0xba: i32x4_dot_i16x8_s(a, b, &out); break;
    case 0xbc: int_extmul(16, false, true, a, b, &out); break;
    case 0xbd: int_extmul(16, true, true, a, b, &out); break;
    case 0xbe: int_extmul(16, false, false, a, b, &out); break;
    case 0xbf: int_extmul(16, true, false, a, b, &out); break;

    /* i64x2 */
    case 0xc0: int_unary(INT_ABS, 64, a, &out); break;
    case 0xc1: int_unary(INT_NEG, 64, a, &out); break;
    case 0xc3: scalar_result(&out, 32, all_true(64, a)); break;
    case 0xc4: scalar_result(&out, 32, bitmask(64, a)); break;
    case 0xc7: int_extend(32, false, true, a, &out); break;
    case 0xc8: int_extend(32, true, true, a, &out); break;
    case 0xc9: int_extend(32, false, false, a, &out); break;
    case 0xca: int_extend(32, true, false, a, &out); break;
    case 0xcb: int_shift(SHIFT_LEFT, 64, a, b, &out); break;
    case 0xcc: int_shift(SHIFT_RIGHT_S, 64, a, b, &out); break;
    case 0xcd: int_shift(SHIFT_RIGHT_U, 64, a, b, &out); break;
    case 0xce: INT_BIN(INT_ADD, 64);
    case 0xd1: INT_BIN(INT_SUB, 64);
    case 0xd5: INT_BIN(INT_MUL, 64);
    case 0xdc: int_extmul(32, false, true, a, b, &out); break;
    case 0xdd: int_extmul(32, true, true, a, b, &out); break;
    case 0xde: int_extmul(32, false, false, a, b, &out); break;
    case 0xdf: int_extmul(32, true, false, a, b, &out); break;

    /* f32x4 */
    case 0x67: float_unary(FLOAT_CEIL, 32, a, &out); break;
    case 0x68: float_unary(FLOAT_FLOOR, 32, a, &out); break;
    case 0x69: float_unary(FLOAT_TRUNC, 32, a, &out); break;
    case 0x6a: float_unary(FLOAT_NEAREST, 32, a, &out); break;
    case 0xe0: float_sign(false, 32, a, &out); break;
    case 0xe1: float_sign(true, 32, a, &out); break;
    case 0xe3: float_unary(FLOAT_SQRT, 32, a, &out); break;
    case 0xe4: FLOAT_BIN(FLOAT_ADD, 32);
    case 0xe5: FLOAT_BIN(FLOAT_SUB, 32);
    case 0xe6: FLOAT_BIN(FLOAT_MUL, 32);
    case 0xe7: FLOAT_BIN(FLOAT_DIV, 32);
    case 0xe8: FLOAT_BIN(FLOAT_MIN, 32);
    case 0xe9: FLOAT_BIN(FLOAT_MAX, 32);
    case 0xea: FLOAT_BIN(FLOAT_PMIN, 32);
    case 0xeb: FLOAT_BIN(FLOAT_PMAX, 32);

    /* f64x2 */
    case 0x74: float_unary(FLOAT_CEIL, 64, a, &out); break;
    case 0x75: float_unary(FLOAT_FLOOR, 64, a, &out); break;
    case 0x7a: float_unary(FLOAT_TRUNC, 64, a, &out); break;
    case 0x94: float_unary(FLOAT_NEAREST, 64, a, &out); break;
    case 0xec: float_sign(false, 64, a, &out); break;
    case 0xed: float_sign(true, 64, a, &out); break;
    case 0xef: float_unary(FLOAT_SQRT, 64, a, &out); break;
    case 0xf0: FLOAT_BIN(FLOAT_ADD, 64);
    case 0xf1: FLOAT_BIN(FLOAT_SUB, 64);
    case 0xf2: FLOAT_BIN(FLOAT_MUL, 64);
    case 0xf3: FLOAT_BIN(FLOAT_DIV, 64);
    case 0xf4: FLOAT_BIN(FLOAT_MIN, 64);
    case 0xf5: FLOAT_BIN(FLOAT_MAX, 64);
    case 0xf6: FLOAT_BIN(FLOAT_PMIN, 64);
    case 0xf7: FLOAT_BIN(FLOAT_PMAX, 64);

    default: /* memory ops go through wasm_simd_load/store; unknown opcodes give zero */
        break;
    }
#undef INT_BIN
#undef FLOAT_BIN
    *result = out;
}

/* ------------------------------------------------------------------------------------------ */
/* Memory ops. */

void wasm_simd_load(uint32_t opcode, const uint8_t *src, const wasm_v128 *vector, uint8_t lane,
                    wasm_v128 *result)
{
    wasm_v128 out, half;
    memset(&out, 0, sizeof out);
    memset(&half, 0, sizeof half);
    switch (opcode) {
    case 0x00: memcpy(out.bytes, src, 16); break;
    /* load NxM_s/u: 8 bytes widened like extend_low */
    case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06:
        memcpy(half.bytes, src, 8);
        int_extend(8u << ((opcode - 1) / 2), false, (opcode & 1) != 0, &half, &out);
        break;
    case 0x07: case 0x08: case 0x09: case 0x0a: { /* load8/16/32/64_splat */
        unsigned bits = 8u << (opcode - 0x07);
        memcpy(half.bytes, src, bits / 8);
        splat(&out, bits, lane_get(&half, bits, 0));
        break;
    }
    case 0x5c: memcpy(out.bytes, src, 4); break;
    case 0x5d: memcpy(out.bytes, src, 8); break;
    case 0x54: case 0x55: case 0x56: case 0x57: { /* load8/16/32/64_lane */
        unsigned width = 1u << (opcode - 0x54);
        out = *vector;
        memcpy(out.bytes + (lane % (16 / width)) * width, src, width);
        break;
    }
    default:
        break;
    }
    *result = out;
}

void wasm_simd_store(uint32_t opcode, const wasm_v128 *vector, uint8_t lane, uint8_t *dst)
{
    switch (opcode) {
    case 0x0b: memcpy(dst, vector->bytes, 16); break;
    case 0x58: case 0x59: case 0x5a: case 0x5b: { /* store8/16/32/64_lane */
        unsigned width = 1u << (opcode - 0x58);
        memcpy(dst, vector->bytes + (lane % (16 / width)) * width, width);
        break;
    }
    default:
        break;
    }
}
