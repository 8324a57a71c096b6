/* service.h - how a CRI handler answers a gRPC call.
 *
 * Include the CRI messages as "api.pb-c.h" (generated from proto/api.proto into the build dir;
 * depend on proto_dep, which also compiles with -Ulinux -Uunix because CRI has fields named
 * `linux`). Types are Runtime__V1__PullImageRequest and so on.
 *
 * The gRPC server decodes each request with protobuf-c and calls the handler registered for
 * its method on the event-loop thread. A handler never blocks: it answers at once, or queues
 * blocking work on the loop's thread pool (cri_call_queue_work) and answers from the done
 * callback, which runs on the loop thread again. Every call is ended exactly once, by
 * cri_call_reply, cri_call_fail or (streams) cri_call_finish; the call object and its request
 * stay valid until then, even if the client goes away meanwhile (answers are then dropped).
 * Every RPC of the v1 API starts registered with an UNIMPLEMENTED default; a service replaces
 * the ones it implements in its init function. */
#ifndef WASMCRI_CRI_SERVICE_H
#define WASMCRI_CRI_SERVICE_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <uv.h>

#include "util/error.h"

typedef struct cri_call cri_call;
typedef struct cri_server cri_server;
struct cri_config;

typedef void (*cri_handler)(cri_call *call, const ProtobufCMessage *request, void *data);

/* Registers a handler for "/runtime.v1.ImageService/PullImage" and the like (replacing the
 * default). The request is unpacked with request_descriptor (e.g.
 * &runtime__v1__pull_image_request__descriptor); a body that does not unpack is answered
 * INVALID_ARGUMENT without calling the handler. The request is freed after the call ends. */
int cri_server_register(cri_server *server, const char *method,
                        const ProtobufCMessageDescriptor *request_descriptor,
                        cri_handler handler, void *data, wc_error *err);
uv_loop_t *cri_server_loop(cri_server *server);
const struct cri_config *cri_server_config(const cri_server *server);

/* Unary calls: reply with a message (packed, sent with grpc-status 0), or fail with the error
 * mapped to a gRPC status (cri_grpc_status). */
void cri_call_reply(cri_call *call, const ProtobufCMessage *response);
void cri_call_fail(cri_call *call, const wc_error *err);

/* Server streaming: send any number of messages, then finish (err NULL for OK). Send returns
 * -1 (and does nothing) once the call is cancelled. */
int cri_call_send(cri_call *call, const ProtobufCMessage *message);
void cri_call_finish(cri_call *call, const wc_error *err);
/* The client went away (stream reset, connection closed): the call must still be ended, and
 * its answers are dropped. on_cancel, when set, runs once on the loop thread at that moment, and
 * also when the server shuts down, so a long-lived stream (GetContainerEvents) can end itself
 * promptly; calls without it are left to finish. Set it from the handler itself (a call
 * already cancelled when it is set gets no callback: check cri_call_cancelled then). */
bool cri_call_cancelled(const cri_call *call);
typedef void (*cri_cancel_fn)(cri_call *call, void *data);
void cri_call_on_cancel(cri_call *call, cri_cancel_fn on_cancel, void *data);
/* The method path, for logs: "/runtime.v1.RuntimeService/Version". */
const char *cri_call_method(const cri_call *call);

/* Runs work(data) on the thread pool, then done(call, data) on the loop thread. */
typedef void (*cri_work_fn)(void *data);
typedef void (*cri_done_fn)(cri_call *call, void *data);
int cri_call_queue_work(cri_call *call, cri_work_fn work, cri_done_fn done, void *data);

/* The gRPC status code for an error code (errors.c): WC_ENOTFOUND -> 5 NOT_FOUND,
 * WC_EINVAL/WC_EMALFORMED/WC_EINVALIDMODULE -> 3 INVALID_ARGUMENT, WC_EEXIST -> 6, ... */
int cri_grpc_status(wc_code code);

#endif
