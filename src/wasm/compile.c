/* compile.c - one pass per validated function body into the internal code of compile.h.
 *
 * The body was validated before, so this pass trusts it: it tracks the operand stack only as
 * slot widths (1, or 2 for v128) to know heights, resolves branch targets (forward ones by
 * patching at the block's end) and skips code that follows br/br_table/return/unreachable. */
#include "wasm/compile.h"

#include <stdlib.h>
#include <string.h>

#include "wasm/simd.h"
#include "wasm/trusted_leb.h"

_Static_assert(WASM_OP_F64_PROMOTE_F32 - WASM_OP_I32_EQZ == 0xbb - 0x45, "numeric op order");
_Static_assert(WASM_OP_I64_EXTEND32_S - WASM_OP_I32_EXTEND8_S == 0xc4 - 0xc0, "extend op order");
_Static_assert(WASM_OP_I64_STORE32 - WASM_OP_I32_LOAD == 0x3e - 0x28, "memory op order");
_Static_assert(WASM_OP_I32_GE_U - WASM_OP_I32_EQ == 9 &&
               WASM_OP_JUMP_I32_GE_U_IMM - WASM_OP_JUMP_I32_EQ == 19, "compare jump order");
_Static_assert(WASM_OP_I64_TRUNC_SAT_F64_U - WASM_OP_I32_TRUNC_SAT_F32_S == 7, "sat op order");

enum { CTL_BLOCK, CTL_LOOP, CTL_IF, CTL_FUNC };

typedef struct control {
    int kind;
    uint32_t base_height;     /* slot height below the block's parameters */
    uint32_t width_base;      /* width-stack depth below the block's parameters */
    uint32_t param_count, result_count;
    const wasm_valtype *params, *results;
    uint32_t param_slots, result_slots;
    size_t loop_target;       /* CTL_LOOP: where back-edges jump */
    size_t else_patch;        /* CTL_IF: the word to patch with the else/end position; 0 once done */
} control;

typedef struct patch {
    size_t position;          /* a target word waiting for its block's end */
    uint32_t control;         /* index of the block in the control stack */
} patch;

typedef struct compiler {
    const wasm_module *module;
    const uint8_t *p, *end;
    wasm_word *code;
    size_t length, capacity;
    uint8_t *widths;
    uint32_t width_count, width_capacity;
    uint32_t height, max_height;
    control *controls;
    uint32_t control_count, control_capacity;
    patch *patches;
    size_t patch_count, patch_capacity;
    uint32_t *local_offsets;
    wasm_valtype *local_types;
    size_t last_op;           /* where the last emitted instruction starts */
    bool has_last_op;
    size_t barrier;           /* a branch lands here: no fusion across it */
    bool failed;              /* out of memory somewhere: reported once at the end */
} compiler;

/* ---- reading the (already validated) body ------------------------------------------- */

static uint64_t read_uleb(compiler *c)
{
    return wasm_trusted_uleb(&c->p, c->end);
}

static int64_t read_sleb(compiler *c)
{
    return wasm_trusted_sleb(&c->p, c->end);
}

static uint32_t read_u32(compiler *c)
{
    return (uint32_t)read_uleb(c);
}

static uint8_t read_byte(compiler *c)
{
    return c->p < c->end ? *c->p++ : 0;
}

static uint64_t read_fixed(compiler *c, unsigned bytes)
{
    uint64_t value = 0;
    for (unsigned i = 0; i < bytes && c->p < c->end; i++)
        value |= (uint64_t)*c->p++ << (8 * i);
    return value;
}

static const wasm_valtype *single_type(uint8_t byte)
{
    static const wasm_valtype types[] = { WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_V128,
                                          WASM_FUNCREF, WASM_EXTERNREF };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (types[i] == byte)
            return &types[i];
    return NULL;
}

/* A block type: empty, one result type, or a type index (s33). */
static void read_blocktype(compiler *c, control *ctl)
{
    ctl->param_count = ctl->result_count = 0;
    ctl->params = ctl->results = NULL;
    uint8_t byte = c->p < c->end ? *c->p : 0x40;
    if (byte == 0x40) {
        c->p++;
    } else if (single_type(byte) != NULL) {
        c->p++;
        ctl->result_count = 1;
        ctl->results = single_type(byte);
    } else {
        int64_t index = read_sleb(c);
        if (index >= 0 && (uint64_t)index < c->module->type_count) {
            const wasm_functype *type = &c->module->types[index];
            ctl->param_count = type->param_count;
            ctl->params = type->params;
            ctl->result_count = type->result_count;
            ctl->results = type->results;
        }
    }
    ctl->param_slots = wasm_slot_count(ctl->params, ctl->param_count);
    ctl->result_slots = wasm_slot_count(ctl->results, ctl->result_count);
}

