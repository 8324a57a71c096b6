/* decode.c - placeholder until its owner lands it. */
typedef int wasm_decode_placeholder;
