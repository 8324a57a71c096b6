/* service.h - how a CRI handler answers a gRPC call (draft; the grpc/cri owner refines it).
 *
 * The gRPC server decodes each request with protobuf-c and calls the handler registered for
 * its method on the event-loop thread. A handler never blocks: it answers at once, or queues
 * blocking work on the loop's thread pool (cri_call_queue_work) and answers from the done
 * callback, which runs on the loop thread again. Every call is ended exactly once, by
 * cri_call_reply, cri_call_fail or (streams) cri_call_finish. */
#ifndef WASMCRI_CRI_SERVICE_H
#define WASMCRI_CRI_SERVICE_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <uv.h>

#include "util/error.h"

typedef struct cri_call cri_call;
typedef struct cri_server cri_server;

typedef void (*cri_handler)(cri_call *call, const ProtobufCMessage *request, void *data);

/* Registers a handler for "/runtime.v1.ImageService/PullImage" and the like. The request is
 * unpacked with request_descriptor; it is freed after the call ends. */
int cri_server_register(cri_server *server, const char *method,
                        const ProtobufCMessageDescriptor *request_descriptor,
                        cri_handler handler, void *data, wc_error *err);
uv_loop_t *cri_server_loop(cri_server *server);

/* Unary calls: reply with a message (packed, sent with grpc-status 0), or fail with the error
 * mapped to a gRPC status (WC_ENOTFOUND -> NOT_FOUND, WC_EINVAL -> INVALID_ARGUMENT, ...). */
void cri_call_reply(cri_call *call, const ProtobufCMessage *response);
void cri_call_fail(cri_call *call, const wc_error *err);

/* Server streaming: send any number of messages, then finish (err NULL for OK). */
int cri_call_send(cri_call *call, const ProtobufCMessage *message);
void cri_call_finish(cri_call *call, const wc_error *err);
/* The client went away (stream reset, connection closed): the call must still be ended. */
bool cri_call_cancelled(const cri_call *call);

/* Runs work(data) on the thread pool, then done(call, data) on the loop thread. */
typedef void (*cri_work_fn)(void *data);
typedef void (*cri_done_fn)(cri_call *call, void *data);
int cri_call_queue_work(cri_call *call, cri_work_fn work, cri_done_fn done, void *data);

#endif
