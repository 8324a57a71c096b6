#!/usr/bin/env bash
# tests/spec/run.sh BUILD_DIR MODE - the WebAssembly spec test suite through `wasmcri spectest`.
#
# First the runner's own self-tests (hand-written scripts with known wrong assertions: the runner
# must count exactly those as failed), then every .wast of the official suite
# (SPEC_DIR, default ../shared/wasm-spec-testsuite beside the repository): `PASS file` when every
# command passed, `FAIL file: N failed` otherwise, and `SKIP file: pending (N failed)` for files
# listed in tests/spec/pending.txt (a pending file that passes fully prints PASS). The suite
# runs with --check-messages: the engine's malformed/invalid/unlinkable texts must match too.
# Under ASan the whole suite runs too (about 20 s on 2 cores, most of it in wast2json): it proves
# the engine free of leaks and undefined behaviour on every spec command.
set -uo pipefail

build=${1:?usage: tests/spec/run.sh BUILD_DIR MODE}
mode=${2:-release}
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/spec
spec_dir=${SPEC_DIR:-$root/../shared/wasm-spec-testsuite}
file_timeout=${SPEC_FILE_TIMEOUT:-300}
[[ $mode == asan ]] && file_timeout=${SPEC_FILE_TIMEOUT:-900}

bin=$build/wasmcri
[[ -x $bin ]] || bin=$root/$build/wasmcri
if [[ ! -x $bin ]]; then
  echo "FAIL spec-runner: $build/wasmcri is not built"
  exit 1
fi
# ASan: report leaks and UB as failures of the process (the exit status is checked below).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=98}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The runner's conversion directories go here too, so a killed run leaves nothing behind.
export TMPDIR=$tmp

# ---- the runner checks itself ------------------------------------------------------------
# selftest NAME SCRIPT PASSED FAILED NA EXPECTED_EXIT [RUNNER_OPTION...]
selftest() {
  local name=$1 script=$2 want="$3 passed, $4 failed, $5 not applicable" want_rc=$6
  shift 6
  local out=$tmp/$name.out err=$tmp/$name.err rc
  "$bin" spectest "$@" "$script" >"$out" 2>"$err"
  rc=$?
  echo "--- $name: exit $rc"; cat "$out"; head -40 "$err"
  local line
  line=$(grep -F "$script: " "$out" | tail -1)
  if [[ $line != "$script: $want" ]]; then
    echo "FAIL $name: expected '$want', got '${line#"$script: "}' (exit $rc)"
  elif ((rc != want_rc)); then
    echo "FAIL $name: exit status $rc, expected $want_rc"
  elif ! tail -1 "$out" | grep -Eq '^[0-9]+ passed, [0-9]+ failed$'; then
    echo "FAIL $name: the last line is not 'N passed, N failed'"
  else
    echo "PASS $name"
  fi
}
selftest runner-selftest "$here/runner-selftest.wast" 36 1 1 1
# The failing assertion must be reported with its line.
wrong_line=$(grep -n '^;; WRONG' "$here/runner-selftest.wast" | head -1 | cut -d: -f1)
if grep -q "runner-selftest.wast:$((wrong_line + 1)):" "$tmp/runner-selftest.err"; then
  echo "PASS runner-reports-failing-line"
else
  echo "FAIL runner-reports-failing-line: no report for line $((wrong_line + 1)) on stderr"
fi
selftest runner-selftest-simd "$here/runner-selftest-simd.wast" 10 2 0 1
selftest runner-wrong "$here/runner-wrong.wast" 1 20 0 1
selftest runner-deadline "$here/runner-deadline.wast" 3 2 0 1 --timeout 1
# A script that cannot even be converted counts as a failure, never as nothing.
printf '(module\n' >"$tmp/broken.wast"
selftest runner-broken-script "$tmp/broken.wast" 0 1 0 1

# ---- the official suite ------------------------------------------------------------------
if [[ ! -d $spec_dir ]]; then
  echo "FAIL spec-suite: $spec_dir not found (set SPEC_DIR)"
  exit 0
fi

declare -A pending=()
while read -r name _; do
  [[ -n $name && $name != \#* ]] && pending[$name]=1
done < <(sed 's/#.*//' "$here/pending.txt" 2>/dev/null)

files=("$spec_dir"/*.wast)

start=$SECONDS
total_passed=0 total_failed=0 total_na=0
for f in "${files[@]}"; do
  name=$(basename "$f")
  out=$tmp/out err=$tmp/err
  t0=$SECONDS
  timeout -k 10 "$file_timeout" "$bin" spectest --check-messages "$f" >"$out" 2>"$err"
  rc=$?
  summary=$(grep -F "$f: " "$out" | tail -1)
  summary=${summary#"$f: "}
  echo "--- $name: exit $rc in $((SECONDS - t0))s: $summary"
  head -25 "$err"
  why=""
  if ((rc == 124 || rc == 137)); then
    why="timed out after ${file_timeout}s"
  elif [[ ! $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ not\ applicable$ ]]; then
    why="crashed (exit $rc)"
  else
    p=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]} na=${BASH_REMATCH[3]}
    total_passed=$((total_passed + p)); total_failed=$((total_failed + n))
    total_na=$((total_na + na))
    if ((n > 0)); then
      why="$n failed"
    elif ((rc != 0)); then
      # All commands passed, but the process did not end cleanly: ASan/UBSan or a leak.
      why="exit $rc after all commands passed (sanitizer report?)"
    fi
  fi
  if [[ -z $why ]]; then
    echo "PASS $name"
  elif [[ -n ${pending[$name]:-} ]]; then
    echo "SKIP $name: pending ($why)"
  else
    echo "FAIL $name: $why"
  fi
done
echo "spec suite [$mode]: $total_passed commands passed, $total_failed failed," \
     "$total_na not applicable, ${#files[@]} files in $((SECONDS - start))s"
