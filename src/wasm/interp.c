/* interp.c - the interpreter: runs compile.h's internal code with computed-goto dispatch.
 *
 * No C recursion for wasm calls: frames live in the store's frame array and values in its
 * slot stack, so a recursion bomb ends in "call stack exhausted", never in a host crash. Every
 * memory and table access is bounds-checked explicitly (64-bit effective addresses). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/runtime.h"
#include "wasm/simd.h"

/* ---- float semantics: raw bits in slots, IEEE operations, the spec's min/max ---------- */

static inline float f32_of(uint64_t slot)
{
    uint32_t bits = (uint32_t)slot;
    float value;
    memcpy(&value, &bits, 4);
    return value;
}

static inline uint64_t slot_of_f32(float value)
{
    uint32_t bits;
    memcpy(&bits, &value, 4);
    return bits;
}

static inline double f64_of(uint64_t slot)
{
    double value;
    memcpy(&value, &slot, 8);
    return value;
}

static inline uint64_t slot_of_f64(double value)
{
    uint64_t bits;
    memcpy(&bits, &value, 8);
    return bits;
}

/* NaN in, NaN out (quieted: an arithmetic NaN); -0 is below +0. */
static inline float f32_min(float a, float b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}

static inline float f32_max(float a, float b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

static inline double f64_min(double a, double b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}

static inline double f64_max(double a, double b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

static inline uint32_t rotl32(uint32_t x, uint32_t n)
{
    n &= 31;
    return n ? (x << n) | (x >> (32 - n)) : x;
}

static inline uint32_t rotr32(uint32_t x, uint32_t n)
{
    n &= 31;
    return n ? (x >> n) | (x << (32 - n)) : x;
}

static inline uint64_t rotl64(uint64_t x, uint64_t n)
{
    n &= 63;
    return n ? (x << n) | (x >> (64 - n)) : x;
}

static inline uint64_t rotr64(uint64_t x, uint64_t n)
{
    n &= 63;
    return n ? (x >> n) | (x << (64 - n)) : x;
}

/* Rounding keeps NaN payloads in libm: the spec wants them quieted (an arithmetic NaN). */
#define ROUNDING(name, type, fn) \
    static inline type name(type x) { return isnan(x) ? x + x : fn(x); }
ROUNDING(f32_ceil, float, ceilf)
ROUNDING(f32_floor, float, floorf)
ROUNDING(f32_trunc, float, truncf)
ROUNDING(f32_nearest, float, nearbyintf)
ROUNDING(f64_ceil, double, ceil)
ROUNDING(f64_floor, double, floor)
ROUNDING(f64_trunc, double, trunc)
ROUNDING(f64_nearest, double, nearbyint)

/* Saturating truncations: NaN is 0, out of range clamps. */
static inline uint64_t sat_i32_s(double x)
{
    if (isnan(x))
        return 0;
    if (x <= -2147483648.0)
        return (uint32_t)INT32_MIN;
    if (x >= 2147483647.0)
        return (uint32_t)INT32_MAX;
    return (uint32_t)(int32_t)x;
}

static inline uint64_t sat_i32_u(double x)
{
    if (isnan(x) || x <= 0.0)
        return 0;
    if (x >= 4294967295.0)
        return UINT32_MAX;
    return (uint32_t)x;
}

static inline uint64_t sat_i64_s(double x)
{
    if (isnan(x))
        return 0;
    if (x <= -9223372036854775808.0)
        return (uint64_t)INT64_MIN;
    if (x >= 9223372036854775808.0)
        return (uint64_t)INT64_MAX;
    return (uint64_t)(int64_t)x;
}

static inline uint64_t sat_i64_u(double x)
{
    if (isnan(x) || x <= 0.0)
        return 0;
    if (x >= 18446744073709551616.0)
        return UINT64_MAX;
    return (uint64_t)x;
}

/* ---- host calls ----------------------------------------------------------------------- */

/* Calls a host function with its arguments in slots at args; writes its results there. */
static int call_host(wasm_store *store, wasm_instance *instance, wasm_func *func, uint64_t *args,
                     wasm_trap *trap)
{
    wasm_value small_args[16], small_results[16];
    wasm_value *argv = small_args, *resv = small_results;
    int result = -1;
    if (func->type.param_count > 16)
        argv = calloc(func->type.param_count, sizeof(*argv));
    if (func->type.result_count > 16)
        resv = calloc(func->type.result_count, sizeof(*resv));
    if (argv == NULL || resv == NULL) {
        wasm_trap_host(trap, "host call: out of memory");
        goto out;
    }
    uint64_t *slot = args;
    for (uint32_t i = 0; i < func->type.param_count; i++) {
        wasm_value_from_slots(func->type.params[i], slot, &argv[i]);
        slot += wasm_slot_width(func->type.params[i]);
    }
    memset(resv, 0, (func->type.result_count ? func->type.result_count : 1) * sizeof(*resv));

    /* A nested wasm_func_call from the callback builds its frames above ours. */
    uint64_t *saved_top = store->stack_top;
    store->stack_top = args + (func->param_slots > func->result_slots ? func->param_slots
                                                                       : func->result_slots);
    wasm_caller caller = { store, instance };
    trap->kind = WASM_TRAP_NONE;
    trap->function[0] = '\0';
    int rc = func->callback(&caller, func->env, argv, resv, trap);
    store->stack_top = saved_top;
    if (rc < 0) {
        if (trap->kind == WASM_TRAP_NONE)
            wasm_trap_host(trap, "host function failed");
        goto out;
    }
    slot = args;
    for (uint32_t i = 0; i < func->type.result_count; i++) {
        wasm_value_to_slots(func->type.results[i], &resv[i], slot);
        slot += wasm_slot_width(func->type.results[i]);
    }
    result = 0;
out:
    if (argv != small_args)
        free(argv);
    if (resv != small_results)
        free(resv);
    return result;
}

/* ---- lazy compilation ------------------------------------------------------------------ */

/* The slow path of a function's first call: compiles its body (compile.h). Out of memory
 * becomes a clean host trap naming the function. */
static __attribute__((noinline, cold)) const wasm_code *first_call(wasm_func *func,
                                                                   wasm_trap *trap)
{
    const wasm_module *module = func->instance->module;
    wc_error err = { 0 };
    const wasm_code *body = wasm_compiled_body(module, func->index - module->func_import_count,
                                               &err);
    if (body == NULL) {
        wasm_trap_host(trap, "%s", err.message);
        wasm_trap_locate(trap, func);
    }
    return body;
}

/* ---- the loop ------------------------------------------------------------------------- */

int wasm_interp_call(wasm_store *store, wasm_func *func, uint64_t *args, wasm_trap *trap)
{
    static const void *const labels[] = {
#define WASM_INTERP_LABEL(name) &&op_##name,
        WASM_INTERNAL_OPS(WASM_INTERP_LABEL)
#undef WASM_INTERP_LABEL
#define WASM_INTERP_FUSED_LABELS(name) &&op_##name##_IMM, &&op_##name##_LOCAL, \
    &&op_##name##_LOCALS,
        WASM_FUSABLE_BINARY_OPS(WASM_INTERP_FUSED_LABELS)
#undef WASM_INTERP_FUSED_LABELS
#define WASM_INTERP_JUMP_LABELS(name) &&op_JUMP_##name, &&op_JUMP_##name##_IMM,
        WASM_FUSABLE_COMPARE_OPS(WASM_INTERP_JUMP_LABELS)
#undef WASM_INTERP_JUMP_LABELS
    };
    const uint32_t entry_frames = store->frame_count;
    const uint32_t max_frames = store->config.max_call_depth;
    uint64_t *const stack_end = store->stack + store->stack_slots;
    wasm_frame *const frames = store->frames;

    wasm_func *current = NULL;
    wasm_instance *instance = NULL;
    const wasm_word *code = NULL, *pc = NULL;
    uint64_t *fp = NULL, *sp = args + func->param_slots;
    uint8_t *mem = NULL;
    uint64_t mem_size = 0;
    wasm_func *callee = func;
    wasm_trap_kind kind = WASM_TRAP_NONE;
    uint32_t element_index = 0; /* named in table-element trap messages, as the spec's are */
    const wasm_word *return_pc = NULL; /* NULL: the callee returns to the host */

#define NEXT() goto *labels[*pc++]
#define TRAP(k) do { kind = (k); goto trap; } while (0)
#define LOAD_MEMORY() do { \
        wasm_memory *m0_ = instance->memory0; \
        mem = m0_ ? m0_->data : NULL; \
        mem_size = m0_ ? m0_->size : 0; \
    } while (0)
#define INTERRUPT_CHECK() do { \
        if (atomic_load_explicit(&store->interrupt, memory_order_relaxed)) { \
            atomic_store_explicit(&store->interrupt, 0, memory_order_relaxed); \
            TRAP(WASM_TRAP_INTERRUPTED); \
        } \
    } while (0)

    goto enter;

    /* Calls callee with its arguments on top of the stack; return_pc says where to resume. */
enter:
    INTERRUPT_CHECK();
    if (callee->is_host) {
        uint64_t *host_args = sp - callee->param_slots;
        if (host_args + callee->result_slots > stack_end)
            TRAP(WASM_TRAP_STACK_EXHAUSTED);
        if (call_host(store, instance, callee, host_args, trap) < 0) {
            wasm_trap_locate(trap, current ? current : callee);
            goto unwind;
        }
        sp = host_args + callee->result_slots;
        if (return_pc == NULL)
            goto done;
        pc = return_pc;
        LOAD_MEMORY();
        NEXT();
    } else {
        const wasm_compiled_func *cf = callee->code;
        const wasm_code *body = atomic_load_explicit(&cf->body, memory_order_acquire);
        if (__builtin_expect(body == NULL, 0)) {
            body = first_call(callee, trap);
            if (body == NULL)
                goto unwind;
        }
        uint64_t *new_fp = sp - cf->param_slots;
        if (store->frame_count >= max_frames || new_fp + body->max_slots > stack_end)
            TRAP(WASM_TRAP_STACK_EXHAUSTED);
        frames[store->frame_count++] = (wasm_frame){ return_pc, fp, current };
        fp = new_fp;
        if (cf->local_slots > cf->param_slots)
            memset(fp + cf->param_slots, 0, (cf->local_slots - cf->param_slots) * sizeof(*fp));
        sp = fp + cf->local_slots;
        current = callee;
        code = pc = body->words;
        if (instance != callee->instance) {
            instance = callee->instance;
            LOAD_MEMORY();
        }
        NEXT();
    }

op_UNREACHABLE:
    TRAP(WASM_TRAP_UNREACHABLE);

op_JUMP:
    pc = code + pc[0];
    NEXT();

op_JUMP_IF_ZERO:
    if ((uint32_t)*--sp == 0)
        pc = code + pc[0];
    else
        pc++;
    NEXT();

    /* A comparison fused with the conditional jump that consumes it. */
#define COMPARE_JUMP(name, expr) \
    op_JUMP_##name: { \
        uint32_t b = (uint32_t)sp[-1], a = (uint32_t)sp[-2]; \
        sp -= 2; \
        pc = (expr) ? code + pc[0] : pc + 1; \
        NEXT(); \
    } \
    op_JUMP_##name##_IMM: { \
        uint32_t a = (uint32_t)sp[-1], b = (uint32_t)wasm_imm64(pc); \
        sp -= 1; \
        pc = (expr) ? code + pc[2] : pc + 3; \
        NEXT(); \
    }
