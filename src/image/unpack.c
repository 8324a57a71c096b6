/* unpack.c - safe layer extraction with libarchive; see unpack.h. */
#include "image/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libdeflate.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/file.h"

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    if (remove(path) < 0 && errno != ENOENT)
        return 0;   /* keep going: remove what can be removed */
    return 0;
}

int img_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    return nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS);
}

/* Normalizes an entry path: drops "./" and empty components; refuses "..", absolute paths. */
static int clean_path(const char *raw, char *out, size_t size, wc_error *err)
{
    if (raw == NULL || raw[0] == '/')
        return wc_error_set(err, WC_EINVAL, "layer entry %s: absolute path", raw ? raw : "(null)");
    size_t used = 0;
    const char *p = raw;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t length = slash ? (size_t)(slash - p) : strlen(p);
        if (length == 2 && p[0] == '.' && p[1] == '.')
            return wc_error_set(err, WC_EINVAL, "layer entry %s: '..' in path", raw);
        if (length > 0 && !(length == 1 && p[0] == '.')) {
            if (used + length + 2 > size)
                return wc_error_set(err, WC_EINVAL, "layer entry %s: path too long", raw);
            if (used > 0)
                out[used++] = '/';
            memcpy(out + used, p, length);
            used += length;
        }
        p += length;
        if (*p == '/')
            p++;
    }
    out[used] = 0;
    return 0;
}

/* Every existing parent of rel (below rootfs) must be a real directory, not a symlink: writing
 * through a symlink could land anywhere on the host. */
static int check_parents(const char *rootfs, const char *rel, wc_error *err)
{
    char path[PATH_MAX];
    size_t root_length = strlen(rootfs);
    if (root_length + 1 + strlen(rel) + 1 > sizeof path)
        return wc_error_set(err, WC_EINVAL, "layer entry %s: path too long", rel);
    memcpy(path, rootfs, root_length);
    path[root_length] = '/';
    strcpy(path + root_length + 1, rel);
    for (char *slash = strchr(path + root_length + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = 0;
        struct stat st;
        int rc = lstat(path, &st);
        *slash = '/';
        if (rc < 0) {
            if (errno == ENOENT)
                return 0;   /* created as a plain directory by the extraction */
            return wc_error_set_errno(err, errno, "layer entry %s", rel);
        }
        if (S_ISLNK(st.st_mode))
            return wc_error_set(err, WC_EINVAL, "layer entry %s: path goes through a symlink",
                                rel);
        if (!S_ISDIR(st.st_mode))
            return wc_error_set(err, WC_EINVAL, "layer entry %s: parent is not a directory", rel);
    }
    return 0;
}

static void clear_directory(const char *dir)
{
    cleanup_closedir DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        char child[PATH_MAX];
        if ((size_t)snprintf(child, sizeof child, "%s/%s", dir, entry->d_name) < sizeof child)
            img_remove_tree(child);
    }
}

static int apply_whiteout(const char *rootfs, const char *rel, const char *base, wc_error *err)
{
    char dir[PATH_MAX];
    size_t dir_length = (size_t)(base - rel);
    if ((size_t)snprintf(dir, sizeof dir, "%s/%.*s", rootfs, (int)dir_length, rel) >= sizeof dir)
        return wc_error_set(err, WC_EINVAL, "layer entry %s: path too long", rel);
    if (check_parents(rootfs, rel, err) < 0)
        return -1;
    if (strcmp(base, ".wh..wh..opq") == 0) {
        clear_directory(dir);
        return 0;
    }
    char target[PATH_MAX];
    if ((size_t)snprintf(target, sizeof target, "%s%s", dir, base + 4) >= sizeof target)
        return wc_error_set(err, WC_EINVAL, "layer entry %s: path too long", rel);
    img_remove_tree(target);
    return 0;
}

