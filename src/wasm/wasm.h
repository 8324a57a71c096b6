/* wasm.h - the WebAssembly engine's public interface (WebAssembly 2.0 core + SIMD).
 *
 * The life of a module:
 *   wasm_module_new()      decode, validate and compile once; immutable and shareable after that
 *   wasm_store_new()       a world of runtime objects (instances, memories, tables, globals,
 *                          functions); everything created in a store lives until the store is freed
 *   wasm_linker_*()        resolve imports by (module, name) against host objects and registered
 *                          instances, then instantiate (segments, start function)
 *   wasm_func_call()       run an export; a trap is reported in a wasm_trap, never a crash
 *
 * No global mutable state: several stores may run in one process, one thread per store.
 * A module may be shared between stores and threads. Names are (pointer, length) pairs because
 * WebAssembly names may contain NUL bytes. */
#ifndef WASMCRI_WASM_WASM_H
#define WASMCRI_WASM_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define WASM_PAGE_SIZE 65536u
#define WASM_MAX_PAGES 65536u

typedef enum wasm_valtype {
    WASM_I32 = 0x7f,
    WASM_I64 = 0x7e,
    WASM_F32 = 0x7d,
    WASM_F64 = 0x7c,
    WASM_V128 = 0x7b,
    WASM_FUNCREF = 0x70,
    WASM_EXTERNREF = 0x6f,
} wasm_valtype;

typedef struct wasm_module wasm_module;
typedef struct wasm_store wasm_store;
typedef struct wasm_instance wasm_instance;
typedef struct wasm_func wasm_func;
typedef struct wasm_table wasm_table;
typedef struct wasm_memory wasm_memory;
typedef struct wasm_global wasm_global;
typedef struct wasm_linker wasm_linker;
typedef struct wasm_caller wasm_caller;

/* An untyped value: the type comes from the context (a signature, a global's type).
 * Floats are carried as raw bits so NaN payloads survive exactly. A reference is a pointer:
 * a funcref is a wasm_func*, an externref is whatever the host put there; NULL is the null ref. */
typedef union wasm_value {
    uint32_t i32;
    uint64_t i64;
    uint32_t f32;
    uint64_t f64;
    uint8_t v128[16];
    void *ref;
} wasm_value;

typedef struct wasm_name {
    const char *data;
    uint32_t length;
} wasm_name;
#define WASM_NAME(literal) ((wasm_name){ (literal), (uint32_t)(sizeof(literal) - 1) })
wasm_name wasm_name_from_cstr(const char *s);
bool wasm_name_equal(wasm_name a, wasm_name b);

typedef struct wasm_functype {
    uint32_t param_count;
    uint32_t result_count;
    const wasm_valtype *params;
    const wasm_valtype *results;
} wasm_functype;

typedef struct wasm_limits {
    uint32_t min;
    uint32_t max;
    bool has_max;
} wasm_limits;

typedef struct wasm_tabletype {
    wasm_valtype element; /* WASM_FUNCREF or WASM_EXTERNREF */
    wasm_limits limits;
} wasm_tabletype;

typedef struct wasm_memorytype {
    wasm_limits limits; /* in 64 KiB pages */
} wasm_memorytype;

typedef struct wasm_globaltype {
    wasm_valtype type;
    bool mutable_;
} wasm_globaltype;

typedef enum wasm_extern_kind {
    WASM_EXTERN_FUNC = 0,
    WASM_EXTERN_TABLE = 1,
    WASM_EXTERN_MEMORY = 2,
    WASM_EXTERN_GLOBAL = 3,
} wasm_extern_kind;

typedef struct wasm_externtype {
    wasm_extern_kind kind;
    union {
        const wasm_functype *func;
        wasm_tabletype table;
        wasm_memorytype memory;
        wasm_globaltype global;
    } of;
} wasm_externtype;

typedef struct wasm_extern {
    wasm_extern_kind kind;
    union {
        wasm_func *func;
        wasm_table *table;
        wasm_memory *memory;
        wasm_global *global;
    } of;
} wasm_extern;

/* ---- traps ---------------------------------------------------------------------------- */

