#!/usr/bin/env python3
"""The benchmark harness: one command measures scalene-mcp side by side with
the Python reference server (scalene-mcp 0.1.0 from PyPI) and bare Scalene,
and writes docs/benchmarks.md (Markdown) and bench/results.json (raw numbers).

    cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release && cmake --build build-bench -j2
    python3 bench/bench.py --build build-bench

The first run installs the reference into bench/.venv-ref (gitignored; see
bench/reference.py) with the same Scalene version as .venv; --no-reference
skips everything that needs it. Both servers are driven by the same small MCP
client over stdio (this file). Every figure is the median of repeated runs
with min and max; ratios are ours/theirs unless a row says otherwise.
Sections (--only NAME,NAME runs some; the page keeps the other sections of
the previous bench/results.json, each marked with when and by which command it
was measured, unless --fresh):

  startup   1. cold start: spawn to `tools/list` answered (20 runs), ours
               (memory and sqlite backends) and the reference; idle RSS
  memory    2. RSS idle and after 20 stored profiles, each server
  profile   3. the same script profiled through each server and by the same
               Scalene command run directly (server/bare wall time), ours
               with the fast start on and off; plus what the profiled
               program saw in sys.argv through each
  analysis  4. each server profiles a small script and a generated script
               whose profile is ~20 MB (bench/gen_big_script.py), twice each;
               then analyze_profile, get_cpu_hotspots and compare_profiles
               (ours) against analyze(metric_type=all|cpu) and
               compare_profiles (reference). The reference's answers are
               checked against Scalene's own JSON of the same workload; where
               it fails or answers wrongly, that is recorded instead of a ratio
  storage   5. put/get/list at 10,000 profiles per storage backend
               (bench/storage_bench.c)
  parse     6. parse time of a ~1 MB and a ~20 MB real Scalene profile
               (bench/parse_bench.c, linked against the host's smcp_core)

Tools that are not served (an analyzer plugin not built yet) are recorded as
"not available"; every plugin .so in BUILD/plugins is loaded as optional, so
new ones are picked up without changing this file. The C drivers are taken
from BUILD/bench/ when CMake built them, else compiled by this script into
BUILD/bench-harness/.

The workloads are bench/gen_big_script.py programs that read no arguments:
the reference puts Scalene flags into the program's sys.argv, so a script
that reads sys.argv[1] fails under it (section 3 records that on
tests/workloads/cpu_hot.py). A full run takes about 6-10 minutes on 2 cores;
run it on an otherwise idle machine (the page records the load average).

--smoke runs every section once with tiny sizes and without the reference
(ctest runs it as bench.smoke so the harness keeps working; < 30 s); it
writes nothing unless --out DIR is given.
"""
import argparse
import glob
import json
import os
import platform
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import gen_big_script  # noqa: E402  (bench/, beside this file)
import reference  # noqa: E402

STORAGE_PLUGINS = ("memory", "sqlite", "file")
CALL_TIMEOUT = 900.0
ARGV_READER = os.path.join(ROOT, "tests", "workloads", "cpu_hot.py")  # reads sys.argv[1]
SMALL_LINES = 60  # the small workload: a gen_big_script.py program of 60 lines

ARGV_SCRIPT = '''import json, os, sys
with open(os.environ.get("BENCH_ARGV_OUT") or os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "argv_seen.json"), "w") as f:
    json.dump(sys.argv, f)
acc = 0
for i in range(1_500_000):
    acc += i * i % 7
print(acc)
'''


# ---------------------------------------------------------------- client

class ToolError(RuntimeError):
    pass


