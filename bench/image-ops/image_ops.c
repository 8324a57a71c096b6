/* image-ops - the original BenchmarkImageInCri / BenchmarkWasmModuleInCri: N rounds of
 * PullImage, ImageStatus (by name, by id) and RemoveImage against any CRI runtime, each timed
 * in the client around the RPC alone (request already packed, response not yet unpacked).
 *
 *   image-ops --endpoint unix:///run/wasmcri/wasmcri.sock [-n 50]
 *             [--module-url URL --module-name NAME]   a wasm module pulled by URL
 *             [--oci-image REF]                      an OCI image from a registry
 * Prints min, median and p99 in milliseconds per kind and operation. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.pb-c.h"
#include "grpc/client.h"
#include "call.h"
#include "stats.h"

typedef struct samples {
    double *ms;
    size_t count;
} samples;

enum { OP_PULL, OP_STATUS_NAME, OP_STATUS_ID, OP_REMOVE, OP_COUNT };
static const char *const op_names[OP_COUNT] = {"PullImage", "ImageStatus(name)", "ImageStatus(id)",
                                               "RemoveImage"};

/* One unary ImageService call; the time of the exchange alone goes to *ms. */
static ProtobufCMessage *call(grpc_client *client, const char *method, const ProtobufCMessage *request,
                              const ProtobufCMessageDescriptor *response_descriptor, double *ms)
{
    return bench_call(client, "image-ops", "ImageService", method, request, response_descriptor,
                      ms);
}

static void run_kind(grpc_client *client, const char *kind, const char *name, const char *url,
                     int iterations)
{
    samples s[OP_COUNT];
    for (int op = 0; op < OP_COUNT; op++) {
        s[op].ms = calloc((size_t)iterations, sizeof(double));
        s[op].count = 0;
    }
    Runtime__V1__ImageSpec__AnnotationsEntry url_entry = RUNTIME__V1__IMAGE_SPEC__ANNOTATIONS_ENTRY__INIT;
    Runtime__V1__ImageSpec__AnnotationsEntry *entries[1] = {&url_entry};
    url_entry.key = "wasm.module.url";
    url_entry.value = (char *)url;
    for (int i = 0; i < iterations; i++) {
        Runtime__V1__ImageSpec spec = RUNTIME__V1__IMAGE_SPEC__INIT;
        spec.image = (char *)name;
        if (url) {
            spec.n_annotations = 1;
            spec.annotations = entries;
        }
        Runtime__V1__PullImageRequest pull = RUNTIME__V1__PULL_IMAGE_REQUEST__INIT;
        pull.image = &spec;
        ProtobufCMessage *r = call(client, "PullImage", &pull.base,
                                   &runtime__v1__pull_image_response__descriptor,
                                   &s[OP_PULL].ms[s[OP_PULL].count++]);
        char *id = strdup(((Runtime__V1__PullImageResponse *)r)->image_ref);
        protobuf_c_message_free_unpacked(r, NULL);

        Runtime__V1__ImageSpec by_name = RUNTIME__V1__IMAGE_SPEC__INIT;
        by_name.image = (char *)name;
        Runtime__V1__ImageStatusRequest status = RUNTIME__V1__IMAGE_STATUS_REQUEST__INIT;
        status.image = &by_name;
        r = call(client, "ImageStatus", &status.base, &runtime__v1__image_status_response__descriptor,
                 &s[OP_STATUS_NAME].ms[s[OP_STATUS_NAME].count++]);
        if (((Runtime__V1__ImageStatusResponse *)r)->image == NULL) {
            fprintf(stderr, "image-ops: ImageStatus %s: not found after pull\n", name);
            exit(1);
        }
        protobuf_c_message_free_unpacked(r, NULL);

        Runtime__V1__ImageSpec by_id = RUNTIME__V1__IMAGE_SPEC__INIT;
        by_id.image = id;
        status.image = &by_id;
        r = call(client, "ImageStatus", &status.base, &runtime__v1__image_status_response__descriptor,
                 &s[OP_STATUS_ID].ms[s[OP_STATUS_ID].count++]);
        protobuf_c_message_free_unpacked(r, NULL);

        Runtime__V1__RemoveImageRequest remove = RUNTIME__V1__REMOVE_IMAGE_REQUEST__INIT;
        remove.image = &by_id;
        r = call(client, "RemoveImage", &remove.base, &runtime__v1__remove_image_response__descriptor,
                 &s[OP_REMOVE].ms[s[OP_REMOVE].count++]);
        protobuf_c_message_free_unpacked(r, NULL);
        free(id);
    }
    for (int op = 0; op < OP_COUNT; op++) {
        bench_stats stats;
        bench_stats_of(s[op].ms, s[op].count, &stats);
        printf("%-6s %-18s %6d %10.3f %10.3f %10.3f\n", kind, op_names[op], (int)s[op].count,
               stats.min, stats.median, stats.p99);
        free(s[op].ms);
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: image-ops --endpoint unix:///PATH [-n N] [--module-url URL "
                    "--module-name NAME] [--oci-image REF]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"endpoint", required_argument, NULL, 'e'},
        {"iterations", required_argument, NULL, 'n'},
        {"module-url", required_argument, NULL, 'u'},
        {"module-name", required_argument, NULL, 'm'},
        {"oci-image", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    const char *endpoint = NULL, *url = NULL, *module = "image-ops-module", *oci = NULL;
    int iterations = 50, opt;
    while ((opt = getopt_long(argc, argv, "e:n:", options, NULL)) != -1) {
        switch (opt) {
        case 'e': endpoint = optarg; break;
        case 'n': iterations = atoi(optarg); break;
        case 'u': url = optarg; break;
        case 'm': module = optarg; break;
        case 'o': oci = optarg; break;
        default: usage();
        }
    }
    if (endpoint == NULL || iterations < 1 || (url == NULL && oci == NULL))
        usage();
    if (strncmp(endpoint, "unix://", 7) == 0)
        endpoint += 7;
    grpc_client *client;
    wc_error err;
    if (grpc_client_connect(endpoint, 600000, &client, &err) < 0) {
        fprintf(stderr, "image-ops: %s\n", err.message);
        return 1;
    }
    printf("%-6s %-18s %6s %10s %10s %10s\n", "kind", "operation", "n", "min ms", "median ms",
           "p99 ms");
    if (url)
        run_kind(client, "wasm", module, url, iterations);
    if (oci)
        run_kind(client, "oci", oci, NULL, iterations);
    grpc_client_free(client);
    return 0;
}
