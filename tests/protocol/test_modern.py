"""Modern era (2026-07-28): server/discover, per-request _meta checks,
-32022, removed methods, resultType, serverInfo _meta, cache hints."""

import unittest

from mcpwire import (META_CAPS, META_LOGLEVEL, META_SERVERINFO, META_VERSION, MODERN,
                     ServerTestCase, modern_meta)


class ModernTestCase(ServerTestCase):
    def check_modern_result(self, res):
        self.assertEqual(res.get("resultType"), "complete", res)
        info = res["_meta"][META_SERVERINFO]
        self.assertEqual(info["name"], "scalene-mcp")
        self.assertIsInstance(info["version"], str)
        self.assertTrue(info["version"])

    def check_cache_hints(self, res):
        self.assertIsInstance(res.get("ttlMs"), int, res)
        self.assertGreaterEqual(res["ttlMs"], 0)
        self.assertIn(res.get("cacheScope"), ("public", "private"))


class Discover(ModernTestCase):
    def test_discover_fields(self):
        s = self.server()
        res = s.result("server/discover", {"_meta": modern_meta()})
        self.assertIn(MODERN, res["supportedVersions"])
        for v in res["supportedVersions"]:
            self.assertIsInstance(v, str)
        self.assertIn("tools", res["capabilities"])
        self.check_modern_result(res)
        self.check_cache_hints(res)
        if "instructions" in res:
            self.assertIsInstance(res["instructions"], str)
        s.close()

    def test_discover_is_always_answered(self):
        # without _meta, without params, before and after a legacy session
        s = self.server()
        res = s.result("server/discover")
        self.assertIn(MODERN, res["supportedVersions"])
        res = s.result("server/discover", {})
        self.assertIn(MODERN, res["supportedVersions"])
        s.initialize()
        res = s.result("server/discover", {})
        self.assertIn(MODERN, res["supportedVersions"])
        s.close()


class PerRequestChecks(ModernTestCase):
    def test_unsupported_version_is_32022(self):
        s = self.server()
        for version in ["1999-01-01", "2025-11-25", "2026-07-29", ""]:
            with self.subTest(version=version):
                resp = s.request("tools/list", {"_meta": modern_meta(version)})
                self.assertError(resp, -32022)
                data = resp["error"]["data"]
                self.assertIn(MODERN, data["supported"])
                self.assertEqual(data["requested"], version)
        s.close()

    def test_each_request_is_judged_alone(self):
        # a good modern request does not pin the connection: the next one
        # with a bad version still gets -32022, even inside a legacy session
        s = self.server()
        s.result("tools/list", {"_meta": modern_meta()})
        resp = s.request("tools/list", {"_meta": modern_meta("1999-01-01")})
        self.assertError(resp, -32022)
        s.initialize()
        resp = s.request("tools/list", {"_meta": modern_meta("1999-01-01")})
        self.assertError(resp, -32022)
        res = s.result("tools/list", {"_meta": modern_meta()})
        self.check_modern_result(res)
        s.close()

    def test_missing_client_capabilities_is_32602(self):
        s = self.server()
        resp = s.request("tools/list", {"_meta": modern_meta(caps=False)})
        self.assertError(resp, -32602)
        self.assertIn("clientCapabilities", resp["error"]["message"])
        resp = s.request("tools/list", {"_meta": {META_VERSION: MODERN, META_CAPS: "none"}})
        self.assertError(resp, -32602)
        s.close()

    def test_removed_methods_are_32601(self):
        s = self.server()
        for method, params in [("initialize", {"protocolVersion": MODERN, "capabilities": {}}),
                               ("ping", {}),
                               ("logging/setLevel", {"level": "info"}),
                               ("resources/subscribe", {"uri": "x:y"})]:
            with self.subTest(method=method):
                params = dict(params, _meta=modern_meta())
                resp = s.request(method, params)
                self.assertError(resp, -32601)
        # initialize on a modern request must not have opened a legacy session
        resp = s.request("tools/list", {})
        self.assertError(resp, -32602)
        s.close()

    def test_unknown_method_is_32601(self):
        s = self.server()
        caps = s.result("server/discover", {"_meta": modern_meta()})["capabilities"]
        methods = ["no/such/method", "tools/lists"]
        methods += [m for cap, m in (("prompts", "prompts/list"),
                                     ("resources", "resources/list")) if cap not in caps]
        for method in methods:
            with self.subTest(method=method):
                resp = s.request(method, {"_meta": modern_meta()})
                self.assertError(resp, -32601)
        s.close()

    def test_bad_log_level_is_32602(self):
        s = self.server()
        resp = s.request("tools/list", {"_meta": modern_meta(**{META_LOGLEVEL: "loud"})})
        self.assertError(resp, -32602)
        res = s.result("tools/list", {"_meta": modern_meta(**{META_LOGLEVEL: "debug"})})
        self.check_modern_result(res)
        s.close()

    def test_meta_not_an_object_is_32602(self):
        s = self.server()
        resp = s.request("tools/list", {"_meta": [MODERN]})
        self.assertError(resp, -32602)
        resp = s.request("tools/list", {"_meta": {META_VERSION: 20260728, META_CAPS: {}}})
        self.assertError(resp, -32602)
        s.close()


class ModernResults(ModernTestCase):
    def test_tools_list_has_result_type_server_info_and_cache_hints(self):
        s = self.server()
        res = s.result("tools/list", {"_meta": modern_meta()})
        self.check_modern_result(res)
        self.check_cache_hints(res)
        names = [t["name"] for t in res["tools"]]
        self.assertIn("test_echo", names)
        s.close()

    def test_tools_call_has_result_type(self):
        s = self.server()
        res = s.result("tools/call", {"name": "test_echo", "arguments": {"text": "hi"},
                                      "_meta": modern_meta()})
        self.check_modern_result(res)
        self.assertEqual(res["structuredContent"], {"text": "hi", "length": 2})
        res = s.result("tools/call", {"name": "test_fail", "arguments": {},
                                      "_meta": modern_meta()})
        self.check_modern_result(res)
        self.assertIs(res["isError"], True)
        s.close()

    def test_modern_errors_still_use_jsonrpc_codes(self):
        s = self.server()
        resp = s.request("tools/call", {"name": "no_such_tool", "arguments": {},
                                        "_meta": modern_meta()})
        self.assertError(resp, -32602)
        s.close()


if __name__ == "__main__":
    unittest.main()