COMPARE_JUMP(I32_EQ, a == b)
COMPARE_JUMP(I32_NE, a != b)
COMPARE_JUMP(I32_LT_S, (int32_t)a < (int32_t)b)
COMPARE_JUMP(I32_LT_U, a < b)
COMPARE_JUMP(I32_GT_S, (int32_t)a > (int32_t)b)
COMPARE_JUMP(I32_GT_U, a > b)
COMPARE_JUMP(I32_LE_S, (int32_t)a <= (int32_t)b)
COMPARE_JUMP(I32_LE_U, a <= b)
COMPARE_JUMP(I32_GE_S, (int32_t)a >= (int32_t)b)
COMPARE_JUMP(I32_GE_U, a >= b)

op_JUMP_IF_NONZERO:
    if ((uint32_t)*--sp != 0)
        pc = code + pc[0];
    else
        pc++;
    NEXT();

op_BR_IF:
    if ((uint32_t)*--sp == 0) {
        pc += 3;
        NEXT();
    }
    /* fall through */
op_BR: {
    uint64_t *to = fp + pc[1];
    uint64_t keep = pc[2];
    const uint64_t *from = sp - keep;
    for (uint64_t i = 0; i < keep; i++)
        to[i] = from[i];
    sp = to + keep;
    pc = code + pc[0];
    NEXT();
}

