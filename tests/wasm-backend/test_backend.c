/* test_backend.c - the engine's back end through its public API (wasm.h): host functions,
 * re-entrancy, exit unwinding, traps with function names, recursion bombs, deep nesting,
 * interruption, memory caps (also changed while an instance lives), linking, lazy compilation (a body is compiled on its first call,
 * once, even when stores on several threads share the module). Usage: test_backend DIR (with
 * the .wasm files run.sh compiled from the .wat files next to this one). */
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../testlib.h"
#include "util/file.h"
#include "wasm/compile.h"
#include "wasm/module.h"
#include "wasm/wasm.h"

static const char *dir;

static wasm_module *load(const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    uint8_t *bytes = NULL;
    size_t length = 0;
    wc_error err = { 0 };
    wasm_module *module = NULL;
    if (wc_read_file(path, &bytes, &length, &err) < 0 ||
        wasm_module_new(bytes, length, &module, &err) < 0) {
        fprintf(stderr, "%s: %s\n", path, err.message);
        module = NULL;
    }
    free(bytes);
    return module;
}

/* ---- host functions ------------------------------------------------------------------- */

static const wasm_valtype i32x2[] = { WASM_I32, WASM_I32 };
static const wasm_valtype i32x1[] = { WASM_I32 };
static const wasm_valtype i64x1[] = { WASM_I64 };
static const wasm_valtype many_params[] = {
    WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_I32, WASM_I32, WASM_I32, WASM_I32, WASM_I32,
    WASM_I32, WASM_I32, WASM_I32, WASM_I32, WASM_I32, WASM_I32, WASM_I32, WASM_I32, WASM_I32,
    WASM_I32, WASM_I32,
};

static int host_add(wasm_caller *caller, void *env, const wasm_value *args, wasm_value *results,
                    wasm_trap *trap)
{
    (void)env;
    (void)trap;
    /* the caller's memory is visible: the data segment put "hello" at 16 */
    wasm_memory *memory = wasm_caller_memory(caller);
    int bonus = memory != NULL && memcmp(wasm_memory_data(memory) + 16, "hello", 5) == 0 ? 0 : 1000;
    results[0].i32 = args[0].i32 + args[1].i32 + (uint32_t)bonus;
    return 0;
}

static int host_exit_at(wasm_caller *caller, void *env, const wasm_value *args,
                        wasm_value *results, wasm_trap *trap)
{
    (void)caller;
    (void)env;
    (void)results;
    return wasm_trap_exit(trap, (int)args[0].i32);
}

/* Calls back into the instance's "square" export from inside a host call. */
static int host_reenter(wasm_caller *caller, void *env, const wasm_value *args,
                        wasm_value *results, wasm_trap *trap)
{
    (void)env;
    wasm_extern square;
    if (!wasm_instance_export(wasm_caller_instance(caller), WASM_NAME("square"), &square))
        return wasm_trap_host(trap, "no square export");
    return wasm_func_call(wasm_caller_store(caller), square.of.func, args, results, trap);
}

static int host_many(wasm_caller *caller, void *env, const wasm_value *args, wasm_value *results,
                     wasm_trap *trap)
{
    (void)caller;
    (void)env;
    (void)trap;
    float f;
    double d;
    memcpy(&f, &args[2].f32, 4);
    memcpy(&d, &args[3].f64, 8);
    uint64_t sum = args[0].i32 + args[1].i64 + (uint64_t)f + (uint64_t)d;
    for (int i = 4; i < 20; i++)
        sum += args[i].i32;
    results[0].i64 = sum;
    return 0;
}

typedef struct fixture {
    wasm_store *store;
    wasm_linker *linker;
    wasm_module *module;
    wasm_instance *instance;
} fixture;

