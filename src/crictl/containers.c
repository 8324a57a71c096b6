/* containers.c - container commands as crictl has them: create, start, run, ps, inspect,
 * logs, stop, rm, stats. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crictl/commands.h"
#include "crictl/config_file.h"
#include "crictl/runtime_util.h"
#include "util/cleanup.h"

int crictl_run_pod(crictl_ctx *ctx, Runtime__V1__PodSandboxConfig *config, const char *runtime,
                   char **id, wc_error *err);

static int fail_flag(const char *command, char **argv, wc_error *err)
{
    wc_error_set(err, WC_EINVAL, "%s: unknown flag %s", command, argv[optind - 1]);
    return crictl_fail(NULL, err);
}

/* crictl pulls the image first, with the container's image annotations and the pod config,
 * which is how a wasm module named by URL arrives. */
static int pull_for(crictl_ctx *ctx, Runtime__V1__ContainerConfig *config,
                    Runtime__V1__PodSandboxConfig *pod, wc_error *err)
{
    if (config->image == NULL || config->image->image[0] == 0)
        return 0;
    Runtime__V1__PullImageRequest request = RUNTIME__V1__PULL_IMAGE_REQUEST__INIT;
    request.image = config->image;
    request.sandbox_config = pod;
    ProtobufCMessage *response;
    int saved = ctx->timeout_ms;
    ctx->timeout_ms = saved > 300000 ? saved : 300000; /* a pull may take a while */
    int rc = crictl_call(ctx, CRICTL_IMAGE, "PullImage", &request.base,
                         &runtime__v1__pull_image_response__descriptor, &response, err);
    ctx->timeout_ms = saved;
    if (rc == 0)
        protobuf_c_message_free_unpacked(response, NULL);
    return rc;
}

static int create_in(crictl_ctx *ctx, const char *pod_id, Runtime__V1__ContainerConfig *config,
                     Runtime__V1__PodSandboxConfig *pod, bool pull, char **id, wc_error *err)
{
    if (pull && pull_for(ctx, config, pod, err) < 0)
        return wc_error_prefix(err, "pulling image %s",
                               config->image ? config->image->image : "");
    Runtime__V1__CreateContainerRequest request = RUNTIME__V1__CREATE_CONTAINER_REQUEST__INIT;
    request.pod_sandbox_id = (char *)pod_id;
    request.config = config;
    request.sandbox_config = pod;
    ProtobufCMessage *response;
    if (crictl_call(ctx, CRICTL_RUNTIME, "CreateContainer", &request.base,
                    &runtime__v1__create_container_response__descriptor, &response, err) < 0)
        return wc_error_prefix(err, "creating container");
    *id = strdup(((Runtime__V1__CreateContainerResponse *)response)->container_id);
    protobuf_c_message_free_unpacked(response, NULL);
    return 0;
}

static int start_one(crictl_ctx *ctx, const char *id, wc_error *err)
{
    Runtime__V1__StartContainerRequest request = RUNTIME__V1__START_CONTAINER_REQUEST__INIT;
    request.container_id = (char *)id;
    ProtobufCMessage *response;
    if (crictl_call(ctx, CRICTL_RUNTIME, "StartContainer", &request.base,
                    &runtime__v1__start_container_response__descriptor, &response, err) < 0)
        return -1;
    protobuf_c_message_free_unpacked(response, NULL);
    return 0;
}

static int load_configs(crictl_arena *arena, const char *container_path, const char *pod_path,
                        Runtime__V1__ContainerConfig **config, Runtime__V1__PodSandboxConfig **pod,
                        wc_error *err)
{
    if (crictl_load_message(arena, container_path, &runtime__v1__container_config__descriptor,
                            (ProtobufCMessage **)config, err) < 0)
        return wc_error_prefix(err, "load containerConfig");
    if (crictl_load_message(arena, pod_path, &runtime__v1__pod_sandbox_config__descriptor,
                            (ProtobufCMessage **)pod, err) < 0)
        return wc_error_prefix(err, "load podSandboxConfig");
    return 0;
}

