#!/usr/bin/env bash
# The test command: installs what is missing, builds with gcc and with clang+ASan+UBSan, runs
# every test group against both builds. Ends with one line `N passed, N failed, N skipped`.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh || exit 1
bash scripts/build.sh release || { echo "0 passed, 1 failed"; exit 1; }
bash scripts/build.sh asan || { echo "0 passed, 1 failed"; exit 1; }
exec bash tests/run.sh
