#!/usr/bin/env python3
"""gen_big_profile.py - a large, deterministic, Scalene-shaped JSON profile
for benchmarks (parse time, analyzer latency).

    python3 bench/gen_big_profile.py --mb 50 --out /tmp/big50.json
    python3 bench/gen_big_profile.py --mb 1 --version 1.5 --out /tmp/big1_15.json

The output imitates what Scalene writes (sort_keys=True, indent=4, every
key a real version writes; see docs/../reference scalene.md section 5):

  --version 2 (default): the 2.3 layout: every line of every file with the
      region, outermost-loop and function bounds, cpu_samples_list,
      function records, leaks, imports, stacks and a footprint timeline.
  --version 1.5: the 1.5.16 layout: only lines with a non-zero metric, no
      bounds, no stacks.

Each generated file is a module of small functions: `def fN(...)`, a
docstring, a `for` loop whose header ties with its body (2.x spreads loop
samples evenly), an allocation line, a return. The program's known answers,
fixed whatever the size, let a benchmark check it timed real work:

  - the hottest place is the loop of f0 in mod0000.py: lines 8-9 (2.x: a
    tied loop region, 10 % each) or line 9 alone (1.5), 20 % of all CPU;
  - the largest peak allocation is line 21 (in f1) of mod0000.py (512 MB).

Files are added until the document reaches --mb megabytes (within one
file's worth). The same arguments always give the same bytes.
"""
import argparse
import json
import random
import sys

LINES_PER_FUNC = 10  # def, docstring, 2 setup, for, body, body2, alloc, return, blank


def func_lines(k):
    """Source text of function k (LINES_PER_FUNC lines, the last blank)."""
    return [
        "def f%d(n, data):\n" % k,
        '    """Function %d of the generated module."""\n' % k,
        "    acc = 0\n",
        "    scale = len(data) + %d\n" % k,
        "    for i in range(n):\n",
        "        acc += (i * scale) %% %d\n" % (k % 13 + 2),
        "    tmp = [x * 2 for x in data]\n",
        "    buf = bytearray(%d * 1024)\n" % (k % 7 + 1),
        "    return acc + len(tmp) + len(buf)\n",
        "\n",
    ]


def metrics_zero(version):
    m = {
        "n_avg_mb": 0.0, "n_copy_mb_s": 0.0, "n_cpu_percent_c": 0.0,
        "n_cpu_percent_python": 0.0, "n_gpu_avg_memory_mb": 0.0,
        "n_gpu_peak_memory_mb": 0.0, "n_gpu_percent": 0.0, "n_growth_mb": 0.0,
        "n_malloc_mb": 0.0, "n_mallocs": 0, "n_peak_mb": 0.0,
        "n_python_fraction": 0, "n_sys_percent": 0.0, "n_usage_fraction": 0,
        "memory_samples": [],
    }
    if version == "2":
        m.update({"async_task_names": [], "cpu_samples_list": [], "is_coroutine": False,
                  "n_async_await_percent": 0.0, "n_async_concurrency_mean": 0.0,
                  "n_async_concurrency_peak": 0.0, "n_core_utilization": 0.0})
    return m


