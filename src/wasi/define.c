/* define.c - the wasi_snapshot_preview1 import table: each function's wasm signature and its
 * handler, and the one engine callback that runs them all. */
#include <stdlib.h>

#include "wasi/host.h"

typedef struct wasi_function {
    const char *name;
    const char *params;   /* one letter per param: i = i32, I = i64 */
    bool returns_errno;   /* every function but proc_exit returns an errno (i32) */
    wasi_handler handler;
} wasi_function;

/* Signatures from wasi_snapshot_preview1.witx, lowered to the wasm32 C ABI. */
static const wasi_function wasi_functions[] = {
    { "args_get", "ii", true, wasi_args_get },
    { "args_sizes_get", "ii", true, wasi_args_sizes_get },
    { "environ_get", "ii", true, wasi_environ_get },
    { "environ_sizes_get", "ii", true, wasi_environ_sizes_get },
    { "clock_res_get", "ii", true, wasi_clock_res_get },
    { "clock_time_get", "iIi", true, wasi_clock_time_get },
    { "fd_advise", "iIIi", true, wasi_fd_advise },
    { "fd_allocate", "iII", true, wasi_fd_allocate },
    { "fd_close", "i", true, wasi_fd_close },
    { "fd_datasync", "i", true, wasi_fd_datasync },
    { "fd_fdstat_get", "ii", true, wasi_fd_fdstat_get },
    { "fd_fdstat_set_flags", "ii", true, wasi_fd_fdstat_set_flags },
    { "fd_fdstat_set_rights", "iII", true, wasi_fd_fdstat_set_rights },
    { "fd_filestat_get", "ii", true, wasi_fd_filestat_get },
    { "fd_filestat_set_size", "iI", true, wasi_fd_filestat_set_size },
    { "fd_filestat_set_times", "iIIi", true, wasi_fd_filestat_set_times },
    { "fd_pread", "iiiIi", true, wasi_fd_pread },
    { "fd_prestat_get", "ii", true, wasi_fd_prestat_get },
    { "fd_prestat_dir_name", "iii", true, wasi_fd_prestat_dir_name },
    { "fd_pwrite", "iiiIi", true, wasi_fd_pwrite },
    { "fd_read", "iiii", true, wasi_fd_read },
    { "fd_readdir", "iiiIi", true, wasi_fd_readdir },
    { "fd_renumber", "ii", true, wasi_fd_renumber },
    { "fd_seek", "iIii", true, wasi_fd_seek },
    { "fd_sync", "i", true, wasi_fd_sync },
    { "fd_tell", "ii", true, wasi_fd_tell },
    { "fd_write", "iiii", true, wasi_fd_write },
    { "path_create_directory", "iii", true, wasi_path_create_directory },
    { "path_filestat_get", "iiiii", true, wasi_path_filestat_get },
    { "path_filestat_set_times", "iiiiIIi", true, wasi_path_filestat_set_times },
    { "path_link", "iiiiiii", true, wasi_path_link },
    { "path_open", "iiiiiIIii", true, wasi_path_open },
    { "path_readlink", "iiiiii", true, wasi_path_readlink },
    { "path_remove_directory", "iii", true, wasi_path_remove_directory },
    { "path_rename", "iiiiii", true, wasi_path_rename },
    { "path_symlink", "iiiii", true, wasi_path_symlink },
    { "path_unlink_file", "iii", true, wasi_path_unlink_file },
    { "poll_oneoff", "iiii", true, wasi_poll_oneoff },
    { "proc_exit", "i", false, wasi_proc_exit },
    { "proc_raise", "i", true, wasi_proc_raise },
    { "sched_yield", "", true, wasi_sched_yield },
    { "random_get", "ii", true, wasi_random_get },
    { "sock_accept", "iii", true, wasi_sock_accept },
    { "sock_recv", "iiiiii", true, wasi_sock_recv },
    { "sock_send", "iiiii", true, wasi_sock_send },
    { "sock_shutdown", "ii", true, wasi_sock_shutdown },
};
#define WASI_FUNCTION_COUNT (sizeof wasi_functions / sizeof wasi_functions[0])

/* The env of each engine host function: which handler, on which ctx. */
struct wasi_binding {
    wasi_ctx *ctx;
    const wasi_function *function;
};

static int wasi_dispatch(wasm_caller *caller, void *env, const wasm_value *args,
                         wasm_value *results, wasm_trap *trap)
{
    const struct wasi_binding *binding = env;
    wasm_memory *memory = wasm_caller_memory(caller);
    wasi_call call = {
        .ctx = binding->ctx,
        .mem = memory ? wasm_memory_data(memory) : NULL,
        .mem_size = memory ? wasm_memory_size(memory) : 0,
        .trap = trap,
    };
    uint32_t errno_value = binding->function->handler(&call, args);
    if (errno_value == WASI_TRAPPED)
        return -1;
    if (binding->function->returns_errno)
        results[0].i32 = errno_value;
    return 0;
}

int wasi_define(wasm_store *store, wasm_linker *linker, wasi_ctx *ctx, wc_error *err)
{
    if (ctx->bindings == NULL) {
        ctx->bindings = calloc(WASI_FUNCTION_COUNT, sizeof *ctx->bindings);
        if (ctx->bindings == NULL)
            return wc_error_set(err, WC_ERESOURCE, "wasi: out of memory");
        for (size_t i = 0; i < WASI_FUNCTION_COUNT; i++)
            ctx->bindings[i] = (struct wasi_binding){ ctx, &wasi_functions[i] };
    }
    static const wasm_valtype errno_result[1] = { WASM_I32 };
    for (size_t i = 0; i < WASI_FUNCTION_COUNT; i++) {
        const wasi_function *function = &wasi_functions[i];
        wasm_valtype params[16];
        uint32_t param_count = 0;
        for (const char *p = function->params; *p; p++)
            params[param_count++] = *p == 'I' ? WASM_I64 : WASM_I32;
        wasm_functype type = {
            .param_count = param_count,
            .result_count = function->returns_errno ? 1 : 0,
            .params = params,
            .results = errno_result,
        };
        wasm_func *func = wasm_func_new_host(store, &type, wasi_dispatch,
                                             &ctx->bindings[i]);
        if (func == NULL)
            return wc_error_set(err, WC_ERESOURCE, "wasi: out of memory defining %s",
                                function->name);
        wasm_extern ext = { .kind = WASM_EXTERN_FUNC, .of.func = func };
        if (wasm_linker_define(linker, WASM_NAME("wasi_snapshot_preview1"),
                               wasm_name_from_cstr(function->name), ext, err) < 0)
            return wc_error_prefix(err, "wasi: define %s", function->name);
    }
    return 0;
}
