/* registry.h - a client of the distribution API v2 (what docker-registry, Docker Hub, GHCR and
 * registry.k8s.io speak): manifests and blobs, anonymous, bearer-token and basic auth, mirrors. */
#ifndef WASMCRI_IMAGE_REGISTRY_H
#define WASMCRI_IMAGE_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "image/content.h"
#include "image/fetch.h"
#include "image/reference.h"
#include "image/store.h"
#include "util/error.h"

typedef struct img_registry img_registry;

/* host: the configuration for ref->domain, or NULL for the defaults (https; plain http on
 * loopback addresses). auth and session may be NULL. */
int img_registry_open(const img_ref *ref, const img_registry_host *host, const img_auth *auth,
                      img_fetch_session *session, img_registry **out, wc_error *err);
void img_registry_free(img_registry *registry);

/* GET /v2/<name>/manifests/<tag or digest>: body (caller frees), its media type and digest
 * (computed from the body; checked against the reference when it is a digest). */
int img_registry_manifest(img_registry *registry, const char *tag_or_digest, uint8_t **body,
                          size_t *length, char media_type[256], char digest[72], wc_error *err);

/* GET /v2/<name>/blobs/<digest> into the content store, verified while it streams; size (from
 * the manifest, 0 when unknown) bounds what is accepted, so a hostile registry cannot fill the
 * disk. Does nothing when the blob is already there. */
int img_registry_blob(img_registry *registry, img_content *content, const char *digest,
                      uint64_t size, wc_error *err);

#endif
