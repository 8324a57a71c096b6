/* wasmcri run - run a WASI command module with the engine alone, like `wasmtime run`.
 *
 * Exit status: the module's WASI exit code (0 when _start returns); 2 for bad usage or a module
 * that cannot start (unreadable, malformed, invalid, unlinkable, no _start, memory limit);
 * 134 after a trap (as an abort would); 124 when --timeout expired. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "wasi/wasi.h"
#include "wasm/wasm.h"

#define EXIT_USAGE 2
#define EXIT_TIMEOUT 124
#define EXIT_TRAP 134
#define MAX_OPTION_ITEMS 256

static const char usage_text[] =
    "usage: wasmcri run [OPTIONS] MODULE.wasm [ARGS...]\n"
    "Runs a WASI (preview1) command module: argv[0] is MODULE's file name.\n"
    "  --dir HOST[::GUEST]     preopen directory HOST as GUEST (default: HOST)\n"
    "  --dir-ro HOST[::GUEST]  the same, read-only\n"
    "  --env K=V               set an environment variable (--env K copies ours)\n"
    "  --tcplisten ADDR:PORT   preopen a listening TCP socket (IPv4)\n"
    "  --max-memory BYTES      cap each linear memory (suffixes K, M, G)\n"
    "  --timeout SECONDS       interrupt the module after SECONDS (fractions allowed)\n"
    "Exit status: the module's exit code (0 when _start returns); 2 usage error or the module\n"
    "cannot start (unreadable, malformed, invalid, unlinkable, no _start); 134 on a trap, after\n"
    "printing `wasmcri: trap: <kind> in function '<name>'`; 124 when --timeout expired.\n";

/* The signal handler's only view of the running instance (this file is a program, not the
 * engine, so a static for the handler is acceptable). */
static wasm_store *volatile running_store;
static wasi_ctx *volatile running_ctx;
static volatile sig_atomic_t timed_out;

static void on_alarm(int signo)
{
    (void)signo;
    timed_out = 1;
    if (running_ctx != NULL)
        wasi_ctx_interrupt(running_ctx);
    if (running_store != NULL)
        wasm_store_interrupt(running_store);
}

typedef struct run_options {
    wasi_preopen preopens[MAX_OPTION_ITEMS];
    size_t preopen_count;
    const char *env[MAX_OPTION_ITEMS];
    size_t env_count;
    char *owned[MAX_OPTION_ITEMS * 2]; /* strings made here, freed at the end */
    size_t owned_count;
    int sockets[MAX_OPTION_ITEMS];
    size_t socket_count;
    uint64_t max_memory;
    double timeout;
} run_options;

static void options_free(run_options *o)
{
    for (size_t i = 0; i < o->owned_count; i++)
        free(o->owned[i]);
    for (size_t i = 0; i < o->socket_count; i++)
        close(o->sockets[i]);
}

static char *own(run_options *o, char *s)
{
    if (s == NULL || o->owned_count == sizeof o->owned / sizeof o->owned[0]) {
        free(s);
        return NULL;
    }
    return o->owned[o->owned_count++] = s;
}

static int parse_dir(run_options *o, const char *value, bool read_only)
{
    if (o->preopen_count == MAX_OPTION_ITEMS)
        return -1;
    char *host = own(o, strdup(value));
    if (host == NULL)
        return -1;
    char *sep = strstr(host, "::");
    const char *guest = host;
    if (sep != NULL) {
        *sep = '\0';
        guest = sep + 2;
    }
    o->preopens[o->preopen_count++] = (wasi_preopen){ host, guest, read_only };
    return 0;
}

static int parse_env(run_options *o, const char *value)
{
    if (o->env_count == MAX_OPTION_ITEMS)
        return -1;
    if (strchr(value, '=') == NULL) {
        const char *ours = getenv(value);
        if (ours == NULL)
            return 0;
        char *pair = NULL;
        if (asprintf(&pair, "%s=%s", value, ours) < 0 || own(o, pair) == NULL)
            return -1;
        value = pair;
    }
    o->env[o->env_count++] = value;
    return 0;
}

