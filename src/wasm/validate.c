/* validate.c - WebAssembly 2.0 validation (MVP, sign extension, non-trapping float-to-int,
 * multi-value, bulk memory, reference types, SIMD).
 *
 * Function bodies are decoded here, in the same single pass that type-checks them, with the
 * operand/control stack algorithm of the spec's validation appendix. Decoding errors inside a
 * body (illegal opcode, bad LEB128, non-zero reserved byte) are WC_EMALFORMED; typing errors
 * are WC_EINVALIDMODULE. Messages start with the spec's text, then say where. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/module.h"
#include "wasm/reader.h"
#include "wasm/simd.h"
#include "wasm/skim.h"

#define UNKNOWN 0 /* the operand type of unreachable code's stack bottom */
/* Operand stack height bound: no real function comes near it, and it keeps a hostile body
 * (calls pushing many results) from growing the validator's memory without end. */
#define MAX_OPERANDS (1u << 20)

#define TRY(expr)            \
    do {                     \
        if ((expr) < 0)      \
            return -1;       \
    } while (0)

typedef struct frame {
    uint8_t opcode;             /* 0x02 block, 0x03 loop, 0x04 if, 0x05 else, 0x00 function */
    bool unreachable;
    uint32_t height;            /* operand stack height at entry (params excluded) */
    const wasm_valtype *params;
    uint32_t param_count;
    const wasm_valtype *results;
    uint32_t result_count;
    uint32_t br_table_mark;     /* the br_table that last checked this label, see there */
} frame;

typedef struct checker {
    const wasm_module *m;
    wc_error *err;
    wasm_reader r;
    uint32_t func;              /* function index being checked, for messages */
    const char *where;          /* "function 3", "global 2", ... when not in a body */

    uint8_t *vals;              /* operand types, UNKNOWN for the polymorphic bottom */
    uint32_t val_count, val_cap;
    frame *ctrls;
    uint32_t ctrl_count, ctrl_cap;
    uint32_t br_table_serial;
    wasm_valtype *locals;
    uint32_t local_count, local_cap;
} checker;

/* The result arrays of single-type block types: a constant table, pointed into. */
static const wasm_valtype single_types[] = {
    WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_V128, WASM_FUNCREF, WASM_EXTERNREF,
};

static const char *type_name(uint8_t t)
{
    switch (t) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    case WASM_V128: return "v128";
    case WASM_FUNCREF: return "funcref";
    case WASM_EXTERNREF: return "externref";
    default: return "nothing";
    }
}

static bool is_ref(uint8_t t)
{
    return t == WASM_FUNCREF || t == WASM_EXTERNREF;
}

/* WC_EINVALIDMODULE: the spec text (formatted), then where in the module. */
__attribute__((format(printf, 2, 3)))
static int invalid(checker *c, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (c->where != NULL)
        wc_error_set(c->err, WC_EINVALIDMODULE, "%s (%s)", text, c->where);
    else if (c->m->func_names != NULL && c->m->func_names[c->func].length > 0)
        wc_error_set(c->err, WC_EINVALIDMODULE, "%s (function %u \"%.*s\", byte %zu)", text,
                     c->func, (int)c->m->func_names[c->func].length,
                     c->m->func_names[c->func].data, wasm_reader_offset(&c->r));
    else
        wc_error_set(c->err, WC_EINVALIDMODULE, "%s (function %u, byte %zu)", text, c->func,
                     wasm_reader_offset(&c->r));
    return -1;
}

static int malformed(checker *c, const char *text)
{
    return wasm_reader_fail(&c->r, c->err, text);
}

/* ---- the operand and control stacks -------------------------------------------------- */

static int push(checker *c, uint8_t type)
{
    if (c->val_count == MAX_OPERANDS)
        return wc_error_set(c->err, WC_ERESOURCE,
                            "function %u: operand stack exceeds %u values", c->func, MAX_OPERANDS);
    if (c->val_count == c->val_cap) {
        uint32_t cap = c->val_cap ? c->val_cap * 2 : 64;
        uint8_t *bigger = realloc(c->vals, cap);
        if (bigger == NULL)
            return wc_error_set(c->err, WC_ERESOURCE, "out of memory validating");
        c->vals = bigger;
        c->val_cap = cap;
    }
    c->vals[c->val_count++] = type;
    return 0;
}

static int push_types(checker *c, const wasm_valtype *types, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        TRY(push(c, (uint8_t)types[i]));
    return 0;
}

static int pop(checker *c, uint8_t *out)
{
    frame *f = &c->ctrls[c->ctrl_count - 1];
    if (c->val_count == f->height) {
        if (f->unreachable) {
            *out = UNKNOWN;
            return 0;
        }
        return invalid(c, "type mismatch: operand stack is empty");
    }
    *out = c->vals[--c->val_count];
    return 0;
}

static int pop_expect(checker *c, uint8_t expect, uint8_t *out)
{
    uint8_t actual = UNKNOWN;
    TRY(pop(c, &actual));
    if (actual != expect && actual != UNKNOWN && expect != UNKNOWN)
        return invalid(c, "type mismatch: expected %s, got %s", type_name(expect),
                       type_name(actual));
    if (out != NULL)
        *out = actual == UNKNOWN ? expect : actual;
    return 0;
}