/* Skips one instruction's immediates (dead code is read, never emitted). */
static void skip_immediates(compiler *c, uint8_t op)
{
    switch (op) {
    case 0x02: case 0x03: case 0x04: {
        control ignored;
        read_blocktype(c, &ignored);
        break;
    }
    case 0x0c: case 0x0d: case 0x10: case 0xd2:
    case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26:
    case 0x3f: case 0x40: case 0xd0:
        read_uleb(c);
        break;
    case 0x0e: {
        uint32_t count = read_u32(c);
        for (uint64_t i = 0; i <= count && c->p < c->end; i++)
            read_uleb(c);
        break;
    }
    case 0x11:
        read_uleb(c);
        read_uleb(c);
        break;
    case 0x1c: {
        uint32_t count = read_u32(c);
        for (uint32_t i = 0; i < count && c->p < c->end; i++)
            read_byte(c);
        break;
    }
    case 0x41: case 0x42:
        read_sleb(c);
        break;
    case 0x43:
        read_fixed(c, 4);
        break;
    case 0x44:
        read_fixed(c, 8);
        break;
    case 0xfc: {
        uint32_t sub = read_u32(c);
        switch (sub) {
        case 8: case 10: case 12: case 14:
            read_uleb(c);
            read_uleb(c);
            break;
        case 9: case 11: case 13: case 15: case 16: case 17:
            read_uleb(c);
            break;
        default:
            break;
        }
        break;
    }
    case 0xfd: {
        const wasm_simd_op *simd = wasm_simd_op_lookup(read_u32(c));
        if (simd == NULL)
            break;
        switch (simd->immediate) {
        case WASM_SIMD_IMM_MEMARG:
            read_uleb(c);
            read_uleb(c);
            break;
        case WASM_SIMD_IMM_MEMARG_LANE:
            read_uleb(c);
            read_uleb(c);
            read_byte(c);
            break;
        case WASM_SIMD_IMM_LANE:
            read_byte(c);
            break;
        case WASM_SIMD_IMM_V128: case WASM_SIMD_IMM_SHUFFLE:
            c->p = (size_t)(c->end - c->p) < 16 ? c->end : c->p + 16;
            break;
        case WASM_SIMD_IMM_NONE:
            break;
        }
        break;
    }
    default:
        if (op >= 0x28 && op <= 0x3e) {
            read_uleb(c);
            read_uleb(c);
        }
        break;
    }
}

/* Skips unreachable code up to (not including) the `else` or `end` closing the current block. */
static void skip_dead_code(compiler *c)
{
    uint64_t depth = 0;
    while (c->p < c->end) {
        uint8_t op = *c->p;
        if ((op == 0x0b || op == 0x05) && depth == 0)
            return;
        c->p++;
        if (op == 0x02 || op == 0x03 || op == 0x04)
            depth++;
        else if (op == 0x0b)
            depth--;
        skip_immediates(c, op);
    }
}

/* ---- emitting ------------------------------------------------------------------------ */

/* Room for `words` more words; false (and failed) when out of memory or past 32-bit
 * offsets. */
static bool reserve(compiler *c, size_t words)
{
    if (c->length + words <= c->capacity)
        return true;
    size_t capacity = c->capacity ? c->capacity * 2 : 256;
    while (capacity < c->length + words)
        capacity *= 2;
    wasm_word *code = capacity > UINT32_MAX ? NULL : realloc(c->code, capacity * sizeof(*code));
    if (code == NULL) {
        c->failed = true;
        return false;
    }
    c->code = code;
    c->capacity = capacity;
    return true;
}

static void emit(compiler *c, uint32_t word)
{
    if (reserve(c, 1))
        c->code[c->length++] = word;
}

/* A 64-bit immediate: two words, read back by wasm_imm64. */
static void emit64(compiler *c, uint64_t value)
{
    if (reserve(c, 2)) {
        memcpy(&c->code[c->length], &value, sizeof(value));
        c->length += 2;
    }
}

static void emit_op(compiler *c, wasm_internal_op op)
{
    c->last_op = c->length;
    c->has_last_op = true;
    emit(c, (uint32_t)op);
}

/* Marks the current position as a branch target. */
static void set_label(compiler *c)
{
    c->barrier = c->length;
}

static bool fused_forms(wasm_internal_op op, wasm_internal_op *with_immediate,
                        wasm_internal_op *with_local, wasm_internal_op *with_locals)
{
    switch (op) {
#define WASM_FUSED_CASE(name) \
    case WASM_OP_##name: \
        *with_immediate = WASM_OP_##name##_IMM; \
        *with_local = WASM_OP_##name##_LOCAL; \
        *with_locals = WASM_OP_##name##_LOCALS; \
        return true;
    WASM_FUSABLE_BINARY_OPS(WASM_FUSED_CASE)
#undef WASM_FUSED_CASE
    default:
        return false;
    }
}

