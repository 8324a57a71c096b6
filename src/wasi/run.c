/* run.c - run a WASI command module: instantiate with WASI, call `_start`, and read proc_exit's
 * trap as the exit code it carries. */
#include "wasi/host.h"

/* A trap that is really proc_exit is a normal end, not an error. */
static int finish(const wasm_trap *trap, int *exit_code, wc_error *err)
{
    if (trap->kind == WASM_TRAP_EXIT) {
        *exit_code = trap->exit_code;
        return 0;
    }
    return wc_error_set(err, WC_ETRAP, "trap: %s in function '%s'", trap->message,
                        trap->function);
}

int wasi_run(wasm_store *store, const wasm_module *module, wasi_ctx *ctx, int *exit_code,
             wasm_trap *trap, wc_error *err)
{
    *trap = (wasm_trap){ .kind = WASM_TRAP_NONE };
    wasm_linker *linker = wasm_linker_new(store);
    if (linker == NULL)
        return wc_error_set(err, WC_ERESOURCE, "wasi: out of memory");
    wasm_instance *instance = NULL;
    int rc = wasi_define(store, linker, ctx, err);
    if (rc == 0)
        rc = wasm_linker_instantiate(linker, module, &instance, trap, err);
    wasm_linker_free(linker);
    if (rc < 0)
        return err->code == WC_ETRAP ? finish(trap, exit_code, err) : -1;

    wasm_extern start;
    if (!wasm_instance_export(instance, WASM_NAME("_start"), &start)
        || start.kind != WASM_EXTERN_FUNC)
        return wc_error_set(err, WC_EINVALIDMODULE, "module has no `_start` function export");
    const wasm_functype *type = wasm_func_type(start.of.func);
    if (type->param_count != 0 || type->result_count != 0)
        return wc_error_set(err, WC_EINVALIDMODULE, "`_start` must take and return nothing");
    if (wasm_func_call(store, start.of.func, NULL, NULL, trap) < 0)
        return finish(trap, exit_code, err);
    *exit_code = 0;
    return 0;
}
