/* fetch.c - libcurl GETs; see fetch.h. */
#include "image/fetch.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct transfer {
    CURL *curl;
    img_fetch_sink sink;
    void *sink_data;
    wc_error *err;
    bool sink_failed;
    img_fetch_response *response;
} transfer;

struct img_fetch_session {
    CURLSH *share;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

static void share_lock(CURL *handle, curl_lock_data data, curl_lock_access access, void *user)
{
    (void)handle;
    (void)access;
    img_fetch_session *session = user;
    pthread_mutex_lock(&session->locks[data]);
}

static void share_unlock(CURL *handle, curl_lock_data data, void *user)
{
    (void)handle;
    img_fetch_session *session = user;
    pthread_mutex_unlock(&session->locks[data]);
}

int img_fetch_session_new(img_fetch_session **out, wc_error *err)
{
    img_fetch_global_init();
    img_fetch_session *session = calloc(1, sizeof *session);
    if (session == NULL || (session->share = curl_share_init()) == NULL) {
        free(session);
        return wc_error_set(err, WC_ERESOURCE, "fetch session: out of memory");
    }
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&session->locks[i], NULL);
    curl_share_setopt(session->share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(session->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(session->share, CURLSHOPT_USERDATA, session);
    curl_share_setopt(session->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(session->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(session->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    *out = session;
    return 0;
}

void img_fetch_session_free(img_fetch_session *session)
{
    if (session == NULL)
        return;
    curl_share_cleanup(session->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&session->locks[i]);
    free(session);
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
}

void img_fetch_global_init(void)
{
    pthread_once(&global_once, global_init);
}

static size_t on_body(char *data, size_t size, size_t count, void *user)
{
    transfer *t = user;
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 0 && (status < 200 || status > 299))
        return size * count;   /* an error page: discard */
    if (t->sink(data, size * count, t->sink_data, t->err) < 0) {
        t->sink_failed = true;
        return 0;
    }
    return size * count;
}

static void copy_header_value(char *dest, size_t size, const char *value, size_t length)
{
    while (length > 0 && (*value == ' ' || *value == '\t')) {
        value++;
        length--;
    }
    while (length > 0 && (value[length - 1] == '\r' || value[length - 1] == '\n' ||
                          value[length - 1] == ' '))
        length--;
    if (length >= size)
        length = size - 1;
    memcpy(dest, value, length);
    dest[length] = 0;
}

static size_t on_header(char *data, size_t size, size_t count, void *user)
{
    transfer *t = user;
    size_t length = size * count;
    struct { const char *name; char *dest; size_t size; } wanted[] = {
        {"content-type:", t->response->content_type, sizeof t->response->content_type},
        {"docker-content-digest:", t->response->docker_digest, sizeof t->response->docker_digest},
        {"www-authenticate:", t->response->www_authenticate, sizeof t->response->www_authenticate},
    };
    if (length >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new response (after a redirect): forget the previous one's headers. */
        t->response->content_type[0] = 0;
        t->response->docker_digest[0] = 0;
        t->response->www_authenticate[0] = 0;
    }
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        size_t n = strlen(wanted[i].name);
        if (length > n && strncasecmp(data, wanted[i].name, n) == 0)
            copy_header_value(wanted[i].dest, wanted[i].size, data + n, length - n);
    }
    return length;
}

int img_fetch(const img_fetch_request *request, img_fetch_sink sink, void *sink_data,
              img_fetch_response *response, wc_error *err)
{
    img_fetch_global_init();
    img_fetch_response local;
    if (response == NULL)
        response = &local;
    memset(response, 0, sizeof *response);
    CURL *curl = curl_easy_init();
    if (curl == NULL)
        return wc_error_set(err, WC_ERESOURCE, "GET %s: curl init failed", request->url);
    transfer t = {.curl = curl, .sink = sink, .sink_data = sink_data, .err = err,
                  .response = response};
    struct curl_slist *headers = NULL;
    for (size_t i = 0; i < request->headers_count; i++)
        headers = curl_slist_append(headers, request->headers[i]);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_URL, request->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
    /* A stalled peer must not hold a worker forever. */
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "wasmcri/0.1");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
    if (!request->tls_verify) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (request->post_form)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request->post_form);
    if (request->session)
        curl_easy_setopt(curl, CURLOPT_SHARE, request->session->share);
    if (request->username) {
        curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(curl, CURLOPT_USERNAME, request->username);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, request->password ? request->password : "");
    }
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response->status = status;
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);

    if (t.sink_failed)
        return wc_error_prefix(err, "GET %s", request->url);
    if (rc != CURLE_OK) {
        wc_code code = WC_EUNAVAILABLE;
        if (rc == CURLE_FILE_COULDNT_READ_FILE || rc == CURLE_REMOTE_FILE_NOT_FOUND)
            code = WC_ENOTFOUND;
        else if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT)
            code = WC_EINVAL;
        return wc_error_set(err, code, "GET %s: %s", request->url,
                            errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }
    if (status == 0 || (status >= 200 && status <= 299))
        return 0;
    if (status == 401 && request->accept_unauthorized)
        return 0;
    wc_code code = WC_EUNAVAILABLE;
    if (status == 404)
        code = WC_ENOTFOUND;
    else if (status == 401 || status == 403)
        code = WC_EPRECONDITION;
    else if (status >= 400 && status < 500)
        code = WC_EINVAL;
    return wc_error_set(err, code, "GET %s: HTTP %ld%s", request->url, status,
                        status == 401 ? " (unauthorized)" : status == 404 ? " (not found)" : "");
}

typedef struct buffer_sink {
    uint8_t *data;
    size_t length;
    size_t capacity;
    uint64_t limit;
} buffer_sink;

static int append(const void *data, size_t length, void *user, wc_error *err)
{
    buffer_sink *b = user;
    if (b->length + length > b->limit)
        return wc_error_set(err, WC_ERESOURCE, "response larger than %llu bytes",
                            (unsigned long long)b->limit);
    if (b->length + length + 1 > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 65536;
        while (capacity < b->length + length + 1)
            capacity *= 2;
        uint8_t *bigger = realloc(b->data, capacity);
        if (bigger == NULL)
            return wc_error_set(err, WC_ERESOURCE, "out of memory");
        b->data = bigger;
        b->capacity = capacity;
    }
    memcpy(b->data + b->length, data, length);
    b->length += length;
    return 0;
}

int img_fetch_buffer(const img_fetch_request *request, uint64_t limit, uint8_t **body,
                     size_t *length, img_fetch_response *response, wc_error *err)
{
    buffer_sink b = {.limit = limit};
    if (img_fetch(request, append, &b, response, err) < 0 || append("", 0, &b, err) < 0) {
        free(b.data);
        return -1;
    }
    if (b.data == NULL)
        b.data = calloc(1, 1);
    else
        b.data[b.length] = 0;
    if (b.data == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    *body = b.data;
    *length = b.length;
    return 0;
}