class Client:
    """A minimal MCP client over stdio: one JSON message per line, reads
    with a deadline, and keeps (does not choke on) stray non-JSON lines a
    server writes to stdout."""

    def __init__(self, argv, env=None, cwd=None, stderr_path=None):
        self.stderr_path = stderr_path
        err = open(stderr_path, "ab") if stderr_path else subprocess.DEVNULL
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=err, env=env, cwd=cwd)
        if stderr_path:
            err.close()
        self.buf = bytearray()
        self.scan = 0
        self.n = 0
        self.stray = []

    def _readline(self, deadline):
        fd = self.p.stdout.fileno()
        while True:
            i = self.buf.find(b"\n", self.scan)
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 1]
                self.scan = 0
                return line
            self.scan = len(self.buf)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from the server in time")
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise RuntimeError("server exited" + self._stderr_tail())
                self.buf += chunk

    def _stderr_tail(self):
        if not self.stderr_path:
            return ""
        try:
            with open(self.stderr_path, "rb") as f:
                return ": " + f.read()[-600:].decode("utf-8", "replace")
        except OSError:
            return ""

    def send(self, msg):
        self.p.stdin.write((json.dumps(msg) + "\n").encode())
        self.p.stdin.flush()

    def request(self, method, params=None, timeout=CALL_TIMEOUT):
        self.n += 1
        msg = {"jsonrpc": "2.0", "id": self.n, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        deadline = time.monotonic() + timeout
        while True:
            line = self._readline(deadline)
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except ValueError:
                self.stray.append(line[:200].decode("utf-8", "replace"))
                continue
            if isinstance(r, dict) and r.get("id") == self.n:
                if "error" in r:
                    raise RuntimeError(f"{method}: {r['error']}")
                return r["result"]

    def initialize(self):
        r = self.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                        "clientInfo": {"name": "bench", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return r

    def tools(self):
        names, cursor = [], None
        while True:
            r = self.request("tools/list", {"cursor": cursor} if cursor else None)
            names += [t["name"] for t in r.get("tools", [])]
            cursor = r.get("nextCursor")
            if not cursor:
                return names

    def call(self, tool, args, timeout=CALL_TIMEOUT):
        """(result, seconds); raises ToolError on isError."""
        t0 = time.perf_counter()
        r = self.request("tools/call", {"name": tool, "arguments": args}, timeout)
        dt = time.perf_counter() - t0
        if r.get("isError"):
            text = " ".join(c.get("text", "") for c in r.get("content", []))
            raise ToolError(f"{tool}: {text.strip()[:400]}")
        return r, dt

    def status_kb(self, key):
        try:
            with open(f"/proc/{self.p.pid}/status") as f:
                for line in f:
                    if line.startswith(key + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def rss_mb(self):
        return self.status_kb("VmRSS") / 1024

    def hwm_mb(self):
        return self.status_kb("VmHWM") / 1024

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.terminate()
            self.p.wait(timeout=30)


def structured(r):
    """structuredContent, else the JSON of the first text block, else {}."""
    if isinstance(r.get("structuredContent"), dict):
        return r["structuredContent"]
    for c in r.get("content", []):
        if c.get("type") == "text":
            try:
                v = json.loads(c["text"])
                return v if isinstance(v, dict) else {"result": v}
            except ValueError:
                pass
    return {}


# ---------------------------------------------------------------- helpers

def stats(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def ratio(a, b):
    if not a or not b or not b.get("median"):
        return None
    return a["median"] / b["median"]


class Servers:
    """How to start each server under test."""

    def __init__(self, a, work):
        self.a = a
        self.work = work
        self.binary = os.path.join(a.build, "scalene-mcp")
        self.plugin_dir = os.path.join(a.build, "plugins")
        self.ref = None  # (argv, env) once the reference venv is ready
        self.n = 0

    def plugins(self):
        return sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(self.plugin_dir,
                                                                                "*.so")))

    def has_backend(self, name):
        return name in self.plugins()

    def ours_config(self, backend="memory", fast_start=True):
        self.n += 1
        d = os.path.join(self.work, f"ours{self.n}")
        os.makedirs(d, exist_ok=True)
        lines = ["[server]", "log_level = error", "[scalene]",
                 f"fast_start = {'true' if fast_start else 'false'}", "max_timeout = 3600",
                 "[storage]", f"backend = {backend}", "max_profiles = 0"]
        if backend == "memory":
            lines += ["[plugin.memory]", "max_profiles = 10000000"]
        elif backend == "sqlite":
            lines += ["[plugin.sqlite]", f"db_path = {d}/profiles.db"]
        elif backend == "file":
            lines += ["[plugin.file]", f"dir = {d}/profiles"]
        for name in self.plugins():  # every analyzer plugin that is built
            if name not in STORAGE_PLUGINS:
                lines += [f"[plugin.{name}]", "optional = true"]
        path = os.path.join(d, "bench.ini")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path, d

    def start_ours(self, backend="memory", fast_start=True):
        conf, d = self.ours_config(backend, fast_start)
        env = dict(os.environ)
        for k in ("SCALENE_MCP_CONFIG", "SCALENE_MCP_STORAGE"):
            env.pop(k, None)
        return Client([self.binary, "--config", conf], env=env, cwd=d,
                      stderr_path=os.path.join(d, "stderr.log"))

    def start_reference(self):
        argv, env = self.ref
        self.n += 1
        d = os.path.join(self.work, f"ref{self.n}")
        os.makedirs(d, exist_ok=True)
        return Client(argv, env=env, cwd=d, stderr_path=os.path.join(d, "stderr.log"))

    def ours_profile(self, c, script, args, timeout=CALL_TIMEOUT):
        r, dt = c.call("profile_script", {"script": script, "script_args": list(args),
                                          "python": self.a.python, "timeout": 3600}, timeout)
        return structured(r), dt

    @staticmethod
    def ref_profile(c, script, args, timeout=CALL_TIMEOUT):
        req = {"type": "script", "script_path": script}
        if args:
            req["script_args"] = list(args)
        r, dt = c.call("profile", req, timeout)
        return structured(r), dt


class Work:
    """Scripts and bare Scalene profiles shared between sections."""

    def __init__(self, a, tmp):
        self.a = a
        self.tmp = tmp
        self.big = {}
        self.desc = {}
        self.bare = {}

    def script(self, lines, seconds):
        """A bench/gen_big_script.py program (reads no argv; hot() is
        gen_big_script.HOT_LINES); returns its path."""
        key = (lines, seconds)
        if key not in self.big:
            path = os.path.join(self.tmp, "scripts", f"prog_{lines}_{seconds:g}s.py")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(gen_big_script.generate(lines, seconds))
            self.big[key] = path
            self.desc[path] = f"bench/gen_big_script.py --lines {lines} --seconds {seconds:g}"
        return self.big[key]

    def small_script(self):
        return self.script(SMALL_LINES, 0.2 if self.a.smoke else 1.0)

    def sized_script(self, mb):
        """A program whose Scalene profile is about `mb` MB: (path, lines)."""
        lines = max(SMALL_LINES, int(mb * 1048576 / gen_big_script.BYTES_PER_LINE))
        return self.script(lines, 1.0), lines

    def argv_script(self):
        d = os.path.join(self.tmp, "argv")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "argv_dump.py")
        with open(path, "w") as f:
            f.write(ARGV_SCRIPT)
        return path

    def bare_cmd(self, script, out, args=()):
        return [self.a.python, "-m", "scalene", "run", "-o", out, "--no-stacks", script, "---",
                *args]

    def bare_profile(self, script, args=()):
        """Runs the plain Scalene command once; returns (path, wall seconds, doc summary)."""
        key = (script, tuple(args))
        if key not in self.bare:
            out = os.path.join(self.tmp, f"bare_{len(self.bare)}.json")
            t0 = time.perf_counter()
            subprocess.run(self.bare_cmd(script, out, args), check=True, cwd=self.tmp,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wall = time.perf_counter() - t0
            with open(out) as f:
                doc = json.load(f)
            info = {"bytes": os.path.getsize(out), "elapsed_time_sec": doc.get("elapsed_time_sec"),
                    "max_footprint_mb": doc.get("max_footprint_mb"),
                    "lines": sum(len(v.get("lines", [])) for v in doc.get("files", {}).values())}
            self.bare[key] = (out, wall, info)
        return self.bare[key]


# ---------------------------------------------------------------- 1. startup

def cold_start(start, runs):
    times, rss, tools, stray = [], [], None, 0
    for _ in range(runs):
        t0 = time.perf_counter()
        c = start()
        c.initialize()
        names = c.tools()
        times.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.2)  # settle, then read the idle RSS
        rss.append(c.rss_mb())
        stray += len(c.stray)
        c.close()
        tools = names
    return {"spawn_to_tools_list_ms": stats(times), "idle_rss_mb": stats(rss), "tools": tools,
            "stray_stdout_lines": stray}


def bench_startup(a, res, srv, work):
    runs = 3 if a.smoke else a.runs_startup
    out = {"runs": runs}
    order = [("ours_memory", lambda: srv.start_ours("memory"))]
    if not a.smoke and srv.has_backend("sqlite"):
        order.append(("ours_sqlite", lambda: srv.start_ours("sqlite")))
    if srv.ref:
        order.append(("reference", srv.start_reference))
    for name, start in order:
        print(f"bench: startup {name} x{runs}", file=sys.stderr)
        out[name] = cold_start(start, runs)
    if "reference" in out:
        ref = out["reference"]
        for name in ("ours_memory", "ours_sqlite"):
            if name in out:
                out[name]["ratio_start"] = ratio(out[name]["spawn_to_tools_list_ms"],
                                                 ref["spawn_to_tools_list_ms"])
                out[name]["ratio_idle_rss"] = ratio(out[name]["idle_rss_mb"], ref["idle_rss_mb"])
    out["definition"] = ("from Popen() to the tools/list response read by the client, after "
                         "initialize and notifications/initialized; idle RSS = VmRSS 0.2 s later")
    res["startup"] = out


# ---------------------------------------------------------------- 2. memory

def bench_memory(a, res, srv, work):
    n = 2 if a.smoke else 20
    script = work.script(SMALL_LINES, 0.2 if a.smoke else 0.5)
    order = [("ours_memory", lambda: srv.start_ours("memory"), srv.ours_profile)]
    if not a.smoke and srv.has_backend("sqlite"):
        order.append(("ours_sqlite", lambda: srv.start_ours("sqlite"), srv.ours_profile))
    if srv.ref:
        order.append(("reference", srv.start_reference, srv.ref_profile))
    out = {"profiles": n, "workload": work.desc[script]}
    for name, start, prof in order:
        print(f"bench: memory {name}: {n} profiles", file=sys.stderr)
        c = start()
        c.initialize()
        c.tools()
        time.sleep(0.2)
        row = {"idle_rss_mb": c.rss_mb(), "rss_mb": []}
        try:
            for _ in range(n):
                prof(c, script, [])
                row["rss_mb"].append(c.rss_mb())
            time.sleep(0.2)
            row["rss_after_mb"] = c.rss_mb()
            row["hwm_mb"] = c.hwm_mb()
        except (ToolError, RuntimeError, TimeoutError) as e:
            row["error"] = str(e)
        c.close()
        out[name] = row
    if "reference" in out and "rss_after_mb" in out["reference"]:
        for name in ("ours_memory", "ours_sqlite"):
            if name in out and "rss_after_mb" in out[name]:
                out[name]["ratio_after"] = (out[name]["rss_after_mb"]
                                            / out["reference"]["rss_after_mb"])
    res["memory"] = out


# ---------------------------------------------------------------- 3. profile

def argv_check(a, srv, work):
    """What the profiled program saw in sys.argv through each server and bare."""
    script = work.argv_script()
    seen_path = os.path.join(os.path.dirname(script), "argv_seen.json")
    expect = [script, "alpha", "--beta"]
    out = {"expected": expect}

    def seen():
        try:
            with open(seen_path) as f:
                return json.load(f)
        finally:
            if os.path.exists(seen_path):
                os.unlink(seen_path)

    runs = [("ours", lambda: srv.start_ours("memory"), srv.ours_profile)]
    if srv.ref:
        runs.append(("reference", srv.start_reference, srv.ref_profile))
    for name, start, prof in runs:
        c = start()
        c.initialize()
        try:
            prof(c, script, ["alpha", "--beta"])
            got = seen()
            out[name] = {"argv": got, "correct": got == expect}
        except (ToolError, RuntimeError, TimeoutError, OSError, ValueError) as e:
            out[name] = {"error": str(e)}
        # A test workload that reads its first argument (float(sys.argv[1])).
        try:
            prof(c, ARGV_READER, ["0.3"])
            out[name]["argv_reader"] = {"ok": True}
        except (ToolError, RuntimeError, TimeoutError) as e:
            out[name]["argv_reader"] = {"ok": False, "error": str(e)}
        c.close()
    return out


def bench_profile(a, res, srv, work):
    """Server profile_script wall time vs the same Scalene command run directly."""
    runs = 1 if a.smoke else a.runs_profile
    args = []
    script = work.small_script()
    clients = {"ours_fast_start": srv.start_ours("memory", True),
               "ours_plain": srv.start_ours("memory", False)}
    if srv.ref:
        clients["reference"] = srv.start_reference()
    for c in clients.values():
        c.initialize()
    walls = {k: [] for k in clients}
    walls["bare"] = []
    errors = {}
    argv_used = {}
    outfile = os.path.join(work.tmp, "bare_profile_section.json")
    bare_cmd = None
    for i in range(runs):  # round robin, so a drift in machine load hits every variant alike
        print(f"bench: profile run {i + 1}/{runs}", file=sys.stderr)
        for name, c in clients.items():
            if name in errors:
                continue
            try:
                if name == "reference":
                    _, dt = srv.ref_profile(c, script, args)
                else:
                    sc, dt = srv.ours_profile(c, script, args)
                    argv_used.setdefault(name, sc.get("argv"))
                walls[name].append(dt)
            except (ToolError, RuntimeError, TimeoutError) as e:
                errors[name] = str(e)
        if bare_cmd is None:
            # The same command our server ran (normal launch), output to our own file.
            used = argv_used.get("ours_plain")
            if used:
                bare_cmd = [(f"--outfile={outfile}" if x.startswith("--outfile=") else x)
                            for x in used]
                if "-o" in bare_cmd:
                    bare_cmd[bare_cmd.index("-o") + 1] = outfile
            else:
                bare_cmd = work.bare_cmd(script, outfile, args)
        t0 = time.perf_counter()
        subprocess.run(bare_cmd, check=True, cwd=os.path.dirname(script),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls["bare"].append(time.perf_counter() - t0)
    for c in clients.values():
        c.close()
    out = {"runs": runs, "workload": work.desc[script],
           "bare_command": bare_cmd, "server_argv": argv_used, "errors": errors}
    for k, v in walls.items():
        out[k] = stats(v)
    for k in ("ours_fast_start", "ours_plain", "reference"):
        if out.get(k):
            out[f"ratio_{k}_to_bare"] = ratio(out[k], out["bare"])
            out[f"ratio_{k}_to_bare_min"] = out[k]["min"] / out["bare"]["min"]
    if out.get("reference"):
        for k in ("ours_fast_start", "ours_plain"):
            if out.get(k):
                out[f"ratio_{k}_to_reference"] = ratio(out[k], out["reference"])
    print("bench: profile argv check", file=sys.stderr)
    out["argv_check"] = argv_check(a, srv, work)
    res["profile"] = out


# ---------------------------------------------------------------- 4. analysis

OURS_TOOLS = [("analyze_profile", "analyze_profile", lambda p1, p2: {"profile_id": p1}),
              ("get_cpu_hotspots", "get_cpu_hotspots", lambda p1, p2: {"profile_id": p1}),
              ("compare_profiles", "compare_profiles",
               lambda p1, p2: {"before_id": p1, "after_id": p2})]
REF_TOOLS = [("analyze(all)", "analyze", lambda p1, p2: {"profile_id": p1, "metric_type": "all"}),
             ("analyze(cpu)", "analyze", lambda p1, p2: {"profile_id": p1, "metric_type": "cpu"}),
             ("compare_profiles", "compare_profiles",
              lambda p1, p2: {"before_id": p1, "after_id": p2})]
PAIRS = [("analyze_profile", "analyze(all)"), ("get_cpu_hotspots", "analyze(cpu)"),
         ("compare_profiles", "compare_profiles")]


def time_tool(c, tool, args, warm):
    first, times, answer = None, [], None
    try:
        r, dt = c.call(tool, args)
        first, answer = dt * 1000, r
        for _ in range(warm):
            _, dt = c.call(tool, args)
            times.append(dt * 1000)
    except (ToolError, RuntimeError, TimeoutError) as e:
        return {"error": str(e)}, None
    return {"first_ms": first, "warm_ms": stats(times) if times else None}, answer


def ours_top(sc):
    hs = sc.get("hotspots") or []
    if not hs:
        return None
    h = hs[0]
    return {"line": h.get("line"), "last_line": h.get("last_line", h.get("line")),
            "cpu_percent": h.get("cpu_percent"), "file": h.get("file")}


def bench_analysis(a, res, srv, work):
    warm_small = 2 if a.smoke else a.runs_analysis
    warm_big = 2 if a.smoke else max(3, a.runs_analysis // 2)
    hot = gen_big_script.HOT_LINES
    loads = [("small", work.small_script(), [], hot, warm_small)]
    if not a.smoke:
        path, lines = work.sized_script(a.big_mb)
        loads.append(("big", path, [], hot, warm_big))
    out = {"workloads": {}, "ours": {}, "reference": {}, "pairs": [], "checks": []}
    for name, script, args, hot, _ in loads:
        print(f"bench: analysis: bare Scalene profile of {name}", file=sys.stderr)
        _, wall, info = work.bare_profile(script, args)
        out["workloads"][name] = {"script": work.desc.get(script, script),
                                  "args": args, "hot_lines": list(hot),
                                  "bare_profile": info, "bare_wall_s": wall}
    sides = [("ours", lambda: srv.start_ours("memory"))]
    if srv.ref:
        sides.append(("reference", srv.start_reference))
    for side, start in sides:
        c = start()
        c.initialize()
        served = set(c.tools())
        for name, script, args, hot, warm in loads:
            print(f"bench: analysis {side} {name}: profiling twice", file=sys.stderr)
            row = {"profile_wall_s": [], "tools": {}}
            ids = []
            try:
                for _ in range(2):
                    if side == "ours":
                        sc, dt = srv.ours_profile(c, script, args)
                    else:
                        sc, dt = srv.ref_profile(c, script, args)
                    ids.append(sc.get("profile_id"))
                    row["profile_wall_s"].append(dt)
                    if len(ids) == 1:
                        if side == "ours":
                            s = sc.get("summary", {})
                            row["elapsed_sec"] = s.get("elapsed_sec")
                            row["peak_mb"] = s.get("max_footprint_mb")
                        else:
                            s = sc.get("summary", {})
                            row["elapsed_sec"] = s.get("elapsed_time_sec")
                            row["peak_mb"] = s.get("max_memory_mb")
            except (ToolError, RuntimeError, TimeoutError) as e:
                row["error"] = str(e)
                out[side][name] = row
                continue
            row["ids"] = ids
            for label, tool, args_of in (OURS_TOOLS if side == "ours" else REF_TOOLS):
                if tool not in served:
                    row["tools"][label] = {"available": False}
                    continue
                print(f"bench: analysis {side} {name}: {label} x{warm + 1}", file=sys.stderr)
                t, answer = time_tool(c, tool, args_of(ids[0], ids[1]), warm)
                t["available"] = True
                if answer is not None:
                    sc = structured(answer)
                    if side == "ours" and tool == "get_cpu_hotspots":
                        t["top"] = ours_top(sc)
                    elif side == "reference":
                        t["answer"] = ref_answer_facts(label, sc)
                row["tools"][label] = t
            out[side][name] = row
        out[side]["stray_stdout_lines"] = c.stray[:5]
        c.close()
    for name, _, _, hot, _ in loads:
        out["checks"] += reference_checks(name, hot, out)
        for ours, ref in PAIRS:
            out["pairs"].append(pair(name, ours, ref, out))
    res["analysis"] = out


def ref_answer_facts(label, sc):
    """The parts of a reference answer the checks look at."""
    data = sc.get("data")
    if label == "analyze(all)" and isinstance(data, dict):
        m = re.search(r"\*\*Runtime\*\*: ([0-9.]+) seconds", data.get("summary_text", ""))
        cpu = [h for h in data.get("hotspots", []) if h.get("type") == "cpu"]
        return {"runtime_in_summary_text": float(m.group(1)) if m else None,
                "top_cpu": {"line": cpu[0]["lineno"], "cpu_percent": cpu[0]["cpu_percent"]}
                if cpu else None}
    if label == "analyze(cpu)" and isinstance(data, list):
        return {"top_cpu": {"line": data[0]["lineno"], "cpu_percent": data[0]["cpu_percent"]}
                if data else None}
    if label == "compare_profiles":
        return {k: sc.get(k) for k in ("runtime_before_sec", "runtime_after_sec",
                                       "runtime_change_percent", "memory_before_mb",
                                       "memory_after_mb", "cpu_before_samples",
                                       "cpu_after_samples")}
    return {}


def num(x, digits=3):
    return f"{x:.{digits}f}" if isinstance(x, (int, float)) and not isinstance(x, bool) else str(x)


def times_x(x):
    return "n/a" if x is None else (f"{x:.0f}x" if x >= 10 else f"{x:.2g}x")


def reference_checks(name, hot, out):
    """Compares the reference's answers with Scalene's own JSON of the same
    workload (a bare run) and with ours; each check says what was found."""
    ref = out["reference"].get(name)
    ours = out["ours"].get(name, {})
    bare = out["workloads"][name]["bare_profile"]
    if not ref:
        return []
    checks = []
    if "error" in ref:
        return [{"workload": name, "check": "profile", "ok": False,
                 "found": f"reference profile failed: {ref['error'][:300]}"}]
    b_el = bare.get("elapsed_time_sec") or 0
    r_el = ref.get("elapsed_sec")
    checks.append({"workload": name, "check": "runtime in profile summary",
                   "ok": bool(r_el) and abs(r_el - b_el) / max(b_el, 1e-9) < 0.5,
                   "found": f"reference elapsed_time_sec {num(r_el)}; ours "
                            f"{num(ours.get('elapsed_sec'))} (its own run); Scalene's JSON of a "
                            f"bare run: elapsed_time_sec {b_el:.3f}"})
    b_pk = bare.get("max_footprint_mb") or 0
    r_pk = ref.get("peak_mb")
    if b_pk > 5:
        checks.append({"workload": name, "check": "peak memory in profile summary",
                       "ok": bool(r_pk) and r_pk > b_pk / 2,
                       "found": f"reference max_memory_mb {num(r_pk, 1)}; ours "
                                f"{num(ours.get('peak_mb'), 1)}; Scalene's JSON of a bare run: "
                                f"max_footprint_mb {b_pk:.1f}"})
    tools = ref.get("tools", {})
    al = tools.get("analyze(all)", {}).get("answer") or {}
    if "runtime_in_summary_text" in al:
        rt = al["runtime_in_summary_text"]
        checks.append({"workload": name, "check": "analyze(all): runtime in summary_text",
                       "ok": bool(rt) and abs(rt - b_el) / max(b_el, 1e-9) < 0.5,
                       "found": f"'**Runtime**: {rt} seconds'; Scalene measured {b_el:.2f} s"})
    for label in ("analyze(all)", "analyze(cpu)"):
        ans = tools.get(label, {}).get("answer") or {}
        if "top_cpu" in ans:
            top = ans["top_cpu"]
            ok = bool(top) and hot[0] <= top["line"] <= hot[1]
            checks.append({"workload": name, "check": f"{label}: top CPU line in hot()",
                           "ok": ok, "found": f"top line {top and top['line']} "
                                             f"({num(top and top['cpu_percent'], 1)}%); hot() is "
                                             f"lines {hot[0]}-{hot[1]}"})
    cmp_ = tools.get("compare_profiles", {}).get("answer") or {}
    if cmp_:
        rb, ra = cmp_.get("runtime_before_sec"), cmp_.get("runtime_after_sec")
        checks.append({"workload": name, "check": "compare_profiles: runtimes",
                       "ok": bool(rb) and bool(ra),
                       "found": f"runtime_before_sec {num(rb)}, runtime_after_sec {num(ra)}, "
                                "runtime_change_percent "
                                f"{num(cmp_.get('runtime_change_percent'), 1)}; "
                                f"the two runs took about {b_el:.2f} s each"})
    return checks


# Which reference checks make a reference tool's answer wrong.
CHECKS_OF = {"analyze(all)": ("runtime in profile summary", "analyze(all): runtime in summary_text",
                              "analyze(all): top CPU line in hot()"),
             "analyze(cpu)": ("analyze(cpu): top CPU line in hot()",),
             "compare_profiles": ("compare_profiles: runtimes",)}


def pair(name, ours_tool, ref_label, out):
    o = out["ours"].get(name, {}).get("tools", {}).get(ours_tool)
    r = out["reference"].get(name, {}).get("tools", {}).get(ref_label) if out["reference"] else None
    p = {"workload": name, "ours": ours_tool, "reference": ref_label}
    if not o or not o.get("available"):
        p["verdict"] = f"ours: {ours_tool} not available"
        return p
    if "error" in o:
        p["verdict"] = f"ours failed: {o['error'][:200]}"
        return p
    om = (o.get("warm_ms") or {}).get("median", o.get("first_ms"))
    p["ours_ms"] = om
    if r is None:
        p["verdict"] = "reference not run"
        return p
    if "error" in r:
        p["verdict"] = f"reference fails: {r['error'][:200]}"
        return p
    rm = (r.get("warm_ms") or {}).get("median", r.get("first_ms"))
    p["reference_ms"] = rm
    p["speedup_raw"] = rm / om if om else None
    bad = [c for c in out["checks"] if c["workload"] == name and not c["ok"]
           and c["check"] in CHECKS_OF.get(ref_label, ())]
    if bad:
        p["verdict"] = "reference answers wrongly: " + "; ".join(
            f"{c['check']}: {c['found']}" for c in bad)
    else:
        p["speedup"] = p["speedup_raw"]
        p["verdict"] = "ok"
    return p


# ---------------------------------------------------------------- C drivers

def c_driver(a, name, sources, libs):
    """Path of a built driver: BUILD/bench/NAME (CMake), else compiled here
    into BUILD/bench-harness/NAME. Returns (path, None) or (None, why)."""
    for cand in (os.path.join(a.build, "bench", name), os.path.join(a.build, name)):
        if os.access(cand, os.X_OK) and os.path.isfile(cand):
            return cand, None
    core = os.path.join(a.build, "host", "libsmcp_core.a")
    outdir = os.path.join(a.build, "bench-harness")
    os.makedirs(outdir, exist_ok=True)
    exe = os.path.join(outdir, name)
    srcs = [os.path.join(ROOT, s) for s in sources]
    if not all(os.path.exists(s) for s in srcs):
        return None, "missing source: " + ", ".join(s for s in sources
                                                    if not os.path.exists(os.path.join(ROOT, s)))
    newest = max(os.path.getmtime(s) for s in srcs + ([core] if "core" in libs else []))
    if os.path.exists(exe) and os.path.getmtime(exe) >= newest:
        return exe, None
    cc = os.environ.get("CC", "cc")
    pkgs = ["libcjson"] + (["inih"] if "core" in libs else [])
    pc = subprocess.run(["pkg-config", "--cflags", "--libs", *pkgs], capture_output=True,
                        text=True)
    if pc.returncode != 0:
        return None, "pkg-config: " + pc.stderr.strip()
    cmd = [cc, "-O2", "-std=c11", "-D_GNU_SOURCE", "-I" + os.path.join(ROOT, "sdk"),
           "-I" + os.path.join(ROOT, "host"), *srcs]
    if "core" in libs:
        if not os.path.exists(core):
            return None, f"{core} not built"
        cmd.append(core)
    cmd += ["-o", exe, "-ldl", "-lm", *pc.stdout.split()]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return None, "compile failed: " + r.stderr.strip()[-600:]
    return exe, None


# ---------------------------------------------------------------- 5. storage

def parse_storage_table(text):
    rows, sizes = {}, None
    for line in text.splitlines():
        m = re.match(r"^(.*?\S)\s{2,}([-0-9.\s]+)$", line)
        if not m:
            continue
        label, nums = m.group(1).strip(), m.group(2).split()
        if label == "records":
            sizes = [int(x) for x in nums]
            continue
        try:
            rows[label] = [float(x) for x in nums]
        except ValueError:
            pass
    return sizes, rows


def bench_storage(a, res, srv, work):
    n = 200 if a.smoke else 10000
    exe, why = c_driver(a, "storage_bench", ["bench/storage_bench.c", "host/store.c"], ["cjson"])
    out = {"records": n}
    if not exe:
        out["missing"] = why
        res["storage"] = out
        return
    out["driver"] = os.path.relpath(exe, ROOT) if exe.startswith(ROOT) else exe
    backends = [b for b in STORAGE_PLUGINS if srv.has_backend(b)]
    if a.smoke:
        backends = backends[:1]
    for b in backends:
        print(f"bench: storage {b} at {n}", file=sys.stderr)
        d = tempfile.mkdtemp(prefix=f"storage-{b}-", dir=work.tmp)
        env = dict(os.environ, HOME=d, XDG_DATA_HOME=d, SMCP_PLUGIN_DIR=srv.plugin_dir)
        try:
            r = subprocess.run([exe, "-p", srv.plugin_dir, "-b", b, str(n)], capture_output=True,
                               text=True, env=env, cwd=d, timeout=1800)
        except subprocess.TimeoutExpired:
            out[b] = {"error": "timed out after 1800 s"}
            continue
        if r.returncode != 0:
            out[b] = {"error": (r.stderr or r.stdout).strip()[-400:]}
            continue
        sizes, rows = parse_storage_table(r.stdout)
        out[b] = {"sizes": sizes, "rows": rows, "header": r.stdout.splitlines()[0]
                  if r.stdout else ""}
        shutil.rmtree(d, ignore_errors=True)
    res["storage"] = out


# ---------------------------------------------------------------- 6. parse

def bench_parse(a, res, srv, work):
    exe, why = c_driver(a, "parse_bench", ["bench/parse_bench.c"], ["core"])
    out = {}
    if not exe:
        out["missing"] = why
        res["parse"] = out
        return
    out["driver"] = os.path.relpath(exe, ROOT) if exe.startswith(ROOT) else exe
    files = []
    if a.smoke:  # no Scalene run: a small synthetic profile (bench/gen_big_profile.py)
        path = os.path.join(work.tmp, "synthetic.json")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_big_profile.py"), "--mb", "0.2",
                        "--out", path], check=True, stderr=subprocess.DEVNULL)
        files.append(("synthetic (bench/gen_big_profile.py --mb 0.2)", path))
        runs = 2
    else:
        for mb in (1.0, a.big_mb):
            script, lines = work.sized_script(mb)
            print(f"bench: parse: bare Scalene profile of a {lines}-line script", file=sys.stderr)
            path, _, _ = work.bare_profile(script)
            files.append((f"{mb:g} MB target ({lines}-line script)", path))
        runs = a.runs_parse
    out["runs"] = runs
    out["files"] = []
    for label, path in files:
        r = subprocess.run([exe, "-n", str(runs), path], capture_output=True, text=True)
        if r.returncode != 0:
            out["files"].append({"label": label, "error": r.stderr.strip()[-400:]})
            continue
        row = json.loads(r.stdout.strip().splitlines()[-1])
        row["label"] = label
        row["file"] = os.path.basename(row["file"])
        out["files"].append(row)
    res["parse"] = out


# ---------------------------------------------------------------- 7. analyzers

def bench_analyzers(a, res, srv, work):
    """Every analysis tool, in process, on a 1 MB and a 50 MB synthetic profile
    (bench/gen_big_profile.py: a planted hot loop and allocation), warm median
    and one cold call (decode from the store included)."""
    exe, why = c_driver(a, "analyzer_bench", ["bench/analyzer_bench.c"], ["core"])
    out = {}
    if not exe:
        res["analyzers"] = {"missing": why}
        return
    sizes = [0.2] if a.smoke else [1, 50]
    runs = 1 if a.smoke else 11
    paths = []
    for mb in sizes:
        path = os.path.join(work.tmp, f"synthetic_{mb:g}mb.json")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_big_profile.py"), "--mb",
                        str(mb), "--out", path], check=True, stderr=subprocess.DEVNULL)
        paths.append(path)
    plugins = os.path.join(a.build, "plugins")
    r = subprocess.run([exe, "-p", plugins, "-n", str(runs), *paths], capture_output=True,
                       text=True)
    out["runs"] = runs
    out["command"] = (f"python3 bench/gen_big_profile.py --mb N --out F; "
                      f"{os.path.relpath(exe, ROOT) if exe.startswith(ROOT) else exe} "
                      f"-p {os.path.relpath(plugins, ROOT) if plugins.startswith(ROOT) else plugins}"
                      f" -n {runs} F...")
    if r.returncode != 0:
        out["error"] = r.stderr.strip()[-600:]
    else:
        out["table"] = [l for l in r.stdout.splitlines() if l.startswith("|")]
    res["analyzers"] = out


