/* pods.c - pod sandbox commands as crictl has them: runp, pods, inspectp, stopp, rmp, statsp. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crictl/commands.h"
#include "crictl/config_file.h"
#include "crictl/runtime_util.h"

/* Runs a pod from a parsed config; *id is the new pod's id (caller frees). */
int crictl_run_pod(crictl_ctx *ctx, Runtime__V1__PodSandboxConfig *config, const char *runtime,
                   char **id, wc_error *err);
int crictl_run_pod(crictl_ctx *ctx, Runtime__V1__PodSandboxConfig *config, const char *runtime,
                   char **id, wc_error *err)
{
    Runtime__V1__RunPodSandboxRequest request = RUNTIME__V1__RUN_POD_SANDBOX_REQUEST__INIT;
    request.config = config;
    request.runtime_handler = (char *)(runtime ? runtime : "");
    ProtobufCMessage *response;
    if (crictl_call(ctx, CRICTL_RUNTIME, "RunPodSandbox", &request.base,
                    &runtime__v1__run_pod_sandbox_response__descriptor, &response, err) < 0)
        return -1;
    *id = strdup(((Runtime__V1__RunPodSandboxResponse *)response)->pod_sandbox_id);
    protobuf_c_message_free_unpacked(response, NULL);
    return *id ? 0 : wc_error_set(err, WC_ERESOURCE, "out of memory");
}

int crictl_cmd_runp(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        { "runtime", required_argument, NULL, 'r' },
        { NULL, 0, NULL, 0 },
    };
    const char *runtime = NULL;
    optind = 0;
    opterr = 0;
    int opt;
    wc_error err = { 0 };
    while ((opt = getopt_long(argc, argv, "r:", options, NULL)) != -1) {
        if (opt != 'r') {
            wc_error_set(&err, WC_EINVAL, "runp: unknown flag %s", argv[optind - 1]);
            return crictl_fail(NULL, &err);
        }
        runtime = optarg;
    }
    if (optind + 1 != argc) {
        wc_error_set(&err, WC_EINVAL, "runp: expected one argument: the pod config file");
        return crictl_fail(NULL, &err);
    }
    crictl_arena arena = { 0 };
    ProtobufCMessage *config = NULL;
    char *id = NULL;
    int rc = 0;
    if (crictl_load_message(&arena, argv[optind], &runtime__v1__pod_sandbox_config__descriptor,
                            &config, &err) < 0)
        rc = crictl_fail("load podSandboxConfig", &err);
    else if (crictl_run_pod(ctx, (Runtime__V1__PodSandboxConfig *)config, runtime, &id, &err) < 0)
        rc = crictl_fail("run pod sandbox", &err);
    else
        printf("%s\n", id);
    free(id);
    crictl_arena_free(&arena);
    return rc;
}

static int list_pods(crictl_ctx *ctx, Runtime__V1__PodSandboxFilter *filter,
                     Runtime__V1__ListPodSandboxResponse **out, wc_error *err)
{
    Runtime__V1__ListPodSandboxRequest request = RUNTIME__V1__LIST_POD_SANDBOX_REQUEST__INIT;
    request.filter = filter;
    return crictl_call(ctx, CRICTL_RUNTIME, "ListPodSandbox", &request.base,
                       &runtime__v1__list_pod_sandbox_response__descriptor,
                       (ProtobufCMessage **)out, err);
}

