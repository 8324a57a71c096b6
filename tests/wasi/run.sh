#!/usr/bin/env bash
# tests/wasi/run.sh BUILD_DIR MODE - WASI preview1 and `wasmcri run`, end to end:
#   - C programs in tests/wasi/*.c, compiled here with clang --target=wasm32-wasi, covering every
#     WASI function family, escapes out of preopens and read-only preopens;
#   - raw calls with bad pointers (wat/bad_pointers.wat);
#   - the seed modules of ../shared/testdata/seed-modules, as their README says they behave;
#   - hostile modules (hostile.py, wat/*.wat): a clean error (exit 2) or a trap (exit 134), or
#     the timeout (exit 124).
# Prints PASS/FAIL/SKIP lines. Runs in a temp dir; all servers bind 127.0.0.1 and are stopped.
set -uo pipefail
build=${1:-build}
mode=${2:-release}
here=$(cd "$(dirname "$0")" && pwd)
seeds=${SEED_MODULES:-$here/../../../shared/testdata/seed-modules}
[[ -f $seeds/hello.wasm ]] || seeds=/work/shared/testdata/seed-modules

wasmcri=$build/wasmcri
if [[ ! -x $wasmcri ]]; then
  echo "FAIL wasi-build: no wasmcri in $build"
  exit 1
fi
wasmcri=$(cd "$(dirname "$wasmcri")" && pwd)/$(basename "$wasmcri")

