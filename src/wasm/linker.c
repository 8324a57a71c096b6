/* linker.c - placeholder until its owner lands it. */
typedef int wasm_linker_placeholder;
