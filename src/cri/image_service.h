/* image_service.h - the CRI Image service handlers (owner: the image engineer). */
#ifndef WASMCRI_CRI_IMAGE_SERVICE_H
#define WASMCRI_CRI_IMAGE_SERVICE_H

#include "cri/service.h"
#include "util/error.h"

struct cri_config;
struct img_store;
struct store_db;
typedef struct cri_image_service cri_image_service;

/* Opens what the service keeps (under config->root / config->state) and registers its
 * handlers with the server, replacing the UNIMPLEMENTED defaults. */
int cri_image_service_init(cri_server *server, const struct cri_config *config,
                          cri_image_service **out, wc_error *err);
void cri_image_service_free(cri_image_service *service);

/* The image store (img_store_resolve for CreateContainer) and the metadata database it opened
 * (ROOT/meta.db; other services may add tables through store_db_migrate). Owned by the service. */
struct img_store *cri_image_service_store(cri_image_service *service);
struct store_db *cri_image_service_db(cri_image_service *service);

#endif
