/* client.c - connecting to the CRI endpoints and making calls, with crictl's error wording. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crictl/crictl.h"
#include "grpc/server.h"

/* "unix:///run/x.sock" or a bare path -> the socket path. */
static int endpoint_path(const char *endpoint, const char **path, wc_error *err)
{
    if (strncmp(endpoint, "unix://", 7) == 0) {
        *path = endpoint + 7;
        return 0;
    }
    if (endpoint[0] == '/') {
        *path = endpoint;
        return 0;
    }
    return wc_error_set(err, WC_EINVAL,
                        "endpoint \"%s\": only unix sockets are supported (unix:///path)",
                        endpoint);
}

static int client_for(crictl_ctx *ctx, crictl_service service, grpc_client **out, wc_error *err)
{
    grpc_client **slot = service == CRICTL_IMAGE ? &ctx->image : &ctx->runtime;
    const char *endpoint = service == CRICTL_IMAGE && ctx->image_endpoint != NULL
                               ? ctx->image_endpoint : ctx->runtime_endpoint;
    if (*slot == NULL) {
        /* One connection when both services live at one endpoint, as they do in wasmcrid. */
        grpc_client *other = service == CRICTL_IMAGE ? ctx->runtime : ctx->image;
        const char *other_endpoint = service == CRICTL_IMAGE
                                         ? ctx->runtime_endpoint
                                         : (ctx->image_endpoint != NULL ? ctx->image_endpoint
                                                                        : ctx->runtime_endpoint);
        if (other != NULL && strcmp(other_endpoint, endpoint) == 0) {
            *out = other;
            grpc_client_set_timeout(other, ctx->timeout_ms);
            return 0;
        }
        const char *path = NULL;
        if (endpoint_path(endpoint, &path, err) < 0)
            return -1;
        if (grpc_client_connect(path, ctx->timeout_ms, slot, err) < 0)
            return wc_error_prefix(err, "connect");
        if (ctx->debug)
            fprintf(stderr, "DEBU[0000] connected to %s\n", endpoint);
    }
    *out = *slot;
    /* Commands change ctx->timeout_ms around long calls (pull, stop -t): it holds per call. */
    grpc_client_set_timeout(*out, ctx->timeout_ms);
    return 0;
}

static wc_code code_from_status(int status)
{
    switch (status) {
    case GRPC_STATUS_INVALID_ARGUMENT:
    case GRPC_STATUS_OUT_OF_RANGE: return WC_EINVAL;
    case GRPC_STATUS_NOT_FOUND: return WC_ENOTFOUND;
    case GRPC_STATUS_ALREADY_EXISTS: return WC_EEXIST;
    case GRPC_STATUS_FAILED_PRECONDITION: return WC_EPRECONDITION;
    case GRPC_STATUS_RESOURCE_EXHAUSTED: return WC_ERESOURCE;
    case GRPC_STATUS_UNAVAILABLE: return WC_EUNAVAILABLE;
    case GRPC_STATUS_UNIMPLEMENTED: return WC_EUNIMPLEMENTED;
    case GRPC_STATUS_DEADLINE_EXCEEDED: return WC_EDEADLINE;
    case GRPC_STATUS_CANCELLED: return WC_ECANCELLED;
    default: return WC_EINTERNAL;
    }
}

static const char *service_name(crictl_service service)
{
    return service == CRICTL_IMAGE ? "runtime.v1.ImageService" : "runtime.v1.RuntimeService";
}

static int pack(const ProtobufCMessage *request, uint8_t **out, size_t *length, wc_error *err)
{
    *length = protobuf_c_message_get_packed_size(request);
    *out = malloc(*length > 0 ? *length : 1);
    if (*out == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    protobuf_c_message_pack(request, *out);
    return 0;
}

/* What every call starts with: the connection, the method's path, the packed request. */
static int begin_call(crictl_ctx *ctx, crictl_service service, const char *method,
                      const ProtobufCMessage *request, grpc_client **client, char *path,
                      size_t path_size, uint8_t **body, size_t *length, wc_error *err)
{
    if (client_for(ctx, service, client, err) < 0)
        return -1;
    snprintf(path, path_size, "/%s/%s", service_name(service), method);
    return pack(request, body, length, err);
}

static int status_error(const grpc_status *status, wc_error *err)
{
    return wc_error_set(err, code_from_status(status->code), "rpc error: code = %s desc = %s",
                        grpc_status_name(status->code), status->message);
}

int crictl_call(crictl_ctx *ctx, crictl_service service, const char *method,
                const ProtobufCMessage *request,
                const ProtobufCMessageDescriptor *response_descriptor,
                ProtobufCMessage **response, wc_error *err)
{
    grpc_client *client;
    char path[256];
    uint8_t *body;
    size_t length;
    if (begin_call(ctx, service, method, request, &client, path, sizeof path, &body, &length,
                   err) < 0)
        return -1;
    if (ctx->debug)
        fprintf(stderr, "DEBU[0000] %s request (%zu bytes)\n", path, length);
    uint8_t *reply = NULL;
    size_t reply_length = 0;
    grpc_status status;
    int rc = grpc_client_unary(client, path, body, length, &reply, &reply_length, &status, err);
    free(body);
    if (rc < 0)
        return -1;
    if (status.code != GRPC_STATUS_OK) {
        free(reply);
        return status_error(&status, err);
    }
    *response = protobuf_c_message_unpack(response_descriptor, NULL, reply_length, reply);
    free(reply);
    if (*response == NULL)
        return wc_error_set(err, WC_EINTERNAL, "%s: the response does not decode as %s", path,
                            response_descriptor->name);
    return 0;
}

typedef struct stream_state {
    const ProtobufCMessageDescriptor *descriptor;
    crictl_message_fn on_message;
    void *data;
    bool bad;
} stream_state;

static int on_stream_message(const uint8_t *message, size_t length, void *data)
{
    stream_state *state = data;
    ProtobufCMessage *unpacked = protobuf_c_message_unpack(state->descriptor, NULL, length, message);
    if (unpacked == NULL) {
        state->bad = true;
        return 1;
    }
    int rc = state->on_message(unpacked, state->data);
    protobuf_c_message_free_unpacked(unpacked, NULL);
    return rc;
}

int crictl_stream(crictl_ctx *ctx, crictl_service service, const char *method,
                  const ProtobufCMessage *request,
                  const ProtobufCMessageDescriptor *response_descriptor,
                  crictl_message_fn on_message, void *data, wc_error *err)
{
    grpc_client *client;
    char path[256];
    uint8_t *body;
    size_t length;
    if (begin_call(ctx, service, method, request, &client, path, sizeof path, &body, &length,
                   err) < 0)
        return -1;
    stream_state state = {.descriptor = response_descriptor, .on_message = on_message,
                          .data = data};
    grpc_status status;
    int rc = grpc_client_stream(client, path, body, length, on_stream_message, &state, &status,
                                err);
    free(body);
    if (rc < 0)
        return -1;
    if (state.bad)
        return wc_error_set(err, WC_EINTERNAL, "%s: a message does not decode as %s", path,
                            response_descriptor->name);
    if (status.code != GRPC_STATUS_OK && status.code != GRPC_STATUS_CANCELLED)
        return status_error(&status, err);
    return 0;
}

int crictl_fail(const char *context, const wc_error *err)
{
    if (context != NULL)
        fprintf(stderr, "FATA[0000] %s: %s\n", context, err->message);
    else
        fprintf(stderr, "FATA[0000] %s\n", err->message);
    return 1;
}
