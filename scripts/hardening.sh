#!/usr/bin/env bash
# scripts/hardening.sh: the checks beyond the main ctest run (docs/hardening.md).
#
#   bash scripts/hardening.sh [STEP...]     (default: all)
#
#   static    clang-format --dry-run --Werror, cppcheck, clang-tidy (.clang-tidy)
#             over host/ sdk/ plugins/ (format: also tests/ examples/), using
#             the main build's compile_commands.json
#   asan      build-asan (gcc, -DSMCP_SANITIZE=ON -DSMCP_WERROR=ON): ctest of the
#             unit, protocol, client and fuzz-replay suites plus one real
#             profile per Scalene version (label smoke); any ASan, LSan or
#             UBSan report in any process fails the step
#   valgrind  ctest -L valgrind in the main build: the protocol suite and one
#             end-to-end run per Scalene version with the server under memcheck
#   fuzz      build-fuzz (clang, libFuzzer + ASan + UBSan): every target for
#             SMCP_FUZZ_SECONDS (default 60) seconds, two at a time; a crash,
#             leak, timeout or failed check fails the step, and the input is
#             kept in build-fuzz/artifacts/TARGET/ (and printed in base64)
#   format    not a check: clang-format -i over the files the check covers
#
# Run after scripts/setup.sh (scripts/test.sh does both). Prints the wall time
# of every step; exits non-zero when any step failed. A step whose tools are
# missing fails too, unless SMCP_HARDENING_ALLOW_SKIP=1.
#
# Environment: SMCP_BUILD_DIR (main build, default build), SMCP_JOBS,
# SMCP_FUZZ_SECONDS, SMCP_FUZZ_PARALLEL (default 2), SMCP_HARDENING_ALLOW_SKIP.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD_DIR=${SMCP_BUILD_DIR:-$ROOT/build}
ASAN_DIR=$ROOT/build-asan
FUZZ_DIR=$ROOT/build-fuzz
JOBS=${SMCP_JOBS:-$(nproc 2>/dev/null || echo 2)}
FUZZ_SECONDS=${SMCP_FUZZ_SECONDS:-60}
FUZZ_PARALLEL=${SMCP_FUZZ_PARALLEL:-2}
FUZZ_TARGETS=(rpc scalene config codec)

log() { printf 'hardening: %s\n' "$*" >&2; }

# Runs a noisy command with its output in a log file; shows the log on failure.
quiet() {
  local logfile=$1
  shift
  if ! "$@" >"$logfile" 2>&1; then
    cat "$logfile" >&2
    log "failed: $* (log: $logfile)"
    return 1
  fi
}

missing() {
  log "$1"
  if [ "${SMCP_HARDENING_ALLOW_SKIP:-0}" = 1 ]; then
    log "skipped (SMCP_HARDENING_ALLOW_SKIP=1)"
    return 0
  fi
  return 1
}

# ------------------------------------------------------------------ static
# The C files every static check looks at.
c_sources() {
  git -C "$ROOT" ls-files --cached --others --exclude-standard -- \
    'host/*.c' 'host/*.h' 'sdk/*.c' 'sdk/*.h' 'plugins/*.c' 'plugins/*.h' "$@" |
    while read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done
}