class Gen:
    def __init__(self, version, funcs_per_file, seed):
        self.version = version
        self.fpf = funcs_per_file
        self.rng = random.Random(seed)
        self.t0 = 800.0

    def cpu_list(self, n):
        r = self.rng
        return sorted(round(self.t0 + r.random() * 30.0, 9) for _ in range(n))

    def mem_samples(self, n, mb):
        r = self.rng
        return [[int(r.random() * 3e10), round(mb * r.random(), 6)] for _ in range(n)]

    def file(self, fidx, path, weight):
        """One file's dict and its CPU share (sum of its lines)."""
        r = self.rng
        v2 = self.version == "2"
        header = ['"""Generated module %d for scalene-mcp benchmarks."""\n' % fidx,
                  "import math\n", "\n"]
        src = list(header)
        spans = []  # (start, end) of each function, 1-based
        for k in range(self.fpf):
            start = len(src) + 1
            src.extend(func_lines(k))
            spans.append((start, start + LINES_PER_FUNC - 2))  # last non-blank line
        src.append("if __name__ == '__main__':\n")
        src.append("    f0(10, [1, 2, 3])\n")
        lines, funcs, total = [], [], 0.0
        func_of = {}
        for k, (s, e) in enumerate(spans):
            for ln in range(s, e + 1):
                func_of[ln] = (k, s, e)
        for idx, text in enumerate(src):
            ln = idx + 1
            m = metrics_zero(self.version)
            k, fs, fe = func_of.get(ln, (None, 0, 0))
            off = ln - fs if k is not None else -1
            if k is not None:
                if off in (4, 5):  # loop header and body: tied in 2.x
                    share = weight * r.uniform(0.2, 1.0) / self.fpf
                    if fidx == 0 and k == 0:
                        share = 10.0  # planted hot loop: 20 % in all
                    if v2:
                        m["n_cpu_percent_python"] = round(share * 0.8, 12)
                        m["n_cpu_percent_c"] = round(share * 0.15, 12)
                        m["n_sys_percent"] = round(share * 0.05, 12)
                        m["cpu_samples_list"] = self.cpu_list(r.randint(5, 60))
                        m["n_core_utilization"] = round(r.uniform(0.3, 1.0), 6)
                    elif off == 5:
                        m["n_cpu_percent_python"] = round(2 * share * 0.8, 12)
                        m["n_cpu_percent_c"] = round(2 * share * 0.15, 12)
                        m["n_sys_percent"] = round(2 * share * 0.05, 12)
                elif off == 6:  # list copy: memory and copy volume
                    mb = r.uniform(0.5, 40.0)
                    m.update({"n_malloc_mb": round(mb, 6), "n_peak_mb": round(mb, 6),
                              "n_growth_mb": round(mb, 6), "n_avg_mb": round(mb / 2, 6),
                              "n_mallocs": r.randint(1, 40), "n_python_fraction": 0.9,
                              "n_copy_mb_s": round(r.uniform(0, 30), 6),
                              "n_usage_fraction": 0.0001,
                              "memory_samples": self.mem_samples(r.randint(2, 20), mb)})
                    share = weight * r.uniform(0.0, 0.2) / self.fpf
                    m["n_cpu_percent_c"] = round(share, 12)
                    if v2:
                        m["cpu_samples_list"] = self.cpu_list(r.randint(1, 10))
                elif off == 7 and fidx == 0 and k == 1:  # planted allocation
                    m.update({"n_malloc_mb": 512.0, "n_peak_mb": 512.0, "n_growth_mb": 512.0,
                              "n_avg_mb": 256.0, "n_mallocs": 1, "n_python_fraction": 1.0,
                              "n_usage_fraction": 0.5,
                              "memory_samples": self.mem_samples(20, 512.0)})
            total += m["n_cpu_percent_python"] + m["n_cpu_percent_c"] + m["n_sys_percent"]
            entry = {"line": text, "lineno": ln}
            entry.update(m)
            if v2:
                if k is not None and off in (4, 5):
                    region, loop = (fs + 4, fs + 5), (fs + 4, fs + 5)
                elif k is not None:
                    region, loop = (fs, fe), ((fs, fe) if off == 0 else (ln, ln))
                else:
                    region, loop = (ln, ln), (ln, ln)
                entry.update({"start_region_line": region[0], "end_region_line": region[1],
                              "start_outermost_loop": loop[0], "end_outermost_loop": loop[1],
                              "start_function_line": fs, "end_function_line": fe})
            active = (m["n_cpu_percent_python"] + m["n_cpu_percent_c"] + m["n_sys_percent"] > 0
                      or m["n_malloc_mb"] > 0 or m["memory_samples"])
            if v2 or active:
                lines.append(entry)
        for k, (s, e) in enumerate(spans):
            fm = metrics_zero(self.version)
            fm.pop("memory_samples")
            body = [l for l in lines if s <= l["lineno"] <= e]
            for key in ("n_cpu_percent_python", "n_cpu_percent_c", "n_sys_percent"):
                # Scalene's records undercount: about half of what the lines hold
                fm[key] = round(sum(l[key] for l in body) / 2, 12)
            fm["n_malloc_mb"] = round(sum(l["n_malloc_mb"] for l in body), 6)
            fm["n_peak_mb"] = fm["n_malloc_mb"]
            fm.update({"line": "f%d" % k, "lineno": s})
            fm["memory_samples"] = []
            funcs.append(fm)
        fd = {"functions": funcs, "leaks": {}, "lines": lines}
        if v2:
            fd["imports"] = ["import math"]
            fd["leaks"] = {str(spans[0][0] + 6): {"likelihood": 0.97, "velocity_mb_s": 1.5}}
        return fd, total