op_BR_TABLE: {
    uint64_t count = pc[0];
    uint64_t index = (uint32_t)*--sp;
    if (index > count)
        index = count;
    const wasm_word *entry = pc + 1 + 3 * index;
    uint64_t *to = fp + entry[1];
    uint64_t keep = entry[2];
    const uint64_t *from = sp - keep;
    for (uint64_t i = 0; i < keep; i++)
        to[i] = from[i];
    sp = to + keep;
    pc = code + entry[0];
    NEXT();
}

op_RETURN: {
    uint64_t keep = pc[0];
    const uint64_t *from = sp - keep;
    for (uint64_t i = 0; i < keep; i++)
        fp[i] = from[i];
    sp = fp + keep;
    wasm_frame *frame = &frames[--store->frame_count];
    if (frame->return_pc == NULL)
        goto done;
    pc = frame->return_pc;
    fp = frame->fp;
    current = frame->func;
    /* Relaxed: this thread published or acquired the body when it entered the function. */
    code = atomic_load_explicit(&current->code->body, memory_order_relaxed)->words;
    instance = current->instance;
    LOAD_MEMORY();
    NEXT();
}

op_LOOP:
    INTERRUPT_CHECK();
    NEXT();

op_CALL:
    callee = instance->funcs[pc[0]];
    return_pc = pc + 1;
    goto enter;

op_CALL_INDIRECT: {
    const wasm_table *table = instance->tables[pc[1]];
    uint32_t index = (uint32_t)*--sp;
    element_index = index;
    if (index >= table->size)
        TRAP(WASM_TRAP_UNDEFINED_ELEMENT);
    callee = table->elements[index];
    if (callee == NULL)
        TRAP(WASM_TRAP_UNINITIALIZED_ELEMENT);
    if (!wasm_functype_equal(&callee->type, &instance->module->types[pc[0]]))
        TRAP(WASM_TRAP_INDIRECT_CALL_MISMATCH);
    return_pc = pc + 2;
    goto enter;
}

op_DROP:
    sp -= pc[0];
    pc++;
    NEXT();

op_SELECT:
    sp--;
    if ((uint32_t)sp[0] == 0)
        sp[-2] = sp[-1];
    sp--;
    NEXT();

op_SELECT_V128:
    sp--;
    if ((uint32_t)sp[0] == 0) {
        sp[-4] = sp[-2];
        sp[-3] = sp[-1];
    }
    sp -= 2;
    NEXT();

op_LOCAL_GET:
    *sp++ = fp[*pc++];
    NEXT();
op_LOCAL_SET:
    fp[*pc++] = *--sp;
    NEXT();
op_LOCAL_TEE:
    fp[*pc++] = sp[-1];
    NEXT();
op_LOCAL_GET_V128:
    sp[0] = fp[pc[0]];
    sp[1] = fp[pc[0] + 1];
    sp += 2;
    pc++;
    NEXT();
op_LOCAL_SET_V128:
    sp -= 2;
    fp[pc[0]] = sp[0];
    fp[pc[0] + 1] = sp[1];
    pc++;
    NEXT();
op_LOCAL_TEE_V128:
    fp[pc[0]] = sp[-2];
    fp[pc[0] + 1] = sp[-1];
    pc++;
    NEXT();

op_LOCAL_COPY:
    fp[pc[1]] = fp[pc[0]];
    pc += 2;
    NEXT();
op_LOCAL_GET2:
    sp[0] = fp[pc[0]];
    sp[1] = fp[pc[1]];
    sp += 2;
    pc += 2;
    NEXT();
op_LOCAL_SET_CONST:
    fp[pc[2]] = wasm_imm64(pc);
    pc += 3;
    NEXT();

op_GLOBAL_GET:
    *sp++ = instance->globals[*pc++]->value.i64;
    NEXT();
op_GLOBAL_SET:
    instance->globals[*pc++]->value.i64 = *--sp;
    NEXT();
op_GLOBAL_GET_V128:
    memcpy(sp, instance->globals[*pc++]->value.v128, 16);
    sp += 2;
    NEXT();