SECTIONS = {"startup": bench_startup, "memory": bench_memory, "profile": bench_profile,
            "analysis": bench_analysis, "storage": bench_storage, "parse": bench_parse,
            "analyzers": bench_analyzers}


# ---------------------------------------------------------------- report

def machine():
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "memory_gb": round(mem_gb, 1), "cpu": cpu,
            "kernel": platform.release(), "os": platform.platform(terse=True)}


def versions(a, srv):
    v = {}
    r = subprocess.run([srv.binary, "--version"], capture_output=True, text=True)
    v["ours"] = (r.stdout or r.stderr).strip()
    g = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                       capture_output=True, text=True)
    v["ours_git"] = g.stdout.strip()
    if a.python:
        r = subprocess.run([a.python, "-c", "import importlib.metadata as m, platform; "
                            "print(m.version('scalene'), platform.python_version())"],
                           capture_output=True, text=True)
        parts = r.stdout.split()
        if len(parts) == 2:
            v["scalene"], v["python"] = parts
        v["python_path"] = a.python
    v["harness_python"] = platform.python_version()
    return v


def fmt(s, unit, digits=1):
    if not s:
        return "n/a"
    return (f"{s['median']:.{digits}f} {unit} (min {s['min']:.{digits}f}, "
            f"max {s['max']:.{digits}f}, n={s['n']})")


