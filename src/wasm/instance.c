/* instance.c - instantiation in the WebAssembly 2.0 order: check imports, allocate, evaluate
 * global initialisers and segments, run active element then data segments (a failing one
 * traps and stops, earlier writes remain), drop them, then call the start function. */
#include <stdlib.h>
#include <string.h>

#include "wasm/runtime.h"
#include "wasm/trusted_leb.h"

/* ---- constant expressions ------------------------------------------------------------- */

typedef struct const_reader {
    const uint8_t *p, *end;
} const_reader;

static uint64_t const_uleb(const_reader *r)
{
    return wasm_trusted_uleb(&r->p, r->end);
}

static int64_t const_sleb(const_reader *r)
{
    return wasm_trusted_sleb(&r->p, r->end);
}

/* Evaluates a validated constant expression (t.const, ref.null, ref.func, global.get, and the
 * extended-const i32/i64 add, sub, mul) against the instance built so far. */
static int eval_const(const wasm_instance *instance, const wasm_const_expr *expr,
                      wasm_value *out, wc_error *err)
{
    const_reader r = { expr->code, expr->code + expr->length };
    wasm_value stack[16];
    unsigned depth = 0;
    memset(stack, 0, sizeof(stack));
    while (r.p < r.end) {
        uint8_t op = *r.p++;
        if (op == 0x0b)
            break;
        if (depth == 16 && op != 0x6a && op != 0x6b && op != 0x6c && op != 0x7c && op != 0x7d &&
            op != 0x7e)
            return wc_error_set(err, WC_EINVALIDMODULE, "constant expression too deep");
        wasm_value *top = &stack[depth];
        switch (op) {
        case 0x41:
            memset(top, 0, sizeof(*top));
            top->i32 = (uint32_t)(int32_t)const_sleb(&r);
            depth++;
            break;
        case 0x42:
            memset(top, 0, sizeof(*top));
            top->i64 = (uint64_t)const_sleb(&r);
            depth++;
            break;
        case 0x43:
        case 0x44: {
            unsigned bytes = op == 0x43 ? 4 : 8;
            memset(top, 0, sizeof(*top));
            if ((size_t)(r.end - r.p) < bytes)
                return wc_error_set(err, WC_EINVALIDMODULE, "truncated constant expression");
            memcpy(top->v128, r.p, bytes);
            r.p += bytes;
            depth++;
            break;
        }
        case 0xd0:
            const_uleb(&r);
            memset(top, 0, sizeof(*top));
            depth++;
            break;
        case 0xd2: {
            uint64_t index = const_uleb(&r);
            if (index >= instance->module->func_count)
                return wc_error_set(err, WC_EINVALIDMODULE, "unknown function %llu",
                                    (unsigned long long)index);
            memset(top, 0, sizeof(*top));
            top->ref = instance->funcs[index];
            depth++;
            break;
        }
        case 0x23: {
            uint64_t index = const_uleb(&r);
            if (index >= instance->module->global_count || instance->globals[index] == NULL)
                return wc_error_set(err, WC_EINVALIDMODULE, "unknown global %llu",
                                    (unsigned long long)index);
            *top = instance->globals[index]->value;
            depth++;
            break;
        }
        case 0xfd: {
            const_uleb(&r); /* v128.const */
            memset(top, 0, sizeof(*top));
            if ((size_t)(r.end - r.p) < 16)
                return wc_error_set(err, WC_EINVALIDMODULE, "truncated constant expression");
            memcpy(top->v128, r.p, 16);
            r.p += 16;
            depth++;
            break;
        }
        case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e: {
            if (depth < 2)
                return wc_error_set(err, WC_EINVALIDMODULE, "type mismatch in constant");
            wasm_value *a = &stack[depth - 2], *b = &stack[depth - 1];
            if (op == 0x6a) a->i32 = a->i32 + b->i32;
            else if (op == 0x6b) a->i32 = a->i32 - b->i32;
            else if (op == 0x6c) a->i32 = a->i32 * b->i32;
            else if (op == 0x7c) a->i64 = a->i64 + b->i64;
            else if (op == 0x7d) a->i64 = a->i64 - b->i64;
            else a->i64 = a->i64 * b->i64;
            depth--;
            break;
        }
        default:
            return wc_error_set(err, WC_EINVALIDMODULE, "constant expression required");
        }
    }
    if (depth != 1)
        return wc_error_set(err, WC_EINVALIDMODULE, "type mismatch in constant expression");
    *out = stack[0];
    return 0;
}

/* ---- import checks -------------------------------------------------------------------- */

/* The spec's limits subtyping: the provided object must fit within what the import asks. */
static bool limits_match(uint32_t min, bool has_max, uint32_t max, const wasm_limits *wanted)
{
    if (min < wanted->min)
        return false;
    if (wanted->has_max && (!has_max || max > wanted->max))
        return false;
    return true;
}

