/* Unit tests of src/wasm/simd.c: the op table's consistency and a sample of lane semantics
 * checked against hand-computed vectors. The spec tests (simd_*.wast) cover the rest. */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "../testlib.h"
#include "wasm/simd.h"

/* ---- building and reading vectors ---- */

static wasm_v128 v_i8(const int8_t lanes[16])
{
    wasm_v128 v;
    memcpy(v.bytes, lanes, 16);
    return v;
}

static wasm_v128 v_lanes(unsigned bits, const uint64_t *lanes)
{
    wasm_v128 v;
    for (unsigned i = 0; i < 128 / bits; i++)
        for (unsigned k = 0; k < bits / 8; k++)
            v.bytes[i * bits / 8 + k] = (uint8_t)(lanes[i] >> (8 * k));
    return v;
}

static uint64_t lane(const wasm_v128 *v, unsigned bits, unsigned i)
{
    uint64_t x = 0;
    for (unsigned k = 0; k < bits / 8; k++)
        x |= (uint64_t)v->bytes[i * bits / 8 + k] << (8 * k);
    return x;
}

static wasm_v128 v_f32(float a, float b, float c, float d)
{
    float f[4] = { a, b, c, d };
    wasm_v128 v;
    memcpy(v.bytes, f, 16); /* the test host is little-endian, like the lanes */
    return v;
}

static float f32_lane(const wasm_v128 *v, unsigned i)
{
    float f;
    memcpy(&f, v->bytes + 4 * i, 4);
    return f;
}

static wasm_v128 scalar(unsigned bits, uint64_t x)
{
    wasm_v128 v = { { 0 } };
    for (unsigned k = 0; k < bits / 8; k++)
        v.bytes[k] = (uint8_t)(x >> (8 * k));
    return v;
}

static wasm_v128 run2(uint32_t opcode, wasm_v128 a, wasm_v128 b)
{
    wasm_v128 ops[3] = { a, b, { { 0 } } }, r;
    wasm_simd_execute(opcode, NULL, ops, &r);
    return r;
}

static wasm_v128 run1(uint32_t opcode, wasm_v128 a)
{
    return run2(opcode, a, (wasm_v128){ { 0 } });
}

static bool is_zero_above(const wasm_v128 *v, unsigned bytes)
{
    for (unsigned i = bytes; i < 16; i++)
        if (v->bytes[i])
            return false;
    return true;
}

/* ---- the table ---- */

static void table_is_complete_and_consistent(void)
{
    unsigned count = 0;
    const char *names[256] = { 0 };
    for (uint32_t code = 0; code < 256; code++) {
        const wasm_simd_op *op = wasm_simd_op_lookup(code);
        if (!op)
            continue;
        count++;
        CHECK(op->opcode == code);
        CHECK(op->name && strchr(op->name, '.'));
        for (uint32_t other = 0; other < code; other++)
            CHECK(!names[other] || strcmp(names[other], op->name) != 0);
        names[code] = op->name;
        CHECK(op->param_count <= 3);
        for (unsigned i = 0; i < 3; i++) {
            bool used = i < op->param_count;
            CHECK(used == (op->params[i] != 0));
            CHECK(!used || op->params[i] == WASM_I32 || op->params[i] == WASM_I64 ||
                  op->params[i] == WASM_F32 || op->params[i] == WASM_F64 ||
                  op->params[i] == WASM_V128);
        }
        CHECK(op->result_count <= 1);
        CHECK((op->result_count == 1) == (op->result != 0));
        bool memory = op->memory != WASM_SIMD_NOT_MEMORY;
        CHECK(memory == (op->immediate == WASM_SIMD_IMM_MEMARG ||
                         op->immediate == WASM_SIMD_IMM_MEMARG_LANE));
        if (memory) {
            unsigned b = op->access_bytes;
            CHECK(b == 1 || b == 2 || b == 4 || b == 8 || b == 16);
            CHECK(op->params[0] == WASM_I32); /* the address comes first */
            bool stores = op->memory == WASM_SIMD_STORE || op->memory == WASM_SIMD_STORE_LANE;
            CHECK(op->result_count == (stores ? 0 : 1));
        } else {
            CHECK(op->access_bytes == 0);
            CHECK(op->result_count == 1);
        }
        bool laned = op->immediate == WASM_SIMD_IMM_LANE || op->immediate == WASM_SIMD_IMM_MEMARG_LANE;
        if (laned) {
            /* the lane count follows from the name's shape or the access width */
            unsigned expect = op->immediate == WASM_SIMD_IMM_MEMARG_LANE ? 16u / op->access_bytes
                              : strncmp(op->name, "i8x16", 5) == 0 ? 16
                              : strncmp(op->name, "i16x8", 5) == 0 ? 8
                              : strncmp(op->name, "i32x4", 5) == 0 || strncmp(op->name, "f32x4", 5) == 0 ? 4 : 2;
            CHECK(op->lane_count == expect);
        }
        if (op->immediate == WASM_SIMD_IMM_SHUFFLE)
            CHECK(op->lane_count == 32);
    }
    CHECK(count == 236);
    CHECK(wasm_simd_op_lookup(0x9a) == NULL);
    CHECK(wasm_simd_op_lookup(0x100) == NULL);
    CHECK(wasm_simd_op_lookup(UINT32_MAX) == NULL);
}