/* Instantiates module (owned by the fixture unless f->module is cleared before closing). */
static bool fixture_open_module(fixture *f, const wasm_config *config, wasm_module *module)
{
    memset(f, 0, sizeof(*f));
    wc_error err = { 0 };
    f->store = wasm_store_new(config);
    f->linker = wasm_linker_new(f->store);
    f->module = module;
    if (f->store == NULL || f->linker == NULL || f->module == NULL)
        return false;
    wasm_functype add = { 2, 1, i32x2, i32x1 };
    wasm_functype exit_at = { 1, 0, i32x1, NULL };
    wasm_functype reenter = { 1, 1, i32x1, i32x1 };
    wasm_functype many = { 20, 1, many_params, i64x1 };
    struct { const char *name; wasm_functype *type; wasm_host_callback cb; } hosts[] = {
        { "add", &add, host_add },
        { "exit_at", &exit_at, host_exit_at },
        { "reenter", &reenter, host_reenter },
        { "many", &many, host_many },
    };
    for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
        wasm_extern ext = { .kind = WASM_EXTERN_FUNC };
        ext.of.func = wasm_func_new_host(f->store, hosts[i].type, hosts[i].cb, NULL);
        if (ext.of.func == NULL ||
            wasm_linker_define(f->linker, WASM_NAME("env"), wasm_name_from_cstr(hosts[i].name),
                               ext, &err) < 0)
            return false;
    }
    wasm_trap trap;
    if (wasm_linker_instantiate(f->linker, f->module, &f->instance, &trap, &err) < 0) {
        fprintf(stderr, "instantiate: %s\n", err.message);
        return false;
    }
    return true;
}

static bool fixture_open(fixture *f, const wasm_config *config)
{
    return fixture_open_module(f, config, load("backend.wasm"));
}

static void fixture_close(fixture *f)
{
    wasm_linker_free(f->linker);
    wasm_store_free(f->store);
    wasm_module_free(f->module);
}

static wasm_func *export_func(fixture *f, const char *name)
{
    wasm_extern ext;
    if (!wasm_instance_export(f->instance, wasm_name_from_cstr(name), &ext) ||
        ext.kind != WASM_EXTERN_FUNC)
        return NULL;
    return ext.of.func;
}

/* Calls an export with up to two i32 arguments; returns 0 or -1 (trap filled). */
static int call_i32(fixture *f, const char *name, uint32_t a, uint32_t b, uint32_t *result,
                    wasm_trap *trap)
{
    wasm_func *func = export_func(f, name);
    if (func == NULL) {
        fprintf(stderr, "no export %s\n", name);
        return -2;
    }
    wasm_value args[2] = { { .i32 = a }, { .i32 = b } }, results[1] = { { .i64 = 0 } };
    int rc = wasm_func_call(f->store, func, args, results, trap);
    if (result != NULL)
        *result = results[0].i32;
    return rc;
}

/* ---- tests ---------------------------------------------------------------------------- */

static void test_host_functions(void)
{
    fixture f;
    CHECK(fixture_open(&f, NULL));
    if (f.instance != NULL) {
        wasm_trap trap;
        uint32_t r = 0;
        CHECK(call_i32(&f, "call_add", 40, 2, &r, &trap) == 0 && r == 42);
        CHECK(call_i32(&f, "square", 9, 0, &r, &trap) == 0 && r == 81);
        CHECK(call_i32(&f, "reenter", 5, 0, &r, &trap) == 0 && r == 26);
        wasm_value result;
        CHECK(wasm_func_call(f.store, export_func(&f, "call_many"), NULL, &result, &trap) == 0);
        CHECK(result.i64 == 210);
    }
    fixture_close(&f);
}

static void test_exit_unwinds(void)
{
    fixture f;
    CHECK(fixture_open(&f, NULL));
    if (f.instance != NULL) {
        wasm_trap trap;
        CHECK(call_i32(&f, "descend", 500, 0, NULL, &trap) == -1);
        CHECK(trap.kind == WASM_TRAP_EXIT && trap.exit_code == 7);
        wasm_extern counter;
        CHECK(wasm_instance_export(f.instance, WASM_NAME("counter"), &counter));
        CHECK(wasm_global_get(counter.of.global).i32 == 500);
        /* the store is usable afterwards: nothing was left on the frame stack */
        uint32_t r = 0;
        CHECK(call_i32(&f, "square", 12, 0, &r, &trap) == 0 && r == 144);
    }
    fixture_close(&f);
}

