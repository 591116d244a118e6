#!/usr/bin/env python3
"""e2e_smoke.py - one real profiling run through the server, for memory checkers.

Starts scalene-mcp (optionally under a wrapper such as valgrind), profiles
tests/workloads/env_dump.py with the given interpreter's Scalene, reads the
profile back through every kind of tool, resource and prompt, deletes it,
closes stdin and requires a clean exit (status 0: an ASan/LSan report or a
valgrind error makes it non-zero). The workload writes its environment to a
file: the profiled program must not inherit a sanitizer or valgrind preload
from the server (LD_PRELOAD of libasan or vgpreload would break Python).

  e2e_smoke.py --binary build/scalene-mcp --plugin-dir build/plugins \
               --python .venv/bin/python [--wrapper "valgrind ..."] [--timeout 600]

--wrapper defaults to $SMCP_TEST_WRAPPER (set by scripts/valgrind_run.sh).

Exit status 0 on success, 1 on failure, 77 (ctest: skipped) when the
interpreter or its Scalene is missing. Stdlib only.
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD = os.path.join(HERE, "..", "tests", "workloads", "env_dump.py")
ANALYSIS_PLUGINS = ["hotspots", "functions", "leaks", "bottlenecks", "gpu", "comparator"]


class Smoke:
    def __init__(self, cmd, env, timeout):
        self.timeout = timeout
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        self.msgs = []
        self.cv = threading.Condition()
        self.err = []
        threading.Thread(target=self._out, daemon=True).start()
        threading.Thread(target=self._errs, daemon=True).start()
        self.next_id = 1

    def _out(self):
        for raw in iter(self.proc.stdout.readline, b""):
            try:
                obj = json.loads(raw)
            except ValueError:
                obj = {"_unparsable": raw.decode("utf-8", "replace")}
            with self.cv:
                self.msgs.append(obj)
                self.cv.notify_all()
        with self.cv:
            self.msgs.append(None)
            self.cv.notify_all()

    def _errs(self):
        for raw in iter(self.proc.stderr.readline, b""):
            self.err.append(raw.decode("utf-8", "replace"))

    def send(self, obj):
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())
        self.proc.stdin.flush()

    def request(self, method, params=None):
        rid = self.next_id
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        deadline = time.monotonic() + self.timeout
        with self.cv:
            while True:
                for m in self.msgs:
                    if m is None:
                        fail("server closed stdout while waiting for %s" % method, self)
                    if m.get("id") == rid and ("result" in m or "error" in m):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    fail("no answer to %s within %ss" % (method, self.timeout), self)
                self.cv.wait(left)

    def ok(self, method, params=None):
        m = self.request(method, params)
        if "error" in m:
            fail("%s: error %r" % (method, m["error"]), self)
        return m["result"]

    def tool(self, name, args):
        r = self.ok("tools/call", {"name": name, "arguments": args})
        if r.get("isError"):
            fail("%s: tool error: %s" % (name, r.get("content")), self)
        return r

    def close(self):
        self.proc.stdin.close()
        try:
            return self.proc.wait(self.timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("server did not exit within %ss of stdin EOF" % self.timeout, self)


def fail(why, smoke=None):
    print("e2e_smoke: FAIL: %s" % why, file=sys.stderr)
    if smoke is not None:
        if smoke.proc.poll() is None:
            smoke.proc.kill()
            smoke.proc.wait()
        print("---- server stderr (last 60 lines)", file=sys.stderr)
        sys.stderr.write("".join(smoke.err[-60:]))
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--plugin-dir", required=True)
    ap.add_argument("--python", required=True, help="interpreter with Scalene installed")
    ap.add_argument("--wrapper", default=os.environ.get("SMCP_TEST_WRAPPER", ""),
                    help="command prefix, e.g. 'valgrind -q' (default: $SMCP_TEST_WRAPPER)")
    ap.add_argument("--timeout", type=float, default=300)
    a = ap.parse_args()
    a.python = os.path.abspath(a.python) if os.sep in a.python else a.python

    if not os.access(a.python, os.X_OK) or subprocess.run(
            [a.python, "-c", "import scalene"], capture_output=True).returncode != 0:
        print("e2e_smoke: skipped: %s has no Scalene" % a.python, file=sys.stderr)
        return 77

    work = tempfile.mkdtemp(prefix="smcp-smoke-")
    ini = os.path.join(work, "smoke.ini")
    env_out = os.path.join(work, "env.json")
    plugins = [p for p in ANALYSIS_PLUGINS
               if os.path.exists(os.path.join(a.plugin_dir, p + ".so"))]
    with open(ini, "w") as f:
        f.write("[server]\nplugin_dir = %s\nlog_level = notice\n\n"
                "[scalene]\ntimeout = 120\nmax_timeout = 600\n\n"
                "[storage]\nbackend = memory\n\n[plugin.memory]\n" % a.plugin_dir)
        for p in plugins:
            f.write("[plugin.%s]\n" % p)

    env = dict(os.environ)
    env.pop("PYTHONMALLOC", None)
    cmd = shlex.split(a.wrapper) + [a.binary, "--config", ini]
    started = time.monotonic()
    s = Smoke(cmd, env, a.timeout)
    s.ok("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                        "clientInfo": {"name": "e2e-smoke", "version": "1"}})
    s.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    tools = {t["name"] for t in s.ok("tools/list")["tools"]}

    r = s.tool("profile_script", {"script": os.path.abspath(WORKLOAD), "python": a.python,
                                  "cwd": work, "env": {"SMCP_ENV_OUT": env_out},
                                  "label": "smoke"})
    pid = (r.get("structuredContent") or {}).get("profile_id")
    if not pid:
        fail("profile_script gave no profile_id: %r" % r, s)

    # the profiled program's environment: no sanitizer runtime or valgrind preload
    try:
        with open(env_out) as f:
            child_env = json.load(f)
    except (OSError, ValueError) as e:
        fail("the workload did not write its environment (%s)" % e, s)
    preload = child_env.get("LD_PRELOAD", "")
    for bad in ("libasan", "libubsan", "liblsan", "vgpreload", "valgrind"):
        if bad in preload:
            fail("the profiled program got LD_PRELOAD=%s from the server" % preload, s)

    s.tool("list_profiles", {})
    s.tool("get_profile", {"profile_id": pid})
    s.tool("get_profile", {"profile_id": pid, "section": "timeline"})
    s.tool("get_file_details", {"profile_id": pid, "file": "env_dump.py", "sort_by": "cpu"})
    s.tool("analyze_profile", {"profile_id": pid})
    for name, args in [("get_cpu_hotspots", {}), ("get_memory_hotspots", {}),
                       ("get_function_summary", {}), ("get_memory_leaks", {}),
                       ("get_bottlenecks", {}), ("get_call_paths", {}),
                       ("compare_profiles", {"before_id": pid, "after_id": pid})]:
        if name in tools:
            if name != "compare_profiles":
                args = dict(args, profile_id=pid)
            s.tool(name, args)
    s.ok("resources/read", {"uri": "scalene://profile/%s/summary" % pid})
    s.ok("prompts/get", {"name": "compare_versions",
                         "arguments": {"before_id": pid, "after_id": pid}})
    s.tool("delete_profile", {"profile_id": pid})
    rc = s.close()
    if rc != 0:
        fail("server exit status %d (a sanitizer or valgrind report?)" % rc, s)
    print("e2e_smoke: ok: profiled with %s, %d tools, %.1f s" %
          (a.python, len(tools), time.monotonic() - started), file=sys.stderr)
    subprocess.run(["rm", "-rf", work])
    return 0


if __name__ == "__main__":
    sys.exit(main())