int crictl_cmd_create(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        { "no-pull", no_argument, NULL, 'n' },
        { "with-pull", no_argument, NULL, 'w' },
        { NULL, 0, NULL, 0 },
    };
    bool pull = true;
    wc_error err = { 0 };
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'n')
            pull = false;
        else if (opt == 'w')
            pull = true;
        else
            return fail_flag("create", argv, &err);
    }
    if (argc - optind != 3) {
        wc_error_set(&err, WC_EINVAL,
                     "create: expected POD-ID container-config.[json|yaml] pod-config.[json|yaml]");
        return crictl_fail(NULL, &err);
    }
    crictl_arena arena = { 0 };
    Runtime__V1__ContainerConfig *config = NULL;
    Runtime__V1__PodSandboxConfig *pod = NULL;
    char *id = NULL;
    int rc = 0;
    if (load_configs(&arena, argv[optind + 1], argv[optind + 2], &config, &pod, &err) < 0
        || create_in(ctx, argv[optind], config, pod, pull, &id, &err) < 0)
        rc = crictl_fail(NULL, &err);
    else
        printf("%s\n", id);
    free(id);
    crictl_arena_free(&arena);
    return rc;
}

int crictl_cmd_start(crictl_ctx *ctx, int argc, char **argv)
{
    wc_error err = { 0 };
    if (argc < 2) {
        wc_error_set(&err, WC_EINVAL, "ID cannot be empty");
        return crictl_fail(NULL, &err);
    }
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        if (start_one(ctx, argv[i], &err) < 0) {
            char context[160];
            snprintf(context, sizeof context, "starting the container \"%s\"", argv[i]);
            rc = crictl_fail(context, &err);
            continue;
        }
        printf("%s\n", argv[i]);
    }
    return rc;
}

int crictl_cmd_run(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        { "runtime", required_argument, NULL, 'r' },
        { "no-pull", no_argument, NULL, 'n' },
        { "with-pull", no_argument, NULL, 'w' },
        { NULL, 0, NULL, 0 },
    };
    const char *runtime = NULL;
    bool pull = true;
    wc_error err = { 0 };
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "r:", options, NULL)) != -1) {
        if (opt == 'r')
            runtime = optarg;
        else if (opt == 'n')
            pull = false;
        else if (opt == 'w')
            pull = true;
        else
            return fail_flag("run", argv, &err);
    }
    if (argc - optind != 2) {
        wc_error_set(&err, WC_EINVAL,
                     "run: expected container-config.[json|yaml] pod-config.[json|yaml]");
        return crictl_fail(NULL, &err);
    }
    crictl_arena arena = { 0 };
    Runtime__V1__ContainerConfig *config = NULL;
    Runtime__V1__PodSandboxConfig *pod = NULL;
    char *pod_id = NULL, *id = NULL;
    int rc = 0;
    if (load_configs(&arena, argv[optind], argv[optind + 1], &config, &pod, &err) < 0)
        rc = crictl_fail(NULL, &err);
    else if (crictl_run_pod(ctx, pod, runtime, &pod_id, &err) < 0)
        rc = crictl_fail("running pod sandbox", &err);
    else if (create_in(ctx, pod_id, config, pod, pull, &id, &err) < 0)
        rc = crictl_fail(NULL, &err);
    else if (start_one(ctx, id, &err) < 0)
        rc = crictl_fail("starting the container", &err);
    else
        printf("%s\n", id);
    free(pod_id);
    free(id);
    crictl_arena_free(&arena);
    return rc;
}

/* ---- ps ----------------------------------------------------------------------------- */

static int list_containers(crictl_ctx *ctx, Runtime__V1__ContainerFilter *filter,
                           Runtime__V1__ListContainersResponse **out, wc_error *err)
{
    Runtime__V1__ListContainersRequest request = RUNTIME__V1__LIST_CONTAINERS_REQUEST__INIT;
    request.filter = filter;
    return crictl_call(ctx, CRICTL_RUNTIME, "ListContainers", &request.base,
                       &runtime__v1__list_containers_response__descriptor,
                       (ProtobufCMessage **)out, err);
}