static void test_traps_name_the_function(void)
{
    fixture f;
    CHECK(fixture_open(&f, NULL));
    if (f.instance != NULL) {
        wasm_trap trap;
        CHECK(call_i32(&f, "boom", 0, 0, NULL, &trap) == -1);
        CHECK(trap.kind == WASM_TRAP_UNREACHABLE);
        CHECK(strcmp(trap.message, "unreachable") == 0);
        CHECK(strcmp(trap.function, "boom") == 0);
        CHECK(call_i32(&f, "call_slot", 1, 3, NULL, &trap) == -1);
        CHECK(trap.kind == WASM_TRAP_UNINITIALIZED_ELEMENT);
        CHECK(call_i32(&f, "call_slot", 2, 3, NULL, &trap) == -1);
        CHECK(trap.kind == WASM_TRAP_UNDEFINED_ELEMENT);
        uint32_t r = 0;
        CHECK(call_i32(&f, "call_slot", 0, 3, &r, &trap) == 0 && r == 9);
    }
    fixture_close(&f);
}

static void test_recursion_bomb(void)
{
    for (uint32_t depth = 0; depth <= 100000; depth += 100000) {
        wasm_config config = { .max_call_depth = depth };
        fixture f;
        CHECK(fixture_open(&f, &config));
        if (f.instance != NULL) {
            wasm_trap trap;
            CHECK(call_i32(&f, "bomb", 1, 0, NULL, &trap) == -1);
            CHECK(trap.kind == WASM_TRAP_STACK_EXHAUSTED);
            CHECK(strcmp(trap.message, "call stack exhausted") == 0);
            CHECK(strcmp(trap.function, "bomb") == 0);
            uint32_t r = 0;
            CHECK(call_i32(&f, "fib", 20, 0, &r, &trap) == 0 && r == 6765);
        }
        fixture_close(&f);
    }
}

static void *interrupt_later(void *store)
{
    usleep(100 * 1000);
    wasm_store_interrupt(store);
    return NULL;
}

static void test_interrupt_endless_loop(void)
{
    fixture f;
    CHECK(fixture_open(&f, NULL));
    if (f.instance != NULL) {
        pthread_t thread;
        CHECK(pthread_create(&thread, NULL, interrupt_later, f.store) == 0);
        wasm_trap trap;
        CHECK(call_i32(&f, "spin", 0, 0, NULL, &trap) == -1);
        CHECK(trap.kind == WASM_TRAP_INTERRUPTED);
        pthread_join(thread, NULL);
        uint32_t r = 0;
        CHECK(call_i32(&f, "square", 3, 0, &r, &trap) == 0 && r == 9);
    }
    fixture_close(&f);
}

static void test_memory_cap(void)
{
    wasm_config config = { .max_memory_pages = 3 };
    fixture f;
    CHECK(fixture_open(&f, &config));
    if (f.instance != NULL) {
        wasm_trap trap;
        uint32_t r = 0;
        CHECK(call_i32(&f, "grow", 1, 0, &r, &trap) == 0 && r == 1);
        CHECK(!wasm_store_memory_limit_hit(f.store));
        CHECK(call_i32(&f, "grow", 5, 0, &r, &trap) == 0 && r == UINT32_MAX);
        CHECK(wasm_store_memory_limit_hit(f.store));
        CHECK(call_i32(&f, "grow", 1, 0, &r, &trap) == 0 && r == 2);
        wasm_extern memory;
        CHECK(wasm_instance_export(f.instance, WASM_NAME("memory"), &memory));
        CHECK(wasm_memory_size(memory.of.memory) == 3 * WASM_PAGE_SIZE);
        /* the new pages are zeroed and writable */
        CHECK(wasm_memory_data(memory.of.memory)[3 * WASM_PAGE_SIZE - 1] == 0);
    }
    fixture_close(&f);
}

