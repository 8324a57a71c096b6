/* store.c - stores and the runtime objects they own: functions, memories, tables, globals;
 * the host's entry into wasm (wasm_func_call). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wasm/runtime.h"

#define DEFAULT_MAX_CALL_DEPTH 10000u
#define DEFAULT_MAX_TABLE_ELEMENTS 10000000u
/* The value stack: 8 MiB of slots, reserved lazily by the kernel. A frame that does not fit
 * traps "call stack exhausted". */
#define STACK_SLOTS (1u << 20)

int wasm_store_track(wasm_object_list *list, void *object)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 16;
        void **items = realloc(list->items, capacity * sizeof(*items));
        if (items == NULL)
            return -1;
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->count++] = object;
    return 0;
}

wasm_store *wasm_store_new(const wasm_config *config)
{
    wasm_store *store = calloc(1, sizeof(*store));
    if (store == NULL)
        return NULL;
    if (config != NULL)
        store->config = *config;
    if (store->config.max_memory_pages == 0 || store->config.max_memory_pages > WASM_MAX_PAGES)
        store->config.max_memory_pages = WASM_MAX_PAGES;
    if (store->config.max_call_depth == 0)
        store->config.max_call_depth = DEFAULT_MAX_CALL_DEPTH;
    if (store->config.max_table_elements == 0)
        store->config.max_table_elements = DEFAULT_MAX_TABLE_ELEMENTS;
    atomic_init(&store->interrupt, 0);
    atomic_init(&store->max_memory_pages, store->config.max_memory_pages);

    store->stack_slots = STACK_SLOTS;
    void *stack = mmap(NULL, store->stack_slots * sizeof(uint64_t), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    store->frames = calloc((size_t)store->config.max_call_depth + 1, sizeof(*store->frames));
    if (stack == MAP_FAILED || store->frames == NULL) {
        if (stack != MAP_FAILED)
            munmap(stack, store->stack_slots * sizeof(uint64_t));
        free(store->frames);
        free(store);
        return NULL;
    }
    store->stack = stack;
    store->stack_top = store->stack;
    return store;
}

static void free_instance(wasm_instance *instance)
{
    if (instance->elems != NULL)
        for (uint32_t i = 0; i < instance->elem_count; i++)
            free(instance->elems[i].items);
    free(instance->elems);
    free(instance->data_lengths);
    free(instance->funcs);
    free(instance->tables);
    free(instance->memories);
    free(instance->globals);
    free(instance);
}

void wasm_store_free(wasm_store *store)
{
    if (store == NULL)
        return;
    for (size_t i = 0; i < store->funcs.count; i++) {
        wasm_func *func = store->funcs.items[i];
        free(func->owned_types);
        free(func);
    }
    for (size_t i = 0; i < store->memories.count; i++) {
        wasm_memory *memory = store->memories.items[i];
        munmap(memory->data, memory->reserved);
        free(memory);
    }
    for (size_t i = 0; i < store->tables.count; i++) {
        wasm_table *table = store->tables.items[i];
        free(table->elements);
        free(table);
    }
    for (size_t i = 0; i < store->globals.count; i++)
        free(store->globals.items[i]);
    for (size_t i = 0; i < store->instances.count; i++)
        free_instance(store->instances.items[i]);
    free(store->funcs.items);
    free(store->memories.items);
    free(store->tables.items);
    free(store->globals.items);
    free(store->instances.items);
    munmap(store->stack, store->stack_slots * sizeof(uint64_t));
    free(store->frames);
    free(store);
}

void wasm_store_interrupt(wasm_store *store)
{
    atomic_store_explicit(&store->interrupt, 1, memory_order_relaxed);
}

void wasm_store_set_max_memory_pages(wasm_store *store, uint32_t pages)
{
    if (pages == 0 || pages > WASM_MAX_PAGES)
        pages = WASM_MAX_PAGES;
    atomic_store_explicit(&store->max_memory_pages, pages, memory_order_relaxed);
}

uint32_t wasm_store_max_memory_pages(const wasm_store *store)
{
    return atomic_load_explicit(&((wasm_store *)store)->max_memory_pages, memory_order_relaxed);
}

bool wasm_store_memory_limit_hit(const wasm_store *store)
{
    return store->memory_limit_hit;
}

/* ---- functions ------------------------------------------------------------------------ */

bool wasm_functype_equal(const wasm_functype *a, const wasm_functype *b)
{
    if (a == b)
        return true;
    if (a->param_count != b->param_count || a->result_count != b->result_count)
        return false;
    for (uint32_t i = 0; i < a->param_count; i++)
        if (a->params[i] != b->params[i])
            return false;
    for (uint32_t i = 0; i < a->result_count; i++)
        if (a->results[i] != b->results[i])
            return false;
    return true;
}

wasm_func *wasm_func_new_host(wasm_store *store, const wasm_functype *type,
                              wasm_host_callback callback, void *env)
{
    wasm_func *func = calloc(1, sizeof(*func));
    size_t count = (size_t)type->param_count + type->result_count;
    wasm_valtype *types = malloc((count ? count : 1) * sizeof(*types));
    if (func == NULL || types == NULL || wasm_store_track(&store->funcs, func) < 0) {
        free(func);
        free(types);
        return NULL;
    }
    if (type->param_count)
        memcpy(types, type->params, type->param_count * sizeof(*types));
    if (type->result_count)
        memcpy(types + type->param_count, type->results, type->result_count * sizeof(*types));
    func->owned_types = types;
    func->type = (wasm_functype){ type->param_count, type->result_count, types,
                                  types + type->param_count };
    func->param_slots = wasm_slot_count(func->type.params, func->type.param_count);
    func->result_slots = wasm_slot_count(func->type.results, func->type.result_count);
    func->is_host = true;
    func->callback = callback;
    func->env = env;
    return func;
}

wasm_func *wasm_func_new_wasm(wasm_store *store, wasm_instance *instance, uint32_t index)
{
    const wasm_module *module = instance->module;
    wasm_func *func = calloc(1, sizeof(*func));
    if (func == NULL || wasm_store_track(&store->funcs, func) < 0) {
        free(func);
        return NULL;
    }
    func->type = module->types[module->func_types[index]];
    func->param_slots = wasm_slot_count(func->type.params, func->type.param_count);
    func->result_slots = wasm_slot_count(func->type.results, func->type.result_count);
    func->instance = instance;
    func->index = index;
    func->code = &module->compiled->funcs[index - module->func_import_count];
    return func;
}

const wasm_functype *wasm_func_type(const wasm_func *func)
{
    return &func->type;
}

wasm_instance *wasm_caller_instance(wasm_caller *caller)
{
    return caller->instance;
}

wasm_memory *wasm_caller_memory(wasm_caller *caller)
{
    if (caller->instance == NULL || caller->instance->module->memory_count == 0)
        return NULL;
    return caller->instance->memories[0];
}

wasm_store *wasm_caller_store(wasm_caller *caller)
{
    return caller->store;
}

int wasm_func_call(wasm_store *store, wasm_func *func, const wasm_value *args,
                   wasm_value *results, wasm_trap *trap)
{
    wasm_trap ignored;
    if (trap == NULL)
        trap = &ignored;
    wasm_trap_set(trap, WASM_TRAP_NONE);
    trap->message[0] = '\0';
    if (func->is_host) {
        wasm_caller caller = { store, NULL };
        if (func->callback(&caller, func->env, args, results, trap) < 0) {
            wasm_trap_locate(trap, func);
            return -1;
        }
        return 0;
    }
    uint64_t *base = store->stack_top;
    uint32_t needed = func->param_slots > func->result_slots ? func->param_slots
                                                             : func->result_slots;
    if ((size_t)(base - store->stack) + needed > store->stack_slots)
        return wasm_trap_set(trap, WASM_TRAP_STACK_EXHAUSTED);
    uint64_t *slot = base;
    for (uint32_t i = 0; i < func->type.param_count; i++) {
        wasm_value_to_slots(func->type.params[i], &args[i], slot);
        slot += wasm_slot_width(func->type.params[i]);
    }
    if (wasm_interp_call(store, func, base, trap) < 0)
        return -1;
    slot = base;
    for (uint32_t i = 0; i < func->type.result_count; i++) {
        wasm_value_from_slots(func->type.results[i], slot, &results[i]);
        slot += wasm_slot_width(func->type.results[i]);
    }
    return 0;
}

/* ---- memories ------------------------------------------------------------------------- */

wasm_memory *wasm_memory_new(wasm_store *store, const wasm_memorytype *type, wc_error *err)
{
    uint32_t max_pages = type->limits.has_max ? type->limits.max : WASM_MAX_PAGES;
    if (max_pages > WASM_MAX_PAGES)
        max_pages = WASM_MAX_PAGES;
    uint32_t cap = wasm_store_max_memory_pages(store);
    if (type->limits.min > cap) {
        store->memory_limit_hit = true;
        wc_error_set(err, WC_ERESOURCE, "memory of %u pages exceeds the limit of %u pages",
                     type->limits.min, cap);
        return NULL;
    }
    if (type->limits.min > max_pages) {
        wc_error_set(err, WC_EINVAL, "memory minimum %u exceeds its maximum", type->limits.min);
        return NULL;
    }
    /* Address space only (PROT_NONE, no commit): the whole range the type allows, so a cap
     * raised later lets the memory grow in place. */
    size_t reserved = (size_t)max_pages * WASM_PAGE_SIZE;
    if (reserved == 0)
        reserved = WASM_PAGE_SIZE; /* keeps data non-NULL for an empty memory */
    wasm_memory *memory = calloc(1, sizeof(*memory));
    if (memory == NULL) {
        wc_error_set(err, WC_ERESOURCE, "memory: out of memory");
        return NULL;
    }
    void *data = mmap(NULL, reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                      -1, 0);
    if (data == MAP_FAILED) {
        free(memory);
        wc_error_set_errno(err, errno, "memory: reserving %zu bytes", reserved);
        err->code = WC_ERESOURCE;
        return NULL;
    }
    size_t size = (size_t)type->limits.min * WASM_PAGE_SIZE;
    if (size > 0 && mprotect(data, size, PROT_READ | PROT_WRITE) < 0) {
        munmap(data, reserved);
        free(memory);
        wc_error_set_errno(err, errno, "memory: committing %zu bytes", size);
        err->code = WC_ERESOURCE;
        return NULL;
    }
    memory->type = *type;
    memory->data = data;
    memory->size = size;
    memory->pages = type->limits.min;
    memory->max_pages = max_pages;
    memory->reserved = reserved;
    memory->store = store;
    if (wasm_store_track(&store->memories, memory) < 0) {
        munmap(data, reserved);
        free(memory);
        wc_error_set(err, WC_ERESOURCE, "memory: out of memory");
        return NULL;
    }
    return memory;
}

wasm_memorytype wasm_memory_type(const wasm_memory *memory)
{
    wasm_memorytype type = memory->type;
    type.limits.min = memory->pages;
    return type;
}

uint8_t *wasm_memory_data(wasm_memory *memory)
{
    return memory->data;
}

size_t wasm_memory_size(const wasm_memory *memory)
{
    return (size_t)memory->size;
}

int64_t wasm_memory_grow(wasm_memory *memory, uint32_t delta_pages)
{
    uint32_t old = memory->pages;
    uint64_t wanted = (uint64_t)old + delta_pages;
    if (wanted > memory->max_pages)
        return -1;
    /* Growing by 0 is a size query: it succeeds even above a lowered cap. */
    if (delta_pages > 0 && wanted > wasm_store_max_memory_pages(memory->store)) {
        memory->store->memory_limit_hit = true;
        return -1;
    }
    size_t new_size = (size_t)wanted * WASM_PAGE_SIZE;
    if (new_size > memory->reserved)
        return -1;
    if (new_size > memory->size &&
        mprotect(memory->data + memory->size, new_size - memory->size,
                 PROT_READ | PROT_WRITE) < 0)
        return -1;
    memory->size = new_size;
    memory->pages = (uint32_t)wanted;
    return old;
}

/* ---- tables --------------------------------------------------------------------------- */

wasm_table *wasm_table_new(wasm_store *store, const wasm_tabletype *type, void *init,
                           wc_error *err)
{
    if (type->limits.min > store->config.max_table_elements) {
        wc_error_set(err, WC_ERESOURCE, "table of %u elements exceeds the limit of %u",
                     type->limits.min, store->config.max_table_elements);
        return NULL;
    }
    wasm_table *table = calloc(1, sizeof(*table));
    void **elements = calloc(type->limits.min ? type->limits.min : 1, sizeof(*elements));
    if (table == NULL || elements == NULL || wasm_store_track(&store->tables, table) < 0) {
        free(table);
        free(elements);
        wc_error_set(err, WC_ERESOURCE, "table: out of memory");
        return NULL;
    }
    for (uint32_t i = 0; i < type->limits.min; i++)
        elements[i] = init;
    table->type = *type;
    table->size = type->limits.min;
    table->capacity = type->limits.min ? type->limits.min : 1;
    table->elements = elements;
    table->store = store;
    return table;
}

wasm_tabletype wasm_table_type(const wasm_table *table)
{
    wasm_tabletype type = table->type;
    type.limits.min = table->size;
    return type;
}

uint32_t wasm_table_size(const wasm_table *table)
{
    return table->size;
}

bool wasm_table_get(const wasm_table *table, uint32_t index, void **ref)
{
    if (index >= table->size)
        return false;
    *ref = table->elements[index];
    return true;
}

bool wasm_table_set(wasm_table *table, uint32_t index, void *ref)
{
    if (index >= table->size)
        return false;
    table->elements[index] = ref;
    return true;
}

int64_t wasm_table_grow_internal(wasm_table *table, uint32_t delta, void *init)
{
    uint32_t old = table->size;
    uint64_t wanted = (uint64_t)old + delta;
    uint64_t max = table->type.limits.has_max ? table->type.limits.max : UINT32_MAX;
    if (wanted > max || wanted > table->store->config.max_table_elements)
        return -1;
    if (wanted > table->capacity) {
        uint64_t capacity = (uint64_t)table->capacity * 2;
        if (capacity < wanted)
            capacity = wanted;
        if (capacity > table->store->config.max_table_elements)
            capacity = wanted;
        void **elements = realloc(table->elements, (size_t)capacity * sizeof(*elements));
        if (elements == NULL)
            return -1;
        table->elements = elements;
        table->capacity = (uint32_t)capacity;
    }
    for (uint64_t i = old; i < wanted; i++)
        table->elements[i] = init;
    table->size = (uint32_t)wanted;
    return old;
}

/* ---- globals -------------------------------------------------------------------------- */

/* Keeps the unused bytes of a value zero, so a slot copy of it is exact. */
static wasm_value normalize(wasm_valtype type, wasm_value value)
{
    uint64_t slots[2] = { 0, 0 };
    wasm_value_to_slots(type, &value, slots);
    wasm_value_from_slots(type, slots, &value);
    return value;
}

wasm_global *wasm_global_new(wasm_store *store, const wasm_globaltype *type, wasm_value init)
{
    wasm_global *global = calloc(1, sizeof(*global));
    if (global == NULL || wasm_store_track(&store->globals, global) < 0) {
        free(global);
        return NULL;
    }
    global->type = *type;
    global->value = normalize(type->type, init);
    return global;
}

wasm_globaltype wasm_global_type(const wasm_global *global)
{
    return global->type;
}

wasm_value wasm_global_get(const wasm_global *global)
{
    return global->value;
}

void wasm_global_set(wasm_global *global, wasm_value value)
{
    global->value = normalize(global->type.type, value);
}