static int parse_container_state(const char *text, Runtime__V1__ContainerState *out,
                                 wc_error *err)
{
    static const struct { const char *name; Runtime__V1__ContainerState state; } names[] = {
        { "created", RUNTIME__V1__CONTAINER_STATE__CONTAINER_CREATED },
        { "running", RUNTIME__V1__CONTAINER_STATE__CONTAINER_RUNNING },
        { "exited", RUNTIME__V1__CONTAINER_STATE__CONTAINER_EXITED },
        { "unknown", RUNTIME__V1__CONTAINER_STATE__CONTAINER_UNKNOWN },
    };
    const char *name = strncasecmp(text, "container_", 10) == 0 ? text + 10 : text;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(name, names[i].name) == 0) {
            *out = names[i].state;
            return 0;
        }
    }
    return wc_error_set(err, WC_EINVAL, "--state %s: created, running, exited or unknown", text);
}

/* The pod names for the POD column. */
static const char *pod_name(Runtime__V1__ListPodSandboxResponse *pods, const char *id)
{
    for (size_t i = 0; pods && i < pods->n_items; i++)
        if (strcmp(pods->items[i]->id, id) == 0 && pods->items[i]->metadata)
            return pods->items[i]->metadata->name;
    return "unknown";
}

int crictl_cmd_ps(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        { "all", no_argument, NULL, 'a' },
        { "quiet", no_argument, NULL, 'q' },
        { "pod", required_argument, NULL, 'p' },
        { "state", required_argument, NULL, 's' },
        { "name", required_argument, NULL, 'N' },
        { "id", required_argument, NULL, 'i' },
        { "label", required_argument, NULL, 'L' },
        { "image", required_argument, NULL, 'I' },
        { "output", required_argument, NULL, 'o' },
        { "no-trunc", no_argument, NULL, 'T' },
        { "latest", no_argument, NULL, 'l' },
        { "verbose", no_argument, NULL, 'v' },
        { NULL, 0, NULL, 0 },
    };
    bool all = false, quiet = false, no_trunc = false, latest = false;
    const char *name = NULL, *image = NULL;
    crictl_format format = CRICTL_TABLE;
    Runtime__V1__ContainerFilter filter = RUNTIME__V1__CONTAINER_FILTER__INIT;
    Runtime__V1__ContainerStateValue state = RUNTIME__V1__CONTAINER_STATE_VALUE__INIT;
    crictl_arena arena = { 0 };
    wc_error err = { 0 };
    optind = 0;
    opterr = 0;
    int opt, rc = 0;
    while (rc == 0 && (opt = getopt_long(argc, argv, "aqp:s:o:lv", options, NULL)) != -1) {
        switch (opt) {
        case 'a': all = true; break;
        case 'q': quiet = true; break;
        case 'T': no_trunc = true; break;
        case 'l': latest = true; break;
        case 'v': break;
        case 'p': filter.pod_sandbox_id = optarg; break;
        case 'i': filter.id = optarg; break;
        case 'N': name = optarg; break;
        case 'I': image = optarg; break;
        case 's':
            rc = parse_container_state(optarg, &state.state, &err);
            filter.state = &state;
            break;
        case 'L':
            rc = crictl_add_label(&arena,
                                  &runtime__v1__container_filter__label_selector_entry__descriptor,
                                  (crictl_map_entry ***)&filter.label_selector,
                                  &filter.n_label_selector, optarg, &err);
            break;
        case 'o': rc = crictl_format_parse(optarg, &format, &err); break;
        default: rc = wc_error_set(&err, WC_EINVAL, "ps: unknown flag %s", argv[optind - 1]);
        }
    }
    regex_t name_regex;
    bool have_regex = false;
    if (rc == 0 && name) {
        if (regcomp(&name_regex, name, REG_EXTENDED | REG_NOSUB) != 0)
            rc = wc_error_set(&err, WC_EINVAL, "--name %s: not a regular expression", name);
        else
            have_regex = true;
    }
    /* Without -a (or a state), only running containers, as crictl shows them. */
    if (rc == 0 && !all && filter.state == NULL && !latest) {
        state.state = RUNTIME__V1__CONTAINER_STATE__CONTAINER_RUNNING;
        filter.state = &state;
    }
    Runtime__V1__ListContainersResponse *response = NULL;
    Runtime__V1__ListPodSandboxResponse *pods = NULL;
    if (rc == 0 && list_containers(ctx, &filter, &response, &err) < 0) {
        wc_error_prefix(&err, "listing containers");
        rc = -1;
    }
    if (rc < 0) {
        if (have_regex)
            regfree(&name_regex);
        crictl_arena_free(&arena);
        return crictl_fail(NULL, &err);
    }
    size_t kept = 0, total = response->n_containers;
    for (size_t i = 0; i < total; i++) {
        Runtime__V1__Container *c = response->containers[i];
        if (have_regex && (!c->metadata || regexec(&name_regex, c->metadata->name, 0, NULL, 0)))
            continue;
        if (image && (!c->image || !strstr(c->image->image, image)))
            continue;
        response->containers[kept++] = c;
    }
    if (latest && kept > 1) {
        size_t newest = 0;
        for (size_t i = 1; i < kept; i++)
            if (response->containers[i]->created_at > response->containers[newest]->created_at)
                newest = i;
        Runtime__V1__Container *swap = response->containers[0];
        response->containers[0] = response->containers[newest];
        response->containers[newest] = swap;
        kept = 1;
    }
    response->n_containers = kept;
    if (quiet) {
        for (size_t i = 0; i < kept; i++)
            printf("%s\n", response->containers[i]->id);
    } else if (format != CRICTL_TABLE) {
        json_t *json = crictl_message_json(&response->base);
        rc = crictl_print_json(json, format) < 0;
        json_decref(json);
    } else {
        Runtime__V1__ListPodSandboxRequest pods_request =
            RUNTIME__V1__LIST_POD_SANDBOX_REQUEST__INIT;
        if (crictl_call(ctx, CRICTL_RUNTIME, "ListPodSandbox", &pods_request.base,
                        &runtime__v1__list_pod_sandbox_response__descriptor,
                        (ProtobufCMessage **)&pods, &err) < 0)
            pods = NULL;
        crictl_table table;
        crictl_table_init(&table, 8);
        const char *header[] = { "CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT",
                                 "POD ID", "POD" };
        crictl_table_row(&table, header);
        for (size_t i = 0; i < kept; i++) {
            Runtime__V1__Container *c = response->containers[i];
            char id[14], pod_id[14], created[64], attempt[16];
            crictl_ago(c->created_at, created, sizeof created);
            snprintf(attempt, sizeof attempt, "%u", c->metadata ? c->metadata->attempt : 0);
            const char *row[] = { crictl_short_id(c->id, no_trunc, id),
                                  c->image ? c->image->image : "", created,
                                  crictl_container_state_name(c->state),
                                  c->metadata ? c->metadata->name : "", attempt,
                                  crictl_short_id(c->pod_sandbox_id, no_trunc, pod_id),
                                  pod_name(pods, c->pod_sandbox_id) };
            crictl_table_row(&table, row);
        }
        crictl_table_print(&table);
        crictl_table_free(&table);
    }
    response->n_containers = total;
    protobuf_c_message_free_unpacked(&response->base, NULL);
    if (pods)
        protobuf_c_message_free_unpacked(&pods->base, NULL);
    if (have_regex)
        regfree(&name_regex);
    crictl_arena_free(&arena);
    return rc;
}

