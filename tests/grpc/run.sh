#!/usr/bin/env bash
# The gRPC/CRI spine end to end through the real socket: wasmcrid, wasmcrictl and an independent
# Python gRPC client (Debian's python3-grpcio). usage: tests/grpc/run.sh BUILD_DIR MODE
set -uo pipefail
build=${1:-build}
mode=${2:-release}
daemon=$build/wasmcrid
ctl=$build/wasmcrictl
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

if [[ ! -x $daemon || ! -x $ctl ]]; then
  echo "FAIL grpc-build: $daemon or $ctl is missing"
  exit 1
fi

tmp=$(mktemp -d)
pid=
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# ---- the gRPC layer alone (in-process server and client) ---------------------------------------
if [[ -x $build/tests/grpc/test_grpc ]]; then
  timeout 120 "$build/tests/grpc/test_grpc" || echo "FAIL test_grpc: exited $?"
else
  echo "FAIL test_grpc: $build/tests/grpc/test_grpc not built"
fi
sock=$tmp/wasmcri.sock

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

start_daemon() {
  "$daemon" --listen "$sock" --root "$tmp/root" --state "$tmp/state" --log-level debug \
    "$@" 2>>"$tmp/daemon.log" &
  pid=$!
  for _ in $(seq 100); do
    # Answering, not just present: a stale socket file may be there before the daemon binds.
    [[ -S $sock ]] && "$ctl" -r "unix://$sock" version >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  return 1
}

# ---- config file and flags -------------------------------------------------------------------
cat >"$tmp/config.yaml" <<YAML
listen: /nonexistent/overridden-by-flag.sock
log_level: warn
wasm_handlers: [wasm, spin]
max_memory_per_instance: 64Mi
registries:
  docker.io:
    mirrors: ["http://127.0.0.1:5999"]
    no_fallback: true
  127.0.0.1:5001:
    insecure: true
YAML
if start_daemon --config "$tmp/config.yaml"; then
  info=$("$ctl" -r "unix://$sock" info 2>&1)
  if grep -q '"spin"' <<<"$info" && grep -q '"max_memory_per_instance": 67108864' <<<"$info" \
    && grep -q '"no_fallback": true' <<<"$info" && grep -q "\"listen\": \"$sock\"" <<<"$info"; then
    pass grpc-config-file-and-flag-override
  else
    fail grpc-config-file-and-flag-override "info shows: $(tr -d '\n' <<<"$info" | head -c 400)"
  fi
  kill -TERM "$pid"; wait "$pid"; pid=
else
  fail grpc-config-file-and-flag-override "daemon did not start: $(tail -3 "$tmp/daemon.log")"
fi
echo "bogus_key: 1" >"$tmp/bad.yaml"
if out=$("$daemon" --config "$tmp/bad.yaml" --listen "$tmp/x.sock" 2>&1); then
  fail grpc-config-unknown-key "daemon accepted an unknown key"
elif grep -q 'unknown key "bogus_key"' <<<"$out"; then
  pass grpc-config-unknown-key
else
  fail grpc-config-unknown-key "message: $out"
fi

# ---- the daemon for the rest -------------------------------------------------------------------
if ! start_daemon; then
  fail grpc-daemon-start "no socket: $(tail -5 "$tmp/daemon.log")"
  exit 1
fi
pass grpc-daemon-start

# A second daemon must not steal a live socket.
if out=$("$daemon" --listen "$sock" --root "$tmp/root2" --state "$tmp/state2" 2>&1); then
  fail grpc-refuse-live-socket "a second daemon started on a live socket"
elif grep -q "another server is listening" <<<"$out"; then
  pass grpc-refuse-live-socket
else
  fail grpc-refuse-live-socket "$out"
fi

# After kill -9 the stale socket file is replaced on the next start.
kill -KILL "$pid"; wait "$pid" 2>/dev/null; pid=
if [[ -S $sock ]] && start_daemon && "$ctl" -r "unix://$sock" version >/dev/null 2>&1; then
  pass grpc-restart-after-kill-9
else
  fail grpc-restart-after-kill-9 "$(tail -3 "$tmp/daemon.log")"
  [[ -n $pid ]] || exit 1
fi

mode_bits=$(stat -c %a "$sock")
if [[ $mode_bits == 660 ]]; then pass grpc-socket-mode-0660; else fail grpc-socket-mode-0660 "mode $mode_bits"; fi

# ---- wasmcrictl --------------------------------------------------------------------------------
out=$("$ctl" -r "unix://$sock" version 2>&1)
want=$'Version:  0.1.0\nRuntimeName:  wasmcri\nRuntimeVersion:  0.1.0\nRuntimeApiVersion:  v1'
if [[ $out == "$want" ]]; then pass crictl-version; else fail crictl-version "got: $out"; fi

out=$(CONTAINER_RUNTIME_ENDPOINT="unix://$sock" "$ctl" version -o json 2>&1)
if grep -q '"runtimeName": "wasmcri"' <<<"$out"; then pass crictl-env-endpoint-json
else fail crictl-env-endpoint-json "got: $out"; fi

out=$("$ctl" --runtime-endpoint="$sock" version -o yaml 2>&1)
if grep -qx 'runtimeApiVersion: v1' <<<"$out"; then pass crictl-version-yaml
else fail crictl-version-yaml "got: $out"; fi

