#!/usr/bin/env bash
# scripts/demo.sh: install what is missing and build (scripts/setup.sh), then
# drive the real server over stdio with a small MCP client: list its tools and,
# when profiling is available, profile examples/demo/hot_loop.py and print
# what it found. Extra arguments go to scripts/mcp_demo_client.py.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${SMCP_BUILD_DIR:-$ROOT/build}
bash "$ROOT/scripts/setup.sh"
# The server runs Scalene with this interpreter (the venv has Scalene 2.4.0).
export SCALENE_PYTHON_EXECUTABLE=${SCALENE_PYTHON_EXECUTABLE:-$ROOT/.venv/bin/python}
# The repository's default configuration (conf/scalene-mcp.ini), as installed.
exec "$ROOT/.venv/bin/python" "$ROOT/scripts/mcp_demo_client.py" \
  --server "$BUILD_DIR/scalene-mcp" --config "$ROOT/conf/scalene-mcp.ini" \
  --script "$ROOT/examples/demo/hot_loop.py" "$@"
