#!/usr/bin/env bash
# The main job: installs what is missing, builds, starts the daemon (wasmcrid) and runs the wasm
# demo through its CRI socket with wasmcrictl, as a user of crictl would:
#   pull a wasm module by URL -> run a wasm pod (no pause process) -> create and start an instance
#   -> read its CRI log -> stop and remove everything.
# The daemon keeps its state in a temporary directory and is stopped at the end; with --keep it
# keeps running (socket printed) until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

keep=0
[[ ${1:-} == --keep ]] && keep=1

bash scripts/install-deps.sh
bash scripts/build.sh release

seeds=${SEED_MODULES:-$repo/../shared/testdata/seed-modules}
[[ -f $seeds/wasi-demo-app.wasm ]] || seeds=/work/shared/testdata/seed-modules
work=$(mktemp -d /tmp/wasmcri-demo.XXXXXX)
sock=$work/wasmcri.sock
daemon_pid= http_pid=
cleanup() {
  if [[ -n $daemon_pid ]]; then
    build/wasmcrictl -r "unix://$sock" rm -fa >/dev/null 2>&1 || true
    build/wasmcrictl -r "unix://$sock" rmp -fa >/dev/null 2>&1 || true
    kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  fi
  [[ -n $http_pid ]] && kill "$http_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ctl() { build/wasmcrictl -r "unix://$sock" "$@"; }

step "the engine alone: build/wasmcri run hello.wasm"
build/wasmcri run "$seeds/hello.wasm"

# The module's URL: a local HTTP server stands in for wherever modules are published.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$seeds" && exec /usr/bin/python3 -m http.server --bind 127.0.0.1 "$port") >/dev/null 2>&1 &
http_pid=$!
url=http://127.0.0.1:$port
for _ in $(seq 100); do curl -sfo /dev/null "$url/hello.wasm" && break; sleep 0.05; done

step "start the daemon: build/wasmcrid --listen $sock"
build/wasmcrid --listen "$sock" --root "$work/root" --state "$work/state" >"$work/wasmcrid.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do [[ -S $sock ]] && break; sleep 0.05; done
ctl version

step "a wasm module is a CRI image: pull it by URL"
ctl pull --annotation "wasm.module.url=$url/wasi-demo-app.wasm" \
  --annotation wasm.module.filename=wasi-demo-app.wasm wasi-demo-app
ctl images

step "a wasm pod needs no pause process: runp --runtime=wasm"
mkdir -p "$work/logs"
cat >"$work/pod.json" <<JSON
{ "metadata": {"name": "demo", "namespace": "default", "attempt": 1, "uid": "demo-uid"},
  "log_directory": "$work/logs", "linux": {} }
JSON
cat >"$work/container.json" <<JSON
{ "metadata": {"name": "demo-app"},
  "image": {"image": "wasi-demo-app"},
  "command": ["wasi-demo-app.wasm", "daemon"],
  "log_path": "demo-app.log", "linux": {} }
JSON
pod=$(ctl runp --runtime=wasm "$work/pod.json")
ctl pods

step "a wasm instance replaces a container: create + start"
ctr=$(ctl create "$pod" "$work/container.json" "$work/pod.json")
ctl start "$ctr" >/dev/null
ctl ps
sleep 2.2

step "its CRI log (wasmcrictl logs, then the file kubelet reads)"
ctl logs "$ctr" | head -10
head -3 "$work/logs/demo-app.log"

step "a short-lived instance: echo, its exit code and logs"
cat >"$work/echo.json" <<JSON
{ "metadata": {"name": "echo"}, "image": {"image": "wasi-demo-app"},
  "command": ["wasi-demo-app.wasm", "echo", "hello", "from", "wasm"],
  "log_path": "echo.log", "linux": {} }
JSON
echo_ctr=$(ctl create "$pod" "$work/echo.json" "$work/pod.json")
ctl start "$echo_ctr" >/dev/null
for _ in $(seq 100); do
  [[ $(ctl inspect "$echo_ctr" | grep -c CONTAINER_EXITED) -gt 0 ]] && break; sleep 0.05
done
ctl logs "$echo_ctr"
ctl ps -a

if ((keep)); then
  step "the daemon keeps running: export CONTAINER_RUNTIME_ENDPOINT=unix://$sock (Ctrl-C ends it)"
  wait "$daemon_pid"
  exit 0
fi

step "stop and remove everything"
ctl stop "$ctr"
ctl rm "$ctr" "$echo_ctr"
ctl stopp "$pod"
ctl rmp "$pod"
ctl rmi wasi-demo-app
echo "demo done"