typedef enum wasm_trap_kind {
    WASM_TRAP_NONE = 0,
    WASM_TRAP_UNREACHABLE,             /* "unreachable" */
    WASM_TRAP_INT_DIV_BY_ZERO,         /* "integer divide by zero" */
    WASM_TRAP_INT_OVERFLOW,            /* "integer overflow" */
    WASM_TRAP_INVALID_CONVERSION,      /* "invalid conversion to integer" */
    WASM_TRAP_MEMORY_OOB,              /* "out of bounds memory access" */
    WASM_TRAP_TABLE_OOB,               /* "out of bounds table access" */
    WASM_TRAP_UNDEFINED_ELEMENT,       /* "undefined element" */
    WASM_TRAP_UNINITIALIZED_ELEMENT,   /* "uninitialized element" */
    WASM_TRAP_INDIRECT_CALL_MISMATCH,  /* "indirect call type mismatch" */
    WASM_TRAP_STACK_EXHAUSTED,         /* "call stack exhausted" */
    WASM_TRAP_INTERRUPTED,             /* "interrupted": wasm_store_interrupt() was called */
    WASM_TRAP_HOST,                    /* a host function failed; message says why */
    WASM_TRAP_EXIT,                    /* a host function asked to end the program (WASI
                                        * proc_exit): not an error, exit_code says how */
} wasm_trap_kind;

typedef struct wasm_trap {
    wasm_trap_kind kind;
    int exit_code;        /* for WASM_TRAP_EXIT */
    char message[256];    /* the spec's text for the kind, or the host's message */
    char function[128];   /* where it happened: the name section's name, or "func[N]" */
} wasm_trap;

