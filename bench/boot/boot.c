/* boot - the original boot-serial benchmark: N serial RunPodSandbox(wasm) + CreateContainer +
 * StartContainer of wasi-demo-app `daemon`, each timed in the client until ContainerStatus says
 * RUNNING; then, with all N running, the resident memory of the runtime's processes per
 * instance; then StopContainer + RemoveContainer + StopPodSandbox + RemovePodSandbox of all,
 * timed. Works against any CRI endpoint.
 *
 *   boot --endpoint unix:///run/wasmcri/wasmcri.sock [-n 50] [--runtime-handler wasm]
 *        [--module-url URL] [--image wasi-demo-app] [--daemon-pid PID]
 *
 * With --module-url the module is pulled first (not timed). Memory: the instances' pids come
 * from ContainerStatus verbose info ("pid", as containerd and wasmcri report it); the daemon's
 * RSS is added when --daemon-pid is given. */
#include <dirent.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.pb-c.h"
#include "grpc/client.h"
#include "call.h"
#include "stats.h"

/* One unary RuntimeService/ImageService call, untimed (boot times whole sequences). */
static ProtobufCMessage *call(grpc_client *client, const char *service, const char *method,
                              const ProtobufCMessage *request,
                              const ProtobufCMessageDescriptor *response_descriptor)
{
    return bench_call(client, "boot", service, method, request, response_descriptor, NULL);
}

static void summary(const char *what, double *values, int n)
{
    bench_stats stats;
    bench_stats_of(values, (size_t)n, &stats);
    printf("%-34s min %8.3f ms   median %8.3f ms   p99 %8.3f ms   (n=%d)\n", what, stats.min,
           stats.median, stats.p99, n);
}

/* Resident and proportional set sizes of a process, in KiB (0 when it is gone). */
static void memory_of(long pid, long *rss_kib, long *pss_kib)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/smaps_rollup", pid);
    FILE *file = fopen(path, "r");
    *rss_kib = *pss_kib = 0;
    if (file == NULL)
        return;
    while (fgets(line, sizeof line, file)) {
        long value;
        if (sscanf(line, "Rss: %ld kB", &value) == 1)
            *rss_kib = value;
        else if (sscanf(line, "Pss: %ld kB", &value) == 1)
            *pss_kib = value;
    }
    fclose(file);
}

/* The daemon and every process it started (instances, and shims kept ready), in KiB. */
static void memory_of_tree(long daemon_pid, long *rss_kib, long *pss_kib, long *count)
{
    memory_of(daemon_pid, rss_kib, pss_kib);
    *count = 1;
    DIR *proc = opendir("/proc");
    struct dirent *entry;
    while (proc && (entry = readdir(proc)) != NULL) {
        long pid = atol(entry->d_name);
        if (pid <= 0)
            continue;
        char path[64], line[512];
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE *file = fopen(path, "r");
        if (file == NULL)
            continue;
        long ppid = 0;
        if (fgets(line, sizeof line, file)) {
            char *close_paren = strrchr(line, ')');
            if (close_paren)
                sscanf(close_paren + 2, "%*c %ld", &ppid);
        }
        fclose(file);
        if (ppid != daemon_pid)
            continue;
        long rss, pss;
        memory_of(pid, &rss, &pss);
        *rss_kib += rss;
        *pss_kib += pss;
        (*count)++;
    }
    if (proc)
        closedir(proc);
}

