#!/usr/bin/env python3
"""Prints a C file of static assertions that src/wasi/abi.h (our ABI numbers and layouts)
agrees with wasi-libc's <wasi/api.h>, generated from the witx by the WASI authors. Compile it
with clang --target=wasm32-wasi -fsyntax-only -I src. argv[1]: the api.h to read."""
import re
import sys

api = open(sys.argv[1]).read()
print('#include <stddef.h>\n#include <wasi/api.h>\n#include "wasi/abi.h"')


def check(ours, theirs):
    print(f'_Static_assert({ours} == {theirs}, "{ours} != {theirs}");')


for name in re.findall(r"#define __WASI_ERRNO_(\w+) ", api):
    check("WASI_ESUCCESS" if name == "SUCCESS" else f"WASI_E{name}", f"__WASI_ERRNO_{name}")
for name in re.findall(r"#define __WASI_RIGHTS_(\w+) ", api):
    check(f"WASI_RIGHT_{name}", f"__WASI_RIGHTS_{name}")
for name in re.findall(r"#define __WASI_FILETYPE_(\w+) ", api):
    check(f"WASI_FILETYPE_{name}", f"__WASI_FILETYPE_{name}")
for prefix, ours in [("WHENCE", "WASI_WHENCE_"), ("FDFLAGS", "WASI_FDFLAG_"),
                     ("OFLAGS", "WASI_OFLAG_"), ("FSTFLAGS", "WASI_FSTFLAG_"),
                     ("CLOCKID", "WASI_CLOCK_"), ("ADVICE", "WASI_ADVICE_"),
                     ("EVENTTYPE", "WASI_EVENTTYPE_"), ("RIFLAGS", "WASI_RIFLAG_"),
                     ("ROFLAGS", "WASI_ROFLAG_"), ("SDFLAGS", "WASI_SDFLAG_"),
                     ("PREOPENTYPE", "WASI_PREOPENTYPE_")]:
    for name in re.findall(rf"#define __WASI_{prefix}_(\w+) ", api):
        check(f"{ours}{name}", f"__WASI_{prefix}_{name}")
check("WASI_LOOKUP_SYMLINK_FOLLOW", "__WASI_LOOKUPFLAGS_SYMLINK_FOLLOW")
check("WASI_EVENT_FD_READWRITE_HANGUP", "__WASI_EVENTRWFLAGS_FD_READWRITE_HANGUP")
check("WASI_SUBSCRIPTION_CLOCK_ABSTIME", "__WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME")

layouts = [
    ("WASI_IOVEC_SIZE", "sizeof(__wasi_iovec_t)"),
    ("WASI_FDSTAT_SIZE", "sizeof(__wasi_fdstat_t)"),
    ("WASI_FDSTAT_FILETYPE", "offsetof(__wasi_fdstat_t, fs_filetype)"),
    ("WASI_FDSTAT_FLAGS", "offsetof(__wasi_fdstat_t, fs_flags)"),
    ("WASI_FDSTAT_RIGHTS_BASE", "offsetof(__wasi_fdstat_t, fs_rights_base)"),
    ("WASI_FDSTAT_RIGHTS_INHERITING", "offsetof(__wasi_fdstat_t, fs_rights_inheriting)"),
    ("WASI_FILESTAT_SIZE", "sizeof(__wasi_filestat_t)"),
    ("WASI_FILESTAT_DEV", "offsetof(__wasi_filestat_t, dev)"),
    ("WASI_FILESTAT_INO", "offsetof(__wasi_filestat_t, ino)"),
    ("WASI_FILESTAT_FILETYPE", "offsetof(__wasi_filestat_t, filetype)"),
    ("WASI_FILESTAT_NLINK", "offsetof(__wasi_filestat_t, nlink)"),
    ("WASI_FILESTAT_FILESIZE", "offsetof(__wasi_filestat_t, size)"),
    ("WASI_FILESTAT_ATIM", "offsetof(__wasi_filestat_t, atim)"),
    ("WASI_FILESTAT_MTIM", "offsetof(__wasi_filestat_t, mtim)"),
    ("WASI_FILESTAT_CTIM", "offsetof(__wasi_filestat_t, ctim)"),
    ("WASI_DIRENT_SIZE", "sizeof(__wasi_dirent_t)"),
    ("WASI_DIRENT_NEXT", "offsetof(__wasi_dirent_t, d_next)"),
    ("WASI_DIRENT_INO", "offsetof(__wasi_dirent_t, d_ino)"),
    ("WASI_DIRENT_NAMLEN", "offsetof(__wasi_dirent_t, d_namlen)"),
    ("WASI_DIRENT_TYPE", "offsetof(__wasi_dirent_t, d_type)"),
    ("WASI_PRESTAT_SIZE", "sizeof(__wasi_prestat_t)"),
    ("WASI_PRESTAT_NAME_LEN", "offsetof(__wasi_prestat_t, u.dir.pr_name_len)"),
    ("WASI_SUBSCRIPTION_SIZE", "sizeof(__wasi_subscription_t)"),
    ("WASI_SUBSCRIPTION_USERDATA", "offsetof(__wasi_subscription_t, userdata)"),
    ("WASI_SUBSCRIPTION_TAG", "offsetof(__wasi_subscription_t, u.tag)"),
    ("WASI_SUBSCRIPTION_CLOCK_ID", "offsetof(__wasi_subscription_t, u.u.clock.id)"),
    ("WASI_SUBSCRIPTION_CLOCK_TIMEOUT", "offsetof(__wasi_subscription_t, u.u.clock.timeout)"),
    ("WASI_SUBSCRIPTION_CLOCK_PRECISION", "offsetof(__wasi_subscription_t, u.u.clock.precision)"),
    ("WASI_SUBSCRIPTION_CLOCK_FLAGS", "offsetof(__wasi_subscription_t, u.u.clock.flags)"),
    ("WASI_SUBSCRIPTION_FD", "offsetof(__wasi_subscription_t, u.u.fd_read.file_descriptor)"),
    ("WASI_EVENT_SIZE", "sizeof(__wasi_event_t)"),
    ("WASI_EVENT_USERDATA", "offsetof(__wasi_event_t, userdata)"),
    ("WASI_EVENT_ERROR", "offsetof(__wasi_event_t, error)"),
    ("WASI_EVENT_TYPE", "offsetof(__wasi_event_t, type)"),
    ("WASI_EVENT_NBYTES", "offsetof(__wasi_event_t, fd_readwrite.nbytes)"),
    ("WASI_EVENT_FLAGS", "offsetof(__wasi_event_t, fd_readwrite.flags)"),
]
for ours, theirs in layouts:
    check(ours, theirs)
