"""Planted answers in the fixture's profiles, read back through the shared
store (get_profile, get_file_details) for both Scalene versions."""

import json
import os

import e2e
from e2e import E2ETest, line_cpu, line_of


class Profiles(E2ETest):

    def test_dominant_cpu_line_is_top(self):
        """cpu_hot.py's hot() line holds ~90% of CPU; the next line ~10%."""
        hot = line_of("cpu_hot.py", "i * i % 7")
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("cpu_hot", v)
                sm = self.summary(e)
                self.assertEqual(sm["outcome"], "ok")
                self.assertEqual(sm["scalene_version"].split(".")[0], v.split(".")[0])
                top = sm["top_lines"]
                self.assertTrue(top, sm)
                self.assertEqual((top[0]["file"], top[0]["first_line"]), ("cpu_hot.py", hot), top)
                self.assertIn("i * i % 7", top[0]["source"])
                nxt = top[1]["cpu_percent"] if len(top) > 1 else 0.0
                self.assertWins(top[0]["cpu_percent"], nxt, 4, "cpu_hot top line")
                # The same answer per line, sorted by CPU.
                d = self.file_details(e, "cpu_hot.py", sort_by="cpu", top_n=5)
                self.assertEqual(d["lines"][0]["line"], hot, d["lines"])
                self.assertWins(d["lines"][0]["cpu_percent"],
                                d["lines"][1]["cpu_percent"] if len(d["lines"]) > 1 else 0, 4,
                                "cpu_hot per-line")
                # The response of profile_script said the same.
                self.assertEqual(e["structured"]["summary"]["top_lines"][0]["first_line"], hot)
                self.assertIn("cpu_hot.py:%d" % hot, e["text"])

    def test_two_files_both_attributed(self):
        """split_work: worker.py's crunch ~5/6 of CPU, main.py's local ~1/6;
        both files listed."""
        wl = line_of("split_work/worker.py", "i * i % 11")
        ml = line_of("split_work/main.py", "i * i % 11")
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("split", v)
                sm = self.summary(e)
                cpu = self.file_cpu(sm)
                self.assertEqual(sorted(cpu), ["main.py", "worker.py"], sm["files"])
                self.assertWins(cpu["worker.py"], cpu["main.py"], 2, "worker.py vs main.py")
                self.assertGreater(cpu["main.py"], 4, "main.py's own sixth is missing")
                self.assertTrue(all(f["shown"] for f in sm["files"]), sm["files"])
                self.assertEqual((sm["top_lines"][0]["file"], sm["top_lines"][0]["first_line"]),
                                 ("worker.py", wl), sm["top_lines"])
                w = self.file_details(e, "worker.py")
                m = self.file_details(e, "split_work/main.py")
                self.assertTrue(w["file"].endswith("/split_work/worker.py"), w["file"])
                self.assertTrue(m["file"].endswith("/split_work/main.py"), m["file"])
                self.assertWins(line_cpu(w, wl), line_cpu(m, ml), 2, "worker vs main line")
                self.assertGreater(line_cpu(m, ml), 4, m["lines"])

    def test_thread_work_attributed_to_worker_line(self):
        """thread_hot.py: the worker thread's line holds the CPU time."""
        hot = line_of("thread_hot.py", "RESULT.append(sum(")
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("thread_hot", v)
                sm = self.summary(e)
                top = sm["top_lines"]
                self.assertEqual((top[0]["file"], top[0]["first_line"]),
                                 ("thread_hot.py", hot), top)
                nxt = top[1]["cpu_percent"] if len(top) > 1 else 0.0
                self.assertWins(top[0]["cpu_percent"], nxt, 4, "thread worker line")

    def test_large_allocation_in_peak_memory(self):
        """big_alloc.py allocates 256 MiB at once on one line."""
        big = line_of("big_alloc.py", "bytearray(256")
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("big_alloc", v)
                sm = self.summary(e)
                self.assertTrue(sm["memory_profiled"], sm)
                self.assertGreaterEqual(sm["max_footprint_mb"], 200, sm)
                self.assertLess(sm["max_footprint_mb"], 1024, sm)
                d = self.file_details(e, "big_alloc.py", sort_by="memory", top_n=3)
                self.assertEqual(d["lines"][0]["line"], big, d["lines"])
                self.assertGreaterEqual(d["lines"][0]["peak_mb"], 200, d["lines"])
                if len(d["lines"]) > 1:
                    self.assertWins(d["lines"][0]["peak_mb"], d["lines"][1]["peak_mb"], 4,
                                    "the allocation's peak")
                self.assertIn("peak memory", e["text"])

    def test_growing_leak_reported(self):
        """leak.py keeps 400 x 1 MiB in a dict: peak ~400 MB, a footprint
        timeline that grows, a clear growth rate, and the allocations in
        step(). Scalene's leak detector is not stable enough to require a
        report (2.4 often reports none; with a transient same-sized buffer
        next to it 1.5.16 named the transient line), so leaks, when
        reported, must point into step()."""
        first = line_of("leak.py", "def step(")
        step_lines = range(first, line_of("leak.py", "def main(") - 1)
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("leak", v)
                sm = self.summary(e)
                self.assertGreaterEqual(sm["max_footprint_mb"], 300, sm)
                self.assertGreaterEqual(sm["growth_rate"], 10, sm)
                tl, _ = self.tool(self.shared(), "get_profile",
                                  {"profile_id": e["profile_id"], "section": "timeline"})
                mbs = [p[1] for p in tl["timeline"]]
                self.assertGreaterEqual(len(mbs), 2, "no footprint timeline")
                self.assertGreaterEqual(max(mbs), 300, mbs)
                self.assertGreaterEqual(mbs[-1] - mbs[0], 200, "the footprint did not grow")
                d = self.file_details(e, "leak.py", sort_by="memory", top_n=100)
                step = [l for l in d["lines"] if l["line"] in step_lines]
                self.assertGreaterEqual(sum(l["malloc_mb"] for l in step), 300, d["lines"])
                others = sum(l["malloc_mb"] for l in d["lines"] if l not in step)
                self.assertWins(sum(l["malloc_mb"] for l in step), others, 5, "step() allocs")
                lk, _ = self.tool(self.shared(), "get_profile",
                                  {"profile_id": e["profile_id"], "section": "leaks"})
                for leak in lk["leaks"]:
                    self.assertEqual(leak["file"], "leak.py", leak)
                    self.assertIn(leak["line"], step_lines, leak)
                    self.assertGreaterEqual(leak["likelihood"], 0.9, leak)

    def test_module_mode_with_args(self):
        """-m pkgdemo.cli with arguments that look like Scalene flags."""
        want = ["6", "--cpu-only", "---", "--json", "-m", "x y"]
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("module_args", v)
                with open(os.path.join(e["out_dir"], "argv.json")) as f:
                    self.assertEqual(json.load(f), want)
                sm = self.summary(e)
                self.assertEqual(sm["target"], "-m pkgdemo.cli")
                self.assertEqual(sm["outcome"], "ok")
                top = sm["top_lines"][0]
                self.assertEqual((top["file"], top["first_line"]),
                                 ("pkgdemo/cli.py", line_of("pkgdemo/cli.py", "i * i % 5")),
                                 sm["top_lines"])
                argv = e["structured"]["argv"]
                self.assertEqual(argv[argv.index("---") + 1:], want, argv)
                self.assertEqual(argv[argv.index("---") - 2:argv.index("---")],
                                 ["-m", "pkgdemo.cli"], argv)

    def test_script_argv_is_exact(self):
        """The program's sys.argv is exactly [script, args...], with args
        that look like Scalene flags (--cpu-only, ---, --json, --outfile)."""
        for v in self.versions():
            with self.subTest(version=v):
                e = self.entry("argv", v)
                cat = [c for c in json.load(open(os.path.join(e2e.HERE, "catalog.json")))
                       ["entries"] if c["name"] == "argv"][0]
                with open(os.path.join(e["out_dir"], "argv.json")) as f:
                    got = json.load(f)
                self.assertEqual(got, [e2e.workload("print_argv.py")] + cat["args"])

    def test_listed_with_labels(self):
        """Every fixture profile is in list_profiles, found by its label."""
        srv = self.shared()
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("cpu_hot", v)
                sc, _ = self.tool(srv, "list_profiles", {"label": "cpu_hot@%s" % v})
                ids = [p["profile_id"] for p in sc["profiles"]]
                self.assertEqual(ids, [e["profile_id"]], sc)
                self.assertEqual(sc["profiles"][0]["outcome"], "ok")
                sc, _ = self.tool(srv, "list_profiles", {"target": "crash_exit3", "limit": 50})
                self.assertTrue(any(p["label"] == "crash_exit3@%s" % v for p in sc["profiles"]),
                                sc)

    def test_progress_reported(self):
        """Every fixture call got progress notifications, the queued ones
        said so, and none came after the answer."""
        idx = e2e.index()["entries"]
        queued = 0
        for name, per in idx.items():
            for v, rec in per.items():
                msgs = [p.get("message", "") for p in rec["progress"]]
                self.assertTrue(msgs, "%s@%s: no progress" % (name, v))
                self.assertEqual(rec["progress_after_answer"], 0, "%s@%s" % (name, v))
                for p in rec["progress"]:
                    self.assertEqual(p["total"], 30 if name == "read_stdin" else 60, p)
                prog = [p["progress"] for p in rec["progress"]]
                self.assertTrue(all(b > a for a, b in zip(prog, prog[1:])),
                                "%s@%s: progress must increase: %s" % (name, v, prog))
                queued += any(m.startswith("queued") for m in msgs)
        # 2 run at once, every other call waited in the queue first.
        self.assertGreater(queued, len(idx), "calls beyond the first two should report queued")


if __name__ == "__main__":
    e2e.main()
