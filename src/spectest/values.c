/* values.c - the values of a wast2json script: arguments, expected results, comparison.
 *
 * wast2json writes numbers as unsigned decimal strings of their bit patterns ("4294967295" is
 * i32 -1, "2143289344" is f32 NaN), v128 as a lane type plus one string per lane, references as
 * "null" or a number (externref N is a host value we make up: a non-null pointer N+1). */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "spectest/internal.h"

const char *spectest_valtype_name(wasm_valtype type)
{
    switch (type) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    case WASM_V128: return "v128";
    case WASM_FUNCREF: return "funcref";
    case WASM_EXTERNREF: return "externref";
    }
    return "?";
}

static int parse_valtype(const char *name, wasm_valtype *type)
{
    static const wasm_valtype all[] = { WASM_I32, WASM_I64, WASM_F32, WASM_F64,
                                        WASM_V128, WASM_FUNCREF, WASM_EXTERNREF };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(name, spectest_valtype_name(all[i])) == 0) {
            *type = all[i];
            return 0;
        }
    }
    return -1;
}

static int parse_unsigned(const char *text, uint64_t max, uint64_t *out, wc_error *err)
{
    if (text[0] < '0' || text[0] > '9')
        return wc_error_set(err, WC_EINVAL, "bad number '%s'", text);
    errno = 0;
    char *end = NULL;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || value > max)
        return wc_error_set(err, WC_EINVAL, "bad number '%s'", text);
    *out = value;
    return 0;
}

/* Lane shape of a v128: bytes per lane and whether lanes are floats. */
static unsigned lane_bytes(spectest_lanes lanes)
{
    switch (lanes) {
    case SPECTEST_LANES_I8: return 1;
    case SPECTEST_LANES_I16: return 2;
    case SPECTEST_LANES_I32: case SPECTEST_LANES_F32: return 4;
    case SPECTEST_LANES_I64: case SPECTEST_LANES_F64: return 8;
    case SPECTEST_LANES_NONE: break;
    }
    return 16;
}

static const char *lanes_name(spectest_lanes lanes)
{
    switch (lanes) {
    case SPECTEST_LANES_I8: return "i8x16";
    case SPECTEST_LANES_I16: return "i16x8";
    case SPECTEST_LANES_I32: return "i32x4";
    case SPECTEST_LANES_I64: return "i64x2";
    case SPECTEST_LANES_F32: return "f32x4";
    case SPECTEST_LANES_F64: return "f64x2";
    case SPECTEST_LANES_NONE: break;
    }
    return "v128";
}

static int parse_lanes(const char *name, spectest_lanes *lanes)
{
    static const struct { const char *name; spectest_lanes lanes; } table[] = {
        { "i8", SPECTEST_LANES_I8 },   { "i16", SPECTEST_LANES_I16 },
        { "i32", SPECTEST_LANES_I32 }, { "i64", SPECTEST_LANES_I64 },
        { "f32", SPECTEST_LANES_F32 }, { "f64", SPECTEST_LANES_F64 },
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(name, table[i].name) == 0) {
            *lanes = table[i].lanes;
            return 0;
        }
    }
    return -1;
}

/* Little-endian lane access, as v128 lanes are laid out in memory. */
static uint64_t lane_get(const uint8_t *v128, unsigned width, unsigned index)
{
    uint64_t value = 0;
    for (unsigned b = 0; b < width; b++)
        value |= (uint64_t)v128[index * width + b] << (8 * b);
    return value;
}

static void lane_set(uint8_t *v128, unsigned width, unsigned index, uint64_t value)
{
    for (unsigned b = 0; b < width; b++)
        v128[index * width + b] = (uint8_t)(value >> (8 * b));
}

static spectest_match parse_nan(const char *text)
{
    if (strcmp(text, "nan:canonical") == 0)
        return SPECTEST_MATCH_NAN_CANONICAL;
    if (strcmp(text, "nan:arithmetic") == 0)
        return SPECTEST_MATCH_NAN_ARITHMETIC;
    return SPECTEST_MATCH_EXACT;
}