static void test_linking(void)
{
    fixture f;
    CHECK(fixture_open(&f, NULL));
    wasm_module *user = load("user.wasm");
    wasm_module *bad = load("bad_import.wasm");
    wasm_module *missing = load("missing_import.wasm");
    CHECK(user != NULL && bad != NULL && missing != NULL);
    if (f.instance != NULL && user != NULL && bad != NULL && missing != NULL) {
        wc_error err = { 0 };
        wasm_trap trap;
        CHECK(wasm_linker_define_instance(f.linker, WASM_NAME("backend"), f.instance, &err) == 0);
        wasm_instance *instance = NULL;
        CHECK(wasm_linker_instantiate(f.linker, user, &instance, &trap, &err) == 0);
        if (instance != NULL) {
            wasm_extern ext;
            CHECK(wasm_instance_export(instance, WASM_NAME("square_plus_byte"), &ext));
            wasm_value arg = { .i32 = 4 }, result;
            CHECK(wasm_func_call(f.store, ext.of.func, &arg, &result, &trap) == 0);
            CHECK(result.i32 == 16 + 'h');
        }
        CHECK(wasm_linker_instantiate(f.linker, bad, &instance, &trap, &err) == -1);
        CHECK(err.code == WC_EUNLINKABLE && strstr(err.message, "incompatible import type"));
        CHECK(wasm_linker_instantiate(f.linker, missing, &instance, &trap, &err) == -1);
        CHECK(err.code == WC_EUNLINKABLE && strstr(err.message, "unknown import"));
    }
    wasm_module_free(user);
    wasm_module_free(bad);
    wasm_module_free(missing);
    fixture_close(&f);
}

static size_t put_leb(uint8_t *out, size_t value)
{
    size_t n = 0;
    do {
        uint8_t byte = value & 0x7f;
        value >>= 7;
        out[n++] = byte | (value ? 0x80 : 0);
    } while (value);
    return n;
}

/* A module with one function () -> () exported as "f", with local_count i64 locals and the
 * given body. */
static uint8_t *module_with_body(const uint8_t *body, size_t body_length, uint32_t local_count,
                                 size_t *length)
{
    size_t capacity = body_length + 64;
    uint8_t *m = malloc(capacity);
    size_t n = 0;
    static const uint8_t head[] = { 0, 'a', 's', 'm', 1, 0, 0, 0,
                                    1, 4, 1, 0x60, 0, 0,      /* type ()->() */
                                    3, 2, 1, 0,               /* one function */
                                    7, 5, 1, 1, 'f', 0, 0 };  /* export "f" */
    memcpy(m, head, sizeof(head));
    n = sizeof(head);
    /* code section: count 1, then the function: size, local declarations, body */
    uint8_t locals[16], leb_func[10], leb_section[10];
    size_t ll = 0;
    if (local_count == 0) {
        locals[ll++] = 0;
    } else {
        locals[ll++] = 1;
        ll += put_leb(locals + ll, local_count);
        locals[ll++] = 0x7e;
    }
    size_t func_size = ll + body_length;
    size_t lf = put_leb(leb_func, func_size);
    size_t ls = put_leb(leb_section, 1 + lf + func_size);
    m[n++] = 10;
    memcpy(m + n, leb_section, ls);
    n += ls;
    m[n++] = 1;
    memcpy(m + n, leb_func, lf);
    n += lf;
    memcpy(m + n, locals, ll);
    n += ll;
    memcpy(m + n, body, body_length);
    n += body_length;
    *length = n;
    return m;
}

static void test_deep_nesting(void)
{
    const size_t depth = 100000;
    uint8_t *body = malloc(depth * 4 + 1);
    size_t n = 0;
    for (size_t i = 0; i < depth; i++) {
        body[n++] = 0x02; /* block */
        body[n++] = 0x40;
    }
    for (size_t i = 0; i < depth; i++)
        body[n++] = 0x0b;
    body[n++] = 0x0b;
    size_t length;
    uint8_t *bytes = module_with_body(body, n, 0, &length);
    wasm_module *module = NULL;
    wc_error err = { 0 };
    int rc = wasm_module_new(bytes, length, &module, &err);
    if (rc < 0) {
        /* refusing it is fine, as long as it is a clean error */
        CHECK(err.code == WC_ERESOURCE || err.code == WC_EINVALIDMODULE);
    } else {
        wasm_store *store = wasm_store_new(NULL);
        wasm_instance *instance = NULL;
        wasm_trap trap;
        CHECK(wasm_instance_new(store, module, NULL, 0, &instance, &trap, &err) == 0);
        wasm_extern ext;
        CHECK(instance && wasm_instance_export(instance, WASM_NAME("f"), &ext));
        if (instance)
            CHECK(wasm_func_call(store, ext.of.func, NULL, NULL, &trap) == 0);
        wasm_store_free(store);
        wasm_module_free(module);
    }
    free(bytes);
    free(body);
}

