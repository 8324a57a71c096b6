/* fd_* and path_* on a writable preopen (argv[1], e.g. /sandbox): read/write/seek/tell,
 * pread/pwrite, append, truncate, allocate, advise, sync, fdstat, filestat, set_times,
 * renumber, prestat, readdir with cookies, mkdir/rmdir, unlink, rename, link, symlink,
 * readlink, and the errors of each. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

#include "guest.h"

static char path_buf[4][512];
static const char *P(int slot, const char *dir, const char *name)
{
    snprintf(path_buf[slot], sizeof path_buf[slot], "%s/%s", dir, name);
    return path_buf[slot];
}

static void test_io(const char *dir)
{
    int fd = open(P(0, dir, "data.txt"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 3);
    CHECK(write(fd, "hello, world\n", 13) == 13);
    CHECK(lseek(fd, 0, SEEK_CUR) == 13); /* fd_tell via fd_seek CUR */
    CHECK(lseek(fd, 7, SEEK_SET) == 7);
    char buf[64] = { 0 };
    CHECK(read(fd, buf, 5) == 5 && memcmp(buf, "world", 5) == 0);
    CHECK(lseek(fd, -6, SEEK_END) == 7);
    CHECK(lseek(fd, -100, SEEK_SET) == -1 && errno == EINVAL);
    __wasi_filesize_t pos = 0;
    CHECK(__wasi_fd_tell((__wasi_fd_t)fd, &pos) == 0 && pos == 7);
    CHECK(pwrite(fd, "WORLD", 5, 7) == 5);
    memset(buf, 0, sizeof buf);
    CHECK(pread(fd, buf, sizeof buf, 0) == 13 && strcmp(buf, "hello, WORLD\n") == 0);
    CHECK(lseek(fd, 0, SEEK_CUR) == 7); /* pread/pwrite leave the position alone */
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 13 && st.st_nlink == 1);
    CHECK(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5);
    CHECK(posix_fallocate(fd, 0, 4096) == 0 && fstat(fd, &st) == 0 && st.st_size == 4096);
    CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0);
    CHECK(posix_fadvise(fd, 0, 0, 99) == EINVAL);
    CHECK(fsync(fd) == 0 && fdatasync(fd) == 0);
    __wasi_fdstat_t fdstat;
    CHECK(__wasi_fd_fdstat_get((__wasi_fd_t)fd, &fdstat) == 0);
    CHECK(fdstat.fs_filetype == __WASI_FILETYPE_REGULAR_FILE);
    CHECK((fdstat.fs_rights_base & __WASI_RIGHTS_FD_READ) && (fdstat.fs_rights_base & __WASI_RIGHTS_FD_WRITE));
    CHECK((fcntl(fd, F_GETFL) & O_APPEND) == 0);
    CHECK(fcntl(fd, F_SETFL, O_APPEND) == 0 && (fcntl(fd, F_GETFL) & O_APPEND));
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && write(fd, "!", 1) == 1);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 4097);
    /* Rights only shrink. */
    CHECK(__wasi_fd_fdstat_set_rights((__wasi_fd_t)fd, fdstat.fs_rights_base & ~__WASI_RIGHTS_FD_SEEK, 0) == 0);
    CHECK(__wasi_fd_fdstat_set_rights((__wasi_fd_t)fd, fdstat.fs_rights_base, 0) == __WASI_ERRNO_NOTCAPABLE);
    /* Times: explicit values, then "now". */
    struct timespec times[2] = { { 1000000000, 5 }, { 1200000000, 7 } };
    CHECK(futimens(fd, times) == 0);
    CHECK(fstat(fd, &st) == 0 && st.st_mtim.tv_sec == 1200000000 && st.st_mtim.tv_nsec == 7
          && st.st_atim.tv_sec == 1000000000);
    CHECK(__wasi_fd_filestat_set_times((__wasi_fd_t)fd, 1, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW) == __WASI_ERRNO_INVAL);
    CHECK(close(fd) == 0);
    CHECK(close(fd) == -1 && errno == EBADF);

    /* Append mode from the open. */
    fd = open(P(0, dir, "log.txt"), O_WRONLY | O_CREAT | O_APPEND, 0644);
    CHECK(fd >= 0 && write(fd, "one\n", 4) == 4);
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && write(fd, "two\n", 4) == 4);
    close(fd);
    fd = open(P(0, dir, "log.txt"), O_RDONLY);
    memset(buf, 0, sizeof buf);
    CHECK(read(fd, buf, sizeof buf) == 8 && strcmp(buf, "one\ntwo\n") == 0);
    CHECK(write(fd, "x", 1) == -1 && errno == EBADF); /* opened read-only */
    close(fd);

    CHECK(open(P(0, dir, "missing.txt"), O_RDONLY) == -1 && errno == ENOENT);
    CHECK(open(P(0, dir, "log.txt"), O_RDONLY | O_CREAT | O_EXCL, 0644) == -1 && errno == EEXIST);
    CHECK(open(P(0, dir, "log.txt/x"), O_RDONLY) == -1 && errno == ENOTDIR);
    CHECK(write(77, "x", 1) == -1 && errno == EBADF);
    CHECK(read(77, buf, 1) == -1 && errno == EBADF);
    CHECK(__wasi_fd_close(77) == __WASI_ERRNO_BADF);
    CHECK(__wasi_fd_seek(1, 0, 9, &pos) == __WASI_ERRNO_INVAL);
}

