/* module.c - placeholder until its owner lands it. */
typedef int wasm_module_placeholder;
