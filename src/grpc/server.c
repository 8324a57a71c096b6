/* server.c - gRPC over HTTP/2 (prior knowledge) on a unix socket: libuv does the I/O, nghttp2
 * the HTTP/2 state machine, this file the gRPC rules (headers, framing, status trailers).
 *
 * Ownership: a call belongs to its HTTP/2 stream while the stream is open, and to the receiver
 * from dispatch until grpc_call_finish. It is freed when both have let go. nghttp2 callbacks may
 * re-enter us (a handler replying from inside dispatch, on_cancel from a stream close), so a
 * connection defers sending and closing while nghttp2 is running (conn->busy). */
#include "grpc/server.h"

#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "grpc/wire.h"

#define READ_BUFFER_BYTES (64 * 1024)
/* Stop producing frames while this much is queued to the socket (a slow reader). */
#define WRITE_HIGH_WATER (1024 * 1024)
#define MAX_CONCURRENT_STREAMS 1000
#define STREAM_WINDOW_BYTES (4 * 1024 * 1024)
#define CONNECTION_WINDOW_BYTES (32 * 1024 * 1024)
/* Request bytes buffered across all calls: many parallel 16 MiB uploads must not exhaust memory. */
#define MAX_BUFFERED_REQUEST_BYTES ((size_t)256 * 1024 * 1024)

typedef struct connection connection;

struct grpc_call {
    grpc_server *server;
    connection *conn;            /* NULL once the stream is gone */
    grpc_call *prev, *next;      /* in conn->calls */
    int32_t stream_id;
    char *path;
    bool method_post;
    bool content_type_ok;
    bool compressed_encoding;    /* grpc-encoding other than identity */
    uint8_t *in;                 /* request bytes as received */
    size_t in_length, in_capacity;
    bool request_complete;       /* END_STREAM received */
    const char *refusal_http;    /* an HTTP-level refusal, answered once the request is in */
    const char *refusal_message;
    uint8_t *out;                /* framed response messages not yet taken by nghttp2 */
    size_t out_length, out_offset, out_capacity;
    bool response_started;
    bool deferred;               /* the data provider is waiting for more */
    bool dispatched;
    bool finished;
    bool cancelled;
    int status;
    char *status_message;        /* percent-encoded, or NULL */
    void (*on_cancel)(grpc_call *call, void *data);
    void *cancel_data;
};

struct connection {
    grpc_server *server;
    uv_pipe_t pipe;
    nghttp2_session *session;
    connection *prev, *next;
    grpc_call *calls;
    size_t write_pending;
    bool busy;                   /* inside nghttp2: defer flushes and closes */
    bool want_flush;
    bool dead;                   /* close requested */
    bool closed;                 /* uv_close issued */
    uint8_t read_buffer[READ_BUFFER_BYTES];
};

struct grpc_server {
    uv_loop_t *loop;
    grpc_dispatch_fn dispatch;
    void *dispatch_data;
    uv_pipe_t listener;
    bool listener_open;
    bool listener_closed;
    char *socket_path;
    connection *conns;
    size_t n_conns;
    size_t open_calls;
    size_t buffered_request_bytes;
    bool shutting_down;
    void (*done)(void *data);
    void *done_data;
    bool done_called;
    uv_timer_t done_timer;       /* runs done from the loop, never from inside a caller */
};

typedef struct write_request {
    uv_write_t req;
    connection *conn;
    size_t length;
    uint8_t data[];
} write_request;

static void conn_flush(connection *conn);
static void conn_close(connection *conn);

/* ---- shutdown bookkeeping ------------------------------------------------------------------ */

static void run_done(uv_timer_t *timer)
{
    grpc_server *server = timer->data;
    uv_close((uv_handle_t *)timer, NULL);
    if (server->done != NULL)
        server->done(server->done_data);
}

/* The last call may end inside a service's own callback; done (which frees the services) must
 * not run under its feet, so it runs from a fresh loop turn. */
static void check_shutdown_done(grpc_server *server)
{
    if (!server->shutting_down || server->done_called || server->n_conns > 0
        || server->open_calls > 0 || (server->listener_open && !server->listener_closed))
        return;
    server->done_called = true;
    uv_timer_init(server->loop, &server->done_timer);
    server->done_timer.data = server;
    uv_timer_start(&server->done_timer, run_done, 0, 0);
}

