/* readdir.c - fd_readdir: directory entries packed as WASI dirents. A cookie is the index of
 * the next entry (1, 2, 3...), not the kernel's d_off: d_off may be a 63-bit hash, and guests
 * keep cookies in a 32-bit long (telldir). The fd remembers the kernel position of the cookie
 * where the last call stopped, so reading a directory through is linear; any other cookie
 * reads from the start. Each call opens the directory afresh: preopens are O_PATH fds, which
 * cannot be read. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "wasi/host.h"

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static uint8_t filetype_of_dirent(unsigned char type)
{
    switch (type) {
    case DT_BLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case DT_CHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case DT_DIR: return WASI_FILETYPE_DIRECTORY;
    case DT_REG: return WASI_FILETYPE_REGULAR_FILE;
    case DT_LNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case DT_SOCK: return WASI_FILETYPE_SOCKET_STREAM;
    default: return WASI_FILETYPE_UNKNOWN;
    }
}

WASI_HANDLER(wasi_fd_readdir)
{
    wasi_fd_entry *entry = wasi_fd_get(call->ctx, ARG32(0));
    if (entry == NULL)
        return WASI_EBADF;
    uint32_t buf = ARG32(1), buf_len = ARG32(2), used_ptr = ARG32(4);
    uint64_t cookie = ARG64(3);
    uint8_t *out = wasi_guest(call, buf, buf_len);
    if (out == NULL || wasi_guest(call, used_ptr, 4) == NULL)
        return WASI_EFAULT;
    if (entry->filetype != WASI_FILETYPE_DIRECTORY)
        return WASI_ENOTDIR;
    if (cookie > INT64_MAX)
        return WASI_EINVAL;
    cleanup_close int dir = openat(entry->host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return wasi_errno_from_host(errno);
    uint64_t index = 0;  /* the index of the next entry the kernel returns */
    if (cookie != 0 && cookie == entry->readdir_cookie) {
        if (lseek(dir, (off_t)entry->readdir_position, SEEK_SET) < 0)
            return wasi_errno_from_host(errno);
        index = cookie;
    }
    uint64_t resume_cookie = index;
    int64_t resume_position = index ? entry->readdir_position : 0;

    uint32_t used = 0;
    char chunk[8192] __attribute__((aligned(8)));
    while (used < buf_len) {
        long n = syscall(SYS_getdents64, dir, chunk, sizeof chunk);
        if (n < 0)
            return wasi_errno_from_host(errno);
        if (n == 0)
            break;
        for (long at = 0; at < n && used < buf_len;) {
            const struct linux_dirent64 *d = (const struct linux_dirent64 *)(chunk + at);
            at += d->d_reclen;
            if (index++ < cookie)
                continue; /* before the cookie: skipped */
            uint32_t name_len = (uint32_t)strlen(d->d_name);
            uint8_t header[WASI_DIRENT_SIZE] = { 0 };
            for (int i = 0; i < 8; i++) {
                header[WASI_DIRENT_NEXT + i] = (uint8_t)(index >> (8 * i));
                header[WASI_DIRENT_INO + i] = (uint8_t)(d->d_ino >> (8 * i));
            }
            for (int i = 0; i < 4; i++)
                header[WASI_DIRENT_NAMLEN + i] = (uint8_t)(name_len >> (8 * i));
            header[WASI_DIRENT_TYPE] = filetype_of_dirent(d->d_type);
            /* The last entry may be cut off: a full buffer tells the guest to ask again. */
            uint32_t room = buf_len - used;
            uint32_t part = room < WASI_DIRENT_SIZE ? room : WASI_DIRENT_SIZE;
            memcpy(out + used, header, part);
            used += part;
            room = buf_len - used;
            part = room < name_len ? room : name_len;
            memcpy(out + used, d->d_name, part);
            used += part;
            if (part == name_len) { /* emitted whole: the next call may start after it */
                resume_cookie = index;
                resume_position = d->d_off;
            }
        }
    }
    entry->readdir_cookie = resume_cookie;
    entry->readdir_position = resume_position;
    wasi_store_u32(call, used_ptr, used);
    return WASI_ESUCCESS;
}