static int pop_type(checker *c, uint8_t expect)
{
    return pop_expect(c, expect, NULL);
}

static int pop_types(checker *c, const wasm_valtype *types, uint32_t n)
{
    for (uint32_t i = n; i-- > 0;)
        TRY(pop_type(c, (uint8_t)types[i]));
    return 0;
}

static int push_ctrl(checker *c, uint8_t opcode, const wasm_valtype *params, uint32_t param_count,
                     const wasm_valtype *results, uint32_t result_count)
{
    if (c->ctrl_count == c->ctrl_cap) {
        uint32_t cap = c->ctrl_cap ? c->ctrl_cap * 2 : 16;
        frame *bigger = realloc(c->ctrls, cap * sizeof *bigger);
        if (bigger == NULL)
            return wc_error_set(c->err, WC_ERESOURCE, "out of memory validating");
        c->ctrls = bigger;
        c->ctrl_cap = cap;
    }
    c->ctrls[c->ctrl_count++] = (frame){ .opcode = opcode, .height = c->val_count,
                                         .params = params, .param_count = param_count,
                                         .results = results, .result_count = result_count };
    return push_types(c, params, param_count);
}

static int pop_ctrl(checker *c, frame *out)
{
    frame *f = &c->ctrls[c->ctrl_count - 1];
    TRY(pop_types(c, f->results, f->result_count));
    if (c->val_count != f->height)
        return invalid(c, "type mismatch: %u values left on the stack at the end of a block",
                       c->val_count - f->height);
    *out = *f;
    c->ctrl_count--;
    return 0;
}

static void set_unreachable(checker *c)
{
    frame *f = &c->ctrls[c->ctrl_count - 1];
    c->val_count = f->height;
    f->unreachable = true;
}

/* A branch to label `depth` carries the loop's params or the block's results. */
static void label_types(const frame *f, const wasm_valtype **types, uint32_t *n)
{
    if (f->opcode == 0x03) {
        *types = f->params;
        *n = f->param_count;
    } else {
        *types = f->results;
        *n = f->result_count;
    }
}

static int get_label(checker *c, uint32_t depth, frame **out)
{
    if (depth >= c->ctrl_count)
        return invalid(c, "unknown label %u", depth);
    *out = &c->ctrls[c->ctrl_count - 1 - depth];
    return 0;
}

/* ---- immediates ---------------------------------------------------------------------- */

static int read_u32(checker *c, uint32_t *out)
{
    return wasm_read_u32(&c->r, out, c->err);
}

static int read_zero_byte(checker *c)
{
    uint8_t b;
    TRY(wasm_read_u8(&c->r, &b, c->err));
    if (b != 0) {
        c->r.pos--;
        return malformed(c, "zero byte expected");
    }
    return 0;
}

static int read_blocktype(checker *c, const wasm_valtype **params, uint32_t *param_count,
                          const wasm_valtype **results, uint32_t *result_count)
{
    *params = NULL;
    *param_count = 0;
    *results = NULL;
    *result_count = 0;
    /* One byte for the empty type and the single value types, else an s33 type index. */
    if (c->r.pos < c->r.end) {
        uint8_t byte = *c->r.pos;
        if (byte == 0x40) {
            c->r.pos++;
            return 0;
        }
        for (size_t i = 0; i < sizeof single_types / sizeof single_types[0]; i++) {
            if (single_types[i] == byte) {
                c->r.pos++;
                *results = &single_types[i];
                *result_count = 1;
                return 0;
            }
        }
    }
    int64_t bt;
    TRY(wasm_read_sleb(&c->r, 33, &bt, c->err));
    if (bt < 0)
        return malformed(c, "malformed value type");
    if ((uint64_t)bt >= c->m->type_count)
        return invalid(c, "unknown type %lld", (long long)bt);
    const wasm_functype *t = &c->m->types[bt];
    *params = t->params;
    *param_count = t->param_count;
    *results = t->results;
    *result_count = t->result_count;
    return 0;
}

static int read_memarg(checker *c, uint32_t natural_log2)
{
    uint32_t align, offset;
    TRY(read_u32(c, &align));
    TRY(read_u32(c, &offset));
    if (c->m->memory_count == 0)
        return invalid(c, "unknown memory 0");
    if (align > natural_log2)
        return invalid(c, "alignment must not be larger than natural");
    return 0;
}

static int need_memory(checker *c)
{
    if (c->m->memory_count == 0)
        return invalid(c, "unknown memory 0");
    return 0;
}

static int read_table(checker *c, uint32_t *index)
{
    TRY(read_u32(c, index));
    if (*index >= c->m->table_count)
        return invalid(c, "unknown table %u", *index);
    return 0;
}

/* Reads a data segment index; check_data_index checks it (memory.init checks its memory
 * first, as the spec does). */
static int read_data_index(checker *c, uint32_t *index)
{
    TRY(read_u32(c, index));
    /* Single-pass decoders need the segment count before the code: the DataCount section. */
    if (wasm_data_count_required(c->m))
        return malformed(c, "data count section required");
    return 0;
}

