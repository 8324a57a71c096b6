#!/usr/bin/env bash
# The engine's front end (decoder + validator): every spec script's modules, assert_invalid and
# binary assert_malformed commands, then hostile input. Usage: run.sh BUILD_DIR MODE
set -uo pipefail
build=${1:?usage: run.sh BUILD_DIR MODE}
shared=$(cd "$(dirname "$0")/../.." && pwd)/../shared   # the project's shared/ beside the repository
[[ -d $shared/wasm-spec-testsuite ]] || shared=/work/shared
suite=${WASM_SPEC_TESTSUITE:-$shared/wasm-spec-testsuite}
seeds=${SEED_MODULES:-$shared/testdata/seed-modules}
checker="$build/tests/wasm-frontend/frontend_check"

if [[ ! -x $checker ]]; then
  echo "FAIL frontend_check: $checker is not built"
  exit 1
fi
if ! command -v wast2json >/dev/null; then
  echo "SKIP wasm-frontend: wast2json (Debian package wabt) is not installed"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

jsons=()
for wast in "$suite"/*.wast; do
  name=$(basename "$wast" .wast)
  if wast2json "$wast" -o "$tmp/$name.json" 2>"$tmp/$name.err"; then
    jsons+=("$tmp/$name.json")
  else
    echo "FAIL $name.json: wast2json failed: $(head -1 "$tmp/$name.err")"
  fi
done
"$checker" spec "${jsons[@]}"

# Imports, exports, custom sections and function names of a module built by the checker.
"$checker" introspect

# The real Rust WASI modules must validate.
"$checker" valid "$seeds"/*.wasm

# Hostile input, and mutations of real modules: a few spec modules and the seed modules.
mutate=()
for f in "$tmp"/binary.0.wasm "$tmp"/simd_lane.0.wasm "$tmp"/br_table.0.wasm "$tmp"/elem.0.wasm \
         "$seeds"/*.wasm; do
  [[ -f $f ]] && mutate+=("$f")
done
"$checker" hostile "${mutate[@]}"
exit 0
