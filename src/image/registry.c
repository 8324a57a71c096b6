/* registry.c - distribution v2 client; see registry.h. */
#include "image/registry.h"

#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "image/fetch.h"
#include "util/cleanup.h"

#define MANIFEST_LIMIT (4u << 20)
#define ACCEPT_MANIFESTS                                                                       \
    "Accept: application/vnd.oci.image.index.v1+json, "                                        \
    "application/vnd.docker.distribution.manifest.list.v2+json, "                              \
    "application/vnd.oci.image.manifest.v1+json, "                                             \
    "application/vnd.docker.distribution.manifest.v2+json"

struct img_registry {
    char **endpoints;            /* "https://registry-1.docker.io", mirrors first */
    size_t endpoints_count;
    size_t current;              /* the endpoint that answered last */
    bool tls_verify;
    char path[512];              /* "library/busybox" */
    char *username;
    char *password;
    char *identity_token;        /* an OAuth2 refresh token for the realm (docker's IdentityToken) */
    char authorization[4096];    /* "Authorization: Bearer ..." once obtained */
    bool use_basic;
    img_fetch_session *session;  /* borrowed, may be NULL */
    /* Blobs download in parallel: the auth state and the current endpoint are shared. */
    pthread_mutex_t lock;
};

static bool is_loopback(const char *domain)
{
    char host[256];
    snprintf(host, sizeof host, "%s", domain);
    if (host[0] == '[') {
        char *end = strchr(host, ']');
        if (end)
            *end = 0;
        return strcmp(host + 1, "::1") == 0;
    }
    char *colon = strchr(host, ':');
    if (colon)
        *colon = 0;
    return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0;
}