static int check_data_index(checker *c, uint32_t index)
{
    if (index >= c->m->data_count)
        return invalid(c, "unknown data segment %u", index);
    return 0;
}

static int read_elem_index(checker *c, uint32_t *index)
{
    TRY(read_u32(c, index));
    if (*index >= c->m->elem_count)
        return invalid(c, "unknown elem segment %u", *index);
    return 0;
}

/* ---- instruction typing -------------------------------------------------------------- */

/* t1 -> t2 (or t1 t1 -> t2 when binary) */
static int unop(checker *c, uint8_t in, uint8_t out)
{
    TRY(pop_type(c, in));
    return push(c, out);
}

static int binop(checker *c, uint8_t in, uint8_t out)
{
    TRY(pop_type(c, in));
    TRY(pop_type(c, in));
    return push(c, out);
}

static int load(checker *c, uint32_t natural_log2, uint8_t type)
{
    TRY(read_memarg(c, natural_log2));
    TRY(pop_type(c, WASM_I32));
    return push(c, type);
}

static int store(checker *c, uint32_t natural_log2, uint8_t type)
{
    TRY(read_memarg(c, natural_log2));
    TRY(pop_type(c, type));
    return pop_type(c, WASM_I32);
}

static int check_br_table(checker *c)
{
    uint32_t count;
    TRY(read_u32(c, &count));
    TRY(pop_type(c, WASM_I32));
    const uint8_t *targets = c->r.pos;
    uint32_t depth;
    /* First the default target, which fixes the arity the others must share. */
    for (uint64_t i = 0; i <= count; i++)
        TRY(read_u32(c, &depth));
    const uint8_t *after = c->r.pos;
    frame *def = NULL;
    TRY(get_label(c, depth, &def));
    const wasm_valtype *def_types;
    uint32_t arity;
    label_types(def, &def_types, &arity);
    c->r.pos = targets;
    c->br_table_serial++;
    for (uint32_t i = 0; i < count; i++) {
        TRY(read_u32(c, &depth));
        frame *f = NULL;
        TRY(get_label(c, depth, &f));
        const wasm_valtype *types;
        uint32_t n;
        label_types(f, &types, &n);
        if (n != arity)
            return invalid(c, "type mismatch: br_table targets have different arities");
        /* A label named again by the same br_table needs no second check: this keeps a
         * million targets over a few wide labels linear. */
        if (f->br_table_mark == c->br_table_serial)
            continue;
        f->br_table_mark = c->br_table_serial;
        /* Check the operands against this label without consuming them: pop only moves the
         * count down to the frame's height (below it, it reports UNKNOWN), so restoring the
         * count restores the stack. */
        uint32_t saved = c->val_count;
        TRY(pop_types(c, types, n));
        c->val_count = saved;
    }
    c->r.pos = after;
    TRY(pop_types(c, def_types, arity));
    set_unreachable(c);
    return 0;
}

static int check_call(checker *c, const wasm_functype *t)
{
    TRY(pop_types(c, t->params, t->param_count));
    return push_types(c, t->results, t->result_count);
}

static int check_select(checker *c, bool typed)
{
    if (typed) {
        uint32_t n;
        TRY(read_u32(c, &n));
        if (n != 1)
            return invalid(c, "invalid result arity");
        uint8_t t = 0;
        TRY(wasm_read_u8(&c->r, &t, c->err));
        bool known = false;
        for (size_t i = 0; i < sizeof single_types / sizeof single_types[0]; i++)
            known |= single_types[i] == t;
        if (!known)
            return malformed(c, "malformed value type");
        TRY(pop_type(c, WASM_I32));
        TRY(pop_type(c, t));
        TRY(pop_type(c, t));
        return push(c, t);
    }
    uint8_t t1 = UNKNOWN, t2 = UNKNOWN;
    TRY(pop_type(c, WASM_I32));
    frame *f = &c->ctrls[c->ctrl_count - 1];
    if (c->val_count < f->height + 2 && !f->unreachable)
        /* wast2json writes `select (result)` (no type) as a plain select, which then lacks
         * operands: say both what it is and what the source most likely meant. */
        return invalid(c, "type mismatch: select needs two operands (invalid result arity)");
    TRY(pop(c, &t1));
    TRY(pop(c, &t2));
    if (is_ref(t1) || is_ref(t2))
        return invalid(c, "type mismatch: select without a type needs numeric operands");
    if (t1 != t2 && t1 != UNKNOWN && t2 != UNKNOWN)
        return invalid(c, "type mismatch: select operands %s and %s", type_name(t2),
                       type_name(t1));
    return push(c, t1 == UNKNOWN ? t2 : t1);
}