step_static() {
  local rc=0 t
  for t in clang-format cppcheck clang-tidy; do
    command -v "$t" >/dev/null 2>&1 || { missing "$t is not installed" || return 1; return 0; }
  done
  local db=$BUILD_DIR/compile_commands.json
  [ -f "$db" ] || { log "no $db (scripts/setup.sh configures with CMAKE_EXPORT_COMPILE_COMMANDS)"; return 1; }

  # clang-format: the whole C tree, tests and examples included
  mapfile -t fmt < <(c_sources 'tests/*.c' 'tests/*.h' 'examples/*.c' 'examples/*.h')
  log "clang-format --dry-run --Werror (${#fmt[@]} files)"
  if ! clang-format --dry-run --Werror "${fmt[@]}" 2>"$BUILD_DIR/clang-format.log"; then
    head -n 40 "$BUILD_DIR/clang-format.log" >&2
    log "clang-format: these files differ from .clang-format (fix: bash scripts/hardening.sh format):"
    grep -oE '^[^: ]+:[0-9]+:[0-9]+: (error|warning)' "$BUILD_DIR/clang-format.log" | cut -d: -f1 | sort -u >&2
    rc=1
  fi

  # cppcheck: host/ sdk/ plugins/ as the main build compiles them
  log "cppcheck (host/ sdk/ plugins/)"
  # Suppressions, each with its reason:
  #  missingIncludeSystem: system headers are not cppcheck's business here.
  #  duplicateAssignExpression: seeding min and max from the same first
  #    element (lo = x[0], hi = x[0]) is the idiom, not a copy-paste slip.
  #  nullPointerArithmeticRedundantCheck in run_procs.c: the read loop runs
  #    only while buf is non-NULL; cppcheck 2.10 misreads the realloc loop.
  if ! cppcheck --project="$db" --enable=warning,portability,performance --inline-suppr \
    --error-exitcode=1 -q -j "$JOBS" \
    --suppress=missingIncludeSystem \
    --suppress=duplicateAssignExpression \
    --suppress="nullPointerArithmeticRedundantCheck:$ROOT/host/run_procs.c" \
    --file-filter="$ROOT/host/*" --file-filter="$ROOT/sdk/*" --file-filter="$ROOT/plugins/*" \
    >"$BUILD_DIR/cppcheck.log" 2>&1; then
    grep -v '^Checking\|^[0-9]*/[0-9]* files checked' "$BUILD_DIR/cppcheck.log" | head -n 80 >&2
    log "cppcheck found problems (log: $BUILD_DIR/cppcheck.log)"
    rc=1
  fi

  # clang-tidy: host/ and plugins/ translation units of the main build
  mapfile -t tus < <(c_sources | grep '\.c$')
  log "clang-tidy (${#tus[@]} files, checks from .clang-tidy)"
  local runner
  runner=$(command -v run-clang-tidy || command -v run-clang-tidy-14 || true)
  if [ -n "$runner" ]; then
    # run-clang-tidy takes regexes; anchor each file
    local re
    re=$(printf '%s|' "${tus[@]}" | sed 's/|$//; s/\./\\./g')
    "$runner" -quiet -p "$BUILD_DIR" -j "$JOBS" "$ROOT/($re)\$" >"$BUILD_DIR/clang-tidy.log" 2>&1
  else
    clang-tidy --quiet -p "$BUILD_DIR" "${tus[@]}" >"$BUILD_DIR/clang-tidy.log" 2>&1
  fi
  sed -i 's/\x1b\[[0-9;]*m//g' "$BUILD_DIR/clang-tidy.log" # no colour codes
  if grep -qE '(warning|error): ' "$BUILD_DIR/clang-tidy.log"; then
    grep -E -A3 '(warning|error): ' "$BUILD_DIR/clang-tidy.log" | head -n 120 >&2
    log "clang-tidy: $(grep -cE '(warning|error): ' "$BUILD_DIR/clang-tidy.log") findings (log: $BUILD_DIR/clang-tidy.log)"
    rc=1
  fi
  return $rc
}

# Not a check: rewrites the files the clang-format check looks at.
step_format() {
  mapfile -t fmt < <(c_sources 'tests/*.c' 'tests/*.h' 'examples/*.c' 'examples/*.h')
  local f n=0
  for f in "${fmt[@]}"; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 && continue
    clang-format -i "$f" && log "formatted $f" && n=$((n + 1))
  done
  log "clang-format -i: $n of ${#fmt[@]} files changed"
}