/* ---- inspect ------------------------------------------------------------------------ */

static int container_status(crictl_ctx *ctx, const char *id, bool verbose,
                            Runtime__V1__ContainerStatusResponse **out, wc_error *err)
{
    Runtime__V1__ContainerStatusRequest request = RUNTIME__V1__CONTAINER_STATUS_REQUEST__INIT;
    request.container_id = (char *)id;
    request.verbose = verbose;
    return crictl_call(ctx, CRICTL_RUNTIME, "ContainerStatus", &request.base,
                       &runtime__v1__container_status_response__descriptor,
                       (ProtobufCMessage **)out, err);
}

int crictl_cmd_inspect(crictl_ctx *ctx, int argc, char **argv)
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
        if (opt != 'o')
            return fail_flag("inspect", argv, &err);
        if (crictl_format_parse(optarg, &format, &err) < 0)
            return crictl_fail(NULL, &err);
    }
    if (optind >= argc) {
        wc_error_set(&err, WC_EINVAL, "ID cannot be empty");
        return crictl_fail(NULL, &err);
    }
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        Runtime__V1__ContainerStatusResponse *status = NULL;
        if (container_status(ctx, argv[i], true, &status, &err) < 0) {
            char context[160];
            snprintf(context, sizeof context, "getting the status of the container \"%s\"",
                     argv[i]);
            rc = crictl_fail(context, &err);
            continue;
        }
        rc |= crictl_print_status(&status->status->base, status->n_info,
                                  (crictl_map_entry **)status->info, format);
        protobuf_c_message_free_unpacked(&status->base, NULL);
    }
    return rc;
}

