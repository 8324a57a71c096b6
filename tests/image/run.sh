#!/usr/bin/env bash
# The ImageService end to end: wasmcrid on a temp socket and root; wasm modules served by a
# local HTTP server; OCI images in Debian's docker-registry (one open, one with htpasswd) and a
# bearer-token registry; every scenario through wasmcrictl and through python3-grpcio.
#   tests/image/run.sh BUILD_DIR MODE      (MODE: release | asan), from the repository root
set -uo pipefail
build=${1:-build}
mode=${2:-release}
here=$(cd "$(dirname "$0")" && pwd)
daemon_bin=$build/wasmcrid
ctl_bin=$build/wasmcrictl
# The project's shared/ folder beside the repository (as /work/shared on the team machine).
seeds=${SEED_MODULES:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/testdata/seed-modules}
[[ -f $seeds/hello.wasm ]] || seeds=/work/shared/testdata/seed-modules
py=/usr/bin/python3

# Unit tests of src/image first (references, the store without the daemon).
if [[ -x $build/tests/image/test_image ]]; then
  unit_out=$(SEED_MODULES=$seeds "$build/tests/image/test_image" 2>&1)
  unit_rc=$?
  echo "$unit_out"
  if ((unit_rc != 0)) && ! grep -q '^FAIL ' <<<"$unit_out"; then
    echo "FAIL test_image: exited $unit_rc (sanitizer report above?)"
  fi
else
  echo "FAIL test_image: not built"
fi

if [[ ! -x $daemon_bin || ! -x $ctl_bin ]]; then
  echo "FAIL image: $daemon_bin or $ctl_bin not built"
  exit 0
fi
for tool in docker-registry skopeo htpasswd protoc; do
  if ! command -v $tool >/dev/null; then
    echo "FAIL image: $tool missing (scripts/install-deps.sh)"
    exit 0
  fi
done

tmp=$(mktemp -d /tmp/wasmcri-image-test.XXXXXX)
pids=()
daemon_pid=
cleanup() {
  [[ -n $daemon_pid ]] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

export CRI_PY_DIR=$tmp/py
mkdir -p "$CRI_PY_DIR" "$tmp/www" "$tmp/outside" "$tmp/run"
sock=$tmp/run/wasmcri.sock
root=$tmp/root
# Sanitizer reports of the client go to files, so they cannot hide in a matched output.
ctl() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$tmp/asan-ctl "$ctl_bin" -r "unix://$sock" "$@"; }
cri() { "$py" "$here/cri.py" "$sock" "$@"; }
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
# expect NAME OUTPUT PATTERN: PASS when the output matches the extended regex
expect() {
  if grep -Eq -- "$3" <<<"$2"; then pass "$1"; else fail "$1" "got: $(head -c 400 <<<"$2")"; fi
}
expect_not() {
  if grep -Eq -- "$3" <<<"$2"; then fail "$1" "unexpected: $(head -c 400 <<<"$2")"; else pass "$1"; fi
}
wait_for() {  # wait_for SECONDS COMMAND...
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS >= end)) && return 1
    sleep 0.1
  done
}

