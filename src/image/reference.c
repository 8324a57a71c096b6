/* reference.c - reference grammar and docker.io normalization; see reference.h. */
#include "image/reference.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

bool img_digest_valid(const char *digest)
{
    if (strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 7 + 64)
        return false;
    for (const char *p = digest + 7; *p; p++)
        if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
            return false;
    return true;
}

bool img_hex_prefix(const char *text)
{
    size_t n = strlen(text);
    if (n == 0 || n > 64)
        return false;
    for (; *text; text++)
        if (!isdigit((unsigned char)*text) && !(*text >= 'a' && *text <= 'f'))
            return false;
    return true;
}

/* A path component: [a-z0-9]+ separated by '.', '_', '__' or '-'s. */
static bool component_valid(const char *start, size_t length)
{
    if (length == 0)
        return false;
    if (!islower((unsigned char)start[0]) && !isdigit((unsigned char)start[0]))
        return false;
    if (!islower((unsigned char)start[length - 1]) && !isdigit((unsigned char)start[length - 1]))
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = start[i];
        if (islower((unsigned char)c) || isdigit((unsigned char)c) || c == '.' || c == '_' || c == '-')
            continue;
        return false;
    }
    return true;
}

static bool path_valid(const char *path)
{
    const char *start = path;
    for (;;) {
        const char *slash = strchr(start, '/');
        size_t length = slash ? (size_t)(slash - start) : strlen(start);
        if (!component_valid(start, length))
            return false;
        if (!slash)
            return true;
        start = slash + 1;
    }
}

static bool tag_valid(const char *tag)
{
    size_t n = strlen(tag);
    if (n == 0 || n > 128)
        return false;
    if (!isalnum((unsigned char)tag[0]) && tag[0] != '_')
        return false;
    for (; *tag; tag++)
        if (!isalnum((unsigned char)*tag) && *tag != '_' && *tag != '.' && *tag != '-')
            return false;
    return true;
}

static bool domain_valid(const char *domain)
{
    if (*domain == 0)
        return false;
    for (const char *p = domain; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != ':' && *p != '[' && *p != ']')
            return false;
    return true;
}

int img_ref_parse(const char *text, img_ref *ref, wc_error *err)
{
    memset(ref, 0, sizeof *ref);
    char work[1024];
    if (text == NULL || *text == 0)
        return wc_error_set(err, WC_EINVAL, "empty image reference");
    if (strlen(text) >= sizeof work)
        return wc_error_set(err, WC_EINVAL, "image reference too long");
    strcpy(work, text);

    char *at = strchr(work, '@');
    if (at != NULL) {
        *at = 0;
        if (!img_digest_valid(at + 1))
            return wc_error_set(err, WC_EINVAL, "invalid reference %s: bad digest", text);
        strcpy(ref->digest, at + 1);
    }
    /* A tag follows the last ':' after the last '/' (a ':' before that is a port). */
    char *slash = strrchr(work, '/');
    char *colon = strrchr(slash ? slash : work, ':');
    if (colon != NULL) {
        *colon = 0;
        if (!tag_valid(colon + 1))
            return wc_error_set(err, WC_EINVAL, "invalid reference %s: bad tag", text);
        strcpy(ref->tag, colon + 1);
    }
    char *name = work;
    char *first_slash = strchr(name, '/');
    const char *path;
    if (first_slash != NULL && (memchr(name, '.', (size_t)(first_slash - name)) ||
                                memchr(name, ':', (size_t)(first_slash - name)) ||
                                strncmp(name, "localhost/", 10) == 0)) {
        *first_slash = 0;
        if (!domain_valid(name) || strlen(name) >= sizeof ref->domain)
            return wc_error_set(err, WC_EINVAL, "invalid reference %s: bad registry", text);
        strcpy(ref->domain, name);
        path = first_slash + 1;
    } else {
        strcpy(ref->domain, "docker.io");
        path = name;
    }
    if (strcmp(ref->domain, "index.docker.io") == 0)
        strcpy(ref->domain, "docker.io");
    for (const char *p = path; *p; p++)
        if (isupper((unsigned char)*p))
            return wc_error_set(err, WC_EINVAL, "invalid reference %s: repository name must be "
                                "lowercase", text);
    if (!path_valid(path))
        return wc_error_set(err, WC_EINVAL, "invalid reference format: %s", text);
    int n;
    if (strcmp(ref->domain, "docker.io") == 0 && strchr(path, '/') == NULL)
        n = snprintf(ref->path, sizeof ref->path, "library/%s", path);
    else
        n = snprintf(ref->path, sizeof ref->path, "%s", path);
    if (n < 0 || (size_t)n >= sizeof ref->path)
        return wc_error_set(err, WC_EINVAL, "invalid reference %s: name too long", text);
    if (ref->tag[0] == 0 && ref->digest[0] == 0)
        strcpy(ref->tag, "latest");
    return 0;
}

int img_ref_name(const img_ref *ref, char *buffer, size_t size)
{
    int n = snprintf(buffer, size, "%s/%s", ref->domain, ref->path);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int img_ref_tagged(const img_ref *ref, char *buffer, size_t size)
{
    if (ref->tag[0] == 0) {
        if (size > 0)
            buffer[0] = 0;
        return 0;
    }
    int n = snprintf(buffer, size, "%s/%s:%s", ref->domain, ref->path, ref->tag);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int img_module_tag(const char *name, char *buffer, size_t size, wc_error *err)
{
    if (name == NULL || *name == 0)
        return wc_error_set(err, WC_EINVAL, "empty image name");
    if (strchr(name, '@') != NULL)
        return wc_error_set(err, WC_EINVAL, "image name %s: a module pulled by URL takes a tag, "
                            "not a digest", name);
    const char *slash = strrchr(name, '/');
    const char *colon = strrchr(slash ? slash : name, ':');
    char base[768];
    size_t base_length = colon ? (size_t)(colon - name) : strlen(name);
    if (base_length == 0 || base_length >= sizeof base)
        return wc_error_set(err, WC_EINVAL, "invalid image name %s", name);
    memcpy(base, name, base_length);
    base[base_length] = 0;
    if (colon && !tag_valid(colon + 1))
        return wc_error_set(err, WC_EINVAL, "invalid image name %s: bad tag", name);
    /* The name part may carry a host (like a registry reference): check only its path. */
    const char *path = base;
    const char *first_slash = strchr(base, '/');
    if (first_slash && (memchr(base, '.', (size_t)(first_slash - base)) ||
                        memchr(base, ':', (size_t)(first_slash - base))))
        path = first_slash + 1;
    if (!path_valid(path))
        return wc_error_set(err, WC_EINVAL, "invalid image name %s", name);
    int n = snprintf(buffer, size, "%s:%s", base, colon ? colon + 1 : "latest");
    if (n < 0 || (size_t)n >= size)
        return wc_error_set(err, WC_EINVAL, "image name too long");
    return 0;
}