/* Huge frames, recursing: the value stack's bound ends it with a trap, not the host. (The
 * decoder refuses more than 50,000 locals: 100k must be a clean error.) */
static void test_many_locals_recursion(void)
{
    static const uint8_t body[] = { 0x10, 0x00, 0x0b }; /* call 0; end */
    size_t length;
    wasm_module *module = NULL;
    wc_error err = { 0 };
    uint8_t *bytes = module_with_body(body, sizeof(body), 100000, &length);
    if (wasm_module_new(bytes, length, &module, &err) == 0)
        wasm_module_free(module);
    else
        CHECK(err.code == WC_EMALFORMED || err.code == WC_ERESOURCE);
    free(bytes);

    module = NULL;
    bytes = module_with_body(body, sizeof(body), 50000, &length);
    if (wasm_module_new(bytes, length, &module, &err) < 0)
        fprintf(stderr, "50k locals: %s\n", err.message);
    CHECK(module != NULL);
    if (module != NULL) {
        wasm_store *store = wasm_store_new(NULL);
        wasm_instance *instance = NULL;
        wasm_trap trap;
        CHECK(wasm_instance_new(store, module, NULL, 0, &instance, &trap, &err) == 0);
        wasm_extern ext;
        CHECK(instance && wasm_instance_export(instance, WASM_NAME("f"), &ext));
        if (instance) {
            CHECK(wasm_func_call(store, ext.of.func, NULL, NULL, &trap) == -1);
            CHECK(trap.kind == WASM_TRAP_STACK_EXHAUSTED);
            CHECK(strcmp(trap.function, "func[0]") == 0);
        }
        wasm_store_free(store);
        wasm_module_free(module);
    }
    free(bytes);
}

/* The cap changed while the instance lives, as wasmcri-shim does from a signal handler when
 * UpdateContainerResources arrives: lowering refuses growth but never shrinks, raising lets the
 * memory grow in place past the cap it was created under. */
static wasm_store *volatile signal_store;
static volatile uint32_t signal_pages;

static void on_cap_signal(int sig)
{
    (void)sig;
    wasm_store_set_max_memory_pages(signal_store, signal_pages);
}

static void test_memory_cap_changed_live(void)
{
    wasm_config config = { .max_memory_pages = 3 };
    fixture f;
    CHECK(fixture_open(&f, &config));
    if (f.instance != NULL) {
        wasm_trap trap;
        uint32_t r = 0;
        wasm_extern memory;
        CHECK(wasm_instance_export(f.instance, WASM_NAME("memory"), &memory));
        uint8_t *data = wasm_memory_data(memory.of.memory);
        CHECK(wasm_store_max_memory_pages(f.store) == 3);
        CHECK(call_i32(&f, "grow", 1, 0, &r, &trap) == 0 && r == 1);
        data[2 * WASM_PAGE_SIZE - 1] = 7;
        /* lowered below the current size: nothing shrinks, nothing grows */
        wasm_store_set_max_memory_pages(f.store, 1);
        CHECK(wasm_store_max_memory_pages(f.store) == 1);
        CHECK(!wasm_store_memory_limit_hit(f.store));
        CHECK(call_i32(&f, "grow", 1, 0, &r, &trap) == 0 && r == UINT32_MAX);
        CHECK(wasm_store_memory_limit_hit(f.store));
        CHECK(call_i32(&f, "grow", 0, 0, &r, &trap) == 0 && r == 2);
        CHECK(wasm_memory_size(memory.of.memory) == 2 * WASM_PAGE_SIZE);
        CHECK(wasm_memory_data(memory.of.memory)[2 * WASM_PAGE_SIZE - 1] == 7);
        /* raised from a signal handler past the cap the memory was created under */
        struct sigaction action = { 0 }, old;
        action.sa_handler = on_cap_signal;
        sigemptyset(&action.sa_mask);
        sigaction(SIGUSR1, &action, &old);
        signal_store = f.store;
        signal_pages = 40;
        raise(SIGUSR1);
        sigaction(SIGUSR1, &old, NULL);
        CHECK(wasm_store_max_memory_pages(f.store) == 40);
        CHECK(call_i32(&f, "grow", 38, 0, &r, &trap) == 0 && r == 2);
        CHECK(wasm_memory_data(memory.of.memory) == data); /* grown in place */
        CHECK(wasm_memory_size(memory.of.memory) == 40 * WASM_PAGE_SIZE);
        data[40 * WASM_PAGE_SIZE - 1] = 1;
        CHECK(data[2 * WASM_PAGE_SIZE - 1] == 7);
        CHECK(call_i32(&f, "grow", 1, 0, &r, &trap) == 0 && r == UINT32_MAX);
        /* 0 (and anything past the wasm32 range) means no cap beyond the engine's */
        wasm_store_set_max_memory_pages(f.store, 0);
        CHECK(wasm_store_max_memory_pages(f.store) == WASM_MAX_PAGES);
        CHECK(call_i32(&f, "grow", 1, 0, &r, &trap) == 0 && r == 40);
    }
    fixture_close(&f);
}

