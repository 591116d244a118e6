"""Shared helpers for the storage tests: INI files for a backend, running
the real binary once (--import/--export/--check-config), synthetic export
lines, and the protocol tests' MCP driver (tests/protocol/mcpwire.py)."""

import json
import os
import resource
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "protocol"))

import mcpwire  # noqa: E402  (the protocol tests' driver)

BINARY = os.environ.get("SMCP_BINARY", "")
PLUGIN_DIR = os.environ.get("SMCP_PLUGIN_DIR", "")
PYTHON_2X = os.environ.get("SMCP_PYTHON_2X", "")
HANG = 120


def location_key(backend):
    return {"sqlite": "db_path", "file": "dir"}[backend]


def write_ini(dirname, backend, location, extra="", name=None, python=None):
    """An INI file selecting `backend` at `location` (database file or store
    directory). `extra` is appended to the backend's section."""
    lines = ["[server]", "log_level = warning", ""]
    if python:
        lines += ["[scalene]", "python = %s" % python, "timeout = 120", ""]
    lines += ["[storage]", "backend = %s" % backend, "",
              "[plugin.%s]" % backend, "%s = %s" % (location_key(backend), location)]
    if extra:
        lines.append(extra)
    path = os.path.join(dirname, name or ("%s.ini" % backend))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def run(args, env=None, preexec_fn=None, user=None, stdin=None, timeout=HANG):
    """Runs the binary to completion; text stdout/stderr."""
    full = dict(os.environ)
    full.update(env or {})
    return subprocess.run([BINARY] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=stdin if stdin is not None else subprocess.DEVNULL,
                          env=full, preexec_fn=preexec_fn, user=user, timeout=timeout, text=True)


def fsize_limit(nbytes):
    """preexec_fn: the child may not grow files beyond nbytes (a full disk)."""
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, resource.RLIM_INFINITY))
    return limit


def record(id_, created_ms, doc, target="/srv/app.py", label="", meta=None):
    """One --export line (as a dict) for a synthetic profile."""
    return {"id": id_, "created_ms": created_ms, "target": target, "label": label,
            "meta": meta if meta is not None else {"outcome": "ok", "elapsed_sec": 1.5},
            "doc_bytes": len(doc.encode("utf-8")), "doc": doc}


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
    return path


def scratch(testcase, prefix="smcp-storage-"):
    d = tempfile.TemporaryDirectory(prefix=prefix)
    testcase.addCleanup(d.cleanup)
    return d.name