static void test_renumber_and_prestat(const char *dir)
{
    int a = open(P(0, dir, "data.txt"), O_RDONLY);
    int b = open(P(0, dir, "log.txt"), O_RDONLY);
    CHECK(a >= 0 && b >= 0);
    CHECK(__wasi_fd_renumber((__wasi_fd_t)a, (__wasi_fd_t)b) == 0);
    char c = 0;
    CHECK(read(b, &c, 1) == 1 && c == 'h'); /* b now is data.txt */
    CHECK(__wasi_fd_close((__wasi_fd_t)a) == __WASI_ERRNO_BADF);
    CHECK(__wasi_fd_renumber((__wasi_fd_t)b, 99) == __WASI_ERRNO_BADF);
    close(b);

    __wasi_prestat_t prestat;
    CHECK(__wasi_fd_prestat_get(3, &prestat) == 0 && prestat.tag == __WASI_PREOPENTYPE_DIR);
    CHECK(prestat.u.dir.pr_name_len == strlen(dir));
    char name[256] = { 0 };
    CHECK(__wasi_fd_prestat_dir_name(3, (uint8_t *)name, prestat.u.dir.pr_name_len) == 0);
    CHECK(strcmp(name, dir) == 0);
    CHECK(__wasi_fd_prestat_get(1, &prestat) == __WASI_ERRNO_BADF);
    __wasi_fdstat_t fdstat;
    CHECK(__wasi_fd_fdstat_get(3, &fdstat) == 0 && fdstat.fs_filetype == __WASI_FILETYPE_DIRECTORY);
    CHECK(__wasi_fd_fdstat_get(99, &fdstat) == __WASI_ERRNO_BADF);
}

static void test_readdir(const char *dir)
{
    CHECK(mkdir(P(0, dir, "list"), 0755) == 0);
    enum { N = 150 };
    for (int i = 0; i < N; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s/list/entry-%03d-with-a-rather-long-name-to-fill-buffers", dir, i);
        int fd = open(name, O_WRONLY | O_CREAT, 0644);
        CHECK(fd >= 0);
        close(fd);
    }
    CHECK(mkdir(P(0, dir, "list/subdir"), 0755) == 0);
    DIR *d = opendir(P(0, dir, "list"));
    CHECK(d != NULL);
    if (d == NULL)
        return;
    static unsigned char seen[N];
    int entries = 0, dots = 0, dirs = 0;
    long middle = -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        entries++;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            dots++;
            continue;
        }
        if (e->d_type == DT_DIR) {
            dirs++;
            CHECK(strcmp(e->d_name, "subdir") == 0);
            continue;
        }
        int i = -1;
        CHECK(sscanf(e->d_name, "entry-%d-", &i) == 1 && i >= 0 && i < N && e->d_type == DT_REG);
        if (i >= 0 && i < N)
            seen[i]++;
        if (entries == 60)
            middle = telldir(d);
    }
    CHECK(entries == N + 3 && dots == 2 && dirs == 1);
    for (int i = 0; i < N; i++)
        CHECK(seen[i] == 1);
    /* Resume from a cookie in the middle and from the start. */
    int after_middle = 0;
    seekdir(d, middle);
    while (readdir(d) != NULL)
        after_middle++;
    CHECK(after_middle == entries - 60);
    rewinddir(d);
    int again = 0;
    while (readdir(d) != NULL)
        again++;
    CHECK(again == entries);
    closedir(d);

    /* Raw: a buffer too small for one entry is filled completely (truncated entry). */
    int fd = open(P(0, dir, "list"), O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    uint8_t small[30];
    __wasi_size_t used = 0;
    CHECK(__wasi_fd_readdir((__wasi_fd_t)fd, small, sizeof small, 0, &used) == 0 && used == sizeof small);
    __wasi_dirent_t first;
    memcpy(&first, small, sizeof first);
    CHECK(first.d_next == 1 && first.d_namlen >= 1);
    /* Cookies count entries: reading from cookie 5 with room for one entry gives d_next 6. */
    uint8_t one[sizeof(__wasi_dirent_t) + 100];
    CHECK(__wasi_fd_readdir((__wasi_fd_t)fd, one, sizeof one, 5, &used) == 0 && used > sizeof first);
    memcpy(&first, one, sizeof first);
    CHECK(first.d_next == 6);
    /* Past the end: nothing. */
    CHECK(__wasi_fd_readdir((__wasi_fd_t)fd, one, sizeof one, 100000, &used) == 0 && used == 0);
    close(fd);
    CHECK(opendir(P(0, dir, "data.txt")) == NULL && errno == ENOTDIR);
    /* The preopen itself can be listed (it is an O_PATH fd on the host). */
    d = opendir(dir);
    CHECK(d != NULL);
    int top = 0;
    while (d && readdir(d) != NULL)
        top++;
    CHECK(top >= 5);
    if (d)
        closedir(d);
}

