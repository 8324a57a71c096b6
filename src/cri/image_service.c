/* image_service.c - placeholder: registers nothing yet, so every image RPC answers UNIMPLEMENTED. */
#include "cri/image_service.h"

#include <stdlib.h>

struct cri_image_service {
    int unused;
};

int cri_image_service_init(cri_server *server, const struct cri_config *config,
                          cri_image_service **out, wc_error *err)
{
    (void)server;
    (void)config;
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return wc_error_set(err, WC_ERESOURCE, "image service: out of memory");
    return 0;
}

void cri_image_service_free(cri_image_service *service)
{
    free(service);
}