static void table_samples(void)
{
    const wasm_simd_op *op = wasm_simd_op_lookup(0xae);
    CHECK(op && strcmp(op->name, "i32x4.add") == 0 && op->param_count == 2);
    op = wasm_simd_op_lookup(0x57);
    CHECK(op && strcmp(op->name, "v128.load64_lane") == 0 && op->access_bytes == 8 &&
          op->lane_count == 2 && op->params[1] == WASM_V128 && op->result == WASM_V128);
    op = wasm_simd_op_lookup(0x1d);
    CHECK(op && op->result == WASM_I64 && op->lane_count == 2);
    op = wasm_simd_op_lookup(0x52);
    CHECK(op && strcmp(op->name, "v128.bitselect") == 0 && op->param_count == 3);
    op = wasm_simd_op_lookup(0xff);
    CHECK(op && strcmp(op->name, "f64x2.convert_low_i32x4_u") == 0);
}

/* ---- integer lanes ---- */

static void integer_wrap_and_saturate(void)
{
    int8_t a[16] = { 127, -128, 100, -100, 1, 0 }, b[16] = { 1, -1, 100, -100, -1, 0 };
    wasm_v128 r = run2(0x6e, v_i8(a), v_i8(b)); /* i8x16.add wraps */
    CHECK(r.bytes[0] == 0x80 && r.bytes[1] == 0x7f && r.bytes[2] == 200 && r.bytes[4] == 0);
    r = run2(0x6f, v_i8(a), v_i8(b)); /* add_sat_s */
    CHECK((int8_t)r.bytes[0] == 127 && (int8_t)r.bytes[1] == -128 && (int8_t)r.bytes[2] == 127 &&
          (int8_t)r.bytes[3] == -128 && r.bytes[4] == 0);
    r = run2(0x70, v_i8(a), v_i8(b)); /* add_sat_u: 127+1, 0x80+0xff -> 0xff */
    CHECK(r.bytes[0] == 128 && r.bytes[1] == 255);
    r = run2(0x73, v_i8(b), v_i8(a)); /* sub_sat_u: 1-127 -> 0 */
    CHECK(r.bytes[0] == 0 && r.bytes[1] == 0x7f);
    r = run2(0x7b, v_i8(a), v_i8(b)); /* avgr_u: (127+1+1)/2 = 64, (128+255+1)/2 = 192 */
    CHECK(r.bytes[0] == 64 && r.bytes[1] == 192);
    r = run1(0x60, v_i8(a)); /* abs(-128) stays -128 */
    CHECK(r.bytes[1] == 0x80 && r.bytes[3] == 100);
    uint64_t x64[2] = { 0x8000000000000000u, 5 }, y64[2] = { 0xffffffffffffffffu, 7 };
    r = run2(0xd5, v_lanes(64, x64), v_lanes(64, y64)); /* i64x2.mul wraps */
    CHECK(lane(&r, 64, 0) == 0x8000000000000000u && lane(&r, 64, 1) == 35);
    r = run2(0xd8, v_lanes(64, x64), v_lanes(64, y64)); /* i64x2.lt_s: MIN < -1, 5 < 7 */
    CHECK(lane(&r, 64, 0) == UINT64_MAX && lane(&r, 64, 1) == UINT64_MAX);
    r = run1(0x62, scalar(8, 0xff)); /* popcnt */
    CHECK(r.bytes[0] == 8 && r.bytes[1] == 0);
}

