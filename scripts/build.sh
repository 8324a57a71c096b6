#!/usr/bin/env bash
# Builds wasmcri. With no argument: the release build in build/ (gcc).
# `build.sh asan`: the AddressSanitizer+UBSan build in build-asan/ (clang).
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:-release}
case "$kind" in
  release)
    dir=build
    [[ -f $dir/build.ninja ]] || CC=gcc meson setup "$dir" --buildtype=debugoptimized >/dev/null
    ;;
  asan)
    dir=build-asan
    [[ -f $dir/build.ninja ]] || CC=clang meson setup "$dir" --buildtype=debug \
      -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
    ;;
  *) echo "usage: build.sh [release|asan]" >&2; exit 2 ;;
esac
ninja -C "$dir" >/dev/null || ninja -C "$dir"
