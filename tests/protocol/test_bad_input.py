"""The bad-input catalog: each case gets the right answer (or, for
notifications and empty lines, none) and the server keeps running."""

import json
import unittest

from mcpwire import ServerTestCase, is_response


class BadInput(ServerTestCase):
    def setUp(self):
        self.s = self.legacy()

    def tearDown(self):
        # after every bad input the server still answers
        self.s.ping_sync()
        self.s.close()

    def one_reply(self, data):
        """Sends raw bytes and returns the single reply they produce (a ping
        sent right behind proves there is no second one)."""
        s = self.s
        s.send_raw(data)
        before = s.ping_sync()
        self.assertEqual(len(before), 1, "expected exactly one reply, got %r" % before)
        return before[0].obj

    def no_reply(self, data):
        self.s.send_raw(data)
        self.assertEqual(self.s.ping_sync(), [], "expected no reply")

    def test_not_json(self):
        for data in [b"hello\n", b"{\n", b'{"jsonrpc":"2.0","id":1,"method":"ping"\n',
                     b'{"jsonrpc":"2.0","id":1,"method":"ping"} trailing\n',
                     b"{'jsonrpc':'2.0'}\n", b"\x00\n", b"nul\x00l\n"]:
            with self.subTest(data=data):
                resp = self.one_reply(data)
                self.assertError(resp, -32700, has_id=False)

    def test_invalid_utf8(self):
        for data in [b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"\xff"}}\n',
                     b'{"jsonrpc":"2.0","id":2,"method":"ping","params":{"x":"\xc0\xaf"}}\n',
                     b'{"jsonrpc":"2.0","id":3,"method":"ping","params":{"x":"\xed\xa0\x80"}}\n',
                     b'{"jsonrpc":"2.0","id":4,"method":"ping","params":{"x":"\xe2\x82"}}\n']:
            with self.subTest(data=data):
                resp = self.one_reply(data)
                self.assertError(resp, -32700, has_id=False)

    def test_empty_lines_are_skipped(self):
        self.no_reply(b"\n")
        self.no_reply(b"\r\n")
        self.no_reply(b"   \n\t\n\n\n")

    def test_crlf_line_endings(self):
        self.s.send_raw(b'{"jsonrpc":"2.0","id":"crlf","method":"ping"}\r\n')
        resp, before = self.s.wait_response("crlf")
        self.assertEqual(resp["result"], {})
        self.assertEqual(before, [])

    def test_json_array(self):
        for data in [b"[]\n", b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]\n']:
            with self.subTest(data=data):
                resp = self.one_reply(data)
                self.assertError(resp, -32600, has_id=False)

    def test_json_scalars(self):
        for data in [b"1\n", b'"ping"\n', b"null\n", b"true\n"]:
            with self.subTest(data=data):
                resp = self.one_reply(data)
                self.assertError(resp, -32600, has_id=False)

    def test_missing_method(self):
        resp = self.one_reply(b'{"jsonrpc":"2.0","id":7}\n')
        self.assertError(resp, -32600)
        self.assertEqual(resp["id"], 7)
        resp = self.one_reply(b'{"jsonrpc":"2.0","id":8,"method":5}\n')
        self.assertError(resp, -32600)
        self.assertEqual(resp["id"], 8)

    def test_client_responses_are_not_answered(self):
        # we send no requests, but a stray response must not trigger a reply
        self.no_reply(b'{"jsonrpc":"2.0","id":5,"result":{}}\n')
        self.no_reply(b'{"jsonrpc":"2.0","id":6,"error":{"code":1,"message":"x"}}\n')

    def test_wrong_jsonrpc_version(self):
        for data in [b'{"jsonrpc":"1.0","id":9,"method":"ping"}\n',
                     b'{"id":9,"method":"ping"}\n',
                     b'{"jsonrpc":2.0,"id":9,"method":"ping"}\n']:
            with self.subTest(data=data):
                resp = self.one_reply(data)
                self.assertError(resp, -32600)
                self.assertEqual(resp["id"], 9)

    def test_invalid_ids(self):
        for tok in [b"null", b"1.5", b"1e3", b"1.0", b'{"a":1}', b"[1]", b"true"]:
            with self.subTest(id=tok):
                resp = self.one_reply(b'{"jsonrpc":"2.0","id":' + tok + b',"method":"ping"}\n')
                self.assertError(resp, -32600, has_id=False)

    def test_params_not_an_object(self):
        for params in [b"[]", b"[1,2]", b'"x"', b"3", b"true"]:
            with self.subTest(params=params):
                resp = self.one_reply(b'{"jsonrpc":"2.0","id":"pp","method":"tools/list",'
                                      b'"params":' + params + b"}\n")
                self.assertError(resp, -32602)
                self.assertEqual(resp["id"], "pp")

    def test_unknown_method(self):
        for method in ["no/such/method", "tools/lists", "Tools/list", "tools/list/", ""]:
            with self.subTest(method=method):
                resp = self.s.request(method, {})
                self.assertError(resp, -32601)

    def test_methods_of_unadvertised_capabilities(self):
        # a method of a capability the server does not declare is -32601
        caps = self.s.result("server/discover")["capabilities"]
        probes = {"prompts": ("prompts/list", {}),
                  "resources": ("resources/list", {}),
                  "completions": ("completion/complete",
                                  {"ref": {"type": "ref/prompt", "name": "x"},
                                   "argument": {"name": "a", "value": "b"}})}
        for cap, (method, params) in probes.items():
            if cap in caps:
                continue
            with self.subTest(method=method):
                self.assertError(self.s.request(method, params), -32601)
        if "resources" not in caps or not caps["resources"].get("subscribe"):
            self.assertError(self.s.request("resources/subscribe", {"uri": "x:y"}), -32601)

    def test_unknown_notification(self):
        self.no_reply(b'{"jsonrpc":"2.0","method":"notifications/whatever"}\n')
        self.no_reply(b'{"jsonrpc":"2.0","method":"no/such/method","params":{"a":1}}\n')
        self.no_reply(b'{"jsonrpc":"2.0","method":"tools/call","params":{"name":"test_echo",'
                      b'"arguments":{"text":"x"}}}\n')

    def test_lenient_json_never_echoed(self):
        # cJSON accepts some text that is not JSON; an id taken from it is
        # never echoed (that would put invalid JSON on stdout)
        for data in [b'{"jsonrpc":"2.0","id":01,"method":"ping"}\n',
                     b'{"jsonrpc":"2.0","id":-007,"method":"ping"}\n',
                     b'{"jsonrpc":"2.0","id":"a\tb","method":"ping"}\n',
                     b'{"jsonrpc":"2.0","method":"ping",\x01"id":5}\n',
                     b'{"jsonrpc":"2.0","\\u}069d":1,"id":5,"method":"ping"}\n']:
            with self.subTest(data=data):
                resp = self.one_reply(data)
                self.assertIn("error", resp)
                self.assertNotIn("id", resp)

    def test_long_names_keep_output_valid_utf8(self):
        # messages quote names cut to a fixed size; a cut inside a multi-byte
        # character must not put invalid UTF-8 on stdout (the reader decodes
        # every line strictly)
        for pad in range(195, 205):
            name = "a" * pad + "\u00e9\u20ac"
            with self.subTest(pad=pad):
                self.assertError(self.s.request(name, {}), -32601)
                self.assertError(self.s.request("tools/call", {"name": name}), -32602)
                res = self.s.result("tools/call", {"name": "test_echo",
                                                   "arguments": {"text": "x", name * 3: 1}})
                self.assertIs(res["isError"], True)
        resp = self.s.request("tools/list", {"_meta": {
            "io.modelcontextprotocol/protocolVersion": "\u00e9" * 100,
            "io.modelcontextprotocol/clientCapabilities": {}}})
        self.assertError(resp, -32022)

    def test_deep_nesting(self):
        depth = 100000
        deep = b"[" * depth + b"]" * depth
        line = (b'{"jsonrpc":"2.0","id":"deep","method":"ping","params":{"x":' + deep + b"}}\n")
        self.s.send_raw(line)
        before = self.s.ping_sync()
        self.assertEqual(len(before), 1, before)
        resp = before[0].obj
        self.assertIn("error", resp)
        self.assertIn(resp["error"]["code"], (-32700, -32600, -32602))
        # deep objects too, where an "id" key hides at depth
        deep = b'{"a":' * depth + b'{"id":1}' + b"}" * depth
        self.s.send_raw(b'{"jsonrpc":"2.0","method":"ping","params":' + deep + b"}\n")
        before = self.s.ping_sync()
        self.assertEqual(len(before), 1, before)
        self.assertIn("error", before[0].obj)
        self.assertNotIn("id", before[0].obj)

    def test_pipelined_requests_answered_once_each(self):
        n = 1000
        lines = []
        for i in range(n):
            if i % 3 == 0:
                lines.append({"jsonrpc": "2.0", "id": i, "method": "ping"})
            elif i % 3 == 1:
                lines.append({"jsonrpc": "2.0", "id": "s%d" % i, "method": "tools/call",
                              "params": {"name": "test_echo", "arguments": {"text": str(i)}}})
            else:
                lines.append({"jsonrpc": "2.0", "id": i, "method": "tools/list"})
        self.s.send_raw(b"".join(json.dumps(m).encode() + b"\n" for m in lines))
        want = {m["id"] for m in lines}
        seen = {}
        while len(seen) < n:
            o = self.s.recv().obj
            self.assertNotIn("method", o)
            self.assertIn(o["id"], want)
            self.assertNotIn(o["id"], seen, "answered twice")
            seen[o["id"]] = o
        for i in range(1, n, 3):
            self.assertEqual(seen["s%d" % i]["result"]["structuredContent"]["text"], str(i))
        self.assertEqual(self.s.ping_sync(), [], "extra replies after the 1000")


