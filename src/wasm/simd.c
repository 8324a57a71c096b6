/* simd.c - placeholder until its owner lands it. */
typedef int wasm_simd_placeholder;