/* ---- calls --------------------------------------------------------------------------------- */

static void call_free(grpc_call *call)
{
    call->server->buffered_request_bytes -= call->in_capacity;
    free(call->path);
    free(call->in);
    free(call->out);
    free(call->status_message);
    free(call);
}

/* The stream is gone (closed, reset, connection dropped): the call loses its stream. */
static void call_detach(grpc_call *call)
{
    connection *conn = call->conn;
    if (conn != NULL) {
        if (call->prev != NULL)
            call->prev->next = call->next;
        else
            conn->calls = call->next;
        if (call->next != NULL)
            call->next->prev = call->prev;
        call->prev = call->next = NULL;
        call->conn = NULL;
    }
    if (call->dispatched && !call->finished) {
        call->cancelled = true;
        if (call->on_cancel != NULL) {
            void (*on_cancel)(grpc_call *, void *) = call->on_cancel;
            call->on_cancel = NULL;
            on_cancel(call, call->cancel_data); /* may finish, and so free, the call */
        }
        return;
    }
    call_free(call);
}

static int append_out(grpc_call *call, const uint8_t *data, size_t length)
{
    if (call->out_offset == call->out_length)
        call->out_offset = call->out_length = 0;
    if (call->out_length + length > call->out_capacity) {
        size_t capacity = call->out_capacity > 0 ? call->out_capacity : 256;
        while (capacity < call->out_length + length)
            capacity *= 2;
        uint8_t *grown = realloc(call->out, capacity);
        if (grown == NULL)
            return -1;
        call->out = grown;
        call->out_capacity = capacity;
    }
    memcpy(call->out + call->out_length, data, length);
    call->out_length += length;
    return 0;
}

static void submit_trailers(grpc_call *call)
{
    char status[16];
    snprintf(status, sizeof status, "%d", call->status);
    nghttp2_nv trailers[2] = {
        {(uint8_t *)"grpc-status", (uint8_t *)status, 11, strlen(status),
         NGHTTP2_NV_FLAG_NONE},
        {(uint8_t *)"grpc-message", (uint8_t *)call->status_message, 12,
         call->status_message != NULL ? strlen(call->status_message) : 0, NGHTTP2_NV_FLAG_NONE},
    };
    nghttp2_submit_trailer(call->conn->session, call->stream_id, trailers,
                           call->status_message != NULL ? 2 : 1);
}

static ssize_t read_response(nghttp2_session *session, int32_t stream_id, uint8_t *buf,
                             size_t length, uint32_t *data_flags, nghttp2_data_source *source,
                             void *user_data)
{
    (void)session;
    (void)stream_id;
    (void)user_data;
    grpc_call *call = source->ptr;
    size_t available = call->out_length - call->out_offset;
    size_t n = available < length ? available : length;
    if (n > 0) {
        memcpy(buf, call->out + call->out_offset, n);
        call->out_offset += n;
    }
    if (call->out_offset == call->out_length) {
        call->out_offset = call->out_length = 0;
        if (call->finished) {
            *data_flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
            submit_trailers(call);
            return (ssize_t)n;
        }
        if (n == 0) {
            call->deferred = true;
            return NGHTTP2_ERR_DEFERRED;
        }
    }
    return (ssize_t)n;
}

static void start_response(grpc_call *call)
{
    nghttp2_nv headers[2] = {
        {(uint8_t *)":status", (uint8_t *)"200", 7, 3, NGHTTP2_NV_FLAG_NONE},
        {(uint8_t *)"content-type", (uint8_t *)"application/grpc", 12, 16, NGHTTP2_NV_FLAG_NONE},
    };
    nghttp2_data_provider provider = {.source.ptr = call, .read_callback = read_response};
    call->response_started = true;
    nghttp2_submit_response(call->conn->session, call->stream_id, headers, 2, &provider);
}