int crictl_cmd_pods(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        { "quiet", no_argument, NULL, 'q' },
        { "id", required_argument, NULL, 'i' },
        { "name", required_argument, NULL, 'n' },
        { "namespace", required_argument, NULL, 'N' },
        { "state", required_argument, NULL, 's' },
        { "label", required_argument, NULL, 'l' },
        { "output", required_argument, NULL, 'o' },
        { "no-trunc", no_argument, NULL, 'T' },
        { "verbose", no_argument, NULL, 'v' },
        { NULL, 0, NULL, 0 },
    };
    bool quiet = false, no_trunc = false;
    const char *name = NULL, *namespace_ = NULL;
    crictl_format format = CRICTL_TABLE;
    crictl_arena arena = { 0 };
    Runtime__V1__PodSandboxFilter filter = RUNTIME__V1__POD_SANDBOX_FILTER__INIT;
    Runtime__V1__PodSandboxStateValue state = RUNTIME__V1__POD_SANDBOX_STATE_VALUE__INIT;
    wc_error err = { 0 };
    optind = 0;
    opterr = 0;
    int opt, rc = 0;
    while (rc == 0 && (opt = getopt_long(argc, argv, "qs:o:v", options, NULL)) != -1) {
        switch (opt) {
        case 'q': quiet = true; break;
        case 'T': no_trunc = true; break;
        case 'v': break;
        case 'i': filter.id = optarg; break;
        case 'n': name = optarg; break;
        case 'N': namespace_ = optarg; break;
        case 's':
            if (strcasecmp(optarg, "ready") == 0 || strcasecmp(optarg, "sandbox_ready") == 0)
                state.state = RUNTIME__V1__POD_SANDBOX_STATE__SANDBOX_READY;
            else if (strcasecmp(optarg, "notready") == 0
                     || strcasecmp(optarg, "sandbox_notready") == 0)
                state.state = RUNTIME__V1__POD_SANDBOX_STATE__SANDBOX_NOTREADY;
            else
                rc = wc_error_set(&err, WC_EINVAL, "--state %s: ready or notready", optarg);
            filter.state = &state;
            break;
        case 'l':
            rc = crictl_add_label(&arena,
                                  &runtime__v1__pod_sandbox_filter__label_selector_entry__descriptor,
                                  (crictl_map_entry ***)&filter.label_selector,
                                  &filter.n_label_selector, optarg, &err);
            break;
        case 'o': rc = crictl_format_parse(optarg, &format, &err); break;
        default: rc = wc_error_set(&err, WC_EINVAL, "pods: unknown flag %s", argv[optind - 1]);
        }
    }
    if (rc < 0) {
        crictl_arena_free(&arena);
        return crictl_fail(NULL, &err);
    }
    Runtime__V1__ListPodSandboxResponse *response = NULL;
    if (list_pods(ctx, &filter, &response, &err) < 0) {
        crictl_arena_free(&arena);
        return crictl_fail("listing pod sandboxes", &err);
    }
    /* Name and namespace filter on this side, as crictl does. */
    size_t kept = 0;
    for (size_t i = 0; i < response->n_items; i++) {
        Runtime__V1__PodSandbox *pod = response->items[i];
        if (name && (!pod->metadata || !strstr(pod->metadata->name, name)))
            continue;
        if (namespace_ && (!pod->metadata || !strstr(pod->metadata->namespace_, namespace_)))
            continue;
        response->items[kept++] = pod;
    }
    size_t total = response->n_items;
    response->n_items = kept;
    if (quiet) {
        for (size_t i = 0; i < kept; i++)
            printf("%s\n", response->items[i]->id);
    } else if (format != CRICTL_TABLE) {
        json_t *json = crictl_message_json(&response->base);
        rc = crictl_print_json(json, format) < 0;
        json_decref(json);
    } else {
        crictl_table table;
        crictl_table_init(&table, 7);
        const char *header[] = { "POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT",
                                 "RUNTIME" };
        crictl_table_row(&table, header);
        for (size_t i = 0; i < kept; i++) {
            Runtime__V1__PodSandbox *pod = response->items[i];
            char id[14], created[64], attempt[16];
            crictl_ago(pod->created_at, created, sizeof created);
            snprintf(attempt, sizeof attempt, "%u", pod->metadata ? pod->metadata->attempt : 0);
            const char *row[] = { crictl_short_id(pod->id, no_trunc, id), created,
                                  crictl_pod_state_name(pod->state),
                                  pod->metadata ? pod->metadata->name : "",
                                  pod->metadata ? pod->metadata->namespace_ : "", attempt,
                                  pod->runtime_handler[0] ? pod->runtime_handler : "(default)" };
            crictl_table_row(&table, row);
        }
        crictl_table_print(&table);
        crictl_table_free(&table);
    }
    response->n_items = total;
    protobuf_c_message_free_unpacked(&response->base, NULL);
    crictl_arena_free(&arena);
    return rc;
}