static int add_endpoint(img_registry *registry, const char *url, wc_error *err)
{
    char **grown = realloc(registry->endpoints, (registry->endpoints_count + 1) * sizeof *grown);
    if (grown == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    registry->endpoints = grown;
    char *copy = strdup(url);
    if (copy == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    size_t n = strlen(copy);
    while (n > 0 && copy[n - 1] == '/')
        copy[--n] = 0;
    registry->endpoints[registry->endpoints_count++] = copy;
    return 0;
}

static int decode_auth(const char *encoded, img_registry *registry, wc_error *err)
{
    size_t length = strlen(encoded);
    cleanup_free unsigned char *decoded = calloc(1, length + 4);
    if (decoded == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    int n = EVP_DecodeBlock(decoded, (const unsigned char *)encoded, (int)length);
    if (n < 0)
        return wc_error_set(err, WC_EINVAL, "auth: not base64");
    while (n > 0 && decoded[n - 1] == 0)
        n--;   /* EVP_DecodeBlock counts padding as zero bytes */
    decoded[n] = 0;
    char *colon = strchr((char *)decoded, ':');
    if (colon == NULL)
        return wc_error_set(err, WC_EINVAL, "auth: expected base64 of user:password");
    *colon = 0;
    registry->username = strdup((char *)decoded);
    registry->password = strdup(colon + 1);
    if (registry->username == NULL || registry->password == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    return 0;
}

int img_registry_open(const img_ref *ref, const img_registry_host *host, const img_auth *auth,
                      img_fetch_session *session, img_registry **out, wc_error *err)
{
    img_registry *registry = calloc(1, sizeof *registry);
    if (registry == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    registry->session = session;
    pthread_mutex_init(&registry->lock, NULL);
    snprintf(registry->path, sizeof registry->path, "%s", ref->path);
    registry->tls_verify = !(host && host->insecure);
    int rc = 0;
    if (host && host->mirrors_count > 0) {
        /* Mirrors replace the registry: no fallback to the original (offline clusters). */
        for (size_t i = 0; rc == 0 && i < host->mirrors_count; i++) {
            if (strstr(host->mirrors[i], "://"))
                rc = add_endpoint(registry, host->mirrors[i], err);
            else {
                char url[512];
                snprintf(url, sizeof url, "%s://%s",
                         (host->insecure || is_loopback(host->mirrors[i])) ? "http" : "https",
                         host->mirrors[i]);
                rc = add_endpoint(registry, url, err);
            }
        }
    }
    if (rc == 0 && !(host && host->mirrors_count > 0 && host->no_fallback)) {
        const char *domain = strcmp(ref->domain, "docker.io") == 0 ? "registry-1.docker.io"
                                                                   : ref->domain;
        char url[512];
        /* As docker: loopback registries speak plain http; one marked insecure is tried with
         * https (certificate not verified) first, then plain http. */
        bool loopback = is_loopback(ref->domain);
        if (!loopback) {
            snprintf(url, sizeof url, "https://%s", domain);
            rc = add_endpoint(registry, url, err);
        }
        if (rc == 0 && (loopback || (host && host->insecure))) {
            snprintf(url, sizeof url, "http://%s", domain);
            rc = add_endpoint(registry, url, err);
        }
    }
    if (rc == 0 && auth) {
        if (auth->registry_token && auth->registry_token[0])
            snprintf(registry->authorization, sizeof registry->authorization,
                     "Authorization: Bearer %s", auth->registry_token);
        if (auth->identity_token && auth->identity_token[0] &&
            (registry->identity_token = strdup(auth->identity_token)) == NULL)
            rc = wc_error_set(err, WC_ERESOURCE, "out of memory");
        if (auth->username && auth->username[0]) {
            registry->username = strdup(auth->username);
            registry->password = strdup(auth->password ? auth->password : "");
            if (registry->username == NULL || registry->password == NULL)
                rc = wc_error_set(err, WC_ERESOURCE, "out of memory");
        } else if (auth->auth && auth->auth[0]) {
            rc = decode_auth(auth->auth, registry, err);
        }
    }
    if (rc < 0) {
        img_registry_free(registry);
        return -1;
    }
    *out = registry;
    return 0;
}

void img_registry_free(img_registry *registry)
{
    if (registry == NULL)
        return;
    for (size_t i = 0; i < registry->endpoints_count; i++)
        free(registry->endpoints[i]);
    free(registry->endpoints);
    free(registry->username);
    free(registry->password);
    free(registry->identity_token);
    pthread_mutex_destroy(&registry->lock);
    free(registry);
}

/* Reads `key="value"` out of a WWW-Authenticate challenge. */
static bool challenge_param(const char *challenge, const char *key, char *out, size_t size)
{
    size_t key_length = strlen(key);
    for (const char *p = challenge; (p = strcasestr(p, key)) != NULL; p += key_length) {
        if (p != challenge && p[-1] != ' ' && p[-1] != ',')
            continue;
        if (p[key_length] != '=')
            continue;
        const char *value = p + key_length + 1;
        size_t length;
        if (*value == '"') {
            value++;
            const char *end = strchr(value, '"');
            length = end ? (size_t)(end - value) : strlen(value);
        } else {
            length = strcspn(value, ",");
        }
        if (length >= size)
            length = size - 1;
        memcpy(out, value, length);
        out[length] = 0;
        return true;
    }
    return false;
}

static void url_escape(const char *in, char *out, size_t size)
{
    char *escaped = curl_easy_escape(NULL, in, 0);
    snprintf(out, size, "%s", escaped ? escaped : "");
    curl_free(escaped);
}

/* Answers a 401 challenge: a bearer token from the realm, or basic auth with the credentials. */
static int authenticate(img_registry *registry, const char *challenge, wc_error *err)
{
    if (strncasecmp(challenge, "Basic", 5) == 0) {
        if (registry->username == NULL)
            return wc_error_set(err, WC_EPRECONDITION, "registry requires credentials "
                                "(basic auth) and none were given");
        registry->use_basic = true;
        return 0;
    }
    if (strncasecmp(challenge, "Bearer", 6) != 0)
        return wc_error_set(err, WC_EPRECONDITION, "unsupported auth challenge: %s", challenge);
    char realm[1024] = "", service[256] = "", scope[600] = "";
    if (!challenge_param(challenge, "realm", realm, sizeof realm))
        return wc_error_set(err, WC_EPRECONDITION, "bearer challenge without realm");
    challenge_param(challenge, "service", service, sizeof service);
    if (!challenge_param(challenge, "scope", scope, sizeof scope))
        snprintf(scope, sizeof scope, "repository:%s:pull", registry->path);
    char service_q[512], scope_q[1200], url[3000];
    url_escape(service, service_q, sizeof service_q);
    url_escape(scope, scope_q, sizeof scope_q);
    img_fetch_request request = {.url = url, .tls_verify = registry->tls_verify,
                                 .session = registry->session};
    cleanup_free char *form = NULL;
    if (registry->identity_token) {
        /* OAuth2: trade the refresh token for an access token (POST, as docker does). */
        char token_q[4096];
        url_escape(registry->identity_token, token_q, sizeof token_q);
        snprintf(url, sizeof url, "%s", realm);
        if (asprintf(&form, "grant_type=refresh_token&client_id=wasmcri&service=%s&scope=%s"
                            "&refresh_token=%s", service_q, scope_q, token_q) < 0)
            return wc_error_set(err, WC_ERESOURCE, "out of memory");
        request.post_form = form;
    } else {
        snprintf(url, sizeof url, "%s%sservice=%s&scope=%s", realm,
                 strchr(realm, '?') ? "&" : "?", service_q, scope_q);
        request.username = registry->username;
        request.password = registry->password;
    }
    cleanup_free uint8_t *body = NULL;
    size_t length = 0;
    if (img_fetch_buffer(&request, 1 << 20, &body, &length, NULL, err) < 0)
        return wc_error_prefix(err, "get registry token");
    json_error_t json_err;
    json_t *root = json_loadb((const char *)body, length, 0, &json_err);
    const char *token = NULL;
    if (root) {
        token = json_string_value(json_object_get(root, "token"));
        if (token == NULL)
            token = json_string_value(json_object_get(root, "access_token"));
    }
    if (token == NULL) {
        json_decref(root);
        return wc_error_set(err, WC_EPRECONDITION, "registry token response has no token");
    }
    snprintf(registry->authorization, sizeof registry->authorization,
             "Authorization: Bearer %s", token);
    json_decref(root);
    return 0;
}

/* GETs /v2/<path>/<what> from the endpoints in order, authenticating once when challenged. */
static int registry_get(img_registry *registry, const char *what, const char *accept,
                        img_fetch_sink sink, void *sink_data, img_fetch_response *response,
                        int (*reset)(void *sink_data), wc_error *err)
{
    int rc = -1;
    pthread_mutex_lock(&registry->lock);
    size_t first = registry->current;
    pthread_mutex_unlock(&registry->lock);
    for (size_t e = 0; e < registry->endpoints_count; e++) {
        size_t index = (first + e) % registry->endpoints_count;
        char url[2048];
        snprintf(url, sizeof url, "%s/v2/%s/%s", registry->endpoints[index], registry->path, what);
        for (int attempt = 0; attempt < 2; attempt++) {
            /* A snapshot of the auth state: another download may renew it meanwhile. */
            char authorization[sizeof registry->authorization];
            pthread_mutex_lock(&registry->lock);
            memcpy(authorization, registry->authorization, sizeof authorization);
            bool use_basic = registry->use_basic;
            pthread_mutex_unlock(&registry->lock);
            const char *headers[2];
            size_t count = 0;
            if (accept)
                headers[count++] = accept;
            if (authorization[0])
                headers[count++] = authorization;
            img_fetch_request request = {
                .url = url, .headers = headers, .headers_count = count,
                .tls_verify = registry->tls_verify, .accept_unauthorized = attempt == 0,
                .username = use_basic ? registry->username : NULL,
                .password = use_basic ? registry->password : NULL,
                .session = registry->session,
            };
            if (reset)
                reset(sink_data);
            rc = img_fetch(&request, sink, sink_data, response, err);
            if (rc == 0 && response->status == 401) {
                pthread_mutex_lock(&registry->lock);
                rc = authenticate(registry, response->www_authenticate, err);
                pthread_mutex_unlock(&registry->lock);
                if (rc < 0)
                    return -1;
                continue;
            }
            break;
        }
        if (rc == 0) {
            pthread_mutex_lock(&registry->lock);
            registry->current = index;
            pthread_mutex_unlock(&registry->lock);
            return 0;
        }
        if (err->code != WC_EUNAVAILABLE)
            return -1;   /* only an unreachable endpoint moves on to the next mirror */
    }
    return rc;
}

typedef struct memory_sink {
    uint8_t *data;
    size_t length;
} memory_sink;

static int memory_append(const void *data, size_t length, void *user, wc_error *err)
{
    memory_sink *m = user;
    if (m->length + length > MANIFEST_LIMIT)
        return wc_error_set(err, WC_ERESOURCE, "manifest larger than %u bytes", MANIFEST_LIMIT);
    uint8_t *grown = realloc(m->data, m->length + length + 1);
    if (grown == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    m->data = grown;
    memcpy(m->data + m->length, data, length);
    m->length += length;
    m->data[m->length] = 0;
    return 0;
}

static int memory_reset(void *user)
{
    memory_sink *m = user;
    free(m->data);
    m->data = NULL;
    m->length = 0;
    return 0;
}

int img_registry_manifest(img_registry *registry, const char *tag_or_digest, uint8_t **body,
                          size_t *length, char media_type[256], char digest[72], wc_error *err)
{
    memory_sink m = {0};
    img_fetch_response response;
    char what[300];
    snprintf(what, sizeof what, "manifests/%s", tag_or_digest);
    if (registry_get(registry, what, ACCEPT_MANIFESTS, memory_append, &m, &response,
                     memory_reset, err) < 0) {
        free(m.data);
        return -1;
    }
    if (m.data == NULL && memory_append("", 0, &m, err) < 0)
        return -1;
    img_sha256_digest(m.data, m.length, digest);
    if (strncmp(tag_or_digest, "sha256:", 7) == 0 && strcmp(tag_or_digest, digest) != 0) {
        free(m.data);
        return wc_error_set(err, WC_EINVAL, "manifest digest mismatch: expected %s, got %s",
                            tag_or_digest, digest);
    }
    /* Content-Type may carry parameters ("; charset=utf-8"). */
    snprintf(media_type, 256, "%.*s", (int)strcspn(response.content_type, "; "),
             response.content_type);
    *body = m.data;
    *length = m.length;
    return 0;
}

typedef struct blob_sink {
    img_content *content;
    const char *digest;
    uint64_t size;
    img_blob_writer *writer;
} blob_sink;

static int blob_append(const void *data, size_t length, void *user, wc_error *err)
{
    blob_sink *b = user;
    if (b->writer == NULL &&
        img_blob_writer_open(b->content, b->digest, b->size, &b->writer, err) < 0)
        return -1;
    return img_blob_writer_write(b->writer, data, length, err);
}

static int blob_reset(void *user)
{
    blob_sink *b = user;
    img_blob_writer_free(b->writer);
    b->writer = NULL;
    return 0;
}

int img_registry_blob(img_registry *registry, img_content *content, const char *digest,
                      uint64_t size, wc_error *err)
{
    if (!img_digest_valid(digest))
        return wc_error_set(err, WC_EINVAL, "invalid blob digest %s", digest);
    if (img_content_has(content, digest))
        return 0;
    blob_sink b = {.content = content, .digest = digest, .size = size};
    img_fetch_response response;
    char what[300];
    snprintf(what, sizeof what, "blobs/%s", digest);
    int rc = registry_get(registry, what, NULL, blob_append, &b, &response, blob_reset, err);
    if (rc == 0 && b.writer == NULL)
        rc = img_blob_writer_open(content, digest, 0, &b.writer, err);   /* an empty blob */
    char actual[72];
    if (rc == 0)
        rc = img_blob_writer_commit(b.writer, actual, NULL, err);
    img_blob_writer_free(b.writer);
    if (rc < 0)
        return wc_error_prefix(err, "blob %s", digest);
    return 0;
}