op_GLOBAL_SET_V128:
    sp -= 2;
    memcpy(instance->globals[*pc++]->value.v128, sp, 16);
    NEXT();

op_CONST:
    *sp++ = wasm_imm64(pc);
    pc += 2;
    NEXT();
op_V128_CONST:
    sp[0] = wasm_imm64(pc);
    sp[1] = wasm_imm64(pc + 2);
    sp += 2;
    pc += 4;
    NEXT();

    /* Loads and stores: effective address = u32 operand + u32 offset, in 64 bits. */
#define LOAD(type, convert) { \
        uint64_t ea_ = (uint64_t)(uint32_t)sp[-1] + *pc++; \
        if (ea_ + sizeof(type) > mem_size) \
            TRAP(WASM_TRAP_MEMORY_OOB); \
        type v_; \
        memcpy(&v_, mem + ea_, sizeof(type)); \
        sp[-1] = (convert); \
        NEXT(); \
    }
#define STORE(type) { \
        uint64_t ea_ = (uint64_t)(uint32_t)sp[-2] + *pc++; \
        if (ea_ + sizeof(type) > mem_size) \
            TRAP(WASM_TRAP_MEMORY_OOB); \
        type v_ = (type)sp[-1]; \
        memcpy(mem + ea_, &v_, sizeof(type)); \
        sp -= 2; \
        NEXT(); \
    }
op_I32_LOAD: LOAD(uint32_t, v_)
op_I64_LOAD: LOAD(uint64_t, v_)
op_F32_LOAD: LOAD(uint32_t, v_)
op_F64_LOAD: LOAD(uint64_t, v_)
op_I32_LOAD8_S: LOAD(int8_t, (uint32_t)(int32_t)v_)
op_I32_LOAD8_U: LOAD(uint8_t, v_)
op_I32_LOAD16_S: LOAD(int16_t, (uint32_t)(int32_t)v_)
op_I32_LOAD16_U: LOAD(uint16_t, v_)
op_I64_LOAD8_S: LOAD(int8_t, (uint64_t)(int64_t)v_)
op_I64_LOAD8_U: LOAD(uint8_t, v_)
op_I64_LOAD16_S: LOAD(int16_t, (uint64_t)(int64_t)v_)
op_I64_LOAD16_U: LOAD(uint16_t, v_)
op_I64_LOAD32_S: LOAD(int32_t, (uint64_t)(int64_t)v_)
op_I64_LOAD32_U: LOAD(uint32_t, v_)
op_I32_STORE: STORE(uint32_t)
op_I64_STORE: STORE(uint64_t)
op_F32_STORE: STORE(uint32_t)
op_F64_STORE: STORE(uint64_t)
op_I32_STORE8: STORE(uint8_t)
op_I32_STORE16: STORE(uint16_t)
op_I64_STORE8: STORE(uint8_t)
op_I64_STORE16: STORE(uint16_t)
op_I64_STORE32: STORE(uint32_t)

op_MEMORY_SIZE:
    *sp++ = (uint32_t)(mem_size / WASM_PAGE_SIZE);
    NEXT();
op_MEMORY_GROW: {
    int64_t old = wasm_memory_grow(instance->memory0, (uint32_t)sp[-1]);
    sp[-1] = (uint32_t)(int32_t)old;
    LOAD_MEMORY();
    NEXT();
}

    /* Numeric operators: a is below b on the stack. */
#define UNARY_F32(fn) { sp[-1] = slot_of_f32(fn(f32_of(sp[-1]))); NEXT(); }
#define UNARY_F64(fn) { sp[-1] = slot_of_f64(fn(f64_of(sp[-1]))); NEXT(); }
#define BINARY_I32(expr) { \
        uint32_t b = (uint32_t)sp[-1], a = (uint32_t)sp[-2]; \
        (void)a; (void)b; \
        sp--; \
        sp[-1] = (uint32_t)(expr); \
        NEXT(); \
    }
#define BINARY_I64(expr) { \
        uint64_t b = sp[-1], a = sp[-2]; \
        sp--; \
        sp[-1] = (uint64_t)(expr); \
        NEXT(); \
    }
#define BINARY_F32(expr) { \
        float b = f32_of(sp[-1]), a = f32_of(sp[-2]); \
        sp--; \
        sp[-1] = slot_of_f32(expr); \
        NEXT(); \
    }
#define BINARY_F64(expr) { \
        double b = f64_of(sp[-1]), a = f64_of(sp[-2]); \
        sp--; \
        sp[-1] = slot_of_f64(expr); \
        NEXT(); \
    }
/* An operator with its right operand on the stack, as an immediate, or in a local. */
#define I32_OPS(name, expr) \
    op_##name: BINARY_I32(expr) \
    op_##name##_IMM: { \
        uint32_t a = (uint32_t)sp[-1], b = (uint32_t)wasm_imm64(pc); \
        pc += 2; \
        sp[-1] = (uint32_t)(expr); \
        NEXT(); \
    } \
    op_##name##_LOCAL: { \
        uint32_t a = (uint32_t)sp[-1], b = (uint32_t)fp[*pc++]; \
        sp[-1] = (uint32_t)(expr); \
        NEXT(); \
    } \
    op_##name##_LOCALS: { \
        uint32_t a = (uint32_t)fp[pc[0]], b = (uint32_t)fp[pc[1]]; \
        pc += 2; \
        *sp++ = (uint32_t)(expr); \
        NEXT(); \
    }
