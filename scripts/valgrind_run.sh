#!/usr/bin/env bash
# scripts/valgrind_run.sh: runs a test command with every scalene-mcp server
# it starts under valgrind memcheck, then fails when any valgrind log reports
# an error or a definite/indirect leak (ctest label "valgrind").
#
#   valgrind_run.sh LOGDIR SUPPRESSIONS COMMAND...
#
# The command gets the valgrind command line in $SMCP_TEST_WRAPPER (the
# protocol suite's mcpwire.py and scripts/e2e_smoke.py put it in front of
# the server). Each server process writes LOGDIR/vg.PID.log. Exits 77
# (ctest: skipped) unless SMCP_VALGRIND=1 -- scripts/hardening.sh valgrind
# sets it -- so a plain ctest run does not pay for valgrind.
set -uo pipefail
if [ "${SMCP_VALGRIND:-0}" != 1 ]; then
  echo "valgrind_run: skipped (set SMCP_VALGRIND=1, as scripts/hardening.sh valgrind does)" >&2
  exit 77
fi
if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind_run: valgrind is not installed" >&2
  exit 1
fi
logdir=$1 supp=$2
shift 2
rm -rf "$logdir"
mkdir -p "$logdir"
# Definite and indirect leaks are errors; "still reachable" (what exit()
# leaves to the OS) and "possible" are not. Children the server execs
# (Python, Scalene) run natively: no --trace-children.
export SMCP_TEST_WRAPPER="valgrind --tool=memcheck --leak-check=full \
--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
--error-exitcode=99 --num-callers=30 --gen-suppressions=all --suppressions=$supp \
--log-file=$logdir/vg.%p.log"
# keep plugin code mapped so leak stacks can name plugin functions
export SMCP_NO_DLCLOSE=1
"$@"
rc=$?
logs=("$logdir"/vg.*.log)
if [ ! -e "${logs[0]}" ]; then
  echo "valgrind_run: no valgrind log in $logdir: the server never ran under valgrind" >&2
  exit 1
fi
bad=0 killed=0
for f in "${logs[@]}"; do
  if grep -q 'ERROR SUMMARY: ' "$f"; then
    grep -q 'ERROR SUMMARY: 0 errors' "$f" && continue
  elif ! grep -qE '^==[0-9]+== +(Invalid|Conditional|Use of uninitialised|Syscall param|Mismatched|Source and destination|Argument .* fishy|[0-9,]+ bytes in [0-9,]+ blocks are (definitely|indirectly) lost)' "$f"; then
    killed=$((killed + 1)) # killed on purpose by the test (no summary), no error before
    continue
  fi
  echo "valgrind_run: errors in $f:" >&2
  cat "$f" >&2
  bad=1
done
[ $killed = 0 ] || echo "valgrind_run: $killed process(es) ended without a summary (killed by the test); no error before that" >&2
echo "valgrind_run: ${#logs[@]} server process(es) checked, $([ $bad = 0 ] && echo clean || echo ERRORS)" >&2
[ $bad = 0 ] || exit 1
exit $rc