/* Parses the "value" of json into expected (or, with allow_patterns false, an exact value). */
static int parse_any(json_t *json, spectest_expected *expected, bool allow_patterns,
                     wc_error *err)
{
    memset(expected, 0, sizeof *expected);
    const char *type_name = json_string_value(json_object_get(json, "type"));
    if (type_name == NULL || parse_valtype(type_name, &expected->type) < 0)
        return wc_error_set(err, WC_EINVAL, "unknown value type '%s'",
                            type_name != NULL ? type_name : "(none)");
    json_t *value = json_object_get(json, "value");
    if (expected->type == WASM_V128) {
        const char *lanes_text = json_string_value(json_object_get(json, "lane_type"));
        if (lanes_text == NULL || parse_lanes(lanes_text, &expected->lanes) < 0)
            return wc_error_set(err, WC_EINVAL, "v128 without a known lane_type");
        unsigned width = lane_bytes(expected->lanes);
        unsigned count = 16 / width;
        if (!json_is_array(value) || json_array_size(value) != count)
            return wc_error_set(err, WC_EINVAL, "v128 %s needs %u lane values",
                                lanes_name(expected->lanes), count);
        for (unsigned i = 0; i < count; i++) {
            const char *text = json_string_value(json_array_get(value, i));
            if (text == NULL)
                return wc_error_set(err, WC_EINVAL, "v128 lane %u is not a string", i);
            bool float_lane = expected->lanes == SPECTEST_LANES_F32
                              || expected->lanes == SPECTEST_LANES_F64;
            spectest_match match = float_lane ? parse_nan(text) : SPECTEST_MATCH_EXACT;
            if (match != SPECTEST_MATCH_EXACT) {
                if (!allow_patterns)
                    return wc_error_set(err, WC_EINVAL, "'%s' is not a value", text);
                expected->match[i] = match;
                continue;
            }
            uint64_t lane = 0;
            uint64_t max = width == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * width)) - 1;
            if (parse_unsigned(text, max, &lane, err) < 0)
                return -1;
            lane_set(expected->value.v128, width, i, lane);
        }
        return 0;
    }
    const char *text = json_string_value(value);
    if (text == NULL)
        return wc_error_set(err, WC_EINVAL, "%s without a value", type_name);
    uint64_t number = 0;
    switch (expected->type) {
    case WASM_I32:
    case WASM_F32:
    case WASM_I64:
    case WASM_F64: {
        bool is_float = expected->type == WASM_F32 || expected->type == WASM_F64;
        spectest_match match = is_float ? parse_nan(text) : SPECTEST_MATCH_EXACT;
        if (match != SPECTEST_MATCH_EXACT) {
            if (!allow_patterns)
                return wc_error_set(err, WC_EINVAL, "'%s' is not a value", text);
            expected->match[0] = match;
            return 0;
        }
        bool wide = expected->type == WASM_I64 || expected->type == WASM_F64;
        if (parse_unsigned(text, wide ? UINT64_MAX : UINT32_MAX, &number, err) < 0)
            return -1;
        if (wide)
            expected->value.i64 = number;
        else
            expected->value.i32 = (uint32_t)number;
        return 0;
    }
    case WASM_FUNCREF:
        if (strcmp(text, "null") == 0)
            return 0;
        /* A script cannot name a function; a non-null expected funcref means "some function". */
        if (!allow_patterns)
            return wc_error_set(err, WC_EINVAL, "funcref argument '%s' cannot be made", text);
        expected->match[0] = SPECTEST_MATCH_NONNULL;
        return 0;
    case WASM_EXTERNREF:
        if (strcmp(text, "null") == 0)
            return 0;
        /* N+1 keeps `ref.extern 0` distinct from null. */
        if (parse_unsigned(text, UINTPTR_MAX - 1, &number, err) < 0)
            return -1;
        expected->value.ref = (void *)(uintptr_t)(number + 1);
        return 0;
    case WASM_V128:
        break;
    }
    return wc_error_set(err, WC_EINVAL, "unsupported value type %s", type_name);
}

int spectest_parse_value(json_t *json, wasm_valtype *type, wasm_value *value, wc_error *err)
{
    spectest_expected parsed;
    if (parse_any(json, &parsed, false, err) < 0)
        return -1;
    *type = parsed.type;
    *value = parsed.value;
    return 0;
}

int spectest_parse_expected(json_t *json, spectest_expected *expected, wc_error *err)
{
    return parse_any(json, expected, true, err);
}

static bool f32_matches(spectest_match match, uint32_t expected, uint32_t actual)
{
    switch (match) {
    case SPECTEST_MATCH_NAN_CANONICAL:
        return (actual & 0x7fffffffu) == 0x7fc00000u;
    case SPECTEST_MATCH_NAN_ARITHMETIC:
        return (actual & 0x7fc00000u) == 0x7fc00000u;
    default:
        return actual == expected;
    }
}

static bool f64_matches(spectest_match match, uint64_t expected, uint64_t actual)
{
    switch (match) {
    case SPECTEST_MATCH_NAN_CANONICAL:
        return (actual & UINT64_C(0x7fffffffffffffff)) == UINT64_C(0x7ff8000000000000);
    case SPECTEST_MATCH_NAN_ARITHMETIC:
        return (actual & UINT64_C(0x7ff8000000000000)) == UINT64_C(0x7ff8000000000000);
    default:
        return actual == expected;
    }
}

