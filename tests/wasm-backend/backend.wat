;; The module tests/wasm-backend/test_backend.c drives: host calls, traps, re-entrancy.
(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "exit_at" (func $exit_at (param i32)))
  (import "env" "reenter" (func $reenter (param i32) (result i32)))
  (import "env" "many" (func $many (param i32 i64 f32 f64 i32 i32 i32 i32 i32 i32
                                          i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)
                               (result i64)))
  (memory (export "memory") 1)
  (global $counter (export "counter") (mut i32) (i32.const 0))
  (table (export "table") 2 funcref)
  (elem (i32.const 0) $square)
  (data (i32.const 16) "hello")

  (func $square (export "square") (param i32) (result i32)
    (i32.mul (local.get 0) (local.get 0)))

  (func (export "call_add") (param i32 i32) (result i32)
    (call $add (local.get 0) (local.get 1)))

  ;; recurses n times, then asks the host to end the program
  (func $descend (export "descend") (param i32)
    (if (i32.eqz (local.get 0))
      (then (call $exit_at (i32.const 7)) (unreachable)))
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (call $descend (i32.sub (local.get 0) (i32.const 1))))

  (func $bomb (export "bomb") (param i32) (result i32)
    (i32.add (call $bomb (local.get 0)) (i32.const 1)))

  (func $boom (export "boom") unreachable)

  (func (export "spin") (loop $l (br $l)))

  ;; wasm -> host -> wasm (square) -> back
  (func (export "reenter") (param i32) (result i32)
    (i32.add (call $reenter (local.get 0)) (i32.const 1)))

  (func (export "call_many") (result i64)
    (call $many (i32.const 1) (i64.const 2) (f32.const 3) (f64.const 4)
                (i32.const 5) (i32.const 6) (i32.const 7) (i32.const 8) (i32.const 9)
                (i32.const 10) (i32.const 11) (i32.const 12) (i32.const 13) (i32.const 14)
                (i32.const 15) (i32.const 16) (i32.const 17) (i32.const 18) (i32.const 19)
                (i32.const 20)))

  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))

  (func (export "call_slot") (param i32 i32) (result i32)
    (call_indirect (param i32) (result i32) (local.get 1) (local.get 0)))

  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
)
