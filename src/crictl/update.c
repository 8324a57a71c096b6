/* update.c - `update` as crictl has it: UpdateContainerResources with the limits given by flags
 * (unset ones stay 0, which the runtime reads as "unchanged"). For a wasm instance --memory
 * changes the linear-memory cap, also of a running instance. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "crictl/commands.h"

/* A non-negative decimal; false otherwise. */
static bool parse_count(const char *text, int64_t *out)
{
    char *end = NULL;
    long long value = strtoll(text, &end, 10);
    if (end == text || *end != 0 || value < 0)
        return false;
    *out = value;
    return true;
}

int crictl_cmd_update(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        { "memory", required_argument, NULL, 'm' },
        { "cpu-quota", required_argument, NULL, 'q' },
        { "cpu-period", required_argument, NULL, 'p' },
        { "cpu-share", required_argument, NULL, 's' },
        { "cpuset-cpus", required_argument, NULL, 'c' },
        { "cpuset-mems", required_argument, NULL, 'n' },
        { NULL, 0, NULL, 0 },
    };
    Runtime__V1__LinuxContainerResources resources = RUNTIME__V1__LINUX_CONTAINER_RESOURCES__INIT;
    wc_error err = { 0 };
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        int64_t value = 0;
        if (opt == 'c' || opt == 'n') {
            if (opt == 'c')
                resources.cpuset_cpus = optarg;
            else
                resources.cpuset_mems = optarg;
            continue;
        }
        if (opt == '?' || !parse_count(optarg, &value)) {
            wc_error_set(&err, WC_EINVAL, "update: bad flag or value %s", argv[optind - 1]);
            return crictl_fail(NULL, &err);
        }
        switch (opt) {
        case 'm': resources.memory_limit_in_bytes = value; break;
        case 'q': resources.cpu_quota = value; break;
        case 'p': resources.cpu_period = value; break;
        default: resources.cpu_shares = value; break;
        }
    }
    if (optind >= argc) {
        wc_error_set(&err, WC_EINVAL, "ID cannot be empty");
        return crictl_fail(NULL, &err);
    }
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        Runtime__V1__UpdateContainerResourcesRequest request =
            RUNTIME__V1__UPDATE_CONTAINER_RESOURCES_REQUEST__INIT;
        request.container_id = argv[i];
        request.linux = &resources;
        ProtobufCMessage *response;
        if (crictl_call(ctx, CRICTL_RUNTIME, "UpdateContainerResources", &request.base,
                        &runtime__v1__update_container_resources_response__descriptor, &response,
                        &err) < 0) {
            char context[160];
            snprintf(context, sizeof context, "updating container resources for \"%s\"",
                     argv[i]);
            rc = crictl_fail(context, &err);
            continue;
        }
        protobuf_c_message_free_unpacked(response, NULL);
        printf("%s\n", argv[i]);
    }
    return rc;
}