class BadInputFreshServer(ServerTestCase):
    def test_bom_on_first_line(self):
        s = self.server()
        s.send_raw(b'\xef\xbb\xbf{"jsonrpc":"2.0","id":"bom","method":"ping"}\n')
        resp, before = s.wait_response("bom")
        self.assertEqual(resp["result"], {})
        self.assertEqual(before, [])
        s.close()

    def test_oversize_line(self):
        s = self.legacy("smallmsg.ini")  # max_message_bytes = 4096
        big = {"jsonrpc": "2.0", "id": "big", "method": "tools/call",
               "params": {"name": "test_echo", "arguments": {"text": "y" * 10000}}}
        s.send(big)
        before = s.ping_sync()
        self.assertEqual(len(before), 1, before)
        err = before[0].obj
        self.assertIn("error", err)
        self.assertIn(err["error"]["code"], (-32600, -32700))
        self.assertIn("max_message_bytes", err["error"]["message"])
        self.assertFalse(is_response(err, "big"), "the dropped line must not be served")
        # a line just under the cap is served
        ok = {"jsonrpc": "2.0", "id": "ok", "method": "tools/call",
              "params": {"name": "test_echo", "arguments": {"text": "z" * 3900}}}
        self.assertLess(len(json.dumps(ok)), 4096)
        s.send(ok)
        resp, _ = s.wait_response("ok")
        self.assertEqual(resp["result"]["structuredContent"]["length"], 3900)
        # a huge line sent in pieces, then a request in the same write as its end
        s.send_raw(b'{"jsonrpc":"2.0","id":"huge","method":"ping","params":{"x":"')
        for _ in range(64):
            s.send_raw(b"w" * 65536)
        s.send_raw(b'"}}\n{"jsonrpc":"2.0","id":"after","method":"ping"}\n')
        resp, before = s.wait_response("after")
        self.assertEqual(resp["result"], {})
        self.assertEqual(len(before), 1, before)
        self.assertIn("error", before[0].obj)
        s.close()

    def test_final_line_without_newline_at_eof(self):
        s = self.server()
        s.send_raw(b'{"jsonrpc":"2.0","id":"last","method":"ping"}')
        rest = s.close()
        self.assertEqual([m.obj for m in rest], [{"jsonrpc": "2.0", "id": "last", "result": {}}])


if __name__ == "__main__":
    unittest.main()
