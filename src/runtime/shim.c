/* shim.c - one wasm instance in its own process; see shim.h. */
#include "runtime/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime/exit_status.h"
#include "runtime/instance_spec.h"
#include "runtime/log_writer.h"
#include "runtime/module_slim.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "wasi/wasi.h"
#include "wasm/wasm.h"

/* What the signal handlers reach: a process holds one instance, so these are per process. */
static wasm_store *volatile signal_store;
static wasi_ctx *volatile signal_ctx;
static volatile sig_atomic_t stop_signal;
static int wake_pipe[2] = { -1, -1 };
static atomic_bool reopen_requested;
/* The last memory cap the daemon sent (pages; 0: none yet): kept for a store not made yet. */
static atomic_uint memory_cap_pages;

static const int stop_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR2 };

static void on_stop_signal(int sig)
{
    if (stop_signal == 0)
        stop_signal = sig;
    wasm_store *store = signal_store;
    wasi_ctx *ctx = signal_ctx;
    if (store)
        wasm_store_interrupt(store);
    if (ctx)
        wasi_ctx_interrupt(ctx);
    int saved = errno;
    (void)!write(wake_pipe[1], "s", 1);
    errno = saved;
}

static void on_reopen_signal(int sig)
{
    (void)sig;
    atomic_store(&reopen_requested, true);
    int saved = errno;
    (void)!write(wake_pipe[1], "r", 1);
    errno = saved;
}

static void on_memory_signal(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)context;
    if (info->si_code != SI_QUEUE || info->si_value.sival_int <= 0)
        return; /* not the daemon's update: it always carries a cap */
    atomic_store(&memory_cap_pages, (unsigned)info->si_value.sival_int);
    wasm_store *store = signal_store;
    if (store)
        wasm_store_set_max_memory_pages(store, (uint32_t)info->si_value.sival_int);
}

static void install_signals(void)
{
    struct sigaction action = { 0 };
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; /* no SA_RESTART: blocked WASI calls must return */
    action.sa_handler = on_stop_signal;
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        sigaction(stop_signals[i], &action, NULL);
    action.sa_handler = on_reopen_signal;
    sigaction(SIGUSR1, &action, NULL);
    action.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &action, NULL);
    action.sa_handler = NULL;
    action.sa_sigaction = on_memory_signal;
    action.sa_flags = SA_SIGINFO;
    sigaction(RT_SHIM_MEMORY_SIGNAL, &action, NULL);
    /* The daemon spawns us with these blocked: handled from here on. */
    sigset_t handled;
    sigemptyset(&handled);
    sigaddset(&handled, SIGUSR1);
    sigaddset(&handled, RT_SHIM_MEMORY_SIGNAL);
    sigprocmask(SIG_UNBLOCK, &handled, NULL);
}

/* ---- the log thread ----------------------------------------------------------------- */

typedef struct log_thread {
    rt_log_writer *writer;
    int fds[2];                 /* read ends of the stdout and stderr pipes */
    const char *exit_path;
    int64_t stop_deadline_ns;   /* after a stop signal: give up waiting for the module */
} log_thread;

static int64_t monotonic_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static int drop_read_only_segments(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    uintptr_t page = *(const uintptr_t *)data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
        /* Only segments never written: code and read-only data (RELRO lives in a writable
         * PT_LOAD, so it is never touched here). */
        if (segment->p_type != PT_LOAD || (segment->p_flags & PF_W))
            continue;
        uintptr_t start = (info->dlpi_addr + segment->p_vaddr + page - 1) & ~(page - 1);
        uintptr_t end = (info->dlpi_addr + segment->p_vaddr + segment->p_memsz) & ~(page - 1);
        if (end > start)
            madvise((void *)start, end - start, MADV_DONTNEED);
    }
    return 0;
}

/* Once the instance runs, most of the program's code and constants mapped so far (loading,
 * compiling, libc start-up) are done with: drop this process's mappings of them, so only the
 * pages the running instance touches stay resident (about 0.6 MB less per instance). Those
 * pages are never written: they stay in the page cache and fault back in on use. */
static void drop_startup_code(void)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    dl_iterate_phdr(drop_read_only_segments, &page);
}

