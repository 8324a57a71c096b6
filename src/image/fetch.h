/* fetch.h - HTTP(S) and file:// GETs (and the odd form POST) with libcurl, into a sink.
 *
 * The sink sees the body of a successful (2xx, or file://) response only. Failures map to codes:
 * 404 / missing file -> WC_ENOTFOUND, 401/403 -> WC_EPRECONDITION, connection failures ->
 * WC_EUNAVAILABLE, a sink error keeps its own code. */
#ifndef WASMCRI_IMAGE_FETCH_H
#define WASMCRI_IMAGE_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

typedef int (*img_fetch_sink)(const void *data, size_t length, void *sink_data, wc_error *err);

/* Connections, DNS answers and TLS sessions kept between fetches (and shared by threads), so a
 * pull of many blobs from one registry pays one TLS handshake, not one per blob. */
typedef struct img_fetch_session img_fetch_session;
int img_fetch_session_new(img_fetch_session **out, wc_error *err);
void img_fetch_session_free(img_fetch_session *session);

typedef struct img_fetch_request {
    const char *url;
    const char *const *headers;   /* "Accept: ...", "Authorization: Bearer ..." */
    size_t headers_count;
    bool tls_verify;              /* false only for registries marked insecure */
    const char *username;         /* HTTP basic auth when set */
    const char *password;
    bool accept_unauthorized;     /* return 401 as a response instead of an error */
    const char *post_form;        /* POST this application/x-www-form-urlencoded body instead */
    img_fetch_session *session;   /* optional */
} img_fetch_request;

typedef struct img_fetch_response {
    long status;
    char content_type[256];
    char docker_digest[80];       /* Docker-Content-Digest */
    char www_authenticate[1024];
} img_fetch_response;

/* Once per process, before any thread fetches. */
void img_fetch_global_init(void);

int img_fetch(const img_fetch_request *request, img_fetch_sink sink, void *sink_data,
              img_fetch_response *response, wc_error *err);

/* Fetches into a new buffer of at most limit bytes (NUL-terminated). */
int img_fetch_buffer(const img_fetch_request *request, uint64_t limit, uint8_t **body,
                     size_t *length, img_fetch_response *response, wc_error *err);

#endif
