/* interp.c - placeholder until its owner lands it. */
typedef int wasm_interp_placeholder;
