/* runtime_service.h - the CRI Runtime service handlers (owner: the runtime engineer). */
#ifndef WASMCRI_CRI_RUNTIME_SERVICE_H
#define WASMCRI_CRI_RUNTIME_SERVICE_H

#include "cri/service.h"
#include "util/error.h"

struct cri_config;
typedef struct cri_runtime_service cri_runtime_service;

/* Opens what the service keeps (under config->root / config->state) and registers its
 * handlers with the server, replacing the UNIMPLEMENTED defaults. */
int cri_runtime_service_init(cri_server *server, const struct cri_config *config,
                          cri_runtime_service **out, wc_error *err);
void cri_runtime_service_free(cri_runtime_service *service);

#endif