#define I64_OPS(name, expr) \
    op_##name: BINARY_I64(expr) \
    op_##name##_IMM: { \
        uint64_t a = sp[-1], b = wasm_imm64(pc); \
        pc += 2; \
        sp[-1] = (uint64_t)(expr); \
        NEXT(); \
    } \
    op_##name##_LOCAL: { \
        uint64_t a = sp[-1], b = fp[*pc++]; \
        sp[-1] = (uint64_t)(expr); \
        NEXT(); \
    } \
    op_##name##_LOCALS: { \
        uint64_t a = fp[pc[0]], b = fp[pc[1]]; \
        pc += 2; \
        *sp++ = (uint64_t)(expr); \
        NEXT(); \
    }
#define COMPARE_F32(expr) { \
        float b = f32_of(sp[-1]), a = f32_of(sp[-2]); \
        sp--; \
        sp[-1] = (expr) ? 1 : 0; \
        NEXT(); \
    }
#define COMPARE_F64(expr) { \
        double b = f64_of(sp[-1]), a = f64_of(sp[-2]); \
        sp--; \
        sp[-1] = (expr) ? 1 : 0; \
        NEXT(); \
    }

op_I32_EQZ: sp[-1] = (uint32_t)sp[-1] == 0; NEXT();
I32_OPS(I32_EQ, a == b)
I32_OPS(I32_NE, a != b)
I32_OPS(I32_LT_S, (int32_t)a < (int32_t)b)
I32_OPS(I32_LT_U, a < b)
I32_OPS(I32_GT_S, (int32_t)a > (int32_t)b)
I32_OPS(I32_GT_U, a > b)
I32_OPS(I32_LE_S, (int32_t)a <= (int32_t)b)
I32_OPS(I32_LE_U, a <= b)
I32_OPS(I32_GE_S, (int32_t)a >= (int32_t)b)
I32_OPS(I32_GE_U, a >= b)
op_I64_EQZ: sp[-1] = sp[-1] == 0; NEXT();
I64_OPS(I64_EQ, a == b)
I64_OPS(I64_NE, a != b)
I64_OPS(I64_LT_S, (int64_t)a < (int64_t)b)
I64_OPS(I64_LT_U, a < b)
I64_OPS(I64_GT_S, (int64_t)a > (int64_t)b)
I64_OPS(I64_GT_U, a > b)
I64_OPS(I64_LE_S, (int64_t)a <= (int64_t)b)
I64_OPS(I64_LE_U, a <= b)
I64_OPS(I64_GE_S, (int64_t)a >= (int64_t)b)
I64_OPS(I64_GE_U, a >= b)
op_F32_EQ: COMPARE_F32(a == b)
op_F32_NE: COMPARE_F32(a != b)
op_F32_LT: COMPARE_F32(a < b)
op_F32_GT: COMPARE_F32(a > b)
op_F32_LE: COMPARE_F32(a <= b)
op_F32_GE: COMPARE_F32(a >= b)
op_F64_EQ: COMPARE_F64(a == b)
op_F64_NE: COMPARE_F64(a != b)
op_F64_LT: COMPARE_F64(a < b)
op_F64_GT: COMPARE_F64(a > b)
op_F64_LE: COMPARE_F64(a <= b)
op_F64_GE: COMPARE_F64(a >= b)

op_I32_CLZ: {
    uint32_t a = (uint32_t)sp[-1];
    sp[-1] = a ? (uint32_t)__builtin_clz(a) : 32;
    NEXT();
}
op_I32_CTZ: {
    uint32_t a = (uint32_t)sp[-1];
    sp[-1] = a ? (uint32_t)__builtin_ctz(a) : 32;
    NEXT();
}
op_I32_POPCNT: sp[-1] = (uint32_t)__builtin_popcount((uint32_t)sp[-1]); NEXT();
I32_OPS(I32_ADD, a + b)
I32_OPS(I32_SUB, a - b)
I32_OPS(I32_MUL, a * b)
op_I32_DIV_S: {
    int32_t b = (int32_t)(uint32_t)sp[-1], a = (int32_t)(uint32_t)sp[-2];
    if (b == 0)
        TRAP(WASM_TRAP_INT_DIV_BY_ZERO);
    if (a == INT32_MIN && b == -1)
        TRAP(WASM_TRAP_INT_OVERFLOW);
    sp--;
    sp[-1] = (uint32_t)(a / b);
    NEXT();
}
op_I32_DIV_U: {
    uint32_t b = (uint32_t)sp[-1], a = (uint32_t)sp[-2];
    if (b == 0)
        TRAP(WASM_TRAP_INT_DIV_BY_ZERO);
    sp--;
    sp[-1] = a / b;
    NEXT();
}
op_I32_REM_S: {
    int32_t b = (int32_t)(uint32_t)sp[-1], a = (int32_t)(uint32_t)sp[-2];
    if (b == 0)
        TRAP(WASM_TRAP_INT_DIV_BY_ZERO);
    sp--;
    sp[-1] = b == -1 ? 0 : (uint32_t)(a % b);
    NEXT();
}
op_I32_REM_U: {
    uint32_t b = (uint32_t)sp[-1], a = (uint32_t)sp[-2];
    if (b == 0)
        TRAP(WASM_TRAP_INT_DIV_BY_ZERO);
    sp--;
    sp[-1] = a % b;
    NEXT();
}
I32_OPS(I32_AND, a & b)
I32_OPS(I32_OR, a | b)
I32_OPS(I32_XOR, a ^ b)
I32_OPS(I32_SHL, a << (b & 31))
I32_OPS(I32_SHR_S, (uint32_t)((int32_t)a >> (b & 31)))
I32_OPS(I32_SHR_U, a >> (b & 31))
op_I32_ROTL: BINARY_I32(rotl32(a, b))
op_I32_ROTR: BINARY_I32(rotr32(a, b))

