/* server.h - a gRPC server over HTTP/2 with prior knowledge on a unix socket (nghttp2 + libuv).
 *
 * It knows nothing of protobuf: it frames and unframes length-prefixed messages, checks the
 * request headers, and hands each complete request (one message, then END_STREAM) to the
 * dispatch callback on the loop thread. The receiver answers through the grpc_call: any number
 * of messages, then exactly one grpc_call_finish, now or later. Calls outlive their stream:
 * when the client goes away the call turns cancelled and sends are dropped, but the memory
 * stays until the receiver finishes it. The process must ignore SIGPIPE (libuv writes to unix
 * sockets without MSG_NOSIGNAL, and a client may hang up at any time). */
#ifndef WASMCRI_GRPC_SERVER_H
#define WASMCRI_GRPC_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "util/error.h"

/* Largest message accepted or sent, as kubelet's CRI client uses. */
#define GRPC_MAX_MESSAGE_BYTES (16u * 1024 * 1024)

/* gRPC status codes used by the transport itself. */
enum grpc_status_code {
    GRPC_STATUS_OK = 0,
    GRPC_STATUS_CANCELLED = 1,
    GRPC_STATUS_UNKNOWN = 2,
    GRPC_STATUS_INVALID_ARGUMENT = 3,
    GRPC_STATUS_DEADLINE_EXCEEDED = 4,
    GRPC_STATUS_NOT_FOUND = 5,
    GRPC_STATUS_ALREADY_EXISTS = 6,
    GRPC_STATUS_PERMISSION_DENIED = 7,
    GRPC_STATUS_RESOURCE_EXHAUSTED = 8,
    GRPC_STATUS_FAILED_PRECONDITION = 9,
    GRPC_STATUS_ABORTED = 10,
    GRPC_STATUS_OUT_OF_RANGE = 11,
    GRPC_STATUS_UNIMPLEMENTED = 12,
    GRPC_STATUS_INTERNAL = 13,
    GRPC_STATUS_UNAVAILABLE = 14,
    GRPC_STATUS_DATA_LOSS = 15,
    GRPC_STATUS_UNAUTHENTICATED = 16,
};
/* "NotFound", as grpc-go prints codes. */
const char *grpc_status_name(int code);

typedef struct grpc_server grpc_server;
typedef struct grpc_call grpc_call;

/* A complete request arrived: path is "/package.Service/Method"; message is the one request
 * message (not owned; valid during the callback only). */
typedef void (*grpc_dispatch_fn)(grpc_call *call, const char *path, const uint8_t *message,
                                 size_t length, void *data);

int grpc_server_new(uv_loop_t *loop, grpc_dispatch_fn dispatch, void *data, grpc_server **out,
                    wc_error *err);
/* Binds the unix socket (an existing stale socket file is replaced; mode 0660) and listens. */
int grpc_server_listen(grpc_server *server, const char *socket_path, wc_error *err);
/* Stops accepting, removes the socket file, sends GOAWAY on every connection and cancels the
 * calls still open; done(data) runs once every connection is closed and every call finished.
 * Then grpc_server_free. */
void grpc_server_shutdown(grpc_server *server, void (*done)(void *data), void *data);
void grpc_server_free(grpc_server *server);
/* Calls not yet finished, for logs and shutdown. */
size_t grpc_server_open_calls(const grpc_server *server);

/* Sends one message (framed here). -1 when the call is cancelled or finished, or on OOM. */
int grpc_call_send(grpc_call *call, const uint8_t *message, size_t length);
/* Ends the call with a status (message may be NULL); the call is freed by this or later, when
 * its stream closes. Never touch the call after it. */
void grpc_call_finish(grpc_call *call, int status, const char *message);
bool grpc_call_cancelled(const grpc_call *call);
/* on_cancel(call, data) runs once when the call turns cancelled before it was finished. */
void grpc_call_on_cancel(grpc_call *call, void (*on_cancel)(grpc_call *call, void *data),
                         void *data);

#endif