static int parse_bytes(const char *value, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(value, &end, 10);
    if (errno != 0 || end == value || value[0] == '-')
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: return -1;
    }
    if (*end != '\0' || n > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)n << shift;
    return 0;
}

static int listen_tcp(run_options *o, const char *value)
{
    if (o->socket_count == MAX_OPTION_ITEMS)
        return -1;
    cleanup_free char *copy = strdup(value);
    char *colon = copy ? strrchr(copy, ':') : NULL;
    if (colon == NULL)
        return -1;
    *colon = '\0';
    struct sockaddr_in addr = { .sin_family = AF_INET };
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || port < 0 || port > 65535 || inet_pton(AF_INET, copy, &addr.sin_addr) != 1)
        return -1;
    addr.sin_port = htons((uint16_t)port);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0
        || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 128) < 0) {
        fprintf(stderr, "wasmcri: --tcplisten %s: %s\n", value, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -2;
    }
    o->sockets[o->socket_count++] = fd;
    return 0;
}

/* Parses options up to the module; returns the module's index in argv, or -1 (message
 * printed). */
static int parse_options(run_options *o, int argc, char **argv)
{
    int i = 1;
    for (; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0)
            return i + 1 < argc ? i + 1 : -1;
        if (arg[0] != '-')
            return i;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(usage_text, stdout);
            exit(0);
        }
        /* Every option takes a value, as "--opt value" or "--opt=value". */
        const char *value = NULL;
        char name[32];
        const char *eq = strchr(arg, '=');
        size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
        if (name_len >= sizeof name) {
            fprintf(stderr, "wasmcri run: unknown option %s\n", arg);
            return -1;
        }
        memcpy(name, arg, name_len);
        name[name_len] = '\0';
        if (eq)
            value = eq + 1;
        else if (i + 1 < argc)
            value = argv[++i];
        else {
            fprintf(stderr, "wasmcri run: %s needs a value\n", name);
            return -1;
        }
        int rc;
        if (strcmp(name, "--dir") == 0)
            rc = parse_dir(o, value, false);
        else if (strcmp(name, "--dir-ro") == 0)
            rc = parse_dir(o, value, true);
        else if (strcmp(name, "--env") == 0)
            rc = parse_env(o, value);
        else if (strcmp(name, "--tcplisten") == 0)
            rc = listen_tcp(o, value);
        else if (strcmp(name, "--max-memory") == 0)
            rc = parse_bytes(value, &o->max_memory) < 0 || o->max_memory < WASM_PAGE_SIZE ? -1 : 0;
        else if (strcmp(name, "--timeout") == 0) {
            char *end;
            o->timeout = strtod(value, &end);
            rc = *end != '\0' || !(o->timeout > 0) || o->timeout > 1e8 ? -1 : 0;
        } else {
            fprintf(stderr, "wasmcri run: unknown option %s\n", name);
            return -1;
        }
        if (rc == -1)
            fprintf(stderr, "wasmcri run: bad value for %s: '%s'\n", name, value);
        if (rc < 0)
            return -1;
    }
    return -1;
}

static void arm_timeout(double seconds)
{
    struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART: blocked calls return */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval timer = { 0 };
    timer.it_value.tv_sec = (time_t)seconds;
    timer.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
    if (timer.it_value.tv_sec == 0 && timer.it_value.tv_usec == 0)
        timer.it_value.tv_usec = 1;
    /* Repeat: an interrupt that lands between two checks is sent again. */
    timer.it_interval.tv_usec = 100000;
    setitimer(ITIMER_REAL, &timer, NULL);
}

