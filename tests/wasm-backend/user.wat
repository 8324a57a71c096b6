;; Imports what backend.wat exports (linked by name through the linker).
(module
  (import "backend" "square" (func $square (param i32) (result i32)))
  (import "backend" "memory" (memory 1))
  (import "backend" "counter" (global $counter (mut i32)))
  (func (export "square_plus_byte") (param i32) (result i32)
    (i32.add (call $square (local.get 0)) (i32.load8_u (i32.const 16))))
  (func (export "counter") (result i32) (global.get $counter))
)
