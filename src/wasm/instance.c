/* instance.c - placeholder until its owner lands it. */
typedef int wasm_instance_placeholder;
