#!/usr/bin/env bash
# scripts/test.sh: the whole test suite. Installs what is missing and builds
# (scripts/setup.sh), then runs every ctest suite in parallel. Extra arguments
# go to ctest (e.g. -L client, -R protocol).
#
# Without arguments (CI), the hardening steps follow the main ctest run
# (scripts/hardening.sh: static checks, the ASan+UBSan build, valgrind,
# libFuzzer; docs/hardening.md); SMCP_HARDENING=0 skips them. The exit status
# is non-zero when ctest or any hardening step failed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${SMCP_BUILD_DIR:-$ROOT/build}
bash "$ROOT/scripts/setup.sh"
echo "test: ctest --test-dir $BUILD_DIR --output-on-failure -j2 $*" >&2
if [ $# -gt 0 ] || [ "${SMCP_HARDENING:-1}" = 0 ]; then
  exec ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 "$@"
fi
start=$(date +%s)
rc=0
ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 || rc=$?
echo "test: ctest finished in $(($(date +%s) - start))s (status $rc)" >&2
hrc=0
SMCP_BUILD_DIR=$BUILD_DIR bash "$ROOT/scripts/hardening.sh" all || hrc=$?
[ $rc = 0 ] || { echo "test: FAILED: ctest (status $rc)" >&2; exit $rc; }
[ $hrc = 0 ] || { echo "test: FAILED: hardening steps (see the summary above)" >&2; exit $hrc; }
