/* host.h - what the files of src/wasi share (not an interface for the rest of the tree):
 * the fd table, the view of guest memory during one call, and the handler shape.
 *
 * Each WASI function is a handler `uint32_t f(wasi_call *call, const wasm_value *args)` that
 * returns a WASI errno; define.c wraps them into engine host functions. A handler that must trap
 * (proc_exit, an interrupted wait) fills call->trap and returns WASI_TRAPPED. */
#ifndef WASMCRI_WASI_HOST_H
#define WASMCRI_WASI_HOST_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include "wasi/abi.h"
#include "wasi/wasi.h"

#define WASI_TRAPPED UINT32_MAX

typedef struct wasi_fd_entry {
    int host_fd;               /* -1: the slot is free */
    uint8_t filetype;
    bool read_only;            /* beneath a read-only preopen: no changes through this fd */
    uint64_t rights_base;
    uint64_t rights_inheriting;
    char *preopen_name;        /* set for preopened directories only */
    /* fd_readdir resumes here when asked for cookie readdir_cookie (see readdir.c). */
    uint64_t readdir_cookie;
    int64_t readdir_position;
} wasi_fd_entry;

struct wasi_ctx {
    char **args;
    size_t arg_count;
    char **env;
    size_t env_count;
    wasi_fd_entry *fds;
    uint32_t fd_capacity;
    volatile sig_atomic_t interrupted;
    struct wasi_binding *bindings;  /* one per defined function (define.c) */
};

typedef struct wasi_call {
    wasi_ctx *ctx;
    uint8_t *mem;       /* guest memory 0 (NULL when the instance has none) */
    uint64_t mem_size;
    wasm_trap *trap;
} wasi_call;

typedef uint32_t (*wasi_handler)(wasi_call *call, const wasm_value *args);

/* ---- guest memory: every access goes through these ---- */

/* A pointer to [ptr, ptr+len) in guest memory, or NULL when any byte is out of bounds. */
static inline uint8_t *wasi_guest(const wasi_call *call, uint32_t ptr, uint64_t len)
{
    if (call->mem == NULL || (uint64_t)ptr + len > call->mem_size)
        return NULL;
    return call->mem + ptr;
}

static inline bool wasi_store_u8(const wasi_call *c, uint32_t ptr, uint8_t v)
{
    uint8_t *p = wasi_guest(c, ptr, 1);
    if (p) *p = v;
    return p != NULL;
}
static inline bool wasi_store_u16(const wasi_call *c, uint32_t ptr, uint16_t v)
{
    uint8_t *p = wasi_guest(c, ptr, 2);
    if (p) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
    return p != NULL;
}
static inline bool wasi_store_u32(const wasi_call *c, uint32_t ptr, uint32_t v)
{
    uint8_t *p = wasi_guest(c, ptr, 4);
    if (p) for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
    return p != NULL;
}
static inline bool wasi_store_u64(const wasi_call *c, uint32_t ptr, uint64_t v)
{
    uint8_t *p = wasi_guest(c, ptr, 8);
    if (p) for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
    return p != NULL;
}
/* Little-endian loads from a range already checked with wasi_guest. */
static inline uint16_t wasi_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t wasi_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t wasi_le64(const uint8_t *p)
{
    return (uint64_t)wasi_le32(p) | ((uint64_t)wasi_le32(p + 4) << 32);
}

/* Builds host iovecs for a guest (c)iovec array; *out is malloc'ed (free it), *count is capped
 * at IOV_MAX (a short transfer is allowed). Returns a WASI errno. */
uint32_t wasi_iovecs(const wasi_call *call, uint32_t iovs, uint32_t iovs_len, struct iovec **out,
                     int *count);
/* Copies a guest path into a new NUL-terminated string. EFAULT, EILSEQ (an embedded NUL). */
uint32_t wasi_guest_path(const wasi_call *call, uint32_t ptr, uint32_t len, char **out);

/* For a wait in the host that a signal cut short after wasi_ctx_interrupt(). */
static inline uint32_t wasi_trap_interrupted(wasi_call *call)
{
    wasm_trap_set(call->trap, WASM_TRAP_INTERRUPTED);
    return WASI_TRAPPED;
}

/* ---- errno ---- */

/* Host errno -> WASI errno. */
uint32_t wasi_errno_from_host(int host_errno);
/* Host filetype from st_mode (a socket's type from the fd when fd >= 0). */
uint8_t wasi_filetype_from_mode(unsigned mode, int fd);

/* ---- fd table (ctx.c) ---- */

/* The entry of a guest fd, or NULL (EBADF). */
wasi_fd_entry *wasi_fd_get(wasi_ctx *ctx, uint32_t fd);
/* Takes ownership of host_fd in the lowest free guest fd. EMFILE when the table is full (the
 * host fd is then closed). */
