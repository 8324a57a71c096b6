#!/usr/bin/env bash
# bench/boot/run.sh [BUILD_DIR] [N]: starts wasmcrid on a temp root, serves wasi-demo-app.wasm
# from a local HTTP server, runs the boot benchmark against it and stops everything.
# Another runtime: build/bench/boot/boot --endpoint unix:///run/containerd/containerd.sock ...
set -euo pipefail
build=${1:-build}
n=${2:-50}
tmp=$(mktemp -d /tmp/wasmcri-bench-boot.XXXXXX)
seeds=${SEED_MODULES:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/testdata/seed-modules}
[[ -f $seeds/wasi-demo-app.wasm ]] || seeds=/work/shared/testdata/seed-modules
cp "$seeds/wasi-demo-app.wasm" "$tmp/"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$tmp" && exec /usr/bin/python3 -m http.server --bind 127.0.0.1 "$port") >/dev/null 2>&1 &
http_pid=$!
"$build/wasmcrid" --listen "$tmp/s.sock" --root "$tmp/root" --state "$tmp/state" \
  --log-level warn 2>"$tmp/daemon.log" &
daemon_pid=$!
trap 'kill $daemon_pid $http_pid 2>/dev/null; wait $daemon_pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do [[ -S $tmp/s.sock ]] && curl -sf -o /dev/null "http://127.0.0.1:$port/wasi-demo-app.wasm" && break; sleep 0.05; done
"$build/bench/boot/boot" --endpoint "unix://$tmp/s.sock" -n "$n" \
  --module-url "http://127.0.0.1:$port/wasi-demo-app.wasm" --daemon-pid "$daemon_pid"
