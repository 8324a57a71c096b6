#!/usr/bin/env bash
# The RuntimeService end to end: wasmcrid on a temp socket and root, modules served by a local
# HTTP server, driven by wasmcrictl as a user would (the crictl walkthrough) and by an
# independent gRPC client (python3-grpcio). One PASS/FAIL/SKIP line per test.
#   tests/runtime/run.sh BUILD_DIR MODE     (MODE: release or asan)
set -uo pipefail
build=${1:-build}
mode=${2:-release}
here=$(cd "$(dirname "$0")" && pwd)
root_dir=$(cd "$here/../.." && pwd)
case $build in /*) ;; *) build=$root_dir/$build ;; esac
daemon_bin=$build/wasmcrid
ctl_bin=$build/wasmcrictl
shim_bin=$build/wasmcri-shim
# The project's shared/ folder beside the repository (as /work/shared on the team machine).
seeds=${SEED_MODULES:-$root_dir/../shared/testdata/seed-modules}
[[ -f $seeds/hello.wasm ]] || seeds=/work/shared/testdata/seed-modules
py=/usr/bin/python3

# Unit tests of the shim's pieces first (they print their own PASS/FAIL lines).
if [[ -x $build/tests/runtime/test_runtime_units ]]; then
  "$build/tests/runtime/test_runtime_units" || true
else
  echo "FAIL runtime-units: $build/tests/runtime/test_runtime_units is not built"
fi

for bin in "$daemon_bin" "$ctl_bin" "$shim_bin"; do
  if [[ ! -x $bin ]]; then
    echo "FAIL runtime: $bin is not built"
    exit 0
  fi
done

for tool in jq curl protoc; do
  if ! command -v $tool >/dev/null; then
    echo "FAIL runtime: $tool missing"
    exit 0
  fi
done

tmp=$(mktemp -d /tmp/wasmcri-runtime-test.XXXXXX)
sock=$tmp/wasmcri.sock
daemon_pid=
http_pid=
cleanup() {
  if [[ -n $daemon_pid ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    # Remove every instance first, so no shim outlives the test.
    "$ctl_bin" -r "unix://$sock" rm -fa >/dev/null 2>&1
    "$ctl_bin" -r "unix://$sock" rmp -a >/dev/null 2>&1
    kill -TERM "$daemon_pid" 2>/dev/null
    wait "$daemon_pid" 2>/dev/null
  fi
  for pid in $(cat "$tmp"/shim-pids 2>/dev/null); do
    # Only real shim pids (never 0 or -1, which would signal a whole group).
    [[ $pid =~ ^[0-9]+$ ]] && ((pid > 1)) && kill -9 "$pid" 2>/dev/null
  done
  [[ -n $http_pid ]] && kill "$http_pid" 2>/dev/null && wait "$http_pid" 2>/dev/null
  [[ -n ${registry_pid:-} ]] && kill "$registry_pid" 2>/dev/null
  [[ -n ${KEEP_TMP:-} ]] || rm -rf "$tmp"
}
trap cleanup EXIT

export CRI_PY_DIR=$tmp/py
if [[ $mode == asan ]]; then
  # Reports of the daemon and of every shim land in files checked at the end.
  mkdir -p "$tmp/asan"
  export ASAN_OPTIONS="log_path=$tmp/asan/report:detect_leaks=1"
fi

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
# expect NAME OUTPUT REGEX
expect() {
  if grep -Eq -- "$3" <<<"$2"; then pass "$1"; else fail "$1" "expected /$3/, got: $(head -c 400 <<<"$2")"; fi
}
ctl() { "$ctl_bin" -r "unix://$sock" "$@"; }
cri() { "$py" "$here/cri_runtime.py" "$sock" "$@"; }
wait_for() { # SECONDS COMMAND...
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.05
  done
}
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start_daemon() {
  "$daemon_bin" --listen "$sock" --root "$tmp/root" --state "$tmp/state" >>"$tmp/daemon.log" 2>&1 &
  daemon_pid=$!
  wait_for 10 ctl version || { fail daemon-start "wasmcrid did not answer: $(tail -5 "$tmp/daemon.log")"; exit 1; }
}
# status ID FIELD: one field of ContainerStatus (jq path below .status)
status() { ctl inspect "$1" 2>&1 | jq -r ".status.$2"; }
state_of() { status "$1" state; }
wait_state() { wait_for "$3" test "$(state_of "$1")" = "$2"; }
# Records a running container's shim pid, so cleanup can always reach it.
note_pid() {
  local pid
  pid=$(ctl inspect "$1" 2>/dev/null | jq -r '.info.pid')
  [[ $pid =~ ^[0-9]+$ ]] && ((pid > 1)) && echo "$pid" >>"$tmp/shim-pids"
}

# ---- test data ------------------------------------------------------------------------
mkdir -p "$tmp/www" "$tmp/logs"
cp "$seeds"/*.wasm "$tmp/www/"
have_c_modules=1
for m in sleeper grow trap output holder; do
  clang --target=wasm32-wasi -O2 "$here/modules/$m.c" -o "$tmp/www/$m.wasm" 2>"$tmp/clang.log" || have_c_modules=0
done
http_port=$(free_port)
(cd "$tmp/www" && exec "$py" -m http.server --bind 127.0.0.1 "$http_port") 2>"$tmp/http.log" &
http_pid=$!
www=http://127.0.0.1:$http_port
wait_for 10 curl -sf -o /dev/null "$www/hello.wasm" || { fail http-server "did not start"; exit 1; }

start_daemon

# pod_config NAME [EXTRA JSON fields] -> path of a crictl pod config (JSON)
pod_config() {
  local file=$tmp/pod-$1.json
  cat >"$file" <<JSON
{ "metadata": {"name": "$1", "namespace": "default", "attempt": 1, "uid": "uid-$1"},
  "log_directory": "$tmp/logs/$1", "linux": {} ${2:+, $2} }
JSON
  echo "$file"
}
# container_config NAME IMAGE MODULE 'COMMAND JSON ARRAY' [EXTRA YAML lines] -> a YAML file
container_config() {
  local file=$tmp/ctr-$1.yaml
  {
    echo "metadata:"
    echo "  name: $1"
    echo "image:"
    echo "  image: $2"
    echo "  annotations:"
    echo "    wasm.module.url: \"$www/$3\""
    echo "    wasm.module.filename: \"$3\""
    echo "command: $4"
    echo "log_path: \"$1.log\""
    echo "linux: {}"
    [[ $# -gt 4 ]] && printf '%s\n' "$5"
  } >"$file"
  echo "$file"
}
# run_instance NAME IMAGE MODULE COMMAND [EXTRA YAML] -> prints "POD CONTAINER" (started)
run_instance() {
  local pod ctr p c
  pod=$(pod_config "$1")
  ctr=$(container_config "$@")
  p=$(ctl runp --runtime=wasm "$pod") || return 1
  c=$(ctl create "$p" "$ctr" "$pod") || return 1
  ctl start "$c" >/dev/null || return 1
  note_pid "$c"
  echo "$p $c"
}

# ---- the crictl walkthrough ----------------------------------------------------------
pod=$(pod_config walkthrough)
ctr=$(container_config walkthrough-demo wasi-demo-app wasi-demo-app.wasm '["wasi-demo-app.wasm", "daemon"]')
out=$(ctl runp --runtime=wasm "$pod" 2>&1); p=$out
expect walkthrough-runp "$out" '^[0-9a-f]{64}$'
expect walkthrough-pods "$(ctl pods 2>&1)" "${p:0:13} +.*Ready +walkthrough +default +1 +wasm"
out=$(ctl create "$p" "$ctr" "$pod" 2>&1); c=$out
expect walkthrough-create "$out" '^[0-9a-f]{64}$'
expect walkthrough-created "$(state_of "$c")" '^CONTAINER_CREATED$'
out=$(ctl start "$c" 2>&1); note_pid "$c"
expect walkthrough-start "$out" "^$c\$"
expect walkthrough-ps "$(ctl ps 2>&1)" "${c:0:13} +wasi-demo-app +.*Running +walkthrough-demo +0 +${p:0:13} +walkthrough"
wait_for 5 grep -q 'never ends' "$tmp/logs/walkthrough/walkthrough-demo.log"
expect walkthrough-logs "$(ctl logs "$c" 2>&1)" '^This is a song that never ends\.$'
expect walkthrough-log-file "$(head -1 "$tmp/logs/walkthrough/walkthrough-demo.log")" \
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z stdout F This is a song that never ends\.$'
expect walkthrough-stats "$(ctl stats "$c" 2>&1)" "${c:0:13} +walkthrough-demo +[0-9.]+ +[0-9.]+[kM]B"
expect walkthrough-statsp "$(ctl statsp --id "$p" 2>&1)" "walkthrough +${p:0:13} +[0-9.]+ +[0-9.]+[kM]B"
out=$(ctl stop "$c" 2>&1)
expect walkthrough-stop "$out" "^$c\$"
expect walkthrough-stopped "$(ctl inspect "$c" | jq -r '.status | "\(.state) \(.exitCode) \(.reason)"')" '^CONTAINER_EXITED 137 Error$'
expect walkthrough-ps-a "$(ctl ps -a 2>&1)" "${c:0:13} .*Exited"
expect walkthrough-rm "$(ctl rm "$c" 2>&1)" "^$c\$"
expect walkthrough-stopp "$(ctl stopp "$p" 2>&1)" "^Stopped sandbox $p\$"
expect walkthrough-rmp "$(ctl rmp "$p" 2>&1)" "^Removed sandbox $p\$"
out=$(ctl pods -q 2>&1; ctl ps -aq 2>&1)
if [[ -z $out ]]; then pass walkthrough-all-gone; else fail walkthrough-all-gone "left: $out"; fi

# ---- the original system's files, as its scripts used them: `run --runtime="wasm" --no-pull`
# (the module is pulled by CreateContainer from the image annotations). Verbatim but for the
# URL and the log directory.
mkdir -p "$tmp/logs/original"
cat >"$tmp/original-pod.json" <<JSON
{
    "metadata": {
        "name": "test-sandbox$(date +%s)",
        "namespace": "default",
        "attempt": 1,
        "uid": "hdishd83djaidwnduwk28bcsb"
    },
    "log_directory": "$tmp/logs/original",
    "linux": {
    }
}
JSON
cat >"$tmp/original-container.json" <<JSON
{
    "metadata": {
        "name": "wasm",
        "namespace": "default"
    },
    "image": {
      "image": "wasi-demo-app-original",
      "annotations": {
          "wasm.module.url": "$www/wasi-demo-app.wasm",
          "wasm.module.filename": "wasi-demo-app.wasm"
          }
    },
    "command": [
        "wasi-demo-app.wasm", 
        "daemon"
    ],
    "log_path":"wasm.log",
    "linux": {
    }
}
JSON
out=$(ctl run --runtime="wasm" --no-pull "$tmp/original-container.json" "$tmp/original-pod.json" 2>&1); c=$out
expect original-files-run "$out" '^[0-9a-f]{64}$'
note_pid "$c"
wait_for 5 grep -q 'never ends' "$tmp/logs/original/wasm.log"
expect original-files-running "$(state_of "$c") $(head -1 "$tmp/logs/original/wasm.log")" '^CONTAINER_RUNNING .* stdout F This is a song that never ends\.$'
expect original-files-image-pulled "$(ctl images 2>&1)" 'wasi-demo-app-original'

# ---- exit codes, argv, env, reasons ----------------------------------------------------
read -r p c < <(run_instance exit-three wasi-demo-app wasi-demo-app.wasm '["wasi-demo-app.wasm", "exit", "3"]')
wait_state "$c" CONTAINER_EXITED 10
expect exit-code-3 "$(ctl inspect "$c" | jq -r '.status | "\(.exitCode) \(.reason)"')" '^3 Error$'
read -r p c < <(run_instance echo wasi-demo-app wasi-demo-app.wasm '["wasi-demo-app.wasm", "echo", "hello", "world"]')
wait_state "$c" CONTAINER_EXITED 10
expect exit-code-0 "$(ctl inspect "$c" | jq -r '.status | "\(.exitCode) \(.reason) \(.finishedAt > .startedAt)"')" '^0 Completed true$'
expect echo-logs "$(ctl logs "$c" 2>&1)" '^hello world$'
read -r p c < <(run_instance follow wasi-demo-app wasi-demo-app.wasm '["wasi-demo-app.wasm", "sleep", "1"]')
out=$(timeout 10 "$ctl_bin" -r "unix://$sock" logs -f "$c" 2>&1); rc=$?
expect logs-follow-until-exit "$rc $out" '^0 exiting$'
read -r p c < <(run_instance hello hello hello.wasm '[]' 'args: ["20000"]')
wait_state "$c" CONTAINER_EXITED 10
expect no-command-argv "$(ctl logs "$c" 2>&1 | tr '\n' ' ')" '^hello 20000 $'

# ---- preopens and read-only mounts -----------------------------------------------------
mkdir -p "$tmp/data-rw" "$tmp/data-ro"
read -r p c < <(run_instance example wasi_example_main wasi_example_main.wasm '["wasi_example_main.wasm", "test"]' \
  "envs: [{key: FOO, value: bar}]
mounts: [{container_path: /, host_path: $tmp/data-rw}]")
wait_state "$c" CONTAINER_EXITED 20
logs=$(ctl logs "$c" 2>&1)
expect preopen-rw "$(status "$c" exitCode) $logs" '^0 '
expect preopen-file "$logs" '^File content is This is in a file$'
expect env-and-args "$(tr '\n' ' ' <<<"$logs")" 'FOO: bar .*wasi_example_main.wasm test'
read -r p c < <(run_instance write-ro wasi-demo-app wasi-demo-app.wasm '["wasi-demo-app.wasm", "write", "/out.txt", "hi"]' \
  "mounts: [{container_path: /, host_path: $tmp/data-ro, readonly: true}]")
wait_state "$c" CONTAINER_EXITED 10
if [[ $(status "$c" exitCode) != 0 && ! -e $tmp/data-ro/out.txt ]]; then pass read-only-mount
else fail read-only-mount "exit $(status "$c" exitCode), file: $(ls "$tmp/data-ro")"; fi
expect mounts-in-status "$(ctl inspect "$c" | jq -c '.status.mounts[0] | [.containerPath, .readonly]')" '^\["/",true\]$'
read -r p c < <(run_instance write-rw wasi-demo-app wasi-demo-app.wasm '["wasi-demo-app.wasm", "write", "/out.txt", "hi"]' \
  "mounts: [{container_path: /, host_path: $tmp/data-rw}]")
wait_state "$c" CONTAINER_EXITED 10
expect read-write-mount "$(status "$c" exitCode) $(cat "$tmp/data-rw/out.txt" 2>&1)" '^0 hi'

if ((have_c_modules)); then
  # ---- the log format ----------------------------------------------------------------------
  read -r p c < <(run_instance output output output.wasm '["output.wasm", "5"]' 'envs: [{key: FOO, value: "a b"}]')
  wait_state "$c" CONTAINER_EXITED 10
  log=$tmp/logs/output/output.log
  bad=$(grep -Evc '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]{1,9})?Z (stdout|stderr) [FP] ' "$log")
  if [[ $bad == 0 ]]; then pass log-format; else fail log-format "$bad malformed lines"; fi
  expect log-stderr "$(cat "$log")" ' stderr F to stderr$'
  part=$(grep ' stdout P ' "$log" | head -1 | sed 's/^[^ ]* stdout P //')
  # The rest is the next stdout record (a stderr record may sit between the two).
  full=$(awk '/ stdout P /{p=1; next} p && / stdout /{print; exit}' "$log" | sed 's/^[^ ]* stdout F //')
  if [[ ${#part} == 16384 && ${#full} == $((19999 - 16384)) ]]; then pass log-long-line-split
  else fail log-long-line-split "partial ${#part}, rest ${#full}"; fi
  expect log-last-line "$(tail -1 "$log")" ' stdout F no newline$'
  expect log-argv-env "$(cat "$log")" 'argc=2 argv0=output.wasm$' 
  expect log-env "$(cat "$log")" 'FOO=a b$'
  expect exit-code-5 "$(status "$c" exitCode)" '^5$'
  expect logs-tail "$(ctl logs --tail 1 "$c" 2>&1)" '^no newline$'
  expect logs-timestamps "$(ctl logs --tail 1 --timestamps "$c" 2>&1)" '^[0-9-]+T[0-9:.]+Z no newline$'
  expect logs-joins-partial "$(ctl logs "$c" 2>/dev/null | awk 'length($0) == 19999' | wc -l)" '^1$'
  # A stderr record between a stdout P and its F: each stream joins only its own records.
  printf '%s\n' '2026-01-01T00:00:00.000000001Z stdout P abc' \
    '2026-01-01T00:00:00.000000002Z stderr F err' '2026-01-01T00:00:00.000000003Z stdout F def' >"$log"
  expect logs-partial-per-stream "$(ctl logs "$c" 2>/dev/null) / $(ctl logs "$c" 2>&1 >/dev/null)" '^abcdef / err$'

  # ---- a trap at once ------------------------------------------------------------------
  read -r p c < <(run_instance trap trap trap.wasm '["trap.wasm"]')
  wait_state "$c" CONTAINER_EXITED 10
  expect trap-status "$(ctl inspect "$c" | jq -r '.status | "\(.exitCode) \(.reason) \(.message)"')" '^134 Error wasm trap: integer divide by zero'
  expect trap-in-log "$(ctl logs "$c" 2>&1)" 'wasmcri-shim: wasm trap: integer divide by zero'

  # ---- memory limit -> OOMKilled -------------------------------------------------------
  read -r p c < <(run_instance grow grow grow.wasm '["grow.wasm"]' 'linux: {resources: {memory_limit_in_bytes: 4194304}}')
  wait_state "$c" CONTAINER_EXITED 20
  expect memory-limit-oom "$(ctl inspect "$c" | jq -r '.status | "\(.exitCode) \(.reason)"')" '^137 OOMKilled$'
  expect memory-limit-echoed "$(status "$c" resources.linux.memoryLimitInBytes)" '^4194304$'

  # ---- the memory cap of a running instance, changed live ------------------------------
  # holder holds as many MiB as the file it reads says ("MIB TAG"), printing "holding MIB TAG".
  mkdir -p "$tmp/holder-ctl"
  dial() { echo "$1 $2" >"$tmp/holder-ctl/target.new" && mv "$tmp/holder-ctl/target.new" "$tmp/holder-ctl/target"; }
  holder_log=$tmp/logs/holder/holder.log
  holding() { wait_for 30 grep -q "stdout F holding $1\$" "$holder_log"; }
  dial 4 a
  read -r p c < <(run_instance holder holder holder.wasm '["holder.wasm"]' "linux: {resources: {memory_limit_in_bytes: 67108864}}
mounts: [{container_path: /ctl, host_path: $tmp/holder-ctl}]")
  holding '4 a'
  # Lowered with wasmcrictl: still room below the new cap.
  out=$(ctl update --memory 16777216 "$c" 2>&1)
  dial 12 b
  if holding '12 b'; then r=held; else r="not held: $(tail -2 "$holder_log")"; fi
  expect live-cap-lowered "$out $r $(status "$c" resources.linux.memoryLimitInBytes)" "^$c held 16777216\$"
  # Raised past the cap it started with (64 MiB): the memory grows in place.
  out=$(ctl update --memory 134217728 "$c" 2>&1)
  dial 100 c
  if holding '100 c'; then r=held; else r="not held: $(tail -2 "$holder_log")"; fi
  expect live-cap-raised "$out $r $(state_of "$c")" "^$c held CONTAINER_RUNNING\$"
  # kill -9 of the daemon: the restarted one still reaches the running instance (a queued
  # signal to its pid). Lowered below what it holds: nothing shrinks, nothing more grows.
  kill -9 "$daemon_pid"; wait "$daemon_pid" 2>/dev/null
  start_daemon
  out=$(cri UpdateContainerResources "{\"container_id\": \"$c\", \"linux\": {\"memory_limit_in_bytes\": 33554432}}")
  dial 100 d
  if holding '100 d'; then r=held; else r="not held: $(tail -2 "$holder_log")"; fi
  expect live-cap-below-size-after-restart "$out $r $(state_of "$c")" '^\{\} held CONTAINER_RUNNING$'
  dial 101 e
  wait_state "$c" CONTAINER_EXITED 30
  expect live-cap-oom "$(ctl inspect "$c" | jq -r '.status | "\(.exitCode) \(.reason) \(.message)"')" \
    '^137 OOMKilled memory limit of 512 pages \(32768 KiB\) reached'
  expect live-cap-refused-at "$(grep -c 'stdout F refused at 100 MiB$' "$holder_log") $(status "$c" resources.linux.memoryLimitInBytes)" '^1 33554432$'
  # A created instance takes the updated cap at its start (64 MiB asked at create, 4 MiB after).
  pod=$(pod_config grow-updated)
  ctr=$(container_config grow-updated grow grow.wasm '["grow.wasm"]' 'linux: {resources: {memory_limit_in_bytes: 67108864}}')
  p=$(ctl runp --runtime=wasm "$pod"); c=$(ctl create "$p" "$ctr" "$pod")
  out=$(ctl update --memory 4194304 "$c" 2>&1)
  ctl start "$c" >/dev/null; note_pid "$c"
  wait_state "$c" CONTAINER_EXITED 20
  expect created-cap-updated "$out $(ctl inspect "$c" | jq -r '.status | "\(.exitCode) \(.reason) \(.message)"')" \
    "^$c 137 OOMKilled memory limit of 64 pages"

  # ---- stop signals --------------------------------------------------------------------
  read -r p c < <(run_instance sleeper sleeper sleeper.wasm '["sleeper.wasm"]')
  wait_for 5 grep -q 'tick 0' "$tmp/logs/sleeper/sleeper.log"
  start=$(date +%s%N)
  ctl stop -t 10 "$c" >/dev/null
  took=$((($(date +%s%N) - start) / 1000000))
  expect stop-sigterm "$(ctl inspect "$c" | jq -r '.status | "\(.exitCode) \(.reason)"')" '^143 Error$'
  if ((took < 3000)); then pass stop-graceful-fast; else fail stop-graceful-fast "took ${took} ms"; fi
  # The module's own stop signal (wasm.module.stopSignal) is used instead of SIGTERM.
  pod=$(pod_config sigint)
  ctr=$tmp/ctr-sigint.yaml
  sed -e "s/wasm.module.filename: \"sleeper.wasm\"/&\n    wasm.module.stopSignal: SIGINT/" \
      -e 's/^  image: sleeper/  image: sleeper-int/' -e 's/name: sleeper/name: sleeper-int/' \
      "$tmp/ctr-sleeper.yaml" >"$ctr"
  p=$(ctl runp --runtime=wasm "$pod"); c=$(ctl create "$p" "$ctr" "$pod"); ctl start "$c" >/dev/null; note_pid "$c"
  sleep 0.3
  ctl stop -t 10 "$c" >/dev/null
  expect stop-module-signal "$(status "$c" exitCode)" '^130$'

  # ---- CPU limits through cgroups (v2 cpu controller, else v1 cpu hierarchy) -------------
  cg=
  for d in /sys/fs/cgroup/unified /sys/fs/cgroup /sys/fs/cgroup/cpu /sys/fs/cgroup/cpu,cpuacct; do
    [[ -d $d/wasmcri ]] && { cg=$d/wasmcri; break; }
  done
  if [[ -n $cg ]]; then
    read -r p c < <(run_instance cpu-limited sleeper sleeper.wasm '["sleeper.wasm"]' \
      'linux: {resources: {cpu_quota: 20000, cpu_period: 100000, cpu_shares: 512}}')
    pid=$(ctl inspect "$c" | jq -r .info.pid)
    if [[ -f $cg/$c/cpu.max ]]; then quota=$(cat "$cg/$c/cpu.max"); else quota=$(cat "$cg/$c/cpu.cfs_quota_us" 2>&1); fi
    expect cpu-limit-applied "$quota $(grep -cx "$pid" "$cg/$c/cgroup.procs" 2>&1)" '^(20000 100000|20000) 1$'
    out=$(cri UpdateContainerResources "{\"container_id\": \"$c\", \"linux\": {\"cpu_quota\": 50000, \"cpu_period\": 100000}}")
    if [[ -f $cg/$c/cpu.max ]]; then quota=$(cat "$cg/$c/cpu.max"); else quota=$(cat "$cg/$c/cpu.cfs_quota_us" 2>&1); fi
    expect cpu-limit-updated "$out $quota" '^\{\} (50000 100000|50000)$'
    ctl rm -f "$c" >/dev/null
    if [[ ! -e $cg/$c ]]; then pass cpu-cgroup-removed; else fail cpu-cgroup-removed "$cg/$c is still there"; fi
  else
    echo "SKIP cpu-limits: no usable cpu cgroup hierarchy here (needs root and a cpu controller)"
  fi

  # ---- signals right after the start, before the module may even run --------------------
  read -r p c < <(run_instance early-signals sleeper sleeper.wasm '["sleeper.wasm"]')
  out=$(cri ReopenContainerLog "{\"container_id\": \"$c\"}")
  sleep 0.2
  expect reopen-right-after-start "$out $(state_of "$c")" '^\{\} CONTAINER_RUNNING$'
  read -r p c < <(run_instance early-stop sleeper sleeper.wasm '["sleeper.wasm"]')
  ctl stop -t 10 "$c" >/dev/null
  expect stop-right-after-start "$(ctl inspect "$c" | jq -r '.status | "\(.state) \(.exitCode)"')" '^CONTAINER_EXITED 143$'

  # ---- ReopenContainerLog, through the independent client ------------------------------
  read -r p c < <(run_instance reopen sleeper sleeper.wasm '["sleeper.wasm"]')
  log=$tmp/logs/reopen/reopen.log
  wait_for 5 grep -q 'tick 0' "$log"
  mv "$log" "$log.1"
  out=$(cri ReopenContainerLog "{\"container_id\": \"$c\"}")
  expect reopen-log-grpc "$out" '^\{\}$'
  if wait_for 5 grep -q 'tick' "$log"; then pass reopen-log-new-file; else fail reopen-log-new-file "no new lines"; fi
else
  echo "FAIL log-format: clang --target=wasm32-wasi failed: $(head -2 "$tmp/clang.log")"
fi

# ---- wasm images from an OCI registry (built by the image tests' oci.py) ----------------
if command -v docker-registry >/dev/null; then
  reg_port=$(free_port)
  mkdir -p "$tmp/registry"
  printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$tmp/registry" "$reg_port" >"$tmp/registry.yml"
  docker-registry serve "$tmp/registry.yml" >"$tmp/registry.log" 2>&1 &
  registry_pid=$!
  reg=127.0.0.1:$reg_port
  if wait_for 10 curl -sf -o /dev/null "http://$reg/v2/" &&
     "$py" "$root_dir/tests/image/oci.py" push "$reg" wasm/hello:entrypoint "wasm-entrypoint=$tmp/www/hello.wasm" >/dev/null &&
     "$py" "$root_dir/tests/image/oci.py" push "$reg" wasm/hello:artifact "wasm-artifact=$tmp/www/hello.wasm" >/dev/null; then
    for kind in entrypoint artifact; do
      ctl pull "$reg/wasm/hello:$kind" >/dev/null 2>&1
      pod=$(pod_config "oci-$kind")
      f=$tmp/ctr-oci-$kind.yaml
      printf 'metadata:\n  name: oci-%s\nimage:\n  image: %s\nargs: ["20000"]\nlog_path: "oci.log"\n' \
        "$kind" "$reg/wasm/hello:$kind" >"$f"
      p=$(ctl runp --runtime=wasm "$pod"); c=$(ctl create --no-pull "$p" "$f" "$pod" 2>&1)
      ctl start "$c" >/dev/null 2>&1
      wait_state "$c" CONTAINER_EXITED 10
      expect "oci-wasm-image-$kind" "$(status "$c" exitCode) $(ctl logs "$c" 2>&1 | tr '\n' ' ')" '^0 hello 20000 $'
    done
  else
    echo "FAIL oci-wasm-image: could not push to the local registry: $(tail -2 "$tmp/registry.log")"
  fi
  kill "$registry_pid" 2>/dev/null; wait "$registry_pid" 2>/dev/null
else
  echo "FAIL oci-wasm-image: docker-registry is not installed"
fi

# ---- events --------------------------------------------------------------------------
cri events 60 >"$tmp/events" 2>&1 &
events_pid=$!
wait_for 5 grep -q SUBSCRIBED "$tmp/events"
read -r p c < <(run_instance events wasi-demo-app wasi-demo-app.wasm '["wasi-demo-app.wasm", "echo", "x"]')
wait_state "$c" CONTAINER_EXITED 10
ctl rm "$c" >/dev/null
wait_for 15 grep -q "CONTAINER_DELETED_EVENT $c" "$tmp/events"
expect container-events "$(grep "$c" "$tmp/events" | awk '{print $1}' | tr '\n' ' ')" \
  'CONTAINER_CREATED_EVENT CONTAINER_STARTED_EVENT CONTAINER_STOPPED_EVENT CONTAINER_DELETED_EVENT'
kill "$events_pid" 2>/dev/null; wait "$events_pid" 2>/dev/null

# ---- bad requests --------------------------------------------------------------------
pod=$(pod_config bad)
p=$(ctl runp --runtime=wasm "$pod")
expect same-pod-twice "$(ctl runp --runtime=wasm "$pod" 2>&1)" 'code = AlreadyExists'
expect linux-handler-refused "$(ctl runp --runtime=runc "$(pod_config linux)" 2>&1)" 'code = Unimplemented .*Linux containers'
expect missing-metadata "$(cri RunPodSandbox '{"config": {}, "runtime_handler": "wasm"}')" '^ERROR INVALID_ARGUMENT: .*metadata.name'
expect unknown-pod "$(cri CreateContainer '{"pod_sandbox_id": "nope", "config": {"metadata": {"name": "x"}, "image": {"image": "hello"}}}')" '^ERROR NOT_FOUND: .*nope'
expect unknown-image "$(cri CreateContainer "{\"pod_sandbox_id\": \"$p\", \"config\": {\"metadata\": {\"name\": \"x\"}, \"image\": {\"image\": \"no-such-image\"}}}")" '^ERROR NOT_FOUND: .*no-such-image'
expect unknown-container "$(cri ContainerStatus '{"container_id": "0123abc"}')" '^ERROR NOT_FOUND'
read -r p2 c < <(run_instance exec-target sleeper sleeper.wasm '["sleeper.wasm"]' 2>/dev/null || echo "- -")
expect exec-refused-crictl "$(ctl exec -s "$c" sh -c true 2>&1)" 'code = FailedPrecondition .*no shell'
expect exec-refused "$(cri ExecSync "{\"container_id\": \"$c\", \"cmd\": [\"sh\"]}")" '^ERROR FAILED_PRECONDITION: .*no shell'
expect remove-unknown-ok "$( (cri StopPodSandbox '{"pod_sandbox_id": "unknown"}'; cri RemovePodSandbox '{"pod_sandbox_id": "unknown"}'; cri RemoveContainer '{"container_id": "unknown"}') | grep -c '^{}$')" '^3$'
expect pod-filter-label "$(cri ListPodSandbox '{"filter": {"label_selector": {"nope": "x"}}}')" '^\{\}$'
expect pod-status-grpc "$(cri PodSandboxStatus "{\"pod_sandbox_id\": \"$p\"}" | jq -r '.status | "\(.state // "SANDBOX_READY") \(.runtime_handler) \(.metadata.name)"')" '^SANDBOX_READY wasm bad$'

# ---- the wasm-sandbox annotation -----------------------------------------------------
pod=$(pod_config annotated '"annotations": {"wasm-sandbox": "yes"}')
expect annotation-selects-wasm "$(ctl runp "$pod" 2>&1)" '^[0-9a-f]{64}$'

# ---- restart: kill -9 while an instance runs, and one exits while the daemon is down ----
read -r p c < <(run_instance survivor wasi-demo-app wasi-demo-app.wasm '["wasi-demo-app.wasm", "daemon"]')
read -r p2 c2 < <(run_instance shortlived wasi-demo-app wasi-demo-app.wasm '["wasi-demo-app.wasm", "sleep", "1"]')
kill -9 "$daemon_pid"; wait "$daemon_pid" 2>/dev/null
sleep 1.5
start_daemon
expect restart-still-running "$(state_of "$c")" '^CONTAINER_RUNNING$'
wait_state "$c2" CONTAINER_EXITED 10
expect restart-exit-while-down "$(ctl inspect "$c2" | jq -r '.status | "\(.state) \(.exitCode) \(.reason)"')" '^CONTAINER_EXITED 0 Completed$'
expect restart-logs "$(ctl logs "$c" 2>&1 | head -1)" 'never ends'
ctl stop "$c" >/dev/null
expect restart-stop "$(ctl inspect "$c" | jq -r '.status | "\(.state) \(.exitCode)"')" '^CONTAINER_EXITED 137$'
expect restart-pods-kept "$(ctl pods -q | wc -l)" '^([5-9]|[1-9][0-9]+)$'

# ---- many instances leave nothing behind ---------------------------------------------
# (up to 2 fds may differ: the sockets of the shims kept ready, refilled in the background)
before_fds=$(ls /proc/"$daemon_pid"/fd | wc -l)
pod=$(pod_config many)
p=$(ctl runp --runtime=wasm "$pod")
ids=()
many=200
[[ $mode == asan ]] && many=30
for i in $(seq 1 "$many"); do
  f=$tmp/ctr-many-$i.yaml
  sed "s/name: many-c/name: many-c$i/" "$(container_config many-c wasi-demo-app wasi-demo-app.wasm '["wasi-demo-app.wasm", "daemon"]')" >"$f"
  c=$(ctl create "$p" "$f" "$pod") && ctl start "$c" >/dev/null && ids+=("$c") && note_pid "$c"
done
running=$(ctl ps -q --pod "$p" | wc -l)
ctl rmp "$p" >/dev/null
left=0
for c in "${ids[@]}"; do ctl inspect "$c" >/dev/null 2>&1 && left=$((left + 1)); done
alive=0
for pid in $(tail -n "$many" "$tmp/shim-pids"); do ((pid > 1)) && kill -0 "$pid" 2>/dev/null && alive=$((alive + 1)); done
after_fds=$(ls /proc/"$daemon_pid"/fd | wc -l)
if [[ $running == "$many" && $left == 0 && $alive == 0 && $after_fds -le $((before_fds + 2)) ]]; then pass many-instances-cleanup
else fail many-instances-cleanup "running $running, left $left, shims alive $alive, fds $before_fds -> $after_fds"; fi
leftover_dirs=$(ls "$tmp/root/containers" | wc -l)
ctl rm -fa >/dev/null 2>&1; ctl rmp -a >/dev/null 2>&1
expect remove-all-files "$(ls "$tmp/root/containers" | wc -l)" '^0$'

# ---- a clean exit (and, under ASan, no reports) ----------------------------------------
kill -TERM "$daemon_pid"; wait "$daemon_pid"; rc=$?; daemon_pid=
expect daemon-clean-exit "$rc" '^0$'
if [[ $mode == asan ]]; then
  reports=$(cat "$tmp"/asan/report* 2>/dev/null | grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error' | head -5)
  if [[ -z $reports ]]; then pass asan-clean; else fail asan-clean "$reports"; fi
fi
: "$leftover_dirs"