uint32_t wasi_fd_insert(wasi_ctx *ctx, const wasi_fd_entry *entry, uint32_t *guest_fd);
/* wasi_fd_insert for a call that answers with the new guest fd at fd_ptr (checked before the
 * host fd was made). */
static inline uint32_t wasi_fd_insert_reply(wasi_call *call, const wasi_fd_entry *entry,
                                            uint32_t fd_ptr)
{
    uint32_t guest_fd;
    uint32_t e = wasi_fd_insert(call->ctx, entry, &guest_fd);
    if (e == WASI_ESUCCESS)
        wasi_store_u32(call, fd_ptr, guest_fd);
    return e;
}
/* Closes the host fd and frees the slot. */
void wasi_fd_release(wasi_fd_entry *entry);

/* ---- path resolution beneath a directory fd (resolve.c) ---- */

/* openat2(dirfd, path, flags, mode) with RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS, retried on
 * EINTR/EAGAIN. Returns a WASI errno; escapes give ENOTCAPABLE. */
uint32_t wasi_open_beneath(int dirfd, const char *path, int flags, unsigned mode, int *out);
/* Opens the parent directory of path beneath dirfd (O_PATH) and points *leaf at the last
 * component inside path (trailing slashes kept, so the *at() call keeps their meaning).
 * A last component "." or ".." gives EINVAL (after checking it stays beneath: ENOTCAPABLE). */
uint32_t wasi_open_parent(int dirfd, char *path, int *parent_fd, const char **leaf);

/* ---- handlers, one file per family ---- */

#define WASI_HANDLER(name) uint32_t name(wasi_call *call, const wasm_value *args)
/* args.c */
WASI_HANDLER(wasi_args_get); WASI_HANDLER(wasi_args_sizes_get);
WASI_HANDLER(wasi_environ_get); WASI_HANDLER(wasi_environ_sizes_get);
/* clock.c */
WASI_HANDLER(wasi_clock_res_get); WASI_HANDLER(wasi_clock_time_get);
/* proc.c */
WASI_HANDLER(wasi_proc_exit); WASI_HANDLER(wasi_proc_raise); WASI_HANDLER(wasi_sched_yield);
WASI_HANDLER(wasi_random_get);
/* fd_io.c */
WASI_HANDLER(wasi_fd_read); WASI_HANDLER(wasi_fd_write); WASI_HANDLER(wasi_fd_pread);
WASI_HANDLER(wasi_fd_pwrite); WASI_HANDLER(wasi_fd_seek); WASI_HANDLER(wasi_fd_tell);
WASI_HANDLER(wasi_fd_advise); WASI_HANDLER(wasi_fd_allocate); WASI_HANDLER(wasi_fd_datasync);
WASI_HANDLER(wasi_fd_sync);
/* fd_table.c */
WASI_HANDLER(wasi_fd_close); WASI_HANDLER(wasi_fd_renumber); WASI_HANDLER(wasi_fd_prestat_get);
WASI_HANDLER(wasi_fd_prestat_dir_name); WASI_HANDLER(wasi_fd_fdstat_get);
WASI_HANDLER(wasi_fd_fdstat_set_flags); WASI_HANDLER(wasi_fd_fdstat_set_rights);
/* filestat.c */
WASI_HANDLER(wasi_fd_filestat_get); WASI_HANDLER(wasi_fd_filestat_set_size);
WASI_HANDLER(wasi_fd_filestat_set_times); WASI_HANDLER(wasi_path_filestat_get);
WASI_HANDLER(wasi_path_filestat_set_times);
/* readdir.c */
WASI_HANDLER(wasi_fd_readdir);
/* path.c */
WASI_HANDLER(wasi_path_open); WASI_HANDLER(wasi_path_create_directory);
WASI_HANDLER(wasi_path_remove_directory); WASI_HANDLER(wasi_path_unlink_file);
WASI_HANDLER(wasi_path_rename); WASI_HANDLER(wasi_path_link); WASI_HANDLER(wasi_path_symlink);
WASI_HANDLER(wasi_path_readlink);
/* poll.c */
WASI_HANDLER(wasi_poll_oneoff);
/* sock.c */
WASI_HANDLER(wasi_sock_accept); WASI_HANDLER(wasi_sock_recv); WASI_HANDLER(wasi_sock_send);
WASI_HANDLER(wasi_sock_shutdown);

/* Handler argument access: wasm i32 params are unsigned 32-bit values. */
#define ARG32(i) (args[i].i32)
#define ARG64(i) (args[i].i64)

#endif
