/* reference.h - image references as docker and containerd read them.
 *
 *   busybox                -> docker.io/library/busybox:latest
 *   127.0.0.1:5000/bb:v1   -> 127.0.0.1:5000/bb:v1
 *   x/y@sha256:<hex>       -> docker.io/x/y@sha256:<hex>
 * A first component with '.', ':' or equal to "localhost" is a registry host. */
#ifndef WASMCRI_IMAGE_REFERENCE_H
#define WASMCRI_IMAGE_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

typedef struct img_ref {
    char domain[256];      /* "docker.io" */
    char path[512];        /* "library/busybox" */
    char tag[129];         /* "" when the reference has only a digest */
    char digest[80];       /* "sha256:<hex>" or "" */
} img_ref;

/* Parses and normalizes; a reference with neither tag nor digest gets the tag "latest".
 * WC_EINVAL with the reason when the reference is malformed. */
int img_ref_parse(const char *text, img_ref *ref, wc_error *err);

/* "docker.io/library/busybox" */
int img_ref_name(const img_ref *ref, char *buffer, size_t size);
/* "docker.io/library/busybox:latest" (tag form; empty string when there is no tag) */
int img_ref_tagged(const img_ref *ref, char *buffer, size_t size);

/* "sha256:" followed by 64 lower-case hex digits. */
bool img_digest_valid(const char *digest);
/* Only [0-9a-f], 1..64 characters: the shape of an id prefix. */
bool img_hex_prefix(const char *text);

/* Tags for a URL module name: "hello" -> "hello:latest", "hello:v1" stays. The name follows the
 * reference grammar but is not bound to a registry. */
int img_module_tag(const char *name, char *buffer, size_t size, wc_error *err);

#endif