static void integer_special_ops(void)
{
    uint64_t a16[8] = { 0x8000, 0x4000, 0x7fff, 0xffff, 1, 2, 3, 4 };
    uint64_t b16[8] = { 0x8000, 0x4000, 0x7fff, 0x0001, 5, 6, 7, 8 };
    wasm_v128 r = run2(0x82, v_lanes(16, a16), v_lanes(16, b16)); /* q15mulr_sat_s */
    CHECK(lane(&r, 16, 0) == 0x7fff);  /* -1 * -1 saturates */
    CHECK(lane(&r, 16, 1) == 0x2000);  /* 0.5 * 0.5 */
    CHECK(lane(&r, 16, 2) == 0x7ffe);
    CHECK(lane(&r, 16, 3) == 0);       /* (-1 + 0x4000) >> 15 */
    r = run2(0xba, v_lanes(16, a16), v_lanes(16, b16)); /* dot: 2^30 + 2^28 */
    CHECK(lane(&r, 32, 0) == 0x50000000u && lane(&r, 32, 1) == (uint32_t)(32767 * 32767 - 1));
    CHECK(lane(&r, 32, 2) == 5 + 12 && lane(&r, 32, 3) == 21 + 32);
    uint64_t min16[8] = { 0x8000, 0x8000, 0x8000, 0x8000, 0x8000, 0x8000, 0x8000, 0x8000 };
    r = run2(0xba, v_lanes(16, min16), v_lanes(16, min16)); /* 2 * 2^30 wraps to INT32_MIN */
    CHECK(lane(&r, 32, 0) == 0x80000000u);
    r = run2(0x9d, v_lanes(16, a16), v_lanes(16, b16)); /* i16x8.extmul_high_i8x16_s */
    CHECK(lane(&r, 16, 0) == 5 && lane(&r, 16, 2) == 12);
    r = run2(0x85, v_lanes(16, a16), v_lanes(16, b16)); /* i16x8.narrow_i32x4_s */
    /* as i32 lanes: 0x40008000, 0xffff7fff (-32769), 0x00020001, 0x00040003, then b's */
    CHECK(lane(&r, 16, 0) == 0x7fff && lane(&r, 16, 1) == 0x8000 && lane(&r, 16, 2) == 0x7fff &&
          lane(&r, 16, 4) == 0x7fff);
    r = run2(0x66, v_lanes(16, a16), v_lanes(16, b16)); /* i8x16.narrow_i16x8_u */
    CHECK(r.bytes[0] == 0 && r.bytes[1] == 255 && r.bytes[3] == 0 && r.bytes[4] == 1 && r.bytes[12] == 5);
    r = run1(0x7e, v_lanes(16, a16)); /* i32x4.extadd_pairwise_i16x8_s */
    CHECK(lane(&r, 32, 0) == (uint32_t)(-32768 + 16384) && lane(&r, 32, 1) == 32767u - 1);
    r = run1(0x88, v_lanes(16, a16)); /* i16x8.extend_high_i8x16_s: bytes 8.. = 1,0,2,0 */
    CHECK(lane(&r, 16, 0) == 1 && lane(&r, 16, 1) == 0 && lane(&r, 16, 2) == 2);
    r = run1(0x84, v_lanes(16, a16)); /* i16x8.bitmask */
    CHECK(lane(&r, 32, 0) == 0x9 && is_zero_above(&r, 4));
    r = run1(0x63, v_lanes(16, a16)); /* i8x16.all_true: a16 has zero bytes */
    CHECK(lane(&r, 32, 0) == 0);
    r = run1(0x83, v_lanes(16, a16)); /* i16x8.all_true */
    CHECK(lane(&r, 32, 0) == 1);
}

