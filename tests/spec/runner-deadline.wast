;; runner-deadline.wast - a command that never ends is interrupted at the deadline (run.sh passes
;; --timeout 1) and counts as failed; the commands after it still run: 3 passed, 2 failed.
(module
  (func (export "spin") (loop $l (br $l)))
  (func (export "one") (result i32) (i32.const 1)))
(assert_return (invoke "spin"))
(assert_return (invoke "one") (i32.const 1))
(assert_return (invoke "spin"))
(assert_return (invoke "one") (i32.const 1))