/* The spec's text for a trap kind ("integer divide by zero"). */
const char *wasm_trap_kind_text(wasm_trap_kind kind);
/* Fills trap with kind and its spec text; returns -1 (for host callbacks: `return wasm_trap_set(...)`). */
int wasm_trap_set(wasm_trap *trap, wasm_trap_kind kind);
/* WASM_TRAP_EXIT with the given code; returns -1. */
int wasm_trap_exit(wasm_trap *trap, int exit_code);
/* WASM_TRAP_HOST with a formatted message; returns -1. */
int wasm_trap_host(wasm_trap *trap, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- modules -------------------------------------------------------------------------- */

/* Decodes, validates and compiles. Errors: WC_EMALFORMED (with the spec's malformed text, e.g.
 * "unexpected end", "magic header not detected", "integer too large"), WC_EINVALIDMODULE (e.g.
 * "type mismatch", "unknown function 3"), WC_ERESOURCE. The bytes are copied: the caller may free
 * them afterwards. */
int wasm_module_new(const uint8_t *bytes, size_t length, wasm_module **out, wc_error *err);
/* Decode and validate only, no compilation: what an image import needs to accept a module. */
int wasm_module_validate_bytes(const uint8_t *bytes, size_t length, wc_error *err);
void wasm_module_free(wasm_module *module);

typedef struct wasm_import_info {
    wasm_name module;
    wasm_name name;
    wasm_externtype type;
} wasm_import_info;

typedef struct wasm_export_info {
    wasm_name name;
    wasm_externtype type;
} wasm_export_info;

uint32_t wasm_module_import_count(const wasm_module *module);
void wasm_module_import(const wasm_module *module, uint32_t index, wasm_import_info *out);
uint32_t wasm_module_export_count(const wasm_module *module);
void wasm_module_export(const wasm_module *module, uint32_t index, wasm_export_info *out);
/* A custom section's contents by name; returns false when there is none. */
bool wasm_module_custom_section(const wasm_module *module, wasm_name name, const uint8_t **data,
                                size_t *length);

/* ---- stores --------------------------------------------------------------------------- */

typedef struct wasm_config {
    uint32_t max_memory_pages;  /* embedder cap on every memory of the store; 0 = 65536 */
    uint32_t max_call_depth;    /* wasm frames before "call stack exhausted"; 0 = 10000 */
    uint32_t max_table_elements;/* cap on table.grow; 0 = 10,000,000 */
} wasm_config;

/* config may be NULL for the defaults. Returns NULL only when memory is exhausted. */
wasm_store *wasm_store_new(const wasm_config *config);
/* Frees the store and everything created in it. */
void wasm_store_free(wasm_store *store);
/* Async-signal-safe and thread-safe: code running in the store traps with WASM_TRAP_INTERRUPTED
 * at its next loop iteration or call. An embedder's deadline (a timer, a signal) uses this. */
void wasm_store_interrupt(wasm_store *store);
/* Changes the cap on every memory of the store (as config.max_memory_pages: 0 = 65536) while
 * code may be running: async-signal-safe and thread-safe (an atomic the grow path reads), so a
 * signal handler or a supervising thread may call it. Only growth is affected: a cap below a
 * memory's current size never shrinks it, it refuses every further memory.grow (which then
 * counts as a limit hit). A raised cap lets memories grow in place up to their type's max. */
void wasm_store_set_max_memory_pages(wasm_store *store, uint32_t pages);
/* The cap in force now, in pages (1..65536). */
uint32_t wasm_store_max_memory_pages(const wasm_store *store);
/* True once a memory.grow (or instantiation) of this store failed because of max_memory_pages:
 * a later trap is then reported as out-of-memory by the runtime. */
bool wasm_store_memory_limit_hit(const wasm_store *store);

/* ---- host objects --------------------------------------------------------------------- */

/* A host function. args/results are typed by the function's type. Return 0, or -1 with trap
 * filled (wasm_trap_set / wasm_trap_exit / wasm_trap_host). */
typedef int (*wasm_host_callback)(wasm_caller *caller, void *env, const wasm_value *args,
                                  wasm_value *results, wasm_trap *trap);

/* The type is copied. */
wasm_func *wasm_func_new_host(wasm_store *store, const wasm_functype *type,
                              wasm_host_callback callback, void *env);
const wasm_functype *wasm_func_type(const wasm_func *func);
/* For a host callback: the calling instance, and its memory 0 (NULL when it has none). */
wasm_instance *wasm_caller_instance(wasm_caller *caller);
wasm_memory *wasm_caller_memory(wasm_caller *caller);
wasm_store *wasm_caller_store(wasm_caller *caller);

wasm_memory *wasm_memory_new(wasm_store *store, const wasm_memorytype *type, wc_error *err);
wasm_memorytype wasm_memory_type(const wasm_memory *memory);
/* The data pointer may change when the memory grows: fetch it again after any call into wasm. */
uint8_t *wasm_memory_data(wasm_memory *memory);
size_t wasm_memory_size(const wasm_memory *memory); /* in bytes */
/* Grows by delta pages; returns the old size in pages, or -1 when refused (max, embedder cap). */
int64_t wasm_memory_grow(wasm_memory *memory, uint32_t delta_pages);

wasm_table *wasm_table_new(wasm_store *store, const wasm_tabletype *type, void *init,
                           wc_error *err);
wasm_tabletype wasm_table_type(const wasm_table *table);
uint32_t wasm_table_size(const wasm_table *table);
/* Returns false when index is out of bounds. */
bool wasm_table_get(const wasm_table *table, uint32_t index, void **ref);
bool wasm_table_set(wasm_table *table, uint32_t index, void *ref);

wasm_global *wasm_global_new(wasm_store *store, const wasm_globaltype *type, wasm_value init);
wasm_globaltype wasm_global_type(const wasm_global *global);
wasm_value wasm_global_get(const wasm_global *global);
void wasm_global_set(wasm_global *global, wasm_value value);

/* ---- instances ------------------------------------------------------------------------ */

/* Instantiates with imports given in the module's import order. Returns 0 with *out set, or -1:
 * err->code WC_EUNLINKABLE ("incompatible import type", "unknown import"), WC_ERESOURCE
 * (memory cap), or WC_ETRAP when segment initialisation or the start function trapped (trap is
 * filled; effects already made on imported objects stay, as the spec says). */
int wasm_instance_new(wasm_store *store, const wasm_module *module, const wasm_extern *imports,
                      uint32_t import_count, wasm_instance **out, wasm_trap *trap, wc_error *err);
/* Returns false when the instance has no such export. */
bool wasm_instance_export(const wasm_instance *instance, wasm_name name, wasm_extern *out);
const wasm_module *wasm_instance_module(const wasm_instance *instance);

/* Calls func with args typed by its type, writes its results. Returns 0, or -1 with trap set. */
int wasm_func_call(wasm_store *store, wasm_func *func, const wasm_value *args,
                   wasm_value *results, wasm_trap *trap);

/* ---- linker: imports by name ---------------------------------------------------------- */

wasm_linker *wasm_linker_new(wasm_store *store);
void wasm_linker_free(wasm_linker *linker);
/* Defines (module, name) -> ext; a later definition replaces an earlier one. */
int wasm_linker_define(wasm_linker *linker, wasm_name module, wasm_name name, wasm_extern ext,
                       wc_error *err);
/* Defines every export of instance under the module name (the spec test's `register`). */
int wasm_linker_define_instance(wasm_linker *linker, wasm_name module,
                                const wasm_instance *instance, wc_error *err);
/* Resolves the module's imports by name (WC_EUNLINKABLE "unknown import m.n" when missing),
 * then behaves as wasm_instance_new. */
int wasm_linker_instantiate(wasm_linker *linker, const wasm_module *module, wasm_instance **out,
                            wasm_trap *trap, wc_error *err);

#endif