static int check_import(const wasm_module *module, uint32_t i, const wasm_extern *ext,
                        wc_error *err)
{
    const wasm_import_desc *import = &module->imports[i];
    bool ok = ext->kind == import->kind;
    if (ok) {
        switch (import->kind) {
        case WASM_EXTERN_FUNC:
            ok = ext->of.func != NULL &&
                 wasm_functype_equal(&ext->of.func->type,
                                     &module->types[module->func_types[import->index]]);
            break;
        case WASM_EXTERN_TABLE: {
            const wasm_table *table = ext->of.table;
            const wasm_tabletype *wanted = &module->tables[import->index];
            ok = table != NULL && table->type.element == wanted->element &&
                 limits_match(table->size, table->type.limits.has_max, table->type.limits.max,
                              &wanted->limits);
            break;
        }
        case WASM_EXTERN_MEMORY: {
            const wasm_memory *memory = ext->of.memory;
            ok = memory != NULL &&
                 limits_match(memory->pages, memory->type.limits.has_max,
                              memory->type.limits.max, &module->memories[import->index].limits);
            break;
        }
        case WASM_EXTERN_GLOBAL: {
            const wasm_global *global = ext->of.global;
            const wasm_globaltype *wanted = &module->globals[import->index].type;
            ok = global != NULL && global->type.type == wanted->type &&
                 global->type.mutable_ == wanted->mutable_;
            break;
        }
        }
    }
    if (!ok)
        return wc_error_set(err, WC_EUNLINKABLE, "incompatible import type %.*s.%.*s",
                            (int)import->module.length, import->module.data,
                            (int)import->name.length, import->name.data);
    return 0;
}

/* ---- instantiation -------------------------------------------------------------------- */

static int trapped(wasm_trap *trap, wc_error *err, const char *what, uint32_t index)
{
    return wc_error_set(err, WC_ETRAP, "%s %u: %s", what, index, trap->message);
}

static int allocate(wasm_store *store, wasm_instance *instance, const wasm_extern *imports,
                    wc_error *err)
{
    const wasm_module *module = instance->module;
    instance->funcs = calloc(module->func_count + 1, sizeof(*instance->funcs));
    instance->tables = calloc(module->table_count + 1, sizeof(*instance->tables));
    instance->memories = calloc(module->memory_count + 1, sizeof(*instance->memories));
    instance->globals = calloc(module->global_count + 1, sizeof(*instance->globals));
    instance->elems = calloc(module->elem_count + 1, sizeof(*instance->elems));
    instance->elem_count = module->elem_count;
    instance->data_lengths = calloc(module->data_count + 1, sizeof(*instance->data_lengths));
    if (!instance->funcs || !instance->tables || !instance->memories || !instance->globals ||
        !instance->elems || !instance->data_lengths)
        return wc_error_set(err, WC_ERESOURCE, "instantiating: out of memory");

    for (uint32_t i = 0; i < module->import_count; i++) {
        const wasm_import_desc *import = &module->imports[i];
        switch (import->kind) {
        case WASM_EXTERN_FUNC: instance->funcs[import->index] = imports[i].of.func; break;
        case WASM_EXTERN_TABLE: instance->tables[import->index] = imports[i].of.table; break;
        case WASM_EXTERN_MEMORY: instance->memories[import->index] = imports[i].of.memory; break;
        case WASM_EXTERN_GLOBAL: instance->globals[import->index] = imports[i].of.global; break;
        }
    }
    for (uint32_t i = module->func_import_count; i < module->func_count; i++) {
        instance->funcs[i] = wasm_func_new_wasm(store, instance, i);
        if (instance->funcs[i] == NULL)
            return wc_error_set(err, WC_ERESOURCE, "instantiating: out of memory");
    }
    for (uint32_t i = module->table_import_count; i < module->table_count; i++) {
        instance->tables[i] = wasm_table_new(store, &module->tables[i], NULL, err);
        if (instance->tables[i] == NULL)
            return wc_error_prefix(err, "table %u", i);
    }
    for (uint32_t i = module->memory_import_count; i < module->memory_count; i++) {
        instance->memories[i] = wasm_memory_new(store, &module->memories[i], err);
        if (instance->memories[i] == NULL)
            return wc_error_prefix(err, "memory %u", i);
    }
    instance->memory0 = module->memory_count ? instance->memories[0] : NULL;
    for (uint32_t i = module->global_import_count; i < module->global_count; i++) {
        wasm_value value;
        if (eval_const(instance, &module->globals[i].init, &value, err) < 0)
            return wc_error_prefix(err, "global %u", i);
        instance->globals[i] = wasm_global_new(store, &module->globals[i].type, value);
        if (instance->globals[i] == NULL)
            return wc_error_set(err, WC_ERESOURCE, "instantiating: out of memory");
    }
    for (uint32_t i = 0; i < module->elem_count; i++) {
        const wasm_module_elem *elem = &module->elems[i];
        wasm_elem_instance *out = &instance->elems[i];
        out->items = calloc(elem->item_count + 1, sizeof(*out->items));
        if (out->items == NULL)
            return wc_error_set(err, WC_ERESOURCE, "instantiating: out of memory");
        for (uint32_t k = 0; k < elem->item_count; k++) {
            if (elem->func_indices != NULL) {
                out->items[k] = instance->funcs[elem->func_indices[k]];
            } else {
                wasm_value value;
                if (eval_const(instance, &elem->exprs[k], &value, err) < 0)
                    return wc_error_prefix(err, "element segment %u", i);
                out->items[k] = value.ref;
            }
        }
        out->count = elem->item_count;
    }
    for (uint32_t i = 0; i < module->data_count; i++)
        instance->data_lengths[i] = module->datas[i].length;
    return 0;
}

