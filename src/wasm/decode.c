/* decode.c - the binary format: bytes -> struct wasm_module (module.h).
 *
 * One pass over the sections in their required order. Function bodies are only delimited here;
 * their instructions are decoded by the validator in its single pass. Constant expressions are
 * skimmed to find their `end` and kept as raw bytes (the validator checks them).
 *
 * Like the spec's reference decoder, a section's contents are read from the module stream and the
 * section size is checked afterwards ("section size mismatch"), so the spec tests' expected texts
 * come out exactly. No allocation is sized by a count beyond the bytes left (each element takes
 * at least a byte), so hostile counts cost nothing. */
#include <stdlib.h>
#include <string.h>

#include "wasm/module.h"
#include "wasm/reader.h"
#include "wasm/simd.h"
#include "wasm/skim.h"

#define EOF_TEXT "unexpected end of section or function"
/* Locals per function, parameters excluded: far above real code, low enough that a hostile
 * module cannot make us allocate much. */
#define MAX_LOCALS 50000u
/* Parameters and results per function type: the JS API's implementation limits, which every
 * browser engine enforces. They bound the validator's work per call instruction. */
#define MAX_PARAMS 1000u
#define MAX_RESULTS 1000u

enum section_id {
    SEC_CUSTOM = 0, SEC_TYPE, SEC_IMPORT, SEC_FUNCTION, SEC_TABLE, SEC_MEMORY, SEC_GLOBAL,
    SEC_EXPORT, SEC_START, SEC_ELEMENT, SEC_CODE, SEC_DATA, SEC_DATA_COUNT,
};

typedef struct decoder {
    wasm_module *m;
    wasm_reader r;
    wc_error *err;
    uint32_t declared_funcs;   /* count from the function section */
    bool has_code_section;
    bool has_data_section;
    const uint8_t *name_section; /* parsed last, when the function count is known */
    uint32_t name_section_length;
} decoder;

static int fail(decoder *d, const char *text)
{
    return wasm_reader_fail(&d->r, d->err, text);
}

/* Room to allocate for a vector of `count` elements: never more than the bytes left, since
 * every element takes at least one byte. A larger count is bound to run out, and then the
 * element's own read reports it with the spec's text; a hostile count allocates nothing absurd. */
static uint32_t capacity(const decoder *d, uint32_t count)
{
    size_t left = wasm_reader_left(&d->r);
    return count < left ? count : (uint32_t)left;
}

#define GUARD(i, cap)                  \
    do {                               \
        if ((i) >= (cap))              \
            return fail(d, EOF_TEXT);  \
    } while (0)

/* ---- small readers ------------------------------------------------------------------- */