def cell(text, n=200):
    """Text made safe for one Markdown table cell."""
    text = " ".join(str(text).split())
    text = text.replace("|", "\\|")
    return text if len(text) <= n else text[:n - 3] + "..."


def fx(x, digits=2, suffix=""):
    return "n/a" if x is None else f"{x:.{digits}f}{suffix}"


def status(ok):
    return "n/a" if ok is None else ("**met**" if ok else "**not met**")


def targets(res):
    rows = []
    st = res.get("startup", {})
    r = st.get("ours_memory", {}).get("ratio_start")
    rows.append(("cold start at most 1/50 of the reference's (ratio <= 0.020)",
                 f"ours/reference = {fx(r, 4)}" + (f" (1/{1 / r:.0f})" if r else ""),
                 None if r is None else r <= 0.02))
    r = st.get("ours_memory", {}).get("ratio_idle_rss")
    rows.append(("idle RSS at most 1/10 of the reference's (ratio <= 0.10)",
                 f"ours/reference = {fx(r, 3)}" + (f" (1/{1 / r:.0f})" if r else ""),
                 None if r is None else r <= 0.10))
    an = res.get("analysis", {})
    sp = [p for p in an.get("pairs", []) if p.get("speedup")]
    wrong = [p for p in an.get("pairs", []) if "speedup" not in p]
    if sp:
        lo = min(p["speedup"] for p in sp)
        desc = ", ".join(f"{p['workload']} {p['ours']}: {times_x(p['speedup'])}" for p in sp)
        if wrong:
            desc += f"; {len(wrong)} pair(s) without a ratio (the reference fails, answers " \
                    f"wrongly, or a tool is missing: see section 4)"
        rows.append(("analysis at least 50x faster", desc, lo >= 50))
    else:
        rows.append(("analysis at least 50x faster",
                     "no comparable pair" + (f" ({len(wrong)} without a ratio)" if wrong else ""),
                     None))
    pr = res.get("profile", {})
    rf, rp = pr.get("ratio_ours_fast_start_to_bare"), pr.get("ratio_ours_plain_to_bare")
    rows.append(("profile_script within 2% of bare Scalene (server/bare <= 1.02; judged on "
                 "the default, fast start)",
                 f"fast start {fx(rf, 3)}, normal launch {fx(rp, 3)}",
                 None if rf is None else rf <= 1.02))
    rr = pr.get("ratio_ours_fast_start_to_reference")
    rows.append(("profile_script faster than the reference's profile tool",
                 f"ours (fast start)/reference = {fx(rr, 3)}, normal launch "
                 f"{fx(pr.get('ratio_ours_plain_to_reference'), 3)}",
                 None if rr is None else rr < 1))
    return rows


