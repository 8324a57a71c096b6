/* linker.c - imports by (module, name): host objects and registered instances. */
#include <stdlib.h>
#include <string.h>

#include "wasm/runtime.h"

typedef struct linker_entry {
    char *module;
    uint32_t module_length;
    char *name;
    uint32_t name_length;
    wasm_extern ext;
} linker_entry;

struct wasm_linker {
    wasm_store *store;
    linker_entry *entries;
    size_t count, capacity;
};

wasm_linker *wasm_linker_new(wasm_store *store)
{
    wasm_linker *linker = calloc(1, sizeof(*linker));
    if (linker != NULL)
        linker->store = store;
    return linker;
}

void wasm_linker_free(wasm_linker *linker)
{
    if (linker == NULL)
        return;
    for (size_t i = 0; i < linker->count; i++) {
        free(linker->entries[i].module);
        free(linker->entries[i].name);
    }
    free(linker->entries);
    free(linker);
}

static bool same(const char *data, uint32_t length, wasm_name name)
{
    return length == name.length && (length == 0 || memcmp(data, name.data, length) == 0);
}

static linker_entry *find(const wasm_linker *linker, wasm_name module, wasm_name name)
{
    for (size_t i = 0; i < linker->count; i++) {
        linker_entry *entry = &linker->entries[i];
        if (same(entry->module, entry->module_length, module) &&
            same(entry->name, entry->name_length, name))
            return entry;
    }
    return NULL;
}

static char *copy_name(wasm_name name)
{
    char *copy = malloc((size_t)name.length + 1);
    if (copy != NULL) {
        if (name.length)
            memcpy(copy, name.data, name.length);
        copy[name.length] = '\0';
    }
    return copy;
}

int wasm_linker_define(wasm_linker *linker, wasm_name module, wasm_name name, wasm_extern ext,
                       wc_error *err)
{
    linker_entry *existing = find(linker, module, name);
    if (existing != NULL) {
        existing->ext = ext;
        return 0;
    }
    if (linker->count == linker->capacity) {
        size_t capacity = linker->capacity ? linker->capacity * 2 : 32;
        linker_entry *entries = realloc(linker->entries, capacity * sizeof(*entries));
        if (entries == NULL)
            return wc_error_set(err, WC_ERESOURCE, "linker: out of memory");
        linker->entries = entries;
        linker->capacity = capacity;
    }
    linker_entry entry = { copy_name(module), module.length, copy_name(name), name.length, ext };
    if (entry.module == NULL || entry.name == NULL) {
        free(entry.module);
        free(entry.name);
        return wc_error_set(err, WC_ERESOURCE, "linker: out of memory");
    }
    linker->entries[linker->count++] = entry;
    return 0;
}

int wasm_linker_define_instance(wasm_linker *linker, wasm_name module,
                                const wasm_instance *instance, wc_error *err)
{
    const wasm_module *m = instance->module;
    for (uint32_t i = 0; i < m->export_count; i++) {
        wasm_extern ext;
        if (!wasm_instance_export(instance, m->exports[i].name, &ext))
            continue;
        if (wasm_linker_define(linker, module, m->exports[i].name, ext, err) < 0)
            return -1;
    }
    return 0;
}

int wasm_linker_instantiate(wasm_linker *linker, const wasm_module *module, wasm_instance **out,
                            wasm_trap *trap, wc_error *err)
{
    uint32_t count = module->import_count;
    wasm_extern *imports = calloc(count + 1, sizeof(*imports));
    if (imports == NULL)
        return wc_error_set(err, WC_ERESOURCE, "linker: out of memory");
    for (uint32_t i = 0; i < count; i++) {
        const wasm_import_desc *import = &module->imports[i];
        const linker_entry *entry = find(linker, import->module, import->name);
        if (entry == NULL) {
            wc_error_set(err, WC_EUNLINKABLE, "unknown import %.*s.%.*s",
                         (int)import->module.length, import->module.data,
                         (int)import->name.length, import->name.data);
            free(imports);
            return -1;
        }
        imports[i] = entry->ext;
    }
    int result = wasm_instance_new(linker->store, module, imports, count, out, trap, err);
    free(imports);
    return result;
}