/* ---- logs --------------------------------------------------------------------------- */

typedef struct log_reader {
    bool timestamps;
    /* Text of P records waiting for their F, per stream (0 stdout, 1 stderr): the two
     * streams' records interleave in the file, a line continues only within its own stream. */
    char *partial[2];
    size_t partial_length[2];
} log_reader;

/* One CRI log line: "<time> <stream> <F|P> <text>". */
static void print_log_line(log_reader *reader, const char *line, size_t length)
{
    const char *end = line + length;
    const char *stream = memchr(line, ' ', length);
    const char *tag = stream ? memchr(stream + 1, ' ', (size_t)(end - stream - 1)) : NULL;
    const char *text = tag ? memchr(tag + 1, ' ', (size_t)(end - tag - 1)) : NULL;
    if (text == NULL) {
        fwrite(line, 1, length, stdout);
        putchar('\n');
        return;
    }
    text++;
    int which = strncmp(stream + 1, "stderr", 6) == 0 ? 1 : 0;
    FILE *out = which == 1 ? stderr : stdout;
    bool partial = tag[1] == 'P';
    size_t text_length = (size_t)(end - text);
    if (partial) {
        char *bigger = realloc(reader->partial[which], reader->partial_length[which] + text_length);
        if (bigger == NULL)
            return;
        memcpy(bigger + reader->partial_length[which], text, text_length);
        reader->partial[which] = bigger;
        reader->partial_length[which] += text_length;
        return;
    }
    if (reader->timestamps)
        fprintf(out, "%.*s ", (int)(stream - line), line);
    if (reader->partial_length[which]) {
        fwrite(reader->partial[which], 1, reader->partial_length[which], out);
        reader->partial_length[which] = 0;
    }
    fwrite(text, 1, text_length, out);
    fputc('\n', out);
    fflush(out);
}

/* Prints the complete lines of buf; returns how many bytes were consumed. */
static size_t print_lines(log_reader *reader, const char *buf, size_t length)
{
    size_t done = 0;
    for (;;) {
        const char *newline = memchr(buf + done, '\n', length - done);
        if (newline == NULL)
            return done;
        print_log_line(reader, buf + done, (size_t)(newline - (buf + done)));
        done = (size_t)(newline - buf) + 1;
    }
}

