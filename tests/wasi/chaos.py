#!/usr/bin/env python3
"""Writes chaos.wat to argv[1]: a module that calls every wasi_snapshot_preview1 function
(but proc_exit, and poll_oneoff, whose random clocks could sleep for years) thousands of times
with random arguments: small numbers (fds, flags), pointers inside memory, pointers at its
very end, and random 32/64-bit values. Whatever the arguments, each call must return an errno;
the host must not crash, leak or touch anything outside the preopen. Seed: argv[2]."""
import sys

FUNCTIONS = [  # name, params (i = i32, I = i64); every one returns an errno
    ("args_get", "ii"), ("args_sizes_get", "ii"), ("environ_get", "ii"),
    ("environ_sizes_get", "ii"), ("clock_res_get", "ii"), ("clock_time_get", "iIi"),
    ("fd_advise", "iIIi"), ("fd_allocate", "iSS"), ("fd_close", "F"), ("fd_datasync", "i"),
    ("fd_fdstat_get", "ii"), ("fd_fdstat_set_flags", "ii"), ("fd_fdstat_set_rights", "iII"),
    ("fd_filestat_get", "ii"), ("fd_filestat_set_size", "iS"), ("fd_filestat_set_times", "iIIi"),
    ("fd_pread", "iiiIi"), ("fd_prestat_get", "ii"), ("fd_prestat_dir_name", "iii"),
    ("fd_pwrite", "iiiSi"), ("fd_read", "iiii"), ("fd_readdir", "iiiIi"), ("fd_renumber", "FF"),
    ("fd_seek", "iIii"), ("fd_sync", "i"), ("fd_tell", "ii"), ("fd_write", "iiii"),
    ("path_create_directory", "iii"), ("path_filestat_get", "iiiii"),
    ("path_filestat_set_times", "iiiiIIi"), ("path_link", "iiiiiii"),
    ("path_open", "iiiiiIIii"), ("path_readlink", "iiiiii"), ("path_remove_directory", "iii"),
    ("path_rename", "iiiiii"), ("path_symlink", "iiiii"), ("path_unlink_file", "iii"),
    ("proc_raise", "i"), ("sched_yield", ""), ("random_get", "ii"), ("sock_accept", "iii"),
    ("sock_recv", "iiiiii"), ("sock_send", "iiiii"), ("sock_shutdown", "ii"),
]
# F: an fd above stdio and the two preopens (3, 4), so that they stay for the other calls.
# S: an i64 kept small (sizes and offsets: no terabyte files or allocations on the test disk).
ROUNDS = 3000

out = open(sys.argv[1], "w")
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0x9E3779B97F4A7C15
w = out.write
w("(module\n")
for name, params in FUNCTIONS:
    types = " ".join("i64" if p in "IS" else "i32" for p in params)  # i, F: i32
    w(f'  (import "wasi_snapshot_preview1" "{name}" (func ${name} (param {types}) (result i32)))\n')
w(f"""  (memory (export "memory") 2)
  ;; Small pointers and lengths (0..15) cut names out of this: paths that often exist.
  (data (i32.const 0) "ab/c/../d/ab/x..")
  (global $state (mut i64) (i64.const {seed & 0x7FFFFFFFFFFFFFFF}))
  ;; xorshift64
  (func $next (result i64)
    (global.set $state (i64.xor (global.get $state) (i64.shl (global.get $state) (i64.const 13))))
    (global.set $state (i64.xor (global.get $state) (i64.shr_u (global.get $state) (i64.const 7))))
    (global.set $state (i64.xor (global.get $state) (i64.shl (global.get $state) (i64.const 17))))
    (global.get $state))
  (func $i (result i32) (local $r i64)
    (local.set $r (call $next))
    (block $random (block $end (block $inside (block $small
      (br_table $small $small $small $small $inside $end $random $random
                (i32.wrap_i64 (i64.and (local.get $r) (i64.const 7)))))
      (return (i32.wrap_i64 (i64.and (i64.shr_u (local.get $r) (i64.const 8)) (i64.const 15)))))
      (return (i32.wrap_i64 (i64.rem_u (i64.shr_u (local.get $r) (i64.const 8)) (i64.const 131072)))))
      (return (i32.sub (i32.const 131072)
                       (i32.wrap_i64 (i64.and (i64.shr_u (local.get $r) (i64.const 8)) (i64.const 63))))))
    (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 16))))
  (func $I (result i64) (local $r i64)
    (local.set $r (call $next))
    (if (result i64) (i64.eqz (i64.and (local.get $r) (i64.const 1)))
      (then (i64.and (i64.shr_u (local.get $r) (i64.const 8)) (i64.const 0xffff)))
      (else (call $next))))
  (func $F (result i32) (i32.add (i32.const 5) (i32.wrap_i64 (i64.rem_u (call $next) (i64.const 11)))))
  (func $S (result i64) (i64.and (call $next) (i64.const 0xfffff)))
  (func (export "_start") (local $round i32)
    (loop $again
""")
for name, params in FUNCTIONS:
    args = " ".join(f"(call ${p})" for p in params)
    w(f"      (drop (call ${name} {args}))\n")
w(f"""      (local.set $round (i32.add (local.get $round) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $round) (i32.const {ROUNDS})))))
)
""")