static int initialize_segments(wasm_instance *instance, wasm_trap *trap, wc_error *err)
{
    const wasm_module *module = instance->module;
    for (uint32_t i = 0; i < module->elem_count; i++) {
        const wasm_module_elem *elem = &module->elems[i];
        wasm_elem_instance *segment = &instance->elems[i];
        if (elem->mode == WASM_SEGMENT_ACTIVE) {
            wasm_value offset;
            if (eval_const(instance, &elem->offset, &offset, err) < 0)
                return wc_error_prefix(err, "element segment %u", i);
            wasm_table *table = instance->tables[elem->table];
            uint64_t d = offset.i32, n = segment->count;
            if (d + n > table->size) {
                wasm_trap_set(trap, WASM_TRAP_TABLE_OOB);
                return trapped(trap, err, "element segment", i);
            }
            if (n)
                memcpy(table->elements + d, segment->items, n * sizeof(void *));
        }
        if (elem->mode != WASM_SEGMENT_PASSIVE)
            segment->count = 0;
    }
    for (uint32_t i = 0; i < module->data_count; i++) {
        const wasm_module_data *data = &module->datas[i];
        if (data->mode != WASM_SEGMENT_ACTIVE)
            continue;
        wasm_value offset;
        if (eval_const(instance, &data->offset, &offset, err) < 0)
            return wc_error_prefix(err, "data segment %u", i);
        wasm_memory *memory = instance->memories[data->memory];
        uint64_t d = offset.i32, n = data->length;
        if (d + n > memory->size) {
            wasm_trap_set(trap, WASM_TRAP_MEMORY_OOB);
            return trapped(trap, err, "data segment", i);
        }
        if (n)
            memcpy(memory->data + d, data->bytes, n);
        instance->data_lengths[i] = 0;
    }
    return 0;
}

int wasm_instance_new(wasm_store *store, const wasm_module *module, const wasm_extern *imports,
                      uint32_t import_count, wasm_instance **out, wasm_trap *trap, wc_error *err)
{
    wasm_trap local_trap;
    if (trap == NULL)
        trap = &local_trap;
    memset(trap, 0, sizeof(*trap));
    if (module->compiled == NULL)
        return wc_error_set(err, WC_EPRECONDITION, "instantiating: the module was not compiled");
    if (import_count != module->import_count)
        return wc_error_set(err, WC_EUNLINKABLE, "instantiating: %u imports given, %u expected",
                            import_count, module->import_count);
    for (uint32_t i = 0; i < import_count; i++)
        if (check_import(module, i, &imports[i], err) < 0)
            return -1;

    /* The store owns the instance from here on, even when a segment traps: functions it put
     * in imported tables stay callable, as the spec says. */
    wasm_instance *instance = calloc(1, sizeof(*instance));
    if (instance == NULL || wasm_store_track(&store->instances, instance) < 0) {
        free(instance);
        return wc_error_set(err, WC_ERESOURCE, "instantiating: out of memory");
    }
    instance->module = module;
    instance->store = store;
    if (allocate(store, instance, imports, err) < 0)
        return -1;
    if (initialize_segments(instance, trap, err) < 0)
        return -1;
    if (module->has_start) {
        if (wasm_func_call(store, instance->funcs[module->start], NULL, NULL, trap) < 0) {
            if (trap->kind == WASM_TRAP_EXIT)
                return wc_error_set(err, WC_ETRAP, "start function exited with %d",
                                    trap->exit_code);
            return wc_error_set(err, WC_ETRAP, "start function: %s", trap->message);
        }
    }
    *out = instance;
    return 0;
}

bool wasm_instance_export(const wasm_instance *instance, wasm_name name, wasm_extern *out)
{
    const wasm_module *module = instance->module;
    for (uint32_t i = 0; i < module->export_count; i++) {
        const wasm_export_desc *export = &module->exports[i];
        if (!wasm_name_equal(export->name, name))
            continue;
        out->kind = export->kind;
        switch (export->kind) {
        case WASM_EXTERN_FUNC: out->of.func = instance->funcs[export->index]; break;
        case WASM_EXTERN_TABLE: out->of.table = instance->tables[export->index]; break;
        case WASM_EXTERN_MEMORY: out->of.memory = instance->memories[export->index]; break;
        case WASM_EXTERN_GLOBAL: out->of.global = instance->globals[export->index]; break;
        }
        return true;
    }
    return false;
}

const wasm_module *wasm_instance_module(const wasm_instance *instance)
{
    return instance->module;
}
