(module
  (import "env" "launch_missiles" (func))
  (func (export "_start")))
