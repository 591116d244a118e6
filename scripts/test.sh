#!/usr/bin/env bash
# scripts/test.sh: the whole test suite. Installs what is missing and builds
# (scripts/setup.sh), then runs every ctest suite in parallel. The exit status
# is ctest's. Extra arguments go to ctest (e.g. -L client, -R protocol).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${SMCP_BUILD_DIR:-$ROOT/build}
bash "$ROOT/scripts/setup.sh"
echo "test: ctest --test-dir $BUILD_DIR --output-on-failure -j2 $*" >&2
exec ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 "$@"