static int check_prefix_fc(checker *c)
{
    const wasm_module *m = c->m;
    uint32_t op, x, y;
    TRY(read_u32(c, &op));
    switch (op) {
    case 0: case 1: return unop(c, WASM_F32, WASM_I32);
    case 2: case 3: return unop(c, WASM_F64, WASM_I32);
    case 4: case 5: return unop(c, WASM_F32, WASM_I64);
    case 6: case 7: return unop(c, WASM_F64, WASM_I64);
    case 8: /* memory.init */
        TRY(read_data_index(c, &x));
        TRY(read_zero_byte(c));
        TRY(need_memory(c));
        TRY(check_data_index(c, x));
        TRY(pop_type(c, WASM_I32));
        TRY(pop_type(c, WASM_I32));
        return pop_type(c, WASM_I32);
    case 9: /* data.drop */
        TRY(read_data_index(c, &x));
        return check_data_index(c, x);
    case 10: /* memory.copy */
        TRY(read_zero_byte(c));
        TRY(read_zero_byte(c));
        TRY(need_memory(c));
        TRY(pop_type(c, WASM_I32));
        TRY(pop_type(c, WASM_I32));
        return pop_type(c, WASM_I32);
    case 11: /* memory.fill */
        TRY(read_zero_byte(c));
        TRY(need_memory(c));
        TRY(pop_type(c, WASM_I32));
        TRY(pop_type(c, WASM_I32));
        return pop_type(c, WASM_I32);
    case 12: /* table.init elem table: the table is checked first, as the spec does */
        TRY(read_u32(c, &x));
        TRY(read_table(c, &y));
        if (x >= m->elem_count)
            return invalid(c, "unknown elem segment %u", x);
        if (m->elems[x].type != m->tables[y].element)
            return invalid(c, "type mismatch: elem segment %u and table %u", x, y);
        TRY(pop_type(c, WASM_I32));
        TRY(pop_type(c, WASM_I32));
        return pop_type(c, WASM_I32);
    case 13: /* elem.drop */
        return read_elem_index(c, &x);
    case 14: /* table.copy dst src */
        TRY(read_table(c, &x));
        TRY(read_table(c, &y));
        if (m->tables[x].element != m->tables[y].element)
            return invalid(c, "type mismatch: table.copy between tables %u and %u", x, y);
        TRY(pop_type(c, WASM_I32));
        TRY(pop_type(c, WASM_I32));
        return pop_type(c, WASM_I32);
    case 15: /* table.grow */
        TRY(read_table(c, &x));
        TRY(pop_type(c, WASM_I32));
        TRY(pop_type(c, (uint8_t)m->tables[x].element));
        return push(c, WASM_I32);
    case 16: /* table.size */
        TRY(read_table(c, &x));
        return push(c, WASM_I32);
    case 17: /* table.fill */
        TRY(read_table(c, &x));
        TRY(pop_type(c, WASM_I32));
        TRY(pop_type(c, (uint8_t)m->tables[x].element));
        return pop_type(c, WASM_I32);
    default:
        return malformed(c, "illegal opcode");
    }
}

static uint32_t log2_of(uint32_t n)
{
    uint32_t l = 0;
    while ((1u << l) < n)
        l++;
    return l;
}

static int check_prefix_fd(checker *c)
{
    uint32_t opcode;
    TRY(read_u32(c, &opcode));
    const wasm_simd_op *op = wasm_simd_op_lookup(opcode);
    if (op == NULL)
        return malformed(c, "illegal opcode");
    const uint8_t *bytes;
    uint8_t lane;
    switch (op->immediate) {
    case WASM_SIMD_IMM_NONE:
        break;
    case WASM_SIMD_IMM_MEMARG:
        TRY(read_memarg(c, log2_of(op->access_bytes)));
        break;
    case WASM_SIMD_IMM_MEMARG_LANE:
        TRY(read_memarg(c, log2_of(op->access_bytes)));
        TRY(wasm_read_u8(&c->r, &lane, c->err));
        if (lane >= op->lane_count)
            return invalid(c, "invalid lane index");
        break;
    case WASM_SIMD_IMM_LANE:
        TRY(wasm_read_u8(&c->r, &lane, c->err));
        if (lane >= op->lane_count)
            return invalid(c, "invalid lane index");
        break;
    case WASM_SIMD_IMM_V128:
        TRY(wasm_read_bytes(&c->r, 16, &bytes, c->err));
        break;
    case WASM_SIMD_IMM_SHUFFLE:
        TRY(wasm_read_bytes(&c->r, 16, &bytes, c->err));
        for (int i = 0; i < 16; i++)
            if (bytes[i] >= 32)
                return invalid(c, "invalid lane index");
        break;
    }
    for (uint32_t i = op->param_count; i-- > 0;)
        TRY(pop_type(c, (uint8_t)op->params[i]));
    if (op->result_count)
        TRY(push(c, (uint8_t)op->result));
    return 0;
}