/* Host-created objects through the API: functions called directly, tables, globals, memories
 * (with the embedder cap refusing creation and growth). */
static void test_api_objects(void)
{
    wasm_config config = { .max_memory_pages = 4 };
    wasm_store *store = wasm_store_new(&config);
    wc_error err = { 0 };
    wasm_trap trap;

    wasm_functype add = { 2, 1, i32x2, i32x1 };
    wasm_func *func = wasm_func_new_host(store, &add, host_add, NULL);
    CHECK(func != NULL && wasm_func_type(func)->param_count == 2);
    wasm_value args[2] = { { .i32 = 1 }, { .i32 = 2 } }, result;
    /* called from the host there is no calling instance, hence no memory: the bonus shows */
    CHECK(wasm_func_call(store, func, args, &result, &trap) == 0 && result.i32 == 1003);

    wasm_tabletype table_type = { WASM_FUNCREF, { 1, 3, true } };
    wasm_table *table = wasm_table_new(store, &table_type, func, &err);
    void *ref = NULL;
    CHECK(table != NULL && wasm_table_size(table) == 1);
    CHECK(wasm_table_get(table, 0, &ref) && ref == func);
    CHECK(!wasm_table_get(table, 1, &ref));
    CHECK(wasm_table_set(table, 0, NULL) && wasm_table_get(table, 0, &ref) && ref == NULL);

    wasm_globaltype global_type = { WASM_I64, true };
    wasm_global *global = wasm_global_new(store, &global_type, (wasm_value){ .i64 = 1ull << 40 });
    CHECK(global != NULL && wasm_global_get(global).i64 == 1ull << 40);
    wasm_global_set(global, (wasm_value){ .i64 = 5 });
    CHECK(wasm_global_get(global).i64 == 5 && wasm_global_type(global).mutable_);

    wasm_memorytype too_big = { { 5, 0, false } };
    CHECK(wasm_memory_new(store, &too_big, &err) == NULL && err.code == WC_ERESOURCE);
    CHECK(wasm_store_memory_limit_hit(store));
    wasm_memorytype small = { { 1, 2, true } };
    wasm_memory *memory = wasm_memory_new(store, &small, &err);
    CHECK(memory != NULL && wasm_memory_size(memory) == WASM_PAGE_SIZE);
    if (memory != NULL) {
        uint8_t *data = wasm_memory_data(memory);
        CHECK(wasm_memory_grow(memory, 1) == 1);
        CHECK(wasm_memory_data(memory) == data); /* reserved up front: it stays put */
        data[2 * WASM_PAGE_SIZE - 1] = 1;
        CHECK(wasm_memory_grow(memory, 1) == -1); /* the type's maximum */
        CHECK(wasm_memory_type(memory).limits.min == 2);
    }
    wasm_store_free(store);
}

static void test_speed_fib(void)
{
    fixture f;
    CHECK(fixture_open(&f, NULL));
    if (f.instance != NULL) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        wasm_trap trap;
        uint32_t r = 0;
        CHECK(call_i32(&f, "fib", 27, 0, &r, &trap) == 0 && r == 196418);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        fprintf(stderr, "fib(27): %.1f ms\n",
                (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
    }
    fixture_close(&f);
}

/* ---- lazy compilation ----------------------------------------------------------------- */

static bool is_compiled(const wasm_module *module, uint32_t code_index)
{
    return atomic_load(&module->compiled->funcs[code_index].body) != NULL;
}

static uint32_t compiled_count(const wasm_module *module)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < module->code_count; i++)
        n += is_compiled(module, i);
    return n;
}