static void shifts_take_count_modulo_width(void)
{
    uint64_t a[4] = { 0x80000001u, 0xf0000000u, 1, 0 };
    wasm_v128 r = run2(0xab, v_lanes(32, a), scalar(32, 33)); /* shl by 33 = by 1 */
    CHECK(lane(&r, 32, 0) == 2 && lane(&r, 32, 1) == 0xe0000000u);
    r = run2(0xac, v_lanes(32, a), scalar(32, 4)); /* shr_s */
    CHECK(lane(&r, 32, 0) == 0xf8000000u && lane(&r, 32, 1) == 0xff000000u);
    r = run2(0xad, v_lanes(32, a), scalar(32, 0xfffffffcu)); /* shr_u by 28 */
    CHECK(lane(&r, 32, 0) == 8 && lane(&r, 32, 1) == 0xf);
    int8_t b[16] = { -128, 64 };
    r = run2(0x6c, v_i8(b), scalar(32, 7 + 8)); /* i8x16.shr_s by 15 mod 8 = 7 */
    CHECK(r.bytes[0] == 0xff && r.bytes[1] == 0);
}

/* ---- lanes, shuffles, bitwise ---- */

static void lanes_shuffle_swizzle(void)
{
    int8_t a[16], b[16], idx[16];
    for (int i = 0; i < 16; i++) {
        a[i] = (int8_t)i;
        b[i] = (int8_t)(0x40 + i);
        idx[i] = (int8_t)(15 - i);
    }
    idx[0] = 16;
    idx[1] = (int8_t)0xff;
    wasm_v128 r = run2(0x0e, v_i8(a), v_i8(idx)); /* swizzle: >= 16 gives 0 */
    CHECK(r.bytes[0] == 0 && r.bytes[1] == 0 && r.bytes[2] == 13 && r.bytes[15] == 0);
    uint8_t shuffle[16] = { 31, 0, 16, 15 };
    wasm_v128 ops[2] = { v_i8(a), v_i8(b) };
    wasm_simd_execute(0x0d, shuffle, ops, &r);
    CHECK(r.bytes[0] == 0x4f && r.bytes[1] == 0 && r.bytes[2] == 0x40 && r.bytes[3] == 15 &&
          r.bytes[4] == 0);
    uint8_t lane_imm = 3;
    a[3] = -2;
    ops[0] = v_i8(a);
    wasm_simd_execute(0x15, &lane_imm, ops, &r); /* i8x16.extract_lane_s 3 */
    CHECK(lane(&r, 32, 0) == 0xfffffffeu && is_zero_above(&r, 4));
    wasm_simd_execute(0x16, &lane_imm, ops, &r); /* extract_lane_u */
    CHECK(lane(&r, 32, 0) == 0xfe);
    lane_imm = 1;
    ops[1] = scalar(64, 0x1122334455667788u);
    wasm_simd_execute(0x1e, &lane_imm, ops, &r); /* i64x2.replace_lane 1 */
    CHECK(lane(&r, 64, 1) == 0x1122334455667788u && r.bytes[0] == 0 && r.bytes[7] == 7);
    r = run1(0x10, scalar(32, 0xabcd1234u)); /* i16x8.splat keeps the low 16 bits */
    CHECK(lane(&r, 16, 0) == 0x1234 && lane(&r, 16, 7) == 0x1234);
    wasm_v128 sel[3] = { scalar(32, 0xffffffffu), scalar(32, 0x12345678u), scalar(32, 0x0000ffffu) };
    wasm_simd_execute(0x52, NULL, sel, &r); /* bitselect */
    CHECK(lane(&r, 32, 0) == 0x1234ffffu);
    r = run1(0x53, scalar(8, 0)); /* any_true */
    CHECK(lane(&r, 32, 0) == 0);
    /* the result may be an operand */
    wasm_v128 in_place[2] = { scalar(32, 5), scalar(32, 7) };
    wasm_simd_execute(0xae, NULL, in_place, &in_place[0]);
    CHECK(lane(&in_place[0], 32, 0) == 12);
}

