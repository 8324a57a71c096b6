;; proc_exit from the module's start function, before _start: still an exit code.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func $init (call $exit (i32.const 9)))
  (start $init)
  (func (export "_start") (unreachable)))
