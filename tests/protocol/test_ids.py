"""Request ids are echoed exactly as sent: strings (with escapes), and
integers beyond 2^53, in results and in errors, checked on the raw bytes."""

import json
import unittest

from mcpwire import ServerTestCase


class IdEcho(ServerTestCase):
    def raw_roundtrip(self, s, id_token, method="ping", params=None):
        """Sends a request whose id is the raw JSON token id_token (bytes)
        and returns the raw response line."""
        body = b'{"jsonrpc":"2.0","id":' + id_token + b',"method":"' + method.encode() + b'"'
        if params is not None:
            body += b',"params":' + json.dumps(params, separators=(",", ":")).encode()
        s.send_raw(body + b"}\n")
        want = json.loads(id_token)
        got = s.read_until(lambda o: "method" not in o and o.get("id") == want)
        return got[-1]

    def assertIdEchoed(self, msg, id_token):
        self.assertIn(b'"id":' + id_token + b",", msg.raw + b",",
                      "id not echoed byte-exact: %r" % msg.raw[:300])

    IDS = [b"0", b"-1", b"7", b"9007199254740993", b"12345678901234567890",
           b"-98765432109876543210", b"123456789012345678901234567890",
           b'"abc"', b'""', b'"a\\"b"', b'"\\u00e9\\n\\t\\\\"', b'"h\xc3\xa9llo"',
           b'"\\ud83d\\ude00"', b'"1"', b'"12345678901234567890"']

    def test_ids_in_results(self):
        s = self.legacy()
        for tok in self.IDS:
            with self.subTest(id=tok):
                m = self.raw_roundtrip(s, tok)
                self.assertIn("result", m.obj)
                self.assertIdEchoed(m, tok)
        s.close()

    def test_ids_in_errors(self):
        s = self.legacy()
        for tok in self.IDS:
            with self.subTest(id=tok):
                m = self.raw_roundtrip(s, tok, method="no/such/method")
                self.assertEqual(m.obj["error"]["code"], -32601)
                self.assertIdEchoed(m, tok)
        s.close()

    def test_ids_of_async_tool_calls(self):
        s = self.legacy()
        for tok in [b"12345678901234567890", b'"slow \\"one\\""']:
            with self.subTest(id=tok):
                m = self.raw_roundtrip(s, tok, "tools/call",
                                       {"name": "test_slow", "arguments": {"ms": 20, "steps": 1}})
                self.assertIn("result", m.obj)
                self.assertIdEchoed(m, tok)
        s.close()

    def test_long_ids(self):
        s = self.legacy()
        for tok in [b'"' + b"x" * 254 + b'"', b'"' + b"y" * 1000 + b'"',
                    b'"' + "\u00e9".encode() * 500 + b'"', b"9" * 400, b"-" + b"1" * 300]:
            with self.subTest(id=tok[:20]):
                m = self.raw_roundtrip(s, tok)
                self.assertIn("result", m.obj)
                self.assertIdEchoed(m, tok)
                m = self.raw_roundtrip(s, tok, "tools/call",
                                       {"name": "test_slow", "arguments": {"ms": 10, "steps": 1}})
                self.assertIdEchoed(m, tok)
        s.close()

    def test_big_integer_ids_stay_distinct(self):
        # 2^53 + 1 and 2^53 are the same double: echoing the raw token keeps
        # them apart
        s = self.legacy()
        a = self.raw_roundtrip(s, b"9007199254740993")
        b = self.raw_roundtrip(s, b"9007199254740992")
        self.assertEqual(a.obj["id"], 9007199254740993)
        self.assertEqual(b.obj["id"], 9007199254740992)
        s.close()

    def test_id_position_and_whitespace(self):
        # the id may come last, after nested objects that contain "id" keys
        s = self.legacy()
        s.send_raw(b'{"jsonrpc":"2.0","method":"ping","params":{"id":1,"x":{"id":"inner"}},'
                   b'"id" : 424242424242424242424 }\n')
        m = s.read_until(lambda o: "method" not in o)[-1]
        self.assertIn(b'"id":424242424242424242424', m.raw)
        self.assertEqual(m.obj["result"], {})
        s.close()

    def test_string_and_integer_ids_do_not_collide(self):
        s = self.legacy()
        s.send_many([{"jsonrpc": "2.0", "id": 1, "method": "ping"},
                     {"jsonrpc": "2.0", "id": "1", "method": "ping"}])
        got = [s.recv().obj["id"] for _ in range(2)]
        self.assertEqual(sorted(got, key=repr), sorted([1, "1"], key=repr))
        s.close()


if __name__ == "__main__":
    unittest.main()