/* True when the last instruction, `words` long, may be fused with the next one: it is the
 * last thing emitted and no branch lands between them. */
static bool fusable_last(const compiler *c, size_t words)
{
    return c->has_last_op && !c->failed && c->last_op >= c->barrier &&
           c->last_op + words == c->length;
}

/* The comparison that is true exactly when op is false (integers have no NaN). */
static wasm_internal_op inverse_compare(wasm_internal_op op)
{
    switch (op) {
    case WASM_OP_I32_EQ: return WASM_OP_I32_NE;
    case WASM_OP_I32_NE: return WASM_OP_I32_EQ;
    case WASM_OP_I32_LT_S: return WASM_OP_I32_GE_S;
    case WASM_OP_I32_GE_S: return WASM_OP_I32_LT_S;
    case WASM_OP_I32_LT_U: return WASM_OP_I32_GE_U;
    case WASM_OP_I32_GE_U: return WASM_OP_I32_LT_U;
    case WASM_OP_I32_GT_S: return WASM_OP_I32_LE_S;
    case WASM_OP_I32_LE_S: return WASM_OP_I32_GT_S;
    case WASM_OP_I32_GT_U: return WASM_OP_I32_LE_U;
    case WASM_OP_I32_LE_U: return WASM_OP_I32_GT_U;
    default: return WASM_OP_COUNT_;
    }
}

/* The fused jump for a comparison (plain or with an immediate), or WASM_OP_COUNT_. */
static wasm_internal_op compare_jump(wasm_word previous, bool *immediate)
{
    switch (previous) {
#define WASM_JUMP_CASE(name) \
    case WASM_OP_##name: *immediate = false; return WASM_OP_JUMP_##name; \
    case WASM_OP_##name##_IMM: *immediate = true; return WASM_OP_JUMP_##name##_IMM;
    WASM_FUSABLE_COMPARE_OPS(WASM_JUMP_CASE)
#undef WASM_JUMP_CASE
    default:
        return WASM_OP_COUNT_;
    }
}

/* Turns the comparison just emitted into a conditional jump (taken when the comparison is
 * `when`); the caller then emits the target word. False when there is nothing to fuse. */
static bool fuse_compare_jump(compiler *c, bool when)
{
    if (!c->has_last_op || c->failed || c->last_op < c->barrier)
        return false;
    bool immediate = false;
    wasm_internal_op jump = compare_jump(c->code[c->last_op], &immediate);
    if (jump == WASM_OP_COUNT_ || c->last_op + (immediate ? 3 : 1) != c->length)
        return false;
    if (!when) {
        /* JUMP_X and JUMP_X_IMM follow the order of the plain comparisons */
        wasm_internal_op plain = inverse_compare(
            (wasm_internal_op)(WASM_OP_I32_EQ + (jump - WASM_OP_JUMP_I32_EQ) / 2));
        jump = (wasm_internal_op)(WASM_OP_JUMP_I32_EQ + 2 * (plain - WASM_OP_I32_EQ) +
                                  (immediate ? 1 : 0));
    }
    c->code[c->last_op] = jump;
    return true;
}

/* Emits a numeric operator, fused with the CONST or LOCAL_GET just before it when possible. */
static void emit_numeric(compiler *c, wasm_internal_op op)
{
    wasm_internal_op with_immediate, with_local, with_locals;
    if (!fused_forms(op, &with_immediate, &with_local, &with_locals)) {
        emit_op(c, op);
        return;
    }
    if (fusable_last(c, 3) && c->code[c->last_op] == WASM_OP_LOCAL_GET2) {
        c->code[c->last_op] = with_locals;
        return;
    }
    if (fusable_last(c, 3) && c->code[c->last_op] == WASM_OP_CONST) {
        c->code[c->last_op] = with_immediate;
        return;
    }
    if (fusable_last(c, 2) && c->code[c->last_op] == WASM_OP_LOCAL_GET) {
        c->code[c->last_op] = with_local;
        return;
    }
    emit_op(c, op);
}

static void push_width(compiler *c, uint32_t width)
{
    if (c->width_count == c->width_capacity) {
        uint32_t capacity = c->width_capacity ? c->width_capacity * 2 : 64;
        uint8_t *widths = realloc(c->widths, capacity);
        if (widths == NULL) {
            c->failed = true;
            return;
        }
        c->widths = widths;
        c->width_capacity = capacity;
    }
    c->widths[c->width_count++] = (uint8_t)width;
    c->height += width;
    if (c->height > c->max_height)
        c->max_height = c->height;
}

static uint32_t pop_width(compiler *c)
{
    if (c->width_count == 0)
        return 1; /* only after an allocation failure */
    uint32_t width = c->widths[--c->width_count];
    c->height -= width;
    return width;
}

static void pop_n(compiler *c, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        pop_width(c);
}

static void push_types(compiler *c, const wasm_valtype *types, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        push_width(c, wasm_slot_width(types[i]));
}