bool spectest_value_matches(const spectest_expected *expected, wasm_valtype type,
                            wasm_value value)
{
    if (type != expected->type)
        return false;
    switch (type) {
    case WASM_I32:
        return value.i32 == expected->value.i32;
    case WASM_I64:
        return value.i64 == expected->value.i64;
    case WASM_F32:
        return f32_matches(expected->match[0], expected->value.f32, value.f32);
    case WASM_F64:
        return f64_matches(expected->match[0], expected->value.f64, value.f64);
    case WASM_V128: {
        unsigned width = lane_bytes(expected->lanes);
        for (unsigned i = 0; i < 16 / width; i++) {
            uint64_t want = lane_get(expected->value.v128, width, i);
            uint64_t got = lane_get(value.v128, width, i);
            bool ok;
            if (expected->lanes == SPECTEST_LANES_F32)
                ok = f32_matches(expected->match[i], (uint32_t)want, (uint32_t)got);
            else if (expected->lanes == SPECTEST_LANES_F64)
                ok = f64_matches(expected->match[i], want, got);
            else
                ok = want == got;
            if (!ok)
                return false;
        }
        return true;
    }
    case WASM_FUNCREF:
        if (expected->match[0] == SPECTEST_MATCH_NONNULL)
            return value.ref != NULL;
        return value.ref == expected->value.ref;
    case WASM_EXTERNREF:
        return value.ref == expected->value.ref;
    }
    return false;
}

static const char *match_name(spectest_match match)
{
    switch (match) {
    case SPECTEST_MATCH_NAN_CANONICAL: return "nan:canonical";
    case SPECTEST_MATCH_NAN_ARITHMETIC: return "nan:arithmetic";
    case SPECTEST_MATCH_NONNULL: return "non-null";
    case SPECTEST_MATCH_EXACT: break;
    }
    return "";
}

/* Appends to buffer, never overflowing it. */
static void append(char *buffer, size_t size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buffer, size_t size, size_t *used, const char *fmt, ...)
{
    if (*used >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buffer + *used, size - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used += (size_t)n;
}

static void format_float(char *buffer, size_t size, size_t *used, bool wide, uint64_t bits)
{
    if (wide) {
        double d;
        memcpy(&d, &bits, sizeof d);
        append(buffer, size, used, "0x%016" PRIx64 " (%.17g)", bits, d);
    } else {
        float f;
        uint32_t narrow = (uint32_t)bits;
        memcpy(&f, &narrow, sizeof f);
        append(buffer, size, used, "0x%08" PRIx32 " (%.9g)", narrow, (double)f);
    }
}

static void format_with(wasm_valtype type, wasm_value value, spectest_lanes lanes,
                        const spectest_match *match, char *buffer, size_t size)
{
    size_t used = 0;
    buffer[0] = '\0';
    append(buffer, size, &used, "%s:", spectest_valtype_name(type));
    switch (type) {
    case WASM_I32:
        append(buffer, size, &used, "%" PRIu32, value.i32);
        if ((int32_t)value.i32 < 0)
            append(buffer, size, &used, " (%" PRId32 ")", (int32_t)value.i32);
        return;
    case WASM_I64:
        append(buffer, size, &used, "%" PRIu64, value.i64);
        if ((int64_t)value.i64 < 0)
            append(buffer, size, &used, " (%" PRId64 ")", (int64_t)value.i64);
        return;
    case WASM_F32:
    case WASM_F64:
        if (match[0] != SPECTEST_MATCH_EXACT)
            append(buffer, size, &used, "%s", match_name(match[0]));
        else
            format_float(buffer, size, &used, type == WASM_F64,
                         type == WASM_F64 ? value.f64 : value.f32);
        return;
    case WASM_V128: {
        if (lanes == SPECTEST_LANES_NONE)
            lanes = SPECTEST_LANES_I32;
        unsigned width = lane_bytes(lanes);
        append(buffer, size, &used, "%s", lanes_name(lanes));
        for (unsigned i = 0; i < 16 / width; i++) {
            uint64_t lane = lane_get(value.v128, width, i);
            append(buffer, size, &used, " ");
            if (match[i] != SPECTEST_MATCH_EXACT)
                append(buffer, size, &used, "%s", match_name(match[i]));
            else if (lanes == SPECTEST_LANES_F32 || lanes == SPECTEST_LANES_F64)
                format_float(buffer, size, &used, lanes == SPECTEST_LANES_F64, lane);
            else
                append(buffer, size, &used, "%" PRIu64, lane);
        }
        return;
    }
    case WASM_FUNCREF:
    case WASM_EXTERNREF:
        if (match[0] == SPECTEST_MATCH_NONNULL)
            append(buffer, size, &used, "non-null");
        else if (value.ref == NULL)
            append(buffer, size, &used, "null");
        else if (type == WASM_EXTERNREF)
            append(buffer, size, &used, "%" PRIuPTR, (uintptr_t)value.ref - 1);
        else
            append(buffer, size, &used, "%p", value.ref);
        return;
    }
}

void spectest_format_value(wasm_valtype type, wasm_value value, spectest_lanes lanes,
                           char *buffer, size_t size)
{
    static const spectest_match exact[16] = { SPECTEST_MATCH_EXACT };
    format_with(type, value, lanes, exact, buffer, size);
}

void spectest_format_expected(const spectest_expected *expected, char *buffer, size_t size)
{
    format_with(expected->type, expected->value, expected->lanes, expected->match, buffer, size);
}