/* ---- float lanes ---- */

static void float_rules(void)
{
    wasm_v128 r = run2(0xe8, v_f32(0.0f, -0.0f, NAN, 1.0f), v_f32(-0.0f, 0.0f, 1.0f, 2.0f));
    CHECK(signbit(f32_lane(&r, 0)) && signbit(f32_lane(&r, 1))); /* min(+0,-0) = -0 */
    CHECK(isnan(f32_lane(&r, 2)) && f32_lane(&r, 3) == 1.0f);
    r = run2(0xe9, v_f32(0.0f, -0.0f, 1.0f, 1.0f), v_f32(-0.0f, 0.0f, NAN, 2.0f));
    CHECK(!signbit(f32_lane(&r, 0)) && !signbit(f32_lane(&r, 1)) && isnan(f32_lane(&r, 2)) &&
          f32_lane(&r, 3) == 2.0f);
    r = run2(0xea, v_f32(NAN, 1.0f, 0.0f, 3.0f), v_f32(1.0f, NAN, -0.0f, 2.0f)); /* pmin */
    CHECK(isnan(f32_lane(&r, 0)) && f32_lane(&r, 1) == 1.0f && !signbit(f32_lane(&r, 2)) &&
          f32_lane(&r, 3) == 2.0f);
    r = run1(0x6a, v_f32(0.5f, 1.5f, 2.5f, -0.5f)); /* nearest: ties to even */
    CHECK(f32_lane(&r, 0) == 0.0f && f32_lane(&r, 1) == 2.0f && f32_lane(&r, 2) == 2.0f &&
          f32_lane(&r, 3) == 0.0f && signbit(f32_lane(&r, 3)));
    uint64_t snan[4] = { 0x7fa00000u, 0xffa00000u, 0x7fc00001u, 0 };
    r = run1(0x67, v_lanes(32, snan)); /* ceil of a signalling NaN gives a quiet NaN */
    CHECK((lane(&r, 32, 0) & 0x7fc00000u) == 0x7fc00000u && (lane(&r, 32, 1) & 0x7fc00000u) == 0x7fc00000u);
    r = run1(0xe1, v_lanes(32, snan)); /* neg flips only the sign bit */
    CHECK(lane(&r, 32, 0) == 0xffa00000u && lane(&r, 32, 1) == 0x7fa00000u && lane(&r, 32, 3) == 0x80000000u);
    r = run2(0x43, v_f32(1.0f, NAN, 2.0f, -1.0f), v_f32(2.0f, 1.0f, 2.0f, 0.0f)); /* lt */
    CHECK(lane(&r, 32, 0) == 0xffffffffu && lane(&r, 32, 1) == 0 && lane(&r, 32, 2) == 0 &&
          lane(&r, 32, 3) == 0xffffffffu);
}