static bool utf8_valid(const uint8_t *s, uint32_t n)
{
    uint32_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        uint32_t len, cp, min;
        if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; min = 0x80; }
        else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; min = 0x800; }
        else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; min = 0x10000; }
        else return false;
        if (n - i < len)
            return false;
        for (uint32_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

static int read_name(decoder *d, wasm_name *out)
{
    uint32_t length;
    const uint8_t *bytes;
    if (wasm_read_u32(&d->r, &length, d->err) < 0)
        return -1;
    if (length > wasm_reader_left(&d->r))
        return fail(d, "length out of bounds");
    if (wasm_read_bytes(&d->r, length, &bytes, d->err) < 0)
        return -1;
    if (!utf8_valid(bytes, length))
        return fail(d, "malformed UTF-8 encoding");
    out->data = (const char *)bytes;
    out->length = length;
    return 0;
}

static int read_valtype(decoder *d, wasm_valtype *out)
{
    uint8_t b;
    if (wasm_read_u8(&d->r, &b, d->err) < 0)
        return -1;
    switch (b) {
    case WASM_I32: case WASM_I64: case WASM_F32: case WASM_F64: case WASM_V128:
    case WASM_FUNCREF: case WASM_EXTERNREF:
        *out = (wasm_valtype)b;
        return 0;
    default:
        d->r.pos--;
        return fail(d, "malformed value type");
    }
}

static int read_reftype(decoder *d, wasm_valtype *out)
{
    uint8_t b;
    if (wasm_read_u8(&d->r, &b, d->err) < 0)
        return -1;
    if (b != WASM_FUNCREF && b != WASM_EXTERNREF) {
        d->r.pos--;
        return fail(d, "malformed reference type");
    }
    *out = (wasm_valtype)b;
    return 0;
}

static int read_limits(decoder *d, wasm_limits *out)
{
    uint8_t flags;
    if (wasm_read_u8(&d->r, &flags, d->err) < 0)
        return -1;
    /* The flag is a one-bit LEB128: the spec's texts are the integer ones. */
    if (flags & 0x80)
        return fail(d, "integer representation too long");
    if (flags > 1)
        return fail(d, "integer too large");
    out->has_max = flags == 1;
    out->max = 0;
    if (wasm_read_u32(&d->r, &out->min, d->err) < 0)
        return -1;
    if (out->has_max && wasm_read_u32(&d->r, &out->max, d->err) < 0)
        return -1;
    return 0;
}

static int read_tabletype(decoder *d, wasm_tabletype *out)
{
    if (read_reftype(d, &out->element) < 0)
        return -1;
    return read_limits(d, &out->limits);
}

static int read_globaltype(decoder *d, wasm_globaltype *out)
{
    uint8_t mut;
    if (read_valtype(d, &out->type) < 0 || wasm_read_u8(&d->r, &mut, d->err) < 0)
        return -1;
    if (mut > 1)
        return fail(d, "malformed mutability");
    out->mutable_ = mut == 1;
    return 0;
}

/* ---- constant expressions ------------------------------------------------------------ */

static bool is_valtype_byte(uint8_t b)
{
    return b == WASM_I32 || b == WASM_I64 || b == WASM_F32 || b == WASM_F64 || b == WASM_V128
           || b == WASM_FUNCREF || b == WASM_EXTERNREF;
}

static int zero_byte(wasm_reader *r, wc_error *err)
{
    uint8_t b;
    if (wasm_read_u8(r, &b, err) < 0)
        return -1;
    if (b != 0) {
        r->pos--;
        return wasm_reader_fail(r, err, "zero byte expected");
    }
    return 0;
}

static int memarg(wasm_reader *r, wc_error *err)
{
    uint32_t u;
    if (wasm_read_u32(r, &u, err) < 0)
        return -1;
    return wasm_read_u32(r, &u, err);
}

bool wasm_data_count_required(const wasm_module *m)
{
    /* Bulk memory needs the segment count before the code. A module without any data section
     * just has no segments to name (an invalid index, not a malformed module). */
    return m != NULL && !m->has_data_count && m->data_count > 0;
}

int wasm_skim_instruction(wasm_reader *r, const wasm_module *m, uint8_t op, int *depth,
                          wc_error *err)
{
    uint32_t u, n;
    int64_t s;
    const uint8_t *bytes;
    uint8_t b;
    switch (op) {
    case 0x00: case 0x01: case 0x05: case 0x0f: case 0x1a: case 0x1b: case 0xd1:
        return 0;
    case 0x0b:
        (*depth)--;
        return 0;
    case 0x02: case 0x03: case 0x04:
        (*depth)++;
        /* One byte for the empty type and the single value types, else an s33 type index. */
        if (r->pos < r->end && (*r->pos == 0x40 || is_valtype_byte(*r->pos))) {
            r->pos++;
            return 0;
        }
        if (wasm_read_sleb(r, 33, &s, err) < 0)
            return -1;
        if (s < 0)
            return wasm_reader_fail(r, err, "malformed value type");
        return 0;
    case 0x0c: case 0x0d: case 0x10: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
    case 0x25: case 0x26: case 0xd2:
        return wasm_read_u32(r, &u, err);
    case 0x0e:
        if (wasm_read_u32(r, &n, err) < 0)
            return -1;
        for (uint64_t i = 0; i <= n; i++)
            if (wasm_read_u32(r, &u, err) < 0)
                return -1;
        return 0;
    case 0x11:
        return memarg(r, err);
    case 0x1c:
        if (wasm_read_u32(r, &n, err) < 0)
            return -1;
        for (uint32_t i = 0; i < n; i++) {
            if (wasm_read_u8(r, &b, err) < 0)
                return -1;
            if (!is_valtype_byte(b)) {
                r->pos--;
                return wasm_reader_fail(r, err, "malformed value type");
            }
        }
        return 0;
    case 0x3f: case 0x40:
        return zero_byte(r, err);
    case 0xd0:
        if (wasm_read_u8(r, &b, err) < 0)
            return -1;
        if (b != WASM_FUNCREF && b != WASM_EXTERNREF) {
            r->pos--;
            return wasm_reader_fail(r, err, "malformed reference type");
        }
        return 0;
    case 0x41:
        return wasm_read_sleb(r, 32, &s, err);
    case 0x42:
        return wasm_read_sleb(r, 64, &s, err);
    case 0x43:
        return wasm_read_bytes(r, 4, &bytes, err);
    case 0x44:
        return wasm_read_bytes(r, 8, &bytes, err);
    case 0xfc:
        if (wasm_read_u32(r, &n, err) < 0)
            return -1;
        switch (n) {
        case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
            return 0;
        case 8: case 9:
            if (wasm_read_u32(r, &u, err) < 0)
                return -1;
            if (wasm_data_count_required(m))
                return wasm_reader_fail(r, err, "data count section required");
            return n == 8 ? zero_byte(r, err) : 0;
        case 13: case 15: case 16: case 17:
            return wasm_read_u32(r, &u, err);
        case 12: case 14:
            return memarg(r, err);
        case 10:
            if (zero_byte(r, err) < 0)
                return -1;
            return zero_byte(r, err);
        case 11:
            return zero_byte(r, err);
        default:
            return wasm_reader_fail(r, err, "illegal opcode");
        }
    case 0xfd: {
        if (wasm_read_u32(r, &n, err) < 0)
            return -1;
        const wasm_simd_op *simd = wasm_simd_op_lookup(n);
        if (simd == NULL)
            return wasm_reader_fail(r, err, "illegal opcode");
        switch (simd->immediate) {
        case WASM_SIMD_IMM_NONE: return 0;
        case WASM_SIMD_IMM_MEMARG: return memarg(r, err);
        case WASM_SIMD_IMM_MEMARG_LANE:
            if (memarg(r, err) < 0)
                return -1;
            return wasm_read_bytes(r, 1, &bytes, err);
        case WASM_SIMD_IMM_LANE: return wasm_read_bytes(r, 1, &bytes, err);
        case WASM_SIMD_IMM_V128: case WASM_SIMD_IMM_SHUFFLE:
            return wasm_read_bytes(r, 16, &bytes, err);
        }
        return 0;
    }
    default:
        if (op >= 0x28 && op <= 0x3e)
            return memarg(r, err);
        if (op >= 0x45 && op <= 0xc4)
            return 0;
        r->pos--;
        return wasm_reader_fail(r, err, "illegal opcode");
    }
}

int wasm_body_ran_out(const wasm_module *m, wasm_reader *r, wc_error *err)
{
    /* The spec's decoder reads a body from the module stream, not bounded by the body's size:
     * it goes on into the next byte. An `end` there (0x0b) closes the body one byte too late
     * ("section size mismatch"); another byte is "not an END opcode"; nothing is the end. */
    if (r->end < m->bytes + m->length)
        return wasm_reader_fail(r, err, *r->end == 0x0b ? "section size mismatch"
                                                        : "END opcode expected");
    return wasm_reader_fail(r, err, "unexpected end of section or function");
}

int wasm_skim_body(const wasm_module *m, const wasm_module_code *code, wc_error *err)
{
    wasm_reader r = wasm_reader_make(m->bytes, code->body, code->body + code->body_length,
                                     EOF_TEXT);
    int depth = 1;
    while (depth > 0) {
        if (r.pos >= r.end)
            return wasm_body_ran_out(m, &r, err);
        uint8_t op = *r.pos++;
        if (wasm_skim_instruction(&r, m, op, &depth, err) < 0)
            return -1;
    }
    if (r.pos != r.end)
        return wasm_reader_fail(&r, err, "section size mismatch");
    return 0;
}

static int read_const_expr(decoder *d, wasm_const_expr *out)
{
    const uint8_t *start = d->r.pos;
    int depth = 1;
    while (depth > 0) {
        uint8_t op;
        if (wasm_read_u8(&d->r, &op, d->err) < 0)
            return -1;
        if (wasm_skim_instruction(&d->r, NULL, op, &depth, d->err) < 0)
            return -1;
    }
    out->code = start;
    out->length = (uint32_t)(d->r.pos - start);
    return 0;
}

/* Marks the functions a constant expression names with ref.func. */
static void declare_expr_refs(wasm_module *m, const wasm_const_expr *expr)
{
    wasm_reader r = wasm_reader_make(expr->code, expr->code, expr->code + expr->length, EOF_TEXT);
    int depth = 1;
    while (depth > 0 && r.pos < r.end) {
        uint8_t op = *r.pos++;
        if (op == 0xd2) {
            uint32_t index;
            if (wasm_read_u32(&r, &index, NULL) < 0)
                return;
            if (index < m->func_count)
                m->func_declared[index] = true;
            continue;
        }
        if (wasm_skim_instruction(&r, NULL, op, &depth, NULL) < 0)
            return;
    }
}

/* ---- sections ------------------------------------------------------------------------ */

static int decode_types(decoder *d)
{
    wasm_module *m = d->m;
    uint32_t count;
    if (wasm_read_u32(&d->r, &count, d->err) < 0)
        return -1;
    uint32_t cap = capacity(d, count);
    m->types = calloc(cap + 1, sizeof *m->types);
    if (m->types == NULL)
        return wc_error_set(d->err, WC_ERESOURCE, "out of memory decoding %u types", count);
    for (uint32_t i = 0; i < count; i++) {
        GUARD(i, cap);
        uint8_t form;
        if (wasm_read_u8(&d->r, &form, d->err) < 0)
            return -1;
        if (form != 0x60) {
            d->r.pos--;
            /* The form is a one-byte signed LEB128 (-0x20): a continuation bit is a LEB error. */
            return fail(d, form & 0x80 ? "integer representation too long"
                                       : "malformed function type");
        }
        uint32_t params, results;
        if (wasm_read_u32(&d->r, &params, d->err) < 0)
            return -1;
        uint32_t param_cap = capacity(d, params);
        /* One array holds both: results follow the params. */
        wasm_valtype *types = calloc((size_t)param_cap + 1, sizeof *types);
        if (types == NULL)
            return wc_error_set(d->err, WC_ERESOURCE, "out of memory decoding type %u", i);
        m->types[i].params = types;
        m->types[i].results = types;
        m->types[i].param_count = 0;
        m->type_count = i + 1;
        for (uint32_t k = 0; k < params; k++) {
            GUARD(k, param_cap);
            if (read_valtype(d, &types[k]) < 0)
                return -1;
        }
        m->types[i].param_count = params;
        if (params > MAX_PARAMS)
            return wc_error_set(d->err, WC_ERESOURCE, "type %u has %u parameters (at most %u)",
                                i, params, MAX_PARAMS);
        if (wasm_read_u32(&d->r, &results, d->err) < 0)
            return -1;
        uint32_t result_cap = capacity(d, results);
        types = realloc(types, ((size_t)params + result_cap + 1) * sizeof *types);
        if (types == NULL)
            return wc_error_set(d->err, WC_ERESOURCE, "out of memory decoding type %u", i);
        m->types[i].params = types;
        m->types[i].results = types + params;
        for (uint32_t k = 0; k < results; k++) {
            GUARD(k, result_cap);
            if (read_valtype(d, &types[params + k]) < 0)
                return -1;
        }
        m->types[i].result_count = results;
        if (results > MAX_RESULTS)
            return wc_error_set(d->err, WC_ERESOURCE, "type %u has %u results (at most %u)",
                                i, results, MAX_RESULTS);
    }
    return 0;
}

/* Grows one of the index-space arrays by one slot (imports arrive one at a time). */
static int grow(decoder *d, void **array, uint32_t count, size_t size)
{
    void *bigger = realloc(*array, ((size_t)count + 1) * size);
    if (bigger == NULL)
        return wc_error_set(d->err, WC_ERESOURCE, "out of memory decoding imports");
    *array = bigger;
    return 0;
}

static int decode_imports(decoder *d)
{
    wasm_module *m = d->m;
    uint32_t count;
    if (wasm_read_u32(&d->r, &count, d->err) < 0)
        return -1;
    uint32_t cap = capacity(d, count);
    m->imports = calloc(cap + 1, sizeof *m->imports);
    if (m->imports == NULL)
        return wc_error_set(d->err, WC_ERESOURCE, "out of memory decoding %u imports", count);
    for (uint32_t i = 0; i < count; i++) {
        GUARD(i, cap);
        wasm_import_desc *imp = &m->imports[i];
        uint8_t kind;
        if (read_name(d, &imp->module) < 0 || read_name(d, &imp->name) < 0
            || wasm_read_u8(&d->r, &kind, d->err) < 0)
            return -1;
        switch (kind) {
        case WASM_EXTERN_FUNC: {
            uint32_t type;
            if (wasm_read_u32(&d->r, &type, d->err) < 0
                || grow(d, (void **)&m->func_types, m->func_count, sizeof *m->func_types) < 0)
                return -1;
            imp->index = m->func_count;
            m->func_types[m->func_count++] = type;
            m->func_import_count++;
            break;
        }
        case WASM_EXTERN_TABLE: {
            wasm_tabletype t;
            if (read_tabletype(d, &t) < 0
                || grow(d, (void **)&m->tables, m->table_count, sizeof *m->tables) < 0)
                return -1;
            imp->index = m->table_count;
            m->tables[m->table_count++] = t;
            m->table_import_count++;
            break;
        }
        case WASM_EXTERN_MEMORY: {
            wasm_memorytype t;
            if (read_limits(d, &t.limits) < 0
                || grow(d, (void **)&m->memories, m->memory_count, sizeof *m->memories) < 0)
                return -1;
            imp->index = m->memory_count;
            m->memories[m->memory_count++] = t;
            m->memory_import_count++;
            break;
        }
        case WASM_EXTERN_GLOBAL: {
            wasm_globaltype t;
            if (read_globaltype(d, &t) < 0
                || grow(d, (void **)&m->globals, m->global_count, sizeof *m->globals) < 0)
                return -1;
            imp->index = m->global_count;
            m->globals[m->global_count++] = (wasm_module_global){ .type = t };
            m->global_import_count++;
            break;
        }
        default:
            d->r.pos--;
            return fail(d, "malformed import kind");
        }
        imp->kind = (wasm_extern_kind)kind;
        m->import_count = i + 1;
    }
    return 0;
}

static int decode_functions(decoder *d)
{
    wasm_module *m = d->m;
    uint32_t count;
    if (wasm_read_u32(&d->r, &count, d->err) < 0)
        return -1;
    uint32_t cap = capacity(d, count);
    uint32_t *types = realloc(m->func_types, ((size_t)m->func_count + cap + 1) * sizeof *types);
    if (types == NULL)
        return wc_error_set(d->err, WC_ERESOURCE, "out of memory decoding %u functions", count);
    m->func_types = types;
    for (uint32_t i = 0; i < count; i++) {
        GUARD(i, cap);
        if (wasm_read_u32(&d->r, &types[m->func_count], d->err) < 0)
            return -1;
        m->func_count++;
    }
    d->declared_funcs = count;
    return 0;
}

static int decode_tables(decoder *d)
{
    wasm_module *m = d->m;
    uint32_t count;
    if (wasm_read_u32(&d->r, &count, d->err) < 0)
        return -1;
    uint32_t cap = capacity(d, count);
    wasm_tabletype *tables = realloc(m->tables, ((size_t)m->table_count + cap + 1) * sizeof *tables);
    if (tables == NULL)
        return wc_error_set(d->err, WC_ERESOURCE, "out of memory decoding %u tables", count);
    m->tables = tables;
    for (uint32_t i = 0; i < count; i++) {
        GUARD(i, cap);
        if (read_tabletype(d, &tables[m->table_count]) < 0)
            return -1;
        m->table_count++;
    }
    return 0;
}

static int decode_memories(decoder *d)
{
    wasm_module *m = d->m;
    uint32_t count;
    if (wasm_read_u32(&d->r, &count, d->err) < 0)
        return -1;
    uint32_t cap = capacity(d, count);
    wasm_memorytype *mems = realloc(m->memories, ((size_t)m->memory_count + cap + 1) * sizeof *mems);
    if (mems == NULL)
        return wc_error_set(d->err, WC_ERESOURCE, "out of memory decoding %u memories", count);
    m->memories = mems;
    for (uint32_t i = 0; i < count; i++) {
        GUARD(i, cap);
        if (read_limits(d, &mems[m->memory_count].limits) < 0)
            return -1;
        m->memory_count++;
    }
    return 0;
}

static int decode_globals(decoder *d)
{
    wasm_module *m = d->m;
    uint32_t count;
    if (wasm_read_u32(&d->r, &count, d->err) < 0)
        return -1;
    uint32_t cap = capacity(d, count);
    wasm_module_global *globals = realloc(m->globals, ((size_t)m->global_count + cap + 1) * sizeof *globals);
    if (globals == NULL)
        return wc_error_set(d->err, WC_ERESOURCE, "out of memory decoding %u globals", count);
    m->globals = globals;
    for (uint32_t i = 0; i < count; i++) {
        GUARD(i, cap);
        wasm_module_global *g = &globals[m->global_count];
        if (read_globaltype(d, &g->type) < 0 || read_const_expr(d, &g->init) < 0)
            return -1;
        m->global_count++;
    }
    return 0;
}

static int decode_exports(decoder *d)
{
    wasm_module *m = d->m;
    uint32_t count;
    if (wasm_read_u32(&d->r, &count, d->err) < 0)
        return -1;
    uint32_t cap = capacity(d, count);
    m->exports = calloc(cap + 1, sizeof *m->exports);
    if (m->exports == NULL)
        return wc_error_set(d->err, WC_ERESOURCE, "out of memory decoding %u exports", count);
    for (uint32_t i = 0; i < count; i++) {
        GUARD(i, cap);
        wasm_export_desc *e = &m->exports[i];
        uint8_t kind;
        if (read_name(d, &e->name) < 0 || wasm_read_u8(&d->r, &kind, d->err) < 0)
            return -1;
        if (kind > WASM_EXTERN_GLOBAL) {
            d->r.pos--;
            return fail(d, "malformed export kind");
        }
        e->kind = (wasm_extern_kind)kind;
        if (wasm_read_u32(&d->r, &e->index, d->err) < 0)
            return -1;
        m->export_count = i + 1;
    }
    return 0;
}

static int decode_start(decoder *d)
{
    d->m->has_start = true;
    return wasm_read_u32(&d->r, &d->m->start, d->err);
}

static int read_elemkind(decoder *d)
{
    uint8_t kind;
    if (wasm_read_u8(&d->r, &kind, d->err) < 0)
        return -1;
    if (kind != 0x00) {
        d->r.pos--;
        return fail(d, "malformed element kind");
    }
    return 0;
}

static int decode_elem(decoder *d, wasm_module_elem *e)
{
    uint32_t flags;
    if (wasm_read_u32(&d->r, &flags, d->err) < 0)
        return -1;
    if (flags > 7)
        return fail(d, "malformed elements segment kind");
    /* bit 0: passive or declarative; bit 1: explicit table (active) or declarative;
     * bit 2: items are expressions with an explicit reference type. */
    bool not_active = flags & 1, bit1 = flags & 2, exprs = flags & 4;
    e->type = WASM_FUNCREF;
    if (not_active) {
        e->mode = bit1 ? WASM_SEGMENT_DECLARATIVE : WASM_SEGMENT_PASSIVE;
    } else {
        e->mode = WASM_SEGMENT_ACTIVE;
        if (bit1 && wasm_read_u32(&d->r, &e->table, d->err) < 0)
            return -1;
        if (read_const_expr(d, &e->offset) < 0)
            return -1;
    }
    if (not_active || bit1) {
        if (exprs ? read_reftype(d, &e->type) < 0 : read_elemkind(d) < 0)
            return -1;
    }
    uint32_t count;
    if (wasm_read_u32(&d->r, &count, d->err) < 0)
        return -1;
    if (exprs) {
        e->exprs = calloc(count ? count : 1, sizeof *e->exprs);
        if (e->exprs == NULL)
            return wc_error_set(d->err, WC_ERESOURCE, "out of memory decoding %u elements", count);
        for (uint32_t i = 0; i < count; i++)
            if (read_const_expr(d, &e->exprs[i]) < 0)
                return -1;
    } else {
        e->func_indices = calloc(count ? count : 1, sizeof *e->func_indices);
        if (e->func_indices == NULL)
            return wc_error_set(d->err, WC_ERESOURCE, "out of memory decoding %u elements", count);
        for (uint32_t i = 0; i < count; i++)
            if (wasm_read_u32(&d->r, &e->func_indices[i], d->err) < 0)
                return -1;
    }
    e->item_count = count;
    return 0;
}

static int decode_elems(decoder *d)
{
    wasm_module *m = d->m;
    uint32_t count;
    if (wasm_read_u32(&d->r, &count, d->err) < 0)
        return -1;
    uint32_t cap = capacity(d, count);
    m->elems = calloc(cap + 1, sizeof *m->elems);
    if (m->elems == NULL)
        return wc_error_set(d->err, WC_ERESOURCE, "out of memory decoding %u segments", count);
    for (uint32_t i = 0; i < count; i++) {
        GUARD(i, cap);
        m->elem_count = i + 1; /* so a half-decoded segment is freed */
        if (decode_elem(d, &m->elems[i]) < 0)
            return -1;
    }
    return 0;
}

static int decode_data_count(decoder *d)
{
    d->m->has_data_count = true;
    return wasm_read_u32(&d->r, &d->m->data_count, d->err);
}

static int decode_locals(decoder *d, wasm_reader *body, wasm_module_code *code)
{
    uint32_t groups;
    if (wasm_read_u32(body, &groups, d->err) < 0)
        return -1;
    /* First pass: sum the counts, so the array is sized once and bounded. */
    const uint8_t *start = body->pos;
    uint64_t total = 0;
    for (uint32_t i = 0; i < groups; i++) {
        uint32_t n;
        uint8_t type;
        if (wasm_read_u32(body, &n, d->err) < 0 || wasm_read_u8(body, &type, d->err) < 0)
            return -1;
        total += n;
        if (total > MAX_LOCALS)
            return wasm_reader_fail(body, d->err, "too many locals");
    }
    body->pos = start;
    code->local_types = calloc(total ? total : 1, sizeof *code->local_types);
    if (code->local_types == NULL)
        return wc_error_set(d->err, WC_ERESOURCE, "out of memory decoding locals");
    uint32_t at = 0;
    for (uint32_t i = 0; i < groups; i++) {
        uint32_t n;
        wasm_valtype type;
        wasm_reader saved = d->r;
        if (wasm_read_u32(body, &n, d->err) < 0)
            return -1;
        d->r = *body;
        int rc = read_valtype(d, &type);
        *body = d->r;
        d->r = saved;
        if (rc < 0)
            return -1;
        for (uint32_t k = 0; k < n; k++)
            code->local_types[at++] = type;
    }
    code->local_count = at;
    return 0;
}

static int decode_code(decoder *d)
{
    wasm_module *m = d->m;
    uint32_t count;
    if (wasm_read_u32(&d->r, &count, d->err) < 0)
        return -1;
    if (count != d->declared_funcs)
        return fail(d, "function and code section have inconsistent lengths");
    d->has_code_section = true;
    uint32_t cap = capacity(d, count);
    m->codes = calloc(cap + 1, sizeof *m->codes);
    if (m->codes == NULL)
        return wc_error_set(d->err, WC_ERESOURCE, "out of memory decoding %u bodies", count);
    for (uint32_t i = 0; i < count; i++) {
        GUARD(i, cap);
        uint32_t size;
        if (wasm_read_u32(&d->r, &size, d->err) < 0)
            return -1;
        if (size > wasm_reader_left(&d->r))
            return fail(d, "length out of bounds");
        wasm_reader body = wasm_reader_make(d->r.start, d->r.pos, d->r.pos + size, EOF_TEXT);
        wasm_module_code *code = &m->codes[i];
        m->code_count = i + 1;
        if (decode_locals(d, &body, code) < 0)
            return -1;
        code->body = body.pos;
        code->body_length = (uint32_t)(body.end - body.pos);
        code->body_offset = (uint32_t)(body.pos - d->r.start);
        d->r.pos = body.end;
    }
    return 0;
}

static int decode_datas(decoder *d)
{
    wasm_module *m = d->m;
    uint32_t count;
    if (wasm_read_u32(&d->r, &count, d->err) < 0)
        return -1;
    if (m->has_data_count && count != m->data_count)
        return fail(d, "data count and data section have inconsistent lengths");
    d->has_data_section = true;
    uint32_t cap = capacity(d, count);
    m->datas = calloc(cap + 1, sizeof *m->datas);
    if (m->datas == NULL)
        return wc_error_set(d->err, WC_ERESOURCE, "out of memory decoding %u segments", count);
    for (uint32_t i = 0; i < count; i++) {
        GUARD(i, cap);
        m->data_count = i + 1;
        wasm_module_data *seg = &m->datas[i];
        uint32_t flags, length;
        if (wasm_read_u32(&d->r, &flags, d->err) < 0)
            return -1;
        if (flags > 2)
            return fail(d, "malformed data segment kind");
        seg->mode = flags == 1 ? WASM_SEGMENT_PASSIVE : WASM_SEGMENT_ACTIVE;
        if (flags == 2 && wasm_read_u32(&d->r, &seg->memory, d->err) < 0)
            return -1;
        if (flags != 1 && read_const_expr(d, &seg->offset) < 0)
            return -1;
        if (wasm_read_u32(&d->r, &length, d->err) < 0)
            return -1;
        if (length > wasm_reader_left(&d->r))
            return fail(d, "unexpected end of section or function");
        seg->bytes = d->r.pos;
        seg->length = length;
        d->r.pos += length;
    }
    return 0;
}

static int decode_custom(decoder *d, const uint8_t *end)
{
    wasm_module *m = d->m;
    wasm_reader saved = d->r;
    d->r.end = end; /* the name may not run past the section */
    wasm_name name;
    int rc = read_name(d, &name);
    d->r.end = saved.end;
    if (rc < 0)
        return -1;
    wasm_custom_section *bigger = realloc(m->customs, ((size_t)m->custom_count + 1) * sizeof *bigger);
    if (bigger == NULL)
        return wc_error_set(d->err, WC_ERESOURCE, "out of memory decoding a custom section");
    m->customs = bigger;
    wasm_custom_section *c = &m->customs[m->custom_count++];
    c->name = name;
    c->data = d->r.pos;
    c->length = (uint32_t)(end - d->r.pos);
    if (name.length == 4 && memcmp(name.data, "name", 4) == 0 && d->name_section == NULL) {
        d->name_section = c->data;
        d->name_section_length = c->length;
    }
    d->r.pos = end;
    return 0;
}

/* The "name" section's function names (subsection 1). Tolerant: anything malformed leaves the
 * module without names, since names only decorate trap messages. */
static void decode_function_names(decoder *d)
{
    wasm_module *m = d->m;
    if (d->name_section == NULL || m->func_count == 0)
        return;
    wasm_reader r = wasm_reader_make(d->name_section, d->name_section,
                                     d->name_section + d->name_section_length, EOF_TEXT);
    while (r.pos < r.end) {
        uint8_t id;
        uint32_t size;
        if (wasm_read_u8(&r, &id, NULL) < 0 || wasm_read_u32(&r, &size, NULL) < 0
            || size > wasm_reader_left(&r))
            return;
        const uint8_t *sub_end = r.pos + size;
        if (id != 1) {
            r.pos = sub_end;
            continue;
        }
        wasm_name *names = calloc(m->func_count, sizeof *names);
        if (names == NULL)
            return;
        wasm_reader s = wasm_reader_make(r.pos, r.pos, sub_end, EOF_TEXT);
        uint32_t count;
        if (wasm_read_u32(&s, &count, NULL) < 0)
            goto malformed;
        for (uint32_t i = 0; i < count; i++) {
            uint32_t index, length;
            const uint8_t *bytes;
            if (wasm_read_u32(&s, &index, NULL) < 0 || wasm_read_u32(&s, &length, NULL) < 0
                || wasm_read_bytes(&s, length, &bytes, NULL) < 0 || !utf8_valid(bytes, length))
                goto malformed;
            if (index < m->func_count)
                names[index] = (wasm_name){ (const char *)bytes, length };
        }
        free(m->func_names);
        m->func_names = names;
        return;
    malformed:
        free(names);
        return;
    }
}

static int decode_section(decoder *d, uint8_t id, const uint8_t *end)
{
    switch (id) {
    case SEC_TYPE: return decode_types(d);
    case SEC_IMPORT: return decode_imports(d);
    case SEC_FUNCTION: return decode_functions(d);
    case SEC_TABLE: return decode_tables(d);
    case SEC_MEMORY: return decode_memories(d);
    case SEC_GLOBAL: return decode_globals(d);
    case SEC_EXPORT: return decode_exports(d);
    case SEC_START: return decode_start(d);
    case SEC_ELEMENT: return decode_elems(d);
    case SEC_CODE: return decode_code(d);
    case SEC_DATA: return decode_datas(d);
    case SEC_DATA_COUNT: return decode_data_count(d);
    default: return decode_custom(d, end);
    }
}

/* Position of a section id in the required order (data count sits between element and code). */
static int section_rank(uint8_t id)
{
    static const int rank[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10 };
    return rank[id];
}

static int finish(decoder *d)
{
    wasm_module *m = d->m;
    if (d->declared_funcs > 0 && !d->has_code_section)
        return fail(d, "function and code section have inconsistent lengths");
    if (m->has_data_count && m->data_count > 0 && !d->has_data_section)
        return fail(d, "data count and data section have inconsistent lengths");
    if (!d->has_data_section && !m->has_data_count)
        m->data_count = 0;
    m->func_declared = calloc(m->func_count ? m->func_count : 1, sizeof *m->func_declared);
    if (m->func_declared == NULL)
        return wc_error_set(d->err, WC_ERESOURCE, "out of memory");
    for (uint32_t i = 0; i < m->export_count; i++)
        if (m->exports[i].kind == WASM_EXTERN_FUNC && m->exports[i].index < m->func_count)
            m->func_declared[m->exports[i].index] = true;
    for (uint32_t i = m->global_import_count; i < m->global_count; i++)
        declare_expr_refs(m, &m->globals[i].init);
    for (uint32_t i = 0; i < m->elem_count; i++) {
        wasm_module_elem *e = &m->elems[i];
        if (e->mode == WASM_SEGMENT_ACTIVE)
            declare_expr_refs(m, &e->offset);
        for (uint32_t k = 0; k < e->item_count; k++) {
            if (e->exprs != NULL)
                declare_expr_refs(m, &e->exprs[k]);
            else if (e->func_indices[k] < m->func_count)
                m->func_declared[e->func_indices[k]] = true;
        }
    }
    for (uint32_t i = 0; i < m->data_count; i++)
        if (m->datas[i].mode == WASM_SEGMENT_ACTIVE)
            declare_expr_refs(m, &m->datas[i].offset);
    decode_function_names(d);
    return 0;
}

int wasm_decode(wasm_module *module, const uint8_t *bytes, size_t length, wc_error *err)
{
    if (length > UINT32_MAX)
        return wc_error_set(err, WC_ERESOURCE, "module of %zu bytes is too large", length);
    module->bytes = malloc(length ? length : 1);
    if (module->bytes == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory copying a %zu-byte module", length);
    if (length > 0)
        memcpy(module->bytes, bytes, length);
    module->length = length;

    const uint8_t *b = module->bytes;
    decoder d = { .m = module, .err = err,
                  .r = wasm_reader_make(b, b, b + length, "unexpected end") };
    if (length < 4)
        return fail(&d, "unexpected end");
    if (memcmp(b, "\0asm", 4) != 0)
        return fail(&d, "magic header not detected");
    d.r.pos += 4;
    if (length < 8)
        return fail(&d, "unexpected end");
    if (memcmp(b + 4, "\1\0\0\0", 4) != 0)
        return fail(&d, "unknown binary version");
    d.r.pos += 4;
    d.r.eof_text = EOF_TEXT;

    int last_rank = 0;
    while (d.r.pos < d.r.end) {
        uint8_t id = *d.r.pos;
        if (id > SEC_DATA_COUNT)
            return fail(&d, "malformed section id");
        d.r.pos++;
        if (id != SEC_CUSTOM) {
            if (section_rank(id) <= last_rank)
                return fail(&d, "unexpected content after last section");
            last_rank = section_rank(id);
        }
        uint32_t size;
        if (wasm_read_u32(&d.r, &size, err) < 0)
            return -1;
        if (size > wasm_reader_left(&d.r))
            return fail(&d, "length out of bounds");
        const uint8_t *start = d.r.pos, *end = d.r.pos + size;
        if (decode_section(&d, id, end) < 0)
            return -1;
        if (d.r.pos != end) {
            d.r.pos = start;
            return fail(&d, "section size mismatch");
        }
    }
    return finish(&d);
}

void wasm_decoded_free(wasm_module *m)
{
    for (uint32_t i = 0; i < m->type_count; i++)
        free((void *)m->types[i].params);
    free(m->types);
    free(m->imports);
    free(m->func_types);
    free(m->tables);
    free(m->memories);
    free(m->globals);
    free(m->exports);
    for (uint32_t i = 0; i < m->elem_count; i++) {
        free(m->elems[i].func_indices);
        free(m->elems[i].exprs);
    }
    free(m->elems);
    free(m->datas);
    for (uint32_t i = 0; i < m->code_count; i++)
        free(m->codes[i].local_types);
    free(m->codes);
    free(m->func_declared);
    free(m->func_names);
    free(m->customs);
    free(m->bytes);
}
