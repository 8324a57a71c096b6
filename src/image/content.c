/* content.c - content-addressed blobs, verified while they stream; see content.h. */
#include "image/content.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/reference.h"
#include "util/cleanup.h"
#include "util/file.h"

struct img_content {
    char *blobs;    /* root/blobs/sha256 */
    char *ingest;   /* root/ingest */
    atomic_uint next_ingest;
};

struct img_blob_writer {
    img_content *content;
    EVP_MD_CTX *hash;
    int fd;
    char temp_path[4096];
    char expected[80];
    uint64_t size;
    uint64_t limit;
};

static void hex_digest(const unsigned char *md, char digest[72])
{
    static const char hex[] = "0123456789abcdef";
    memcpy(digest, "sha256:", 7);
    for (int i = 0; i < 32; i++) {
        digest[7 + 2 * i] = hex[md[i] >> 4];
        digest[8 + 2 * i] = hex[md[i] & 15];
    }
    digest[71] = 0;
}

void img_sha256_digest(const void *data, size_t length, char digest[72])
{
    unsigned char md[32];
    unsigned int md_length = 0;
    EVP_Digest(data, length, md, &md_length, EVP_sha256(), NULL);
    hex_digest(md, digest);
}

int img_content_open(const char *root, img_content **out, wc_error *err)
{
    img_content *content = calloc(1, sizeof *content);
    if (content == NULL || asprintf(&content->blobs, "%s/blobs/sha256", root) < 0 ||
        asprintf(&content->ingest, "%s/ingest", root) < 0) {
        img_content_free(content);
        return wc_error_set(err, WC_ERESOURCE, "content store: out of memory");
    }
    if (wc_mkdir_p(content->blobs, 0700, err) < 0 || wc_mkdir_p(content->ingest, 0700, err) < 0) {
        img_content_free(content);
        return wc_error_prefix(err, "content store");
    }
    *out = content;
    return 0;
}

void img_content_free(img_content *content)
{
    if (content == NULL)
        return;
    free(content->blobs);
    free(content->ingest);
    free(content);
}