static void conversions(void)
{
    wasm_v128 r = run1(0xf8, v_f32(NAN, 3e9f, -3e9f, -2.9f)); /* trunc_sat_f32x4_s */
    CHECK(lane(&r, 32, 0) == 0 && lane(&r, 32, 1) == 0x7fffffffu && lane(&r, 32, 2) == 0x80000000u &&
          lane(&r, 32, 3) == (uint32_t)-2);
    r = run1(0xf9, v_f32(-0.9f, 5e9f, 3e9f, -1.0f)); /* trunc_sat_f32x4_u */
    CHECK(lane(&r, 32, 0) == 0 && lane(&r, 32, 1) == 0xffffffffu && lane(&r, 32, 2) == 3000000000u &&
          lane(&r, 32, 3) == 0);
    double d[2] = { -2147483648.9, 1e300 };
    wasm_v128 v;
    memcpy(v.bytes, d, 16);
    r = run1(0xfc, v); /* trunc_sat_f64x2_s_zero */
    CHECK(lane(&r, 32, 0) == 0x80000000u && lane(&r, 32, 1) == 0x7fffffffu && is_zero_above(&r, 8));
    uint64_t u[4] = { 0xffffffffu, 0x80000000u, 1, 2 };
    r = run1(0xfb, v_lanes(32, u)); /* convert_i32x4_u */
    CHECK(f32_lane(&r, 0) == 4294967296.0f && f32_lane(&r, 1) == 2147483648.0f);
    r = run1(0xfe, v_lanes(32, u)); /* convert_low_i32x4_s */
    double out[2];
    memcpy(out, r.bytes, 16);
    CHECK(out[0] == -1.0 && out[1] == -2147483648.0);
    memcpy(v.bytes, (double[2]){ 1e300, 0.1 }, 16);
    r = run1(0x5e, v); /* demote_f64x2_zero */
    CHECK(isinf(f32_lane(&r, 0)) && f32_lane(&r, 1) == 0.1f && is_zero_above(&r, 8));
}

/* ---- memory ---- */

static void loads_and_stores(void)
{
    uint8_t mem[16];
    for (int i = 0; i < 16; i++)
        mem[i] = (uint8_t)(0xf0 + i);
    wasm_v128 zero = { { 0 } }, r;
    wasm_simd_load(0x00, mem, NULL, 0, &r);
    CHECK(memcmp(r.bytes, mem, 16) == 0);
    wasm_simd_load(0x01, mem, NULL, 0, &r); /* load8x8_s */
    CHECK(lane(&r, 16, 0) == 0xfff0 && lane(&r, 16, 7) == 0xfff7);
    wasm_simd_load(0x04, mem, NULL, 0, &r); /* load16x4_u */
    CHECK(lane(&r, 32, 0) == 0xf1f0 && lane(&r, 32, 3) == 0xf7f6);
    wasm_simd_load(0x05, mem, NULL, 0, &r); /* load32x2_s */
    CHECK(lane(&r, 64, 1) == 0xfffffffff7f6f5f4u);
    wasm_simd_load(0x08, mem, NULL, 0, &r); /* load16_splat */
    CHECK(lane(&r, 16, 0) == 0xf1f0 && lane(&r, 16, 7) == 0xf1f0);
    wasm_simd_load(0x5c, mem, NULL, 0, &r); /* load32_zero */
    CHECK(lane(&r, 32, 0) == 0xf3f2f1f0u && is_zero_above(&r, 4));
    wasm_simd_load(0x56, mem, &zero, 2, &r); /* load32_lane 2 */
    CHECK(lane(&r, 32, 2) == 0xf3f2f1f0u && lane(&r, 32, 1) == 0 && lane(&r, 32, 3) == 0);
    uint8_t out[16] = { 0 };
    wasm_simd_store(0x59, &r, 5, out); /* store16_lane 5 = bytes 10..11 */
    CHECK(out[0] == 0xf2 && out[1] == 0xf3 && out[2] == 0);
    wasm_simd_store(0x0b, &r, 0, out);
    CHECK(memcmp(out, r.bytes, 16) == 0);
}

int main(void)
{
    RUN_TEST(table_is_complete_and_consistent);
    RUN_TEST(table_samples);
    RUN_TEST(integer_wrap_and_saturate);
    RUN_TEST(integer_special_ops);
    RUN_TEST(shifts_take_count_modulo_width);
    RUN_TEST(lanes_shuffle_swizzle);
    RUN_TEST(float_rules);
    RUN_TEST(conversions);
    RUN_TEST(loads_and_stores);
    return TESTS_DONE();
}
