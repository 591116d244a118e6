"""get_bottlenecks on real profiles made by the e2e fixture with both Scalene
versions: each rule of the library fires on the workload made for it and
stays quiet on the look-alike in the same program (tests/workloads/bn_*.py).
Lines are named by their text (line_of), never by number.

The fixture's server does not load the analyzer plugins, so these tests start
one of their own on the same shared store with a copy of its config plus
[plugin.bottlenecks], [plugin.leaks] and [plugin.comparator].
"""

import os
import tempfile

import e2e
from e2e import E2ETest, line_of

ANALYZERS = ("bottlenecks", "leaks", "comparator")


def analyzer_config(tc):
    """The shared config (the fixture's sqlite store) plus our analyzers."""
    e2e.index()  # skips the test when the fixture has not run
    with open(e2e.CONF) as f:
        text = f.read()
    extra = "".join("\n[plugin.%s]\n" % n for n in ANALYZERS if "[plugin.%s]" % n not in text)
    fd, path = tempfile.mkstemp(prefix="smcp-e2e-analyzers-", suffix=".ini")
    with os.fdopen(fd, "w") as f:
        f.write(text + extra)
    tc.addCleanup(os.unlink, path)
    return path


class AnalyzerTest(E2ETest):
    """Base: a server with the analyzers on the shared store."""

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


def problem_at(sc, line):
    """The problem whose line range holds `line`, or None."""
    for p in sc["problems"]:
        if p["first_line"] <= line <= p["last_line"]:
            return p
    return None


def rules_of(p):
    return [p["rule"]] + p["also"] if p else []


class Bottlenecks(AnalyzerTest):

    def problems(self, name, version):
        e = self.ok_entry(name, version)
        sc, text = self.call("get_bottlenecks", profile_id=e["profile_id"], top_n=50,
                             max_bytes=100000)
        self.assertTrue(sc["problems"], text)
        return sc, text

    def check_rule(self, name, script, rule, fires, quiet, may_fire=()):
        """On every version: `rule` is the primary rule of the problem at
        each line of `fires`, fires on no line of `quiet`, and on no other
        line than those and `may_fire` (lines that do the same thing but
        whose cost depends on the run)."""
        for v in self.versions():
            with self.subTest(version=v):
                sc, text = self.problems(name, v)
                for needle in fires:
                    ln = line_of(script, needle)
                    p = problem_at(sc, ln)
                    self.assertIsNotNone(p, "%s@%s: no problem at line %d (%s)\n%s"
                                         % (name, v, ln, needle, text))
                    self.assertEqual(p["rule"], rule, "%s@%s line %d:\n%s" % (name, v, ln, text))
                    self.assertEqual(p["line"], ln)
                    self.assertTrue(p["recommendation"])
                for needle in quiet:
                    ln = line_of(script, needle)
                    p = problem_at(sc, ln)
                    self.assertNotIn(rule, rules_of(p), "%s@%s: %s fired on the look-alike at "
                                     "line %d (%s)\n%s" % (name, v, rule, ln, needle, text))
                fired = {p["line"] for p in sc["problems"] if rule in rules_of(p)}
                allowed = {line_of(script, n) for n in list(fires) + list(may_fire)}
                self.assertLessEqual(fired, allowed, "%s@%s: %s fired elsewhere\n%s"
                                     % (name, v, rule, text))

    def test_str_concat_in_loop(self):
        self.check_rule("bn_concat", "bn_concat.py", "str_concat_in_loop",
                        fires=['r.text += str(i) + ","'], quiet=["s += i * 3 + 1"])
        # the int look-alike is a problem of its own (just not this one)
        for v in self.versions():
            sc, text = self.problems("bn_concat", v)
            self.assertIsNotNone(problem_at(sc, line_of("bn_concat.py", "s += i * 3 + 1")), text)

    def test_regex_in_loop(self):
        self.check_rule("bn_regex", "bn_regex.py", "regex_in_loop",
                        fires=['if re.match(r"[a-z]+[0-9]+$", line):'],
                        quiet=["if WORD.match(line):", "WORD = re.compile("],
                        # re's pattern cache makes the compile itself cheap: it is
                        # flagged whenever Scalene gives the line enough samples
                        may_fire=['pat = re.compile(r"[a-z]+[0-9]+$")'])

    def test_io_in_loop(self):
        self.check_rule("bn_io", "bn_io.py", "io_in_loop",
                        fires=['with open(path, "a") as f:'],
                        quiet=['buf.write("%d\\n" % i)', "f.write(buf.getvalue() * 40)"],
                        may_fire=[' f.write("%d\\n" % i)'])

    def test_alloc_in_loop(self):
        self.check_rule("bn_alloc", "bn_alloc.py", "alloc_in_loop",
                        fires=["doubled = [x * 2 for x in data]"],
                        quiet=["out = np.empty_like(a)", "np.multiply(a, 2.0, out=out)"])

    def test_python_numeric_loop(self):
        self.check_rule("bn_numeric", "bn_numeric.py", "python_numeric_loop",
                        fires=["total += (i * 0.5) ** 2 % 7"],
                        quiet=["total += float(np.dot(a, a))"])

    def test_answer_shape(self):
        for v in self.versions():
            with self.subTest(version=v):
                sc, text = self.problems("bn_numeric", v)
                sev = [p["severity"] for p in sc["problems"]]
                order = ["critical", "high", "medium", "low"]
                self.assertEqual(sev, sorted(sev, key=order.index), "ranked by severity")
                self.assertEqual(sc["shown"], len(sc["problems"]))
                self.assertLess(len(text), 100000)
                first = text.splitlines()[0]
                self.assertIn("Bottlenecks in", first)
                # default answer is bounded
                e = self.ok_entry("bn_numeric", v)
                _, small = self.call("get_bottlenecks", profile_id=e["profile_id"])
                self.assertLess(len(small), 6500)

    def test_section_in_analyze_profile(self):
        e = self.ok_entry("bn_regex", "2" if "2" in self.versions() else "1.5")
        sc, text = self.call("analyze_profile", profile_id=e["profile_id"], focus="cpu")
        self.assertIn("bottlenecks", sc["sections"])
        self.assertIn("## Bottlenecks", text)
        self.assertTrue(any(r["section"] == "bottlenecks" for r in sc["recommendations"]), text)

    def test_unknown_profile_is_an_error(self):
        msg = self.tool_error(self.srv(), "get_bottlenecks", {"profile_id": "no-such-profile"})
        self.assertIn("list_profiles", msg)


if __name__ == "__main__":
    e2e.main()