/* A response that is only headers: HTTP errors, or gRPC "Trailers-Only". */
static void submit_headers_only(grpc_call *call, const char *http_status)
{
    char status[16];
    snprintf(status, sizeof status, "%d", call->status);
    nghttp2_nv headers[4] = {
        {(uint8_t *)":status", (uint8_t *)http_status, 7, strlen(http_status),
         NGHTTP2_NV_FLAG_NONE},
        {(uint8_t *)"content-type", (uint8_t *)"application/grpc", 12, 16, NGHTTP2_NV_FLAG_NONE},
        {(uint8_t *)"grpc-status", (uint8_t *)status, 11, strlen(status), NGHTTP2_NV_FLAG_NONE},
        {(uint8_t *)"grpc-message", (uint8_t *)call->status_message, 12,
         call->status_message != NULL ? strlen(call->status_message) : 0, NGHTTP2_NV_FLAG_NONE},
    };
    call->response_started = true;
    nghttp2_submit_response(call->conn->session, call->stream_id, headers,
                            call->status_message != NULL ? 4 : 3, NULL);
}

int grpc_call_send(grpc_call *call, const uint8_t *message, size_t length)
{
    if (call->finished || call->cancelled || call->conn == NULL || length > GRPC_MAX_MESSAGE_BYTES)
        return -1;
    uint8_t prefix[GRPC_PREFIX_BYTES];
    grpc_prefix_write(prefix, (uint32_t)length);
    if (append_out(call, prefix, sizeof prefix) < 0 || append_out(call, message, length) < 0)
        return -1;
    if (!call->response_started) {
        start_response(call);
    } else if (call->deferred) {
        call->deferred = false;
        nghttp2_session_resume_data(call->conn->session, call->stream_id);
    }
    conn_flush(call->conn);
    return 0;
}

/* Ends the call (receiver or transport). http_status is "200" except for HTTP-level refusals. */
static void call_end(grpc_call *call, int status, const char *message, const char *http_status)
{
    if (call->finished)
        return;
    call->finished = true;
    grpc_server *server = call->server;
    if (call->dispatched) {
        server->open_calls--;
    }
    if (call->conn == NULL) {
        call_free(call);
        check_shutdown_done(server);
        return;
    }
    call->status = status;
    if (message != NULL && message[0] != '\0')
        call->status_message = grpc_percent_encode(message);
    if (!call->response_started) {
        submit_headers_only(call, http_status);
    } else if (call->deferred) {
        call->deferred = false;
        nghttp2_session_resume_data(call->conn->session, call->stream_id);
    }
    connection *conn = call->conn;
    conn_flush(conn);
    /* The call itself goes when its stream closes. */
    check_shutdown_done(server);
}

void grpc_call_finish(grpc_call *call, int status, const char *message)
{
    call_end(call, status, message, "200");
}

bool grpc_call_cancelled(const grpc_call *call)
{
    return call->cancelled;
}

void grpc_call_on_cancel(grpc_call *call, void (*on_cancel)(grpc_call *call, void *data),
                         void *data)
{
    call->on_cancel = on_cancel;
    call->cancel_data = data;
}

/* ---- requests ------------------------------------------------------------------------------ */

/* Checks the framing of what has arrived so far; ends the call on a violation. */
static bool check_incoming(grpc_call *call)
{
    if (call->in_length < GRPC_PREFIX_BYTES)
        return true;
    uint32_t length = grpc_prefix_length(call->in);
    if (call->in[0] != 0) {
        if (call->compressed_encoding)
            call_end(call, GRPC_STATUS_UNIMPLEMENTED,
                     "compressed messages are not supported: use grpc-encoding identity", "200");
        else
            call_end(call, GRPC_STATUS_INTERNAL,
                     "compressed flag set on a message without grpc-encoding", "200");
        return false;
    }
    if (length > GRPC_MAX_MESSAGE_BYTES) {
        char text[160];
        snprintf(text, sizeof text, "received message larger than max (%u vs. %u)", length,
                 GRPC_MAX_MESSAGE_BYTES);
        call_end(call, GRPC_STATUS_RESOURCE_EXHAUSTED, text, "200");
        return false;
    }
    if (call->in_length > GRPC_PREFIX_BYTES + (size_t)length) {
        call_end(call, GRPC_STATUS_UNIMPLEMENTED,
                 "more than one request message on a unary or server-streaming call", "200");
        return false;
    }
    return true;
}

