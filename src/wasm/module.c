/* module.c - a module's life (decode -> validate -> compile, free) and what embedders may ask
 * of it: imports, exports, custom sections. */
#include <stdlib.h>
#include <string.h>

#include "wasm/module.h"

wasm_name wasm_name_from_cstr(const char *s)
{
    return (wasm_name){ s, (uint32_t)strlen(s) };
}

bool wasm_name_equal(wasm_name a, wasm_name b)
{
    return a.length == b.length && (a.length == 0 || memcmp(a.data, b.data, a.length) == 0);
}

static int load(const uint8_t *bytes, size_t length, bool compile, wasm_module **out,
                wc_error *err)
{
    wasm_module *module = calloc(1, sizeof *module);
    if (module == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory loading a module");
    if (wasm_decode(module, bytes, length, err) < 0 || wasm_validate(module, err) < 0
        || (compile && wasm_compile(module, err) < 0)) {
        wasm_module_free(module);
        return -1;
    }
    *out = module;
    return 0;
}

int wasm_module_new(const uint8_t *bytes, size_t length, wasm_module **out, wc_error *err)
{
    return load(bytes, length, true, out, err);
}

int wasm_module_validate_bytes(const uint8_t *bytes, size_t length, wc_error *err)
{
    wasm_module *module = NULL;
    if (load(bytes, length, false, &module, err) < 0)
        return -1;
    wasm_module_free(module);
    return 0;
}

void wasm_module_free(wasm_module *module)
{
    if (module == NULL)
        return;
    if (module->compiled != NULL)
        wasm_compiled_free(module->compiled);
    wasm_decoded_free(module);
    free(module);
}

/* ---- introspection ------------------------------------------------------------------- */

static wasm_externtype extern_type(const wasm_module *m, wasm_extern_kind kind, uint32_t index)
{
    wasm_externtype t = { .kind = kind };
    switch (kind) {
    case WASM_EXTERN_FUNC: t.of.func = &m->types[m->func_types[index]]; break;
    case WASM_EXTERN_TABLE: t.of.table = m->tables[index]; break;
    case WASM_EXTERN_MEMORY: t.of.memory = m->memories[index]; break;
    case WASM_EXTERN_GLOBAL: t.of.global = m->globals[index].type; break;
    }
    return t;
}

uint32_t wasm_module_import_count(const wasm_module *module)
{
    return module->import_count;
}

void wasm_module_import(const wasm_module *module, uint32_t index, wasm_import_info *out)
{
    const wasm_import_desc *imp = &module->imports[index];
    out->module = imp->module;
    out->name = imp->name;
    out->type = extern_type(module, imp->kind, imp->index);
}

uint32_t wasm_module_export_count(const wasm_module *module)
{
    return module->export_count;
}

void wasm_module_export(const wasm_module *module, uint32_t index, wasm_export_info *out)
{
    const wasm_export_desc *exp = &module->exports[index];
    out->name = exp->name;
    out->type = extern_type(module, exp->kind, exp->index);
}

bool wasm_module_custom_section(const wasm_module *module, wasm_name name, const uint8_t **data,
                                size_t *length)
{
    for (uint32_t i = 0; i < module->custom_count; i++) {
        if (wasm_name_equal(module->customs[i].name, name)) {
            *data = module->customs[i].data;
            *length = module->customs[i].length;
            return true;
        }
    }
    return false;
}
