/* bench/common/call.h - one unary CRI call for a benchmark, shared so every benchmark times and
 * fails the same way. */
#ifndef BENCH_COMMON_CALL_H
#define BENCH_COMMON_CALL_H

#include <protobuf-c/protobuf-c.h>

#include "grpc/client.h"

/* Calls /runtime.v1.SERVICE/METHOD and returns the unpacked response (free it with
 * protobuf_c_message_free_unpacked). When ms is not NULL it gets the time of the exchange
 * alone: the request is packed before, the response unpacked after. Any failure (transport,
 * a non-OK status, a response that does not decode) prints "PROGRAM: METHOD: why" and exits 1:
 * a benchmark of failing calls measures nothing. */
ProtobufCMessage *bench_call(grpc_client *client, const char *program, const char *service,
                             const char *method, const ProtobufCMessage *request,
                             const ProtobufCMessageDescriptor *response_descriptor, double *ms);

#endif
