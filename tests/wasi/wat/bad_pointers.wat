;; Raw WASI calls with guest pointers and lengths out of bounds (memory is one page, 65536
;; bytes): each must return errno 21 (EFAULT), a bad fd 8 (EBADF), never crash the host.
;; Exits 0 and prints "bad pointers refused" when every call answered as expected, otherwise
;; exits with 100 + the number of the first call that did not.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "bad pointers refused\n")

  (func $expect (param $got i32) (param $want i32) (param $n i32)
    (if (i32.ne (local.get $got) (local.get $want))
      (then (call $proc_exit (i32.add (i32.const 100) (local.get $n))))))

  (func (export "_start")
    ;; iovec at 0: { buf = 0xffffff00, len = 16 }  (its buffer is out of bounds)
    (i32.store (i32.const 0) (i32.const 0xffffff00))
    (i32.store (i32.const 4) (i32.const 16))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)) (i32.const 21) (i32.const 1))
    ;; the iovec array itself runs past the end
    (call $expect (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 8)) (i32.const 21) (i32.const 2))
    ;; a huge iovec count
    (call $expect (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0x20000000) (i32.const 8)) (i32.const 21) (i32.const 3))
    ;; iovec { 100, 0xffffffff }: the length wraps a 32-bit sum
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 0xffffffff))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)) (i32.const 21) (i32.const 4))
    (call $expect (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)) (i32.const 21) (i32.const 5))
    ;; a valid iovec but the result pointer out of bounds
    (i32.store (i32.const 4) (i32.const 0))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 65535)) (i32.const 21) (i32.const 6))
    (call $expect (call $args_sizes_get (i32.const 0xffffffff) (i32.const 0)) (i32.const 21) (i32.const 7))
    (call $expect (call $args_get (i32.const 65534) (i32.const 1000)) (i32.const 21) (i32.const 8))
    (call $expect (call $args_get (i32.const 1000) (i32.const 65535)) (i32.const 21) (i32.const 9))
    (call $expect (call $environ_get (i32.const 65534) (i32.const 1000)) (i32.const 21) (i32.const 10))
    (call $expect (call $random_get (i32.const 65000) (i32.const 1000)) (i32.const 21) (i32.const 11))
    (call $expect (call $random_get (i32.const 0xfffffff0) (i32.const 0x20)) (i32.const 21) (i32.const 12))
    (call $expect (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 65530)) (i32.const 21) (i32.const 13))
    (call $expect (call $poll_oneoff (i32.const 65000) (i32.const 0) (i32.const 100) (i32.const 8)) (i32.const 21) (i32.const 14))
    (call $expect (call $poll_oneoff (i32.const 0) (i32.const 0) (i32.const 0x7fffffff) (i32.const 8)) (i32.const 21) (i32.const 15))
    (call $expect (call $fd_prestat_dir_name (i32.const 3) (i32.const 65536) (i32.const 100)) (i32.const 21) (i32.const 16))
    (call $expect (call $path_open (i32.const 3) (i32.const 1) (i32.const 65530) (i32.const 100)
                        (i32.const 0) (i64.const 2) (i64.const 2) (i32.const 0) (i32.const 8)) (i32.const 21) (i32.const 17))
    (call $expect (call $fd_readdir (i32.const 3) (i32.const 65000) (i32.const 1000) (i64.const 0) (i32.const 8)) (i32.const 21) (i32.const 18))
    (call $expect (call $fd_fdstat_get (i32.const 1) (i32.const 65530)) (i32.const 21) (i32.const 19))
    ;; unknown fds
    (call $expect (call $fd_write (i32.const 99) (i32.const 0) (i32.const 0) (i32.const 8)) (i32.const 8) (i32.const 20))
    (call $expect (call $fd_fdstat_get (i32.const -1) (i32.const 0)) (i32.const 8) (i32.const 21))
    ;; all good: print the message
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 21))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)) (i32.const 0) (i32.const 22))
    (call $proc_exit (i32.const 0)))
)
