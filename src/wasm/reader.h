/* reader.h - a bounded cursor over wasm binary bytes, with the spec's malformed-module texts.
 * Internal to the front end (decode.c, validate.c). Every reader fails with WC_EMALFORMED and
 * the spec's text at the start of the message, so tests (and users) can match it. */
#ifndef WASMCRI_WASM_READER_H
#define WASMCRI_WASM_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

typedef struct wasm_reader {
    const uint8_t *start; /* offsets in messages are relative to this */
    const uint8_t *pos;
    const uint8_t *end;
    const char *eof_text; /* what running out means here ("unexpected end", ...) */
} wasm_reader;

static inline wasm_reader wasm_reader_make(const uint8_t *start, const uint8_t *pos,
                                           const uint8_t *end, const char *eof_text)
{
    return (wasm_reader){ start, pos, end, eof_text };
}

static inline size_t wasm_reader_left(const wasm_reader *r)
{
    return (size_t)(r->end - r->pos);
}

static inline size_t wasm_reader_offset(const wasm_reader *r)
{
    return (size_t)(r->pos - r->start);
}

static inline int wasm_reader_fail(const wasm_reader *r, wc_error *err, const char *text)
{
    /* A visible -1 (not wc_error_set's) lets the compiler see callers' error paths. */
    wc_error_set(err, WC_EMALFORMED, "%s (at byte %zu)", text, wasm_reader_offset(r));
    return -1;
}

static inline int wasm_read_u8(wasm_reader *r, uint8_t *out, wc_error *err)
{
    if (r->pos >= r->end)
        return wasm_reader_fail(r, err, r->eof_text);
    *out = *r->pos++;
    return 0;
}

static inline int wasm_read_bytes(wasm_reader *r, size_t n, const uint8_t **out, wc_error *err)
{
    if (wasm_reader_left(r) < n)
        return wasm_reader_fail(r, err, r->eof_text);
    *out = r->pos;
    r->pos += n;
    return 0;
}

/* Unsigned LEB128 of at most `bits` bits (32 or 64). Overlong encodings are fine as long as they
 * fit in ceil(bits/7) bytes; the last byte's unused bits must be zero. */
static inline int wasm_read_uleb(wasm_reader *r, unsigned bits, uint64_t *out, wc_error *err)
{
    uint64_t value = 0;
    unsigned max_bytes = (bits + 6) / 7;
    for (unsigned i = 0;; i++) {
        uint8_t byte;
        if (wasm_read_u8(r, &byte, err) < 0)
            return -1;
        unsigned shift = 7 * i;
        if (i == max_bytes - 1) {
            if (byte & 0x80)
                return wasm_reader_fail(r, err, "integer representation too long");
            unsigned used = bits - shift; /* payload bits this byte may carry */
            if (used < 7 && (byte >> used) != 0)
                return wasm_reader_fail(r, err, "integer too large");
            value |= (uint64_t)byte << shift;
            break;
        }
        value |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            break;
    }
    *out = value;
    return 0;
}

/* Signed LEB128 of `bits` bits (32, 33 or 64): the last byte's unused bits must be a sign
 * extension of its last payload bit. */
static inline int wasm_read_sleb(wasm_reader *r, unsigned bits, int64_t *out, wc_error *err)
{
    uint64_t value = 0;
    unsigned max_bytes = (bits + 6) / 7;
    for (unsigned i = 0;; i++) {
        uint8_t byte;
        if (wasm_read_u8(r, &byte, err) < 0)
            return -1;
        unsigned shift = 7 * i;
        if (i == max_bytes - 1) {
            if (byte & 0x80)
                return wasm_reader_fail(r, err, "integer representation too long");
            unsigned used = bits - shift; /* payload bits in this byte, sign bit included */
            if (used < 7) {
                uint8_t sign = (byte >> (used - 1)) & 1;
                uint8_t rest = (uint8_t)(byte >> used);
                uint8_t expect = sign ? (uint8_t)(0x7f >> used) : 0;
                if (rest != expect)
                    return wasm_reader_fail(r, err, "integer too large");
            }
            value |= (uint64_t)byte << shift;
            if (shift + 7 < 64 && (byte & 0x40))
                value |= ~(uint64_t)0 << (shift + 7);
            break;
        }
        value |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            if (shift + 7 < 64 && (byte & 0x40))
                value |= ~(uint64_t)0 << (shift + 7);
            break;
        }
    }
    *out = (int64_t)value;
    return 0;
}

static inline int wasm_read_u32(wasm_reader *r, uint32_t *out, wc_error *err)
{
    uint64_t v = 0;
    if (wasm_read_uleb(r, 32, &v, err) < 0)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

#endif
