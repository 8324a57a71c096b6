/* store.c - placeholder until its owner lands it. */
typedef int wasm_store_placeholder;
