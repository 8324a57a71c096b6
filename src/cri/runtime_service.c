/* runtime_service.c - placeholder: registers nothing yet, so every runtime RPC answers UNIMPLEMENTED. */
#include "cri/runtime_service.h"

#include <stdlib.h>

struct cri_runtime_service {
    int unused;
};

int cri_runtime_service_init(cri_server *server, const struct cri_config *config,
                          cri_runtime_service **out, wc_error *err)
{
    (void)server;
    (void)config;
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return wc_error_set(err, WC_ERESOURCE, "runtime service: out of memory");
    return 0;
}

void cri_runtime_service_free(cri_runtime_service *service)
{
    free(service);
}
