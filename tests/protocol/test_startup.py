"""Start-up: plugin loading failures, configuration errors and warnings,
config lookup, and the command line (--check-config, --list-tools,
--version, --help)."""

import os
import subprocess
import tempfile
import unittest

from mcpwire import BINARY, HANG, WRAPPER, ServerTestCase, conf, plugin, run_cli, write_ini


class StartupFailures(ServerTestCase):
    def check_refused(self, config, *words):
        for args in (["--config", config], ["--config", config, "--check-config"]):
            with self.subTest(args=args[2:]):
                r = run_cli(args, stdin_data=b'{"jsonrpc":"2.0","id":1,"method":"ping"}\n')
                err = r.stderr.decode()
                # a clean failure: exit status 1, not a crash by signal
                self.assertEqual(r.returncode, 1, err)
                self.assertEqual(r.stdout, b"", "nothing on stdout when start-up fails")
                for w in words:
                    self.assertIn(w, err)
        return err

    def test_abi_mismatch(self):
        # badabi's init calls abort(): exit status 1 proves it never ran
        err = self.check_refused(conf("badabi.ini"), "badabi", "ABI mismatch")
        self.assertIn("badabi.so", err)

    def test_duplicate_tool_names_both_plugins(self):
        err = self.check_refused(conf("dup.ini"), "test_echo")
        line = next(l for l in err.splitlines() if "test_echo" in l)
        self.assertIn("dup", line)
        self.assertIn("testkit", line)

    def test_missing_symbol(self):
        self.check_refused(conf("nosymbol.ini"), "nosymbol", "mcp_plugin_entry")

    def test_init_failure(self):
        self.check_refused(conf("initfail.ini"), "testkit", "init failed", "fail_init")

    def test_missing_file(self):
        path = write_ini(self, "[plugin.memory]\n\n[plugin.ghost]\npath = %s\n"
                         % plugin("does-not-exist"))
        self.check_refused(path, "ghost", "does-not-exist.so", "No such file")

    def test_descriptor_name_mismatch(self):
        # testkit.so loaded under another section name is refused
        path = write_ini(self, "[plugin.memory]\n\n[plugin.other]\npath = %s\n"
                         % plugin("testkit"))
        self.check_refused(path, "other", "testkit")

    def test_missing_storage_backend(self):
        path = write_ini(self, "[storage]\nbackend = nosuchstore\n\n[plugin.memory]\n")
        self.check_refused(path, "nosuchstore", "memory")

    def test_optional_plugin_failure_is_a_warning(self):
        s = self.legacy("optional.ini")
        names = [t["name"] for t in s.result("tools/list")["tools"]]
        self.assertIn("test_echo", names)
        s.close()
        self.assertIn("badabi", s.stderr)
        self.assertIn("ABI mismatch", s.stderr)
        r = run_cli(["--config", conf("optional.ini"), "--check-config"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("plugin: badabi", r.stdout.decode())

    def test_disabled_plugin_is_not_loaded(self):
        path = write_ini(self, "[plugin.memory]\n\n[plugin.testkit]\npath = %s\n\n"
                         "[plugin.badabi]\npath = %s\nenabled = false\n"
                         % (plugin("testkit"), plugin("badabi")))
        r = run_cli(["--config", path, "--check-config"])
        self.assertEqual(r.returncode, 0, r.stderr)


class ConfigErrors(ServerTestCase):
    BAD = [
        ("[server]", "max_message_bytes", "lots", "integer"),
        ("[server]", "max_message_bytes", "10", "1024"),
        ("[server]", "tools_page_size", "-1", "integer"),
        ("[server]", "log_level", "loud", "debug"),
        ("[scalene]", "timeout", "0", "seconds"),
        ("[scalene]", "cpu_percent_threshold", "101", "percentage"),
        ("[scalene]", "pass_secrets", "maybe", "true or false"),
        ("[storage]", "max_profiles", "many", "integer"),
        ("[tools]", "test_echo", "perhaps", "true or false"),
    ]

    def test_bad_values_name_file_line_key_and_expectation(self):
        for section, key, value, expected in self.BAD:
            with self.subTest(key=key, value=value):
                path = write_ini(self, "; a comment\n%s\n\n%s = %s\n\n[plugin.memory]\n"
                                 % (section, key, value))
                for extra in ([], ["--check-config"]):
                    r = run_cli(["--config", path] + extra)
                    err = r.stderr.decode()
                    self.assertEqual(r.returncode, 1, err)
                    self.assertEqual(r.stdout, b"")
                    self.assertIn("%s:4:" % path, err)
                    self.assertIn(key, err)
                    self.assertIn(value, err)
                    self.assertIn("expected", err)
                    self.assertIn(expected, err)

    def test_bad_plugin_keys(self):
        path = write_ini(self, "[plugin.memory]\n[plugin.testkit]\npath = %s\noptional = sure\n"
                         % plugin("testkit"))
        r = run_cli(["--config", path, "--check-config"])
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 1, err)
        self.assertIn("%s:4:" % path, err)
        self.assertIn("optional", err)
        path = write_ini(self, "[plugin.Bad Name]\n")
        r = run_cli(["--config", path, "--check-config"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s:1:" % path, r.stderr.decode())

    def test_ini_syntax_error(self):
        path = write_ini(self, "[server]\nlog_level = info\nthis line has no equals sign\n")
        r = run_cli(["--config", path, "--check-config"])
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 1, err)
        self.assertIn("%s:3" % path, err)

    def test_unknown_keys_warn_with_file_and_line(self):
        path = write_ini(self, "[server]\nlog_level = info\nfrobnicate = 1\n\n[storage]\n"
                         "backend = memory\ncolour = blue\n\n[plugin.memory]\n\n"
                         "[plugin.testkit]\npath = %s\nflavour = salty\n\n[nosuchsection]\n"
                         "x = 1\n" % plugin("testkit"))
        r = run_cli(["--config", path, "--check-config"])
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 0, err)
        for lineno, key in [(3, "frobnicate"), (7, "colour"), (13, "flavour"), (16, "x")]:
            line = next((l for l in err.splitlines() if "'%s'" % key in l), None)
            self.assertIsNotNone(line, "no warning for %s in:\n%s" % (key, err))
            self.assertIn("%s:%d" % (path, lineno), line)
        # the server starts and serves with unknown keys
        s = self.legacy(path)
        s.ping_sync()
        s.close()

    def test_unknown_tool_in_tools_section_warns(self):
        path = write_ini(self, "[tools]\ntest_ecko = false\n\n[plugin.memory]\n"
                         "[plugin.testkit]\npath = %s\n" % plugin("testkit"))
        r = run_cli(["--config", path, "--check-config"])
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 0, err)
        self.assertIn("test_ecko", err)
        self.assertIn("%s:2" % path, err)

    def test_missing_config_file(self):
        r = run_cli(["--config", "/nonexistent/scalene-mcp.ini", "--check-config"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("/nonexistent/scalene-mcp.ini", r.stderr.decode())

    def test_bad_environment_override(self):
        for var, value in [("SCALENE_TIMEOUT", "soon"), ("SCALENE_LOG_LEVEL", "loud"),
                           ("SCALENE_CPU_PERCENT_THRESHOLD", "-5"),
                           ("SCALENE_MALLOC_THRESHOLD", "x")]:
            with self.subTest(var=var):
                r = run_cli(["--config", conf("test-plugins.ini"), "--check-config"],
                            env={var: value})
                err = r.stderr.decode()
                self.assertEqual(r.returncode, 1, err)
                self.assertIn(var, err)
                self.assertIn(value, err)

    def test_storage_environment_override(self):
        r = run_cli(["--config", conf("test-plugins.ini"), "--check-config"],
                    env={"SCALENE_MCP_STORAGE": "nosuchstore"})
        self.assertEqual(r.returncode, 1)
        self.assertIn("nosuchstore", r.stderr.decode())


class ConfigLookup(ServerTestCase):
    def check_source(self, env, expected, args=()):
        full = {"SCALENE_MCP_CONFIG": "", "XDG_CONFIG_HOME": ""}
        full.update(env)
        r = run_cli(list(args) + ["--check-config"], env=full)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertIn("config: %s\n" % expected, r.stdout.decode())

    def test_explicit_path_wins(self):
        self.check_source({"SCALENE_MCP_CONFIG": conf("paged.ini")}, conf("test-plugins.ini"),
                          ["--config", conf("test-plugins.ini")])
        self.check_source({}, conf("test-plugins.ini"), ["--config=" + conf("test-plugins.ini")])

    def test_environment_variable(self):
        self.check_source({"SCALENE_MCP_CONFIG": conf("paged.ini")}, conf("paged.ini"))

    def test_xdg_config_home(self):
        with tempfile.TemporaryDirectory() as d:
            os.mkdir(os.path.join(d, "scalene-mcp"))
            path = os.path.join(d, "scalene-mcp", "config.ini")
            with open(conf("test-plugins.ini")) as src, open(path, "w") as dst:
                dst.write(src.read())
            self.check_source({"XDG_CONFIG_HOME": d}, path)
            # SCALENE_MCP_CONFIG is looked at before XDG_CONFIG_HOME
            self.check_source({"XDG_CONFIG_HOME": d, "SCALENE_MCP_CONFIG": conf("paged.ini")},
                              conf("paged.ini"))


class CommandLine(ServerTestCase):
    def test_version(self):
        r = run_cli(["--version"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout.decode(), r"^scalene-mcp \d+\.\d+\.\d+")

    def test_help(self):
        r = run_cli(["--help"])
        self.assertEqual(r.returncode, 0)
        out = r.stdout.decode()
        for opt in ("--config", "--check-config", "--list-tools", "--version", "--help"):
            self.assertIn(opt, out)

    def test_unknown_argument(self):
        r = run_cli(["--frobnicate"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("--frobnicate", r.stderr.decode())
        self.assertEqual(r.stdout, b"")

    def test_check_config(self):
        path = conf("paged.ini")
        r = run_cli(["--config", path, "--check-config"])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("config: %s\n" % path, out)
        self.assertIn("storage: memory", out)
        self.assertRegex(out, r"plugin: testkit \S+ \(.*testkit\.so\)")
        self.assertRegex(out, r"plugin: memory ")
        self.assertIn("tool: test_echo (testkit)\n", out)
        self.assertIn("tool: test_fail (testkit) [disabled]\n", out)

    def test_list_tools(self):
        r = run_cli(["--config", conf("paged.ini"), "--list-tools"])
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [l.split("\t") for l in r.stdout.decode().splitlines()]
        names = [row[0] for row in rows]
        self.assertIn(["test_echo", "testkit"], rows)
        self.assertNotIn("test_fail", names, "disabled tools are not listed")
        self.assertEqual(len(names), len(set(names)))

    def test_check_config_does_not_read_stdin(self):
        # it exits on its own even with stdin left open
        p = subprocess.Popen(WRAPPER + [BINARY, "--config", conf("test-plugins.ini"),
                                        "--check-config"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        try:
            out, err = p.communicate(timeout=HANG)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdin.close()
        self.assertEqual(p.returncode, 0, err)
        self.assertIn(b"tool: test_echo", out)


if __name__ == "__main__":
    unittest.main()
