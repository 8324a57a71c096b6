#!/usr/bin/env bash
# Unit tests of the SIMD op table and lane semantics (src/wasm/simd.c).
build=${1:-build}
exec "$build/tests/wasm-simd/test_simd"