/* Resets the operand stack to the block's base and pushes the given types. */
static void reset_to(compiler *c, const control *ctl, const wasm_valtype *types, uint32_t count)
{
    c->width_count = ctl->width_base;
    c->height = ctl->base_height;
    push_types(c, types, count);
}

static control *push_control(compiler *c, int kind)
{
    if (c->control_count == c->control_capacity) {
        uint32_t capacity = c->control_capacity ? c->control_capacity * 2 : 16;
        control *controls = realloc(c->controls, capacity * sizeof(*controls));
        if (controls == NULL) {
            c->failed = true;
            return NULL;
        }
        c->controls = controls;
        c->control_capacity = capacity;
    }
    control *ctl = &c->controls[c->control_count++];
    memset(ctl, 0, sizeof(*ctl));
    ctl->kind = kind;
    return ctl;
}

static void add_patch(compiler *c, size_t position, uint32_t control_index)
{
    if (c->patch_count == c->patch_capacity) {
        size_t capacity = c->patch_capacity ? c->patch_capacity * 2 : 64;
        patch *patches = realloc(c->patches, capacity * sizeof(*patches));
        if (patches == NULL) {
            c->failed = true;
            return;
        }
        c->patches = patches;
        c->patch_capacity = capacity;
    }
    c->patches[c->patch_count++] = (patch){ position, control_index };
}

/* Resolves every pending branch to the block at control_index: they land here. Patches of
 * outer blocks stay pending. */
static void resolve_patches(compiler *c, uint32_t control_index)
{
    size_t kept = 0;
    for (size_t i = 0; i < c->patch_count; i++) {
        if (c->patches[i].control == control_index) {
            if (c->patches[i].position < c->length)
                c->code[c->patches[i].position] = c->length;
        } else {
            c->patches[kept++] = c->patches[i];
        }
    }
    c->patch_count = kept;
}

/* Emits a branch target word for the label `depth` blocks out, with its dest and keep. */
static void emit_target(compiler *c, uint32_t depth, uint32_t *dest, uint32_t *keep)
{
    uint32_t index = c->control_count - 1 - depth;
    const control *label = &c->controls[index];
    if (label->kind == CTL_LOOP) {
        emit(c, label->loop_target);
        *keep = label->param_slots;
    } else {
        add_patch(c, c->length, index);
        emit(c, 0);
        *keep = label->result_slots;
    }
    *dest = label->base_height;
}

static void emit_branch(compiler *c, uint32_t depth, bool conditional)
{
    if (depth >= c->control_count) {
        c->failed = true;
        return;
    }
    const control *label = &c->controls[c->control_count - 1 - depth];
    uint32_t keep = label->kind == CTL_LOOP ? label->param_slots : label->result_slots;
    uint32_t dest = label->base_height;
    if (c->height == dest + keep) {
        if (conditional && fusable_last(c, 1) && c->code[c->last_op] == WASM_OP_I32_EQZ) {
            /* i32.eqz; br_if: one inverted jump */
            c->code[c->last_op] = WASM_OP_JUMP_IF_ZERO;
            emit_target(c, depth, &dest, &keep);
            return;
        }
        if (conditional && fuse_compare_jump(c, true)) {
            emit_target(c, depth, &dest, &keep);
            return;
        }
        emit_op(c, conditional ? WASM_OP_JUMP_IF_NONZERO : WASM_OP_JUMP);
        emit_target(c, depth, &dest, &keep);
    } else {
        emit_op(c, conditional ? WASM_OP_BR_IF : WASM_OP_BR);
        emit_target(c, depth, &dest, &keep);
        emit(c, dest);
        emit(c, keep);
    }
}

static void emit_local(compiler *c, uint32_t index, wasm_internal_op one, wasm_internal_op two)
{
    bool wide = c->local_types[index] == WASM_V128;
    emit_op(c, wide ? two : one);
    emit(c, c->local_offsets[index]);
}

/* ---- the instruction loop ------------------------------------------------------------ */

static bool is_unary_numeric(uint8_t op)
{
    return op == 0x45 || op == 0x50 || (op >= 0x67 && op <= 0x69) || (op >= 0x79 && op <= 0x7b) ||
           (op >= 0x8b && op <= 0x91) || (op >= 0x99 && op <= 0x9f) || op >= 0xa7;
}

