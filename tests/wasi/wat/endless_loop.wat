;; Spins forever: only --timeout ends it.
(module
  (func (export "_start") (loop $forever (br $forever))))