static void *log_thread_main(void *data)
{
    log_thread *lt = data;
    int64_t drop_at = monotonic_ns() + 500000000;
    char buffer[65536];
    wc_error err = { 0 };
    for (;;) {
        struct pollfd fds[3] = {
            { lt->fds[0], POLLIN, 0 },
            { lt->fds[1], POLLIN, 0 },
            { wake_pipe[0], POLLIN, 0 },
        };
        if (fds[0].fd < 0 && fds[1].fd < 0)
            break;
        int n = poll(fds, 3, stop_signal || drop_at ? 100 : -1);
        if (drop_at && monotonic_ns() > drop_at) {
            drop_startup_code();
            drop_at = 0;
        }
        if (n < 0 && errno != EINTR)
            break;
        if (fds[2].revents & POLLIN)
            (void)!read(wake_pipe[0], buffer, sizeof buffer);
        if (atomic_exchange(&reopen_requested, false))
            rt_log_writer_reopen(lt->writer, &err);
        if (stop_signal && lt->stop_deadline_ns == 0)
            lt->stop_deadline_ns = monotonic_ns() + 2000000000;
        if (lt->stop_deadline_ns && monotonic_ns() > lt->stop_deadline_ns) {
            /* The module did not return to the engine in time (a host call that cannot be
             * interrupted): record the stop and end the process from here. */
            rt_log_writer_flush(lt->writer, RT_LOG_STDOUT, &err);
            rt_log_writer_flush(lt->writer, RT_LOG_STDERR, &err);
            rt_exit_status status = { .exit_code = 128 + stop_signal };
            snprintf(status.message, sizeof status.message, "stopped by signal %d",
                     (int)stop_signal);
            rt_exit_status_write(lt->exit_path, &status, &err);
            _exit(status.exit_code);
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = read(fds[i].fd, buffer, sizeof buffer);
            if (got < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (got <= 0) {
                rt_log_writer_flush(lt->writer, (rt_log_stream)i, &err);
                close(lt->fds[i]);
                lt->fds[i] = -1;
                continue;
            }
            rt_log_writer_feed(lt->writer, (rt_log_stream)i, buffer, (size_t)got, &err);
        }
    }
    return NULL;
}

/* ---- running the instance ----------------------------------------------------------- */

/* Runs the module; fills status. Output goes to stdout_fd / stderr_fd. */
static void run_instance(const rt_instance_spec *spec, int stdout_fd, int stderr_fd,
                         rt_exit_status *status)
{
    wc_error err = { 0 };
    cleanup_free uint8_t *bytes = NULL;
    size_t length = 0;
    wasm_module *module = NULL;
    wasm_store *store = NULL;
    wasi_ctx *ctx = NULL;
    wasi_preopen *preopens = calloc(spec->preopen_count + 1, sizeof *preopens);
    if (preopens == NULL) {
        wc_error_set(&err, WC_ERESOURCE, "out of memory");
        goto failed;
    }
    for (size_t i = 0; i < spec->preopen_count; i++)
        preopens[i] = (wasi_preopen){ spec->preopens[i].host_path, spec->preopens[i].guest_path,
                                      spec->preopens[i].read_only };
    if (rt_module_load_slim(spec->module_path, &bytes, &length, &err) < 0
        || wasm_module_new(bytes, length, &module, &err) < 0)
        goto failed;
    free(steal_pointer(&bytes)); /* the engine keeps its own copy */
    wasm_config config = { .max_memory_pages = spec->max_memory_pages };
    store = wasm_store_new(&config);
    if (store == NULL) {
        wc_error_set(&err, WC_ERESOURCE, "out of memory");
        goto failed;
    }
    wasi_config wasi = {
        .args = (const char *const *)spec->argv,
        .arg_count = spec->argc,
        .env = (const char *const *)spec->env,
        .env_count = spec->env_count,
        .preopens = preopens,
        .preopen_count = spec->preopen_count,
        .stdin_fd = -1,
        .stdout_fd = stdout_fd,
        .stderr_fd = stderr_fd,
    };
    if (wasi_ctx_new(&wasi, &ctx, &err) < 0)
        goto failed;
    signal_ctx = ctx;
    signal_store = store;
    if (stop_signal) /* a stop that came before the store existed */
        wasm_store_interrupt(store);
    /* A cap update that came before the store existed; again if one lands meanwhile (its
     * handler set the store already, but this thread may have overwritten it). */
    for (unsigned pages; (pages = atomic_load(&memory_cap_pages)) != 0;) {
        wasm_store_set_max_memory_pages(store, pages);
        if (atomic_load(&memory_cap_pages) == pages)
            break;
    }
    int exit_code = 0;
    wasm_trap trap = { 0 };
    if (wasi_run(store, module, ctx, &exit_code, &trap, &err) == 0) {
        status->exit_code = exit_code;
    } else if (err.code == WC_ETRAP && stop_signal && trap.kind == WASM_TRAP_INTERRUPTED) {
        status->exit_code = 128 + stop_signal;
        snprintf(status->message, sizeof status->message, "stopped by signal %d",
                 (int)stop_signal);
    } else if (wasm_store_memory_limit_hit(store)) {
        uint32_t cap = wasm_store_max_memory_pages(store); /* the one now: it may have changed */
        status->exit_code = 128 + SIGKILL;
        snprintf(status->reason, sizeof status->reason, "OOMKilled");
        snprintf(status->message, sizeof status->message,
                 "memory limit of %u pages (%u KiB) reached: %.400s", cap, cap * 64,
                 err.code == WC_ETRAP ? trap.message : err.message);
    } else if (err.code == WC_ETRAP) {
        status->exit_code = 128 + SIGABRT; /* as wasmtime reports a trap */
        if (trap.function[0])
            snprintf(status->message, sizeof status->message, "wasm trap: %s (in %s)",
                     trap.message, trap.function);
        else
            snprintf(status->message, sizeof status->message, "wasm trap: %s", trap.message);
    } else {
        goto failed;
    }
    goto done;
failed:
    status->exit_code = 1;
    snprintf(status->message, sizeof status->message, "%.500s", err.message);
done:
    if (status->message[0] && status->exit_code != 0) {
        /* The reason is in the log too, where a user looks first. */
        char line[600];
        int n = snprintf(line, sizeof line, "wasmcri-shim: %s\n", status->message);
        if (n > 0)
            (void)!write(stderr_fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    }
    signal_store = NULL;
    signal_ctx = NULL;
    wasi_ctx_free(ctx);
    if (store)
        wasm_store_free(store);
    if (module)
        wasm_module_free(module);
    free(preopens);
}

/* Runs the instance of spec; the exit record goes to DIR/exit. Consumes spec. */
static int run_spec(const char *dir, rt_instance_spec *spec)
{
    char exit_path[4096];
    snprintf(exit_path, sizeof exit_path, "%s/exit", dir);
    rt_exit_status status = { 0 };
    wc_error err = { 0 };
    rt_log_writer *writer = NULL;
    int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
    if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0 || pipe2(out_pipe, O_CLOEXEC) < 0
        || pipe2(err_pipe, O_CLOEXEC) < 0) {
        wc_error_set_errno(&err, errno, "pipe");
    } else {
        rt_log_writer_open(spec->log_path, &writer, &err);
    }
    if (writer == NULL) {
        status.exit_code = 1;
        snprintf(status.message, sizeof status.message, "%.500s", err.message);
        rt_exit_status_write(exit_path, &status, &err);
        rt_instance_spec_clear(spec);
        return status.exit_code;
    }
    /* The log thread takes no signals: they interrupt the module's thread, whose blocked
     * WASI call must return. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    log_thread lt = { writer, { out_pipe[0], err_pipe[0] }, exit_path, 0 };
    pthread_t thread;
    int thread_rc = pthread_create(&thread, NULL, log_thread_main, &lt);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (thread_rc != 0) {
        status.exit_code = 1;
        snprintf(status.message, sizeof status.message, "log thread: %s", strerror(thread_rc));
    } else {
        run_instance(spec, out_pipe[1], err_pipe[1], &status);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (thread_rc == 0)
        pthread_join(thread, NULL);
    rt_exit_status_write(exit_path, &status, &err);
    rt_log_writer_free(writer);
    rt_instance_spec_clear(spec);
    return status.exit_code;
}

static int fail_early(const char *dir, const wc_error *err)
{
    char exit_path[4096];
    snprintf(exit_path, sizeof exit_path, "%s/exit", dir);
    rt_exit_status status = { .exit_code = 1 };
    snprintf(status.message, sizeof status.message, "%.500s", err->message);
    wc_error write_err = { 0 };
    rt_exit_status_write(exit_path, &status, &write_err);
    return status.exit_code;
}

int rt_shim_run(const char *dir)
{
    install_signals();
    char spec_path[4096];
    snprintf(spec_path, sizeof spec_path, "%s/spec", dir);
    wc_error err = { 0 };
    rt_instance_spec spec;
    if (rt_instance_spec_read(spec_path, &spec, &err) < 0)
        return fail_early(dir, &err);
    return run_spec(dir, &spec);
}

int rt_shim_run_stdin(void)
{
    /* Spawned ahead of need: wait for "DIR\n" + the spec, until the daemon closes the socket,
     * holding no more code pages than it must meanwhile. */
    drop_startup_code();
    /* From the start: a ReopenContainerLog (SIGUSR1) or a stop that arrives before the
     * instance runs must neither kill the shim unrecorded nor be lost. */
    install_signals();
    size_t capacity = 4096, used = 0;
    char *text = malloc(capacity);
    for (;;) {
        if (text == NULL)
            return 1;
        if (used + 1 == capacity) {
            char *bigger = realloc(text, capacity * 2);
            if (bigger == NULL) {
                free(text);
                return 1;
            }
            text = bigger;
            capacity *= 2;
        }
        ssize_t n = read(0, text + used, capacity - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        used += (size_t)n;
    }
    text[used] = 0;
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd >= 0) {
        dup2(null_fd, 0);
        close(null_fd);
    }
    char *newline = strchr(text, '\n');
    if (used == 0 || newline == NULL) {
        /* Not needed after all (the daemon stopped): nothing to run, nothing to record. */
        free(text);
        return 0;
    }
    *newline = 0;
    const char *dir = text;
    wc_error err = { 0 };
    rt_instance_spec spec;
    int rc;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        rc = 1;
    else if (rt_instance_spec_parse(newline + 1, &spec, &err) < 0)
        rc = fail_early(dir, &err);
    else
        rc = run_spec(dir, &spec);
    free(text);
    return rc;
}