static void compile_simd(compiler *c)
{
    uint32_t opcode = read_u32(c);
    const wasm_simd_op *simd = wasm_simd_op_lookup(opcode);
    if (simd == NULL) {
        c->failed = true;
        return;
    }
    const uint8_t *immediate = NULL;
    uint32_t offset = 0;
    uint8_t lane = 0;
    switch (simd->immediate) {
    case WASM_SIMD_IMM_MEMARG:
        read_uleb(c);
        offset = read_u32(c);
        break;
    case WASM_SIMD_IMM_MEMARG_LANE:
        read_uleb(c);
        offset = read_u32(c);
        immediate = c->p;
        lane = read_byte(c);
        break;
    case WASM_SIMD_IMM_LANE:
        immediate = c->p;
        read_byte(c);
        break;
    case WASM_SIMD_IMM_V128: case WASM_SIMD_IMM_SHUFFLE:
        immediate = c->p;
        c->p = (size_t)(c->end - c->p) < 16 ? c->end : c->p + 16;
        break;
    case WASM_SIMD_IMM_NONE:
        break;
    }
    for (uint32_t i = 0; i < simd->param_count; i++)
        pop_width(c);
    if (simd->result_count)
        push_width(c, wasm_slot_width(simd->result));

    if (simd->immediate == WASM_SIMD_IMM_V128 && simd->memory == WASM_SIMD_NOT_MEMORY &&
        simd->param_count == 0) {
        /* v128.const: the two halves, little-endian, as they sit in the slots */
        uint64_t low = 0, high = 0;
        memcpy(&low, immediate, 8);
        memcpy(&high, immediate + 8, 8);
        emit_op(c, WASM_OP_V128_CONST);
        emit64(c, low);
        emit64(c, high);
    } else if (simd->memory != WASM_SIMD_NOT_MEMORY) {
        emit_op(c, WASM_OP_SIMD_MEMORY);
        emit64(c, (uint64_t)(uintptr_t)simd);
        emit(c, offset);
        emit(c, lane);
    } else {
        emit_op(c, WASM_OP_SIMD);
        emit64(c, (uint64_t)(uintptr_t)simd);
        emit64(c, (uint64_t)(uintptr_t)immediate);
    }
}

static void compile_prefixed(compiler *c)
{
    uint32_t sub = read_u32(c);
    if (sub <= 7) {
        pop_width(c);
        push_width(c, 1);
        emit_op(c, (wasm_internal_op)(WASM_OP_I32_TRUNC_SAT_F32_S + sub));
        return;
    }
    uint32_t a, b;
    switch (sub) {
    case 8: /* memory.init data, memory */
        a = read_u32(c);
        read_uleb(c);
        pop_n(c, 3);
        emit_op(c, WASM_OP_MEMORY_INIT);
        emit(c, a);
        break;
    case 9:
        emit_op(c, WASM_OP_DATA_DROP);
        emit(c, read_u32(c));
        break;
    case 10:
        read_uleb(c);
        read_uleb(c);
        pop_n(c, 3);
        emit_op(c, WASM_OP_MEMORY_COPY);
        break;
    case 11:
        read_uleb(c);
        pop_n(c, 3);
        emit_op(c, WASM_OP_MEMORY_FILL);
        break;
    case 12: /* table.init elem, table */
        a = read_u32(c);
        b = read_u32(c);
        pop_n(c, 3);
        emit_op(c, WASM_OP_TABLE_INIT);
        emit(c, a);
        emit(c, b);
        break;
    case 13:
        emit_op(c, WASM_OP_ELEM_DROP);
        emit(c, read_u32(c));
        break;
    case 14: /* table.copy dst, src */
        a = read_u32(c);
        b = read_u32(c);
        pop_n(c, 3);
        emit_op(c, WASM_OP_TABLE_COPY);
        emit(c, a);
        emit(c, b);
        break;
    case 15:
        pop_n(c, 2);
        push_width(c, 1);
        emit_op(c, WASM_OP_TABLE_GROW);
        emit(c, read_u32(c));
        break;
    case 16:
        push_width(c, 1);
        emit_op(c, WASM_OP_TABLE_SIZE);
        emit(c, read_u32(c));
        break;
    case 17:
        pop_n(c, 3);
        emit_op(c, WASM_OP_TABLE_FILL);
        emit(c, read_u32(c));
        break;
    default:
        c->failed = true;
        break;
    }
}

