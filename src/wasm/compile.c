/* compile.c - placeholder until its owner lands it. */
typedef int wasm_compile_placeholder;
