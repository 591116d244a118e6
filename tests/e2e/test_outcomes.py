"""Run outcomes from the fixture: program errors keep their profile, Scalene
failures and too-short runs are isError with advice, stdin is /dev/null,
stdout is drained."""

import e2e
from e2e import E2ETest, line_of


class Outcomes(E2ETest):

    def assertKeptFailure(self, name, v, exit_status, stderr_needle, hot):
        e = self.ok_entry(name, v)
        sc = e["structured"]
        self.assertEqual(sc["outcome"], "program_error", sc)
        self.assertEqual(sc["summary"]["exit_status"], exit_status, sc["summary"])
        self.assertFalse(sc["summary"]["partial"])
        self.assertIn(stderr_needle, sc["stderr_tail"])
        self.assertIn("program_error", e["text"])
        self.assertIn(stderr_needle, e["text"], "the text should quote the stderr tail")
        # Kept in the store with its outcome, hot line intact.
        sm = self.summary(e)
        self.assertEqual(sm["outcome"], "program_error")
        self.assertEqual(sm["exit_status"], exit_status)
        self.assertEqual(sm["top_lines"][0]["first_line"], hot, sm["top_lines"])
        listed, _ = self.tool(self.shared(), "list_profiles", {"label": "%s@%s" % (name, v)})
        self.assertEqual(listed["profiles"][0]["outcome"], "program_error", listed)

    def test_crash_exit3_keeps_profile(self):
        for v in self.versions():
            with self.subTest(version=v):
                self.assertKeptFailure("crash_exit3", v, 3, "giving up with status 3",
                                       line_of("crash_exit3.py", "i * i % 7"))

    def test_uncaught_exception_keeps_profile(self):
        for v in self.versions():
            with self.subTest(version=v):
                self.assertKeptFailure("raise_error", v, 1, "RuntimeError: e2e planted failure",
                                       line_of("raise_error.py", "i * i % 7"))

    def test_killed_by_signal(self):
        """self_kill.py SIGKILLs itself: no profile can exist; the answer
        says it was killed by signal 9."""
        for v in self.versions():
            with self.subTest(version=v):
                e = self.entry("self_kill", v)
                self.assertTrue(e["is_error"], e["text"])
                self.assertRegex(e["text"], r"signal 9|SIGKILL")
                self.assertNotIn("exit status -1", e["text"])
                self.assertNotIn("syntax error", e["text"], "advice meant for Scalene failures")

    def test_stdin_is_dev_null(self):
        """read_stdin.py reads stdin to EOF: it must end at once, not hang
        until the 30 s timeout."""
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("read_stdin", v)
                sc = e["structured"]
                self.assertEqual(sc["outcome"], "ok", sc)
                self.assertLess(sc["wall_sec"], 25, "stdin blocked until the timeout?")
                # "stdin bytes: 0\n" is all the program printed.
                self.assertEqual(sc["stdout_bytes"], len("stdin bytes: 0\n"), sc)

    def test_megabytes_of_output_drained(self):
        """print_megabytes.py writes exactly 8 MiB to stdout, 1 MiB to stderr."""
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("print_megabytes", v)
                sc = e["structured"]
                self.assertEqual(sc["outcome"], "ok", sc)
                self.assertEqual(sc["stdout_bytes"], 8 * 1024 * 1024, sc["stdout_bytes"])
                self.assertGreaterEqual(sc["stderr_bytes"], 1024 * 1024)
                self.assertLess(len(sc["stderr_tail"]), 64 * 1024, "stderr tail not bounded")

    def test_too_short_is_error_with_advice(self):
        for v in self.versions():
            with self.subTest(version=v):
                e = self.entry("tiny", v)
                self.assertTrue(e["is_error"], e["text"])
                t = e["text"].lower()
                self.assertIn("no samples", t)
                self.assertIn("profile_all", t)
                self.assertRegex(t, r"bigger input|longer|loop")

    def test_syntax_error_is_error_with_stderr(self):
        """Scalene fails before profiling (1.5.16 even exits 0)."""
        for v in self.versions():
            with self.subTest(version=v):
                e = self.entry("syntax_error", v)
                self.assertTrue(e["is_error"], e["text"])
                self.assertIn("SyntaxError", e["text"])
                self.assertIn("def broken(:", e["text"], "stderr tail missing")
                self.assertIn("syntax_error.py", e["text"])

    def test_code_syntax_error_is_error(self):
        for v in self.versions():
            with self.subTest(version=v):
                e = self.entry("code_syntax", v)
                self.assertTrue(e["is_error"], e["text"])
                self.assertIn("SyntaxError", e["text"])

    def test_module_not_importable_is_error(self):
        for v in self.versions():
            with self.subTest(version=v):
                e = self.entry("module_missing", v)
                self.assertTrue(e["is_error"], e["text"])
                self.assertIn("pkgdemo.no_such_module", e["text"])

    def test_failures_not_stored(self):
        """Runs that produced no profile leave nothing in the store."""
        sc, _ = self.tool(self.shared(), "list_profiles", {"target": "tiny.py", "limit": 50})
        self.assertEqual(sc["profiles"], [], sc)
        sc, _ = self.tool(self.shared(), "list_profiles", {"target": "syntax_error.py"})
        self.assertEqual(sc["profiles"], [], sc)


if __name__ == "__main__":
    e2e.main()