static int extract_entries(struct archive *in, struct archive *out, const char *rootfs,
                           wc_error *err)
{
    struct archive_entry *entry;
    for (;;) {
        int rc = archive_read_next_header(in, &entry);
        if (rc == ARCHIVE_EOF)
            return 0;
        if (rc < ARCHIVE_WARN)
            return wc_error_set(err, WC_EINVAL, "read layer: %s", archive_error_string(in));
        char rel[PATH_MAX];
        if (clean_path(archive_entry_pathname(entry), rel, sizeof rel, err) < 0)
            return -1;
        if (rel[0] == 0)
            continue;   /* the root itself */
        const char *slash = strrchr(rel, '/');
        const char *base = slash ? slash + 1 : rel;
        if (strncmp(base, ".wh.", 4) == 0) {
            if (apply_whiteout(rootfs, rel, base, err) < 0)
                return -1;
            continue;
        }
        mode_t type = archive_entry_filetype(entry);
        if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO || type == AE_IFSOCK)
            continue;   /* no device nodes (and nothing else special) from an image */
        if (check_parents(rootfs, rel, err) < 0)
            return -1;
        char full[PATH_MAX];
        if ((size_t)snprintf(full, sizeof full, "%s/%s", rootfs, rel) >= sizeof full)
            return wc_error_set(err, WC_EINVAL, "layer entry %s: path too long", rel);
        archive_entry_set_pathname(entry, full);
        const char *link = archive_entry_hardlink(entry);
        if (link != NULL) {
            char link_rel[PATH_MAX];
            if (clean_path(link, link_rel, sizeof link_rel, err) < 0 ||
                check_parents(rootfs, link_rel, err) < 0)
                return wc_error_prefix(err, "hardlink %s", rel);
            char link_full[PATH_MAX];
            if ((size_t)snprintf(link_full, sizeof link_full, "%s/%s", rootfs, link_rel) >=
                sizeof link_full)
                return wc_error_set(err, WC_EINVAL, "hardlink %s: path too long", rel);
            struct stat st;
            if (link_rel[0] == 0 || lstat(link_full, &st) < 0 || S_ISDIR(st.st_mode))
                return wc_error_set(err, WC_EINVAL, "layer entry %s: hardlink to %s outside "
                                    "the layer's files", rel, link);
            archive_entry_set_hardlink(entry, link_full);
        }
        /* An entry replaces whatever a lower layer had there, except a directory stays. */
        struct stat existing;
        if (lstat(full, &existing) == 0 && !(S_ISDIR(existing.st_mode) && type == AE_IFDIR))
            img_remove_tree(full);
        rc = archive_write_header(out, entry);
        if (rc < ARCHIVE_WARN)
            return wc_error_set(err, WC_EIO, "extract %s: %s", rel, archive_error_string(out));
        if (archive_entry_size(entry) > 0 && link == NULL) {
            const void *block;
            size_t size;
            la_int64_t offset;
            while ((rc = archive_read_data_block(in, &block, &size, &offset)) == ARCHIVE_OK) {
                if (archive_write_data_block(out, block, size, offset) < ARCHIVE_WARN)
                    return wc_error_set(err, WC_EIO, "extract %s: %s", rel,
                                        archive_error_string(out));
            }
            if (rc != ARCHIVE_EOF)
                return wc_error_set(err, WC_EINVAL, "read layer entry %s: %s", rel,
                                    archive_error_string(in));
        }
        if (archive_write_finish_entry(out) < ARCHIVE_WARN)
            return wc_error_set(err, WC_EIO, "extract %s: %s", rel, archive_error_string(out));
    }
}

/* gzip layers of a reasonable size are inflated in one call with libdeflate (about twice as
 * fast as zlib's streaming inflate here), then read by libarchive from memory; anything else
 * (zstd, plain tar, multi-member or very large gzip) streams through libarchive's filters. */
#define INFLATE_MAX_INPUT (64u << 20)
#define INFLATE_MAX_OUTPUT (256u << 20)

static uint8_t *inflate_whole(const char *path, size_t *out_length)
{
    uint8_t *input = NULL, *output = NULL;
    size_t input_length = 0;
    wc_error ignored;
    if (wc_read_file(path, &input, &input_length, &ignored) < 0)
        return NULL;
    if (input_length < 18 || input_length > INFLATE_MAX_INPUT || input[0] != 0x1f || input[1] != 0x8b)
        goto fail;
    /* ISIZE, the trailer's uncompressed size mod 2^32: a hint checked by the inflate itself. */
    const uint8_t *t = input + input_length - 4;
    size_t expected = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
    if (expected == 0 || expected > INFLATE_MAX_OUTPUT || (output = malloc(expected)) == NULL)
        goto fail;
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (d == NULL)
        goto fail;
    size_t consumed = 0, produced = 0;
    enum libdeflate_result rc = libdeflate_gzip_decompress_ex(d, input, input_length, output,
                                                              expected, &consumed, &produced);
    libdeflate_free_decompressor(d);
    if (rc != LIBDEFLATE_SUCCESS || consumed != input_length || produced != expected)
        goto fail;   /* not one well-formed member: let the streaming path decide */
    free(input);
    *out_length = produced;
    return output;
fail:
    free(input);
    free(output);
    return NULL;
}

int img_unpack_layer(const char *layer_path, const char *rootfs, wc_error *err)
{
    struct archive *in = archive_read_new();
    struct archive *out = archive_write_disk_new();
    if (in == NULL || out == NULL) {
        archive_read_free(in);
        archive_write_free(out);
        return wc_error_set(err, WC_ERESOURCE, "unpack: out of memory");
    }
    archive_read_support_filter_gzip(in);
    archive_read_support_filter_zstd(in);
    archive_read_support_filter_none(in);
    archive_read_support_format_tar(in);
    int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_UNLINK |
                ARCHIVE_EXTRACT_SECURE_NODOTDOT;
    if (geteuid() == 0)
        flags |= ARCHIVE_EXTRACT_OWNER;
    archive_write_disk_set_options(out, flags);
    size_t tar_length = 0;
    uint8_t *tar = inflate_whole(layer_path, &tar_length);
    int opened = tar ? archive_read_open_memory(in, tar, tar_length)
                     : archive_read_open_filename(in, layer_path, 1 << 16);
    int rc;
    if (opened != ARCHIVE_OK)
        rc = wc_error_set(err, WC_EINVAL, "open layer %s: %s", layer_path,
                          archive_error_string(in));
    else
        rc = extract_entries(in, out, rootfs, err);
    if (rc == 0 && archive_write_close(out) < ARCHIVE_WARN)
        rc = wc_error_set(err, WC_EIO, "unpack: %s", archive_error_string(out));
    archive_read_free(in);
    archive_write_free(out);
    free(tar);
    return rc;
}
