/* guest.c - turning guest-memory structures into host ones, bounds-checked. */
#include <limits.h>
#include <stdlib.h>

#include "wasi/host.h"

uint32_t wasi_iovecs(const wasi_call *call, uint32_t iovs, uint32_t iovs_len, struct iovec **out,
                     int *count)
{
    const uint8_t *array = wasi_guest(call, iovs, (uint64_t)iovs_len * WASI_IOVEC_SIZE);
    if (array == NULL)
        return WASI_EFAULT;
    /* Only the first IOV_MAX buffers take part: a shorter transfer is a valid answer. */
    uint32_t n = iovs_len < IOV_MAX ? iovs_len : IOV_MAX;
    struct iovec *vec = malloc((n ? n : 1) * sizeof *vec);
    if (vec == NULL)
        return WASI_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t buf = wasi_le32(array + i * WASI_IOVEC_SIZE);
        uint32_t len = wasi_le32(array + i * WASI_IOVEC_SIZE + 4);
        uint8_t *p = wasi_guest(call, buf, len);
        if (p == NULL) {
            free(vec);
            return WASI_EFAULT;
        }
        vec[i] = (struct iovec){ .iov_base = p, .iov_len = len };
    }
    *out = vec;
    *count = (int)n;
    return WASI_ESUCCESS;
}

/* Longer than any path the kernel accepts (PATH_MAX is 4096): refused before copying, so a
 * guest cannot make us allocate gigabytes. */
#define WASI_MAX_PATH_LENGTH 65536u

uint32_t wasi_guest_path(const wasi_call *call, uint32_t ptr, uint32_t len, char **out)
{
    const uint8_t *p = wasi_guest(call, ptr, len);
    if (p == NULL)
        return WASI_EFAULT;
    if (len > WASI_MAX_PATH_LENGTH)
        return WASI_ENAMETOOLONG;
    if (memchr(p, 0, len) != NULL)
        return WASI_EILSEQ;
    char *path = malloc((size_t)len + 1);
    if (path == NULL)
        return WASI_ENOMEM;
    memcpy(path, p, len);
    path[len] = '\0';
    *out = path;
    return WASI_ESUCCESS;
}