printf 'runtime-endpoint: unix://%s\ntimeout: 5\n' "$sock" >"$tmp/crictl.yaml"
out=$("$ctl" --config "$tmp/crictl.yaml" info 2>&1)
if grep -q '"type": "RuntimeReady"' <<<"$out" && grep -q '"reason": "HostNetwork"' <<<"$out" \
  && grep -q '"config": {' <<<"$out"; then
  pass crictl-info-via-config-file
else
  fail crictl-info-via-config-file "got: $(head -c 300 <<<"$out")"
fi

out=$("$ctl" -r unix:///nonexistent/wasmcri.sock version 2>&1)
rc=$?
if ((rc != 0)) && grep -q "connect endpoint 'unix:///nonexistent/wasmcri.sock': no such file or directory" <<<"$out"; then
  pass crictl-missing-socket-message
else
  fail crictl-missing-socket-message "rc $rc: $out"
fi

out=$("$ctl" -r "unix://$sock" nosuchcommand 2>&1)
if (($? != 0)); then pass crictl-unknown-command; else fail crictl-unknown-command "exit 0: $out"; fi

# ---- plain HTTP/2 from curl (a third HTTP/2 implementation) ---------------------------------------
if command -v curl >/dev/null && curl --version | grep -q nghttp2; then
  h2() { curl -s --max-time 5 --http2-prior-knowledge --unix-socket "$sock" -o "$tmp/h2.body" -w '%{http_code}' "$@"; }
  code=$(h2 -X POST -H 'content-type: text/plain' --data x http://localhost/runtime.v1.RuntimeService/Version)
  if [[ $code == 415 ]]; then pass h2-wrong-content-type-415; else fail h2-wrong-content-type-415 "HTTP $code"; fi
  code=$(h2 http://localhost/runtime.v1.RuntimeService/Version)
  if [[ $code == 405 ]]; then pass h2-get-405; else fail h2-get-405 "HTTP $code"; fi
  code=$(printf '\0\0\0\0\0' | h2 -H 'content-type: application/grpc' -H 'te: trailers' \
    --data-binary @- http://localhost/runtime.v1.RuntimeService/Version)
  if [[ $code == 200 ]] && grep -q wasmcri "$tmp/h2.body"; then pass h2-grpc-by-hand
  else fail h2-grpc-by-hand "HTTP $code"; fi
else
  echo "SKIP h2-curl: curl without HTTP/2"
fi

# ---- an independent client ---------------------------------------------------------------------
stubs=$tmp/stubs
mkdir -p "$stubs"
if /usr/bin/python3 -c 'import grpc, grpc_tools' 2>/dev/null; then
  if /usr/bin/python3 -m grpc_tools.protoc -I"$repo/proto" --python_out="$stubs" \
    --grpc_python_out="$stubs" "$repo/proto/api.proto"; then
    timeout 180 /usr/bin/python3 "$here/client_test.py" "$sock" "$stubs"
  else
    fail py-stubs "grpc_tools.protoc failed on proto/api.proto"
  fi
else
  echo "FAIL py-client: python3-grpcio or python3-grpc-tools not installed"
fi

if kill -0 "$pid" 2>/dev/null; then pass grpc-daemon-survived
else fail grpc-daemon-survived "the daemon died: $(tail -5 "$tmp/daemon.log")"; fi

# ---- shutdown ----------------------------------------------------------------------------------
# A GetContainerEvents subscriber is open at SIGTERM: its stream must end and the daemon exit.
sub_pid=
if [[ -f $stubs/api_pb2.py ]]; then
  /usr/bin/python3 - "$sock" "$stubs" >"$tmp/subscriber.out" 2>&1 <<'PY' &
import sys
sys.path.insert(0, sys.argv[2])
import grpc, api_pb2, api_pb2_grpc
ch = grpc.insecure_channel("unix://" + sys.argv[1])
stream = api_pb2_grpc.RuntimeServiceStub(ch).GetContainerEvents(api_pb2.GetEventsRequest(), timeout=30)
print("subscribed", flush=True)
try:
    for event in stream:
        pass
    print("ended OK")
except grpc.RpcError as e:
    print("ended", e.code())
PY
  sub_pid=$!
  for _ in $(seq 100); do grep -q subscribed "$tmp/subscriber.out" 2>/dev/null && break; sleep 0.05; done
  sleep 0.2
fi
kill -TERM "$pid"
rc=0
for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$pid" 2>/dev/null; then
  fail grpc-sigterm-clean-exit "still running 10 s after SIGTERM"
else
  wait "$pid"; rc=$?; pid=
  if ((rc == 0)) && [[ ! -e $sock ]]; then pass grpc-sigterm-clean-exit
  else fail grpc-sigterm-clean-exit "exit $rc, socket left: $([[ -e $sock ]] && echo yes || echo no); $(tail -5 "$tmp/daemon.log" | tr '\n' ' ')"; fi
fi

if [[ -n $sub_pid ]]; then
  for _ in $(seq 100); do kill -0 "$sub_pid" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$sub_pid" 2>/dev/null; then
    kill "$sub_pid"; fail grpc-sigterm-ends-event-stream "the subscriber still waits"
  elif grep -q '^ended' "$tmp/subscriber.out"; then
    pass grpc-sigterm-ends-event-stream
  else
    fail grpc-sigterm-ends-event-stream "$(tr '\n' ' ' <"$tmp/subscriber.out" | head -c 300)"
  fi
fi

echo "--- daemon log (tail) ---"
tail -20 "$tmp/daemon.log"
