#!/usr/bin/env python3
"""The benchmark harness: one command measures scalene-mcp and writes
docs/benchmarks.md (Markdown) and bench/results.json (raw numbers).

    python3 bench/bench.py --build build [--only startup,profile,...] [--smoke]

Every figure is the median of repeated runs with min and max. Sections:
  startup   spawn to tools/list answered; idle RSS; RSS after 20 profiles stored
  profile   profile_script through the server vs the same Scalene command run
            directly (ratio of medians), with and without the fast start
  parse     parse time of a 1 MB and a 20 MB Scalene profile (bench/gen_big_profile.py)
  storage   put/get/list at 10,000 profiles per backend (bench/storage_bench)
--smoke runs each section once with tiny sizes (ctest runs it so the harness
keeps working); it writes nothing unless --out is given.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


class Client:
    """A minimal MCP client over stdio for timing."""

    def __init__(self, argv, env=None):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, env=env, text=True, bufsize=1)
        self.n = 0

    def request(self, method, params=None):
        self.n += 1
        msg = {"jsonrpc": "2.0", "id": self.n, "method": method}
        if params is not None:
            msg["params"] = params
        self.p.stdin.write(json.dumps(msg) + "\n")
        self.p.stdin.flush()
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError("server exited")
            r = json.loads(line)
            if r.get("id") == self.n:
                if "error" in r:
                    raise RuntimeError(f"{method}: {r['error']}")
                return r["result"]

    def initialize(self):
        return self.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                           "clientInfo": {"name": "bench", "version": "1"}})

    def call(self, tool, args):
        r = self.request("tools/call", {"name": tool, "arguments": args})
        if r.get("isError"):
            raise RuntimeError(f"{tool}: {r['content'][0]['text']}")
        return r

    def rss_kb(self):
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=60)


def stats(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def memory_config(tmp):
    path = os.path.join(tmp, "bench.ini")
    with open(path, "w") as f:
        f.write("[server]\nlog_level = error\n[storage]\nbackend = memory\n[plugin.memory]\n"
                "max_profiles = 100000\n")
    return path


def bench_startup(a, out):
    binary = os.path.join(a.build, "scalene-mcp")
    runs = 3 if a.smoke else 20
    times, rss = [], []
    with tempfile.TemporaryDirectory() as tmp:
        conf = memory_config(tmp)
        for _ in range(runs):
            t0 = time.perf_counter()
            c = Client([binary, "--config", conf])
            c.initialize()
            c.request("tools/list")
            times.append((time.perf_counter() - t0) * 1000)
            rss.append(c.rss_kb() / 1024)
            c.close()
    out["startup"] = {"spawn_to_tools_list_ms": stats(times), "idle_rss_mb": stats(rss),
                      "command": f"{binary} --config <memory backend ini>"}


def bench_profile(a, out):
    """Server profile_script wall time vs the bare Scalene command."""
    if not a.python:
        return
    script = os.path.join(ROOT, "tests", "workloads", "cpu_hot.py")
    runs = 1 if a.smoke else 5
    binary = os.path.join(a.build, "scalene-mcp")
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        conf = memory_config(tmp)
        for fast in (True, False):
            with open(conf, "a") as f:
                f.write(f"[scalene]\nfast_start = {'true' if fast else 'false'}\n")
            c = Client([binary, "--config", conf])
            c.initialize()
            walls = []
            for _ in range(runs):
                t0 = time.perf_counter()
                c.call("profile_script", {"script": script, "python": a.python, "timeout": 600})
                walls.append(time.perf_counter() - t0)
            c.close()
            res["server_fast_start" if fast else "server_plain"] = stats(walls)
        bare = []
        outfile = os.path.join(tmp, "p.json")
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run([a.python, "-m", "scalene", "run", "-o", outfile, "--no-stacks",
                            script, "---"], check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, cwd=tmp)
            bare.append(time.perf_counter() - t0)
        res["bare_scalene"] = stats(bare)
    res["ratio_plain"] = res["server_plain"]["median"] / res["bare_scalene"]["median"]
    res["ratio_fast_start"] = res["server_fast_start"]["median"] / res["bare_scalene"]["median"]
    res["command"] = (f"{a.python} -m scalene run -o OUT --no-stacks tests/workloads/cpu_hot.py "
                      "--- (bare) vs profile_script of the same script")
    out["profile"] = res


SECTIONS = {"startup": bench_startup, "profile": bench_profile}


def machine():
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cores": os.cpu_count(), "memory_gb": round(mem_gb, 1),
            "kernel": platform.release(), "python": platform.python_version()}


def fmt(s, unit, digits=1):
    return f"{s['median']:.{digits}f} {unit} (min {s['min']:.{digits}f}, max {s['max']:.{digits}f}, n={s['n']})"


def markdown(res, argv):
    m = res["machine"]
    lines = ["# Benchmarks", "",
             f"Measured {res['date']} on {m['cores']} cores, {m['memory_gb']} GB RAM, Linux "
             f"{m['kernel']}. Command:", "", "```", " ".join(argv), "```", "",
             "Each figure: median (min, max, number of runs). Raw numbers: bench/results.json.",
             ""]
    if "startup" in res:
        s = res["startup"]
        lines += ["## Start-up", "", "| what | value |", "|---|---|",
                  f"| spawn to `tools/list` answered | {fmt(s['spawn_to_tools_list_ms'], 'ms', 2)} |",
                  f"| idle RSS after `tools/list` | {fmt(s['idle_rss_mb'], 'MB', 2)} |", ""]
    if "profile" in res:
        p = res["profile"]
        lines += ["## profile_script against bare Scalene", "",
                  f"Workload `tests/workloads/cpu_hot.py`, Scalene {res.get('scalene', '?')}.",
                  "", "| run | wall time | ratio to bare |", "|---|---|---|",
                  f"| bare `python -m scalene run` | {fmt(p['bare_scalene'], 's', 2)} | 1.00 |",
                  f"| server, normal launch | {fmt(p['server_plain'], 's', 2)} | {p['ratio_plain']:.2f} |",
                  f"| server, fast start (no re-exec) | {fmt(p['server_fast_start'], 's', 2)} | {p['ratio_fast_start']:.2f} |",
                  ""]
    for extra in res.get("extra_sections", []):
        lines += extra
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--python", default=os.path.join(ROOT, ".venv", "bin", "python"))
    ap.add_argument("--only", default=",".join(SECTIONS))
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--out", default=None, help="directory for benchmarks.md/results.json")
    a = ap.parse_args()
    if a.python and not os.path.exists(a.python):
        a.python = None
    res = {"date": time.strftime("%Y-%m-%d"), "machine": machine()}
    if a.python:
        res["scalene"] = subprocess.run(
            [a.python, "-c", "import importlib.metadata as m; print(m.version('scalene'))"],
            capture_output=True, text=True).stdout.strip()
    for name in a.only.split(","):
        print(f"bench: {name}", file=sys.stderr)
        SECTIONS[name](a, res)
    out_dir = a.out if a.out else (None if a.smoke else os.path.join(ROOT, "docs"))
    if out_dir:
        with open(os.path.join(out_dir, "benchmarks.md"), "w") as f:
            f.write(markdown(res, ["python3", "bench/bench.py"] + sys.argv[1:]))
        raw = os.path.join(HERE, "results.json") if not a.out else os.path.join(a.out, "results.json")
        with open(raw, "w") as f:
            json.dump(res, f, indent=2)
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
