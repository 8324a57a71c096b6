/* server.c - routes gRPC calls to CRI handlers: the method table, protobuf unpacking, the
 * UNIMPLEMENTED defaults and the cri_call lifecycle. */
#include "cri/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.pb-c.h"
#include "cri/log.h"
#include "grpc/server.h"

typedef struct cri_method {
    char *path;                                   /* "/runtime.v1.RuntimeService/Version" */
    const ProtobufCMessageDescriptor *request_descriptor;
    cri_handler handler;
    void *data;
} cri_method;

struct cri_server {
    uv_loop_t *loop;
    const cri_config *config;
    grpc_server *grpc;
    cri_method *methods;
    size_t n_methods;
};

struct cri_call {
    grpc_call *grpc;
    cri_server *server;
    const cri_method *method;
    ProtobufCMessage *request;
    cri_cancel_fn on_cancel;
    void *cancel_data;
    uv_work_t work;
    cri_work_fn work_fn;
    cri_done_fn done_fn;
    void *work_data;
};

static void unimplemented(cri_call *call, const ProtobufCMessage *request, void *data)
{
    (void)request;
    (void)data;
    wc_error err;
    wc_error_set(&err, WC_EUNIMPLEMENTED, "method %s is not implemented by wasmcri",
                 strrchr(call->method->path, '/') + 1);
    cri_call_fail(call, &err);
}

static const cri_method *find_method(const cri_server *server, const char *path)
{
    for (size_t i = 0; i < server->n_methods; i++)
        if (strcmp(server->methods[i].path, path) == 0)
            return &server->methods[i];
    return NULL;
}

static void call_free(cri_call *call)
{
    if (call->request != NULL)
        protobuf_c_message_free_unpacked(call->request, NULL);
    free(call);
}

/* Ends the gRPC call and releases ours; the one exit of every call. */
static void call_end(cri_call *call, int status, const char *message)
{
    grpc_call_finish(call->grpc, status, message);
    call_free(call);
}

static void forward_cancel(grpc_call *grpc, void *data)
{
    (void)grpc;
    cri_call *call = data;
    if (call->on_cancel != NULL)
        call->on_cancel(call, call->cancel_data);
}

