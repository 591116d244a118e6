"""Every profile_script option has an effect check in the resulting profile
(against the default run of the same workload) where Scalene makes one
observable, and a warning where the installed Scalene cannot honour it."""

import json
import os

import e2e
from e2e import E2ETest, line_cpu, line_of


def argv_of(e):
    return e["structured"]["argv"]


def scalene_flags(e):
    """Scalene's own flags: argv before the program (before '---')."""
    a = argv_of(e)
    return a[:a.index("---")]


class Options(E2ETest):

    def test_memory_false(self):
        """memory=false: no memory data although big_alloc allocates 256 MiB."""
        for v in self.versions():
            with self.subTest(version=v):
                on = self.summary(self.ok_entry("big_alloc", v))
                e = self.ok_entry("big_alloc_nomem", v)
                off = self.summary(e)
                self.assertTrue(on["memory_profiled"])
                self.assertGreaterEqual(on["max_footprint_mb"], 200)
                self.assertFalse(off["memory_profiled"], off)
                self.assertEqual(off["max_footprint_mb"], 0, off)
                d = self.file_details(e, "big_alloc.py", include_inactive=True, top_n=100)
                self.assertEqual(max(l["peak_mb"] for l in d["lines"]), 0, d["lines"])
                self.assertIn("--cpu-only", scalene_flags(e))
                self.assertIn("memory not profiled", e["text"])
                tl, _ = self.tool(self.shared(), "get_profile",
                                  {"profile_id": e["profile_id"], "section": "timeline"})
                self.assertEqual(tl["timeline"], [])

    def test_cpu_percent_threshold(self):
        """cpu_percent_threshold=50 hides main.py (~1/6 of CPU) but not
        worker.py (~5/6); at the default 1% both are shown."""
        for v in self.versions():
            with self.subTest(version=v):
                dflt = self.ok_entry("split", v)["structured"]["summary"]
                e = self.ok_entry("split_threshold", v)
                sm = e["structured"]["summary"]
                shown = {f["display_path"]: f["shown"] for f in sm["files"]}
                self.assertEqual(shown, {"worker.py": True, "main.py": False}, sm["files"])
                self.assertTrue(all(f["shown"] for f in dflt["files"]), dflt["files"])
                self.assertRegex(e["text"], r"1 under the thresholds \(cpu 50(\.0)?%")
                self.assertTrue(all(t["file"] == "worker.py" for t in sm["top_lines"]),
                                sm["top_lines"])
                self.assertTrue(any(t["file"] == "main.py" for t in dflt["top_lines"]),
                                dflt["top_lines"])
                # The stored profile remembers the call's threshold.
                again = self.summary(e)
                self.assertEqual({f["display_path"]: f["shown"] for f in again["files"]},
                                 shown, "get_profile ignores the run's cpu_percent_threshold")

    def test_malloc_threshold(self):
        """With cpu_percent_threshold=50, alloc_split/allocs.py (~20% of CPU,
        150-300 allocation samples) is shown only through its allocations:
        at malloc_threshold=10 it is, at 100000 it is not."""
        for v in self.versions():
            with self.subTest(version=v):
                for name, want in (("malloc_low", True), ("malloc_high", False)):
                    sm = self.ok_entry(name, v)["structured"]["summary"]
                    files = {f["display_path"]: f for f in sm["files"]}
                    self.assertEqual(sorted(files), ["allocs.py", "main.py"], sm["files"])
                    self.assertLess(files["allocs.py"]["cpu_percent"], 50, sm["files"])
                    self.assertTrue(files["main.py"]["shown"], sm["files"])
                    self.assertEqual(files["allocs.py"]["shown"], want, (name, sm["files"]))
                    again = self.summary(self.ok_entry(name, v))
                    self.assertEqual([f["shown"] for f in again["files"]
                                      if f["display_path"] == "allocs.py"], [want],
                                     "get_profile ignores the run's malloc_threshold")

    def test_profile_only(self):
        """profile_only=helper: only two_file/helper.py is profiled."""
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("two_file_only", v)
                sm = self.summary(e)
                self.assertEqual([f["display_path"] for f in sm["files"]], ["helper.py"],
                                 sm["files"])
                self.assertEqual(sm["top_lines"][0]["first_line"],
                                 line_of("two_file/helper.py", "i * i % 11"))

    def test_profile_exclude(self):
        """profile_exclude=helper: helper.py is gone, main.py stays."""
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("two_file_exclude", v)
                sm = self.summary(e)
                self.assertEqual([f["display_path"] for f in sm["files"]], ["main.py"],
                                 sm["files"])
                self.assertTrue(self.tool_error(self.shared(), "get_file_details", {
                    "profile_id": e["profile_id"], "file": "helper.py"}))

    def test_profile_all(self):
        """profile_all: the standard library's colorsys.py is profiled; by
        default only the script is."""
        for v in self.versions():
            with self.subTest(version=v):
                dflt = self.summary(self.ok_entry("lib_heavy", v))
                e = self.ok_entry("lib_heavy_all", v)
                sm = self.summary(e)
                self.assertEqual([f["display_path"] for f in dflt["files"]], ["lib_heavy.py"])
                paths = [f["path"] for f in sm["files"]]
                self.assertTrue(any(p.endswith("/colorsys.py") for p in paths), paths)
                self.assertIn("--profile-all", scalene_flags(e))
                d = self.file_details(e, "colorsys.py")
                self.assertGreater(d["cpu_percent"], 0, d)

    def test_use_virtual_time(self):
        """sleep_heavy.py sleeps 1.5 s on line 9, then computes on line 11.
        Wall-clock (default): the sleep dominates, as system time. Virtual
        time: the sleep is invisible; the compute line is the top line."""
        sleep = line_of("sleep_heavy.py", "time.sleep(")
        work = line_of("sleep_heavy.py", "i * i % 7")
        for v in self.versions():
            with self.subTest(version=v):
                e0 = self.ok_entry("sleep_heavy", v)
                d0 = self.file_details(e0, "sleep_heavy.py")
                sm0 = self.summary(e0)
                self.assertEqual(sm0["top_lines"][0]["first_line"], sleep, sm0["top_lines"])
                self.assertWins(line_cpu(d0, sleep), line_cpu(d0, work), 2, "sleep (wall)")
                self.assertGreater(sm0["cpu_system_percent"], 50, sm0)
                e = self.ok_entry("sleep_heavy_virtual", v)
                self.assertIn("--use-virtual-time", scalene_flags(e))
                d = self.file_details(e, "sleep_heavy.py")
                sm = self.summary(e)
                self.assertEqual(sm["top_lines"][0]["first_line"], work, sm["top_lines"])
                self.assertLess(line_cpu(d, sleep), 10, d["lines"])

    def test_stacks(self):
        """stacks=true: 2.x stores call stacks (default: none for a
        single-threaded program); 1.5.16 cannot and says so."""
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("stacks", v)
                sm = self.summary(e)
                dflt = self.summary(self.ok_entry("cpu_hot", v))
                self.assertFalse(dflt["stacks"], "default run has stacks")
                if v == "2":
                    self.assertTrue(sm["stacks"], sm)
                    self.assertIn("--stacks", scalene_flags(e))
                    self.assertIn("--no-stacks", scalene_flags(self.entry("cpu_hot", v)))
                else:
                    self.assertFalse(sm["stacks"])
                    self.assertTrue(any("stacks" in w for w in e["structured"]["warnings"]),
                                    e["structured"]["warnings"])
                    self.assertIn("Warning: stacks", e["text"])

    def test_cpu_sampling_rate(self):
        """cpu_sampling_rate=30 s (memory off) on cpu_hot, which runs ~1 s:
        Scalene's first timer tick is the rate itself, so no CPU sample at
        all ('no samples' error) where the default 0.01 s took many."""
        for v in self.versions():
            with self.subTest(version=v):
                dflt = self.summary(self.ok_entry("cpu_hot", v))
                self.assertGreater(dflt["cpu_python_percent"] + dflt["cpu_native_percent"], 0)
                e = self.entry("slow_sampling", v)
                self.assertTrue(e["is_error"], "expected no samples at a 30 s rate: %s"
                                % e["text"][:500])
                self.assertIn("no samples", e["text"])

    def test_reduced_profile(self):
        """reduced_profile: handed to Scalene (which ignores it in JSON); the
        reports keep only lines with activity."""
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("misc_options", v)
                self.assertIn("--reduced-profile", scalene_flags(e))
                sm = e["structured"]["summary"]
                self.assertTrue(sm["top_lines"])
                self.assertTrue(all(t["cpu_percent"] > 0 for t in sm["top_lines"]))
                d = self.file_details(e, "cpu_hot.py", top_n=1000)
                self.assertTrue(all(l["cpu_percent"] > 0 or l["peak_mb"] > 0
                                    or l["malloc_mb"] > 0 for l in d["lines"]), d["lines"])

    def test_reduced_profile_leaves_out_what_it_hides(self):
        """With reduced_profile, files under the thresholds are left out of the
        listing (not just marked), and get_file_details lists active lines
        only even when asked for inactive ones; without it both appear."""
        for v in self.versions():
            with self.subTest(version=v):
                plain = self.ok_entry("split_threshold", v)["structured"]["summary"]
                e = self.ok_entry("split_reduced", v)
                sm = e["structured"]["summary"]
                self.assertEqual(sorted(f["display_path"] for f in plain["files"]),
                                 ["main.py", "worker.py"], plain["files"])
                self.assertEqual([f["display_path"] for f in sm["files"]], ["worker.py"],
                                 sm["files"])
                again = self.summary(e)  # get_profile applies the stored request too
                self.assertEqual([f["display_path"] for f in again["files"]], ["worker.py"])
                d = self.file_details(e, "worker.py", top_n=1000, include_inactive=True)
                self.assertTrue(d["lines"])
                self.assertTrue(all(l["cpu_percent"] > 0 or l["peak_mb"] > 0
                                    or l["malloc_mb"] > 0 for l in d["lines"]), d["lines"])
                if v == "2":  # 1.5.x records only lines with activity anyway
                    full = self.file_details(self.ok_entry("split_threshold", v), "worker.py",
                                             top_n=1000, include_inactive=True)
                    self.assertGreater(len(full["lines"]), len(d["lines"]))

    def test_memory_leak_detector_false_warns(self):
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("misc_options", v)
                w = e["structured"]["warnings"]
                self.assertTrue(any(x.startswith("memory_leak_detector") for x in w), w)

    def test_cpu_false_warns(self):
        """Scalene always profiles CPU: cpu=false is reported, not dropped."""
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("misc_options", v)
                w = e["structured"]["warnings"]
                self.assertTrue(any(x.startswith("cpu:") for x in w), w)
                self.assertGreater(e["structured"]["summary"]["cpu_python_percent"], 0)

    def test_gpu_without_gpu(self):
        """gpu=true on a machine without a GPU: gpu_profiled false (and a
        warning on Debian's 1.5.16, which never detects one)."""
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("misc_options", v)
                self.assertIn("--gpu", scalene_flags(e))
                self.assertIn("--memory", scalene_flags(e), "gpu=true must keep memory on")
                sm = self.summary(e)
                self.assertFalse(sm["gpu_profiled"], sm)
                self.assertTrue(sm["memory_profiled"], sm)
                if v == "1.5":
                    self.assertTrue(any(x.startswith("gpu") for x in
                                        e["structured"]["warnings"]),
                                    e["structured"]["warnings"])

    def test_env_reaches_program_secrets_do_not(self):
        """env passes variables; the server's secrets and PYTHONMALLOC
        (all in the fixture server's environment) do not reach the program."""
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("env", v)
                self.assertEqual(e["structured"]["outcome"], "ok")
                self.assertEqual(e["structured"]["summary"]["exit_status"], 0,
                                 "PYTHONMALLOC crashes Scalene's child at exit")
                with open(os.path.join(e["out_dir"], "env.json")) as f:
                    env = json.load(f)
                self.assertEqual(env.get("SMCP_E2E_GREETING"), "hello e2e = yes")
                for k in ("OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY", "GH_TOKEN"):
                    self.assertNotIn(k, env, "secret %s reached the program" % k)
                self.assertNotIn("PYTHONMALLOC", env)
                for val in env.values():
                    self.assertNotIn("must-not-leak", val)
                    self.assertNotIn("must_not_leak", val)
                # A private TMPDIR per run.
                self.assertIn("scalene-mcp-", env.get("TMPDIR", ""))
                self.assertFalse(os.path.exists(env["TMPDIR"]), "private TMPDIR left behind")

    def test_profile_code_imports_from_cwd(self):
        """profile_code with cwd=two_file imports helper.py from there."""
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("code_import", v)
                sm = self.summary(e)
                self.assertEqual(sm["outcome"], "ok")
                self.assertEqual(sm["target"], "<code>")
                self.assertTrue(sm["cwd"].endswith("/two_file"), sm["cwd"])
                # The time is spent in helper.crunch: the project's module is
                # profiled too (the program path covers cwd and the snippet).
                top = sm["top_lines"][0]
                self.assertTrue(top["file"].endswith("helper.py"), sm["top_lines"])
                self.assertTrue(any(f["path"].endswith("/two_file/helper.py")
                                    for f in sm["files"]), sm["files"])


if __name__ == "__main__":
    e2e.main()
