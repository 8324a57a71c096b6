/* Escapes out of preopens, and changes to a read-only preopen. argv[1]: the writable preopen
 * (guest fd 3), argv[2]: the read-only one (guest fd 4). The host side prepared, in the
 * writable dir: abs -> /<host path of outside/secret.txt>, rel -> ../outside/secret.txt,
 * sub/, inner -> sub, sub/up -> ../.. ; and ro/readme.txt in the read-only dir. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

#include "guest.h"

#define RW 3
#define RO 4
#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW

static __wasi_errno_t open_at(__wasi_fd_t dir, __wasi_lookupflags_t lookup, const char *path,
                              __wasi_oflags_t oflags, __wasi_rights_t rights, __wasi_fd_t *fd)
{
    return __wasi_path_open(dir, lookup, path, oflags, rights, rights, 0, fd);
}

int main(int argc, char **argv)
{
    CHECK(argc == 3);
    if (argc != 3)
        GUEST_DONE();
    const char *rw = argv[1], *ro = argv[2];
    __wasi_fd_t fd;
    const __wasi_rights_t R = __WASI_RIGHTS_FD_READ, W = __WASI_RIGHTS_FD_WRITE;
    const __wasi_errno_t NOTCAP = __WASI_ERRNO_NOTCAPABLE;

    /* Opens that would leave the preopen. */
    CHECK(open_at(RW, FOLLOW, "../outside/secret.txt", 0, R, &fd) == NOTCAP);
    CHECK(open_at(RW, FOLLOW, "sub/../../outside/secret.txt", 0, R, &fd) == NOTCAP);
    CHECK(open_at(RW, FOLLOW, "/etc/passwd", 0, R, &fd) == NOTCAP);
    CHECK(open_at(RW, FOLLOW, "abs", 0, R, &fd) == NOTCAP);         /* absolute symlink */
    CHECK(open_at(RW, FOLLOW, "rel", 0, R, &fd) == NOTCAP);         /* relative, pointing out */
    CHECK(open_at(RW, FOLLOW, "sub/up/outside/secret.txt", 0, R, &fd) == NOTCAP);
    CHECK(open_at(RW, FOLLOW, "..", __WASI_OFLAGS_DIRECTORY, R, &fd) == NOTCAP);
    CHECK(open_at(RW, FOLLOW, "rel", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, W, &fd) == NOTCAP);
    CHECK(open_at(RW, 0, "abs", 0, R, &fd) == __WASI_ERRNO_LOOP);   /* no follow: the link itself */
    /* ... while staying inside is fine, through symlinks too. */
    CHECK(open_at(RW, FOLLOW, "inner/inside.txt", 0, R, &fd) == 0 && __wasi_fd_close(fd) == 0);
    CHECK(open_at(RW, FOLLOW, "sub/../sub/inside.txt", 0, R, &fd) == 0 && __wasi_fd_close(fd) == 0);

    /* Through libc: the same refusals, as errno. */
    char path[512];
    snprintf(path, sizeof path, "%s/../outside/secret.txt", rw);
    CHECK(open(path, O_RDONLY) == -1);
    snprintf(path, sizeof path, "%s/abs", rw);
    CHECK(open(path, O_RDONLY) == -1 && errno == ENOTCAPABLE);
    snprintf(path, sizeof path, "%s/rel", rw);
    CHECK(open(path, O_RDONLY) == -1 && errno == ENOTCAPABLE);
    CHECK(open("/etc/passwd", O_RDONLY) == -1);

    /* Calls that act on a name, not an open. */
    __wasi_filestat_t st;
    CHECK(__wasi_path_filestat_get(RW, FOLLOW, "abs", &st) == NOTCAP);
    CHECK(__wasi_path_filestat_get(RW, 0, "abs", &st) == 0 && st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK);
    CHECK(__wasi_path_filestat_get(RW, FOLLOW, "../outside", &st) == NOTCAP);
    CHECK(__wasi_path_filestat_set_times(RW, FOLLOW, "rel", 0, 0, __WASI_FSTFLAGS_MTIM_NOW) == NOTCAP);
    CHECK(__wasi_path_create_directory(RW, "../escaped") == NOTCAP);
    CHECK(__wasi_path_create_directory(RW, "sub/up/escaped") == NOTCAP);
    CHECK(__wasi_path_unlink_file(RW, "../outside/secret.txt") == NOTCAP);
    CHECK(__wasi_path_unlink_file(RW, "sub/up/outside/secret.txt") == NOTCAP);
    CHECK(__wasi_path_remove_directory(RW, "../outside") == NOTCAP);
    CHECK(__wasi_path_remove_directory(RW, "..") == NOTCAP);
    CHECK(__wasi_path_rename(RW, "sub/inside.txt", RW, "../moved.txt") == NOTCAP);
    CHECK(__wasi_path_rename(RW, "../outside/secret.txt", RW, "stolen.txt") == NOTCAP);
    CHECK(__wasi_path_link(RW, 0, "../outside/secret.txt", RW, "hard") == NOTCAP);
    CHECK(__wasi_path_link(RW, FOLLOW, "rel", RW, "hard") == NOTCAP);
    CHECK(__wasi_path_symlink("/etc/passwd", RW, "newabs") == NOTCAP);
    CHECK(__wasi_path_symlink("x", RW, "../outside/newlink") == NOTCAP);
    uint8_t buf[64];
    __wasi_size_t used;
    CHECK(__wasi_path_readlink(RW, "../outside/secret.txt", buf, sizeof buf, &used) == NOTCAP);
    CHECK(__wasi_path_readlink(RW, "rel", buf, sizeof buf, &used) == 0 && used == 21);
    /* A relative symlink pointing out may be made; it just cannot be followed. */
    CHECK(__wasi_path_symlink("../outside/secret.txt", RW, "rel2") == 0);
    CHECK(open_at(RW, FOLLOW, "rel2", 0, R, &fd) == NOTCAP);

    /* The read-only preopen: reading works, every change is EROFS. */
    snprintf(path, sizeof path, "%s/readme.txt", ro);
    int rfd = open(path, O_RDONLY);
    char text[32] = { 0 };
    CHECK(rfd >= 0 && read(rfd, text, sizeof text) == 9 && strcmp(text, "read me!\n") == 0);
    CHECK(write(rfd, "x", 1) == -1 && errno == EBADF);
    CHECK(ftruncate(rfd, 0) == -1 && errno == EROFS);
    CHECK(fcntl(rfd, F_SETFL, O_APPEND) == -1 && errno == EROFS);
    close(rfd);
    CHECK(open(path, O_WRONLY) == -1 && errno == EROFS);
    CHECK(open(path, O_RDWR | O_TRUNC) == -1 && errno == EROFS);
    snprintf(path, sizeof path, "%s/new.txt", ro);
    CHECK(open(path, O_WRONLY | O_CREAT, 0644) == -1 && errno == EROFS);
    snprintf(path, sizeof path, "%s/newdir", ro);
    CHECK(mkdir(path, 0755) == -1 && errno == EROFS);
    CHECK(__wasi_path_unlink_file(RO, "readme.txt") == __WASI_ERRNO_ROFS);
    CHECK(__wasi_path_rename(RO, "readme.txt", RO, "renamed.txt") == __WASI_ERRNO_ROFS);
    CHECK(__wasi_path_rename(RO, "readme.txt", RW, "taken.txt") == __WASI_ERRNO_ROFS);
    CHECK(__wasi_path_symlink("readme.txt", RO, "l") == __WASI_ERRNO_ROFS);
    CHECK(__wasi_path_link(RO, 0, "readme.txt", RO, "l") == __WASI_ERRNO_ROFS);
    CHECK(__wasi_path_filestat_set_times(RO, 0, "readme.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW) == __WASI_ERRNO_ROFS);
    CHECK(__wasi_path_filestat_get(RO, 0, "readme.txt", &st) == 0 && st.size == 9);
    __wasi_fdstat_t fdstat;
    CHECK(__wasi_fd_fdstat_get(RO, &fdstat) == 0
          && !(fdstat.fs_rights_base & __WASI_RIGHTS_PATH_CREATE_FILE));
    GUEST_DONE();
}