# ---- fixtures ---------------------------------------------------------------------------------
cp "$seeds"/*.wasm "$tmp/www/"
printf '\0asm\1\0\0\0\x01\x05\x01\x60\x00' >"$tmp/www/truncated.wasm"      # cut mid-section
echo "<html>not wasm</html>" >"$tmp/www/page.html"
printf '\0asm\1\0\0\0' >"$tmp/www/empty.wasm"                          # the smallest valid module
printf '\0asm\1\0\0\0\0\2\1x' >"$tmp/www/custom.wasm"                # + a custom section "x"
http_port=$(free_port)
(cd "$tmp/www" && exec "$py" -m http.server --bind 127.0.0.1 "$http_port") 2>"$tmp/http.log" &
pids+=($!)
www=http://127.0.0.1:$http_port
slow_port=$(free_port)
"$py" "$here/slow_http.py" "$slow_port" "$seeds/wasi_example_main.wasm" 2>"$tmp/slow.log" &
pids+=($!)
slow=http://127.0.0.1:$slow_port

start_registry() {  # start_registry NAME PORT [HTPASSWD]
  local dir=$tmp/registry-$1
  mkdir -p "$dir/data"
  {
    printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n' "$dir/data"
    printf 'http:\n  addr: 127.0.0.1:%s\n' "$2"
    if [[ -n ${3:-} ]]; then
      printf 'auth:\n  htpasswd:\n    realm: wasmcri-test\n    path: %s\n' "$3"
    fi
  } >"$dir/config.yml"
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  pids+=($!)
  wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$2/v2/" || [[ -n ${3:-} ]]
}
reg_port=$(free_port)
auth_port=$(free_port)
htpasswd -Bbn tester s3cret >"$tmp/htpasswd" 2>/dev/null
start_registry open "$reg_port"
start_registry auth "$auth_port" "$tmp/htpasswd"
wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$auth_port/v2/"
reg=127.0.0.1:$reg_port
areg=127.0.0.1:$auth_port

# busybox from Debian's busybox-static, as an OCI layout pushed with skopeo.
"$py" "$here/oci.py" layout "$tmp/busybox-layout" busybox >/dev/null
if skopeo copy --quiet --dest-tls-verify=false "oci:$tmp/busybox-layout:latest" \
     "docker://$reg/busybox:latest" >"$tmp/skopeo.log" 2>&1 &&
   skopeo copy --quiet --dest-tls-verify=false "oci:$tmp/busybox-layout:latest" \
     "docker://$reg/library/busybox:1.36" >>"$tmp/skopeo.log" 2>&1 &&
   skopeo copy --quiet --dest-tls-verify=false --format v2s2 "oci:$tmp/busybox-layout:latest" \
     "docker://$reg/docker/busybox:latest" >>"$tmp/skopeo.log" 2>&1 &&
   skopeo copy --quiet --dest-tls-verify=false --dest-creds tester:s3cret \
     "oci:$tmp/busybox-layout:latest" "docker://$areg/private/busybox:latest" >>"$tmp/skopeo.log" 2>&1; then
  pass "fixture: busybox pushed with skopeo"
else
  fail "fixture: busybox pushed with skopeo" "$(tail -3 "$tmp/skopeo.log")"
fi
export OCI_ESCAPE_DIR=$tmp/outside
push() { "$py" "$here/oci.py" push "$reg" "$1" "$2" 2>>"$tmp/push.log"; }
push wasm/hello:v1 "wasm-artifact=$seeds/hello.wasm" >/dev/null
push wasm/entry:v1 "wasm-entrypoint=$seeds/hello.wasm" >/dev/null
push wasm/arch:v1 "wasm-arch=$seeds/hello.wasm" >/dev/null
push multi/busybox:v1 index >/dev/null
push multi/wasm:v1 "index-wasm=$seeds/hello.wasm" >/dev/null
for kind in bad-mediatype bad-wasm hostile-dotdot hostile-symlink hostile-hardlink \
            hostile-hardlink-abs device-node whiteout zstd plain-tar; do
  push "test/$kind:v1" "$kind" >/dev/null || echo "push $kind failed" >>"$tmp/push.log"
done
bearer_port=$(free_port)
"$py" "$here/bearer_registry.py" "$bearer_port" "$tmp/busybox-layout" tester:s3cret 2>"$tmp/bearer.log" &
pids+=($!)
corrupt_port=$(free_port)
"$py" "$here/oci.py" layout "$tmp/corrupt-layout" whiteout >/dev/null
"$py" "$here/bearer_registry.py" "$corrupt_port" "$tmp/corrupt-layout" - --corrupt 2>"$tmp/corrupt.log" &
pids+=($!)
oversize_port=$(free_port)
"$py" "$here/oci.py" layout "$tmp/oversize-layout" zstd >/dev/null
"$py" "$here/bearer_registry.py" "$oversize_port" "$tmp/oversize-layout" - --oversize 2>"$tmp/oversize.log" &
pids+=($!)

# 0x7f000001 is 127.0.0.1 spelled so that it does not look like loopback: a registry that needs
# the config's `insecure` to be reached over plain http.
cat >"$tmp/config.yaml" <<EOF
registries:
  docker.io:
    mirrors: ["http://$reg"]
    no_fallback: true
  "0x7f000001:$reg_port":
    insecure: true
EOF

start_daemon() {
  "$daemon_bin" --listen "$sock" --root "$root" --state "$tmp/state" --config "$tmp/config.yaml" \
    --log-level info >>"$tmp/daemon.log" 2>&1 &
  daemon_pid=$!
  wait_for 20 test -S "$sock" && wait_for 20 ctl version
}
stop_daemon() {  # stop_daemon [SIGNAL]
  kill -"${1:-TERM}" "$daemon_pid" 2>/dev/null
  wait "$daemon_pid" 2>/dev/null
  daemon_pid=
  [[ ${1:-TERM} == KILL ]] && rm -f "$sock"
}
if start_daemon; then pass "daemon starts"; else fail "daemon starts" "$(tail -5 "$tmp/daemon.log")"; exit 0; fi
blob_count() { find "$root/blobs" -type f | wc -l; }

# ---- wasm modules by URL ------------------------------------------------------------------------
main_id=sha256:7e9d39d5047d45682792b99194d02574453da560ff4722dd546d2cb5f0c89a84
hello_id=sha256:1eefc5c07f3d3806950b06d5a94468c14a491b9247d415c5a04143f1524cb944
out=$(ctl pull --annotation "wasm.module.url=$www/wasi_example_main.wasm" \
        --annotation wasm.module.filename=wasi_example_main.wasm wasi_example_main 2>&1)
expect "url pull (wasmcrictl)" "$out" "^Image is up to date for $main_id\$"
out=$(cri PullImage '{"image":{"image":"hello:v2","annotations":{"wasm.module.url":"'"$www"'/hello.wasm","wasm.module.filename":"hello.wasm","wasm.module.stopSignal":"SIGINT"}}}' 2>&1)
expect "url pull (python grpc)" "$out" "\"image_ref\": \"$hello_id\""
out=$(cri PullImage '{"image":{"image":"demo","annotations":{"wasm.module.url":"file://'"$seeds"'/wasi-demo-app.wasm"}}}' 2>&1)
expect "url pull file:// scheme" "$out" '"image_ref": "sha256:28bacd12cde99603d4e1c0eab82306a772e456df849ee269e8f938610f45f802"'

# Pulled again without annotations (kubelet's Always policy): fetched again from its URL.
gets_before=$(grep -c 'GET /hello.wasm' "$tmp/http.log")
out=$(ctl pull hello:v2 2>&1)
gets_after=$(grep -c 'GET /hello.wasm' "$tmp/http.log")
if [[ $out == "Image is up to date for $hello_id" ]] && ((gets_after == gets_before + 1)); then
  pass "a module pulled again without annotations is fetched from its URL again"
else
  fail "a module pulled again without annotations is fetched from its URL again" "$out; GETs $gets_before -> $gets_after"
fi
out=$(ctl inspecti hello:v2 2>&1)
expect "its filename and stop signal are kept" "$out" '"wasm.module.stopSignal": "SIGINT"'

# Pod annotations naming several modules (kubelet copies them into every PullImage of the pod).
pod_annotations='"wasm.module.url/hello2":"'"$www"'/empty.wasm","wasm.module.filename/hello2":"h.wasm","wasm.module.url":"'"$www"'/custom.wasm","wasm.module.filename":"c.wasm"'
empty_id=sha256:$(sha256sum "$tmp/www/empty.wasm" | cut -c1-64)
custom_id=sha256:$(sha256sum "$tmp/www/custom.wasm" | cut -c1-64)
out=$(cri PullImage '{"image":{"image":"example.org/ns/hello2:v1","annotations":{'"$pod_annotations"'}}}' 2>&1)
expect "wasm.module.url/<short name> picks the module of that image" "$out" "\"image_ref\": \"$empty_id\""
out=$(ctl inspecti example.org/ns/hello2:v1 2>&1)
expect "wasm.module.filename/<short name> goes with it" "$out" '"wasm.module.filename": "h.wasm"'
out=$(cri PullImage '{"image":{"image":"solo","annotations":{'"$pod_annotations"'}}}' 2>&1)
expect "the plain wasm.module.url serves the other image" "$out" "\"image_ref\": \"$custom_id\""
ctl rmi example.org/ns/hello2:v1 solo >/dev/null 2>&1

out=$(ctl images 2>&1)
expect "images lists the module with NAME -> NAME:latest" "$out" '^wasi_example_main +latest +7e9d39d5047d4 +1\.92MB$'
expect "images lists a tagged module" "$out" '^hello +v2 +1eefc5c07f3d3 +2\.21MB$'
out=$(ctl images -q 2>&1)
expect "images -q prints ids" "$out" "^$main_id\$"
out=$(ctl images --digests 2>&1)
expect "images --digests" "$out" '^hello +v2 +1eefc5c07f3d3 +1eefc5c07f3d3 +2\.21MB$'
out=$(ctl images -o json 2>&1)
expect "images -o json" "$out" '"repoTags": \['
out=$(ctl images -o yaml 2>&1)
expect "images -o yaml" "$out" '^- id: sha256:'
out=$(ctl images -v 2>&1)
expect "images -v" "$out" "^RepoTags: wasi_example_main:latest\$"

for ref in wasi_example_main wasi_example_main:latest "$main_id" "${main_id#sha256:}" 7e9d39d5 \
           "wasi_example_main@$main_id"; do
  out=$(ctl inspecti "$ref" 2>&1)
  expect "inspecti by ${ref:0:30}" "$out" "\"id\": \"$main_id\""
done
out=$(ctl inspecti hello:v2 2>&1)
expect "inspecti shows the module annotations" "$out" '"wasm.module.stopSignal": "SIGINT"'
expect "inspecti verbose info has the module path" "$out" "\"modulePath\": \"$root/blobs/sha256/"
out=$(cri ImageStatus '{"image":{"image":"wasi_example_main"},"verbose":true}' 2>&1)
expect "ImageStatus verbose info (python)" "$out" '\\"kind\\":\\"wasm\\"'
out=$(cri ImageStatus '{"image":{"image":"no-such-image"}}' 2>&1)
expect "ImageStatus of an unknown image is empty, not an error" "$out" '^\{\}$'
out=$(ctl inspecti no-such-image 2>&1)
expect "inspecti of an unknown image fails like crictl" "$out" 'no such image "no-such-image" present'
out=$(cri ListImages '{"filter":{"image":{"image":"hello:v2"}}}' 2>&1)
if [[ $(grep -o '"id"' <<<"$out" | wc -l) == 1 ]] && grep -q "$hello_id" <<<"$out"; then
  pass "ListImages honours its filter"
else
  fail "ListImages honours its filter" "$out"
fi

# Refusals: nothing may be stored.
before=$(blob_count)
out=$(cri PullImage '{"image":{"image":"bad","annotations":{"wasm.module.url":"'"$www"'/truncated.wasm"}}}' 2>&1)
expect "invalid module refused with INVALID_ARGUMENT" "$out" '^ERROR INVALID_ARGUMENT: .*invalid wasm module'
out=$(ctl pull --annotation "wasm.module.url=$www/page.html" page 2>&1)
expect "non-wasm bytes refused (wasmcrictl)" "$out" 'code = InvalidArgument .*magic header not detected'
out=$(ctl pull --annotation "wasm.module.url=$www/missing.wasm" missing 2>&1)
expect "404 is NOT_FOUND" "$out" 'code = NotFound .*HTTP 404'
out=$(ctl pull --annotation "wasm.module.url=http://127.0.0.1:1/x.wasm" unreachable 2>&1)
expect "unreachable host is UNAVAILABLE" "$out" 'code = Unavailable'
out=$(ctl pull --annotation "wasm.module.url=gopher://127.0.0.1/x.wasm" gopher 2>&1)
expect "unsupported URL scheme refused" "$out" 'code = InvalidArgument'
out=$(cri PullImage '{"image":{"image":"Bad_Name","annotations":{"wasm.module.url":"'"$www"'/hello.wasm"}}}' 2>&1)
expect "invalid image name refused" "$out" '^ERROR INVALID_ARGUMENT'
after=$(blob_count)
out=$(ctl images 2>&1)
if [[ $before == "$after" ]] && ! grep -Eq '^(bad|page|missing|unreachable|gopher) ' <<<"$out"; then
  pass "refused pulls stored nothing"
else
  fail "refused pulls stored nothing" "blobs $before -> $after; $out"
fi

# Concurrent pulls of one module share the download (the server is slow enough that they overlap).
concurrent=()
for i in 1 2 3 4; do
  cri PullImage '{"image":{"image":"shared","annotations":{"wasm.module.url":"'"$slow"'/0.03/shared.wasm"}}}' >"$tmp/concurrent.$i" 2>&1 &
  concurrent+=($!)
done
sleep 0.3
start_ns=$(date +%s%N)
ctl imagefsinfo >/dev/null 2>&1
fsinfo_ms=$((($(date +%s%N) - start_ns) / 1000000))
concurrent_ok=1
for job in "${concurrent[@]}"; do wait "$job" || concurrent_ok=0; done
gets=$(grep -c 'GET /0.03/shared.wasm' "$tmp/slow.log")
if ((concurrent_ok)) && [[ $(cat "$tmp"/concurrent.* | sort -u | wc -l) == 1 ]] && ((gets == 1)); then
  pass "concurrent pulls of one image share the work"
else
  fail "concurrent pulls of one image share the work" "downloads=$gets; $(cat "$tmp"/concurrent.* | sort -u)"
fi
# Identical pulls wait without holding worker threads: a call that needs one still gets it.
if ((fsinfo_ms < 500)); then pass "ImageFsInfo answers while identical pulls wait (${fsinfo_ms} ms)"
else fail "ImageFsInfo answers while identical pulls wait" "${fsinfo_ms} ms"; fi

# A removal does not wait for pulls of other images in progress.
ctl pull --annotation "wasm.module.url=$slow/0.1/other.wasm" slow-other >/dev/null 2>&1 &
slow_other=$!
sleep 0.5
ctl pull --annotation "wasm.module.url=$www/empty.wasm" remove-me >/dev/null 2>&1
start_ns=$(date +%s%N)
out=$(ctl rmi remove-me 2>&1)
rmi_ms=$((($(date +%s%N) - start_ns) / 1000000))
if [[ $out == "Deleted: remove-me:latest" ]] && ((rmi_ms < 1000)) && kill -0 "$slow_other" 2>/dev/null; then
  pass "RemoveImage does not wait for another pull (${rmi_ms} ms)"
else
  fail "RemoveImage does not wait for another pull" "$out; ${rmi_ms} ms"
fi
wait "$slow_other"
out=$(ctl inspecti slow-other 2>&1)
expect "the slow pull completed meanwhile" "$out" "\"id\": \"$main_id\""

# ---- OCI images from registries ------------------------------------------------------------------
bb_id=$("$py" -c 'import json,sys; m=json.load(open(sys.argv[1]+"/index.json"))["manifests"][0]["digest"][7:]; print(json.load(open(sys.argv[1]+"/blobs/sha256/"+m))["config"]["digest"])' "$tmp/busybox-layout")
out=$(ctl pull "$reg/busybox" 2>&1)
expect "registry pull busybox (wasmcrictl)" "$out" "^Image is up to date for $bb_id\$"
rootfs=$root/images/${bb_id#sha256:}/rootfs
if [[ -x $rootfs/bin/busybox && -L $rootfs/bin/sh && $("$rootfs/bin/busybox" echo hi 2>&1) == hi ]]; then
  pass "busybox rootfs unpacked (binary runs, symlinks kept)"
else
  fail "busybox rootfs unpacked (binary runs, symlinks kept)" "$(ls -la "$rootfs/bin" 2>&1 | head -5)"
fi
out=$(ctl images 2>&1)
expect "registry image tag normalized" "$out" "^$reg/busybox +latest +${bb_id:7:13} "
out=$(ctl inspecti "$reg/busybox" 2>&1)
expect "registry image has a repo digest" "$out" "\"$reg/busybox@sha256:[0-9a-f]{64}\""
expect "registry image records its rootfs and config" "$out" "\"rootfs\": \"$rootfs\""
digest_ref=$(grep -Eo "\"$reg/busybox@sha256:[0-9a-f]{64}\"" <<<"$out" | tr -d '"')
out=$(ctl inspecti "$digest_ref" 2>&1)
expect "inspecti by digest reference" "$out" "\"id\": \"$bb_id\""
out=$(cri PullImage '{"image":{"image":"'"$digest_ref"'"}}' 2>&1)
expect "pull by digest (python grpc)" "$out" "\"image_ref\": \"$bb_id\""
out=$(ctl pull busybox:1.36 2>&1)
expect "docker.io reference through a mirror (no fallback)" "$out" "^Image is up to date for $bb_id\$"
out=$(ctl images 2>&1)
expect "docker.io/library/ normalization" "$out" "^docker.io/library/busybox +1\.36 "
out=$(ctl inspecti busybox:1.36 2>&1)
expect "short docker.io name resolves" "$out" "\"id\": \"$bb_id\""
out=$(ctl pull "$reg/multi/busybox:v1" 2>&1)
expect "image index resolved to linux/amd64" "$out" "^Image is up to date for $bb_id\$"
out=$(ctl inspecti "$reg/multi/busybox:v1" 2>&1)
index_digest=$(curl -s -H 'Accept: application/vnd.oci.image.index.v1+json' "http://$reg/v2/multi/busybox/manifests/v1" | sha256sum | cut -c1-64)
expect "image index: repo digest is the index's" "$out" "\"$reg/multi/busybox@sha256:$index_digest\""
out=$(ctl pull "0x7f000001:$reg_port/busybox:latest" 2>&1)
expect "a registry marked insecure is reached over plain http" "$out" "^Image is up to date for $bb_id\$"
out=$(ctl pull "0x7f000001:$auth_port/private/busybox:latest" 2>&1)
expect "other registries need https (no silent downgrade)" "$out" 'code = Unavailable .*GET https://'
out=$(ctl pull "$reg/nothere:v1" 2>&1)
expect "registry 404 is NOT_FOUND" "$out" 'code = NotFound'
out=$(ctl pull "127.0.0.1:1/busybox:latest" 2>&1)
expect "unreachable registry is UNAVAILABLE" "$out" 'code = Unavailable'

out=$(ctl pull "$reg/wasm/hello:v1" 2>&1)
expect "wasm artifact pull" "$out" '^Image is up to date for sha256:'
out=$(ctl inspecti "$reg/wasm/hello:v1" 2>&1)
expect "wasm artifact recorded as wasm" "$out" '"kind": "wasm"'
expect "wasm artifact module filename from its title" "$out" '"wasm.module.filename": "hello.wasm"'
out=$(cri PullImage '{"image":{"image":"'"$reg/wasm/entry:v1"'"}}' 2>&1)
expect "image with a .wasm entrypoint pull (python)" "$out" '"image_ref": "sha256:'
out=$(ctl inspecti "$reg/wasm/entry:v1" 2>&1)
expect "image with a .wasm entrypoint recorded as wasm" "$out" "\"modulePath\": \"$root/images/[0-9a-f]{64}/rootfs/hello.wasm\""
out=$(ctl pull "$reg/wasm/arch:v1" 2>&1 && ctl inspecti "$reg/wasm/arch:v1" 2>&1)
expect "image with architecture wasm recorded as wasm" "$out" '"kind": "wasm"'
expect "image config User gives the uid" "$out" '"uid": \{'
expect "image config StopSignal is recorded" "$out" '"stopSignal": "SIGINT"'
out=$(ctl pull "$reg/multi/wasm:v1" 2>&1 && ctl inspecti "$reg/multi/wasm:v1" 2>&1)
expect "an index with a wasm platform resolves to it" "$out" '"kind": "wasm"'

before=$(blob_count)
out=$(ctl pull "127.0.0.1:$corrupt_port/corrupt/busybox:latest" 2>&1)
expect "digest mismatch refused" "$out" 'code = InvalidArgument .*digest mismatch'
out=$(ctl pull "127.0.0.1:$oversize_port/oversize/x:latest" 2>&1)
expect "a blob larger than its descriptor is cut off" "$out" 'code = ResourceExhausted .*larger than'
out=$(cri PullImage '{"image":{"image":"'"$reg/test/bad-mediatype:v1"'"}}' 2>&1)
expect "wrong layer media type refused" "$out" '^ERROR INVALID_ARGUMENT: .*unsupported media type'
out=$(ctl pull "$reg/test/bad-wasm:v1" 2>&1)
expect "invalid wasm layer refused" "$out" 'code = InvalidArgument .*invalid wasm module'
for kind in hostile-dotdot hostile-symlink hostile-hardlink hostile-hardlink-abs; do
  out=$(ctl pull "$reg/test/$kind:v1" 2>&1)
  expect "hostile layer refused: $kind" "$out" 'code = InvalidArgument'
done
if [[ -z $(ls -A "$tmp/outside") && ! -e $tmp/escaped-dotdot && ! -e $root/escaped-dotdot ]]; then
  pass "hostile layers wrote nothing outside the rootfs"
else
  fail "hostile layers wrote nothing outside the rootfs" "$(ls -A "$tmp/outside")"
fi
out=$(ctl images 2>&1)
expect_not "refused registry pulls left no image" "$out" 'test/'
out=$(ctl pull "$reg/test/device-node:v1" 2>&1)
dev_id=${out##* }
dev_root=$root/images/${dev_id#sha256:}/rootfs
if [[ -f $dev_root/ok.txt && ! -e $dev_root/dev-null ]]; then
  pass "device nodes are not created"
else
  fail "device nodes are not created" "$out; $(ls -la "$dev_root" 2>&1)"
fi
out=$(ctl pull "$reg/test/whiteout:v1" 2>&1)
wo_id=${out##* }
wo=$root/images/${wo_id#sha256:}/rootfs
if [[ -f $wo/d/a && -f $wo/d/b && ! -e $wo/gone && -f $wo/o/y && ! -e $wo/o/x && ! -e $wo/.wh.gone ]]; then
  pass "whiteouts and opaque directories applied"
else
  fail "whiteouts and opaque directories applied" "$(cd "$wo" 2>/dev/null && find . | sort | tr '\n' ' ')"
fi

for kind in zstd plain-tar; do
  if [[ $kind == zstd ]] && ! command -v zstd >/dev/null; then
    echo "SKIP layer compression: zstd: no zstd command to make the layer"
    continue
  fi
  out=$(ctl pull "$reg/test/$kind:v1" 2>&1)
  id=${out##* }
  if [[ $(cat "$root/images/${id#sha256:}/rootfs/hello.txt" 2>&1) == "hello $kind" ]]; then
    pass "layer compression: $kind"
  else
    fail "layer compression: $kind" "$out"
  fi
done
served=$(curl -s -o /dev/null -w '%{content_type}' -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
  "http://$reg/v2/docker/busybox/manifests/latest")
out=$(ctl pull "$reg/docker/busybox:latest" 2>&1)
if [[ $served == application/vnd.docker.distribution.manifest.v2+json && $out == *" $bb_id" ]]; then
  pass "Docker schema2 manifest (same config, same image id)"
else
  fail "Docker schema2 manifest (same config, same image id)" "served $served; $out"
fi

# ---- auth ----------------------------------------------------------------------------------------
out=$(ctl pull "$areg/private/busybox:latest" 2>&1)
expect "basic-auth registry refuses anonymous pulls" "$out" 'code = FailedPrecondition .*credentials'
out=$(ctl pull --creds tester:wrong "$areg/private/busybox:latest" 2>&1)
expect "basic-auth registry refuses a wrong password" "$out" 'code = FailedPrecondition'
out=$(ctl pull --creds tester:s3cret "$areg/private/busybox:latest" 2>&1)
expect "basic auth with --creds" "$out" "^Image is up to date for $bb_id\$"
ctl rmi "$areg/private/busybox:latest" >/dev/null 2>&1
out=$(ctl pull --auth "$(printf tester:s3cret | base64)" "$areg/private/busybox:latest" 2>&1)
expect "basic auth with --auth" "$out" "^Image is up to date for $bb_id\$"
out=$(cri PullImage '{"image":{"image":"'"$areg/private/busybox:latest"'"},"auth":{"username":"tester","password":"s3cret"}}' 2>&1)
expect "basic auth (python grpc)" "$out" "\"image_ref\": \"$bb_id\""
out=$(ctl pull "127.0.0.1:$bearer_port/bearer/busybox:latest" 2>&1)
expect "bearer registry refuses without credentials" "$out" 'code = FailedPrecondition'
out=$(ctl pull --creds tester:s3cret "127.0.0.1:$bearer_port/bearer/busybox:latest" 2>&1)
expect "bearer token from the WWW-Authenticate challenge" "$out" "^Image is up to date for $bb_id\$"

# ---- hostile requests ------------------------------------------------------------------------------
out=$(cri PullImage --raw 0aff01ffff 2>&1)
expect "malformed PullImage protobuf is INVALID_ARGUMENT" "$out" '^ERROR INVALID_ARGUMENT'
out=$(cri ImageStatus --raw 0a050a03 2>&1)
expect "truncated ImageStatus protobuf is INVALID_ARGUMENT" "$out" '^ERROR INVALID_ARGUMENT'
out=$(cri PullImage '{"image":{"image":""}}' 2>&1)
expect "PullImage of an empty name is INVALID_ARGUMENT" "$out" '^ERROR INVALID_ARGUMENT'
out=$(cri RemoveImage '{}' 2>&1)
expect "RemoveImage without an image is INVALID_ARGUMENT" "$out" '^ERROR INVALID_ARGUMENT'
out=$(ctl images -q 2>&1)
expect "the daemon serves on after hostile requests" "$out" "^$bb_id\$"

out=$(cri PullImage '{"image":{"image":"127.0.0.1:'"$bearer_port"'/bearer/busybox:latest"},"auth":{"identity_token":"refresh-s3cret"}}' 2>&1)
expect "identity token traded for an access token (OAuth2, python)" "$out" "\"image_ref\": \"$bb_id\""
out=$(cri PullImage '{"image":{"image":"127.0.0.1:'"$bearer_port"'/bearer/busybox:latest"},"auth":{"identity_token":"refresh-wrong"}}' 2>&1)
expect "a wrong identity token is refused" "$out" '^ERROR FAILED_PRECONDITION'

# ---- removal and disk usage -----------------------------------------------------------------------
out=$(ctl imagefsinfo 2>&1)
fs() { "$py" -c 'import json,sys; d=json.load(sys.stdin)["status"]["imageFilesystems"][0]; print(d[sys.argv[1]]["value"])' "$1" <<<"$out" 2>/dev/null; }
used=$(fs usedBytes)
real=$(du -s -B1 "$root/blobs" "$root/images" "$root/ingest" | awk '{s += $1} END {print s}')
if [[ $used == "$real" ]]; then pass "imagefsinfo reports the real bytes"; else fail "imagefsinfo reports the real bytes" "$used vs du $real"; fi
used=$(fs inodesUsed)
real=$(find "$root/blobs" "$root/images" "$root/ingest" | wc -l)
if [[ $used == "$real" ]]; then pass "imagefsinfo reports the real inode count"; else fail "imagefsinfo reports the real inode count" "$used vs $real"; fi
out=$(ctl rmi hello:v2 2>&1)
expect "rmi by tag" "$out" '^Deleted: hello:v2$'
demo_blob=$root/blobs/sha256/28bacd12cde99603d4e1c0eab82306a772e456df849ee269e8f938610f45f802
ctl pull --annotation "wasm.module.url=$www/wasi-demo-app.wasm" demo2 >/dev/null 2>&1
out=$(ctl rmi demo 2>&1)
if [[ $(sort <<<"$out" | tr '\n' ' ') == "Deleted: demo2:latest Deleted: demo:latest " && ! -e $demo_blob ]]; then
  pass "rmi removes the image with all its tags and its blob"
else
  fail "rmi removes the image with all its tags and its blob" "$out; $(ls "$demo_blob" 2>&1)"
fi
out=$(cri RemoveImage '{"image":{"image":"no-such-image"}}' 2>&1)
expect "RemoveImage of an unknown image succeeds" "$out" '^\{\}$'
out=$(cri RemoveImage '{"image":{"image":"'"$reg/test/device-node:v1"'"}}' 2>&1)
if [[ $out == "{}" && ! -e $dev_root ]]; then pass "RemoveImage (python) removes the rootfs"; else fail "RemoveImage (python) removes the rootfs" "$out"; fi
out=$(ctl rmi 7e9d39d5 2>&1)
expect "rmi by id prefix" "$out" '^Deleted: wasi_example_main:latest$'
out=$(ctl rmi nothing-here 2>&1)
expect "rmi of an unknown image fails like crictl" "$out" 'no such image nothing-here'

# ---- persistence -----------------------------------------------------------------------------------
ctl images -q | sort >"$tmp/images.before"
stop_daemon TERM
start_daemon
ctl images -q | sort >"$tmp/images.after"
if [[ -s $tmp/images.before ]] && cmp -s "$tmp/images.before" "$tmp/images.after"; then
  pass "images persist across a restart"
else
  fail "images persist across a restart" "$(diff "$tmp/images.before" "$tmp/images.after" | head -5)"
fi
ctl pull --annotation "wasm.module.url=$www/hello.wasm" after-restart >/dev/null 2>&1
ctl images -q | sort >"$tmp/images.before"
stop_daemon KILL
# What a pull cut by kill -9 leaves behind: a partial download, an unrecorded blob, a
# half-unpacked rootfs. None of it may survive the next start.
echo partial >"$root/ingest/12345-0"
echo orphan >"$root/blobs/sha256/$(printf orphan | sha256sum | cut -d' ' -f1)"
mkdir -p "$root/images/.tmp-deadbeef-1-0/rootfs/bin" "$root/images/$(printf x | sha256sum | cut -d' ' -f1)/rootfs"
start_daemon
ctl images -q | sort >"$tmp/images.after"
if [[ -s $tmp/images.before ]] && cmp -s "$tmp/images.before" "$tmp/images.after"; then
  pass "images persist across kill -9"
else
  fail "images persist across kill -9" "$(diff "$tmp/images.before" "$tmp/images.after" | head -5)"
fi
leftovers=$(ls -A "$root/ingest"; ls -A "$root/images" | grep -v -E '^[0-9a-f]{64}$'; \
            ls "$root/blobs/sha256" | grep "$(printf orphan | sha256sum | cut -c1-64)"; \
            ls -d "$root/images/$(printf x | sha256sum | cut -c1-64)" 2>/dev/null)
if [[ -z $leftovers ]]; then pass "orphans of an interrupted pull are swept at start"; else fail "orphans of an interrupted pull are swept at start" "$leftovers"; fi
out=$(ctl inspecti after-restart 2>&1)
expect "a pull just before kill -9 is complete after restart" "$out" "\"id\": \"$hello_id\""

# A pull killed mid-download: the daemon dies while the slow server trickles the module.
ctl pull --annotation "wasm.module.url=$slow/0.2/m.wasm" slow >/dev/null 2>&1 &
slow_pull=$!
sleep 1
out=$(ctl version 2>&1)
expect "Version answers while a pull runs" "$out" 'RuntimeName: +wasmcri'
stop_daemon KILL
wait "$slow_pull" 2>/dev/null
start_daemon
out=$(ctl images 2>&1)
expect_not "a pull cut by kill -9 leaves no visible image" "$out" '^slow '
if [[ -z $(ls -A "$root/ingest") ]]; then pass "a pull cut by kill -9 leaves no partial file"; else fail "a pull cut by kill -9 leaves no partial file" "$(ls -A "$root/ingest")"; fi

out=$(ctl rmi --prune 2>&1)
left=$(ctl images -q 2>&1)
if [[ -z $left ]] && grep -q '^Deleted: ' <<<"$out"; then pass "rmi --prune removes images no container uses"; else fail "rmi --prune removes images no container uses" "$out / $left"; fi
ctl pull --annotation "wasm.module.url=$www/hello.wasm" hello >/dev/null 2>&1
ctl pull "$reg/busybox" >/dev/null 2>&1
out=$(ctl rmi -a 2>&1)
left=$(ctl images -q 2>&1)
if [[ -z $left ]] && grep -q '^Deleted: ' <<<"$out"; then pass "rmi -a removes every image"; else fail "rmi -a removes every image" "$left"; fi
if [[ $(find "$root/blobs" "$root/images" -mindepth 2 | wc -l) == 0 ]]; then
  pass "nothing left on disk after removing everything"
else
  fail "nothing left on disk after removing everything" "$(find "$root/blobs" "$root/images" -mindepth 2 | head -3)"
fi

stop_daemon TERM
if grep -Eq 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:' "$tmp/daemon.log"; then
  fail "daemon sanitizer-clean ($mode)" "$(grep -E -m3 'AddressSanitizer|LeakSanitizer|runtime error' "$tmp/daemon.log")"
else
  pass "daemon sanitizer-clean ($mode)"
fi
if compgen -G "$tmp/asan-ctl*" >/dev/null; then
  fail "wasmcrictl sanitizer-clean ($mode)" "$(head -c 600 "$tmp"/asan-ctl* | grep -E -m3 'ERROR|SUMMARY')"
else
  pass "wasmcrictl sanitizer-clean ($mode)"
fi