# ------------------------------------------------------------------ asan
step_asan() {
  log "configure and build $ASAN_DIR (-DSMCP_SANITIZE=ON -DSMCP_WERROR=ON)"
  quiet "$ROOT/.tools/asan-configure.log" cmake -S "$ROOT" -B "$ASAN_DIR" \
    -DSMCP_SANITIZE=ON -DSMCP_WERROR=ON || return 1
  quiet "$ROOT/.tools/asan-build.log" cmake --build "$ASAN_DIR" -j "$JOBS" || return 1
  local reports=$ASAN_DIR/sanitizer-reports
  rm -rf "$reports"
  mkdir -p "$reports"
  # Every report of every instrumented process (servers started by tests,
  # unit suites and their forked children) lands in $reports, whatever the
  # test does with stderr; ctest passing is not enough, the directory must
  # stay empty. The programs the server execs (Python, Scalene) are not
  # instrumented: gcc's ASan needs no LD_PRELOAD, so nothing of it reaches
  # them but these variables, which they ignore (scripts/e2e_smoke.py checks
  # the profiled program's LD_PRELOAD).
  local common="log_path=$reports/report:log_exe_name=1:print_stacktrace=1"
  export ASAN_OPTIONS="$common:detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
  export UBSAN_OPTIONS="$common:halt_on_error=1"
  export LSAN_OPTIONS="$common"
  export SMCP_NO_DLCLOSE=1 # leak stacks keep plugin frames
  log "ctest -L 'unit|protocol|client|fuzz|smoke' in $ASAN_DIR"
  local rc=0
  ctest --test-dir "$ASAN_DIR" --output-on-failure -j "$JOBS" \
    -L '^(unit|protocol|client|fuzz|smoke)$' >"$ASAN_DIR/ctest-asan.log" 2>&1 || rc=1
  unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS SMCP_NO_DLCLOSE
  tail -n 25 "$ASAN_DIR/ctest-asan.log" >&2
  if [ -n "$(ls -A "$reports")" ]; then
    log "sanitizer reports:"
    for f in "$reports"/*; do
      printf '==== %s\n' "$f" >&2
      head -n 80 "$f" >&2
    done
    rc=1
  fi
  [ $rc = 0 ] || log "asan: failed (ctest log: $ASAN_DIR/ctest-asan.log)"
  return $rc
}

# ------------------------------------------------------------------ valgrind
step_valgrind() {
  command -v valgrind >/dev/null 2>&1 || { missing "valgrind is not installed" || return 1; return 0; }
  # the test list is fixed at configure time: make sure it is current
  quiet "$BUILD_DIR/valgrind-configure.log" cmake "$BUILD_DIR" || return 1
  log "ctest -L valgrind in $BUILD_DIR (memcheck: protocol suite + e2e runs)"
  local rc=0
  SMCP_VALGRIND=1 ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" -L '^valgrind$' \
    >"$BUILD_DIR/ctest-valgrind.log" 2>&1 || rc=1
  tail -n 20 "$BUILD_DIR/ctest-valgrind.log" >&2
  if grep -q 'Not Run\|Skipped' "$BUILD_DIR/ctest-valgrind.log"; then
    log "valgrind: some tests did not run"
    rc=1
  fi
  return $rc
}

# ------------------------------------------------------------------ fuzz
step_fuzz() {
  command -v clang >/dev/null 2>&1 || { missing "clang is not installed" || return 1; return 0; }
  # libFuzzer's runtime (Debian: libclang-rt-*-dev) must be there
  local probe
  probe=$(mktemp -d)
  printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
  if ! clang -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >/dev/null 2>&1; then
    rm -rf "$probe"
    missing "clang cannot link -fsanitize=fuzzer (install libclang-rt-14-dev)" || return 1
    return 0
  fi
  rm -rf "$probe"
  log "configure and build $FUZZ_DIR (clang, libFuzzer, ASan, UBSan)"
  quiet "$ROOT/.tools/fuzz-configure.log" env CC=clang cmake -S "$ROOT" -B "$FUZZ_DIR" \
    -DSMCP_FUZZ=ON -DSMCP_SANITIZE=ON -DSMCP_E2E_TESTS=OFF \
    -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link || return 1
  quiet "$ROOT/.tools/fuzz-build.log" cmake --build "$FUZZ_DIR" -j "$JOBS" --target fuzzers || return 1

  local t running=0 rc=0
  declare -A pids=()
  for t in "${FUZZ_TARGETS[@]}"; do
    # new inputs go to the work corpus (kept between local runs); the seeds
    # in tests/fuzz/corpus are read, never written
    mkdir -p "$FUZZ_DIR/corpus/$t" "$FUZZ_DIR/artifacts/$t"
    rm -f "$FUZZ_DIR/artifacts/$t"/*
    # stderr of the code under test is noise (config warnings, server logs);
    # libFuzzer keeps its own and the sanitizers' reports on a dup of it
    local close_fd=0
    [ "$t" = config ] && close_fd=2
    log "fuzz $t for ${FUZZ_SECONDS}s"
    (
      cd "$FUZZ_DIR/artifacts/$t" &&
        SMCP_NO_DLCLOSE=1 "$FUZZ_DIR/tests/fuzz/fuzz_$t" \
          -max_total_time="$FUZZ_SECONDS" -timeout=30 -rss_limit_mb=2048 \
          -close_fd_mask=$close_fd -print_final_stats=1 \
          -artifact_prefix="$FUZZ_DIR/artifacts/$t/" \
          "$FUZZ_DIR/corpus/$t" "$ROOT/tests/fuzz/corpus/$t" >"$FUZZ_DIR/fuzz-$t.log" 2>&1
    ) &
    pids[$t]=$!
    running=$((running + 1))
    if [ $running -ge "$FUZZ_PARALLEL" ]; then
      wait -n
      running=$((running - 1))
    fi
  done
  for t in "${FUZZ_TARGETS[@]}"; do
    local st=0
    wait "${pids[$t]}" || st=$?
    local execs
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$FUZZ_DIR/fuzz-$t.log")
    if [ $st = 0 ] && [ -z "$(ls -A "$FUZZ_DIR/artifacts/$t")" ]; then
      log "fuzz $t: ok (${execs:-?} inputs, corpus $(find "$FUZZ_DIR/corpus/$t" -type f | wc -l) files)"
      continue
    fi
    rc=1
    log "fuzz $t: FAILED (status $st); log $FUZZ_DIR/fuzz-$t.log:"
    grep -v '^#[0-9]' "$FUZZ_DIR/fuzz-$t.log" | tail -n 60 >&2
    local a
    for a in "$FUZZ_DIR/artifacts/$t"/*; do
      [ -f "$a" ] || continue
      log "input kept: $a ($(wc -c <"$a") bytes)"
      log "reproduce: $FUZZ_DIR/tests/fuzz/fuzz_$t $a"
      log "then add it as tests/fuzz/corpus/$t/crash-<what>, fix, and rerun"
      if [ "$(wc -c <"$a")" -le 65536 ]; then
        log "base64 of the input:"
        base64 -w 100 "$a" >&2
      fi
    done
  done
  return $rc
}

# ------------------------------------------------------------------ main
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(static asan valgrind fuzz)
[ "${steps[*]}" = all ] && steps=(static asan valgrind fuzz)
summary=()
failed=0
for s in "${steps[@]}"; do
  case $s in static | asan | valgrind | fuzz | format) ;; *)
    log "unknown step '$s' (static, asan, valgrind, fuzz, all; or format)"
    exit 2
    ;;
  esac
  log "---- $s"
  start=$(date +%s)
  if "step_$s"; then st=ok; else st=FAILED failed=1; fi
  summary+=("$(printf '%-9s %-7s %4ss' "$s" "$st" "$(($(date +%s) - start))")")
done
log "---- summary (wall time per step)"
for l in "${summary[@]}"; do log "$l"; done
exit $failed
