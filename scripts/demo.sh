#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the wasm demo with the seed modules.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh release

seeds=${SEEDS:-../shared/testdata/seed-modules}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== build/wasmcri run hello.wasm"
build/wasmcri run "$seeds/hello.wasm"
echo "== build/wasmcri run --dir $work::/ --env FOO=bar wasi_example_main.wasm test"
build/wasmcri run --dir "$work::/" --env FOO=bar "$seeds/wasi_example_main.wasm" test
