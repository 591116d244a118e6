"""Legacy-era lifecycle: initialize with version negotiation,
notifications/initialized, ping, and what happens before initialize."""

import unittest

from mcpwire import LEGACY_LATEST, LEGACY_VERSIONS, ServerTestCase


class LegacyHandshake(ServerTestCase):
    def check_initialize_result(self, res, version):
        self.assertEqual(res["protocolVersion"], version)
        self.assertNotIn("resultType", res, "legacy results carry no resultType")
        caps = res["capabilities"]
        self.assertIsInstance(caps, dict)
        self.assertIn("tools", caps)
        self.assertIs(caps["tools"].get("listChanged", False), False)
        info = res["serverInfo"]
        self.assertEqual(info["name"], "scalene-mcp")
        self.assertIsInstance(info["version"], str)
        self.assertTrue(info["version"])
        if "instructions" in res:
            self.assertIsInstance(res["instructions"], str)

    def test_each_supported_version_is_echoed(self):
        for version in LEGACY_VERSIONS:
            with self.subTest(version=version):
                s = self.server()
                res = s.result("initialize", {"protocolVersion": version, "capabilities": {},
                                              "clientInfo": {"name": "t", "version": "1"}})
                self.check_initialize_result(res, version)
                s.close()

    def test_unknown_version_gets_latest_legacy(self):
        for version in ["1999-01-01", "2025-11-26", "2026-07-28-x", ""]:
            with self.subTest(version=version):
                s = self.server()
                res = s.result("initialize", {"protocolVersion": version, "capabilities": {},
                                              "clientInfo": {"name": "t", "version": "1"}})
                self.check_initialize_result(res, LEGACY_LATEST)
                s.close()

    def test_initialize_without_protocol_version_is_invalid_params(self):
        s = self.server()
        resp = s.request("initialize", {"capabilities": {}})
        self.assertError(resp, -32602)
        resp = s.request("initialize", {"protocolVersion": 20251125, "capabilities": {}})
        self.assertError(resp, -32602)
        s.ping_sync()
        s.close()

    def test_initialized_notification_gets_no_reply(self):
        s = self.server()
        s.initialize()
        # initialize() already sent notifications/initialized; send it again
        s.notify("notifications/initialized")
        s.notify("notifications/initialized", {})
        before = s.ping_sync()
        self.assertEqual(before, [], "a notification was answered")
        self.assertEqual(s.close(), [])

    def test_session_serves_tools_after_initialize(self):
        s = self.legacy()
        res = s.result("tools/list")
        self.assertIsInstance(res["tools"], list)
        self.assertNotIn("resultType", res)
        self.assertNotIn("_meta", res)
        self.assertNotIn("ttlMs", res, "cache hints are modern only")
        s.close()


class Ping(ServerTestCase):
    def test_ping_after_initialize(self):
        s = self.legacy()
        resp = s.request("ping")
        self.assertEqual(resp, {"jsonrpc": "2.0", "id": resp["id"], "result": {}})
        s.close()

    def test_ping_before_initialize(self):
        s = self.server()
        resp = s.request("ping")
        self.assertEqual(resp["result"], {})
        # and the session can still start afterwards
        s.initialize()
        s.ping_sync()
        s.close()

    def test_ping_with_empty_params(self):
        s = self.server()
        resp = s.request("ping", {})
        self.assertEqual(resp["result"], {})
        s.close()


class BeforeInitialize(ServerTestCase):
    def test_request_without_session_or_meta_is_invalid_params(self):
        s = self.server()
        for method in ["tools/list", "tools/call", "logging/setLevel", "no/such/method"]:
            with self.subTest(method=method):
                resp = s.request(method, {})
                self.assertError(resp, -32602)
        # never silent, and the server is still fine
        s.ping_sync()
        s.close()

    def test_notification_before_initialize_is_ignored(self):
        s = self.server()
        s.notify("notifications/initialized")
        s.notify("notifications/cancelled", {"requestId": 99})
        self.assertEqual(s.ping_sync(), [])
        s.close()


if __name__ == "__main__":
    unittest.main()