/* Compiles one instruction. Returns false once the function's final `end` was compiled. */
static bool compile_instruction(compiler *c)
{
    const wasm_module *m = c->module;
    uint8_t op = read_byte(c);
    switch (op) {
    case 0x00: /* unreachable */
        emit_op(c, WASM_OP_UNREACHABLE);
        skip_dead_code(c);
        break;
    case 0x01: /* nop */
        break;
    case 0x02: case 0x03: case 0x04: { /* block, loop, if */
        if (op == 0x04)
            pop_width(c);
        control *ctl = push_control(c, op == 0x02 ? CTL_BLOCK : op == 0x03 ? CTL_LOOP : CTL_IF);
        if (ctl == NULL)
            return false;
        read_blocktype(c, ctl);
        ctl->base_height = c->height - ctl->param_slots;
        ctl->width_base = c->width_count - ctl->param_count;
        if (op == 0x03) {
            set_label(c);
            ctl->loop_target = c->length;
            emit_op(c, WASM_OP_LOOP);
        } else if (op == 0x04) {
            if (fusable_last(c, 1) && c->code[c->last_op] == WASM_OP_I32_EQZ)
                c->code[c->last_op] = WASM_OP_JUMP_IF_NONZERO; /* i32.eqz; if */
            else if (!fuse_compare_jump(c, false))
                emit_op(c, WASM_OP_JUMP_IF_ZERO);
            ctl->else_patch = c->length;
            emit(c, 0);
        }
        break;
    }
    case 0x05: { /* else: the then-branch jumps over the else-branch */
        control *ctl = &c->controls[c->control_count - 1];
        emit_op(c, WASM_OP_JUMP);
        add_patch(c, c->length, c->control_count - 1);
        emit(c, 0);
        if (ctl->else_patch != 0 && ctl->else_patch < c->length)
            c->code[ctl->else_patch] = c->length;
        ctl->else_patch = 0;
        set_label(c);
        reset_to(c, ctl, ctl->params, ctl->param_count);
        break;
    }
    case 0x0b: { /* end */
        uint32_t index = c->control_count - 1;
        control *ctl = &c->controls[index];
        if (ctl->else_patch != 0 && ctl->else_patch < c->length)
            c->code[ctl->else_patch] = c->length;
        resolve_patches(c, index);
        set_label(c);
        reset_to(c, ctl, ctl->results, ctl->result_count);
        c->control_count--;
        if (ctl->kind == CTL_FUNC) {
            emit_op(c, WASM_OP_RETURN);
            emit(c, ctl->result_slots);
            return false;
        }
        break;
    }
    case 0x0c: /* br */
        emit_branch(c, read_u32(c), false);
        skip_dead_code(c);
        break;
    case 0x0d: /* br_if */
        pop_width(c);
        emit_branch(c, read_u32(c), true);
        break;
    case 0x0e: { /* br_table */
        pop_width(c);
        uint32_t count = read_u32(c);
        emit_op(c, WASM_OP_BR_TABLE);
        emit(c, count);
        for (uint64_t i = 0; i <= count && !c->failed; i++) {
            uint32_t depth = read_u32(c), dest, keep;
            if (depth >= c->control_count) {
                c->failed = true;
                break;
            }
            emit_target(c, depth, &dest, &keep);
            emit(c, dest);
            emit(c, keep);
        }
        skip_dead_code(c);
        break;
    }
    case 0x0f: /* return */
        emit_op(c, WASM_OP_RETURN);
        emit(c, c->controls[0].result_slots);
        skip_dead_code(c);
        break;
    case 0x10: { /* call */
        uint32_t index = read_u32(c);
        const wasm_functype *type = &m->types[m->func_types[index]];
        pop_n(c, type->param_count);
        push_types(c, type->results, type->result_count);
        emit_op(c, WASM_OP_CALL);
        emit(c, index);
        break;
    }
    case 0x11: { /* call_indirect type, table */
        uint32_t type_index = read_u32(c);
        uint32_t table = read_u32(c);
        const wasm_functype *type = &m->types[type_index];
        pop_width(c);
        pop_n(c, type->param_count);
        push_types(c, type->results, type->result_count);
        emit_op(c, WASM_OP_CALL_INDIRECT);
        emit(c, type_index);
        emit(c, table);
        break;
    }
    case 0x1a: /* drop */
        emit_op(c, WASM_OP_DROP);
        emit(c, pop_width(c));
        break;
    case 0x1b: case 0x1c: { /* select, select t */
        if (op == 0x1c)
            skip_immediates(c, op);
        pop_width(c);
        pop_width(c);
        uint32_t width = pop_width(c);
        push_width(c, width);
        emit_op(c, width == 2 ? WASM_OP_SELECT_V128 : WASM_OP_SELECT);
        break;
    }
    case 0x20: { /* local.get */
        uint32_t index = read_u32(c);
        if (c->local_types[index] != WASM_V128 && fusable_last(c, 2) &&
            c->code[c->last_op] == WASM_OP_LOCAL_GET) {
            c->code[c->last_op] = WASM_OP_LOCAL_GET2;
            emit(c, c->local_offsets[index]);
            push_width(c, 1);
            break;
        }
        emit_local(c, index, WASM_OP_LOCAL_GET, WASM_OP_LOCAL_GET_V128);
        push_width(c, wasm_slot_width(c->local_types[index]));
        break;
    }
    case 0x21: { /* local.set */
        uint32_t index = read_u32(c);
        pop_width(c);
        if (c->local_types[index] != WASM_V128) {
            /* local.get a; local.set b: LOCAL_COPY a b. c.const v; local.set b:
             * LOCAL_SET_CONST v b. The operand stays where it is; the slot is appended. */
            bool copy = fusable_last(c, 2) && c->code[c->last_op] == WASM_OP_LOCAL_GET;
            bool constant = fusable_last(c, 3) && c->code[c->last_op] == WASM_OP_CONST;
            if (copy || constant) {
                c->code[c->last_op] = copy ? WASM_OP_LOCAL_COPY : WASM_OP_LOCAL_SET_CONST;
                emit(c, c->local_offsets[index]);
                break;
            }
        }
        emit_local(c, index, WASM_OP_LOCAL_SET, WASM_OP_LOCAL_SET_V128);
        break;
    }
    case 0x22: /* local.tee */
        emit_local(c, read_u32(c), WASM_OP_LOCAL_TEE, WASM_OP_LOCAL_TEE_V128);
        break;
    case 0x23: case 0x24: { /* global.get, global.set */
        uint32_t index = read_u32(c);
        bool wide = m->globals[index].type.type == WASM_V128;
        if (op == 0x23) {
            emit_op(c, wide ? WASM_OP_GLOBAL_GET_V128 : WASM_OP_GLOBAL_GET);
            push_width(c, wide ? 2 : 1);
        } else {
            emit_op(c, wide ? WASM_OP_GLOBAL_SET_V128 : WASM_OP_GLOBAL_SET);
            pop_width(c);
        }
        emit(c, index);
        break;
    }
    case 0x25: /* table.get */
        pop_width(c);
        push_width(c, 1);
        emit_op(c, WASM_OP_TABLE_GET);
        emit(c, read_u32(c));
        break;
    case 0x26: /* table.set */
        pop_n(c, 2);
        emit_op(c, WASM_OP_TABLE_SET);
        emit(c, read_u32(c));
        break;
    case 0x3f: /* memory.size */
        read_uleb(c);
        push_width(c, 1);
        emit_op(c, WASM_OP_MEMORY_SIZE);
        break;
    case 0x40: /* memory.grow */
        read_uleb(c);
        emit_op(c, WASM_OP_MEMORY_GROW);
        break;
    case 0x41:
        push_width(c, 1);
        emit_op(c, WASM_OP_CONST);
        emit64(c, (uint64_t)(uint32_t)(int32_t)read_sleb(c));
        break;
    case 0x42:
        push_width(c, 1);
        emit_op(c, WASM_OP_CONST);
        emit64(c, (uint64_t)read_sleb(c));
        break;
    case 0x43:
        push_width(c, 1);
        emit_op(c, WASM_OP_CONST);
        emit64(c, read_fixed(c, 4));
        break;
    case 0x44:
        push_width(c, 1);
        emit_op(c, WASM_OP_CONST);
        emit64(c, read_fixed(c, 8));
        break;
    case 0xbc: case 0xbd: case 0xbe: case 0xbf:
        break; /* reinterpret: slots hold raw bits already */
    case 0xd0: /* ref.null t */
        read_uleb(c);
        push_width(c, 1);
        emit_op(c, WASM_OP_CONST);
        emit64(c, 0);
        break;
    case 0xd1:
        emit_op(c, WASM_OP_REF_IS_NULL);
        break;
    case 0xd2:
        push_width(c, 1);
        emit_op(c, WASM_OP_REF_FUNC);
        emit(c, read_u32(c));
        break;
    case 0xfc:
        compile_prefixed(c);
        break;
    case 0xfd:
        compile_simd(c);
        break;
    default:
        if (op >= 0x28 && op <= 0x3e) { /* loads and stores: align, offset */
            read_uleb(c);
            uint32_t offset = read_u32(c);
            pop_width(c);
            if (op <= 0x35)
                push_width(c, 1);
            else
                pop_width(c);
            emit_op(c, (wasm_internal_op)(WASM_OP_I32_LOAD + (op - 0x28)));
            emit(c, offset);
        } else if (op >= 0x45 && op <= 0xc4) {
            if (!is_unary_numeric(op))
                pop_width(c);
            if (op <= 0xbb)
                emit_numeric(c, (wasm_internal_op)(WASM_OP_I32_EQZ + (op - 0x45)));
            else
                emit_op(c, (wasm_internal_op)(WASM_OP_I32_EXTEND8_S + (op - 0xc0)));
        } else {
            c->failed = true; /* not reachable for a validated body */
        }
        break;
    }
    return !c->failed && c->p < c->end;
}