/* Numeric instructions 0x45..0xc4: pure stack effects. */
static int check_numeric(checker *c, uint8_t op)
{
    const uint8_t I32 = WASM_I32, I64 = WASM_I64, F32 = WASM_F32, F64 = WASM_F64;
    if (op == 0x45) return unop(c, I32, I32);
    if (op <= 0x4f) return binop(c, I32, I32);
    if (op == 0x50) return unop(c, I64, I32);
    if (op <= 0x5a) return binop(c, I64, I32);
    if (op <= 0x60) return binop(c, F32, I32);
    if (op <= 0x66) return binop(c, F64, I32);
    if (op <= 0x69) return unop(c, I32, I32);
    if (op <= 0x78) return binop(c, I32, I32);
    if (op <= 0x7b) return unop(c, I64, I64);
    if (op <= 0x8a) return binop(c, I64, I64);
    if (op <= 0x91) return unop(c, F32, F32);
    if (op <= 0x98) return binop(c, F32, F32);
    if (op <= 0x9f) return unop(c, F64, F64);
    if (op <= 0xa6) return binop(c, F64, F64);
    switch (op) {
    case 0xa7: return unop(c, I64, I32);
    case 0xa8: case 0xa9: return unop(c, F32, I32);
    case 0xaa: case 0xab: return unop(c, F64, I32);
    case 0xac: case 0xad: return unop(c, I32, I64);
    case 0xae: case 0xaf: return unop(c, F32, I64);
    case 0xb0: case 0xb1: return unop(c, F64, I64);
    case 0xb2: case 0xb3: return unop(c, I32, F32);
    case 0xb4: case 0xb5: return unop(c, I64, F32);
    case 0xb6: return unop(c, F64, F32);
    case 0xb7: case 0xb8: return unop(c, I32, F64);
    case 0xb9: case 0xba: return unop(c, I64, F64);
    case 0xbb: return unop(c, F32, F64);
    case 0xbc: return unop(c, F32, I32);
    case 0xbd: return unop(c, F64, I64);
    case 0xbe: return unop(c, I32, F32);
    case 0xbf: return unop(c, I64, F64);
    case 0xc0: case 0xc1: return unop(c, I32, I32);
    default: return unop(c, I64, I64); /* 0xc2..0xc4 */
    }
}

static int check_memory_op(checker *c, uint8_t op)
{
    switch (op) {
    case 0x28: return load(c, 2, WASM_I32);
    case 0x29: return load(c, 3, WASM_I64);
    case 0x2a: return load(c, 2, WASM_F32);
    case 0x2b: return load(c, 3, WASM_F64);
    case 0x2c: case 0x2d: return load(c, 0, WASM_I32);
    case 0x2e: case 0x2f: return load(c, 1, WASM_I32);
    case 0x30: case 0x31: return load(c, 0, WASM_I64);
    case 0x32: case 0x33: return load(c, 1, WASM_I64);
    case 0x34: case 0x35: return load(c, 2, WASM_I64);
    case 0x36: return store(c, 2, WASM_I32);
    case 0x37: return store(c, 3, WASM_I64);
    case 0x38: return store(c, 2, WASM_F32);
    case 0x39: return store(c, 3, WASM_F64);
    case 0x3a: return store(c, 0, WASM_I32);
    case 0x3b: return store(c, 1, WASM_I32);
    case 0x3c: return store(c, 0, WASM_I64);
    case 0x3d: return store(c, 1, WASM_I64);
    default: return store(c, 2, WASM_I64); /* 0x3e */
    }
}

