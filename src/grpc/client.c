/* client.c - a blocking gRPC client on a unix socket: an nghttp2 client session driven by
 * poll(2), one call at a time. */
#include "grpc/client.h"

#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "grpc/server.h"
#include "grpc/wire.h"

typedef struct client_call {
    int32_t stream_id;
    const uint8_t *body;         /* request bytes, framed */
    size_t body_length, body_offset;
    uint8_t *in;                 /* response bytes not yet cut into messages */
    size_t in_length, in_capacity;
    grpc_message_fn on_message;  /* NULL: keep the (single) message in response */
    void *data;
    uint8_t *response;
    size_t response_length;
    bool have_response;
    int http_status;
    int grpc_status;             /* -1 until the trailers say */
    char *grpc_message;
    bool closed;
    uint32_t close_error;
    bool cancelled_by_us;
    bool protocol_error;
    char problem[256];
} client_call;

struct grpc_client {
    int fd;
    char *path;
    int timeout_ms;
    nghttp2_session *session;
    client_call *call;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- callbacks ------------------------------------------------------------------------------ */

static int on_header(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user_data)
{
    (void)session;
    (void)flags;
    grpc_client *client = user_data;
    client_call *call = client->call;
    if (call == NULL || frame->hd.stream_id != call->stream_id)
        return 0;
    if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
        call->http_status = atoi((const char *)value);
    } else if (namelen == 11 && memcmp(name, "grpc-status", 11) == 0) {
        char text[16];
        snprintf(text, sizeof text, "%.*s", (int)(valuelen < 15 ? valuelen : 15), value);
        call->grpc_status = atoi(text);
    } else if (namelen == 12 && memcmp(name, "grpc-message", 12) == 0) {
        free(call->grpc_message);
        call->grpc_message = grpc_percent_decode((const char *)value, valuelen);
    }
    return 0;
}

/* Cuts complete messages off the front of call->in. */
static void take_messages(nghttp2_session *session, client_call *call)
{
    size_t offset = 0;
    while (!call->cancelled_by_us && call->in_length - offset >= GRPC_PREFIX_BYTES) {
        const uint8_t *prefix = call->in + offset;
        size_t length = grpc_prefix_length(prefix);
        if (prefix[0] != 0 || length > GRPC_MAX_MESSAGE_BYTES) {
            snprintf(call->problem, sizeof call->problem,
                     prefix[0] != 0 ? "compressed response message"
                                    : "response message larger than 16 MiB");
            call->protocol_error = true;
            call->cancelled_by_us = true;
            nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, call->stream_id,
                                      NGHTTP2_CANCEL);
            break;
        }
        if (call->in_length - offset < GRPC_PREFIX_BYTES + length)
            break;
        const uint8_t *message = prefix + GRPC_PREFIX_BYTES;
        if (call->on_message != NULL) {
            if (call->on_message(message, length, call->data) != 0) {
                call->cancelled_by_us = true;
                nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, call->stream_id,
                                          NGHTTP2_CANCEL);
            }
        } else if (call->have_response) {
            snprintf(call->problem, sizeof call->problem, "more than one response message");
            call->protocol_error = true;
        } else {
            call->response = malloc(length > 0 ? length : 1);
            if (call->response == NULL) {
                snprintf(call->problem, sizeof call->problem, "out of memory");
                call->protocol_error = true;
            } else {
                memcpy(call->response, message, length);
                call->response_length = length;
                call->have_response = true;
            }
        }
        offset += GRPC_PREFIX_BYTES + length;
    }
    memmove(call->in, call->in + offset, call->in_length - offset);
    call->in_length -= offset;
}

static int on_data_chunk(nghttp2_session *session, uint8_t flags, int32_t stream_id,
                         const uint8_t *data, size_t len, void *user_data)
{
    (void)flags;
    grpc_client *client = user_data;
    client_call *call = client->call;
    if (call == NULL || stream_id != call->stream_id || call->cancelled_by_us)
        return 0;
    if (call->in_length + len > call->in_capacity) {
        size_t capacity = call->in_capacity > 0 ? call->in_capacity : 4096;
        while (capacity < call->in_length + len)
            capacity *= 2;
        uint8_t *grown = realloc(call->in, capacity);
        if (grown == NULL)
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        call->in = grown;
        call->in_capacity = capacity;
    }
    memcpy(call->in + call->in_length, data, len);
    call->in_length += len;
    take_messages(session, call);
    return 0;
}