/* Translates one body into a fresh wasm_code; NULL with err when out of memory. */
static wasm_code *compile_function(const wasm_module *m, uint32_t code_index,
                                   const wasm_compiled_func *f, wc_error *err)
{
    const wasm_module_code *body = &m->codes[code_index];
    uint32_t func_index = m->func_import_count + code_index;
    const wasm_functype *type = &m->types[f->type_index];
    compiler c = { .module = m, .p = body->body, .end = body->body + body->body_length };
    wasm_code *out = NULL;

    uint64_t local_total = (uint64_t)type->param_count + body->local_count;
    c.local_offsets = malloc((local_total + 1) * sizeof(*c.local_offsets));
    c.local_types = malloc((local_total + 1) * sizeof(*c.local_types));
    if (c.local_offsets == NULL || c.local_types == NULL) {
        wc_error_set(err, WC_ERESOURCE, "compiling func[%u]: out of memory", func_index);
        goto out;
    }
    uint32_t slot = 0; /* bounded by wasm_compile's check of local_slots */
    for (uint64_t i = 0; i < local_total; i++) {
        wasm_valtype t = i < type->param_count ? type->params[i]
                                                : body->local_types[i - type->param_count];
        c.local_types[i] = t;
        c.local_offsets[i] = slot;
        slot += wasm_slot_width(t);
    }

    c.height = c.max_height = f->local_slots;
    control *func = push_control(&c, CTL_FUNC);
    if (func != NULL) {
        func->base_height = f->local_slots;
        func->result_count = type->result_count;
        func->results = type->results;
        func->result_slots = f->result_slots;
        while (compile_instruction(&c)) {
        }
    }
    if (c.failed || c.control_count != 0) {
        wc_error_set(err, c.failed ? WC_ERESOURCE : WC_EINTERNAL,
                     "compiling func[%u]: %s", func_index,
                     c.failed ? "out of memory" : "body ended inside a block");
        goto out;
    }
    /* Exactly sized: the growing buffer is up to twice the code, and at least 2 KiB. */
    out = malloc(sizeof(*out) + c.length * sizeof(out->words[0]));
    if (out == NULL) {
        wc_error_set(err, WC_ERESOURCE, "compiling func[%u]: out of memory", func_index);
        goto out;
    }
    out->length = (uint32_t)c.length;
    out->max_slots = c.max_height + 4; /* a little room for the interpreter's own pushes */
    memcpy(out->words, c.code, c.length * sizeof(out->words[0]));
out:
    free(c.code);
    free(c.widths);
    free(c.controls);
    free(c.patches);
    free(c.local_offsets);
    free(c.local_types);
    return out;
}

