(module (import "backend" "square" (func (param i64) (result i32))))
