/* version.c - `wasmcrictl version` and `wasmcrictl info`, as crictl prints them. */
#include <getopt.h>
#include <stdio.h>

#include "crictl/commands.h"

/* -o/--output for commands whose default is fixed text. */
static int parse_output_flag(int argc, char **argv, crictl_format default_format,
                             crictl_format *format, wc_error *err)
{
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    *format = default_format;
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "o:", options, NULL)) != -1) {
        if (opt != 'o')
            return wc_error_set(err, WC_EINVAL, "%s: unknown flag %s", argv[0], argv[optind - 1]);
        if (crictl_format_parse(optarg, format, err) < 0)
            return -1;
    }
    if (optind < argc)
        return wc_error_set(err, WC_EINVAL, "%s: unexpected argument \"%s\"", argv[0],
                            argv[optind]);
    return 0;
}

int crictl_cmd_version(crictl_ctx *ctx, int argc, char **argv)
{
    wc_error err;
    crictl_format format;
    if (parse_output_flag(argc, argv, CRICTL_TABLE, &format, &err) < 0)
        return crictl_fail(NULL, &err);
    Runtime__V1__VersionRequest request = RUNTIME__V1__VERSION_REQUEST__INIT;
    request.version = "v1";
    ProtobufCMessage *response;
    if (crictl_call(ctx, CRICTL_RUNTIME, "Version", &request.base,
                    &runtime__v1__version_response__descriptor, &response, &err) < 0)
        return crictl_fail("getting the runtime version", &err);
    const Runtime__V1__VersionResponse *version = (const Runtime__V1__VersionResponse *)response;
    int rc = 0;
    if (format == CRICTL_TABLE) {
        printf("Version:  %s\nRuntimeName:  %s\nRuntimeVersion:  %s\nRuntimeApiVersion:  %s\n",
               version->version, version->runtime_name, version->runtime_version,
               version->runtime_api_version);
    } else {
        json_t *json = crictl_message_json(response);
        rc = crictl_print_json(json, format) < 0 ? 1 : 0;
        json_decref(json);
    }
    protobuf_c_message_free_unpacked(response, NULL);
    return rc;
}

int crictl_cmd_info(crictl_ctx *ctx, int argc, char **argv)
{
    wc_error err;
    crictl_format format;
    if (parse_output_flag(argc, argv, CRICTL_JSON, &format, &err) < 0)
        return crictl_fail(NULL, &err);
    if (format == CRICTL_TABLE)
        format = CRICTL_JSON;
    Runtime__V1__StatusRequest request = RUNTIME__V1__STATUS_REQUEST__INIT;
    request.verbose = true;
    ProtobufCMessage *response;
    if (crictl_call(ctx, CRICTL_RUNTIME, "Status", &request.base,
                    &runtime__v1__status_response__descriptor, &response, &err) < 0)
        return crictl_fail("getting status of runtime", &err);
    const Runtime__V1__StatusResponse *status = (const Runtime__V1__StatusResponse *)response;
    /* crictl shows the status, the handlers and features, then each info entry as JSON. */
    json_t *whole = crictl_message_json(response);
    json_t *out = json_object();
    json_object_set(out, "status", json_object_get(whole, "status"));
    json_object_set(out, "runtimeHandlers", json_object_get(whole, "runtimeHandlers"));
    json_object_set(out, "features", json_object_get(whole, "features"));
    crictl_add_info(out, status->n_info, (crictl_map_entry **)status->info);
    int rc = crictl_print_json(out, format) < 0 ? 1 : 0;
    json_decref(out);
    json_decref(whole);
    protobuf_c_message_free_unpacked(response, NULL);
    return rc;
}