const wasm_code *wasm_compiled_body(const wasm_module *module, uint32_t code_index,
                                    wc_error *err)
{
    wasm_compiled_func *f = &module->compiled->funcs[code_index];
    wasm_code *body = atomic_load_explicit(&f->body, memory_order_acquire);
    if (body != NULL)
        return body;
    wasm_code *mine = compile_function(module, code_index, f, err);
    if (mine == NULL)
        return NULL;
    wasm_code *expected = NULL;
    if (atomic_compare_exchange_strong_explicit(&f->body, &expected, mine,
                                                memory_order_acq_rel, memory_order_acquire))
        return mine;
    free(mine); /* another thread published the same code first */
    return expected;
}

/* Lazy: fills every function's frame layout now (cheap, and the "too many locals" limit is a
 * load-time error as before); bodies are translated on first call. */
int wasm_compile(wasm_module *module, wc_error *err)
{
    wasm_compiled *compiled = calloc(1, sizeof(*compiled));
    if (compiled == NULL)
        return wc_error_set(err, WC_ERESOURCE, "compiling: out of memory");
    compiled->funcs = calloc(module->code_count ? module->code_count : 1,
                             sizeof(*compiled->funcs));
    if (compiled->funcs == NULL) {
        free(compiled);
        return wc_error_set(err, WC_ERESOURCE, "compiling: out of memory");
    }
    compiled->func_count = module->code_count;
    for (uint32_t i = 0; i < module->code_count; i++) {
        uint32_t func_index = module->func_import_count + i;
        const wasm_module_code *body = &module->codes[i];
        const wasm_functype *type = &module->types[module->func_types[func_index]];
        wasm_compiled_func *f = &compiled->funcs[i];
        uint32_t param_slots = wasm_slot_count(type->params, type->param_count);
        uint64_t slots = param_slots;
        for (uint32_t l = 0; l < body->local_count && slots <= (1u << 26); l++)
            slots += wasm_slot_width(body->local_types[l]);
        if (slots > (1u << 26)) {
            wasm_compiled_free(compiled);
            return wc_error_set(err, WC_ERESOURCE, "compiling func[%u]: too many locals",
                                func_index);
        }
        atomic_init(&f->body, NULL);
        f->type_index = module->func_types[func_index];
        f->param_slots = param_slots;
        f->local_slots = (uint32_t)slots;
        f->result_slots = wasm_slot_count(type->results, type->result_count);
    }
    module->compiled = compiled;
    return 0;
}

void wasm_compiled_free(wasm_compiled *compiled)
{
    if (compiled == NULL)
        return;
    for (uint32_t i = 0; i < compiled->func_count; i++)
        free(atomic_load_explicit(&compiled->funcs[i].body, memory_order_acquire));
    free(compiled->funcs);
    free(compiled);
}