static int on_stream_close(nghttp2_session *session, int32_t stream_id, uint32_t error_code,
                           void *user_data)
{
    (void)session;
    grpc_client *client = user_data;
    client_call *call = client->call;
    if (call != NULL && stream_id == call->stream_id) {
        call->closed = true;
        call->close_error = error_code;
    }
    return 0;
}

static ssize_t read_body(nghttp2_session *session, int32_t stream_id, uint8_t *buf, size_t length,
                         uint32_t *data_flags, nghttp2_data_source *source, void *user_data)
{
    (void)session;
    (void)stream_id;
    (void)user_data;
    client_call *call = source->ptr;
    size_t available = call->body_length - call->body_offset;
    size_t n = available < length ? available : length;
    if (n > 0) {
        memcpy(buf, call->body + call->body_offset, n);
        call->body_offset += n;
    }
    if (call->body_offset == call->body_length)
        *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

/* ---- I/O ------------------------------------------------------------------------------------ */

static int wait_fd(grpc_client *client, short events, int64_t deadline, wc_error *err)
{
    for (;;) {
        int timeout = -1;
        if (deadline > 0) {
            int64_t left = deadline - now_ms();
            if (left <= 0)
                return wc_error_set(err, WC_EDEADLINE, "context deadline exceeded (%d ms)",
                                    client->timeout_ms);
            timeout = (int)left;
        }
        struct pollfd pfd = {.fd = client->fd, .events = events};
        int rc = poll(&pfd, 1, timeout);
        if (rc > 0)
            return 0;
        if (rc < 0 && errno != EINTR)
            return wc_error_set_errno(err, errno, "poll");
    }
}

static int flush(grpc_client *client, int64_t deadline, wc_error *err)
{
    for (;;) {
        const uint8_t *data;
        ssize_t n = nghttp2_session_mem_send(client->session, &data);
        if (n < 0)
            return wc_error_set(err, WC_EINTERNAL, "http2: %s", nghttp2_strerror((int)n));
        if (n == 0)
            return 0;
        size_t done = 0;
        while (done < (size_t)n) {
            ssize_t w = send(client->fd, data + done, (size_t)n - done, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                /* The server is not reading: read what it sent meanwhile (flow control). */
                if (wait_fd(client, POLLOUT, deadline, err) < 0)
                    return -1;
                continue;
            }
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return wc_error_set_errno(err, errno, "write to unix://%s", client->path);
            done += (size_t)w;
        }
    }
}

static int receive(grpc_client *client, int64_t deadline, wc_error *err)
{
    if (wait_fd(client, POLLIN, deadline, err) < 0)
        return -1;
    uint8_t buffer[65536];
    ssize_t n = recv(client->fd, buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n < 0)
        return wc_error_set_errno(err, errno, "read from unix://%s", client->path);
    if (n == 0)
        return wc_error_set(err, WC_EUNAVAILABLE, "unix://%s: connection closed by the server",
                            client->path);
    ssize_t rc = nghttp2_session_mem_recv(client->session, buffer, (size_t)n);
    if (rc < 0)
        return wc_error_set(err, WC_EUNAVAILABLE, "unix://%s: http2: %s", client->path,
                            nghttp2_strerror((int)rc));
    return 0;
}

/* ---- public ----------------------------------------------------------------------------------- */

int grpc_client_connect(const char *socket_path, int timeout_ms, grpc_client **out, wc_error *err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(socket_path) >= sizeof addr.sun_path)
        return wc_error_set(err, WC_EINVAL, "connect endpoint 'unix://%s': path too long",
                            socket_path);
    memcpy(addr.sun_path, socket_path, strlen(socket_path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return wc_error_set_errno(err, errno, "socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        int saved = errno;
        close(fd);
        return wc_error_set(err, WC_EUNAVAILABLE, "connect endpoint 'unix://%s': %s", socket_path,
                            saved == ENOENT ? "no such file or directory" : strerror(saved));
    }
    grpc_client *client = calloc(1, sizeof *client);
    if (client == NULL) {
        close(fd);
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    }
    client->fd = fd;
    client->timeout_ms = timeout_ms;
    client->path = strdup(socket_path);
    nghttp2_session_callbacks *callbacks;
    if (client->path == NULL || nghttp2_session_callbacks_new(&callbacks) != 0) {
        grpc_client_free(client);
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    }
    nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
    int rc = nghttp2_session_client_new(&client->session, callbacks, client);
    nghttp2_session_callbacks_del(callbacks);
    nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 16 * 1024 * 1024},
    };
    if (rc != 0
        || nghttp2_submit_settings(client->session, NGHTTP2_FLAG_NONE, settings, 1) != 0
        || nghttp2_session_set_local_window_size(client->session, NGHTTP2_FLAG_NONE, 0,
                                                 64 * 1024 * 1024) != 0) {
        grpc_client_free(client);
        return wc_error_set(err, WC_ERESOURCE, "http2 session: out of memory");
    }
    *out = client;
    return 0;
}