int img_content_path(const img_content *content, const char *digest, char *buffer, size_t size)
{
    if (strncmp(digest, "sha256:", 7) != 0)
        return -1;
    int n = snprintf(buffer, size, "%s/%s", content->blobs, digest + 7);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

bool img_content_has(const img_content *content, const char *digest)
{
    char path[4096];
    if (img_content_path(content, digest, path, sizeof path) < 0)
        return false;
    return access(path, F_OK) == 0;
}

int img_blob_writer_open(img_content *content, const char *expected_digest, uint64_t limit,
                         img_blob_writer **out, wc_error *err)
{
    img_blob_writer *writer = calloc(1, sizeof *writer);
    if (writer == NULL)
        return wc_error_set(err, WC_ERESOURCE, "blob writer: out of memory");
    writer->content = content;
    writer->fd = -1;
    writer->limit = limit;
    if (expected_digest)
        snprintf(writer->expected, sizeof writer->expected, "%s", expected_digest);
    writer->hash = EVP_MD_CTX_new();
    if (writer->hash == NULL || EVP_DigestInit_ex(writer->hash, EVP_sha256(), NULL) != 1) {
        img_blob_writer_free(writer);
        return wc_error_set(err, WC_EINTERNAL, "blob writer: sha256 init failed");
    }
    unsigned serial = atomic_fetch_add(&content->next_ingest, 1);
    snprintf(writer->temp_path, sizeof writer->temp_path, "%s/%d-%u", content->ingest,
             (int)getpid(), serial);
    writer->fd = open(writer->temp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (writer->fd < 0) {
        int saved = errno;
        img_blob_writer_free(writer);
        return wc_error_set_errno(err, saved, "create blob in %s", content->ingest);
    }
    *out = writer;
    return 0;
}

int img_blob_writer_write(img_blob_writer *writer, const void *data, size_t length, wc_error *err)
{
    writer->size += length;
    if (writer->limit != 0 && writer->size > writer->limit)
        return wc_error_set(err, WC_ERESOURCE, "blob larger than %llu bytes",
                            (unsigned long long)writer->limit);
    EVP_DigestUpdate(writer->hash, data, length);
    const char *p = data;
    while (length > 0) {
        ssize_t n = write(writer->fd, p, length);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return wc_error_set_errno(err, errno, "write blob");
        }
        p += n;
        length -= (size_t)n;
    }
    return 0;
}

int img_blob_writer_commit(img_blob_writer *writer, char digest[72], uint64_t *size, wc_error *err)
{
    unsigned char md[32];
    unsigned int md_length = 0;
    EVP_DigestFinal_ex(writer->hash, md, &md_length);
    hex_digest(md, digest);
    if (size)
        *size = writer->size;
    if (writer->expected[0] && strcmp(writer->expected, digest) != 0)
        return wc_error_set(err, WC_EINVAL, "digest mismatch: expected %s, got %s",
                            writer->expected, digest);
    /* The data is on disk before the name is; the directory entry itself is made durable
     * once per pull (img_content_sync), not once per blob. */
    if (fdatasync(writer->fd) < 0)
        return wc_error_set_errno(err, errno, "fsync blob");
    close(writer->fd);
    writer->fd = -1;
    char path[4096];
    img_content_path(writer->content, digest, path, sizeof path);
    if (rename(writer->temp_path, path) < 0)
        return wc_error_set_errno(err, errno, "store blob %s", digest);
    writer->temp_path[0] = 0;
    return 0;
}

void img_blob_writer_free(img_blob_writer *writer)
{
    if (writer == NULL)
        return;
    if (writer->fd >= 0)
        close(writer->fd);
    if (writer->temp_path[0])
        unlink(writer->temp_path);
    EVP_MD_CTX_free(writer->hash);
    free(writer);
}

int img_content_put(img_content *content, const void *data, size_t length,
                    const char *expected_digest, char digest[72], wc_error *err)
{
    /* With an expected digest, the hash is computed once, by the writer, which checks it. */
    if (expected_digest == NULL)
        img_sha256_digest(data, length, digest);
    else if (digest != expected_digest)
        snprintf(digest, 72, "%s", expected_digest);
    if (img_content_has(content, digest))
        return 0;
    img_blob_writer *writer;
    if (img_blob_writer_open(content, digest, 0, &writer, err) < 0)
        return -1;
    char actual[72];
    int rc = img_blob_writer_write(writer, data, length, err);
    if (rc == 0)
        rc = img_blob_writer_commit(writer, actual, NULL, err);
    img_blob_writer_free(writer);
    return rc;
}

int img_content_sync(img_content *content, wc_error *err)
{
    cleanup_close int fd = open(content->blobs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0)
        return wc_error_set_errno(err, errno, "fsync %s", content->blobs);
    return 0;
}

void img_content_clear_ingest(img_content *content)
{
    cleanup_closedir DIR *dir = opendir(content->ingest);
    if (dir == NULL)
        return;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        unlinkat(dirfd(dir), entry->d_name, 0);
    }
}

int img_content_walk(img_content *content, void (*visit)(const char *digest, void *data), void *data)
{
    cleanup_closedir DIR *dir = opendir(content->blobs);
    if (dir == NULL)
        return -1;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        char digest[300];
        snprintf(digest, sizeof digest, "sha256:%s", entry->d_name);
        if (img_digest_valid(digest))
            visit(digest, data);
        else if (entry->d_name[0] != '.')
            unlinkat(dirfd(dir), entry->d_name, 0);   /* a temp file of an atomic write */
    }
    return 0;
}

int img_content_delete(img_content *content, const char *digest)
{
    char path[4096];
    if (img_content_path(content, digest, path, sizeof path) < 0)
        return -1;
    return unlink(path);
}
