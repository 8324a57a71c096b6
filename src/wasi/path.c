/* path.c - path_open and the path_* calls that change the tree. Opens resolve the whole path
 * beneath the directory fd; calls that act on a name (mkdir, unlink, rename, link, symlink)
 * resolve the parent beneath it and use the *at() call on the last component, which the kernel
 * never follows. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "wasi/host.h"

#define WASI_WRITE_RIGHTS                                                                     \
    (WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ALLOCATE | WASI_RIGHT_FD_FILESTAT_SET_SIZE)

WASI_HANDLER(wasi_path_open)
{
    wasi_fd_entry *dir = wasi_fd_get(call->ctx, ARG32(0));
    if (dir == NULL)
        return WASI_EBADF;
    uint32_t lookup = ARG32(1), oflags = ARG32(4), fdflags = ARG32(7), fd_ptr = ARG32(8);
    uint64_t rights_base = ARG64(5), rights_inheriting = ARG64(6);
    if (wasi_guest(call, fd_ptr, 4) == NULL)
        return WASI_EFAULT;
    cleanup_free char *path = NULL;
    uint32_t e = wasi_guest_path(call, ARG32(2), ARG32(3), &path);
    if (e != WASI_ESUCCESS)
        return e;
    if (dir->filetype != WASI_FILETYPE_DIRECTORY)
        return WASI_ENOTDIR;

    bool reads = rights_base & (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR);
    bool writes = (rights_base & WASI_WRITE_RIGHTS) || (fdflags & WASI_FDFLAG_APPEND);
    if (dir->read_only && (writes || (oflags & (WASI_OFLAG_CREAT | WASI_OFLAG_TRUNC))))
        return WASI_EROFS;
    int flags = writes ? (reads ? O_RDWR : O_WRONLY) : O_RDONLY;
    if (!(lookup & WASI_LOOKUP_SYMLINK_FOLLOW)) flags |= O_NOFOLLOW;
    if (oflags & WASI_OFLAG_CREAT) flags |= O_CREAT;
    if (oflags & WASI_OFLAG_DIRECTORY) flags |= O_DIRECTORY;
    if (oflags & WASI_OFLAG_EXCL) flags |= O_EXCL;
    if (oflags & WASI_OFLAG_TRUNC) flags |= O_TRUNC;
    if (fdflags & WASI_FDFLAG_APPEND) flags |= O_APPEND;
    if (fdflags & WASI_FDFLAG_DSYNC) flags |= O_DSYNC;
    if (fdflags & WASI_FDFLAG_NONBLOCK) flags |= O_NONBLOCK;
    if (fdflags & (WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC)) flags |= O_SYNC;

    cleanup_close int fd = -1;
    e = wasi_open_beneath(dir->host_fd, path, flags, 0666, &fd);
    if (e != WASI_ESUCCESS)
        return e;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return wasi_errno_from_host(errno);
    /* Beneath a read-only preopen the inheriting rights keep the writing ones, so that a
     * guest's wish to write (wasi-libc masks its request with them) reaches us and is refused
     * above with EROFS instead of silently opening read-only. */
    uint64_t base_allowed = dir->rights_inheriting;
    if (dir->read_only)
        base_allowed &= ~WASI_RIGHTS_WRITING;
    wasi_fd_entry entry = {
        .host_fd = steal_fd(&fd),
        .filetype = wasi_filetype_from_mode(st.st_mode, -1),
        .read_only = dir->read_only,
        .rights_base = rights_base & base_allowed,
        .rights_inheriting = rights_inheriting & dir->rights_inheriting,
    };
    return wasi_fd_insert_reply(call, &entry, fd_ptr);
}

/* The directory entry and its parent for a call that changes the tree under dirfd. */
typedef struct target {
    int dir;            /* the guest's directory fd (borrowed) */
    char *path;
    int parent;
    const char *leaf;
} target;

static void target_release(target *t)
{
    free(t->path);
    if (t->parent >= 0)
        close(t->parent);
}
#define cleanup_target __attribute__((cleanup(target_release)))

static uint32_t target_open(wasi_call *call, uint32_t dirfd, uint32_t path_ptr, uint32_t path_len,
                            target *t)
{
    wasi_fd_entry *dir = wasi_fd_get(call->ctx, dirfd);
    if (dir == NULL)
        return WASI_EBADF;
    uint32_t e = wasi_guest_path(call, path_ptr, path_len, &t->path);
    if (e != WASI_ESUCCESS)
        return e;
    if (dir->filetype != WASI_FILETYPE_DIRECTORY)
        return WASI_ENOTDIR;
    if (dir->read_only)
        return WASI_EROFS;
    t->dir = dir->host_fd;
    return wasi_open_parent(dir->host_fd, t->path, &t->parent, &t->leaf);
}

static uint32_t result_of(int rc)
{
    return rc < 0 ? wasi_errno_from_host(errno) : WASI_ESUCCESS;
}

