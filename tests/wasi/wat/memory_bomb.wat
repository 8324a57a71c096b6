;; Grows memory one page at a time until refused. Under --max-memory 8M (128 pages) it must be
;; refused at 128 pages: exits 0 then, 1 when the cap did not hold.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1)
  (func (export "_start")
    (loop $grow
      (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    (call $exit (i32.ne (memory.size) (i32.const 128)))))
