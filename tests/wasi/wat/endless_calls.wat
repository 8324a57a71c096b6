;; Spins forever through calls (no backward branch in the caller).
(module
  (func $tick (result i32) (i32.const 1))
  (func $spin (loop $l (br_if $l (call $tick))))
  (func (export "_start") (call $spin)))