/* backend.wat's defined functions, in code order. */
enum { CODE_SQUARE = 0, CODE_CALL_ADD = 1, CODE_CALL_SLOT = 9, CODE_FIB = 10 };

static void test_lazy_compile(void)
{
    fixture f;
    CHECK(fixture_open(&f, NULL));
    if (f.instance != NULL) {
        CHECK(compiled_count(f.module) == 0); /* validated at load, nothing translated */
        wasm_trap trap;
        uint32_t r = 0;
        CHECK(call_i32(&f, "call_add", 2, 3, &r, &trap) == 0 && r == 5);
        CHECK(compiled_count(f.module) == 1 && is_compiled(f.module, CODE_CALL_ADD));
        /* host -> call_slot, then call_indirect -> square: both compiled on the way */
        CHECK(call_i32(&f, "call_slot", 0, 6, &r, &trap) == 0 && r == 36);
        CHECK(is_compiled(f.module, CODE_CALL_SLOT) && is_compiled(f.module, CODE_SQUARE));
        CHECK(compiled_count(f.module) == 3);
        const wasm_code *before = atomic_load(&f.module->compiled->funcs[CODE_SQUARE].body);
        CHECK(call_i32(&f, "square", 7, 0, &r, &trap) == 0 && r == 49);
        CHECK(atomic_load(&f.module->compiled->funcs[CODE_SQUARE].body) == before);
        CHECK(call_i32(&f, "fib", 15, 0, &r, &trap) == 0 && r == 610);
        CHECK(is_compiled(f.module, CODE_FIB) && compiled_count(f.module) == 4);
    }
    fixture_close(&f);
}

typedef struct shared_run {
    wasm_module *module;
    uint32_t result;
    bool ok;
} shared_run;

static void *run_shared(void *arg)
{
    shared_run *run = arg;
    fixture f;
    run->ok = fixture_open_module(&f, NULL, run->module);
    if (run->ok) {
        wasm_trap trap;
        run->ok = call_i32(&f, "fib", 20, 0, &run->result, &trap) == 0 &&
                  call_i32(&f, "call_slot", 0, 9, NULL, &trap) == 0;
    }
    f.module = NULL; /* shared: freed by the test */
    fixture_close(&f);
    return NULL;
}

/* Stores on four threads call into one module at once: each function is compiled on the first
 * call that reaches it, whichever thread that is, and a thread that loses the race frees its
 * copy (ASan would report it otherwise). */
static void test_lazy_compile_shared_module(void)
{
    for (int round = 0; round < 20; round++) {
        wasm_module *module = load("backend.wasm");
        CHECK(module != NULL);
        if (module == NULL)
            return;
        shared_run runs[4];
        pthread_t threads[4];
        for (int i = 0; i < 4; i++) {
            runs[i] = (shared_run){ .module = module };
            CHECK(pthread_create(&threads[i], NULL, run_shared, &runs[i]) == 0);
        }
        for (int i = 0; i < 4; i++) {
            pthread_join(threads[i], NULL);
            CHECK(runs[i].ok && runs[i].result == 6765);
        }
        CHECK(compiled_count(module) == 3); /* fib, call_slot, square */
        wasm_module_free(module);
    }
}

/* Laziness means a function nobody calls is never translated at run time: translate every
 * body of every seed module here so the compiler still sees all the code they contain. */