int crictl_cmd_inspectp(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        { "output", required_argument, NULL, 'o' },
        { NULL, 0, NULL, 0 },
    };
    crictl_format format = CRICTL_JSON;
    wc_error err = { 0 };
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "o:", options, NULL)) != -1) {
        if (opt != 'o' || crictl_format_parse(optarg, &format, &err) < 0) {
            if (opt != 'o')
                wc_error_set(&err, WC_EINVAL, "inspectp: unknown flag %s", argv[optind - 1]);
            return crictl_fail(NULL, &err);
        }
    }
    if (optind >= argc) {
        wc_error_set(&err, WC_EINVAL, "ID cannot be empty");
        return crictl_fail(NULL, &err);
    }
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        Runtime__V1__PodSandboxStatusRequest request =
            RUNTIME__V1__POD_SANDBOX_STATUS_REQUEST__INIT;
        request.pod_sandbox_id = argv[i];
        request.verbose = true;
        ProtobufCMessage *response;
        if (crictl_call(ctx, CRICTL_RUNTIME, "PodSandboxStatus", &request.base,
                        &runtime__v1__pod_sandbox_status_response__descriptor, &response,
                        &err) < 0) {
            char context[160];
            snprintf(context, sizeof context, "getting the pod sandbox status for \"%s\"", argv[i]);
            rc = crictl_fail(context, &err);
            continue;
        }
        Runtime__V1__PodSandboxStatusResponse *status = (void *)response;
        rc |= crictl_print_status(&status->status->base, status->n_info,
                                  (crictl_map_entry **)status->info, format);
        protobuf_c_message_free_unpacked(response, NULL);
    }
    return rc;
}

/* stopp and rmp: one call per id, crictl's messages. */
static int pods_each(crictl_ctx *ctx, int argc, char **argv, const char *method,
                     const ProtobufCMessageDescriptor *response_descriptor, const char *done)
{
    wc_error err = { 0 };
    int first = 1;
    bool all = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "--all") == 0)
            all = true;
        else if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--force") == 0)
            continue;
        else
            break;
        first = i + 1;
    }
    Runtime__V1__ListPodSandboxResponse *listed = NULL;
    char **ids = argv + first;
    size_t count = (size_t)(argc - first);
    char **all_ids = NULL;
    if (all) {
        if (list_pods(ctx, NULL, &listed, &err) < 0)
            return crictl_fail("listing pod sandboxes", &err);
        all_ids = calloc(listed->n_items + 1, sizeof *all_ids);
        for (size_t i = 0; all_ids && i < listed->n_items; i++)
            all_ids[i] = listed->items[i]->id;
        ids = all_ids;
        count = all_ids ? listed->n_items : 0;
    } else if (count == 0) {
        wc_error_set(&err, WC_EINVAL, "ID cannot be empty");
        return crictl_fail(NULL, &err);
    }
    int rc = 0;
    for (size_t i = 0; i < count; i++) {
        Runtime__V1__StopPodSandboxRequest stop = RUNTIME__V1__STOP_POD_SANDBOX_REQUEST__INIT;
        Runtime__V1__RemovePodSandboxRequest remove =
            RUNTIME__V1__REMOVE_POD_SANDBOX_REQUEST__INIT;
        stop.pod_sandbox_id = remove.pod_sandbox_id = ids[i];
        bool removing = strcmp(method, "RemovePodSandbox") == 0;
        const ProtobufCMessage *request = removing ? &remove.base : &stop.base;
        ProtobufCMessage *response;
        if (crictl_call(ctx, CRICTL_RUNTIME, method, request, response_descriptor,
                        &response, &err) < 0) {
            char context[160];
            snprintf(context, sizeof context, "%s \"%s\"",
                     removing ? "removing the pod sandbox" : "stopping the pod sandbox",
                     ids[i]);
            rc = crictl_fail(context, &err);
            continue;
        }
        protobuf_c_message_free_unpacked(response, NULL);
        printf("%s sandbox %s\n", done, ids[i]);
    }
    free(all_ids);
    if (listed)
        protobuf_c_message_free_unpacked(&listed->base, NULL);
    return rc;
}

int crictl_cmd_stopp(crictl_ctx *ctx, int argc, char **argv)
{
    return pods_each(ctx, argc, argv, "StopPodSandbox",
                     &runtime__v1__stop_pod_sandbox_response__descriptor, "Stopped");
}

int crictl_cmd_rmp(crictl_ctx *ctx, int argc, char **argv)
{
    return pods_each(ctx, argc, argv, "RemovePodSandbox",
                     &runtime__v1__remove_pod_sandbox_response__descriptor, "Removed");
}