static int check_instruction(checker *c, uint8_t op)
{
    const wasm_module *m = c->m;
    uint32_t x;
    int64_t s;
    const uint8_t *bytes;
    uint8_t t = UNKNOWN;
    const wasm_valtype *params, *results;
    uint32_t param_count, result_count;
    frame f;
    frame *label = NULL;

    switch (op) {
    case 0x00: /* unreachable */
        set_unreachable(c);
        return 0;
    case 0x01: /* nop */
        return 0;
    case 0x02: case 0x03: case 0x04: /* block, loop, if */
        TRY(read_blocktype(c, &params, &param_count, &results, &result_count));
        if (op == 0x04)
            TRY(pop_type(c, WASM_I32));
        TRY(pop_types(c, params, param_count));
        return push_ctrl(c, op, params, param_count, results, result_count);
    case 0x05: /* else */
        if (c->ctrls[c->ctrl_count - 1].opcode != 0x04)
            return invalid(c, "else without if");
        TRY(pop_ctrl(c, &f));
        return push_ctrl(c, 0x05, f.params, f.param_count, f.results, f.result_count);
    case 0x0b: /* end */
        TRY(pop_ctrl(c, &f));
        /* An if without else passes its params through: they must be its results. */
        if (f.opcode == 0x04) {
            bool same = f.param_count == f.result_count;
            for (uint32_t i = 0; same && i < f.param_count; i++)
                same = f.params[i] == f.results[i];
            if (!same)
                return invalid(c, "type mismatch: if without else must have matching types");
        }
        return push_types(c, f.results, f.result_count);
    case 0x0c: /* br */
        TRY(read_u32(c, &x));
        TRY(get_label(c, x, &label));
        label_types(label, &results, &result_count);
        TRY(pop_types(c, results, result_count));
        set_unreachable(c);
        return 0;
    case 0x0d: /* br_if */
        TRY(read_u32(c, &x));
        TRY(get_label(c, x, &label));
        TRY(pop_type(c, WASM_I32));
        label_types(label, &results, &result_count);
        TRY(pop_types(c, results, result_count));
        return push_types(c, results, result_count);
    case 0x0e:
        return check_br_table(c);
    case 0x0f: /* return */
        TRY(pop_types(c, c->ctrls[0].results, c->ctrls[0].result_count));
        set_unreachable(c);
        return 0;
    case 0x10: /* call */
        TRY(read_u32(c, &x));
        if (x >= m->func_count)
            return invalid(c, "unknown function %u", x);
        return check_call(c, &m->types[m->func_types[x]]);
    case 0x11: { /* call_indirect type table */
        uint32_t table;
        TRY(read_u32(c, &x));
        TRY(read_table(c, &table));
        if (m->tables[table].element != WASM_FUNCREF)
            return invalid(c, "type mismatch: call_indirect through a table of %s",
                           type_name(m->tables[table].element));
        if (x >= m->type_count)
            return invalid(c, "unknown type %u", x);
        TRY(pop_type(c, WASM_I32));
        return check_call(c, &m->types[x]);
    }
    case 0x1a: /* drop */
        return pop(c, &t);
    case 0x1b:
        return check_select(c, false);
    case 0x1c:
        return check_select(c, true);
    case 0x20: case 0x21: case 0x22: /* local.get, local.set, local.tee */
        TRY(read_u32(c, &x));
        if (x >= c->local_count)
            return invalid(c, "unknown local %u", x);
        t = (uint8_t)c->locals[x];
        if (op == 0x20)
            return push(c, t);
        TRY(pop_type(c, t));
        return op == 0x22 ? push(c, t) : 0;
    case 0x23: case 0x24: /* global.get, global.set */
        TRY(read_u32(c, &x));
        if (x >= m->global_count)
            return invalid(c, "unknown global %u", x);
        t = (uint8_t)m->globals[x].type.type;
        if (op == 0x23)
            return push(c, t);
        if (!m->globals[x].type.mutable_)
            return invalid(c, "global is immutable: global.set of global %u", x);
        return pop_type(c, t);
    case 0x25: /* table.get */
        TRY(read_table(c, &x));
        TRY(pop_type(c, WASM_I32));
        return push(c, (uint8_t)m->tables[x].element);
    case 0x26: /* table.set */
        TRY(read_table(c, &x));
        TRY(pop_type(c, (uint8_t)m->tables[x].element));
        return pop_type(c, WASM_I32);
    case 0x3f: /* memory.size */
        TRY(read_zero_byte(c));
        TRY(need_memory(c));
        return push(c, WASM_I32);
    case 0x40: /* memory.grow */
        TRY(read_zero_byte(c));
        TRY(need_memory(c));
        return unop(c, WASM_I32, WASM_I32);
    case 0x41:
        TRY(wasm_read_sleb(&c->r, 32, &s, c->err));
        return push(c, WASM_I32);
    case 0x42:
        TRY(wasm_read_sleb(&c->r, 64, &s, c->err));
        return push(c, WASM_I64);
    case 0x43:
        TRY(wasm_read_bytes(&c->r, 4, &bytes, c->err));
        return push(c, WASM_F32);
    case 0x44:
        TRY(wasm_read_bytes(&c->r, 8, &bytes, c->err));
        return push(c, WASM_F64);
    case 0xd0: /* ref.null t */
        TRY(wasm_read_u8(&c->r, &t, c->err));
        if (!is_ref(t)) {
            c->r.pos--;
            return malformed(c, "malformed reference type");
        }
        return push(c, t);
    case 0xd1: /* ref.is_null */
        TRY(pop(c, &t));
        if (t != UNKNOWN && !is_ref(t))
            return invalid(c, "type mismatch: ref.is_null of %s", type_name(t));
        return push(c, WASM_I32);
    case 0xd2: /* ref.func */
        TRY(read_u32(c, &x));
        if (x >= m->func_count)
            return invalid(c, "unknown function %u", x);
        if (!m->func_declared[x])
            return invalid(c, "undeclared function reference %u", x);
        return push(c, WASM_FUNCREF);
    case 0xfc:
        return check_prefix_fc(c);
    case 0xfd:
        return check_prefix_fd(c);
    default:
        if (op >= 0x28 && op <= 0x3e)
            return check_memory_op(c, op);
        if (op >= 0x45 && op <= 0xc4)
            return check_numeric(c, op);
        c->r.pos--;
        return malformed(c, "illegal opcode");
    }
}

static int check_function(checker *c, uint32_t func)
{
    const wasm_module *m = c->m;
    const wasm_module_code *code = &m->codes[func - m->func_import_count];
    const wasm_functype *type = &m->types[m->func_types[func]];

    uint64_t locals = (uint64_t)type->param_count + code->local_count;
    if (locals > c->local_cap) {
        wasm_valtype *bigger = realloc(c->locals, locals * sizeof *bigger);
        if (bigger == NULL)
            return wc_error_set(c->err, WC_ERESOURCE, "out of memory validating function %u", func);
        c->locals = bigger;
        c->local_cap = (uint32_t)locals;
    }
    if (type->param_count)
        memcpy(c->locals, type->params, type->param_count * sizeof *c->locals);
    if (code->local_count)
        memcpy(c->locals + type->param_count, code->local_types,
               code->local_count * sizeof *c->locals);
    c->local_count = (uint32_t)locals;

    c->func = func;
    c->where = NULL;
    c->r = wasm_reader_make(m->bytes, code->body, code->body + code->body_length,
                            "unexpected end of section or function");
    c->val_count = 0;
    c->ctrl_count = 0;
    TRY(push_ctrl(c, 0x00, NULL, 0, type->results, type->result_count));
    while (c->ctrl_count > 0) {
        if (c->r.pos >= c->r.end)
            return wasm_body_ran_out(m, &c->r, c->err);
        uint8_t op = *c->r.pos++;
        TRY(check_instruction(c, op));
    }
    if (c->r.pos != c->r.end)
        return malformed(c, "section size mismatch: bytes after the function's end");
    return 0;
}