int crictl_cmd_logs(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        { "follow", no_argument, NULL, 'f' },
        { "tail", required_argument, NULL, 'T' },
        { "timestamps", no_argument, NULL, 't' },
        { NULL, 0, NULL, 0 },
    };
    bool follow = false;
    long tail = -1;
    log_reader reader = { 0 };
    wc_error err = { 0 };
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "ft", options, NULL)) != -1) {
        if (opt == 'f')
            follow = true;
        else if (opt == 't')
            reader.timestamps = true;
        else if (opt == 'T')
            tail = strtol(optarg, NULL, 10);
        else
            return fail_flag("logs", argv, &err);
    }
    if (optind + 1 != argc) {
        wc_error_set(&err, WC_EINVAL, "ID cannot be empty");
        return crictl_fail(NULL, &err);
    }
    const char *id = argv[optind];
    Runtime__V1__ContainerStatusResponse *status = NULL;
    if (container_status(ctx, id, false, &status, &err) < 0)
        return crictl_fail("failed to get container status", &err);
    cleanup_free char *path = strdup(status->status->log_path);
    protobuf_c_message_free_unpacked(&status->base, NULL);
    if (path == NULL || path[0] == 0) {
        wc_error_set(&err, WC_ENOTFOUND, "the container %s has no log path", id);
        return crictl_fail(NULL, &err);
    }
    FILE *file = fopen(path, "re");
    if (file == NULL) {
        wc_error_set_errno(&err, errno, "failed to open log file %s", path);
        return crictl_fail(NULL, &err);
    }
    /* Read everything there is, keep the last `tail` full lines. */
    size_t capacity = 65536, used = 0;
    char *buf = malloc(capacity);
    size_t got;
    while (buf && (got = fread(buf + used, 1, capacity - used, file)) > 0) {
        used += got;
        if (used == capacity) {
            char *bigger = realloc(buf, capacity * 2);
            if (bigger == NULL)
                break;
            buf = bigger;
            capacity *= 2;
        }
    }
    size_t start = 0;
    if (buf && tail >= 0) {
        long lines = 0;
        size_t i = used;
        /* The last line may still be unfinished: count from the last newline. */
        while (i > 0 && buf[i - 1] != '\n')
            i--;
        while (i > 0) {
            i--;
            if (i == 0 || buf[i - 1] == '\n') {
                /* A line starts at i; only full (F) records count as lines. */
                const char *tag = buf + i;
                int spaces = 0;
                while (tag < buf + used && spaces < 2)
                    spaces += *tag++ == ' ';
                if (tag < buf + used && *tag == 'F' && ++lines > tail) {
                    while (i < used && buf[i] != '\n')
                        i++;
                    i++;
                    break;
                }
            }
        }
        start = i;
    }
    size_t consumed = buf ? start + print_lines(&reader, buf + start, used - start) : used;
    /* Follow: new bytes, until the container has exited and nothing more comes. */
    while (follow && buf) {
        size_t rest = used - consumed;
        memmove(buf, buf + consumed, rest);
        used = rest;
        clearerr(file);
        got = fread(buf + used, 1, capacity - used, file);
        used += got;
        consumed = print_lines(&reader, buf, used);
        if (got > 0)
            continue;
        if (container_status(ctx, id, false, &status, &err) < 0)
            break;
        bool running = status->status->state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_RUNNING
            || status->status->state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_CREATED;
        protobuf_c_message_free_unpacked(&status->base, NULL);
        if (!running) {
            clearerr(file);
            used -= consumed;
            memmove(buf, buf + consumed, used);
            got = fread(buf + used, 1, capacity - used, file);
            print_lines(&reader, buf, used + got);
            break;
        }
        poll(NULL, 0, 100);
    }
    free(buf);
    free(reader.partial[0]);
    free(reader.partial[1]);
    fclose(file);
    return 0;
}

/* ---- stop, rm ----------------------------------------------------------------------- */

int crictl_cmd_stop(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        { "timeout", required_argument, NULL, 't' },
        { NULL, 0, NULL, 0 },
    };
    long timeout = 0;
    wc_error err = { 0 };
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "t:", options, NULL)) != -1) {
        if (opt != 't')
            return fail_flag("stop", argv, &err);
        timeout = strtol(optarg, NULL, 10);
    }
    if (optind >= argc) {
        wc_error_set(&err, WC_EINVAL, "ID cannot be empty");
        return crictl_fail(NULL, &err);
    }
    int rc = 0;
    int saved = ctx->timeout_ms;
    ctx->timeout_ms = saved + (int)timeout * 1000; /* the stop waits up to its timeout */
    for (int i = optind; i < argc; i++) {
        Runtime__V1__StopContainerRequest request = RUNTIME__V1__STOP_CONTAINER_REQUEST__INIT;
        request.container_id = argv[i];
        request.timeout = timeout;
        ProtobufCMessage *response;
        if (crictl_call(ctx, CRICTL_RUNTIME, "StopContainer", &request.base,
                        &runtime__v1__stop_container_response__descriptor, &response, &err) < 0) {
            char context[160];
            snprintf(context, sizeof context, "stopping the container \"%s\"", argv[i]);
            rc = crictl_fail(context, &err);
            continue;
        }
        protobuf_c_message_free_unpacked(response, NULL);
        printf("%s\n", argv[i]);
    }
    ctx->timeout_ms = saved;
    return rc;
}