void grpc_client_free(grpc_client *client)
{
    if (client == NULL)
        return;
    if (client->session != NULL)
        nghttp2_session_del(client->session);
    if (client->fd >= 0)
        close(client->fd);
    free(client->path);
    free(client);
}

void grpc_client_set_timeout(grpc_client *client, int timeout_ms)
{
    client->timeout_ms = timeout_ms;
}

static int http_to_grpc(int http_status)
{
    switch (http_status) {
    case 400: return GRPC_STATUS_INTERNAL;
    case 401: return GRPC_STATUS_UNAUTHENTICATED;
    case 403: return GRPC_STATUS_PERMISSION_DENIED;
    case 404: return GRPC_STATUS_UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504: return GRPC_STATUS_UNAVAILABLE;
    default: return GRPC_STATUS_UNKNOWN;
    }
}

static void set_status(grpc_status *status, int code, const char *message)
{
    status->code = code;
    snprintf(status->message, sizeof status->message, "%s", message != NULL ? message : "");
}

static int run_call(grpc_client *client, const char *path, client_call *call, grpc_status *status,
                    wc_error *err)
{
    int64_t deadline = client->timeout_ms > 0 ? now_ms() + client->timeout_ms : 0;
    char timeout_header[32];
    snprintf(timeout_header, sizeof timeout_header, "%dm", client->timeout_ms);
    nghttp2_nv headers[] = {
        {(uint8_t *)":method", (uint8_t *)"POST", 7, 4, NGHTTP2_NV_FLAG_NONE},
        {(uint8_t *)":scheme", (uint8_t *)"http", 7, 4, NGHTTP2_NV_FLAG_NONE},
        {(uint8_t *)":path", (uint8_t *)path, 5, strlen(path), NGHTTP2_NV_FLAG_NONE},
        {(uint8_t *)":authority", (uint8_t *)"localhost", 10, 9, NGHTTP2_NV_FLAG_NONE},
        {(uint8_t *)"content-type", (uint8_t *)"application/grpc", 12, 16, NGHTTP2_NV_FLAG_NONE},
        {(uint8_t *)"te", (uint8_t *)"trailers", 2, 8, NGHTTP2_NV_FLAG_NONE},
        {(uint8_t *)"user-agent", (uint8_t *)"wasmcri-grpc/0.1", 10, 16, NGHTTP2_NV_FLAG_NONE},
        {(uint8_t *)"grpc-timeout", (uint8_t *)timeout_header, 12, strlen(timeout_header),
         NGHTTP2_NV_FLAG_NONE},
    };
    size_t n_headers = sizeof headers / sizeof headers[0] - (client->timeout_ms > 0 ? 0 : 1);
    nghttp2_data_provider provider = {.source.ptr = call, .read_callback = read_body};
    call->grpc_status = -1;
    call->stream_id = nghttp2_submit_request(client->session, NULL, headers, n_headers, &provider,
                                             NULL);
    if (call->stream_id < 0)
        return wc_error_set(err, WC_EUNAVAILABLE, "%s: http2: %s", path,
                            nghttp2_strerror(call->stream_id));
    client->call = call;
    int rc = 0;
    while (!call->closed) {
        if (flush(client, deadline, err) < 0 || (!call->closed && receive(client, deadline, err) < 0)) {
            rc = -1;
            break;
        }
    }
    if (rc == 0)
        flush(client, deadline, err); /* WINDOW_UPDATEs and the like; failures show next call */
    client->call = NULL;
    if (rc < 0) {
        /* A deadline leaves the stream open: reset it so the connection stays usable. */
        nghttp2_submit_rst_stream(client->session, NGHTTP2_FLAG_NONE, call->stream_id,
                                  NGHTTP2_CANCEL);
        wc_error ignored;
        flush(client, 0, &ignored);
        return wc_error_prefix(err, "%s", path);
    }
    if (call->protocol_error)
        set_status(status, GRPC_STATUS_INTERNAL, call->problem);
    else if (call->cancelled_by_us)
        set_status(status, GRPC_STATUS_CANCELLED, "cancelled by the client");
    else if (call->grpc_status >= 0)
        set_status(status, call->grpc_status, call->grpc_message);
    else if (call->close_error == NGHTTP2_REFUSED_STREAM)
        set_status(status, GRPC_STATUS_UNAVAILABLE, "stream refused by the server");
    else if (call->close_error != NGHTTP2_NO_ERROR)
        set_status(status, call->close_error == NGHTTP2_CANCEL ? GRPC_STATUS_CANCELLED
                                                                : GRPC_STATUS_INTERNAL,
                   "stream reset by the server");
    else if (call->http_status != 200)
        set_status(status, http_to_grpc(call->http_status), "unexpected HTTP status");
    else
        set_status(status, GRPC_STATUS_INTERNAL, "server closed the stream without a status");
    return 0;
}

