"""The analyzers (hotspots, functions, gpu plugins) on real profiles made by
the e2e fixture with both Scalene versions: planted hot lines rank first,
loop regions stay whole, module-level code, module mode and multi-file
programs attribute to the right files and functions, call paths come from
Scalene's stacks.

The fixture's server does not load the analyzer plugins, so these tests
start one of their own on the same shared store with a copy of its config
plus [plugin.hotspots], [plugin.functions] and [plugin.gpu].
"""

import os
import tempfile
import unittest

import e2e
from e2e import E2ETest, line_of

ANALYZERS = ("hotspots", "functions", "gpu")


def analyzer_config(tc):
    """The shared config (sqlite store of the fixture) plus the analyzers."""
    e2e.index()  # skips the test when the fixture has not run
    with open(e2e.CONF) as f:
        text = f.read()
    extra = "".join("\n[plugin.%s]\n" % n for n in ANALYZERS if "[plugin.%s]" % n not in text)
    fd, path = tempfile.mkstemp(prefix="smcp-e2e-hotspots-", suffix=".ini")
    with os.fdopen(fd, "w") as f:
        f.write(text + extra)
    tc.addCleanup(os.unlink, path)
    return path


class Hotspots(E2ETest):

    def setUp(self):
        super().setUp()
        self._an = None

    def srv(self):
        if self._an is None:
            self._an = e2e.Server(analyzer_config(self), name="analyzers")
            self.addCleanup(self._close_server, self._an)
        return self._an

    def call(self, tool, **args):
        return self.tool(self.srv(), tool, args)

    def hot(self, entry_name, version, **args):
        e = self.ok_entry(entry_name, version)
        sc, text = self.call("get_cpu_hotspots", profile_id=e["profile_id"], **args)
        self.assertTrue(sc["hotspots"], text)
        return sc, text

    def funcs(self, entry_name, version, **args):
        e = self.ok_entry(entry_name, version)
        sc, text = self.call("get_function_summary", profile_id=e["profile_id"], **args)
        return sc, text

    @staticmethod
    def covers(h, lineno):
        return h["line"] <= lineno <= h["last_line"]

    def runner_up(self, sc):
        hs = sc["hotspots"]
        return hs[1]["cpu_percent"] if len(hs) > 1 else 0.0

    # ------------------------------------------------------------------

    def test_planted_hot_line_first(self):
        """cpu_hot.py: the generator line in hot() ranks first, by >= 4x."""
        hot = line_of("cpu_hot.py", "i * i % 7")
        for v in self.versions():
            with self.subTest(version=v):
                sc, text = self.hot("cpu_hot", v)
                top = sc["hotspots"][0]
                self.assertEqual(top["file"], "cpu_hot.py", text)
                self.assertTrue(self.covers(top, hot), text)
                self.assertEqual(top["function"], "hot", text)
                self.assertIn("i * i % 7", top["source"])
                self.assertWins(top["cpu_percent"], self.runner_up(sc), 4, "cpu_hot top hotspot")
                self.assertIn("cpu_hot.py:%d" % hot, text)
                self.assertEqual(sc["hotspots"][0]["severity"], "critical", text)

    def test_loop_region_is_one_hotspot(self):
        """hs_loop.py: Scalene 2.x ties the loop header with its body; the
        loop is one hotspot (header and body), never the header alone. 1.5.16
        puts the time on the body line."""
        header = line_of("hs_loop.py", "for i in range(n):")
        body = line_of("hs_loop.py", "total += i * i % 7")
        for v in self.versions():
            with self.subTest(version=v):
                sc, text = self.hot("hs_loop", v, context_lines=1)
                top = sc["hotspots"][0]
                self.assertTrue(self.covers(top, body), text)
                self.assertEqual(top["function"], "spin", text)
                self.assertWins(top["cpu_percent"], self.runner_up(sc), 10, "hs_loop top")
                members = [l["line"] for l in top["lines"]]
                if v == "2":
                    self.assertEqual(top["kind"], "loop_region", text)
                    self.assertEqual(members, [header, body], text)
                    self.assertAlmostEqual(top["lines"][0]["cpu_percent"],
                                           top["lines"][1]["cpu_percent"], places=6)
                else:
                    self.assertEqual(members, [body], text)
                    self.assertEqual((top["loop_start"], top["loop_end"]), (header, body), text)
                # no other hotspot is the loop's header alone
                for h in sc["hotspots"][1:]:
                    self.assertFalse(self.covers(h, header), text)
                self.assertEqual(top["context_source"], "profile" if v == "2" else "disk")
                self.assertIn(header, [c["line"] for c in top["context"]])
                # function totals come from the lines: at least the record
                fs, ftext = self.funcs("hs_loop", v)
                spin = fs["functions"][0]
                self.assertEqual(spin["name"], "spin", ftext)
                self.assertGreater(spin["cpu_percent"], 90, ftext)
                if spin["recorded"] is not None:
                    self.assertGreaterEqual(spin["cpu_percent"] + 1e-6,
                                            spin["recorded"]["cpu_percent"], ftext)

    def test_module_level_code(self):
        """hs_modlevel.py: the hot loop runs outside any function; it is
        attributed to <module>, helper() keeps its own small share."""
        body = line_of("hs_modlevel.py", "acc = (acc + i * i) % 1_000_003")
        for v in self.versions():
            with self.subTest(version=v):
                sc, text = self.hot("hs_modlevel", v)
                top = sc["hotspots"][0]
                self.assertTrue(self.covers(top, body), text)
                self.assertEqual(top["function"], "<module>", text)
                self.assertIsNone(top["function_start"])
                self.assertWins(top["cpu_percent"], self.runner_up(sc), 3, "module-level loop")
                fs, ftext = self.funcs("hs_modlevel", v)
                first = fs["functions"][0]
                self.assertEqual(first["name"], "<module>", ftext)
                self.assertTrue(first["module_level"], ftext)
                self.assertEqual(first["file"], "hs_modlevel.py")
                for f in fs["functions"][1:]:
                    self.assertNotEqual(f["name"], "<module>", ftext)

    def test_module_mode_two_files(self):
        """python -m hspkg.app: grind() in hspkg/engine.py holds most CPU,
        tally() in hspkg/app.py the rest; each is attributed to its own file
        and function."""
        grind = line_of("hspkg/engine.py", "i * i % 13")
        tally = line_of("hspkg/app.py", "i % 3 for i")
        for v in self.versions():
            with self.subTest(version=v):
                sc, text = self.hot("hs_module", v)
                top = sc["hotspots"][0]
                self.assertEqual((top["file"], top["line"]), ("hspkg/engine.py", grind), text)
                self.assertEqual(top["function"], "grind", text)
                self.assertWins(top["cpu_percent"], self.runner_up(sc), 3, "grind vs tally")
                others = [(h["file"], h["line"], h["function"]) for h in sc["hotspots"][1:]]
                self.assertIn(("hspkg/app.py", tally, "tally"), others, text)
                fs, ftext = self.funcs("hs_module", v)
                by_name = {f["name"]: f for f in fs["functions"]}
                self.assertEqual(fs["functions"][0]["name"], "grind", ftext)
                self.assertEqual(by_name["grind"]["file"], "hspkg/engine.py", ftext)
                self.assertEqual(by_name["tally"]["file"], "hspkg/app.py", ftext)
                # the file filter keeps one file's lines
                e = self.ok_entry("hs_module", v)
                only, otext = self.call("get_cpu_hotspots", profile_id=e["profile_id"],
                                        file="app.py")
                self.assertEqual({h["file"] for h in only["hotspots"]}, {"hspkg/app.py"}, otext)
                err = self.tool_error(self.srv(), "get_cpu_hotspots",
                                      {"profile_id": e["profile_id"], "file": "nothere.py"})
                self.assertIn("is not in profile", err)

    def test_call_paths(self):
        """stacks=true (2.x): the heaviest path into grind() starts in
        hspkg/app.py's main() and ends in hspkg/engine.py; the folded export
        is 'frame;frame weight' lines. 1.5.16 has no stacks and says how to
        get them."""
        grind = line_of("hspkg/engine.py", "i * i % 13")
        if "2" in self.versions():
            e = self.ok_entry("hs_stacks", "2")
            sc, text = self.call("get_call_paths", profile_id=e["profile_id"])
            self.assertTrue(sc["stacks_available"], text)
            t = sc["targets"][0]
            self.assertEqual((t["file"], t["line"]), ("hspkg/engine.py", grind), text)
            self.assertEqual(t["hotspot_rank"], 1, text)
            frames = t["paths"][0]["frames"]
            self.assertIn(("hspkg/app.py", "main"), [(f["file"], f["function"]) for f in frames])
            self.assertEqual(frames[-1]["file"], "hspkg/engine.py", frames)
            fsc, ftext = self.call("get_call_paths", profile_id=e["profile_id"], format="folded")
            lines = fsc["folded"].splitlines()
            self.assertTrue(lines, ftext)
            for ln in lines:
                stack, _, weight = ln.rpartition(" ")
                self.assertTrue(weight.isdigit(), ln)
                self.assertIn(";", stack, ln)
            self.assertIn("grind (hspkg/engine.py:%d)" % grind, fsc["folded"])
        if "1.5" in self.versions():
            e = self.ok_entry("hs_module", "1.5")
            sc, text = self.call("get_call_paths", profile_id=e["profile_id"])
            self.assertFalse(sc["stacks_available"])
            self.assertIn("stacks=true", text)

    def test_memory_hotspot(self):
        """big_alloc.py: the 256 MiB bytearray line ranks first by peak and
        by allocation; a memory=false profile says memory was not profiled."""
        big = line_of("big_alloc.py", "bytearray(256")
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("big_alloc", v)
                for sort_by in ("peak", "alloc"):
                    sc, text = self.call("get_memory_hotspots", profile_id=e["profile_id"],
                                         sort_by=sort_by)
                    self.assertTrue(sc["memory_profiled"], text)
                    top = sc["hotspots"][0]
                    self.assertEqual((top["file"], top["line"]), ("big_alloc.py", big), text)
                    self.assertGreater(max(top["peak_mb"], top["alloc_mb"]), 200, text)
        if "2" in self.versions():
            e = self.ok_entry("big_alloc_nomem", "2")
            sc, text = self.call("get_memory_hotspots", profile_id=e["profile_id"])
            self.assertFalse(sc["memory_profiled"], text)
            self.assertIn("memory=true", text)

    def test_no_gpu_data(self):
        """No GPU here: the answer says so and what it takes."""
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("cpu_hot", v)
                sc, text = self.call("get_gpu_hotspots", profile_id=e["profile_id"])
                self.assertFalse(sc["has_gpu_data"], text)
                self.assertIn("gpu=true", text)
                self.assertIn("nvidia-ml-py", text)

    def test_analyze_profile_sections(self):
        """analyze_profile shows the analyzers' sections and puts the hot
        loop's recommendation first."""
        body = line_of("hs_loop.py", "total += i * i % 7")
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("hs_loop", v)
                sc, text = self.call("analyze_profile", profile_id=e["profile_id"])
                for name in ("cpu_hotspots", "memory_hotspots", "functions", "gpu"):
                    self.assertIn(name, sc["sections"], text)
                rec = sc["recommendations"][0]
                self.assertEqual(rec["severity"], "critical", text)
                self.assertEqual(rec["file"], "hs_loop.py", text)
                self.assertLessEqual(rec["line"], body)

    def test_outputs_match_schemas(self):
        """Every analyzer answer validates against its declared outputSchema
        with a real JSON Schema validator (skipped when jsonschema is not
        installed for the interpreter running the tests)."""
        try:
            import jsonschema
        except ImportError:
            raise unittest.SkipTest("jsonschema not installed")
        listing = self.srv().request("tools/list")["result"]["tools"]
        schemas = {t["name"]: t["outputSchema"] for t in listing if "outputSchema" in t}
        calls = []
        for v in self.versions():
            for name in ("hs_loop", "hs_module", "big_alloc"):
                pid = self.ok_entry(name, v)["profile_id"]
                calls += [("get_cpu_hotspots", {"profile_id": pid, "context_lines": 2}),
                          ("get_memory_hotspots", {"profile_id": pid}),
                          ("get_function_summary", {"profile_id": pid}),
                          ("get_gpu_hotspots", {"profile_id": pid}),
                          ("get_call_paths", {"profile_id": pid})]
        if "2" in self.versions():
            pid = self.ok_entry("hs_stacks", "2")["profile_id"]
            calls += [("get_call_paths", {"profile_id": pid}),
                      ("get_call_paths", {"profile_id": pid, "format": "folded"})]
        for tool, args in calls:
            sc, _ = self.call(tool, **args)
            jsonschema.validate(sc, schemas[tool])


if __name__ == "__main__":
    e2e.main()
