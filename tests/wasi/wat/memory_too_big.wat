;; Asks for 200 pages (12.5 MiB) at instantiation: refused under --max-memory 1M (exit 2).
(module
  (memory (export "memory") 200)
  (func (export "_start")))
