/* content.h - the content store: blobs/sha256/<hex> under the image root.
 *
 * A blob is written to ingest/ while its SHA-256 is computed, and renamed into place only when
 * the digest matches what the manifest promised (or, when none was promised, under the digest
 * computed). A blob in blobs/ is therefore always complete and correct. */
#ifndef WASMCRI_IMAGE_CONTENT_H
#define WASMCRI_IMAGE_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

typedef struct img_content img_content;
typedef struct img_blob_writer img_blob_writer;

int img_content_open(const char *root, img_content **out, wc_error *err);
void img_content_free(img_content *content);

/* root/blobs/sha256/<hex> for "sha256:<hex>" (the file may not exist). */
int img_content_path(const img_content *content, const char *digest, char *buffer, size_t size);
bool img_content_has(const img_content *content, const char *digest);

/* Streaming write. expected_digest may be NULL; limit 0 means no size limit. */
int img_blob_writer_open(img_content *content, const char *expected_digest, uint64_t limit,
                         img_blob_writer **out, wc_error *err);
int img_blob_writer_write(img_blob_writer *writer, const void *data, size_t length, wc_error *err);
/* Verifies, fsyncs and moves the blob into place; fills digest ("sha256:<hex>", 72 bytes). */
int img_blob_writer_commit(img_blob_writer *writer, char digest[72], uint64_t *size, wc_error *err);
/* Discards an uncommitted write (always safe to call; frees the writer). */
void img_blob_writer_free(img_blob_writer *writer);

/* Writes a whole buffer as a blob (nothing when it is already there). With expected_digest,
 * the bytes are trusted to match it when the blob exists already (the caller hashed them), and
 * checked while written otherwise. */
int img_content_put(img_content *content, const void *data, size_t length,
                    const char *expected_digest, char digest[72], wc_error *err);

/* Makes the blobs committed so far durable under their names (one directory fsync): call it
 * before recording an image that uses them. */
int img_content_sync(img_content *content, wc_error *err);

/* "sha256:<hex>" of a buffer. */
void img_sha256_digest(const void *data, size_t length, char digest[72]);

/* Removes everything in ingest/ (left by a crash). */
void img_content_clear_ingest(img_content *content);
/* Calls visit(digest) for every stored blob. */
int img_content_walk(img_content *content, void (*visit)(const char *digest, void *data), void *data);
int img_content_delete(img_content *content, const char *digest);

#endif