def markdown(res, argv):
    m, v = res["machine"], res["versions"]
    la0, la1 = res.get("load_before"), res.get("load_after")
    ref = res.get("reference_versions") or {}
    lines = ["# Benchmarks", "",
             "Generated by `bench/bench.py` (do not edit by hand); raw numbers in "
             "`bench/results.json`. Each figure is the median of repeated runs with min, max "
             "and the number of runs; ratios are ours/reference unless a row says otherwise.",
             "", f"- Date: {res['date']}",
             f"- Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB RAM, Linux "
             f"{m['kernel']}; load average (1/5/15 min) before {la0}, after {la1}",
             f"- Ours: {v.get('ours')} (git {v.get('ours_git')}), Release build",
             f"- Reference: scalene-mcp {ref.get('scalene-mcp', 'not installed')} from PyPI "
             f"(fastmcp {ref.get('fastmcp')}, mcp {ref.get('mcp')}, pydantic "
             f"{ref.get('pydantic')}) in bench/.venv-ref, started as its console script "
             "`scalene-mcp` over stdio" if ref else "- Reference: not run",
             f"- Scalene {v.get('scalene')} for ours and bare runs ({v.get('python_path')}); "
             f"Scalene {ref.get('scalene', 'n/a')} in the reference's venv; Python "
             f"{v.get('python')} (reference {ref.get('python', 'n/a')})",
             f"- Sections: {', '.join(res['sections'])}", "", "Command:", "", "```",
             " ".join(argv), "```", ""]
    runs = res.get("section_runs", {})
    if len({(r.get("command"), r.get("date")[:10] if r.get("date") else None)
            for r in runs.values()}) > 1 or res.get("merged_from_previous"):
        lines += ["Sections were measured by different runs (a partial run keeps the others):",
                  "", "| section | measured | load before / after | command |", "|---|---|---|---|"]
        for n in res["sections"]:
            r = runs.get(n, {})
            lines.append(f"| {n} | {r.get('date')} | {r.get('load_before')} / "
                         f"{r.get('load_after')} | `{r.get('command')}` |")
        lines.append("")
    if "startup" in res or "analysis" in res or "profile" in res:
        lines += ["## Targets (issue 7)", "", "| target | measured | status |", "|---|---|---|"]
        for t, meas, ok in targets(res):
            lines.append(f"| {t} | {meas} | {status(ok)} |")
        lines.append("")
    if "startup" in res:
        s = res["startup"]
        lines += ["## 1. Cold start and idle RSS", "",
                  f"Spawn to `tools/list` answered ({s['definition']}).", "",
                  "| server | spawn to tools/list | ratio | idle RSS | ratio | tools |",
                  "|---|---|---|---|---|---|"]
        for k, label in (("ours_memory", "ours, memory backend"),
                         ("ours_sqlite", "ours, sqlite backend"), ("reference", "reference")):
            if k in s:
                r = s[k]
                lines.append(f"| {label} | {fmt(r['spawn_to_tools_list_ms'], 'ms', 1)} | "
                             f"{fx(r.get('ratio_start'), 4) if k != 'reference' else '1'} | "
                             f"{fmt(r['idle_rss_mb'], 'MB', 1)} | "
                             f"{fx(r.get('ratio_idle_rss'), 3) if k != 'reference' else '1'} | "
                             f"{len(r['tools'] or [])} |")
        lines.append("")
        for k, label in (("ours_memory", "Ours"), ("reference", "The reference")):
            if k in s and s[k].get("tools"):
                lines += [f"{label} served: " + ", ".join(f"`{t}`" for t in s[k]["tools"]) + ".",
                          ""]
    if "memory" in res:
        s = res["memory"]
        lines += ["## 2. RSS after stored profiles", "",
                  f"Each server profiles `{s['workload']}` {s['profiles']} times (profiles kept "
                  "in the server: ours in its store, the reference in its in-process dict); "
                  "VmRSS of the server process. One run each.", "",
                  "| server | idle RSS | after the profiles | peak (VmHWM) | ratio after |",
                  "|---|---|---|---|---|"]
        for k, label in (("ours_memory", "ours, memory backend"),
                         ("ours_sqlite", "ours, sqlite backend"), ("reference", "reference")):
            if k in s:
                r = s[k]
                if "error" in r:
                    lines.append(f"| {label} | {fx(r.get('idle_rss_mb'), 1, ' MB')} | failed: "
                                 f"{cell(r['error'], 120)} | | |")
                    continue
                lines.append(f"| {label} | {r['idle_rss_mb']:.1f} MB | {r['rss_after_mb']:.1f} MB"
                             f" | {r['hwm_mb']:.1f} MB | "
                             f"{fx(r.get('ratio_after'), 3) if k != 'reference' else '1'} |")
        lines.append("")
    if "profile" in res:
        p = res["profile"]
        lines += ["## 3. profile_script against bare Scalene and the reference", "",
                  f"Workload `{p['workload']}`, {p['runs']} rounds, the variants interleaved "
                  "in each round. Time from the `tools/call` request to its response (servers) "
                  "or of the whole process (bare). Bare command (the one our server runs, "
                  "normal launch):", "", "```", " ".join(p["bare_command"] or []), "```", "",
                  "| run | wall time | ratio to bare (medians) | ratio to bare (minimums) | "
                  "ratio to reference |", "|---|---|---|---|---|",
                  f"| bare Scalene | {fmt(p.get('bare'), 's', 3)} | 1 | 1 | |"]
        for k, label in (("ours_plain", "ours, normal launch"),
                         ("ours_fast_start", "ours, fast start (no re-exec)"),
                         ("reference", "reference `profile`")):
            if p.get(k):
                lines.append(f"| {label} | {fmt(p[k], 's', 3)} | "
                             f"{fx(p.get(f'ratio_{k}_to_bare'), 3)} | "
                             f"{fx(p.get(f'ratio_{k}_to_bare_min'), 3)} | "
                             + (f"{fx(p.get(f'ratio_{k}_to_reference'), 3)} |"
                                if k != "reference" else "1 |"))
            elif k in p.get("errors", {}):
                lines.append(f"| {label} | failed: {cell(p['errors'][k], 150)} | | | |")
        ac = p.get("argv_check", {})
        lines += ["", "What the profiled program saw in `sys.argv` (script arguments "
                  "`alpha --beta`; expected `[script, 'alpha', '--beta']`):", "",
                  "| server | sys.argv | correct | profiling `tests/workloads/cpu_hot.py 0.3` "
                  "(reads `float(sys.argv[1])`) |", "|---|---|---|---|"]
        for k in ("ours", "reference"):
            if k in ac:
                r = ac[k]
                rd = r.get("argv_reader", {})
                rd = ("ok" if rd.get("ok") else
                      f"**fails**: {cell(rd.get('error', 'not run'), 170)}")
                if "error" in r:
                    lines.append(f"| {k} | failed: {cell(r['error'], 150)} | no | {rd} |")
                else:
                    shown = [os.path.basename(x) if x.endswith(".py") else x for x in r["argv"]]
                    lines.append(f"| {k} | `{shown}` | {'yes' if r['correct'] else '**no**'} | "
                                 f"{rd} |")
        lines.append("")
    if "analysis" in res:
        an = res["analysis"]
        lines += ["## 4. Analysis latency", "",
                  "Each server profiles each workload itself, twice; then each tool is called "
                  "once (first) and again for the warm median. Time from the `tools/call` "
                  "request to its response, read by the same client.", "",
                  "| workload | script | Scalene profile (bare run) |", "|---|---|---|"]
        for name, w in an["workloads"].items():
            b = w["bare_profile"]
            lines.append(f"| {name} | `{w['script']}` | "
                         f"{b['bytes'] / 1048576:.1f} MB, {b['lines']} lines, elapsed "
                         f"{b['elapsed_time_sec']:.2f} s, peak {b['max_footprint_mb']:.1f} MB |")
        lines += ["", "| workload | ours | first / warm median | reference | first / warm "
                  "median | speedup (reference/ours) |", "|---|---|---|---|---|---|"]
        for p in an["pairs"]:
            o = an["ours"].get(p["workload"], {}).get("tools", {}).get(p["ours"], {})
            r = (an["reference"].get(p["workload"], {}).get("tools", {}).get(p["reference"], {})
                 if an["reference"] else {})

            def tcell(t):
                if not t:
                    return "not run"
                if not t.get("available", True):
                    return "not available"
                if "error" in t:
                    return "failed"
                return (f"{fx(t.get('first_ms'), 2)} ms / "
                        f"{fmt(t.get('warm_ms'), 'ms', 2) if t.get('warm_ms') else 'n/a'}")
            sp = (f"**{times_x(p['speedup'])}**" if p.get("speedup") else
                  (p["verdict"] if p["verdict"] != "ok" else "n/a"))
            if not p.get("speedup") and p.get("speedup_raw"):
                sp += f" (latency ratio {times_x(p['speedup_raw'])} not counted)"
            lines.append(f"| {p['workload']} | `{p['ours']}` | {tcell(o)} | `{p['reference']}` | "
                         f"{tcell(r)} | {cell(sp, 400)} |")
        lines += ["", "Profiling inside the analysis runs (wall time of each of the two "
                  "`profile_script`/`profile` calls):", "", "| server | workload | wall times |",
                  "|---|---|---|"]
        for side in ("ours", "reference"):
            for name, row in an.get(side, {}).items():
                if isinstance(row, dict) and "profile_wall_s" in row:
                    w = ", ".join(f"{x:.2f} s" for x in row["profile_wall_s"])
                    if "error" in row:
                        w += f" (failed: {cell(row['error'], 150)})"
                    lines.append(f"| {side} | {name} | {w} |")
        if an.get("checks"):
            lines += ["", "The reference's answers, checked on these real runs:", "",
                      "| workload | check | result | found |", "|---|---|---|---|"]
            for c in an["checks"]:
                lines.append(f"| {c['workload']} | {c['check']} | "
                             f"{'ok' if c['ok'] else '**wrong**'} | {cell(c['found'], 300)} |")
        lines.append("")
    if "storage" in res:
        s = res["storage"]
        lines += ["## 5. Storage backends", ""]
        if "missing" in s:
            lines += [f"storage_bench missing: {s['missing']}", ""]
        else:
            backends = [b for b in STORAGE_PLUGINS if b in s]
            lines += [f"`{s['driver']} -p PLUGIN_DIR -b BACKEND {s['records']}`: the store "
                      "front over each backend plugin, 1 KB documents (means per operation "
                      "as the driver reports them).", "",
                      "| operation | " + " | ".join(backends) + " |",
                      "|---|" + "---|" * len(backends)]
            labels = []
            for b in backends:
                for lab in s[b].get("rows", {}):
                    if lab not in labels:
                        labels.append(lab)
            for lab in labels:
                cells = []
                for b in backends:
                    vals = s[b].get("rows", {}).get(lab)
                    cells.append(f"{vals[-1]:g}" if vals else
                                 (f"failed: {cell(s[b]['error'], 80)}" if "error" in s[b] else ""))
                lines.append(f"| {lab} | " + " | ".join(cells) + " |")
            lines.append("")
    if "analyzers" in res:
        an = res["analyzers"]
        lines += ["## 7. Analysis tools on 1 MB and 50 MB profiles", ""]
        if "table" in an:
            lines += ["In process (no pipe): the real host with every analyzer plugin, each "
                      "tool called through the JSON-RPC dispatcher; warm median, min and max "
                      f"of {an['runs']} calls, and one cold call (the profile decoded from the "
                      "store first). Synthetic Scalene 2.x profiles from "
                      "`bench/gen_big_profile.py`. Command:", "", "```", an["command"], "```",
                      ""] + an["table"] + [""]
        else:
            lines += ["Not measured: " + an.get("missing", an.get("error", "?")), ""]
    if "parse" in res:
        s = res["parse"]
        lines += ["## 6. Parse time", ""]
        if "missing" in s:
            lines += [f"parse_bench missing: {s['missing']}", ""]
        else:
            lines += [f"`{s['driver']} -n {s['runs']} PROFILE.json`: `profile_parse_scalene` "
                      "(Scalene JSON to our model), `profile_encode` (model to our stored JSON) "
                      "and `profile_decode` (stored JSON back: what a cache miss costs), on "
                      "profiles that Scalene wrote for bench/gen_big_script.py programs "
                      "(bare runs).", "",
                      "| profile | size | lines | parse | encode | decode | stored size |",
                      "|---|---|---|---|---|---|---|"]
            for f in s["files"]:
                if "error" in f:
                    lines.append(f"| {f['label']} | failed: {cell(f['error'], 150)} | | | | | |")
                    continue
                lines.append(f"| {f['label']} | {f['bytes'] / 1048576:.2f} MB | {f['lines']} | "
                             f"{fmt(f['parse_ms'], 'ms', 1)} | {fmt(f['encode_ms'], 'ms', 1)} | "
                             f"{fmt(f['decode_ms'], 'ms', 1)} | "
                             f"{f['stored_bytes'] / 1048576:.2f} MB |")
            lines.append("")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main