static void request_complete(grpc_call *call)
{
    call->request_complete = true;
    if (call->finished)
        return;
    if (call->refusal_http != NULL) {
        call_end(call, GRPC_STATUS_INTERNAL, call->refusal_message, call->refusal_http);
        return;
    }
    if (call->in_length < GRPC_PREFIX_BYTES
        || call->in_length != GRPC_PREFIX_BYTES + (size_t)grpc_prefix_length(call->in)) {
        call_end(call, GRPC_STATUS_INTERNAL,
                 call->in_length == 0 ? "missing request message"
                                      : "request message truncated by END_STREAM",
                 "200");
        return;
    }
    grpc_server *server = call->server;
    if (server->shutting_down) {
        call_end(call, GRPC_STATUS_UNAVAILABLE, "the server is shutting down", "200");
        return;
    }
    call->dispatched = true;
    server->open_calls++;
    uint8_t *in = call->in;
    call->in = NULL;
    size_t length = call->in_length - GRPC_PREFIX_BYTES;
    server->buffered_request_bytes -= call->in_capacity;
    call->in_length = call->in_capacity = 0;
    server->dispatch(call, call->path, in + GRPC_PREFIX_BYTES, length, server->dispatch_data);
    free(in); /* the call may be gone here: only our copy is touched */
}

/* ---- nghttp2 callbacks ---------------------------------------------------------------------- */

static grpc_call *stream_call(nghttp2_session *session, int32_t stream_id)
{
    return nghttp2_session_get_stream_user_data(session, stream_id);
}

static int on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    connection *conn = user_data;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    grpc_call *call = calloc(1, sizeof *call);
    if (call == NULL)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* RST_STREAM for this stream only */
    call->server = conn->server;
    call->conn = conn;
    call->stream_id = frame->hd.stream_id;
    call->next = conn->calls;
    if (conn->calls != NULL)
        conn->calls->prev = call;
    conn->calls = call;
    nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, call);
    return 0;
}

static bool content_type_is_grpc(const uint8_t *value, size_t length)
{
    static const char grpc[] = "application/grpc";
    size_t n = sizeof grpc - 1;
    if (length < n || memcmp(value, grpc, n) != 0)
        return false;
    return length == n || value[n] == '+' || value[n] == ';';
}

static int on_header(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user_data)
{
    (void)flags;
    (void)user_data;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    grpc_call *call = stream_call(session, frame->hd.stream_id);
    if (call == NULL)
        return 0;
    if (namelen == 5 && memcmp(name, ":path", 5) == 0) {
        free(call->path);
        call->path = strndup((const char *)value, valuelen);
        if (call->path == NULL)
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    } else if (namelen == 7 && memcmp(name, ":method", 7) == 0) {
        call->method_post = valuelen == 4 && memcmp(value, "POST", 4) == 0;
    } else if (namelen == 12 && memcmp(name, "content-type", 12) == 0) {
        call->content_type_ok = content_type_is_grpc(value, valuelen);
    } else if (namelen == 13 && memcmp(name, "grpc-encoding", 13) == 0) {
        call->compressed_encoding = !(valuelen == 8 && memcmp(value, "identity", 8) == 0);
    }
    return 0;
}

