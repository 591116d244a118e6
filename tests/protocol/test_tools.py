"""tools/list (order, pagination, tool objects) and tools/call (results,
errors, argument validation)."""

import json
import unittest

from mcpwire import ServerTestCase, conf, modern_meta, run_cli, tool_text

TESTKIT = ["test_echo", "test_slow", "test_fail", "test_broken_output"]


def list_tools_cli(config):
    """Names of the enabled tools per --list-tools, in order."""
    r = run_cli(["--config", conf(config), "--list-tools"])
    assert r.returncode == 0, r.stderr
    return [line.split("\t")[0] for line in r.stdout.decode().splitlines() if line]


class ToolsList(ServerTestCase):
    def test_stable_order(self):
        s = self.legacy()
        first = [t["name"] for t in s.result("tools/list")["tools"]]
        for _ in range(3):
            again = [t["name"] for t in s.result("tools/list")["tools"]]
            self.assertEqual(again, first)
        # the same order in a new process, in the modern era, and per the CLI
        s.close()
        s = self.server()
        modern = [t["name"] for t in s.result("tools/list", {"_meta": modern_meta()})["tools"]]
        self.assertEqual(modern, first)
        s.close()
        self.assertEqual(list_tools_cli("test-plugins.ini"), first)
        # testkit's tools keep their registration order
        self.assertEqual([n for n in first if n in TESTKIT], TESTKIT)

    def test_unpaged_list_has_no_cursor(self):
        s = self.legacy()
        res = s.result("tools/list")
        self.assertNotIn("nextCursor", res)
        s.close()

    def test_every_tool_is_well_formed(self):
        s = self.legacy()
        tools = s.result("tools/list")["tools"]
        self.assertTrue(tools)
        names = set()
        for t in tools:
            with self.subTest(tool=t.get("name")):
                self.assertRegex(t["name"], r"^[A-Za-z0-9_.-]{1,128}$")
                self.assertNotIn(t["name"], names, "duplicate tool name")
                names.add(t["name"])
                self.assertIsInstance(t["description"], str)
                self.assertTrue(t["description"].strip())
                self.assertIsInstance(t["inputSchema"], dict)
                self.assertEqual(t["inputSchema"].get("type"), "object")
                if "outputSchema" in t:
                    self.assertEqual(t["outputSchema"].get("type"), "object")
                if "title" in t:
                    self.assertIsInstance(t["title"], str)
                ann = t["annotations"]
                self.assertIsInstance(ann, dict)
                for hint in ("readOnlyHint", "destructiveHint", "idempotentHint",
                             "openWorldHint"):
                    if hint in ann:
                        self.assertIsInstance(ann[hint], bool, hint)
        echo = next(t for t in tools if t["name"] == "test_echo")
        self.assertEqual(echo["title"], "Echo")
        self.assertIn("outputSchema", echo)
        self.assertIs(echo["annotations"]["readOnlyHint"], True)
        self.assertIs(echo["annotations"]["idempotentHint"], True)
        self.assertIs(echo["annotations"]["destructiveHint"], False)
        s.close()

    def page_through(self, s, meta=None):
        pages, cursor = [], None
        for _ in range(100):
            params = {} if cursor is None else {"cursor": cursor}
            if meta:
                params["_meta"] = meta
            res = s.result("tools/list", params)
            pages.append([t["name"] for t in res["tools"]])
            cursor = res.get("nextCursor")
            if cursor is None:
                return pages
            self.assertIsInstance(cursor, str)
        self.fail("pagination did not end")

    def test_pagination_lists_every_tool_once(self):
        expected = list_tools_cli("paged.ini")
        for era in ("legacy", "modern"):
            with self.subTest(era=era):
                if era == "legacy":
                    s = self.legacy("paged.ini")
                    pages = self.page_through(s)
                else:
                    s = self.server("paged.ini")
                    pages = self.page_through(s, modern_meta())
                self.assertGreater(len(pages), 1, "paged.ini must give more than one page")
                for p in pages:
                    self.assertLessEqual(len(p), 2)
                    self.assertGreater(len(p), 0)
                flat = [n for p in pages for n in p]
                self.assertEqual(flat, expected)
                self.assertEqual(len(flat), len(set(flat)))
                s.close()

    def test_bad_cursor_is_32602(self):
        s = self.legacy("paged.ini")
        good = s.result("tools/list")["nextCursor"]
        for cursor in ["garbage", "", "t0.3", "t99.3", good + "x", "t1.99", 5, {"c": good}]:
            with self.subTest(cursor=cursor):
                resp = s.request("tools/list", {"cursor": cursor})
                self.assertError(resp, -32602)
        # the good cursor still works afterwards
        self.assertTrue(s.result("tools/list", {"cursor": good})["tools"])
        s.close()

    def test_disabled_tool_is_absent_and_not_callable(self):
        s = self.legacy("paged.ini")
        names = [n for p in self.page_through(s) for n in p]
        self.assertNotIn("test_fail", names)
        self.assertIn("test_echo", names)
        resp = s.request("tools/call", {"name": "test_fail", "arguments": {}})
        self.assertError(resp, -32602)
        self.assertIn("test_fail", resp["error"]["message"])
        s.close()