int crictl_cmd_rm(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        { "force", no_argument, NULL, 'f' },
        { "all", no_argument, NULL, 'a' },
        { NULL, 0, NULL, 0 },
    };
    bool force = false, all = false;
    wc_error err = { 0 };
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "fa", options, NULL)) != -1) {
        if (opt == 'f')
            force = true;
        else if (opt == 'a')
            all = true;
        else
            return fail_flag("rm", argv, &err);
    }
    Runtime__V1__ListContainersResponse *listed = NULL;
    size_t count = (size_t)(argc - optind);
    cleanup_free char **ids = calloc(count + 1, sizeof *ids);
    for (size_t i = 0; ids && i < count; i++)
        ids[i] = argv[optind + (int)i];
    if (all) {
        if (list_containers(ctx, NULL, &listed, &err) < 0)
            return crictl_fail("listing containers", &err);
        free(ids);
        ids = calloc(listed->n_containers + 1, sizeof *ids);
        count = ids ? listed->n_containers : 0;
        for (size_t i = 0; i < count; i++)
            ids[i] = listed->containers[i]->id;
    } else if (count == 0) {
        wc_error_set(&err, WC_EINVAL, "ID cannot be empty");
        return crictl_fail(NULL, &err);
    }
    int rc = 0;
    for (size_t i = 0; ids && i < count; i++) {
        char context[160];
        snprintf(context, sizeof context, "removing the container \"%s\"", ids[i]);
        if (!force) {
            Runtime__V1__ContainerStatusResponse *status = NULL;
            if (container_status(ctx, ids[i], false, &status, &err) < 0) {
                rc = crictl_fail(context, &err);
                continue;
            }
            bool running =
                status->status->state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_RUNNING;
            protobuf_c_message_free_unpacked(&status->base, NULL);
            if (running) {
                wc_error_set(&err, WC_EPRECONDITION,
                             "container is running, stop it first or use --force");
                rc = crictl_fail(context, &err);
                continue;
            }
        }
        Runtime__V1__RemoveContainerRequest request = RUNTIME__V1__REMOVE_CONTAINER_REQUEST__INIT;
        request.container_id = ids[i];
        ProtobufCMessage *response;
        if (crictl_call(ctx, CRICTL_RUNTIME, "RemoveContainer", &request.base,
                        &runtime__v1__remove_container_response__descriptor, &response,
                        &err) < 0) {
            rc = crictl_fail(context, &err);
            continue;
        }
        protobuf_c_message_free_unpacked(response, NULL);
        printf("%s\n", ids[i]);
    }
    if (listed)
        protobuf_c_message_free_unpacked(&listed->base, NULL);
    return rc;
}

/* ---- stats -------------------------------------------------------------------------- */

static int list_stats(crictl_ctx *ctx, Runtime__V1__ContainerStatsFilter *filter,
                      Runtime__V1__ListContainerStatsResponse **out, wc_error *err)
{
    Runtime__V1__ListContainerStatsRequest request =
        RUNTIME__V1__LIST_CONTAINER_STATS_REQUEST__INIT;
    request.filter = filter;
    return crictl_call(ctx, CRICTL_RUNTIME, "ListContainerStats", &request.base,
                       &runtime__v1__list_container_stats_response__descriptor,
                       (ProtobufCMessage **)out, err);
}