tmp=$(mktemp -d)
bg_pids=()
cleanup() {
  for pid in "${bg_pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  chmod -R u+w "$tmp" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1

pass() { echo "PASS wasi-$1"; }
fail() { echo "FAIL wasi-$1: $2"; }

# Sanitizer reports in a run's stderr fail the test even when the status is right.
sanitizer_clean() {
  ! grep -qE 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:' "$1"
}

# run NAME [wasmcri run args...]: runs `wasmcri run` with output in NAME.out / NAME.err,
# status in $rc.
run() {
  local name=$1
  shift
  "$wasmcri" run "$@" >"$name.out" 2>"$name.err" </dev/null
  rc=$?
}

# expect_status NAME WANT: PASS when $rc is WANT and stderr carries no sanitizer report.
expect_status() {
  local name=$1 want=$2
  if [[ $rc != "$want" ]]; then
    fail "$name" "exit $rc, wanted $want; stderr: $(head -c 300 "$name.err" | tr '\n' ' ')"
  elif ! sanitizer_clean "$name.err"; then
    fail "$name" "sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error' "$name.err")"
  else
    pass "$name"
  fi
}

# expect_output NAME WANT_STATUS WANT_STDOUT
expect_output() {
  local name=$1 want=$2 text=$3
  if [[ $rc == "$want" && "$(cat "$name.out")" != "$text" ]]; then
    fail "$name" "stdout differs: $(diff <(echo "$text") "$name.out" | head -5 | tr '\n' ' ')"
    return
  fi
  expect_status "$name" "$want"
}

# ---- guest programs compiled at test time -------------------------------------------------
have_clang=1
mkdir -p guests
for src in "$here"/*.c; do
  name=$(basename "$src" .c)
  if ! clang --target=wasm32-wasi -O2 -Wall -Wextra -Werror "$src" -o "guests/$name.wasm" \
      2>"guests/$name.log"; then
    echo "cannot compile $src:"; cat "guests/$name.log"
    have_clang=0
  fi
done
if ((have_clang == 0)); then
  echo "FAIL wasi-guests: clang --target=wasm32-wasi cannot build the guest programs"
else
  # Our ABI numbers and layouts (src/wasi/abi.h) against wasi-libc's witx-generated header.
  api_h=$(echo '#include <wasi/api.h>' | clang --target=wasm32-wasi -E -H - 2>&1 >/dev/null | awk '/wasi\/api.h/ {print $2; exit}')
  if [[ -f $api_h ]] && python3 "$here/abi_check.py" "$api_h" >abi_check.c \
      && clang --target=wasm32-wasi -fsyntax-only -I "$here/../../src" abi_check.c 2>abi_check.err; then
    echo "abi: $(grep -c _Static_assert abi_check.c) constants and offsets agree with $api_h"
    pass abi
  else
    fail abi "$(head -c 400 abi_check.err 2>/dev/null | tr '\n' ' ')"
  fi

  run args_env --env FOO=bar --env EMPTY= guests/args_env.wasm one "two words" ""
  expect_output args_env 0 "argc=4
argv[0]=args_env.wasm
argv[1]=one
argv[2]=two words
argv[3]=
env FOO=bar
env EMPTY=
FOO=bar"
  FOO=from-host run args_inherit --env FOO guests/args_env.wasm
  expect_output args_inherit 0 "argc=1
argv[0]=args_env.wasm
env FOO=from-host
FOO=from-host"
  run args_none guests/args_env.wasm
  expect_output args_none 0 "argc=1
argv[0]=args_env.wasm
FOO=(unset)"

  run all_imports guests/all_imports.wasm
  expect_output all_imports 0 "46 functions linked"

  for code in 0 7 255; do
    run "exit_$code" guests/exit_code.wasm "$code"
    expect_output "exit_$code" "$code" "exiting with $code"
  done
  run exit_return guests/exit_code.wasm return
  expect_output exit_return 0 "exiting with return"

  run isatty_pipe guests/isatty.wasm
  expect_output isatty_pipe 0 "stdin 0 stdout 0"
  if command -v script >/dev/null; then
    # script(1) gives the run a terminal for stdin and stdout.
    script -qec "$wasmcri run guests/isatty.wasm" /dev/null </dev/null >isatty_tty.out 2>isatty_tty.err
    rc=$?
    tr -d '\r' <isatty_tty.out >isatty_tty.clean && mv isatty_tty.clean isatty_tty.out
    expect_output isatty_tty 0 "stdin 1 stdout 1"
  fi

  run clocks guests/clocks.wasm "$(date +%s)"
  grep -q '^all checks passed$' clocks.out || cat clocks.out
  expect_status clocks 0

  mkdir -p files
  run files --dir "$tmp/files::/sandbox" guests/files.wasm /sandbox
  grep -q '^all checks passed$' files.out || cat files.out
  if [[ $rc == 0 && ( $(stat -c %s files/data.txt) != 4097 || $(ls files/list | wc -l) != 151 ) ]]; then
    fail files "the host does not see the guest's files"
  else
    expect_status files 0
  fi

  # Escapes: a writable preopen next to a directory it must not reach, and a read-only one.
  mkdir -p esc/rw/sub esc/ro esc/outside
  echo "top secret" >esc/outside/secret.txt
  echo "inside" >esc/rw/sub/inside.txt
  ln -s "$tmp/esc/outside/secret.txt" esc/rw/abs
  ln -s ../outside/secret.txt esc/rw/rel
  ln -s sub esc/rw/inner
  ln -s ../.. esc/rw/sub/up
  echo "read me!" >esc/ro/readme.txt
  before=$(cd esc && find . | sort | md5sum)
  run escape --dir "$tmp/esc/rw::/rw" --dir-ro "$tmp/esc/ro::/ro" guests/escape.wasm /rw /ro
  grep -q '^all checks passed$' escape.out || cat escape.out
  after=$(cd esc && find . ! -name rel2 | sort | md5sum)
  if [[ $(cat esc/outside/secret.txt) != "top secret" || $before != "$after" ]]; then
    fail escape "the guest changed something outside its rights: $(cd esc && find . | sort | tr '\n' ' ')"
  else
    expect_status escape 0
  fi

  # stdin: a pipe that already holds "ping\n" and whose writer is closed, so the guest's first
  # poll sees it readable (a fifo fed by a background writer raced with the guest's poll).
  /usr/bin/python3 -c 'import os, sys
r, w = os.pipe(); os.write(w, b"ping\n"); os.close(w); os.dup2(r, 0); os.close(r)
os.execv(sys.argv[1], sys.argv[1:])' "$wasmcri" run guests/poll_fds.wasm >poll_fds.out 2>poll_fds.err
  rc=$?
  grep -q '^all checks passed$' poll_fds.out || cat poll_fds.out
  expect_status poll_fds 0

  printf 'some input' | "$wasmcri" run guests/read_stdin.wasm >read_stdin.out 2>read_stdin.err
  rc=$?
  expect_output read_stdin 0 "read 10 bytes: some input"
  # A read that blocks forever (the writer never closes) still ends at --timeout.
  mkfifo never.fifo
  sleep 30 >never.fifo &
  bg_pids+=("$!")
  start=$SECONDS
  "$wasmcri" run --timeout 1 guests/read_stdin.wasm <never.fifo >read_blocked.out 2>read_blocked.err
  rc=$?
  ((SECONDS - start < 10)) || fail read_blocked_prompt "took $((SECONDS - start)) s"
  expect_status read_blocked 124

  # Sockets: a pre-opened listener on a free loopback port; the client is python.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$wasmcri" run --tcplisten "127.0.0.1:$port" guests/sockets.wasm >sockets.out 2>sockets.err &
  pid=$!
  bg_pids+=("$pid")
  reply=$(timeout 20 python3 - "$port" <<'PY'
import socket, sys, time
for _ in range(200):
    try:
        c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
        break
    except OSError:
        time.sleep(0.05)
c.sendall(b"hello\n")
data = b""
while True:
    chunk = c.recv(100)
    if not chunk:
        break
    data += chunk
print(data.decode(), end="")
PY
  )
  wait "$pid"
  rc=$?
  grep -q '^all checks passed$' sockets.out || cat sockets.out
  if [[ $reply != "echo: hello" ]]; then
    fail sockets "the client got '$reply'"
  else
    expect_status sockets 0
  fi
fi

# ---- raw calls with bad pointers; runtime traps and limits (wat) ---------------------------
if ! command -v wat2wasm >/dev/null; then
  echo "SKIP wasi-wat: wat2wasm is missing (Debian package wabt)"
else
  for wat in "$here"/wat/*.wat; do
    wat2wasm --enable-all --debug-names "$wat" -o "$(basename "$wat" .wat).wasm" || echo "cannot build $wat"
  done
  mkdir -p bp
  run bad_pointers --dir "$tmp/bp::/" --env A=B bad_pointers.wasm
  expect_output bad_pointers 0 "bad pointers refused"

  trap_case() { # NAME STATUS STDERR-LINE [run args...]
    local name=$1 want=$2 line=$3
    shift 3
    run "$name" "$@"
    if [[ $rc == "$want" ]] && ! grep -qxF "$line" "$name.err"; then
      fail "$name" "stderr lacks '$line': $(head -c 300 "$name.err" | tr '\n' ' ')"
    else
      expect_status "$name" "$want"
    fi
  }
  trap_case trap_div 134 "wasmcri: trap: integer divide by zero in function 'boom'" divide_by_zero.wasm
  trap_case trap_unreachable 134 "wasmcri: trap: unreachable in function 'crash'" unreachable.wasm
  trap_case trap_oob 134 "wasmcri: trap: out of bounds memory access in function 'poke'" out_of_bounds.wasm
  trap_case recursion_bomb 134 "wasmcri: trap: call stack exhausted in function 'recurse'" recursion_bomb.wasm
  trap_case mutual_recursion_bomb 134 "wasmcri: trap: call stack exhausted in function 'ping'" mutual_recursion_bomb.wasm
  start=$SECONDS
  trap_case endless_loop 124 "wasmcri: timeout: stopped after 1 seconds" --timeout 1 endless_loop.wasm
  trap_case endless_calls 124 "wasmcri: trap: interrupted in function 'spin'" --timeout 0.5 endless_calls.wasm
  ((SECONDS - start < 10)) || fail timeout_prompt "the timeouts took $((SECONDS - start)) s"
  run memory_bomb --max-memory 8M memory_bomb.wasm
  expect_status memory_bomb 0
  run memory_too_big --max-memory 1M memory_too_big.wasm
  expect_status memory_too_big 2
  run memory_fits --max-memory 16M memory_too_big.wasm
  expect_status memory_fits 0
  run unknown_import unknown_import.wasm
  expect_status unknown_import 2
  run no_start no_start.wasm
  expect_status no_start 2
  run exit_in_start_function exit_in_start_function.wasm
  expect_status exit_in_start_function 9
  run proc_raise proc_raise.wasm
  expect_status proc_raise 52

  # Chaos: every function with random arguments, thousands of times (chaos.py).
  for seed in 1 2 3; do
    mkdir -p "chaos$seed/box/rw" "chaos$seed/box/ro"
    echo "keep" >"chaos$seed/box/ro/keep.txt"
    python3 "$here/chaos.py" "chaos$seed/chaos.wat" "$seed"
    wat2wasm "chaos$seed/chaos.wat" -o "chaos$seed/chaos.wasm"
    run "chaos_$seed" --dir "$tmp/chaos$seed/box/rw::/" --dir-ro "$tmp/chaos$seed/box/ro::/ro" \
      --env A=B "chaos$seed/chaos.wasm" x y
    if [[ $(cd "chaos$seed/box" && ls -A) != $'ro\nrw' || $(ls -A "chaos$seed/box/ro") != keep.txt \
          || $(cat "chaos$seed/box/ro/keep.txt") != keep ]]; then
      fail "chaos_$seed" "changes outside the writable preopen"
    else
      expect_status "chaos_$seed" 0
    fi
  done
fi

# ---- hostile binaries: a clean error (2), or a clean run where the module is valid ---------
mkdir -p hostile
python3 "$here/hostile.py" hostile
head -c 100 "$seeds/hello.wasm" >hostile/truncated.wasm
for f in hostile/*.wasm; do
  name=hostile_$(basename "$f" .wasm)
  run "$name" "$f"
  case $(basename "$f") in
    deep_nesting.wasm|many_locals.wasm)
      # Valid modules: they run (0) or hit a documented engine limit (2), never crash.
      [[ $rc == 2 ]] && rc=0
      expect_status "$name" 0 ;;
    *)
      if [[ $rc == 2 ]] && ! grep -q "^wasmcri: " "$name.err"; then
        fail "$name" "no error message"
      else
        expect_status "$name" 2
      fi ;;
  esac
done
run usage_no_module
expect_status usage_no_module 2
run missing_module "$tmp/does-not-exist.wasm"
expect_status missing_module 2
run bad_dir --dir "$tmp/does-not-exist" "$seeds/hello.wasm"
expect_status bad_dir 2
run bad_option --frobnicate 1 "$seeds/hello.wasm"
expect_status bad_option 2

# ---- the seed modules, as their README says ------------------------------------------------
if [[ ! -f $seeds/hello.wasm ]]; then
  echo "SKIP wasi-seeds: no seed modules in $seeds"
  exit 0
fi
run seed_hello "$seeds/hello.wasm"
expect_output seed_hello 0 "hello"
run seed_hello_arg "$seeds/hello.wasm" 20000
expect_output seed_hello_arg 0 "hello
20000"

mkdir -p seedroot
run seed_example_main --dir "$tmp/seedroot::/" --env FOO=bar "$seeds/wasi_example_main.wasm" test
if [[ $rc == 0 ]]; then
  head -1 seed_example_main.out | grep -qE '^Random number: -?[0-9]+$' || fail example_main_random "line 1: $(head -1 seed_example_main.out)"
  sed -n 2p seed_example_main.out | grep -qE '^Random bytes: \[([0-9]{1,3}, ){127}[0-9]{1,3}\]$' || fail example_main_bytes "line 2 is wrong"
fi
tail -n +3 seed_example_main.out >seed_example_main.rest
mv seed_example_main.rest seed_example_main.out
expect_output seed_example_main 0 "Printed from wasi: This is from a main function
This is from a main function
The env vars are as follows.
FOO: bar
The args are as follows.
wasi_example_main.wasm
test
File content is This is in a file"
[[ -z $(ls seedroot) ]] || fail seed_example_main_cleanup "left behind: $(ls seedroot)"

demo=$seeds/wasi-demo-app.wasm
run seed_demo_echo "$demo" echo hello wasm world
if [[ $rc == 0 ]] && ! grep -qx exiting seed_demo_echo.err && ! grep -qx exiting seed_demo_echo.out; then
  fail seed_demo_echo "no 'exiting'"
else
  [[ $(head -1 seed_demo_echo.out) == "hello wasm world" ]] || fail seed_demo_echo_text "got $(head -1 seed_demo_echo.out)"
  expect_status seed_demo_echo 0
fi
start=$(date +%s%N)
run seed_demo_sleep "$demo" sleep 1
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
if ((elapsed_ms < 1000 || elapsed_ms > 5000)); then
  fail seed_demo_sleep "slept $elapsed_ms ms"
else
  expect_status seed_demo_sleep 0
fi
run seed_demo_exit "$demo" exit 42
expect_status seed_demo_exit 42
run seed_demo_write --dir "$tmp/seedroot::/" "$demo" write /written.txt "some text"
if [[ $rc == 0 && $(cat seedroot/written.txt 2>/dev/null) != "some text" ]]; then
  fail seed_demo_write "file holds '$(cat seedroot/written.txt 2>/dev/null)'"
else
  expect_status seed_demo_write 0
fi
run seed_demo_unknown "$demo" frobnicate
if [[ $rc == 1 ]] && ! grep -qx "unknown command: frobnicate" seed_demo_unknown.out seed_demo_unknown.err; then
  fail seed_demo_unknown "no 'unknown command' message"
else
  expect_status seed_demo_unknown 1
fi

verse="This is a song that never ends.
Yes, it goes on and on my friends.
Some people started singing it not knowing what it was,
So they'll continue singing it forever just because..."
# The daemon runs until killed: stop it with a signal after ~2 s.
"$wasmcri" run "$demo" daemon >seed_demo_daemon.out 2>seed_demo_daemon.err </dev/null &
pid=$!
bg_pids+=("$pid")
sleep 2
if ! kill -0 "$pid" 2>/dev/null; then
  fail seed_demo_daemon "ended on its own"
else
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null
  if [[ $(head -4 seed_demo_daemon.out) != "$verse" || -n $(sed -n 5p seed_demo_daemon.out) ]]; then
    fail seed_demo_daemon "output: $(head -5 seed_demo_daemon.out | tr '\n' '|')"
  elif [[ $mode == asan ]] && ! sanitizer_clean seed_demo_daemon.err; then
    fail seed_demo_daemon "sanitizer report"
  else
    pass seed_demo_daemon
  fi
fi
# With no argument it is the same daemon; --timeout ends it (exit 124).
run seed_demo_default --timeout 1.5 "$demo"
if [[ $rc == 124 && "$(head -4 seed_demo_default.out)" != "$verse" ]]; then
  fail seed_demo_default "output: $(head -4 seed_demo_default.out | tr '\n' '|')"
else
  expect_status seed_demo_default 124
fi
exit 0
