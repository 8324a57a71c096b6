/* validate.c - placeholder until its owner lands it. */
typedef int wasm_validate_placeholder;
