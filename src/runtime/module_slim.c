/* module_slim.c - dropping debug sections before compilation; see module_slim.h. */
#include "runtime/module_slim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

/* Reads an unsigned LEB128 u32; false when it runs past end or is too long. */
static bool read_u32(const uint8_t **p, const uint8_t *end, uint32_t *out)
{
    uint32_t value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (*p >= end)
            return false;
        uint8_t byte = *(*p)++;
        value |= (uint32_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *out = value;
            return true;
        }
    }
    return false;
}

/* Copies the kept sections; returns the length written, or 0 when the module does not parse. */
static size_t slim(const uint8_t *bytes, size_t length, uint8_t *out)
{
    static const uint8_t header[8] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
    if (length < 8 || memcmp(bytes, header, 8) != 0)
        return 0;
    memcpy(out, bytes, 8);
    size_t used = 8;
    const uint8_t *p = bytes + 8, *end = bytes + length;
    while (p < end) {
        const uint8_t *section = p;
        uint8_t id = *p++;
        uint32_t size = 0;
        if (!read_u32(&p, end, &size) || size > (size_t)(end - p))
            return 0;
        const uint8_t *body = p;
        p += size;
        bool keep = id != 0;
        if (!keep) {
            const uint8_t *q = body;
            uint32_t name_length = 0;
            if (!read_u32(&q, p, &name_length) || name_length > (size_t)(p - q))
                return 0;
            keep = name_length == 4 && memcmp(q, "name", 4) == 0;
        }
        if (keep) {
            memcpy(out + used, section, (size_t)(p - section));
            used += (size_t)(p - section);
        }
    }
    return used;
}

int rt_module_load_slim(const char *path, uint8_t **out, size_t *length, wc_error *err)
{
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return wc_error_set_errno(err, errno, "open module %s", path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return wc_error_set_errno(err, errno, "stat module %s", path);
    if (!S_ISREG(st.st_mode) || st.st_size == 0)
        return wc_error_set(err, WC_EINVAL, "module %s: not a regular, non-empty file", path);
    size_t size = (size_t)st.st_size;
    /* Mapped, not read: the pages of skipped sections are never touched. */
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        return wc_error_set_errno(err, errno, "map module %s", path);
    uint8_t *copy = malloc(size);
    if (copy == NULL) {
        munmap(map, size);
        return wc_error_set(err, WC_ERESOURCE, "module %s: out of memory", path);
    }
    size_t used = slim(map, size, copy);
    if (used == 0) {
        memcpy(copy, map, size);
        used = size;
    }
    munmap(map, size);
    *out = copy;
    *length = used;
    return 0;
}
