/* crictl.h - what every wasmcrictl command uses: the connection to the runtime (endpoint flags,
 * env, crictl.yaml), CRI calls with crictl-style errors, and crictl's output formats.
 * Commands themselves are listed in commands.h. */
#ifndef WASMCRI_CRICTL_CRICTL_H
#define WASMCRI_CRICTL_CRICTL_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>

#include "api.pb-c.h"
#include "grpc/client.h"
#include "util/error.h"

#define CRICTL_DEFAULT_ENDPOINT "unix:///run/wasmcri/wasmcri.sock"

typedef struct crictl_ctx {
    char *runtime_endpoint;      /* "unix:///path" */
    char *image_endpoint;        /* defaults to the runtime endpoint */
    int timeout_ms;              /* per call, read at each call (commands may raise it around
                                    a long one); crictl's default is 2 s; 0 = no limit */
    bool debug;
    grpc_client *runtime;        /* connected on first use */
    grpc_client *image;
} crictl_ctx;

typedef enum crictl_service { CRICTL_RUNTIME, CRICTL_IMAGE } crictl_service;

/* A unary CRI call: method is the bare name ("Version"); *response is unpacked with
 * response_descriptor (free it with protobuf_c_message_free_unpacked(*response, NULL)).
 * Failures read like crictl's: "rpc error: code = NotFound desc = ..." (err->code mapped back
 * from the gRPC status), or "connect: connect endpoint 'unix:///x': no such file ...". */
int crictl_call(crictl_ctx *ctx, crictl_service service, const char *method,
                const ProtobufCMessage *request,
                const ProtobufCMessageDescriptor *response_descriptor,
                ProtobufCMessage **response, wc_error *err);
/* A server-streaming call: on_message gets each unpacked message (freed after it returns);
 * returning non-zero stops the stream. */
typedef int (*crictl_message_fn)(const ProtobufCMessage *message, void *data);
int crictl_stream(crictl_ctx *ctx, crictl_service service, const char *method,
                  const ProtobufCMessage *request,
                  const ProtobufCMessageDescriptor *response_descriptor,
                  crictl_message_fn on_message, void *data, wc_error *err);

/* Output formats of -o/--output. */
typedef enum crictl_format { CRICTL_TABLE, CRICTL_JSON, CRICTL_YAML } crictl_format;
int crictl_format_parse(const char *text, crictl_format *out, wc_error *err);

/* A message as crictl's JSON shows it: camelCase names, unset fields with their defaults,
 * 64-bit integers as strings, enums by name. New reference. */
json_t *crictl_message_json(const ProtobufCMessage *message);
/* Every generated map<string, string> entry is { base, key, value }, whatever message holds
 * it, so one type reads them all (pass a response's info as (crictl_map_entry **)r->info). */
typedef struct crictl_map_entry {
    ProtobufCMessage base;
    char *key;
    char *value;
} crictl_map_entry;
/* Adds a response's verbose `info` map to object, each value parsed as JSON when it is JSON
 * (as crictl inspect does). */
void crictl_add_info(json_t *object, size_t n_info, crictl_map_entry *const *info);
/* Prints JSON (2-space indent) or YAML (sorted keys) to stdout. */
int crictl_print_json(json_t *value, crictl_format format);

/* Prints a failure like crictl ("FATA[0000] <context>: <message>") to stderr; returns 1. */
int crictl_fail(const char *context, const wc_error *err);

#endif
