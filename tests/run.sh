#!/usr/bin/env bash
# Runs every test group (tests/*/run.sh) against the release build and the ASan+UBSan build,
# and tallies what they report. A group is called as `run.sh BUILD_DIR MODE` (MODE: release or
# asan) from the repository root and prints one line per test:
#   PASS name | FAIL name: why | SKIP name: why
# Anything else it prints goes to the log only. The last line of this script is the tally.
set -uo pipefail
cd "$(dirname "$0")/.."

logdir=${TEST_LOG_DIR:-build/test-logs}
mkdir -p "$logdir"
only=${TEST_GROUPS:-}
passed=0 failed=0 skipped=0

run_group() {
  local group=$1 build=$2 mode=$3
  local log="$logdir/$group-$mode.log"
  local start=$SECONDS
  bash "tests/$group/run.sh" "$build" "$mode" >"$log" 2>&1
  local rc=$?
  local p f s
  p=$(grep -c '^PASS ' "$log"); f=$(grep -c '^FAIL ' "$log"); s=$(grep -c '^SKIP ' "$log")
  grep -E '^(FAIL|SKIP) ' "$log" | sed "s/^/  [$mode] $group: /"
  if ((rc != 0 && f == 0)); then
    echo "  [$mode] $group: FAIL group exited $rc (see $log)"
    f=1
  fi
  echo "$group [$mode]: $p passed, $f failed, $s skipped ($((SECONDS - start))s)"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

for dir in tests/*/; do
  group=$(basename "$dir")
  [[ -f "tests/$group/run.sh" ]] || continue
  [[ -z "$only" || " $only " == *" $group "* ]] || continue
  run_group "$group" build release
  run_group "$group" build-asan asan
done

echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
