"""Bad input: each a clear isError naming the field. Nothing here runs a
profile (the server refuses first), except where noted; the store is the
shared one (read only)."""

import os
import subprocess
import sys
import unittest

import e2e
from e2e import E2ETest


class BadInput(E2ETest):

    def err(self, tool, args, *needles):
        text = self.tool_error(self.shared(), tool, args)
        for n in needles:
            self.assertIn(n, text, "%s %r: %r not in the error" % (tool, args, n))
        return text

    def script_args(self, **kw):
        a = {"script": e2e.workload("cpu_hot.py"), "python": e2e.python_for(self.versions()[0])}
        a.update(kw)
        return a

    # -- profile_script / profile_code arguments ------------------------------
    def test_script_args_not_strings(self):
        self.err("profile_script", self.script_args(script_args=[1, "a"]), "script_args")
        self.err("profile_script", self.script_args(script_args="--cpu-only"), "script_args")
        self.err("profile_script", self.script_args(script_args=[None]), "script_args")

    def test_bare_double_dash_rejected(self):
        """Scalene's parser would reorder the program's args around '--'."""
        self.err("profile_script", self.script_args(script_args=["a", "--"]), "script_args[1]")

    def test_timeout_zero_negative_huge(self):
        for t in (0, -1, -0.5):
            with self.subTest(timeout=t):
                self.err("profile_script", self.script_args(timeout=t), "timeout")
        # over the configured max_timeout (600 in the e2e config)
        text = self.err("profile_script", self.script_args(timeout=1000), "timeout")
        self.assertIn("600", text)
        self.err("profile_script", self.script_args(timeout=1e12), "timeout")
        self.err("profile_script", self.script_args(timeout="10"), "timeout")

    def test_cwd_missing(self):
        self.err("profile_script", self.script_args(cwd="/nonexistent/e2e/dir"), "cwd",
                 "/nonexistent/e2e/dir")
        self.err("profile_code", {"code": "x = 1", "cwd": "/nonexistent/e2e/dir"}, "cwd")
        self.err("profile_script", self.script_args(cwd=e2e.workload("cpu_hot.py")), "cwd",
                 "not a directory")

    def test_python_not_found(self):
        self.err("profile_script", self.script_args(python="/nonexistent/bin/python3"),
                 "python", "/nonexistent/bin/python3")

    def test_scalene_missing(self):
        """A real interpreter without Scalene: a venv (no pip, no system
        site-packages) made from the Debian python, which has Scalene
        only in its system dist-packages."""
        base = e2e.PYTHONS["1.5"] if os.access(e2e.PYTHONS["1.5"], os.X_OK) else sys.executable
        venv = os.path.join(e2e.E2E_DIR, "noscalene-venv")
        py = os.path.join(venv, "bin", "python")
        if not os.access(py, os.X_OK):
            r = subprocess.run([base, "-m", "venv", "--without-pip", venv],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
            if r.returncode != 0:
                raise unittest.SkipTest("cannot create a venv: %s" % r.stdout.decode()[-500:])
        r = subprocess.run([py, "-c", "import scalene"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        self.assertNotEqual(r.returncode, 0, "the bare venv imports scalene?")
        text = self.err("profile_script", self.script_args(python=py), "python", py)
        self.assertIn("pip install scalene", text)
        self.err("profile_code", {"code": "x = 1", "python": py}, "python", "not installed")

    def test_missing_script(self):
        self.err("profile_script", self.script_args(script="/nonexistent/e2e/prog.py"),
                 "script", "/nonexistent/e2e/prog.py")
        self.err("profile_script", self.script_args(script="no_such.py",
                                                    cwd=e2e.WORKLOADS), "script", "no_such.py")

    def test_script_is_directory(self):
        self.err("profile_script", self.script_args(script=e2e.workload("two_file")),
                 "script", "directory")

    def test_script_not_readable(self):
        if os.geteuid() == 0:
            raise unittest.SkipTest("root reads every file")
        d = e2e.scratch_dir("unreadable")
        path = os.path.join(d, "secret.py")
        with open(path, "w") as f:
            f.write("x = 1\n")
        os.chmod(path, 0)
        self.err("profile_script", self.script_args(script=path), "script", "not readable")

    def test_script_and_module(self):
        self.err("profile_script", {"script": e2e.workload("cpu_hot.py"), "module": "pkgdemo.cli",
                                    "cwd": e2e.WORKLOADS}, "script", "module")
        self.err("profile_script", {"cwd": e2e.WORKLOADS}, "script", "module")
        self.err("profile_script", {"module": "../etc/passwd", "cwd": e2e.WORKLOADS}, "module")

    def test_empty_code(self):
        self.err("profile_code", {"code": ""}, "code")
        self.err("profile_code", {}, "code")

    def test_bad_env(self):
        self.err("profile_script", self.script_args(env={"BAD-NAME": "x"}), "env", "BAD-NAME")
        self.err("profile_script", self.script_args(env={"X": 1}), "env")
        self.err("profile_script", self.script_args(env={"PYTHONMALLOC": "malloc"}),
                 "PYTHONMALLOC")

    def test_unknown_argument(self):
        self.err("profile_script", self.script_args(no_such_option=True), "no_such_option")

    # -- reading the store ------------------------------------------------------
    def test_unknown_profile_id(self):
        pid = "p0000000000000000000000000000"
        for tool, extra in (("get_profile", {}), ("get_file_details", {"file": "x.py"}),
                            ("delete_profile", {}), ("analyze_profile", {})):
            with self.subTest(tool=tool):
                args = {"profile_id": pid}
                args.update(extra)
                self.err(tool, args, "profile_id")

    def test_profile_id_with_path_characters(self):
        real = self.ok_entry("cpu_hot", self.versions()[0])["profile_id"]
        for bad in ("../../etc/passwd", "a/b", "..", real + "/..", "../" + real, real + "\\x",
                    "p01 x", "%2e%2e"):
            for tool, extra in (("get_profile", {}), ("get_file_details", {"file": "x.py"}),
                                ("delete_profile", {})):
                with self.subTest(id=bad, tool=tool):
                    args = {"profile_id": bad}
                    args.update(extra)
                    self.err(tool, args, "profile_id")
        # ... and the real profile is still there.
        self.tool(self.shared(), "get_profile", {"profile_id": real})

    def test_file_not_in_profile(self):
        e = self.ok_entry("cpu_hot", self.versions()[0])
        text = self.err("get_file_details", {"profile_id": e["profile_id"],
                                             "file": "no_such_file.py"},
                        "file", "no_such_file.py")
        self.assertIn("cpu_hot.py", text, "the error should list the profiled files")

    def test_ambiguous_suffix(self):
        for v in self.versions():
            with self.subTest(version=v):
                e = self.ok_entry("dup_names", v)
                text = self.err("get_file_details", {"profile_id": e["profile_id"],
                                                     "file": "util.py"},
                                "file", "alpha/util.py", "beta/util.py")
                self.assertIn("util.py", text)
                # A longer suffix is unique.
                d = self.file_details(e, "alpha/util.py")
                self.assertTrue(d["file"].endswith("/dup_names/alpha/util.py"), d)
                self.assertGreater(d["cpu_percent"], 10, d)


if __name__ == "__main__":
    e2e.main()