class ToolsCall(ServerTestCase):
    def call(self, s, name, arguments=None, **extra):
        params = {"name": name}
        if arguments is not None:
            params["arguments"] = arguments
        params.update(extra)
        return s.request("tools/call", params)

    def test_echo_text_and_structured_content(self):
        s = self.legacy()
        res = self.call(s, "test_echo", {"text": "héllo \"wörld\"\n"})["result"]
        self.assertIs(res.get("isError", False), False)
        self.assertEqual(res["content"][0]["type"], "text")
        self.assertEqual(tool_text(res), "héllo \"wörld\"\n")
        self.assertEqual(res["structuredContent"], {"text": "héllo \"wörld\"\n", "length": 16})
        s.close()

    def test_large_argument(self):
        # a 256 KiB line under the default 16 MiB cap is served normally
        s = self.legacy()
        text = "x" * (256 * 1024)
        res = self.call(s, "test_echo", {"text": text})["result"]
        self.assertEqual(res["structuredContent"]["length"], len(text))
        s.close()

    def test_unknown_tool_is_32602(self):
        s = self.legacy()
        resp = self.call(s, "no_such_tool", {})
        self.assertError(resp, -32602)
        self.assertIn("no_such_tool", resp["error"]["message"])
        for params in [{}, {"name": 5}, {"name": None}]:
            with self.subTest(params=params):
                resp = s.request("tools/call", params)
                self.assertError(resp, -32602)
        s.close()

    def assertArgError(self, resp, *words):
        res = resp["result"]
        self.assertIs(res["isError"], True, res)
        text = tool_text(res)
        for w in words:
            self.assertIn(w, text)
        self.assertNotIn("structuredContent", res)

    def test_missing_required_argument(self):
        s = self.legacy()
        self.assertArgError(self.call(s, "test_echo", {}), "'text'", "missing")
        self.assertArgError(self.call(s, "test_echo"), "'text'", "missing")
        self.assertArgError(self.call(s, "test_slow", {"ms": 10}), "'steps'", "missing")
        s.close()

    def test_wrong_type(self):
        s = self.legacy()
        self.assertArgError(self.call(s, "test_echo", {"text": 5}), "'text'", "string")
        self.assertArgError(self.call(s, "test_slow", {"ms": "10", "steps": 1}), "'ms'",
                            "integer")
        self.assertArgError(self.call(s, "test_slow", {"ms": 1.5, "steps": 1}), "'ms'",
                            "integer")
        self.assertArgError(self.call(s, "test_slow", {"ms": 0, "steps": 1}), "'ms'", ">= 1")
        s.close()

    def test_unknown_argument(self):
        s = self.legacy()
        self.assertArgError(self.call(s, "test_echo", {"text": "a", "bogus": 1}), "'bogus'",
                            "unknown")
        self.assertArgError(self.call(s, "test_fail", {"x": None}), "'x'", "unknown")
        s.close()

    def test_tool_failure_is_is_error(self):
        s = self.legacy()
        res = self.call(s, "test_fail", {})["result"]
        self.assertIs(res["isError"], True)
        self.assertIn("planned failure", tool_text(res))
        s.close()

    def test_broken_output_is_internal_error(self):
        s = self.legacy()
        resp = self.call(s, "test_broken_output", {})
        self.assertError(resp, -32603)
        self.assertIn("outputSchema", resp["error"]["message"])
        # the server goes on
        self.assertEqual(self.call(s, "test_echo", {"text": "ok"})["result"]
                         ["structuredContent"]["text"], "ok")
        s.close()

    def test_params_not_an_object(self):
        s = self.legacy()
        for params in [[], "test_echo", 3]:
            with self.subTest(params=params):
                s.send({"jsonrpc": "2.0", "id": "p", "method": "tools/call", "params": params})
                resp, _ = s.wait_response("p")
                self.assertError(resp, -32602)
        s.close()

    def test_structured_result_is_also_text(self):
        # tools with structured output also get a text block (here: the echo)
        s = self.legacy()
        res = self.call(s, "test_echo", {"text": "{}"})["result"]
        self.assertTrue(tool_text(res))
        json.dumps(res["structuredContent"])
        s.close()


if __name__ == "__main__":
    unittest.main()