WASI_HANDLER(wasi_path_create_directory)
{
    cleanup_target target t = { .parent = -1 };
    uint32_t e = target_open(call, ARG32(0), ARG32(1), ARG32(2), &t);
    return e != WASI_ESUCCESS ? e : result_of(mkdirat(t.parent, t.leaf, 0777));
}

WASI_HANDLER(wasi_path_remove_directory)
{
    cleanup_target target t = { .parent = -1 };
    uint32_t e = target_open(call, ARG32(0), ARG32(1), ARG32(2), &t);
    return e != WASI_ESUCCESS ? e : result_of(unlinkat(t.parent, t.leaf, AT_REMOVEDIR));
}

WASI_HANDLER(wasi_path_unlink_file)
{
    cleanup_target target t = { .parent = -1 };
    uint32_t e = target_open(call, ARG32(0), ARG32(1), ARG32(2), &t);
    return e != WASI_ESUCCESS ? e : result_of(unlinkat(t.parent, t.leaf, 0));
}

WASI_HANDLER(wasi_path_rename)
{
    cleanup_target target from = { .parent = -1 };
    cleanup_target target to = { .parent = -1 };
    uint32_t e = target_open(call, ARG32(0), ARG32(1), ARG32(2), &from);
    if (e == WASI_ESUCCESS)
        e = target_open(call, ARG32(3), ARG32(4), ARG32(5), &to);
    return e != WASI_ESUCCESS ? e : result_of(renameat(from.parent, from.leaf, to.parent, to.leaf));
}

WASI_HANDLER(wasi_path_link)
{
    uint32_t old_lookup = ARG32(1);
    cleanup_target target from = { .parent = -1 };
    cleanup_target target to = { .parent = -1 };
    uint32_t e = target_open(call, ARG32(0), ARG32(2), ARG32(3), &from);
    if (e == WASI_ESUCCESS)
        e = target_open(call, ARG32(4), ARG32(5), ARG32(6), &to);
    if (e != WASI_ESUCCESS)
        return e;
    if (!(old_lookup & WASI_LOOKUP_SYMLINK_FOLLOW))
        return result_of(linkat(from.parent, from.leaf, to.parent, to.leaf, 0));
    /* Following: resolve the source beneath the preopen first, then link what it names
     * through its /proc/self/fd entry (linkat's AT_EMPTY_PATH needs a capability). */
    cleanup_close int source = -1;
    e = wasi_open_beneath(from.dir, from.path, O_PATH, 0, &source);
    if (e != WASI_ESUCCESS)
        return e;
    char proc_path[64];
    snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", source);
    return result_of(linkat(AT_FDCWD, proc_path, to.parent, to.leaf, AT_SYMLINK_FOLLOW));
}

WASI_HANDLER(wasi_path_symlink)
{
    cleanup_free char *contents = NULL;
    uint32_t e = wasi_guest_path(call, ARG32(0), ARG32(1), &contents);
    if (e != WASI_ESUCCESS)
        return e;
    cleanup_target target t = { .parent = -1 };
    e = target_open(call, ARG32(2), ARG32(3), ARG32(4), &t);
    if (e != WASI_ESUCCESS)
        return e;
    /* A link to an absolute path could never be followed beneath a preopen: refuse it now. */
    if (contents[0] == '/')
        return WASI_ENOTCAPABLE;
    return result_of(symlinkat(contents, t.parent, t.leaf));
}

WASI_HANDLER(wasi_path_readlink)
{
    wasi_fd_entry *dir = wasi_fd_get(call->ctx, ARG32(0));
    if (dir == NULL)
        return WASI_EBADF;
    uint32_t buf = ARG32(3), buf_len = ARG32(4), used_ptr = ARG32(5);
    uint8_t *out = wasi_guest(call, buf, buf_len);
    if (out == NULL || wasi_guest(call, used_ptr, 4) == NULL)
        return WASI_EFAULT;
    cleanup_free char *path = NULL;
    uint32_t e = wasi_guest_path(call, ARG32(1), ARG32(2), &path);
    if (e != WASI_ESUCCESS)
        return e;
    cleanup_close int link = -1;
    e = wasi_open_beneath(dir->host_fd, path, O_PATH | O_NOFOLLOW, 0, &link);
    if (e != WASI_ESUCCESS)
        return e;
    char contents[PATH_MAX];
    ssize_t n = readlinkat(link, "", contents, sizeof contents);
    if (n < 0) {
        struct stat st;
        /* An empty path names the fd's own file; not a symlink is EINVAL, as readlink(2). */
        if (errno == ENOENT && fstatat(link, "", &st, AT_EMPTY_PATH) == 0 && !S_ISLNK(st.st_mode))
            return WASI_EINVAL;
        return wasi_errno_from_host(errno);
    }
    /* Like readlink(2), a short buffer gets the first bytes. */
    uint32_t used = (size_t)n < buf_len ? (uint32_t)n : buf_len;
    memcpy(out, contents, used);
    wasi_store_u32(call, used_ptr, used);
    return WASI_ESUCCESS;
}
