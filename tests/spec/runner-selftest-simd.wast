;; runner-selftest-simd.wast - the spec runner's v128 comparisons: lanes of every shape and
;; per-lane NaN patterns. Everything passes except the two marked WRONG (tests/spec/run.sh
;; checks the exact counts).
(module
  (func (export "splat") (param i32) (result v128) (i32x4.splat (local.get 0)))
  (func (export "fsplat") (param f32) (result v128) (f32x4.splat (local.get 0)))
  (func (export "dsplat") (param f64) (result v128) (f64x2.splat (local.get 0)))
  (func (export "id") (param v128) (result v128) (local.get 0))
)
(assert_return (invoke "splat" (i32.const 5)) (v128.const i32x4 5 5 5 5))
(assert_return (invoke "splat" (i32.const 5)) (v128.const i16x8 5 0 5 0 5 0 5 0))
(assert_return (invoke "splat" (i32.const 5)) (v128.const i8x16 5 0 0 0 5 0 0 0 5 0 0 0 5 0 0 0))
(assert_return (invoke "splat" (i32.const -1)) (v128.const i64x2 -1 -1))
(assert_return (invoke "fsplat" (f32.const nan)) (v128.const f32x4 nan:canonical nan:canonical nan:canonical nan:canonical))
(assert_return (invoke "fsplat" (f32.const 2.5)) (v128.const f32x4 2.5 2.5 2.5 2.5))
(assert_return (invoke "dsplat" (f64.const nan:0x8000000000001)) (v128.const f64x2 nan:arithmetic nan:arithmetic))
(assert_return (invoke "id" (v128.const f32x4 nan 1 -0 nan:0x400001)) (v128.const f32x4 nan:canonical 1 -0 nan:arithmetic))
(assert_return (invoke "id" (v128.const i16x8 1 2 3 4 5 6 7 -1)) (v128.const i32x4 0x20001 0x40003 0x60005 0xffff0007))
;; WRONG on purpose: the third lane differs.
(assert_return (invoke "id" (v128.const i32x4 1 2 3 4)) (v128.const i32x4 1 2 4 4))
;; WRONG on purpose: lane 3 is an arithmetic NaN, not the canonical one.
(assert_return (invoke "id" (v128.const f32x4 0 0 0 nan:0x400001)) (v128.const f32x4 0 0 0 nan:canonical))