static void disarm_timeout(void)
{
    struct itimerval timer = { 0 };
    setitimer(ITIMER_REAL, &timer, NULL);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int run(run_options *o, int argc, char **argv, int module_index)
{
    const char *module_path = argv[module_index];
    wc_error err = { 0 };
    cleanup_free uint8_t *bytes = NULL;
    size_t length = 0;
    wasm_module *module = NULL;
    if (wc_read_file(module_path, &bytes, &length, &err) < 0
        || wasm_module_new(bytes, length, &module, &err) < 0) {
        fprintf(stderr, "wasmcri: %s: %s\n", module_path, err.message);
        return EXIT_USAGE;
    }

    int guest_argc = argc - module_index;
    cleanup_free const char **guest_args = calloc((size_t)guest_argc, sizeof *guest_args);
    if (guest_args == NULL) {
        wasm_module_free(module);
        fputs("wasmcri: out of memory\n", stderr);
        return EXIT_USAGE;
    }
    guest_args[0] = base_name(module_path);
    for (int i = 1; i < guest_argc; i++)
        guest_args[i] = argv[module_index + i];

    wasi_config config = {
        .args = guest_args, .arg_count = (size_t)guest_argc,
        .env = o->env, .env_count = o->env_count,
        .preopens = o->preopens, .preopen_count = o->preopen_count,
        .sockets = o->sockets, .socket_count = o->socket_count,
        .stdin_fd = STDIN_FILENO, .stdout_fd = STDOUT_FILENO, .stderr_fd = STDERR_FILENO,
    };
    wasi_ctx *ctx = NULL;
    if (wasi_ctx_new(&config, &ctx, &err) < 0) {
        fprintf(stderr, "wasmcri: %s\n", err.message);
        wasm_module_free(module);
        return EXIT_USAGE;
    }
    wasm_config store_config = {
        .max_memory_pages = (uint32_t)(o->max_memory / WASM_PAGE_SIZE > WASM_MAX_PAGES
                                           ? WASM_MAX_PAGES : o->max_memory / WASM_PAGE_SIZE),
    };
    wasm_store *store = wasm_store_new(&store_config);
    if (store == NULL) {
        fputs("wasmcri: out of memory\n", stderr);
        wasi_ctx_free(ctx);
        wasm_module_free(module);
        return EXIT_USAGE;
    }

    running_store = store;
    running_ctx = ctx;
    if (o->timeout > 0)
        arm_timeout(o->timeout);
    wasm_trap trap;
    int exit_code = 0;
    int rc = wasi_run(store, module, ctx, &exit_code, &trap, &err);
    disarm_timeout();
    running_store = NULL;
    running_ctx = NULL;

    int status = exit_code;
    if (rc < 0 && err.code == WC_ETRAP) {
        fprintf(stderr, "wasmcri: trap: %s in function '%s'\n", trap.message, trap.function);
        if (trap.kind == WASM_TRAP_INTERRUPTED && timed_out) {
            fprintf(stderr, "wasmcri: timeout: stopped after %g seconds\n", o->timeout);
            status = EXIT_TIMEOUT;
        } else {
            if (wasm_store_memory_limit_hit(store))
                fputs("wasmcri: note: the memory limit was reached\n", stderr);
            status = EXIT_TRAP;
        }
    } else if (rc < 0) {
        fprintf(stderr, "wasmcri: %s: %s\n", module_path, err.message);
        status = EXIT_USAGE;
    }
    wasm_store_free(store);
    wasi_ctx_free(ctx);
    wasm_module_free(module);
    return status;
}

int wasmcri_run_command(int argc, char **argv)
{
    run_options *options = calloc(1, sizeof *options);
    if (options == NULL) {
        fputs("wasmcri: out of memory\n", stderr);
        return EXIT_USAGE;
    }
    int module_index = parse_options(options, argc, argv);
    int status;
    if (module_index < 0) {
        fputs(usage_text, stderr);
        status = EXIT_USAGE;
    } else {
        /* A guest writing to a closed pipe gets EPIPE instead of killing us. */
        signal(SIGPIPE, SIG_IGN);
        status = run(options, argc, argv, module_index);
    }
    options_free(options);
    free(options);
    fflush(stdout);
    return status;
}