/* ---- constant expressions ------------------------------------------------------------ */

/* Checks a constant expression of the given type. visible_globals is how many globals
 * global.get may name (only the imported ones in a global's initialiser). */
static int check_const_expr(checker *c, const wasm_const_expr *expr, uint8_t type,
                            uint32_t visible_globals)
{
    const wasm_module *m = c->m;
    c->r = wasm_reader_make(m->bytes, expr->code, expr->code + expr->length,
                            "unexpected end of section or function");
    uint8_t stack[4];
    uint32_t depth = 0;
    for (;;) {
        uint8_t op = 0, t = UNKNOWN;
        uint32_t x;
        int64_t s;
        const uint8_t *bytes;
        TRY(wasm_read_u8(&c->r, &op, c->err));
        switch (op) {
        case 0x0b:
            if (depth != 1 || (stack[0] != type))
                return invalid(c, "type mismatch: constant expression must give one %s",
                               type_name(type));
            return 0;
        case 0x41: TRY(wasm_read_sleb(&c->r, 32, &s, c->err)); t = WASM_I32; break;
        case 0x42: TRY(wasm_read_sleb(&c->r, 64, &s, c->err)); t = WASM_I64; break;
        case 0x43: TRY(wasm_read_bytes(&c->r, 4, &bytes, c->err)); t = WASM_F32; break;
        case 0x44: TRY(wasm_read_bytes(&c->r, 8, &bytes, c->err)); t = WASM_F64; break;
        case 0xd0:
            TRY(wasm_read_u8(&c->r, &t, c->err));
            if (!is_ref(t))
                return malformed(c, "malformed reference type");
            break;
        case 0xd2:
            TRY(wasm_read_u32(&c->r, &x, c->err));
            if (x >= m->func_count)
                return invalid(c, "unknown function %u", x);
            t = WASM_FUNCREF;
            break;
        case 0x23:
            TRY(wasm_read_u32(&c->r, &x, c->err));
            if (x >= visible_globals)
                return invalid(c, "unknown global %u", x);
            if (m->globals[x].type.mutable_)
                return invalid(c, "constant expression required: global %u is mutable", x);
            t = (uint8_t)m->globals[x].type.type;
            break;
        case 0xfd:
            TRY(wasm_read_u32(&c->r, &x, c->err));
            if (x != 0x0c)
                return invalid(c, "constant expression required");
            TRY(wasm_read_bytes(&c->r, 16, &bytes, c->err));
            t = WASM_V128;
            break;
        default:
            return invalid(c, "constant expression required");
        }
        if (depth == sizeof stack)
            return invalid(c, "type mismatch: constant expression must give one %s",
                           type_name(type));
        stack[depth++] = t;
    }
}

/* ---- module-level rules -------------------------------------------------------------- */

static int check_limits(checker *c, const wasm_limits *l, uint64_t range, const char *what)
{
    if (l->min > range || (l->has_max && l->max > range)) {
        if (range == WASM_MAX_PAGES)
            return invalid(c, "memory size must be at most 65536 pages (4GiB)");
        return invalid(c, "%s size must be at most %llu", what, (unsigned long long)range);
    }
    if (l->has_max && l->min > l->max)
        return invalid(c, "size minimum must not be greater than maximum");
    return 0;
}

static int compare_exports(const void *a, const void *b)
{
    const wasm_export_desc *x = *(const wasm_export_desc *const *)a;
    const wasm_export_desc *y = *(const wasm_export_desc *const *)b;
    if (x->name.length != y->name.length)
        return x->name.length < y->name.length ? -1 : 1;
    return x->name.length ? memcmp(x->name.data, y->name.data, x->name.length) : 0;
}

static int check_exports(checker *c)
{
    const wasm_module *m = c->m;
    for (uint32_t i = 0; i < m->export_count; i++) {
        const wasm_export_desc *e = &m->exports[i];
        static const char *const kinds[] = { "function", "table", "memory", "global" };
        uint32_t limit = e->kind == WASM_EXTERN_FUNC ? m->func_count
                       : e->kind == WASM_EXTERN_TABLE ? m->table_count
                       : e->kind == WASM_EXTERN_MEMORY ? m->memory_count : m->global_count;
        if (e->index >= limit)
            return invalid(c, "unknown %s %u", kinds[e->kind], e->index);
    }
    if (m->export_count < 2)
        return 0;
    const wasm_export_desc **sorted = malloc(m->export_count * sizeof *sorted);
    if (sorted == NULL)
        return wc_error_set(c->err, WC_ERESOURCE, "out of memory validating exports");
    for (uint32_t i = 0; i < m->export_count; i++)
        sorted[i] = &m->exports[i];
    qsort(sorted, m->export_count, sizeof *sorted, compare_exports);
    for (uint32_t i = 1; i < m->export_count; i++) {
        if (compare_exports(&sorted[i - 1], &sorted[i]) == 0) {
            int rc = invalid(c, "duplicate export name \"%.*s\"", (int)sorted[i]->name.length,
                             sorted[i]->name.data);
            free(sorted);
            return rc;
        }
    }
    free(sorted);
    return 0;
}

