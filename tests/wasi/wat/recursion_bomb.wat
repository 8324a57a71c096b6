;; Unbounded recursion: must trap with "call stack exhausted", never crash the host.
(module
  (func $recurse (param i64 i64 i64 i64) (result i64)
    (i64.add (local.get 0)
      (call $recurse (local.get 1) (local.get 2) (local.get 3) (local.get 0))))
  (func (export "_start")
    (drop (call $recurse (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4)))))