int crictl_cmd_stats(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        { "output", required_argument, NULL, 'o' },
        { "pod", required_argument, NULL, 'p' },
        { "id", required_argument, NULL, 'i' },
        { "seconds", required_argument, NULL, 's' },
        { "all", no_argument, NULL, 'a' },
        { NULL, 0, NULL, 0 },
    };
    crictl_format format = CRICTL_TABLE;
    Runtime__V1__ContainerStatsFilter filter = RUNTIME__V1__CONTAINER_STATS_FILTER__INIT;
    long seconds = 1;
    wc_error err = { 0 };
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "o:p:s:a", options, NULL)) != -1) {
        switch (opt) {
        case 'o':
            if (crictl_format_parse(optarg, &format, &err) < 0)
                return crictl_fail(NULL, &err);
            break;
        case 'p': filter.pod_sandbox_id = optarg; break;
        case 'i': filter.id = optarg; break;
        case 's': seconds = strtol(optarg, NULL, 10); break;
        case 'a': break;
        default: return fail_flag("stats", argv, &err);
        }
    }
    if (optind < argc)
        filter.id = argv[optind];
    Runtime__V1__ListContainerStatsResponse *first = NULL, *second = NULL;
    if (list_stats(ctx, &filter, &first, &err) < 0)
        return crictl_fail("listing container stats", &err);
    if (format != CRICTL_TABLE) {
        json_t *json = crictl_message_json(&first->base);
        int rc = crictl_print_json(json, format) < 0;
        json_decref(json);
        protobuf_c_message_free_unpacked(&first->base, NULL);
        return rc;
    }
    /* CPU % needs two samples, as crictl takes them. */
    if (seconds > 0) {
        sleep((unsigned)seconds);
        if (list_stats(ctx, &filter, &second, &err) < 0)
            second = NULL;
    }
    crictl_table table;
    crictl_table_init(&table, 6);
    const char *header[] = { "CONTAINER", "NAME", "CPU %", "MEM", "DISK", "INODES" };
    crictl_table_row(&table, header);
    for (size_t i = 0; i < first->n_stats; i++) {
        Runtime__V1__ContainerStats *s = first->stats[i];
        const char *cid = s->attributes ? s->attributes->id : "";
        char id[14], cpu[32] = "0.00", mem[32] = "0B";
        Runtime__V1__ContainerStats *later = NULL;
        for (size_t j = 0; second && j < second->n_stats; j++)
            if (second->stats[j]->attributes && strcmp(second->stats[j]->attributes->id, cid) == 0)
                later = second->stats[j];
        if (later && s->cpu && later->cpu && s->cpu->usage_core_nano_seconds
            && later->cpu->usage_core_nano_seconds && later->cpu->timestamp > s->cpu->timestamp) {
            double used = (double)(later->cpu->usage_core_nano_seconds->value
                                   - s->cpu->usage_core_nano_seconds->value);
            double span = (double)(later->cpu->timestamp - s->cpu->timestamp);
            snprintf(cpu, sizeof cpu, "%.2f", 100.0 * used / span);
        }
        Runtime__V1__ContainerStats *shown = later ? later : s;
        if (shown->memory && shown->memory->working_set_bytes)
            crictl_human_size(shown->memory->working_set_bytes->value, 4, mem, sizeof mem);
        const char *row[] = { crictl_short_id(cid, false, id),
                              s->attributes && s->attributes->metadata
                                  ? s->attributes->metadata->name : "",
                              cpu, mem, "0B", "0" };
        crictl_table_row(&table, row);
    }
    crictl_table_print(&table);
    crictl_table_free(&table);
    protobuf_c_message_free_unpacked(&first->base, NULL);
    if (second)
        protobuf_c_message_free_unpacked(&second->base, NULL);
    return 0;
}

/* ---- exec --------------------------------------------------------------------------- */

int crictl_cmd_exec(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        { "sync", no_argument, NULL, 's' },
        { "timeout", required_argument, NULL, 'O' },
        { "interactive", no_argument, NULL, 'i' },
        { "tty", no_argument, NULL, 't' },
        { NULL, 0, NULL, 0 },
    };
    long timeout = 0;
    wc_error err = { 0 };
    optind = 0;
    opterr = 0;
    int opt;
    /* "+": options stop at the container id, the command's own flags are its own. */
    while ((opt = getopt_long(argc, argv, "+sit", options, NULL)) != -1) {
        if (opt == 'O')
            timeout = strtol(optarg, NULL, 10);
        else if (opt != 's' && opt != 'i' && opt != 't')
            return fail_flag("exec", argv, &err);
    }
    if (argc - optind < 2) {
        wc_error_set(&err, WC_EINVAL, "exec: expected CONTAINER-ID COMMAND [ARG...]");
        return crictl_fail(NULL, &err);
    }
    Runtime__V1__ExecSyncRequest request = RUNTIME__V1__EXEC_SYNC_REQUEST__INIT;
    request.container_id = argv[optind];
    request.n_cmd = (size_t)(argc - optind - 1);
    request.cmd = argv + optind + 1;
    request.timeout = timeout;
    ProtobufCMessage *response;
    if (crictl_call(ctx, CRICTL_RUNTIME, "ExecSync", &request.base,
                    &runtime__v1__exec_sync_response__descriptor, &response, &err) < 0)
        return crictl_fail("execing command in container", &err);
    Runtime__V1__ExecSyncResponse *result = (void *)response;
    fwrite(result->stdout.data, 1, result->stdout.len, stdout);
    fwrite(result->stderr.data, 1, result->stderr.len, stderr);
    int rc = result->exit_code;
    protobuf_c_message_free_unpacked(response, NULL);
    return rc;
}