static int on_data_chunk(nghttp2_session *session, uint8_t flags, int32_t stream_id,
                         const uint8_t *data, size_t len, void *user_data)
{
    (void)flags;
    (void)user_data;
    grpc_call *call = stream_call(session, stream_id);
    if (call == NULL || call->finished || call->dispatched || call->refusal_http != NULL)
        return 0; /* refused already: the rest is discarded */
    if (call->in_length + len > call->in_capacity) {
        size_t capacity = call->in_capacity > 0 ? call->in_capacity : 1024;
        while (capacity < call->in_length + len)
            capacity *= 2;
        /* Never buffer past one maximal message; check_incoming refuses anything longer. */
        if (capacity > GRPC_PREFIX_BYTES + (size_t)GRPC_MAX_MESSAGE_BYTES + 1)
            capacity = GRPC_PREFIX_BYTES + (size_t)GRPC_MAX_MESSAGE_BYTES + 1;
        if (call->in_length + len > capacity) {
            /* Only reachable after check_incoming allowed a prefix: a second message. */
            call_end(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "request larger than 16 MiB", "200");
            return 0;
        }
        grpc_server *server = call->server;
        if (server->buffered_request_bytes - call->in_capacity + capacity
            > MAX_BUFFERED_REQUEST_BYTES) {
            call_end(call, GRPC_STATUS_RESOURCE_EXHAUSTED,
                     "too many request bytes in flight on this server; retry", "200");
            return 0;
        }
        uint8_t *grown = realloc(call->in, capacity);
        if (grown == NULL) {
            call_end(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", "200");
            return 0;
        }
        server->buffered_request_bytes += capacity - call->in_capacity;
        call->in = grown;
        call->in_capacity = capacity;
    }
    /* Check the prefix as soon as it is whole, so an oversize message is refused early. */
    size_t before = call->in_length;
    memcpy(call->in + call->in_length, data, len);
    call->in_length += len;
    if (before < GRPC_PREFIX_BYTES || call->in_length > GRPC_PREFIX_BYTES + grpc_prefix_length(call->in))
        check_incoming(call);
    return 0;
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    (void)user_data;
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
        return 0;
    grpc_call *call = stream_call(session, frame->hd.stream_id);
    if (call == NULL)
        return 0;
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST
        && !call->finished) {
        /* Answered at END_STREAM: HTTP clients take an early answer plus RST_STREAM badly. */
        if (!call->method_post || call->path == NULL) {
            call->refusal_http = "405";
            call->refusal_message = "gRPC requests are POST with a :path";
        } else if (!call->content_type_ok) {
            call->refusal_http = "415";
            call->refusal_message = "content-type must be application/grpc";
        }
    }
    if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)
        request_complete(call);
    return 0;
}

static int on_frame_send(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    (void)user_data;
    if (!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
        return 0;
    grpc_call *call = stream_call(session, frame->hd.stream_id);
    /* We answered before the client finished sending (a refusal): stop its upload. */
    if (call != NULL && !call->request_complete)
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                                  NGHTTP2_NO_ERROR);
    return 0;
}

static int on_stream_close(nghttp2_session *session, int32_t stream_id, uint32_t error_code,
                           void *user_data)
{
    (void)error_code;
    (void)user_data;
    grpc_call *call = stream_call(session, stream_id);
    if (call == NULL)
        return 0;
    nghttp2_session_set_stream_user_data(session, stream_id, NULL);
    call_detach(call);
    return 0;
}

/* ---- connections ---------------------------------------------------------------------------- */

static void on_conn_closed(uv_handle_t *handle)
{
    connection *conn = handle->data;
    grpc_server *server = conn->server;
    if (conn->prev != NULL)
        conn->prev->next = conn->next;
    else
        server->conns = conn->next;
    if (conn->next != NULL)
        conn->next->prev = conn->prev;
    server->n_conns--;
    free(conn);
    check_shutdown_done(server);
}

static void conn_close(connection *conn)
{
    conn->dead = true;
    if (conn->busy || conn->closed)
        return;
    conn->closed = true;
    if (conn->session != NULL) {
        nghttp2_session_del(conn->session); /* no callbacks run from here */
        conn->session = NULL;
    }
    while (conn->calls != NULL)
        call_detach(conn->calls);
    uv_close((uv_handle_t *)&conn->pipe, on_conn_closed);
}

static void on_written(uv_write_t *req, int status)
{
    write_request *write = (write_request *)req;
    connection *conn = write->conn;
    conn->write_pending -= write->length;
    free(write);
    if (status < 0) {
        conn_close(conn);
        return;
    }
    if (!conn->closed)
        conn_flush(conn);
}