static int unary(grpc_client *client, const char *path, const uint8_t *body, size_t body_length,
                 uint8_t **response, size_t *response_length, grpc_status *status, wc_error *err)
{
    client_call call = {.body = body, .body_length = body_length};
    *response = NULL;
    *response_length = 0;
    int rc = run_call(client, path, &call, status, err);
    if (rc == 0 && status->code == GRPC_STATUS_OK) {
        if (!call.have_response) {
            set_status(status, GRPC_STATUS_INTERNAL, "no response message");
        } else {
            *response = call.response;
            *response_length = call.response_length;
            call.response = NULL;
        }
    }
    free(call.response);
    free(call.in);
    free(call.grpc_message);
    return rc;
}

/* A request message as one gRPC length-prefixed frame (new buffer, NULL when out of memory). */
static uint8_t *framed(const uint8_t *request, size_t request_length)
{
    uint8_t *body = malloc(GRPC_PREFIX_BYTES + request_length);
    if (body == NULL)
        return NULL;
    grpc_prefix_write(body, (uint32_t)request_length);
    if (request_length > 0)
        memcpy(body + GRPC_PREFIX_BYTES, request, request_length);
    return body;
}

int grpc_client_unary(grpc_client *client, const char *path, const uint8_t *request,
                      size_t request_length, uint8_t **response, size_t *response_length,
                      grpc_status *status, wc_error *err)
{
    uint8_t *body = framed(request, request_length);
    if (body == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    int rc = unary(client, path, body, GRPC_PREFIX_BYTES + request_length, response,
                   response_length, status, err);
    free(body);
    return rc;
}

int grpc_client_unary_raw(grpc_client *client, const char *path, const uint8_t *body,
                          size_t body_length, uint8_t **response, size_t *response_length,
                          grpc_status *status, wc_error *err)
{
    return unary(client, path, body, body_length, response, response_length, status, err);
}

int grpc_client_stream(grpc_client *client, const char *path, const uint8_t *request,
                       size_t request_length, grpc_message_fn on_message, void *data,
                       grpc_status *status, wc_error *err)
{
    uint8_t *body = framed(request, request_length);
    if (body == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    client_call call = {.body = body, .body_length = GRPC_PREFIX_BYTES + request_length,
                        .on_message = on_message, .data = data};
    int rc = run_call(client, path, &call, status, err);
    free(body);
    free(call.in);
    free(call.grpc_message);
    return rc;
}
