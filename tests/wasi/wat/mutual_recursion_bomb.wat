;; Mutual recursion through call_indirect with big frames.
(module
  (type $t (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $ping $pong)
  (func $ping (type $t) (local f64 f64 f64 f64 f64 f64 f64 f64)
    (call_indirect (type $t) (i32.add (local.get 0) (i32.const 1)) (i32.const 1)))
  (func $pong (type $t) (local v128 v128 v128 v128)
    (call_indirect (type $t) (i32.add (local.get 0) (i32.const 1)) (i32.const 0)))
  (func (export "_start") (drop (call $ping (i32.const 0)))))
