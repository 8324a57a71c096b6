/* runtime.h - the runtime objects behind wasm.h's opaque types (store, instance, function,
 * memory, table, global) and the interpreter's entry point. Internal to src/wasm; written by
 * store.c, instance.c and linker.c, read by interp.c. */
#ifndef WASMCRI_WASM_RUNTIME_H
#define WASMCRI_WASM_RUNTIME_H

#include <stdatomic.h>
#include <string.h>

#include "wasm/compile.h"
#include "wasm/module.h"
#include "wasm/wasm.h"

struct wasm_func {
    wasm_functype type;             /* wasm: the module's type; host: an owned copy */
    uint32_t param_slots, result_slots;
    bool is_host;
    /* wasm functions */
    wasm_instance *instance;
    uint32_t index;                 /* in the module's function index space */
    const wasm_compiled_func *code;
    /* host functions */
    wasm_host_callback callback;
    void *env;
    wasm_valtype *owned_types;      /* params then results, for host functions */
};

struct wasm_memory {
    wasm_memorytype type;
    uint8_t *data;                  /* reserved up front for the type's maximum, whatever the
                                     * store's cap (it may be raised later): never moves */
    uint64_t size;                  /* in bytes */
    uint32_t pages;
    uint32_t max_pages;             /* the type's maximum (or 65536) */
    size_t reserved;                /* bytes mapped (PROT_NONE beyond size) */
    wasm_store *store;
};

struct wasm_table {
    wasm_tabletype type;
    uint32_t size;
    uint32_t capacity;
    void **elements;
    wasm_store *store;
};

struct wasm_global {
    wasm_globaltype type;
    wasm_value value;
};

/* An instance's element segment: its references, evaluated at instantiation. */
typedef struct wasm_elem_instance {
    uint32_t count;                 /* 0 once dropped */
    void **items;
} wasm_elem_instance;

struct wasm_instance {
    const wasm_module *module;
    wasm_store *store;
    wasm_func **funcs;              /* module->func_count */
    wasm_table **tables;
    wasm_memory **memories;
    wasm_global **globals;
    wasm_memory *memory0;           /* memories[0], or NULL: the interpreter's fast path */
    wasm_elem_instance *elems;      /* module->elem_count */
    uint32_t elem_count;            /* kept here: the store may outlive the module */
    uint32_t *data_lengths;         /* module->data_count: a segment's length, 0 once dropped */
};

/* A frame of the interpreter's own call stack. */
typedef struct wasm_frame {
    const wasm_word *return_pc;
    uint64_t *fp;
    wasm_func *func;
} wasm_frame;

struct wasm_caller {
    wasm_store *store;
    wasm_instance *instance;
};

/* Every object of a store, freed with it. */
typedef struct wasm_object_list {
    void **items;
    size_t count, capacity;
} wasm_object_list;

struct wasm_store {
    wasm_config config;             /* with the defaults filled in */
    atomic_int interrupt;
    /* The embedder's cap in pages: starts as config.max_memory_pages, changed at any time
     * (from a signal handler or another thread) by wasm_store_set_max_memory_pages. */
    _Atomic uint32_t max_memory_pages;
    bool memory_limit_hit;

    uint64_t *stack;                /* the value stack */
    size_t stack_slots;
    uint64_t *stack_top;            /* first free slot: nested calls from hosts start here */
    wasm_frame *frames;
    uint32_t frame_count;           /* frames in use, over every nested invocation */

    wasm_object_list funcs, memories, tables, globals, instances;
};

/* store.c: registers obj in the list (freed with the store); returns -1 when out of memory. */
int wasm_store_track(wasm_object_list *list, void *object);
/* Creates a function of a module instance. */
wasm_func *wasm_func_new_wasm(wasm_store *store, wasm_instance *instance, uint32_t index);
/* True when two function types are structurally equal. */
bool wasm_functype_equal(const wasm_functype *a, const wasm_functype *b);
/* Grows a table by delta elements set to init; returns the old size or -1. */
int64_t wasm_table_grow_internal(wasm_table *table, uint32_t delta, void *init);

/* interp.c: runs a wasm function with its arguments already in slots at args (which is the
 * store's stack top); on return its results are at args. Returns 0 or -1 with trap filled. */
int wasm_interp_call(wasm_store *store, wasm_func *func, uint64_t *args, wasm_trap *trap);

/* trap.c: fills trap->function with the name of func (name section, else "func[N]"). */
void wasm_trap_locate(wasm_trap *trap, const wasm_func *func);

/* Value conversions between slots and wasm_value, by type. */
static inline void wasm_value_to_slots(wasm_valtype type, const wasm_value *value, uint64_t *slots)
{
    switch (type) {
    case WASM_I32: case WASM_F32:
        slots[0] = value->i32;
        break;
    case WASM_V128:
        memcpy(slots, value->v128, 16);
        break;
    case WASM_FUNCREF: case WASM_EXTERNREF:
        slots[0] = (uint64_t)(uintptr_t)value->ref;
        break;
    default:
        slots[0] = value->i64;
        break;
    }
}

static inline void wasm_value_from_slots(wasm_valtype type, const uint64_t *slots, wasm_value *value)
{
    memset(value, 0, sizeof(*value));
    switch (type) {
    case WASM_I32: case WASM_F32:
        value->i32 = (uint32_t)slots[0];
        break;
    case WASM_V128:
        memcpy(value->v128, slots, 16);
        break;
    case WASM_FUNCREF: case WASM_EXTERNREF:
        value->ref = (void *)(uintptr_t)slots[0];
        break;
    default:
        value->i64 = slots[0];
        break;
    }
}

#endif