static int check_elems(checker *c, char *where, size_t where_size)
{
    const wasm_module *m = c->m;
    for (uint32_t i = 0; i < m->elem_count; i++) {
        const wasm_module_elem *e = &m->elems[i];
        snprintf(where, where_size, "elem segment %u", i);
        if (e->mode == WASM_SEGMENT_ACTIVE) {
            if (e->table >= m->table_count)
                return invalid(c, "unknown table %u", e->table);
            TRY(check_const_expr(c, &e->offset, WASM_I32, m->global_import_count));
            if (m->tables[e->table].element != e->type)
                return invalid(c, "type mismatch: segment of %s for a table of %s",
                               type_name(e->type), type_name(m->tables[e->table].element));
        }
        for (uint32_t k = 0; k < e->item_count; k++) {
            if (e->exprs != NULL)
                TRY(check_const_expr(c, &e->exprs[k], (uint8_t)e->type, m->global_import_count));
            else if (e->func_indices[k] >= m->func_count)
                return invalid(c, "unknown function %u", e->func_indices[k]);
        }
    }
    return 0;
}

static int check_module(checker *c)
{
    const wasm_module *m = c->m;
    char where[64];
    c->where = where;

    for (uint32_t i = 0; i < m->import_count; i++) {
        const wasm_import_desc *imp = &m->imports[i];
        snprintf(where, sizeof where, "import %u", i);
        if (imp->kind == WASM_EXTERN_FUNC && m->func_types[imp->index] >= m->type_count)
            return invalid(c, "unknown type %u", m->func_types[imp->index]);
    }
    for (uint32_t i = m->func_import_count; i < m->func_count; i++) {
        snprintf(where, sizeof where, "function %u", i);
        if (m->func_types[i] >= m->type_count)
            return invalid(c, "unknown type %u", m->func_types[i]);
    }
    for (uint32_t i = 0; i < m->table_count; i++) {
        snprintf(where, sizeof where, "table %u", i);
        TRY(check_limits(c, &m->tables[i].limits, UINT32_MAX, "table"));
    }
    for (uint32_t i = 0; i < m->memory_count; i++) {
        snprintf(where, sizeof where, "memory %u", i);
        TRY(check_limits(c, &m->memories[i].limits, WASM_MAX_PAGES, "memory"));
    }
    if (m->memory_count > 1)
        return invalid(c, "multiple memories");
    for (uint32_t i = m->global_import_count; i < m->global_count; i++) {
        snprintf(where, sizeof where, "global %u", i);
        TRY(check_const_expr(c, &m->globals[i].init, (uint8_t)m->globals[i].type.type,
                             m->global_import_count));
    }
    snprintf(where, sizeof where, "exports");
    TRY(check_exports(c));
    if (m->has_start) {
        snprintf(where, sizeof where, "start function %u", m->start);
        if (m->start >= m->func_count)
            return invalid(c, "unknown function %u", m->start);
        const wasm_functype *t = &m->types[m->func_types[m->start]];
        if (t->param_count != 0 || t->result_count != 0)
            return invalid(c, "start function must take and return nothing");
    }
    TRY(check_elems(c, where, sizeof where));
    for (uint32_t i = 0; i < m->data_count; i++) {
        const wasm_module_data *d = &m->datas[i];
        snprintf(where, sizeof where, "data segment %u", i);
        if (d->mode != WASM_SEGMENT_ACTIVE)
            continue;
        if (d->memory >= m->memory_count)
            return invalid(c, "unknown memory %u", d->memory);
        TRY(check_const_expr(c, &d->offset, WASM_I32, m->global_import_count));
    }
    for (uint32_t i = m->func_import_count; i < m->func_count; i++)
        TRY(check_function(c, i));
    return 0;
}

int wasm_validate(const wasm_module *module, wc_error *err)
{
    checker c = { .m = module, .err = err };
    int rc = check_module(&c);
    if (rc < 0 && err != NULL && err->code == WC_EINVALIDMODULE) {
        /* A malformed body anywhere makes the module malformed, whatever else is wrong: that is
         * what a decoder that reads everything before validating reports. */
        wc_error malformed_err = { 0 };
        for (uint32_t i = 0; i < module->code_count; i++) {
            if (wasm_skim_body(module, &module->codes[i], &malformed_err) < 0) {
                *err = malformed_err;
                break;
            }
        }
    }
    free(c.vals);
    free(c.ctrls);
    free(c.locals);
    return rc;
}
