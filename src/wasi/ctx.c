/* ctx.c - a WASI context: args, environment and the guest fd table built from a wasi_config. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "wasi/host.h"

/* Guest fds are small integers indexing this table; a module opening more gets EMFILE. */
#define WASI_MAX_FDS 4096u

static char **copy_strings(const char *const *strings, size_t count)
{
    char **copy = calloc(count + 1, sizeof *copy);
    if (copy == NULL)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        copy[i] = strdup(strings[i]);
        if (copy[i] == NULL) {
            for (size_t j = 0; j < i; j++)
                free(copy[j]);
            free(copy);
            return NULL;
        }
    }
    return copy;
}

static void free_strings(char **strings, size_t count)
{
    if (strings == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        free(strings[i]);
    free(strings);
}

static uint8_t filetype_of_fd(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return WASI_FILETYPE_UNKNOWN;
    return wasi_filetype_from_mode(st.st_mode, fd);
}

/* Stdio fds: duplicated (the embedder keeps its own), -1 becomes /dev/null. */
static int add_stdio(wasi_ctx *ctx, int host_fd, uint32_t guest_fd, wc_error *err)
{
    int fd = host_fd >= 0 ? fcntl(host_fd, F_DUPFD_CLOEXEC, 3)
                          : open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return wc_error_set_errno(err, errno, "wasi: stdio fd %u (host fd %d)", guest_fd, host_fd);
    /* wasi-libc's isatty() wants a character device without seek/tell rights: a terminal
     * then gets line-buffered output, as at home. */
    uint64_t rights = WASI_RIGHTS_ALL;
    if (isatty(fd))
        rights &= ~(WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL);
    ctx->fds[guest_fd] = (wasi_fd_entry){
        .host_fd = fd,
        .filetype = filetype_of_fd(fd),
        .rights_base = rights,
        .rights_inheriting = WASI_RIGHTS_ALL,
    };
    return 0;
}

static int add_preopen(wasi_ctx *ctx, const wasi_preopen *preopen, wc_error *err)
{
    cleanup_close int fd = open(preopen->host_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return wc_error_set_errno(err, errno, "wasi: preopen %s", preopen->host_path);
    cleanup_free char *name = strdup(preopen->guest_path ? preopen->guest_path
                                                         : preopen->host_path);
    if (name == NULL)
        return wc_error_set(err, WC_ERESOURCE, "wasi: out of memory");
    /* Read-only: no writing rights of its own; the inheriting ones stay whole so that a
     * request to write reaches path_open, which refuses it with EROFS. */
    uint64_t rights = preopen->read_only ? WASI_RIGHTS_ALL & ~WASI_RIGHTS_WRITING
                                         : WASI_RIGHTS_ALL;
    wasi_fd_entry entry = {
        .host_fd = steal_fd(&fd),
        .filetype = WASI_FILETYPE_DIRECTORY,
        .read_only = preopen->read_only,
        .rights_base = rights,
        .rights_inheriting = WASI_RIGHTS_ALL,
        .preopen_name = steal_pointer(&name),
    };
    uint32_t guest_fd;
    if (wasi_fd_insert(ctx, &entry, &guest_fd) != WASI_ESUCCESS)
        return wc_error_set(err, WC_ERESOURCE, "wasi: too many preopens");
    return 0;
}

static int add_socket(wasi_ctx *ctx, int host_fd, wc_error *err)
{
    int fd = fcntl(host_fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0)
        return wc_error_set_errno(err, errno, "wasi: socket fd %d", host_fd);
    wasi_fd_entry entry = {
        .host_fd = fd,
        .filetype = filetype_of_fd(fd),
        .rights_base = WASI_RIGHTS_ALL,
        .rights_inheriting = WASI_RIGHTS_ALL,
    };
    uint32_t guest_fd;
    if (wasi_fd_insert(ctx, &entry, &guest_fd) != WASI_ESUCCESS)
        return wc_error_set(err, WC_ERESOURCE, "wasi: too many sockets");
    return 0;
}

int wasi_ctx_new(const wasi_config *config, wasi_ctx **out, wc_error *err)
{
    wasi_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL)
        return wc_error_set(err, WC_ERESOURCE, "wasi: out of memory");
    ctx->args = copy_strings(config->args, config->arg_count);
    ctx->arg_count = config->arg_count;
    ctx->env = copy_strings(config->env, config->env_count);
    ctx->env_count = config->env_count;
    ctx->fd_capacity = 16;
    ctx->fds = malloc(ctx->fd_capacity * sizeof *ctx->fds);
    if (ctx->args == NULL || ctx->env == NULL || ctx->fds == NULL) {
        wasi_ctx_free(ctx);
        return wc_error_set(err, WC_ERESOURCE, "wasi: out of memory");
    }
    for (uint32_t i = 0; i < ctx->fd_capacity; i++)
        ctx->fds[i] = (wasi_fd_entry){ .host_fd = -1 };

    int stdio[3] = { config->stdin_fd, config->stdout_fd, config->stderr_fd };
    for (uint32_t i = 0; i < 3; i++) {
        if (add_stdio(ctx, stdio[i], i, err) < 0) {
            wasi_ctx_free(ctx);
            return -1;
        }
    }
    for (size_t i = 0; i < config->preopen_count; i++) {
        if (add_preopen(ctx, &config->preopens[i], err) < 0) {
            wasi_ctx_free(ctx);
            return -1;
        }
    }
    for (size_t i = 0; i < config->socket_count; i++) {
        if (add_socket(ctx, config->sockets[i], err) < 0) {
            wasi_ctx_free(ctx);
            return -1;
        }
    }
    *out = ctx;
    return 0;
}

void wasi_ctx_free(wasi_ctx *ctx)
{
    if (ctx == NULL)
        return;
    for (uint32_t i = 0; ctx->fds != NULL && i < ctx->fd_capacity; i++)
        wasi_fd_release(&ctx->fds[i]);
    free(ctx->fds);
    free_strings(ctx->args, ctx->arg_count);
    free_strings(ctx->env, ctx->env_count);
    free(ctx->bindings);
    free(ctx);
}

void wasi_ctx_interrupt(wasi_ctx *ctx)
{
    ctx->interrupted = 1;
}

wasi_fd_entry *wasi_fd_get(wasi_ctx *ctx, uint32_t fd)
{
    if (fd >= ctx->fd_capacity || ctx->fds[fd].host_fd < 0)
        return NULL;
    return &ctx->fds[fd];
}

uint32_t wasi_fd_insert(wasi_ctx *ctx, const wasi_fd_entry *entry, uint32_t *guest_fd)
{
    uint32_t fd = 0;
    while (fd < ctx->fd_capacity && ctx->fds[fd].host_fd >= 0)
        fd++;
    if (fd == ctx->fd_capacity) {
        uint32_t capacity = ctx->fd_capacity * 2;
        wasi_fd_entry *grown = capacity <= WASI_MAX_FDS
                                   ? realloc(ctx->fds, capacity * sizeof *grown) : NULL;
        if (grown == NULL) {
            wasi_fd_entry doomed = *entry;
            wasi_fd_release(&doomed);
            return capacity <= WASI_MAX_FDS ? WASI_ENOMEM : WASI_EMFILE;
        }
        for (uint32_t i = ctx->fd_capacity; i < capacity; i++)
            grown[i] = (wasi_fd_entry){ .host_fd = -1 };
        ctx->fds = grown;
        ctx->fd_capacity = capacity;
    }
    ctx->fds[fd] = *entry;
    *guest_fd = fd;
    return WASI_ESUCCESS;
}

void wasi_fd_release(wasi_fd_entry *entry)
{
    if (entry->host_fd >= 0)
        close(entry->host_fd);
    free(entry->preopen_name);
    *entry = (wasi_fd_entry){ .host_fd = -1 };
}