static void conn_flush(connection *conn)
{
    if (conn->closed)
        return;
    if (conn->busy) {
        conn->want_flush = true;
        return;
    }
    if (conn->dead) {
        conn_close(conn);
        return;
    }
    conn->busy = true;
    uint8_t *buffer = NULL;
    size_t length = 0, capacity = 0;
    bool failed = false;
    do {
        conn->want_flush = false;
        while (conn->write_pending + length < WRITE_HIGH_WATER) {
            const uint8_t *data;
            ssize_t n = nghttp2_session_mem_send(conn->session, &data);
            if (n < 0) {
                failed = true;
                break;
            }
            if (n == 0)
                break;
            if (length + (size_t)n > capacity) {
                size_t grown_capacity = capacity > 0 ? capacity * 2 : 16384;
                while (grown_capacity < length + (size_t)n)
                    grown_capacity *= 2;
                uint8_t *grown = realloc(buffer, grown_capacity);
                if (grown == NULL) {
                    failed = true;
                    break;
                }
                buffer = grown;
                capacity = grown_capacity;
            }
            memcpy(buffer + length, data, (size_t)n);
            length += (size_t)n;
        }
    } while (conn->want_flush && !failed && !conn->dead);
    conn->busy = false;
    if (length > 0 && !failed) {
        write_request *write = malloc(sizeof *write + length);
        if (write == NULL) {
            failed = true;
        } else {
            write->conn = conn;
            write->length = length;
            memcpy(write->data, buffer, length);
            uv_buf_t buf = uv_buf_init((char *)write->data, (unsigned)length);
            if (uv_write(&write->req, (uv_stream_t *)&conn->pipe, &buf, 1, on_written) < 0) {
                free(write);
                failed = true;
            } else {
                conn->write_pending += length;
            }
        }
    }
    free(buffer);
    if (failed || conn->dead) {
        conn_close(conn);
        return;
    }
    if (conn->write_pending == 0 && !nghttp2_session_want_read(conn->session)
        && !nghttp2_session_want_write(conn->session))
        conn_close(conn);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    connection *conn = handle->data;
    *buf = uv_buf_init((char *)conn->read_buffer, sizeof conn->read_buffer);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    connection *conn = stream->data;
    if (nread < 0) {
        conn_close(conn); /* EOF or error */
        return;
    }
    if (nread == 0 || conn->dead)
        return;
    conn->busy = true;
    ssize_t rc = nghttp2_session_mem_recv(conn->session, (const uint8_t *)buf->base, (size_t)nread);
    conn->busy = false;
    if (rc < 0) {
        /* Broken HTTP/2: this connection goes; the others are untouched. */
        conn_close(conn);
        return;
    }
    conn_flush(conn);
}

static int new_session(connection *conn)
{
    nghttp2_session_callbacks *callbacks;
    if (nghttp2_session_callbacks_new(&callbacks) != 0)
        return -1;
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame_recv);
    nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
    /* grpc-go (crictl, critest, kubelet) dialing a unix socket sends the socket's path as
     * :authority, which nghttp2's HTTP messaging checks reject as an invalid authority
     * (PROTOCOL_ERROR on every call). gRPC's own request rules (POST, :path, content-type) are
     * checked in on_header/on_frame_recv, so the generic HTTP checks are turned off. */
    nghttp2_option *option;
    if (nghttp2_option_new(&option) != 0) {
        nghttp2_session_callbacks_del(callbacks);
        return -1;
    }
    nghttp2_option_set_no_http_messaging(option, 1);
    int rc = nghttp2_session_server_new2(&conn->session, callbacks, conn, option);
    nghttp2_option_del(option);
    nghttp2_session_callbacks_del(callbacks);
    if (rc != 0)
        return -1;
    nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, MAX_CONCURRENT_STREAMS},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW_BYTES},
    };
    if (nghttp2_submit_settings(conn->session, NGHTTP2_FLAG_NONE, settings, 2) != 0
        || nghttp2_session_set_local_window_size(conn->session, NGHTTP2_FLAG_NONE, 0,
                                                 CONNECTION_WINDOW_BYTES) != 0)
        return -1;
    return 0;
}

static void on_connection(uv_stream_t *listener, int status)
{
    grpc_server *server = listener->data;
    if (status < 0 || server->shutting_down)
        return;
    connection *conn = calloc(1, sizeof *conn);
    if (conn == NULL)
        return;
    conn->server = server;
    uv_pipe_init(server->loop, &conn->pipe, 0);
    conn->pipe.data = conn;
    conn->next = server->conns;
    if (server->conns != NULL)
        server->conns->prev = conn;
    server->conns = conn;
    server->n_conns++;
    if (uv_accept(listener, (uv_stream_t *)&conn->pipe) != 0 || new_session(conn) < 0
        || uv_read_start((uv_stream_t *)&conn->pipe, on_alloc, on_read) != 0) {
        conn_close(conn);
        return;
    }
    conn_flush(conn); /* our SETTINGS */
}

