#!/usr/bin/env bash
# Installs the Debian 12 packages wasmcri needs to build, test and run. Run as root.
# Skips apt entirely when everything is already there, so repeated runs are fast.
set -euo pipefail

packages=(
  # build
  build-essential meson ninja-build pkg-config clang lld
  # libraries
  libnghttp2-dev libprotobuf-c-dev protobuf-c-compiler libuv1-dev libcurl4-openssl-dev
  libarchive-dev libjansson-dev libsqlite3-dev libssl-dev libyaml-dev libzstd-dev libdeflate-dev
  # sanitizer runtime for the ASan+UBSan build
  libclang-rt-14-dev
  # C -> wasm for tests, and the spec-test converter
  wasi-libc libclang-rt-14-dev-wasm32 wabt
  # test fixtures: an independent gRPC client, an OCI registry, images to push into it
  python3 python3-grpcio python3-protobuf protobuf-compiler docker-registry skopeo busybox-static
  python3-grpc-tools apache2-utils curl jq ca-certificates zstd
  # Linux containers
  crun
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages (run as root to install): ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
