/* wasmcrid - the CRI daemon: config, the CRI server with the image and runtime services, one
 * libuv loop until SIGTERM/SIGINT, then a clean shutdown (GOAWAY, socket removed, exit 0). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "cri/config.h"
#include "cri/image_service.h"
#include "cri/log.h"
#include "cri/runtime_service.h"
#include "cri/server.h"
#include "util/file.h"

typedef struct daemon_state {
    uv_loop_t loop;
    cri_config config;
    cri_server *server;
    cri_image_service *images;
    cri_runtime_service *runtime;
    uv_signal_t sigterm;
    uv_signal_t sigint;
    uv_timer_t deadline;
    bool stopping;
} daemon_state;

/* Services hold loop handles (timers, child watchers): they are freed before the loop ends. */
static void free_services(daemon_state *d)
{
    if (d->runtime != NULL)
        cri_runtime_service_free(d->runtime);
    if (d->images != NULL)
        cri_image_service_free(d->images);
    d->runtime = NULL;
    d->images = NULL;
}

static void close_handle(uv_handle_t *handle, void *arg)
{
    (void)arg;
    if (!uv_is_closing(handle))
        uv_close(handle, NULL);
}

static void shutdown_done(void *data)
{
    daemon_state *d = data;
    free_services(d);
    uv_walk(&d->loop, close_handle, NULL);
}

/* A call whose owner never ends it (or work still running on the thread pool) must not keep
 * the daemon alive forever. Freeing the services under running workers would be worse than
 * leaving at once: the socket is already gone and the stores are durable. */
static void shutdown_deadline(uv_timer_t *timer)
{
    (void)timer;
    cri_log_warn("shutdown: calls still open after 10 s; exiting without waiting for them");
    _exit(0);
}

static void on_signal(uv_signal_t *handle, int signum)
{
    daemon_state *d = handle->data;
    if (d->stopping)
        return;
    d->stopping = true;
    cri_log_info("received %s: shutting down", strsignal(signum));
    uv_timer_init(&d->loop, &d->deadline);
    d->deadline.data = d;
    uv_timer_start(&d->deadline, shutdown_deadline, 10000, 0);
    uv_unref((uv_handle_t *)&d->deadline);
    cri_server_shutdown(d->server, shutdown_done, d);
}

static int start(daemon_state *d, wc_error *err)
{
    if (wc_mkdir_p(d->config.root, 0711, err) < 0 || wc_mkdir_p(d->config.state, 0711, err) < 0)
        return -1;
    /* The socket's directory, which may lie outside --state. */
    char *dir = strdup(d->config.listen);
    if (dir == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    char *slash = strrchr(dir, '/');
    int rc = 0;
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        rc = wc_mkdir_p(dir, 0711, err);
    }
    free(dir);
    if (rc < 0)
        return -1;
    if (cri_server_new(&d->loop, &d->config, &d->server, err) < 0)
        return -1;
    if (cri_image_service_init(d->server, &d->config, &d->images, err) < 0)
        return wc_error_prefix(err, "image service");
    if (cri_runtime_service_init(d->server, &d->config, &d->runtime, err) < 0
        || cri_runtime_service_attach_images(d->runtime, cri_image_service_store(d->images),
                                             cri_image_service_db(d->images), err) < 0)
        return wc_error_prefix(err, "runtime service");
    if (cri_server_listen(d->server, err) < 0)
        return -1;
    uv_signal_init(&d->loop, &d->sigterm);
    uv_signal_init(&d->loop, &d->sigint);
    d->sigterm.data = d;
    d->sigint.data = d;
    uv_signal_start(&d->sigterm, on_signal, SIGTERM);
    uv_signal_start(&d->sigint, on_signal, SIGINT);
    return 0;
}

int main(int argc, char **argv)
{
    /* A peer that hangs up mid-write is an EPIPE on that connection, not our death. */
    signal(SIGPIPE, SIG_IGN);
    static daemon_state d;
    wc_error err;
    if (cri_config_from_args(&d.config, argc, argv, &err) < 0) {
        fprintf(stderr, "wasmcrid: %s\n", err.message);
        return 2;
    }
    cri_log_set_level(d.config.log_level);
    if (uv_loop_init(&d.loop) != 0) {
        fprintf(stderr, "wasmcrid: cannot create the event loop\n");
        cri_config_free(&d.config);
        return 1;
    }
    int status = 0;
    if (start(&d, &err) < 0) {
        cri_log_error("%s", err.message);
        status = 1;
        free_services(&d);
        uv_walk(&d.loop, close_handle, NULL);
    } else {
        cri_log_info("wasmcrid %s listening on %s (root %s, state %s)", WASMCRI_VERSION,
                     d.config.listen, d.config.root, d.config.state);
    }
    uv_run(&d.loop, UV_RUN_DEFAULT);
    /* Normally everything is closed by now; this is for the start-up failure path. */
    free_services(&d);
    uv_walk(&d.loop, close_handle, NULL);
    uv_run(&d.loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&d.loop) != 0 && status == 0)
        cri_log_warn("event loop closed with handles still open");
    cri_server_free(d.server);
    cri_config_free(&d.config);
    if (status == 0)
        cri_log_info("wasmcrid stopped");
    return status;
}