op_I64_CLZ: sp[-1] = sp[-1] ? (uint64_t)__builtin_clzll(sp[-1]) : 64; NEXT();
op_I64_CTZ: sp[-1] = sp[-1] ? (uint64_t)__builtin_ctzll(sp[-1]) : 64; NEXT();
op_I64_POPCNT: sp[-1] = (uint64_t)__builtin_popcountll(sp[-1]); NEXT();
I64_OPS(I64_ADD, a + b)
I64_OPS(I64_SUB, a - b)
I64_OPS(I64_MUL, a * b)
op_I64_DIV_S: {
    int64_t b = (int64_t)sp[-1], a = (int64_t)sp[-2];
    if (b == 0)
        TRAP(WASM_TRAP_INT_DIV_BY_ZERO);
    if (a == INT64_MIN && b == -1)
        TRAP(WASM_TRAP_INT_OVERFLOW);
    sp--;
    sp[-1] = (uint64_t)(a / b);
    NEXT();
}
op_I64_DIV_U: {
    uint64_t b = sp[-1], a = sp[-2];
    if (b == 0)
        TRAP(WASM_TRAP_INT_DIV_BY_ZERO);
    sp--;
    sp[-1] = a / b;
    NEXT();
}
op_I64_REM_S: {
    int64_t b = (int64_t)sp[-1], a = (int64_t)sp[-2];
    if (b == 0)
        TRAP(WASM_TRAP_INT_DIV_BY_ZERO);
    sp--;
    sp[-1] = b == -1 ? 0 : (uint64_t)(a % b);
    NEXT();
}
op_I64_REM_U: {
    uint64_t b = sp[-1], a = sp[-2];
    if (b == 0)
        TRAP(WASM_TRAP_INT_DIV_BY_ZERO);
    sp--;
    sp[-1] = a % b;
    NEXT();
}
I64_OPS(I64_AND, a & b)
I64_OPS(I64_OR, a | b)
I64_OPS(I64_XOR, a ^ b)
I64_OPS(I64_SHL, a << (b & 63))
I64_OPS(I64_SHR_S, (uint64_t)((int64_t)a >> (b & 63)))
I64_OPS(I64_SHR_U, a >> (b & 63))
op_I64_ROTL: BINARY_I64(rotl64(a, b))
op_I64_ROTR: BINARY_I64(rotr64(a, b))

    /* abs, neg, copysign only touch the sign bit: NaN payloads pass unchanged. */
op_F32_ABS: sp[-1] = (uint32_t)sp[-1] & 0x7fffffffu; NEXT();
op_F32_NEG: sp[-1] = ((uint32_t)sp[-1] ^ 0x80000000u); NEXT();
op_F32_CEIL: UNARY_F32(f32_ceil)
op_F32_FLOOR: UNARY_F32(f32_floor)
op_F32_TRUNC: UNARY_F32(f32_trunc)
op_F32_NEAREST: UNARY_F32(f32_nearest)
op_F32_SQRT: UNARY_F32(sqrtf)
op_F32_ADD: BINARY_F32(a + b)
op_F32_SUB: BINARY_F32(a - b)
op_F32_MUL: BINARY_F32(a * b)
op_F32_DIV: BINARY_F32(a / b)
op_F32_MIN: BINARY_F32(f32_min(a, b))
op_F32_MAX: BINARY_F32(f32_max(a, b))
op_F32_COPYSIGN: {
    uint32_t b = (uint32_t)sp[-1], a = (uint32_t)sp[-2];
    sp--;
    sp[-1] = (a & 0x7fffffffu) | (b & 0x80000000u);
    NEXT();
}
op_F64_ABS: sp[-1] &= 0x7fffffffffffffffull; NEXT();
op_F64_NEG: sp[-1] ^= 0x8000000000000000ull; NEXT();
op_F64_CEIL: UNARY_F64(f64_ceil)
op_F64_FLOOR: UNARY_F64(f64_floor)
op_F64_TRUNC: UNARY_F64(f64_trunc)
op_F64_NEAREST: UNARY_F64(f64_nearest)
op_F64_SQRT: UNARY_F64(sqrt)
op_F64_ADD: BINARY_F64(a + b)
op_F64_SUB: BINARY_F64(a - b)
op_F64_MUL: BINARY_F64(a * b)
op_F64_DIV: BINARY_F64(a / b)
op_F64_MIN: BINARY_F64(f64_min(a, b))
op_F64_MAX: BINARY_F64(f64_max(a, b))
op_F64_COPYSIGN: {
    uint64_t b = sp[-1], a = sp[-2];
    sp--;
    sp[-1] = (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull);
    NEXT();
}

op_I32_WRAP_I64: sp[-1] = (uint32_t)sp[-1]; NEXT();

    /* Trapping truncations: NaN is an invalid conversion, out of range an overflow. The
     * bounds are exact: the first values whose truncation no longer fits. */
#define TRUNC(get, type, low_ok, high_ok, put) { \
        type x_ = get(sp[-1]); \
        if (isnan(x_)) \
            TRAP(WASM_TRAP_INVALID_CONVERSION); \
        if (!((low_ok) && (high_ok))) \
            TRAP(WASM_TRAP_INT_OVERFLOW); \
        sp[-1] = (put); \
        NEXT(); \
    }
op_I32_TRUNC_F32_S: TRUNC(f32_of, float, x_ >= -2147483648.0f, x_ < 2147483648.0f,
                          (uint32_t)(int32_t)x_)
op_I32_TRUNC_F32_U: TRUNC(f32_of, float, x_ > -1.0f, x_ < 4294967296.0f, (uint32_t)x_)
op_I32_TRUNC_F64_S: TRUNC(f64_of, double, x_ > -2147483649.0, x_ < 2147483648.0,
                          (uint32_t)(int32_t)x_)