def generate(mb, version, funcs_per_file, seed, root):
    g = Gen(version, funcs_per_file, seed)
    target = int(mb * 1024 * 1024)
    files, size, i = {}, 0, 0
    while size < target or i < 2:  # add files until the document is big enough
        path = ("%s/mod%04d.py" % (root, i)) if version == "2" else "mod%04d.py" % i
        fd, _ = g.file(i, path, 1.0)
        files[path] = fd
        size += len(json.dumps({"files": {path: fd}}, sort_keys=True, indent=4))
        i += 1
    n = len(files)
    keys = ("n_cpu_percent_python", "n_cpu_percent_c", "n_sys_percent")
    planted = "%s/mod0000.py" % root if version == "2" else "mod0000.py"
    hot = {8, 9}  # f0's loop header and body in mod0000.py
    rest = sum(l[k] for p, fd in files.items() for l in fd["lines"] for k in keys
               if not (p == planted and l["lineno"] in hot))
    hot_total = sum(l[k] for l in files[planted]["lines"] for k in keys if l["lineno"] in hot)
    for path, fd in files.items():  # the planted loop holds 20 %, the rest 80 %
        for l in fd["lines"]:
            f = 20.0 / hot_total if path == planted and l["lineno"] in hot else 80.0 / rest
            for k in keys:
                l[k] = l[k] * f
        lines = {l["lineno"]: l for l in fd["lines"]}
        for fn in fd["functions"]:  # records: half of what their lines hold
            body = [l for ln, l in lines.items()
                    if fn["lineno"] <= ln < fn["lineno"] + LINES_PER_FUNC - 1]
            for k in keys:
                fn[k] = sum(l[k] for l in body) / 2
        fd["percent_cpu_time"] = sum(l[k] for l in fd["lines"] for k in keys)
    timeline = [[int(i * 3e8), round(100 + 500 * i / 99, 6)] for i in range(100)]
    doc = {
        "alloc_samples": 123456, "elapsed_time_sec": 30.0, "files": files,
        "gpu": False, "growth_rate": 12.5, "max_footprint_fname": None,
        "max_footprint_lineno": None, "max_footprint_mb": 612.0, "memory": True,
        "program": "%s/mod0000.py" % root, "samples": timeline,
    }
    if version == "2":
        first = "%s/mod0000.py" % root
        doc.update({
            "args": ["mod0000.py"], "async_profile": False, "combined_stacks": [],
            "combined_stacks_timeline": [], "entrypoint_dir": root, "filename": root,
            "gpu_device": "", "main_thread_id": 140000000000000, "max_footprint_fname": first,
            "max_footprint_lineno": 15, "max_footprint_python_fraction": 0.9,
            "memory_stacks": [], "native_allocations_mb": 0.0,
            "start_time_absolute": 1700000000.0, "start_time_perf": 800.0,
            "stacks": [[["%s <module>:%d;" % (first, 3 + funcs_per_file * LINES_PER_FUNC + 2),
                         "%s f0:9;" % first], {"c_time": 0.03, "count": 1000,
                                               "cpu_samples": 0.2, "python_time": 0.17}]]
            + [[["%s/mod%04d.py <module>:1;" % (root, i), "%s/mod%04d.py f%d:%d;"
                 % (root, i, k, 9 + k * LINES_PER_FUNC)],
                {"c_time": 0.001, "count": 5, "cpu_samples": 0.002, "python_time": 0.001}]
               for i in range(min(n, 50)) for k in range(3)],
        })
    else:
        doc["program"] = "mod0000.py"
    return doc


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=1.0, help="target size in MB (default 1)")
    ap.add_argument("--version", choices=["2", "1.5"], default="2")
    ap.add_argument("--funcs-per-file", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--root", default="/home/dev/bigprog",
                    help="directory the program's files claim to live in (2.x paths)")
    ap.add_argument("--out", default="-", help="output file (default stdout)")
    a = ap.parse_args()
    doc = generate(a.mb, a.version, a.funcs_per_file, a.seed, a.root)
    text = json.dumps(doc, sort_keys=True, indent=4) + "\n"
    if a.out == "-":
        sys.stdout.write(text)
    else:
        with open(a.out, "w") as f:
            f.write(text)
        print("%s: %.1f MB, %d files" % (a.out, len(text) / 1048576, len(doc["files"])),
              file=sys.stderr)


if __name__ == "__main__":
    main()
