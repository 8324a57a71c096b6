/* trap.c - placeholder until its owner lands it. */
typedef int wasm_trap_placeholder;