def merge_previous(res, raw):
    """A partial run (--only) keeps the other sections of the previous
    results.json, each with the date, load and command it was measured with."""
    try:
        with open(raw) as f:
            prev = json.load(f)
    except (OSError, ValueError):
        return
    kept = [n for n in prev.get("sections", []) if n in SECTIONS and n not in res["sections"]
            and n in prev]
    for n in kept:
        res[n] = prev[n]
        res["section_runs"][n] = prev.get("section_runs", {}).get(n) or {
            "date": prev.get("date"), "command": prev.get("command", "?"),
            "load_before": prev.get("load_before"), "load_after": prev.get("load_after")}
    for k in ("reference_versions",):
        if k not in res and k in prev:
            res[k] = prev[k]
    res["sections"] = [n for n in SECTIONS if n in res["sections"] or n in kept]
    res["merged_from_previous"] = kept


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="CMake build directory (default: build)")
    ap.add_argument("--python", default=os.path.join(ROOT, ".venv", "bin", "python"),
                    help="interpreter with Scalene for our server and bare runs (default .venv)")
    ap.add_argument("--only", default=",".join(SECTIONS), help="sections, comma-separated")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, no reference, writes "
                    "nothing unless --out")
    ap.add_argument("--no-reference", action="store_true", help="skip the reference server")
    ap.add_argument("--ref-venv", default=reference.DEFAULT_VENV)
    ap.add_argument("--runs-startup", type=int, default=20)
    ap.add_argument("--runs-profile", type=int, default=7)
    ap.add_argument("--runs-analysis", type=int, default=20)
    ap.add_argument("--runs-parse", type=int, default=10)
    ap.add_argument("--big-mb", type=float, default=20.0,
                    help="target size of the big generated profile (default 20)")
    ap.add_argument("--fresh", action="store_true", help="with --only: do not keep the other "
                    "sections of the previous results.json")
    ap.add_argument("--out", default=None, help="directory for benchmarks.md/results.json "
                    "(default: docs/ and bench/)")
    a = ap.parse_args()
    a.build = os.path.abspath(a.build)
    if a.python and not os.path.exists(a.python):
        a.python = None
    names = [n for n in a.only.split(",") if n]
    for n in names:
        if n not in SECTIONS:
            ap.error(f"unknown section {n} (known: {', '.join(SECTIONS)})")
    if not a.python:
        needs = [n for n in names if n in ("memory", "profile", "analysis")]
        if needs:
            print(f"bench: no Scalene interpreter ({a.python}); skipping {', '.join(needs)}",
                  file=sys.stderr)
            names = [n for n in names if n not in needs]
            if "parse" in names and not a.smoke:
                names.remove("parse")
    res = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "machine": machine(), "sections": names,
           "load_before": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory(prefix="smcp-bench-") as tmp:
        work = Work(a, tmp)
        srv = Servers(a, tmp)
        res["versions"] = versions(a, srv)
        res["plugins"] = srv.plugins()
        if not a.smoke and not a.no_reference:
            try:
                res["reference_versions"] = reference.ensure(a.ref_venv,
                                                             res["versions"].get("scalene"))
                srv.ref = reference.server_command(a.ref_venv)
            except (RuntimeError, OSError) as e:
                res["reference_error"] = str(e)
                print(f"bench: reference unavailable: {e}", file=sys.stderr)
        argv = ["python3", "bench/bench.py"] + [
            (os.path.relpath(x, ROOT) if os.path.isabs(x) and x.startswith(ROOT) else x)
            for x in sys.argv[1:]]
        res["command"] = " ".join(argv)
        res["section_runs"] = {}
        for name in names:
            print(f"bench: {name}", file=sys.stderr)
            t0 = time.perf_counter()
            run = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "command": res["command"],
                   "load_before": [round(x, 2) for x in os.getloadavg()]}
            SECTIONS[name](a, res, srv, work)
            run["seconds"] = round(time.perf_counter() - t0, 1)
            run["load_after"] = [round(x, 2) for x in os.getloadavg()]
            res["section_runs"][name] = run
    res["load_after"] = [round(x, 2) for x in os.getloadavg()]
    out_dir = a.out if a.out else (None if a.smoke else os.path.join(ROOT, "docs"))
    if out_dir:
        raw = os.path.join(a.out, "results.json") if a.out else os.path.join(HERE, "results.json")
        if set(names) != set(SECTIONS) and not a.fresh:
            merge_previous(res, raw)
        os.makedirs(out_dir, exist_ok=True)
        with open(os.path.join(out_dir, "benchmarks.md"), "w") as f:
            f.write(markdown(res, argv))
        with open(raw, "w") as f:
            json.dump(res, f, indent=2)
            f.write("\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
