/* runtime_service.h - the CRI Runtime service handlers (owner: the runtime engineer). */
#ifndef WASMCRI_CRI_RUNTIME_SERVICE_H
#define WASMCRI_CRI_RUNTIME_SERVICE_H

#include "cri/service.h"
#include "util/error.h"

struct cri_config;
struct img_store;
struct store_db;
typedef struct cri_runtime_service cri_runtime_service;

/* Opens what the service keeps (under config->root / config->state) and registers its
 * handlers with the server, replacing the UNIMPLEMENTED defaults. */
int cri_runtime_service_init(cri_server *server, const struct cri_config *config,
                          cri_runtime_service **out, wc_error *err);
/* Second step, once the image service is up: CreateContainer resolves images in its store, and
 * pods and containers live in the metadata database it opened (tables rt_pods, rt_containers).
 * Reloads them, reattaches to running instances, then registers the RuntimeService handlers
 * (until then every runtime RPC is UNIMPLEMENTED). Both stay owned by the image service. */
int cri_runtime_service_attach_images(cri_runtime_service *service, struct img_store *images,
                                      struct store_db *db, wc_error *err);
void cri_runtime_service_free(cri_runtime_service *service);

#endif
