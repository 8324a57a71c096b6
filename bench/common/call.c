/* bench/common/call.c - one unary CRI call for a benchmark; see call.h. */
#include "call.h"

#include <stdio.h>
#include <stdlib.h>

#include "stats.h"

ProtobufCMessage *bench_call(grpc_client *client, const char *program, const char *service,
                             const char *method, const ProtobufCMessage *request,
                             const ProtobufCMessageDescriptor *response_descriptor, double *ms)
{
    size_t length = protobuf_c_message_get_packed_size(request);
    uint8_t *body = malloc(length ? length : 1);
    if (body == NULL) {
        fprintf(stderr, "%s: %s: out of memory\n", program, method);
        exit(1);
    }
    protobuf_c_message_pack(request, body);
    char path[128];
    snprintf(path, sizeof path, "/runtime.v1.%s/%s", service, method);
    uint8_t *reply = NULL;
    size_t reply_length = 0;
    grpc_status status = { 0 };
    wc_error err = { 0 };
    double start = bench_now_ms();
    int rc = grpc_client_unary(client, path, body, length, &reply, &reply_length, &status, &err);
    if (ms != NULL)
        *ms = bench_now_ms() - start;
    free(body);
    if (rc < 0) {
        fprintf(stderr, "%s: %s: %s\n", program, method, err.message);
        exit(1);
    }
    if (status.code != 0) {
        fprintf(stderr, "%s: %s: status %d: %s\n", program, method, status.code, status.message);
        exit(1);
    }
    ProtobufCMessage *response =
        protobuf_c_message_unpack(response_descriptor, NULL, reply_length, reply);
    free(reply);
    if (response == NULL) {
        fprintf(stderr, "%s: %s: response does not decode\n", program, method);
        exit(1);
    }
    return response;
}