int crictl_cmd_statsp(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        { "output", required_argument, NULL, 'o' },
        { "id", required_argument, NULL, 'i' },
        { NULL, 0, NULL, 0 },
    };
    crictl_format format = CRICTL_TABLE;
    Runtime__V1__PodSandboxStatsFilter filter = RUNTIME__V1__POD_SANDBOX_STATS_FILTER__INIT;
    wc_error err = { 0 };
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "o:", options, NULL)) != -1) {
        if (opt == 'i') {
            filter.id = optarg;
        } else if (opt != 'o' || crictl_format_parse(optarg, &format, &err) < 0) {
            if (opt != 'o')
                wc_error_set(&err, WC_EINVAL, "statsp: unknown flag %s", argv[optind - 1]);
            return crictl_fail(NULL, &err);
        }
    }
    if (optind < argc)
        filter.id = argv[optind];
    Runtime__V1__ListPodSandboxStatsRequest request =
        RUNTIME__V1__LIST_POD_SANDBOX_STATS_REQUEST__INIT;
    request.filter = &filter;
    ProtobufCMessage *response;
    if (crictl_call(ctx, CRICTL_RUNTIME, "ListPodSandboxStats", &request.base,
                    &runtime__v1__list_pod_sandbox_stats_response__descriptor, &response,
                    &err) < 0)
        return crictl_fail("listing pod sandbox stats", &err);
    Runtime__V1__ListPodSandboxStatsResponse *stats = (void *)response;
    int rc = 0;
    if (format != CRICTL_TABLE) {
        json_t *json = crictl_message_json(response);
        rc = crictl_print_json(json, format) < 0;
        json_decref(json);
        protobuf_c_message_free_unpacked(response, NULL);
        return rc;
    }
    /* CPU % from two samples a second apart, as crictl takes them. */
    sleep(1);
    ProtobufCMessage *later_response = NULL;
    if (crictl_call(ctx, CRICTL_RUNTIME, "ListPodSandboxStats", &request.base,
                    &runtime__v1__list_pod_sandbox_stats_response__descriptor, &later_response,
                    &err) < 0)
        later_response = NULL;
    Runtime__V1__ListPodSandboxStatsResponse *later = (void *)later_response;
    crictl_table table;
    crictl_table_init(&table, 4);
    const char *header[] = { "POD", "POD ID", "CPU %", "MEM" };
    crictl_table_row(&table, header);
    for (size_t i = 0; i < stats->n_stats; i++) {
        Runtime__V1__PodSandboxStats *s = stats->stats[i];
        const char *pid = s->attributes ? s->attributes->id : "";
        Runtime__V1__PodSandboxStats *l = NULL;
        for (size_t k = 0; later && k < later->n_stats; k++)
            if (later->stats[k]->attributes && strcmp(later->stats[k]->attributes->id, pid) == 0)
                l = later->stats[k];
        char id[14], cpu[32] = "0.00", mem[32] = "0B";
        if (l && l->linux && l->linux->cpu && s->linux && s->linux->cpu
            && l->linux->cpu->usage_core_nano_seconds && s->linux->cpu->usage_core_nano_seconds
            && l->linux->cpu->timestamp > s->linux->cpu->timestamp)
            snprintf(cpu, sizeof cpu, "%.2f",
                     100.0 * (double)(l->linux->cpu->usage_core_nano_seconds->value
                                      - s->linux->cpu->usage_core_nano_seconds->value)
                         / (double)(l->linux->cpu->timestamp - s->linux->cpu->timestamp));
        Runtime__V1__PodSandboxStats *shown = l ? l : s;
        if (shown->linux && shown->linux->memory && shown->linux->memory->working_set_bytes)
            crictl_human_size(shown->linux->memory->working_set_bytes->value, 4, mem,
                              sizeof mem);
        const char *row[] = { s->attributes && s->attributes->metadata
                                  ? s->attributes->metadata->name : "",
                              crictl_short_id(pid, false, id), cpu, mem };
        crictl_table_row(&table, row);
    }
    crictl_table_print(&table);
    crictl_table_free(&table);
    protobuf_c_message_free_unpacked(response, NULL);
    if (later_response)
        protobuf_c_message_free_unpacked(later_response, NULL);
    return rc;
}
