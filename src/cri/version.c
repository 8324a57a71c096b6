/* version.c - the two RPCs every CRI runtime answers at once: Version and Status. */
#include <stdlib.h>

#include "api.pb-c.h"
#include "cri/config.h"
#include "cri/server.h"

#ifndef WASMCRI_VERSION
#define WASMCRI_VERSION "0.0.0"
#endif

static void version(cri_call *call, const ProtobufCMessage *request, void *data)
{
    (void)request;
    (void)data;
    Runtime__V1__VersionResponse response = RUNTIME__V1__VERSION_RESPONSE__INIT;
    response.version = "0.1.0";
    response.runtime_name = "wasmcri";
    response.runtime_version = WASMCRI_VERSION;
    response.runtime_api_version = "v1";
    cri_call_reply(call, &response.base);
}

static void status(cri_call *call, const ProtobufCMessage *request, void *data)
{
    const Runtime__V1__StatusRequest *status_request = (const Runtime__V1__StatusRequest *)request;
    cri_server *server = data;
    const cri_config *config = cri_server_config(server);

    Runtime__V1__RuntimeCondition runtime_ready = RUNTIME__V1__RUNTIME_CONDITION__INIT;
    runtime_ready.type = "RuntimeReady";
    runtime_ready.status = true;
    /* Every sandbox wasmcri makes shares the node's network namespace, which is up: the
     * network its pods get is ready. kubelet keeps a node NotReady while this is false, so
     * saying false would stop every pod, wasm ones included. The message says what it is. */
    Runtime__V1__RuntimeCondition network_ready = RUNTIME__V1__RUNTIME_CONDITION__INIT;
    network_ready.type = "NetworkReady";
    network_ready.status = true;
    network_ready.reason = "HostNetwork";
    network_ready.message = "wasm sandboxes share the node's network namespace (like hostNetwork "
                            "pods); wasmcri sets up no CNI pod network";
    Runtime__V1__RuntimeCondition *conditions[] = {&runtime_ready, &network_ready};
    Runtime__V1__RuntimeStatus runtime_status = RUNTIME__V1__RUNTIME_STATUS__INIT;
    runtime_status.n_conditions = 2;
    runtime_status.conditions = conditions;

    Runtime__V1__StatusResponse response = RUNTIME__V1__STATUS_RESPONSE__INIT;
    response.status = &runtime_status;

    size_t n = config->n_wasm_handlers;
    Runtime__V1__RuntimeHandlerFeatures features = RUNTIME__V1__RUNTIME_HANDLER_FEATURES__INIT;
    Runtime__V1__RuntimeHandler *handlers = calloc(n + 1, sizeof *handlers);
    Runtime__V1__RuntimeHandler **handler_list = calloc(n + 1, sizeof *handler_list);
    if (handlers != NULL && handler_list != NULL) {
        for (size_t i = 0; i < n; i++) {
            runtime__v1__runtime_handler__init(&handlers[i]);
            handlers[i].name = config->wasm_handlers[i];
            handlers[i].features = &features;
            handler_list[i] = &handlers[i];
        }
        response.n_runtime_handlers = n;
        response.runtime_handlers = handler_list;
    }
    Runtime__V1__RuntimeFeatures runtime_features = RUNTIME__V1__RUNTIME_FEATURES__INIT;
    response.features = &runtime_features;

    char *config_json = NULL;
    Runtime__V1__StatusResponse__InfoEntry entry = RUNTIME__V1__STATUS_RESPONSE__INFO_ENTRY__INIT;
    Runtime__V1__StatusResponse__InfoEntry *entries[] = {&entry};
    if (status_request->verbose && (config_json = cri_config_to_json(config)) != NULL) {
        entry.key = "config";
        entry.value = config_json;
        response.n_info = 1;
        response.info = entries;
    }
    cri_call_reply(call, &response.base);
    free(config_json);
    free(handlers);
    free(handler_list);
}

int cri_version_register(cri_server *server, wc_error *err)
{
    if (cri_server_register(server, "/runtime.v1.RuntimeService/Version",
                            &runtime__v1__version_request__descriptor, version, NULL, err) < 0)
        return -1;
    return cri_server_register(server, "/runtime.v1.RuntimeService/Status",
                               &runtime__v1__status_request__descriptor, status, server, err);
}