op_I32_TRUNC_F64_U: TRUNC(f64_of, double, x_ > -1.0, x_ < 4294967296.0, (uint32_t)x_)
op_I64_EXTEND_I32_S: sp[-1] = (uint64_t)(int64_t)(int32_t)(uint32_t)sp[-1]; NEXT();
op_I64_EXTEND_I32_U: sp[-1] = (uint32_t)sp[-1]; NEXT();
op_I64_TRUNC_F32_S: TRUNC(f32_of, float, x_ >= -9223372036854775808.0f,
                          x_ < 9223372036854775808.0f, (uint64_t)(int64_t)x_)
op_I64_TRUNC_F32_U: TRUNC(f32_of, float, x_ > -1.0f, x_ < 18446744073709551616.0f,
                          (uint64_t)x_)
op_I64_TRUNC_F64_S: TRUNC(f64_of, double, x_ >= -9223372036854775808.0,
                          x_ < 9223372036854775808.0, (uint64_t)(int64_t)x_)
op_I64_TRUNC_F64_U: TRUNC(f64_of, double, x_ > -1.0, x_ < 18446744073709551616.0,
                          (uint64_t)x_)

op_F32_CONVERT_I32_S: sp[-1] = slot_of_f32((float)(int32_t)(uint32_t)sp[-1]); NEXT();
op_F32_CONVERT_I32_U: sp[-1] = slot_of_f32((float)(uint32_t)sp[-1]); NEXT();
op_F32_CONVERT_I64_S: sp[-1] = slot_of_f32((float)(int64_t)sp[-1]); NEXT();
op_F32_CONVERT_I64_U: sp[-1] = slot_of_f32((float)sp[-1]); NEXT();
op_F32_DEMOTE_F64: sp[-1] = slot_of_f32((float)f64_of(sp[-1])); NEXT();
op_F64_CONVERT_I32_S: sp[-1] = slot_of_f64((double)(int32_t)(uint32_t)sp[-1]); NEXT();
op_F64_CONVERT_I32_U: sp[-1] = slot_of_f64((double)(uint32_t)sp[-1]); NEXT();
op_F64_CONVERT_I64_S: sp[-1] = slot_of_f64((double)(int64_t)sp[-1]); NEXT();
op_F64_CONVERT_I64_U: sp[-1] = slot_of_f64((double)sp[-1]); NEXT();
op_F64_PROMOTE_F32: sp[-1] = slot_of_f64((double)f32_of(sp[-1])); NEXT();

op_I32_EXTEND8_S: sp[-1] = (uint32_t)(int32_t)(int8_t)(uint8_t)sp[-1]; NEXT();
op_I32_EXTEND16_S: sp[-1] = (uint32_t)(int32_t)(int16_t)(uint16_t)sp[-1]; NEXT();
op_I64_EXTEND8_S: sp[-1] = (uint64_t)(int64_t)(int8_t)(uint8_t)sp[-1]; NEXT();
op_I64_EXTEND16_S: sp[-1] = (uint64_t)(int64_t)(int16_t)(uint16_t)sp[-1]; NEXT();
op_I64_EXTEND32_S: sp[-1] = (uint64_t)(int64_t)(int32_t)(uint32_t)sp[-1]; NEXT();

op_I32_TRUNC_SAT_F32_S: sp[-1] = sat_i32_s(f32_of(sp[-1])); NEXT();
op_I32_TRUNC_SAT_F32_U: sp[-1] = sat_i32_u(f32_of(sp[-1])); NEXT();
op_I32_TRUNC_SAT_F64_S: sp[-1] = sat_i32_s(f64_of(sp[-1])); NEXT();
op_I32_TRUNC_SAT_F64_U: sp[-1] = sat_i32_u(f64_of(sp[-1])); NEXT();
op_I64_TRUNC_SAT_F32_S: sp[-1] = sat_i64_s(f32_of(sp[-1])); NEXT();
op_I64_TRUNC_SAT_F32_U: sp[-1] = sat_i64_u(f32_of(sp[-1])); NEXT();
op_I64_TRUNC_SAT_F64_S: sp[-1] = sat_i64_s(f64_of(sp[-1])); NEXT();
op_I64_TRUNC_SAT_F64_U: sp[-1] = sat_i64_u(f64_of(sp[-1])); NEXT();

    /* Bulk memory and tables: every range is checked before anything is written. */
op_MEMORY_INIT: {
    uint64_t n = (uint32_t)sp[-1], s = (uint32_t)sp[-2], d = (uint32_t)sp[-3];
    uint32_t segment = (uint32_t)*pc++;
    sp -= 3;
    if (s + n > instance->data_lengths[segment] || d + n > mem_size)
        TRAP(WASM_TRAP_MEMORY_OOB);
    if (n)
        memcpy(mem + d, instance->module->datas[segment].bytes + s, n);
    NEXT();
}
op_DATA_DROP:
    instance->data_lengths[*pc++] = 0;
    NEXT();
