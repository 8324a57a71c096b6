/* client.h - a blocking gRPC client over a unix socket (nghttp2 client session, no loop).
 * For wasmcrictl, the tests and the benchmarks: one connection, calls one after another. */
#ifndef WASMCRI_GRPC_CLIENT_H
#define WASMCRI_GRPC_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

typedef struct grpc_client grpc_client;

/* The outcome of a call as the server stated it. */
typedef struct grpc_status {
    int code;             /* enum grpc_status_code */
    char message[1024];   /* grpc-message, percent-decoded */
} grpc_status;

/* Connects to the unix socket; timeout_ms bounds each later call too (0 = no limit). A missing
 * socket is WC_EUNAVAILABLE with "connect endpoint 'unix://PATH': no such file or directory". */
int grpc_client_connect(const char *socket_path, int timeout_ms, grpc_client **out, wc_error *err);
void grpc_client_free(grpc_client *client);
/* Changes the per-call deadline for the calls that follow (0 = no limit). */
void grpc_client_set_timeout(grpc_client *client, int timeout_ms);

/* Unary call. Returns 0 when the exchange completed (whatever status the server gave, in
 * *status; *response is malloc'd, possibly empty, set only for status OK), -1 on a transport
 * failure (err). */
int grpc_client_unary(grpc_client *client, const char *path, const uint8_t *request,
                      size_t request_length, uint8_t **response, size_t *response_length,
                      grpc_status *status, wc_error *err);

/* Server-streaming call: on_message runs for each message as it arrives; returning non-zero
 * from it cancels the call (status CANCELLED). Same return convention as grpc_client_unary. */
typedef int (*grpc_message_fn)(const uint8_t *message, size_t length, void *data);
int grpc_client_stream(grpc_client *client, const char *path, const uint8_t *request,
                       size_t request_length, grpc_message_fn on_message, void *data,
                       grpc_status *status, wc_error *err);

/* Sends raw bytes as one HTTP/2 request body, no gRPC framing added: for tests of hostile
 * input (bad prefixes, compressed flag, oversize). */
int grpc_client_unary_raw(grpc_client *client, const char *path, const uint8_t *body,
                          size_t body_length, uint8_t **response, size_t *response_length,
                          grpc_status *status, wc_error *err);

#endif
