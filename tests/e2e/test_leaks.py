"""get_memory_leaks on real profiles made by the e2e fixture with both
Scalene versions: a planted leak is reported with high confidence and a
large transient allocation is not called a leak (tests/workloads/lk_phases.py,
separate phases; tests/workloads/lk_interleaved.py, leak and transient in
one function, where Scalene itself cannot tell them apart); memory
profiling off and a leak-free run are said plainly.
"""

import e2e
from e2e import line_of
from test_bottlenecks import AnalyzerTest


def leak_at(sc, line):
    for l in sc["leaks"]:
        if l["line"] == line:
            return l
    return None


class Leaks(AnalyzerTest):

    def leaks(self, name, version, **kw):
        e = self.ok_entry(name, version)
        return self.call("get_memory_leaks", profile_id=e["profile_id"], **kw)

    def test_planted_leak_vs_transient_phases(self):
        keep = line_of("lk_phases.py", "HISTORY.append(bytearray(1024 * 1024))")
        transient = line_of("lk_phases.py", "buf = bytearray(n_mb * 1024 * 1024)")
        for v in self.versions():
            with self.subTest(version=v):
                sc, text = self.leaks("lk_phases", v)
                self.assertEqual(sc["verdict"], "leak", text)
                first = sc["leaks"][0]
                self.assertEqual(first["line"], keep, text)
                self.assertEqual(first["confidence"], "high", text)
                self.assertEqual(first["function"], "keep")
                self.assertIn("HISTORY", first["reason"])
                t = leak_at(sc, transient)
                # not a leak; at most low confidence with the reason
                if t is not None:
                    self.assertEqual(t["confidence"], "low", text)
                    self.assertRegex(t["reason"], "came back|freed when", text)

    def test_interleaved_leak_and_transient(self):
        """lk_interleaved.py: the leak (CACHE[i] = ...) and a same-size transient
        (scratch = ...) alternate in one function; 2.x splits the growth
        between them and 1.5.16 charges it to the transient. The source
        decides: the store into CACHE is the leak, the local is freed."""
        leak = line_of("lk_interleaved.py", "CACHE[i] = bytearray(1024 * 1024)")
        scratch = line_of("lk_interleaved.py", "scratch = bytes(1024 * 1024)")
        for v in self.versions():
            with self.subTest(version=v):
                sc, text = self.leaks("lk_interleaved", v)
                self.assertIn(sc["verdict"], ("leak", "possible_leak"), text)
                l = leak_at(sc, leak)
                self.assertIsNotNone(l, text)
                self.assertIn(l["confidence"], ("high", "medium"), text)
                self.assertEqual(sc["leaks"][0]["line"], leak, text)
                s = leak_at(sc, scratch)
                if s is not None:
                    self.assertEqual(s["confidence"], "low", text)
                    self.assertIn("binds a local (`scratch`)", s["reason"])

    def test_memory_off_is_said_plainly(self):
        for v in self.versions():
            with self.subTest(version=v):
                sc, text = self.leaks("big_alloc_nomem", v)
                self.assertEqual(sc["verdict"], "no_memory_data", text)
                self.assertFalse(sc["memory_profiling"])
                self.assertIn("memory profiling was off", text)
                self.assertEqual(sc["leaks"], [])

    def test_no_leak_in_cpu_program(self):
        for v in self.versions():
            with self.subTest(version=v):
                sc, text = self.leaks("cpu_hot", v)
                self.assertEqual(sc["verdict"], "no_leak", text)
                self.assertIn("nothing leaked", text)

    def test_section_in_analyze_profile(self):
        v = self.versions()[0]
        e = self.ok_entry("lk_phases", v)
        sc, text = self.call("analyze_profile", profile_id=e["profile_id"], focus="leaks")
        self.assertIn("leaks", sc["sections"])
        self.assertIn("## Memory leaks", text)
        self.assertTrue(any(r["section"] == "leaks" for r in sc["recommendations"]), text)


if __name__ == "__main__":
    e2e.main()