op_MEMORY_COPY: {
    uint64_t n = (uint32_t)sp[-1], s = (uint32_t)sp[-2], d = (uint32_t)sp[-3];
    sp -= 3;
    if (s + n > mem_size || d + n > mem_size)
        TRAP(WASM_TRAP_MEMORY_OOB);
    if (n)
        memmove(mem + d, mem + s, n);
    NEXT();
}
op_MEMORY_FILL: {
    uint64_t n = (uint32_t)sp[-1], d = (uint32_t)sp[-3];
    uint8_t value = (uint8_t)sp[-2];
    sp -= 3;
    if (d + n > mem_size)
        TRAP(WASM_TRAP_MEMORY_OOB);
    if (n)
        memset(mem + d, value, n);
    NEXT();
}
op_TABLE_INIT: {
    uint64_t n = (uint32_t)sp[-1], s = (uint32_t)sp[-2], d = (uint32_t)sp[-3];
    const wasm_elem_instance *elem = &instance->elems[pc[0]];
    wasm_table *table = instance->tables[pc[1]];
    pc += 2;
    sp -= 3;
    if (s + n > elem->count || d + n > table->size)
        TRAP(WASM_TRAP_TABLE_OOB);
    if (n)
        memcpy(table->elements + d, elem->items + s, n * sizeof(void *));
    NEXT();
}
op_ELEM_DROP:
    instance->elems[*pc++].count = 0;
    NEXT();
op_TABLE_COPY: {
    uint64_t n = (uint32_t)sp[-1], s = (uint32_t)sp[-2], d = (uint32_t)sp[-3];
    wasm_table *dst = instance->tables[pc[0]], *src = instance->tables[pc[1]];
    pc += 2;
    sp -= 3;
    if (s + n > src->size || d + n > dst->size)
        TRAP(WASM_TRAP_TABLE_OOB);
    if (n)
        memmove(dst->elements + d, src->elements + s, n * sizeof(void *));
    NEXT();
}
op_TABLE_GROW: {
    uint32_t n = (uint32_t)sp[-1];
    void *init = (void *)(uintptr_t)sp[-2];
    sp--;
    sp[-1] = (uint32_t)(int32_t)wasm_table_grow_internal(instance->tables[*pc++], n, init);
    NEXT();
}
op_TABLE_SIZE:
    *sp++ = instance->tables[*pc++]->size;
    NEXT();
op_TABLE_FILL: {
    uint64_t n = (uint32_t)sp[-1], i = (uint32_t)sp[-3];
    void *value = (void *)(uintptr_t)sp[-2];
    wasm_table *table = instance->tables[*pc++];
    sp -= 3;
    if (i + n > table->size)
        TRAP(WASM_TRAP_TABLE_OOB);
    for (uint64_t k = 0; k < n; k++)
        table->elements[i + k] = value;
    NEXT();
}
op_TABLE_GET: {
    uint32_t i = (uint32_t)sp[-1];
    const wasm_table *table = instance->tables[*pc++];
    if (i >= table->size)
        TRAP(WASM_TRAP_TABLE_OOB);
    sp[-1] = (uint64_t)(uintptr_t)table->elements[i];
    NEXT();
}
op_TABLE_SET: {
    uint32_t i = (uint32_t)sp[-2];
    wasm_table *table = instance->tables[*pc++];
    if (i >= table->size)
        TRAP(WASM_TRAP_TABLE_OOB);
    table->elements[i] = (void *)(uintptr_t)sp[-1];
    sp -= 2;
    NEXT();
}
op_REF_IS_NULL:
    sp[-1] = sp[-1] == 0;
    NEXT();
op_REF_FUNC:
    *sp++ = (uint64_t)(uintptr_t)instance->funcs[*pc++];
    NEXT();

op_SIMD: {
    const wasm_simd_op *op = (const wasm_simd_op *)(uintptr_t)wasm_imm64(pc);
    const uint8_t *immediate = (const uint8_t *)(uintptr_t)wasm_imm64(pc + 2);
    pc += 4;
    wasm_v128 operands[3], result;
    memset(operands, 0, sizeof(operands));
    memset(&result, 0, sizeof(result));
    for (int i = op->param_count - 1; i >= 0; i--) {
        uint32_t width = wasm_slot_width(op->params[i]);
        sp -= width;
        memcpy(operands[i].bytes, sp, width * 8);
    }
    wasm_simd_execute(op->opcode, immediate, operands, &result);
    if (op->result_count) {
        uint32_t width = wasm_slot_width(op->result);
        memcpy(sp, result.bytes, width * 8);
        sp += width;
    }
    NEXT();
}
op_SIMD_MEMORY: {
    const wasm_simd_op *op = (const wasm_simd_op *)(uintptr_t)wasm_imm64(pc);
    uint64_t offset = pc[2];
    uint8_t lane = (uint8_t)pc[3];
    pc += 4;
    wasm_v128 vector, result;
    memset(&vector, 0, sizeof(vector));
    memset(&result, 0, sizeof(result));
    if (op->memory != WASM_SIMD_LOAD) {
        sp -= 2;
        memcpy(vector.bytes, sp, 16);
    }
    uint64_t ea = (uint64_t)(uint32_t)*--sp + offset;
    if (ea + op->access_bytes > mem_size)
        TRAP(WASM_TRAP_MEMORY_OOB);
    if (op->memory == WASM_SIMD_LOAD || op->memory == WASM_SIMD_LOAD_LANE) {
        wasm_simd_load(op->opcode, mem + ea, &vector, lane, &result);
        memcpy(sp, result.bytes, 16);
        sp += 2;
    } else {
        wasm_simd_store(op->opcode, &vector, lane, mem + ea);
    }
    NEXT();
}

trap:
    wasm_trap_set(trap, kind);
    if (kind == WASM_TRAP_UNDEFINED_ELEMENT || kind == WASM_TRAP_UNINITIALIZED_ELEMENT)
        snprintf(trap->message, sizeof(trap->message), "%s %u", wasm_trap_kind_text(kind),
                 element_index);
    wasm_trap_locate(trap, current ? current : callee);
unwind:
    store->frame_count = entry_frames;
    return -1;
done:
    store->frame_count = entry_frames;
    return 0;
}