static long instance_pid(grpc_client *client, const char *id)
{
    Runtime__V1__ContainerStatusRequest request = RUNTIME__V1__CONTAINER_STATUS_REQUEST__INIT;
    request.container_id = (char *)id;
    request.verbose = true;
    Runtime__V1__ContainerStatusResponse *response = (void *)call(
        client, "RuntimeService", "ContainerStatus", &request.base,
        &runtime__v1__container_status_response__descriptor);
    long pid = 0;
    for (size_t i = 0; i < response->n_info; i++) {
        json_t *info = json_loads(response->info[i]->value, 0, NULL);
        json_t *value = info ? json_object_get(info, "pid") : NULL;
        if (json_is_integer(value))
            pid = (long)json_integer_value(value);
        json_decref(info);
    }
    protobuf_c_message_free_unpacked(&response->base, NULL);
    return pid;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        { "endpoint", required_argument, NULL, 'e' },
        { "runtime-handler", required_argument, NULL, 'r' },
        { "module-url", required_argument, NULL, 'u' },
        { "image", required_argument, NULL, 'i' },
        { "daemon-pid", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *endpoint = "unix:///run/wasmcri/wasmcri.sock", *handler = "wasm";
    const char *url = NULL, *image = "wasi-demo-app";
    long daemon_pid = 0;
    int n = 50, opt;
    while ((opt = getopt_long(argc, argv, "n:h", options, NULL)) != -1) {
        switch (opt) {
        case 'e': endpoint = optarg; break;
        case 'r': handler = optarg; break;
        case 'u': url = optarg; break;
        case 'i': image = optarg; break;
        case 'd': daemon_pid = atol(optarg); break;
        case 'n': n = atoi(optarg); break;
        default:
            fputs("usage: boot [--endpoint unix:///PATH] [-n N] [--runtime-handler wasm] "
                  "[--module-url URL] [--image NAME] [--daemon-pid PID]\n", opt == 'h' ? stdout : stderr);
            return opt == 'h' ? 0 : 2;
        }
    }
    if (n < 1)
        n = 1;
    const char *socket_path = strncmp(endpoint, "unix://", 7) == 0 ? endpoint + 7 : endpoint;
    grpc_client *client = NULL;
    wc_error err = { 0 };
    if (grpc_client_connect(socket_path, 60000, &client, &err) < 0) {
        fprintf(stderr, "boot: %s\n", err.message);
        return 1;
    }
    char log_dir[] = "/tmp/wasmcri-boot.XXXXXX";
    if (mkdtemp(log_dir) == NULL) {
        perror("boot: mkdtemp");
        return 1;
    }
    if (url) {
        Runtime__V1__ImageSpec__AnnotationsEntry url_entry =
            RUNTIME__V1__IMAGE_SPEC__ANNOTATIONS_ENTRY__INIT;
        Runtime__V1__ImageSpec__AnnotationsEntry name_entry =
            RUNTIME__V1__IMAGE_SPEC__ANNOTATIONS_ENTRY__INIT;
        url_entry.key = "wasm.module.url";
        url_entry.value = (char *)url;
        name_entry.key = "wasm.module.filename";
        name_entry.value = "wasi-demo-app.wasm";
        Runtime__V1__ImageSpec__AnnotationsEntry *entries[] = { &url_entry, &name_entry };
        Runtime__V1__ImageSpec spec = RUNTIME__V1__IMAGE_SPEC__INIT;
        spec.image = (char *)image;
        spec.n_annotations = 2;
        spec.annotations = entries;
        Runtime__V1__PullImageRequest pull = RUNTIME__V1__PULL_IMAGE_REQUEST__INIT;
        pull.image = &spec;
        protobuf_c_message_free_unpacked(
            call(client, "ImageService", "PullImage", &pull.base,
                 &runtime__v1__pull_image_response__descriptor), NULL);
    }

    char (*pods)[65] = calloc((size_t)n, sizeof *pods);
    char (*containers)[65] = calloc((size_t)n, sizeof *containers);
    double *boot = calloc((size_t)n, sizeof *boot);
    double *teardown = calloc((size_t)n, sizeof *teardown);
    /* Where the time goes: each RPC of the boot, and the wait for RUNNING. */
    double *phases[4];
    static const char *const phase_names[4] = { "  RunPodSandbox", "  CreateContainer",
                                                "  StartContainer", "  until RUNNING" };
    for (int p = 0; p < 4; p++)
        phases[p] = calloc((size_t)n, sizeof *phases[p]);
    char *command[] = { "wasi-demo-app.wasm", "daemon" };
    for (int i = 0; i < n; i++) {
        char name[64], uid[64];
        snprintf(name, sizeof name, "boot-%d", i);
        snprintf(uid, sizeof uid, "boot-uid-%d-%ld", i, (long)getpid());
        Runtime__V1__PodSandboxMetadata metadata = RUNTIME__V1__POD_SANDBOX_METADATA__INIT;
        metadata.name = name;
        metadata.namespace_ = "bench";
        metadata.uid = uid;
        Runtime__V1__PodSandboxConfig pod = RUNTIME__V1__POD_SANDBOX_CONFIG__INIT;
        pod.metadata = &metadata;
        pod.log_directory = log_dir;
        Runtime__V1__ContainerMetadata cmeta = RUNTIME__V1__CONTAINER_METADATA__INIT;
        cmeta.name = "demo";
        Runtime__V1__ImageSpec spec = RUNTIME__V1__IMAGE_SPEC__INIT;
        spec.image = (char *)image;
        Runtime__V1__ContainerConfig config = RUNTIME__V1__CONTAINER_CONFIG__INIT;
        char log_path[80];
        snprintf(log_path, sizeof log_path, "demo-%d.log", i);
        config.metadata = &cmeta;
        config.image = &spec;
        config.n_command = 2;
        config.command = command;
        config.log_path = log_path;

        double start = bench_now_ms();
        Runtime__V1__RunPodSandboxRequest run = RUNTIME__V1__RUN_POD_SANDBOX_REQUEST__INIT;
        run.config = &pod;
        run.runtime_handler = (char *)handler;
        Runtime__V1__RunPodSandboxResponse *ran = (void *)call(
            client, "RuntimeService", "RunPodSandbox", &run.base,
            &runtime__v1__run_pod_sandbox_response__descriptor);
        snprintf(pods[i], sizeof pods[i], "%s", ran->pod_sandbox_id);
        protobuf_c_message_free_unpacked(&ran->base, NULL);
        double mark = bench_now_ms();
        phases[0][i] = mark - start;
        Runtime__V1__CreateContainerRequest create = RUNTIME__V1__CREATE_CONTAINER_REQUEST__INIT;
        create.pod_sandbox_id = pods[i];
        create.config = &config;
        create.sandbox_config = &pod;
        Runtime__V1__CreateContainerResponse *created = (void *)call(
            client, "RuntimeService", "CreateContainer", &create.base,
            &runtime__v1__create_container_response__descriptor);
        snprintf(containers[i], sizeof containers[i], "%s", created->container_id);
        protobuf_c_message_free_unpacked(&created->base, NULL);
        phases[1][i] = bench_now_ms() - mark;
        mark = bench_now_ms();
        Runtime__V1__StartContainerRequest start_request = RUNTIME__V1__START_CONTAINER_REQUEST__INIT;
        start_request.container_id = containers[i];
        protobuf_c_message_free_unpacked(
            call(client, "RuntimeService", "StartContainer", &start_request.base,
                 &runtime__v1__start_container_response__descriptor), NULL);
        phases[2][i] = bench_now_ms() - mark;
        mark = bench_now_ms();
        for (;;) {
            Runtime__V1__ContainerStatusRequest status_request =
                RUNTIME__V1__CONTAINER_STATUS_REQUEST__INIT;
            status_request.container_id = containers[i];
            Runtime__V1__ContainerStatusResponse *status = (void *)call(
                client, "RuntimeService", "ContainerStatus", &status_request.base,
                &runtime__v1__container_status_response__descriptor);
            int state = status->status ? (int)status->status->state : -1;
            protobuf_c_message_free_unpacked(&status->base, NULL);
            if (state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_RUNNING)
                break;
            if (state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_EXITED) {
                fprintf(stderr, "boot: container %s exited instead of running\n", containers[i]);
                return 1;
            }
        }
        phases[3][i] = bench_now_ms() - mark;
        boot[i] = bench_now_ms() - start;
    }

    /* All N running: what they cost in memory. Settle a moment so every module is loaded. */
    usleep(500000);
    long rss_total = 0, pss_total = 0, counted = 0;
    for (int i = 0; i < n; i++) {
        long pid = instance_pid(client, containers[i]), rss, pss;
        if (pid <= 0)
            continue;
        memory_of(pid, &rss, &pss);
        rss_total += rss;
        pss_total += pss;
        counted++;
    }
    long daemon_rss = 0, daemon_pss = 0, tree_rss = 0, tree_pss = 0, tree_count = 0;
    if (daemon_pid > 0) {
        memory_of(daemon_pid, &daemon_rss, &daemon_pss);
        memory_of_tree(daemon_pid, &tree_rss, &tree_pss, &tree_count);
    }

    for (int i = 0; i < n; i++) {
        double start = bench_now_ms();
        Runtime__V1__StopContainerRequest stop = RUNTIME__V1__STOP_CONTAINER_REQUEST__INIT;
        stop.container_id = containers[i];
        protobuf_c_message_free_unpacked(
            call(client, "RuntimeService", "StopContainer", &stop.base,
                 &runtime__v1__stop_container_response__descriptor), NULL);
        Runtime__V1__RemoveContainerRequest remove = RUNTIME__V1__REMOVE_CONTAINER_REQUEST__INIT;
        remove.container_id = containers[i];
        protobuf_c_message_free_unpacked(
            call(client, "RuntimeService", "RemoveContainer", &remove.base,
                 &runtime__v1__remove_container_response__descriptor), NULL);
        Runtime__V1__StopPodSandboxRequest stopp = RUNTIME__V1__STOP_POD_SANDBOX_REQUEST__INIT;
        stopp.pod_sandbox_id = pods[i];
        protobuf_c_message_free_unpacked(
            call(client, "RuntimeService", "StopPodSandbox", &stopp.base,
                 &runtime__v1__stop_pod_sandbox_response__descriptor), NULL);
        Runtime__V1__RemovePodSandboxRequest rmp = RUNTIME__V1__REMOVE_POD_SANDBOX_REQUEST__INIT;
        rmp.pod_sandbox_id = pods[i];
        protobuf_c_message_free_unpacked(
            call(client, "RuntimeService", "RemovePodSandbox", &rmp.base,
                 &runtime__v1__remove_pod_sandbox_response__descriptor), NULL);
        teardown[i] = bench_now_ms() - start;
    }

    printf("endpoint %s, handler %s, image %s, N=%d\n", endpoint, handler, image, n);
    summary("pod + instance to RUNNING", boot, n);
    for (int p = 0; p < 4; p++) {
        summary(phase_names[p], phases[p], n);
        free(phases[p]);
    }
    if (counted > 0) {
        printf("%-34s RSS %.2f MiB   PSS %.2f MiB   (%ld instance processes)\n",
               "memory per instance (instances)", (double)rss_total / counted / 1024,
               (double)pss_total / counted / 1024, counted);
        if (daemon_pid > 0)
            printf("%-34s RSS %.2f MiB   PSS %.2f MiB   (%ld processes: daemon RSS %.1f MiB, "
                   "instances, shims kept ready)\n",
                   "memory per instance (all ours)", (double)tree_rss / n / 1024,
                   (double)tree_pss / n / 1024, tree_count, (double)daemon_rss / 1024);
    } else {
        printf("%-34s unknown: ContainerStatus info has no pid\n", "memory per instance");
    }
    summary("stop + remove (container + pod)", teardown, n);
    double total = 0;
    for (int i = 0; i < n; i++)
        total += teardown[i];
    printf("%-34s %.1f ms\n", "stop + remove, all", total);

    for (int i = 0; i < n; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/demo-%d.log", log_dir, i);
        unlink(path);
    }
    rmdir(log_dir);
    free(pods);
    free(containers);
    free(boot);
    free(teardown);
    grpc_client_free(client);
    return 0;
}
