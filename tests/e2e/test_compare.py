"""compare_profiles on real profiles made by the e2e fixture with both
Scalene versions: a planted regression between two versions of a script
(tests/workloads/cmp_before/app.py -> cmp_after/app.py: new lines at the top
shift every line, tuned() does four times the work) is found on the right
line and an unchanged line is not flagged; two runs of the same script are
not called a regression.
"""

import e2e
from e2e import line_of
from test_bottlenecks import AnalyzerTest

BEFORE = "cmp_before/app.py"
AFTER = "cmp_after/app.py"
TUNED = "acc += (i * 3) % 11"
STEADY = "total += i % 7"


def lines_with(sc, text):
    """Every line entry (any list) whose source is `text`."""
    out = []
    for group in (sc["lines"]["regressions"], sc["lines"]["improvements"], sc["new_code"],
                  sc["removed_code"]):
        out += [e for e in group if e["source"] == text]
    return out


class Compare(AnalyzerTest):

    def compare(self, before, after, **kw):
        return self.call("compare_profiles", before_id=before["profile_id"],
                         after_id=after["profile_id"], **kw)

    def test_planted_regression_with_shifted_lines(self):
        b_line, a_line = line_of(BEFORE, TUNED), line_of(AFTER, TUNED)
        self.assertNotEqual(b_line, a_line)  # the edit shifted it
        for v in self.versions():
            with self.subTest(version=v):
                sc, text = self.compare(self.ok_entry("cmp_before", v),
                                        self.ok_entry("cmp_after", v))
                self.assertEqual(sc["verdict"], "regression", text)
                reg = sc["lines"]["regressions"]
                self.assertTrue(reg, text)
                top = reg[0]
                self.assertEqual(top["source"], TUNED, text)
                self.assertEqual(top["before_line"], b_line)
                self.assertEqual(top["after_line"], a_line)
                self.assertEqual(top["function"], "tuned")
                self.assertGreater(top["change_sec"], top["noise_sec"])
                # the unchanged loop is not flagged anywhere
                self.assertEqual(lines_with(sc, STEADY), [], text)
                fnames = [f["function"] for f in sc["functions"]["regressions"]]
                self.assertIn("tuned", fnames, text)
                self.assertNotIn("steady", fnames + [f["function"] for f in
                                                     sc["functions"]["improvements"]], text)

    def test_reverse_is_an_improvement(self):
        for v in self.versions():
            with self.subTest(version=v):
                sc, text = self.compare(self.ok_entry("cmp_after", v),
                                        self.ok_entry("cmp_before", v))
                self.assertIn(sc["verdict"], ("improvement",), text)
                self.assertEqual(sc["lines"]["regressions"], [], text)
                self.assertEqual(sc["lines"]["improvements"][0]["source"], TUNED, text)

    def test_two_runs_of_one_script_are_not_a_regression(self):
        for v in self.versions():
            with self.subTest(version=v):
                sc, text = self.compare(self.ok_entry("cmp_before", v),
                                        self.ok_entry("cmp_before_again", v))
                self.assertNotIn(sc["verdict"], ("regression", "mixed"), text)
                self.assertEqual(sc["lines"]["regressions"], [], text)
                self.assertEqual(sc["functions"]["regressions"], [], text)

    def test_versions_match_by_line_text(self):
        """The same script profiled by Scalene 1.5.16 and 2.x: every line
        with time is matched (2.x loop headers give their share back to the
        body), so nothing is new or removed."""
        if len(self.versions()) < 2:
            self.skipTest("needs both Scalene versions")
        sc, text = self.compare(self.ok_entry("cmp_before", "1.5"),
                                self.ok_entry("cmp_before", "2"))
        self.assertEqual(sc["new_code"], [], text)
        self.assertEqual(sc["removed_code"], [], text)
        self.assertGreater(sc["matched_lines"], 10)

    def test_unknown_profile_is_an_error(self):
        e = self.ok_entry("cmp_before", self.versions()[0])
        msg = self.tool_error(self.srv(), "compare_profiles",
                              {"before_id": e["profile_id"], "after_id": "no-such-profile"})
        self.assertIn("list_profiles", msg)


if __name__ == "__main__":
    e2e.main()
