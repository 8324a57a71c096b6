#!/usr/bin/env bash
# Unit tests of src/util.
build=${1:-build}
exec "$build/tests/util/test_util"
