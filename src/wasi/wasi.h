/* wasi.h - WASI preview1 ("wasi_snapshot_preview1") for the wasmcri engine.
 *
 *   wasi_config   what the embedder grants: args, environment, preopened directories (optionally
 *                 read-only), preopened listening sockets, and the host fds behind the guest's
 *                 stdin/stdout/stderr (the runtime hands CRI log pipes here)
 *   wasi_ctx      one instance's WASI state: the guest fd table; owns every host fd in it
 *   wasi_define   defines every wasi_snapshot_preview1 function in a linker
 *   wasi_run      instantiate + `_start`, with proc_exit turned into an exit code
 *
 * Guarantees: every guest pointer and length is bounds-checked (EFAULT, never a host crash);
 * unknown fds give EBADF; every path_* call resolves beneath its directory with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), so `..`, absolute paths and symlinks leading
 * out of a preopen give ENOTCAPABLE; read-only preopens refuse changes with EROFS.
 *
 * The embedder should ignore SIGPIPE (a write to a closed pipe then returns EPIPE to the guest).
 * A ctx is used by one thread at a time; it calls only async-signal-safe code from
 * wasi_ctx_interrupt. */
#ifndef WASMCRI_WASI_WASI_H
#define WASMCRI_WASI_WASI_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"
#include "wasm/wasm.h"

typedef struct wasi_preopen {
    const char *host_path;   /* a directory on the host */
    const char *guest_path;  /* the name the guest sees (fd_prestat_dir_name), e.g. "/" or "." */
    bool read_only;
} wasi_preopen;

typedef struct wasi_config {
    const char *const *args;       /* argv; args[0] is the program name the guest sees */
    size_t arg_count;
    const char *const *env;        /* "KEY=VALUE" strings */
    size_t env_count;
    const wasi_preopen *preopens;  /* become guest fds 3, 4, ... in this order */
    size_t preopen_count;
    const int *sockets;            /* listening sockets, guest fds after the preopens (dup'ed) */
    size_t socket_count;
    /* Host fds for guest fds 0, 1, 2. They are duplicated, so the caller keeps its own;
     * -1 means /dev/null. A zeroed config therefore gives stdin = fd 0 and stdout = stderr =
     * fd 0, so set all three. */
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
} wasi_config;

typedef struct wasi_ctx wasi_ctx;

/* Opens the preopens, duplicates stdio and sockets. Errors name the failing path. */
int wasi_ctx_new(const wasi_config *config, wasi_ctx **out, wc_error *err);
/* Closes every host fd of the fd table. NULL is allowed. */
void wasi_ctx_free(wasi_ctx *ctx);
/* Async-signal-safe: a WASI call blocked in the host (poll_oneoff, fd_read, sock_accept...)
 * returns with WASM_TRAP_INTERRUPTED when the signal that called this interrupts it. Pair it
 * with wasm_store_interrupt() in the same signal handler; install the handler without
 * SA_RESTART, and repeat the signal (an interval timer) until the run returns: a signal that
 * lands just before a blocking call starts cannot interrupt it. The flag stays set. */
void wasi_ctx_interrupt(wasi_ctx *ctx);

/* Defines every function of module "wasi_snapshot_preview1" in linker (a linker of store), bound
 * to ctx. The ctx must outlive every instance that imports them. */
int wasi_define(wasm_store *store, wasm_linker *linker, wasi_ctx *ctx, wc_error *err);

/* Instantiates module in store with WASI (wasi_define on a new linker) and calls its `_start`
 * export (no params, no results). Returns 0 with *exit_code set: 0 when _start returned,
 * the proc_exit value otherwise. Returns -1 with err filled when it cannot start
 * (WC_EUNLINKABLE, WC_ERESOURCE, WC_EINVALIDMODULE when there is no `_start`), or with
 * err->code == WC_ETRAP and trap filled when it trapped (also during instantiation). */
int wasi_run(wasm_store *store, const wasm_module *module, wasi_ctx *ctx, int *exit_code,
             wasm_trap *trap, wc_error *err);

#endif
