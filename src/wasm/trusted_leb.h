/* trusted_leb.h - LEB128 reads over bytes the validator has already accepted, for the back end
 * (compiling bodies, evaluating constant expressions): no error paths, since a validated module
 * has none to take; reading stops at `end` all the same. Internal to src/wasm. */
#ifndef WASMCRI_WASM_TRUSTED_LEB_H
#define WASMCRI_WASM_TRUSTED_LEB_H

#include <stdint.h>

static inline uint64_t wasm_trusted_uleb(const uint8_t **p, const uint8_t *end)
{
    uint64_t value = 0;
    unsigned shift = 0;
    while (*p < end) {
        uint8_t byte = *(*p)++;
        if (shift < 64)
            value |= (uint64_t)(byte & 0x7f) << shift;
        shift += 7;
        if (!(byte & 0x80))
            break;
    }
    return value;
}

static inline int64_t wasm_trusted_sleb(const uint8_t **p, const uint8_t *end)
{
    uint64_t value = 0;
    unsigned shift = 0;
    uint8_t byte = 0;
    while (*p < end) {
        byte = *(*p)++;
        if (shift < 64)
            value |= (uint64_t)(byte & 0x7f) << shift;
        shift += 7;
        if (!(byte & 0x80))
            break;
    }
    if (shift < 64 && (byte & 0x40))
        value |= ~(uint64_t)0 << shift;
    return (int64_t)value;
}

#endif
