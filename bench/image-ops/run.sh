#!/usr/bin/env bash
# Reproduces the image-ops figures of bench/README.md: a local HTTP server with the seed's
# wasi_example_main.wasm, Debian's docker-registry on 127.0.0.1 with busybox (from Debian's
# busybox-static, pushed with skopeo), a fresh wasmcrid, then N rounds of each operation.
#   bench/image-ops/run.sh [BUILD_DIR] [N] [--endpoint unix:///other.sock]
# With --endpoint the same RPCs go to another CRI runtime instead of a fresh wasmcrid (it must
# be able to pull from http://127.0.0.1:PORT, e.g. containerd with that registry marked insecure;
# fix the ports with HTTP_PORT=8000 REGISTRY_PORT=5000 to configure it once).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
n=${2:-50}
endpoint=
if [[ ${3:-} == --endpoint ]]; then endpoint=$4; fi
py=/usr/bin/python3
# The project's shared/ folder beside the repository (as /work/shared on the team machine).
seeds=${SEED_MODULES:-$PWD/../shared/testdata/seed-modules}
[[ -f $seeds/hello.wasm ]] || seeds=/work/shared/testdata/seed-modules
tmp=$(mktemp -d /tmp/wasmcri-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

http_port=${HTTP_PORT:-$(free_port)}
(cd "$seeds" && exec "$py" -m http.server --bind 127.0.0.1 "$http_port" >/dev/null 2>&1) &
pids+=($!)
reg_port=${REGISTRY_PORT:-$(free_port)}
mkdir -p "$tmp/registry"
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
  "$tmp/registry" "$reg_port" >"$tmp/registry.yml"
docker-registry serve "$tmp/registry.yml" >"$tmp/registry.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$reg_port/v2/" && break; sleep 0.1; done
"$py" tests/image/oci.py layout "$tmp/busybox" busybox >/dev/null
skopeo copy --quiet --dest-tls-verify=false "oci:$tmp/busybox:latest" \
  "docker://127.0.0.1:$reg_port/busybox:latest"
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$http_port/" && break; sleep 0.1; done

if [[ -z $endpoint ]]; then
  "$build/wasmcrid" --listen "$tmp/wasmcri.sock" --root "$tmp/root" --state "$tmp/state" \
    --log-level error >"$tmp/daemon.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [[ -S $tmp/wasmcri.sock ]] && break; sleep 0.1; done
  endpoint=unix://$tmp/wasmcri.sock
fi
echo "# image-ops: $n rounds against $endpoint ($(nproc) cores, $(date -u +%Y-%m-%d))"
echo "# module http://127.0.0.1:$http_port/wasi_example_main.wasm, registry 127.0.0.1:$reg_port"
"$build/bench/image-ops/image-ops" --endpoint "$endpoint" -n "$n" \
  --module-url "http://127.0.0.1:$http_port/wasi_example_main.wasm" --module-name wasi_example_main \
  --oci-image "127.0.0.1:$reg_port/busybox:latest"