/* ---- server --------------------------------------------------------------------------------- */

int grpc_server_new(uv_loop_t *loop, grpc_dispatch_fn dispatch, void *data, grpc_server **out,
                    wc_error *err)
{
    grpc_server *server = calloc(1, sizeof *server);
    if (server == NULL)
        return wc_error_set(err, WC_ERESOURCE, "grpc server: out of memory");
    server->loop = loop;
    server->dispatch = dispatch;
    server->dispatch_data = data;
    *out = server;
    return 0;
}

/* Whether something answers on the socket: then it is not stale, and we must not steal it. */
static bool socket_in_use(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    bool in_use = connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
    close(fd);
    return in_use;
}

int grpc_server_listen(grpc_server *server, const char *socket_path, wc_error *err)
{
    struct sockaddr_un addr;
    if (strlen(socket_path) >= sizeof addr.sun_path)
        return wc_error_set(err, WC_EINVAL, "listen %s: path longer than %zu bytes", socket_path,
                            sizeof addr.sun_path - 1);
    struct stat st;
    if (lstat(socket_path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return wc_error_set(err, WC_EEXIST, "listen %s: exists and is not a socket",
                                socket_path);
        if (socket_in_use(socket_path))
            return wc_error_set(err, WC_EEXIST, "listen %s: another server is listening there",
                                socket_path);
        unlink(socket_path);
    }
    server->socket_path = strdup(socket_path);
    if (server->socket_path == NULL)
        return wc_error_set(err, WC_ERESOURCE, "listen %s: out of memory", socket_path);
    uv_pipe_init(server->loop, &server->listener, 0);
    server->listener.data = server;
    server->listener_open = true;
    /* The mode is set before anyone can connect: bind under a tight umask. */
    mode_t old_mask = umask(0117);
    int rc = uv_pipe_bind(&server->listener, socket_path);
    umask(old_mask);
    if (rc == 0 && chmod(socket_path, 0660) != 0)
        rc = uv_translate_sys_error(errno);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&server->listener, 128, on_connection);
    if (rc != 0)
        return wc_error_set(err, WC_EUNAVAILABLE, "listen %s: %s", socket_path, uv_strerror(rc));
    return 0;
}

static void on_listener_closed(uv_handle_t *handle)
{
    grpc_server *server = handle->data;
    server->listener_closed = true;
    check_shutdown_done(server);
}

void grpc_server_shutdown(grpc_server *server, void (*done)(void *data), void *data)
{
    if (server->shutting_down)
        return;
    server->shutting_down = true;
    server->done = done;
    server->done_data = data;
    if (server->listener_open) {
        uv_close((uv_handle_t *)&server->listener, on_listener_closed);
        if (server->socket_path != NULL)
            unlink(server->socket_path);
    }
    for (connection *conn = server->conns, *next; conn != NULL; conn = next) {
        next = conn->next;
        if (conn->closed)
            continue;
        /* Calls in flight may finish; long-lived ones that can be cancelled are told now.
         * busy keeps nghttp2 from closing (and freeing) calls while we walk the list. */
        conn->busy = true;
        for (grpc_call *call = conn->calls, *call_next; call != NULL; call = call_next) {
            call_next = call->next;
            if (call->dispatched && !call->finished && call->on_cancel != NULL) {
                call->cancelled = true;
                void (*on_cancel)(grpc_call *, void *) = call->on_cancel;
                call->on_cancel = NULL;
                on_cancel(call, call->cancel_data);
            }
        }
        conn->busy = false;
        if (conn->session != NULL && !conn->dead)
            nghttp2_submit_goaway(conn->session, NGHTTP2_FLAG_NONE,
                                  nghttp2_session_get_last_proc_stream_id(conn->session),
                                  NGHTTP2_NO_ERROR, NULL, 0);
        conn_flush(conn);
    }
    check_shutdown_done(server);
}

void grpc_server_free(grpc_server *server)
{
    if (server == NULL)
        return;
    free(server->socket_path);
    free(server);
}

size_t grpc_server_open_calls(const grpc_server *server)
{
    return server->open_calls;
}
