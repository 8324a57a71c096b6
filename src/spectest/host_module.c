/* host_module.c - the `spectest` module every spec test script may import:
 * print functions, four immutable globals (666 / 666.6), a funcref table of 10..20 elements
 * and a memory of 1..2 pages (the values the reference interpreter uses). */
#include <inttypes.h>
#include <string.h>

#include "spectest/internal.h"

static void print_values(void *env, const char *name, const wasm_valtype *types, unsigned count,
                         const wasm_value *args)
{
    FILE *output = env;
    if (output == NULL)
        return;
    fprintf(output, "%s:", name);
    for (unsigned i = 0; i < count; i++) {
        char text[128];
        spectest_format_value(types[i], args[i], SPECTEST_LANES_NONE, text, sizeof text);
        fprintf(output, " %s", text);
    }
    fputc('\n', output);
}

/* One callback per signature: a host callback is not told which function it is. */
#define SPECTEST_PRINTER(fname, ...)                                                            \
    static const wasm_valtype fname##_params[] = { __VA_ARGS__ };                               \
    static int fname##_callback(wasm_caller *caller, void *env, const wasm_value *args,         \
                                wasm_value *results, wasm_trap *trap)                           \
    {                                                                                           \
        (void)caller;                                                                           \
        (void)results;                                                                          \
        (void)trap;                                                                             \
        print_values(env, #fname, fname##_params,                                               \
                     sizeof fname##_params / sizeof fname##_params[0], args);                   \
        return 0;                                                                               \
    }

SPECTEST_PRINTER(print_i32, WASM_I32)
SPECTEST_PRINTER(print_i64, WASM_I64)
SPECTEST_PRINTER(print_f32, WASM_F32)
SPECTEST_PRINTER(print_f64, WASM_F64)
SPECTEST_PRINTER(print_i32_f32, WASM_I32, WASM_F32)
SPECTEST_PRINTER(print_f64_f64, WASM_F64, WASM_F64)

static int print_callback(wasm_caller *caller, void *env, const wasm_value *args,
                          wasm_value *results, wasm_trap *trap)
{
    (void)caller;
    (void)results;
    (void)trap;
    print_values(env, "print", NULL, 0, args);
    return 0;
}

static int define(wasm_linker *linker, const char *name, wasm_extern ext, wc_error *err)
{
    if (wasm_linker_define(linker, WASM_NAME("spectest"), wasm_name_from_cstr(name), ext, err) < 0)
        return wc_error_prefix(err, "define spectest.%s", name);
    return 0;
}

static int define_func(wasm_store *store, wasm_linker *linker, FILE *output, const char *name,
                       const wasm_valtype *params, uint32_t param_count,
                       wasm_host_callback callback, wc_error *err)
{
    wasm_functype type = { .param_count = param_count, .result_count = 0,
                           .params = params, .results = NULL };
    wasm_func *func = wasm_func_new_host(store, &type, callback, output);
    if (func == NULL)
        return wc_error_set(err, WC_ERESOURCE, "spectest.%s: out of memory", name);
    return define(linker, name, (wasm_extern){ .kind = WASM_EXTERN_FUNC, .of.func = func }, err);
}

static int define_global(wasm_store *store, wasm_linker *linker, const char *name,
                         wasm_valtype type, wasm_value value, wc_error *err)
{
    wasm_globaltype global_type = { .type = type, .mutable_ = false };
    wasm_global *global = wasm_global_new(store, &global_type, value);
    if (global == NULL)
        return wc_error_set(err, WC_ERESOURCE, "spectest.%s: out of memory", name);
    return define(linker, name, (wasm_extern){ .kind = WASM_EXTERN_GLOBAL, .of.global = global },
                  err);
}

int spectest_host_module_define(wasm_store *store, wasm_linker *linker, FILE *output,
                                wc_error *err)
{
#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define FUNC(fname)                                                                             \
    define_func(store, linker, output, #fname, fname##_params, COUNT(fname##_params),           \
                fname##_callback, err)
    if (define_func(store, linker, output, "print", NULL, 0, print_callback, err) < 0
        || FUNC(print_i32) < 0 || FUNC(print_i64) < 0 || FUNC(print_f32) < 0
        || FUNC(print_f64) < 0 || FUNC(print_i32_f32) < 0 || FUNC(print_f64_f64) < 0)
        return -1;
#undef FUNC
#undef COUNT

    /* 666.6 rounded to each float width, carried as bits. */
    float f32 = 666.6f;
    double f64 = 666.6;
    wasm_value value;
    memset(&value, 0, sizeof value);
    value.i32 = 666;
    if (define_global(store, linker, "global_i32", WASM_I32, value, err) < 0)
        return -1;
    memset(&value, 0, sizeof value);
    value.i64 = 666;
    if (define_global(store, linker, "global_i64", WASM_I64, value, err) < 0)
        return -1;
    memset(&value, 0, sizeof value);
    memcpy(&value.f32, &f32, sizeof f32);
    if (define_global(store, linker, "global_f32", WASM_F32, value, err) < 0)
        return -1;
    memset(&value, 0, sizeof value);
    memcpy(&value.f64, &f64, sizeof f64);
    if (define_global(store, linker, "global_f64", WASM_F64, value, err) < 0)
        return -1;

    wasm_tabletype table_type = { .element = WASM_FUNCREF,
                                  .limits = { .min = 10, .max = 20, .has_max = true } };
    wasm_table *table = wasm_table_new(store, &table_type, NULL, err);
    if (table == NULL)
        return wc_error_prefix(err, "spectest.table");
    if (define(linker, "table", (wasm_extern){ .kind = WASM_EXTERN_TABLE, .of.table = table },
               err) < 0)
        return -1;

    wasm_memorytype memory_type = { .limits = { .min = 1, .max = 2, .has_max = true } };
    wasm_memory *memory = wasm_memory_new(store, &memory_type, err);
    if (memory == NULL)
        return wc_error_prefix(err, "spectest.memory");
    return define(linker, "memory",
                  (wasm_extern){ .kind = WASM_EXTERN_MEMORY, .of.memory = memory }, err);
}
