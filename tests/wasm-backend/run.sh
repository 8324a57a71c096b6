#!/usr/bin/env bash
# Back-end tests of the engine (src/wasm): compiles the .wat modules with wabt's wat2wasm, then
# runs test_backend over them. Usage: tests/wasm-backend/run.sh BUILD_DIR MODE
set -uo pipefail
build=${1:-build}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for wat in "$here"/*.wat; do
  name=$(basename "$wat" .wat)
  if ! wat2wasm --debug-names "$wat" -o "$tmp/$name.wasm"; then
    echo "FAIL wat2wasm $name: does not assemble"
    exit 1
  fi
done
"$build/tests/wasm-backend/test_backend" "$tmp"