static void dispatch(grpc_call *grpc, const char *path, const uint8_t *message, size_t length,
                     void *data)
{
    cri_server *server = data;
    const cri_method *method = find_method(server, path);
    if (method == NULL) {
        char text[512];
        snprintf(text, sizeof text, "unknown method %s", path);
        grpc_call_finish(grpc, GRPC_STATUS_UNIMPLEMENTED, text);
        return;
    }
    cri_call *call = calloc(1, sizeof *call);
    if (call == NULL) {
        grpc_call_finish(grpc, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    call->grpc = grpc;
    call->server = server;
    call->method = method;
    call->request = protobuf_c_message_unpack(method->request_descriptor, NULL, length, message);
    if (call->request == NULL) {
        char text[512];
        snprintf(text, sizeof text, "%s: the request does not decode as %s", path,
                 method->request_descriptor->name);
        cri_log_debug("%s", text);
        call_end(call, GRPC_STATUS_INVALID_ARGUMENT, text);
        return;
    }
    cri_log_debug("call %s", path);
    method->handler(call, call->request, method->data);
}

static int add_service(cri_server *server, const ProtobufCServiceDescriptor *service, wc_error *err)
{
    cri_method *grown = realloc(server->methods,
                                (server->n_methods + service->n_methods) * sizeof *grown);
    if (grown == NULL)
        return wc_error_set(err, WC_ERESOURCE, "cri server: out of memory");
    server->methods = grown;
    for (unsigned i = 0; i < service->n_methods; i++) {
        cri_method *method = &server->methods[server->n_methods];
        size_t size = strlen(service->name) + strlen(service->methods[i].name) + 3;
        method->path = malloc(size);
        if (method->path == NULL)
            return wc_error_set(err, WC_ERESOURCE, "cri server: out of memory");
        snprintf(method->path, size, "/%s/%s", service->name, service->methods[i].name);
        method->request_descriptor = service->methods[i].input;
        method->handler = unimplemented;
        method->data = NULL;
        server->n_methods++;
    }
    return 0;
}

int cri_server_new(uv_loop_t *loop, const cri_config *config, cri_server **out, wc_error *err)
{
    cri_server *server = calloc(1, sizeof *server);
    if (server == NULL)
        return wc_error_set(err, WC_ERESOURCE, "cri server: out of memory");
    server->loop = loop;
    server->config = config;
    if (add_service(server, &runtime__v1__runtime_service__descriptor, err) < 0
        || add_service(server, &runtime__v1__image_service__descriptor, err) < 0
        || grpc_server_new(loop, dispatch, server, &server->grpc, err) < 0
        || cri_version_register(server, err) < 0) {
        cri_server_free(server);
        return -1;
    }
    *out = server;
    return 0;
}

int cri_server_listen(cri_server *server, wc_error *err)
{
    return grpc_server_listen(server->grpc, server->config->listen, err);
}

void cri_server_shutdown(cri_server *server, void (*done)(void *data), void *data)
{
    grpc_server_shutdown(server->grpc, done, data);
}

void cri_server_free(cri_server *server)
{
    if (server == NULL)
        return;
    if (server->grpc != NULL)
        grpc_server_free(server->grpc);
    for (size_t i = 0; i < server->n_methods; i++)
        free(server->methods[i].path);
    free(server->methods);
    free(server);
}

int cri_server_register(cri_server *server, const char *method,
                        const ProtobufCMessageDescriptor *request_descriptor,
                        cri_handler handler, void *data, wc_error *err)
{
    cri_method *slot = (cri_method *)find_method(server, method);
    if (slot == NULL)
        return wc_error_set(err, WC_ENOTFOUND, "register %s: no such CRI v1 method", method);
    if (request_descriptor != slot->request_descriptor)
        return wc_error_set(err, WC_EINVAL, "register %s: the request type is %s, not %s", method,
                            slot->request_descriptor->name,
                            request_descriptor != NULL ? request_descriptor->name : "(null)");
    slot->handler = handler;
    slot->data = data;
    return 0;
}

uv_loop_t *cri_server_loop(cri_server *server)
{
    return server->loop;
}

const cri_config *cri_server_config(const cri_server *server)
{
    return server->config;
}

/* Packs and sends one message; -1 with the call still open when it could not. */
static int send_message(cri_call *call, const ProtobufCMessage *message, int *status,
                        const char **text)
{
    size_t size = protobuf_c_message_get_packed_size(message);
    if (size > GRPC_MAX_MESSAGE_BYTES) {
        *status = GRPC_STATUS_RESOURCE_EXHAUSTED;
        *text = "response larger than the 16 MiB message limit";
        return -1;
    }
    uint8_t *buffer = malloc(size > 0 ? size : 1);
    if (buffer == NULL) {
        *status = GRPC_STATUS_RESOURCE_EXHAUSTED;
        *text = "out of memory packing the response";
        return -1;
    }
    protobuf_c_message_pack(message, buffer);
    int rc = grpc_call_send(call->grpc, buffer, size);
    free(buffer);
    if (rc < 0) {
        *status = GRPC_STATUS_CANCELLED;
        *text = "the call was cancelled";
    }
    return rc;
}

void cri_call_reply(cri_call *call, const ProtobufCMessage *response)
{
    int status = GRPC_STATUS_OK;
    const char *text = NULL;
    send_message(call, response, &status, &text);
    call_end(call, status, text);
}

void cri_call_fail(cri_call *call, const wc_error *err)
{
    int status = err != NULL ? cri_grpc_status(err->code) : GRPC_STATUS_UNKNOWN;
    if (status == GRPC_STATUS_OK)
        status = GRPC_STATUS_UNKNOWN; /* a failure never reads as success */
    const char *text = err != NULL ? err->message : "unknown error";
    if (status == GRPC_STATUS_INTERNAL || status == GRPC_STATUS_UNKNOWN)
        cri_log_warn("%s: %s", call->method->path, text);
    else
        cri_log_debug("%s: %s", call->method->path, text);
    call_end(call, status, text);
}

int cri_call_send(cri_call *call, const ProtobufCMessage *message)
{
    int status;
    const char *text;
    return send_message(call, message, &status, &text);
}

void cri_call_finish(cri_call *call, const wc_error *err)
{
    if (err == NULL || err->code == WC_OK)
        call_end(call, GRPC_STATUS_OK, NULL);
    else
        cri_call_fail(call, err);
}

bool cri_call_cancelled(const cri_call *call)
{
    return grpc_call_cancelled(call->grpc);
}

void cri_call_on_cancel(cri_call *call, cri_cancel_fn on_cancel, void *data)
{
    call->on_cancel = on_cancel;
    call->cancel_data = data;
    /* Only calls that ask are cancelled at shutdown; unary calls in flight finish normally. */
    grpc_call_on_cancel(call->grpc, on_cancel != NULL ? forward_cancel : NULL, call);
}

const char *cri_call_method(const cri_call *call)
{
    return call->method->path;
}

static void work_run(uv_work_t *work)
{
    cri_call *call = work->data;
    call->work_fn(call->work_data);
}

static void work_done(uv_work_t *work, int status)
{
    (void)status; /* UV_ECANCELED cannot happen: we never uv_cancel */
    cri_call *call = work->data;
    call->done_fn(call, call->work_data);
}

int cri_call_queue_work(cri_call *call, cri_work_fn work, cri_done_fn done, void *data)
{
    call->work.data = call;
    call->work_fn = work;
    call->done_fn = done;
    call->work_data = data;
    return uv_queue_work(call->server->loop, &call->work, work_run, work_done) == 0 ? 0 : -1;
}