static void test_tree(const char *dir)
{
    struct stat st;
    CHECK(mkdir(P(0, dir, "d1"), 0755) == 0);
    CHECK(mkdir(P(0, dir, "d1"), 0755) == -1 && errno == EEXIST);
    CHECK(stat(P(0, dir, "d1"), &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(mkdir(P(0, dir, "d1/d2"), 0755) == 0);
    CHECK(rmdir(P(0, dir, "d1")) == -1 && errno == ENOTEMPTY);
    CHECK(rmdir(P(0, dir, "d1/d2")) == 0);
    CHECK(rmdir(P(0, dir, "d1/")) == 0);
    CHECK(stat(P(0, dir, "d1"), &st) == -1 && errno == ENOENT);
    CHECK(rmdir(P(0, dir, "data.txt")) == -1 && errno == ENOTDIR);

    int fd = open(P(0, dir, "a.txt"), O_WRONLY | O_CREAT, 0644);
    CHECK(fd >= 0 && write(fd, "AAA", 3) == 3);
    close(fd);
    CHECK(rename(P(0, dir, "a.txt"), P(1, dir, "b.txt")) == 0);
    CHECK(stat(P(0, dir, "a.txt"), &st) == -1 && errno == ENOENT);
    CHECK(stat(P(0, dir, "b.txt"), &st) == 0 && st.st_size == 3);
    CHECK(rename(P(0, dir, "b.txt"), P(1, dir, "log.txt")) == 0); /* replaces */
    CHECK(stat(P(0, dir, "log.txt"), &st) == 0 && st.st_size == 3);
    CHECK(rename(P(0, dir, "nothing"), P(1, dir, "x")) == -1 && errno == ENOENT);

    CHECK(link(P(0, dir, "log.txt"), P(1, dir, "hard.txt")) == 0);
    CHECK(stat(P(0, dir, "hard.txt"), &st) == 0 && st.st_nlink == 2 && st.st_size == 3);
    CHECK(link(P(0, dir, "log.txt"), P(1, dir, "hard.txt")) == -1 && errno == EEXIST);

    CHECK(symlink("log.txt", P(0, dir, "soft")) == 0);
    char target[64] = { 0 };
    CHECK(readlink(P(0, dir, "soft"), target, sizeof target) == 7 && memcmp(target, "log.txt", 7) == 0);
    CHECK(readlink(P(0, dir, "soft"), target, 3) == 3); /* truncated, like readlink(2) */
    CHECK(readlink(P(0, dir, "log.txt"), target, sizeof target) == -1 && errno == EINVAL);
    CHECK(lstat(P(0, dir, "soft"), &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(stat(P(0, dir, "soft"), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 3);
    fd = open(P(0, dir, "soft"), O_RDONLY);
    char buf[8] = { 0 };
    CHECK(fd >= 0 && read(fd, buf, sizeof buf) == 3 && strcmp(buf, "AAA") == 0);
    close(fd);
    CHECK(open(P(0, dir, "soft"), O_RDONLY | O_NOFOLLOW) == -1 && errno == ELOOP);
    CHECK(symlink("x", P(0, dir, "soft")) == -1 && errno == EEXIST);
    /* path_link following the source symlink links its target. */
    CHECK(__wasi_path_link(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "soft", 3, "hard-followed") == 0);
    CHECK(lstat(P(0, dir, "hard-followed"), &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 3);
    CHECK(unlink(P(0, dir, "hard-followed")) == 0);
    /* A path longer than any the kernel takes. */
    static char long_path[70000];
    memset(long_path, 'a', sizeof long_path - 1);
    CHECK(__wasi_path_create_directory(3, long_path) == __WASI_ERRNO_NAMETOOLONG);
    struct timespec times[2] = { { 0, UTIME_OMIT }, { 1300000000, 0 } };
    CHECK(utimensat(AT_FDCWD, P(0, dir, "soft"), times, 0) == 0); /* follows: sets log.txt */
    CHECK(stat(P(0, dir, "log.txt"), &st) == 0 && st.st_mtim.tv_sec == 1300000000);

    CHECK(unlink(P(0, dir, "soft")) == 0);
    CHECK(stat(P(0, dir, "log.txt"), &st) == 0); /* the target stays */
    CHECK(unlink(P(0, dir, "hard.txt")) == 0);
    CHECK(unlink(P(0, dir, "hard.txt")) == -1 && errno == ENOENT);
    CHECK(unlink(P(0, dir, "list")) == -1 && (errno == EISDIR || errno == EPERM));
    CHECK(truncate(P(0, dir, "log.txt"), 1) == 0 && stat(P(0, dir, "log.txt"), &st) == 0 && st.st_size == 1);
    CHECK(access(P(0, dir, "log.txt"), F_OK) == 0);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    if (argc != 2)
        GUEST_DONE();
    const char *dir = argv[1];
    test_io(dir);
    test_renumber_and_prestat(dir);
    test_readdir(dir);
    test_tree(dir);
    struct stat st;
    CHECK(fstat(1, &st) == 0);
    GUEST_DONE();
}