static void test_compile_every_seed_function(void)
{
    const char *seeds = getenv("WASMCRI_SEED_MODULES");
    if (seeds == NULL)
        seeds = "/work/shared/testdata/seed-modules";
    const char *names[] = { "hello.wasm", "wasi_example_main.wasm", "wasi-demo-app.wasm" };
    for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", seeds, names[n]);
        if (access(path, R_OK) != 0) {
            fprintf(stderr, "%s: absent, not compiled\n", path);
            continue;
        }
        uint8_t *bytes = NULL;
        size_t length = 0;
        wc_error err = { 0 };
        wasm_module *module = NULL;
        CHECK(wc_read_file(path, &bytes, &length, &err) == 0 &&
              wasm_module_new(bytes, length, &module, &err) == 0);
        free(bytes);
        if (module == NULL)
            continue;
        size_t words = 0;
        for (uint32_t i = 0; i < module->code_count; i++) {
            const wasm_code *body = wasm_compiled_body(module, i, &err);
            CHECK(body != NULL && body->length > 0);
            if (body != NULL)
                words += body->length;
        }
        fprintf(stderr, "%s: %u functions, %zu bytes compiled\n", names[n], module->code_count,
                words * sizeof(wasm_word));
        wasm_module_free(module);
    }
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* Out of memory in a first call's compilation is a clean host trap naming the function. A
 * child process loads a 4 MB body (16 MB compiled), caps its address space just above
 * what it uses, then calls it. (Not under ASan: its shadow memory needs the address space.) */
static void test_lazy_compile_out_of_memory(void)
{
#ifdef UNDER_ASAN
    fprintf(stderr, "skipped under ASan\n");
#else
    const size_t pairs = 1000000;
    uint8_t *body = malloc(pairs * 4 + 1);
    size_t n = 0;
    for (size_t i = 0; i < pairs; i++) {
        body[n++] = 0x42; /* i64.const 0; local.set 0 */
        body[n++] = 0x00;
        body[n++] = 0x21;
        body[n++] = 0x00;
    }
    body[n++] = 0x0b;
    size_t length;
    uint8_t *bytes = module_with_body(body, n, 1, &length);
    free(body);
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        wasm_module *module = NULL;
        wc_error err = { 0 };
        wasm_trap trap;
        wasm_instance *instance = NULL;
        wasm_extern ext;
        wasm_store *store = wasm_store_new(NULL);
        if (wasm_module_new(bytes, length, &module, &err) < 0 ||
            wasm_instance_new(store, module, NULL, 0, &instance, &trap, &err) < 0 ||
            !wasm_instance_export(instance, WASM_NAME("f"), &ext))
            _exit(2);
        unsigned long pages = 0;
        FILE *statm = fopen("/proc/self/statm", "r");
        if (statm == NULL || fscanf(statm, "%lu", &pages) != 1)
            _exit(3);
        fclose(statm);
        struct rlimit limit = { (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (8u << 20),
                                RLIM_INFINITY };
        if (setrlimit(RLIMIT_AS, &limit) < 0)
            _exit(4);
        int rc = wasm_func_call(store, ext.of.func, NULL, NULL, &trap);
        fprintf(stderr, "trap: %s in %s\n", trap.message, trap.function);
        _exit(rc == -1 && trap.kind == WASM_TRAP_HOST &&
              strstr(trap.message, "out of memory") != NULL &&
              strcmp(trap.function, "func[0]") == 0 ? 0 : 5);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    free(bytes);

    /* Without the cap the same body compiles and runs. */
    wasm_module *module = NULL;
    wc_error err = { 0 };
    bytes = module_with_body((const uint8_t[]){ 0x41, 0x00, 0x1a, 0x0b }, 4, 0, &length);
    CHECK(wasm_module_new(bytes, length, &module, &err) == 0);
    free(bytes);
    wasm_module_free(module);
#endif
}

int main(int argc, char **argv)
{
    dir = argc > 1 ? argv[1] : ".";
    /* First, while the heap holds no free memory the address-space cap would not see. */
    RUN_TEST(test_lazy_compile_out_of_memory);
    RUN_TEST(test_host_functions);
    RUN_TEST(test_exit_unwinds);
    RUN_TEST(test_traps_name_the_function);
    RUN_TEST(test_recursion_bomb);
    RUN_TEST(test_interrupt_endless_loop);
    RUN_TEST(test_memory_cap);
    RUN_TEST(test_memory_cap_changed_live);
    RUN_TEST(test_linking);
    RUN_TEST(test_deep_nesting);
    RUN_TEST(test_many_locals_recursion);
    RUN_TEST(test_api_objects);
    RUN_TEST(test_lazy_compile);
    RUN_TEST(test_lazy_compile_shared_module);
    RUN_TEST(test_compile_every_seed_function);
    RUN_TEST(test_speed_fib);
    return TESTS_DONE();
}
