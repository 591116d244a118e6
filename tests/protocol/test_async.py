"""Asynchronous tools: progress, cancellation, logging, and the loop serving
other requests while a tool runs. Checks are about order, never timing: a
"long" test_slow is 10 minutes long and always ends by cancellation or EOF."""

import unittest

from mcpwire import ServerTestCase, is_response, modern_meta, tool_text

LONG = {"ms": 600000, "steps": 1000}  # never finishes within a test


def progress_of(msgs, token=None):
    out = []
    for m in msgs:
        o = m.obj if hasattr(m, "obj") else m
        if o.get("method") == "notifications/progress":
            if token is None or o["params"]["progressToken"] == token:
                out.append(o)
    return out


class Progress(ServerTestCase):
    def run_slow_with_progress(self, s, token, meta_extra=None):
        meta = {"progressToken": token}
        if meta_extra:
            meta.update(meta_extra)
        id = s.send_request("tools/call", {"name": "test_slow",
                                           "arguments": {"ms": 200, "steps": 5},
                                           "_meta": meta})
        resp, before = s.wait_response(id)
        return id, resp, before

    def check_progress(self, notes, token):
        self.assertGreaterEqual(len(notes), 1)
        last = None
        for n in notes:
            p = n["params"]
            self.assertEqual(p["progressToken"], token)
            self.assertIsInstance(p["progress"], (int, float))
            if last is not None:
                self.assertGreater(p["progress"], last, "progress must strictly increase")
            last = p["progress"]
            if "total" in p:
                self.assertGreaterEqual(p["total"], p["progress"])
            self.assertNotIn("id", n, "a notification has no id")

    def test_progress_with_string_token(self):
        s = self.legacy()
        _, resp, before = self.run_slow_with_progress(s, "tok-1")
        self.assertIn("slept 5 steps", tool_text(resp["result"]))
        notes = progress_of(before)
        self.assertEqual(len(notes), 5, "one notification per step")
        self.check_progress(notes, "tok-1")
        self.assertEqual(notes[-1]["params"]["progress"], 5)
        self.assertEqual(notes[-1]["params"]["total"], 5)
        # nothing after the response: a ping, then EOF, shows no more progress
        self.assertEqual(progress_of(s.ping_sync()), [])
        self.assertEqual(progress_of(s.close()), [])

    def test_progress_with_integer_token(self):
        s = self.legacy()
        for token in [0, 42, -7, 9007199254740991]:
            with self.subTest(token=token):
                _, _, before = self.run_slow_with_progress(s, token)
                notes = progress_of(before)
                self.assertEqual(len(notes), 5)
                self.check_progress(notes, token)
        self.assertEqual(progress_of(s.close()), [])

    def test_big_integer_token_is_never_altered(self):
        # cJSON holds numbers as doubles; a token beyond 2^53 must come back
        # exactly or not at all (checked on the raw bytes)
        s = self.legacy()
        for token in [b"12345678901234567890", b"9007199254740993", b"1.5"]:
            with self.subTest(token=token):
                id = s.next_id()
                s.send_raw(b'{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":'
                           b'"test_slow","arguments":{"ms":50,"steps":2},"_meta":'
                           b'{"progressToken":%s}}}\n' % (id, token))
                resp, before = s.wait_response(id)
                self.assertIn("result", resp)
                for m in before:
                    if m.obj.get("method") == "notifications/progress":
                        self.assertIn(b'"progressToken":' + token + b",", m.raw)
        s.close()

    def test_progress_in_modern_era(self):
        s = self.server()
        _, resp, before = self.run_slow_with_progress(s, "m", modern_meta())
        self.assertEqual(resp["result"]["resultType"], "complete")
        self.check_progress(progress_of(before), "m")
        s.close()

    def test_no_progress_without_token(self):
        s = self.legacy()
        id = s.send_request("tools/call", {"name": "test_slow",
                                           "arguments": {"ms": 200, "steps": 5}})
        resp, before = s.wait_response(id)
        self.assertIn("slept 5 steps", tool_text(resp["result"]))
        self.assertEqual(progress_of(before), [])
        # _meta without a progressToken, and a token of an invalid type
        for meta in [{}, {"progressToken": None}, {"progressToken": {"a": 1}}]:
            with self.subTest(meta=meta):
                id = s.send_request("tools/call", {"name": "test_slow",
                                                   "arguments": {"ms": 50, "steps": 2},
                                                   "_meta": meta})
                resp, before = s.wait_response(id)
                self.assertIn("result", resp)
                self.assertEqual(progress_of(before), [])
        self.assertEqual(progress_of(s.close()), [])

    def test_concurrent_calls_keep_their_tokens(self):
        s = self.legacy()
        a = s.send_request("tools/call", {"name": "test_slow",
                                          "arguments": {"ms": 200, "steps": 4},
                                          "_meta": {"progressToken": "a"}})
        b = s.send_request("tools/call", {"name": "test_slow",
                                          "arguments": {"ms": 200, "steps": 4},
                                          "_meta": {"progressToken": "b"}})
        msgs = []
        done = set()
        while done != {a, b}:
            m = s.recv()
            msgs.append(m)
            for id in (a, b):
                if is_response(m.obj, id):
                    self.assertNotIn(id, done, "answered twice")
                    done.add(id)
        for tok, id in (("a", a), ("b", b)):
            resp_pos = next(i for i, m in enumerate(msgs) if is_response(m.obj, id))
            notes = progress_of(msgs, tok)
            self.check_progress(notes, tok)
            self.assertEqual(len(notes), 4)
            after = progress_of(msgs[resp_pos + 1:], tok)
            self.assertEqual(after, [], "progress after the response for %s" % tok)
        s.close()


class Cancellation(ServerTestCase):
    def test_cancelled_call_never_answers(self):
        s = self.legacy()
        slow = s.send_request("tools/call", {"name": "test_slow", "arguments": LONG,
                                             "_meta": {"progressToken": "c"}})
        s.notify("notifications/cancelled", {"requestId": slow, "reason": "test"})
        before = s.ping_sync()
        self.assertFalse([m for m in before if is_response(m.obj, slow)])
        # a second ping, and the rest of the stream until EOF: still nothing
        after = s.ping_sync()
        rest = s.close()
        self.assertFalse([m for m in before + after + rest if is_response(m.obj, slow)])
        # no progress after the cancellation was handled either
        self.assertEqual(progress_of(after + rest), [])

    def test_cancelled_call_would_have_finished_first(self):
        # A (400 ms) is cancelled; B (800 ms) starts after it. Without the
        # cancellation A would answer before B: its absence is the proof.
        s = self.legacy()
        a, b = "A", "B"
        s.send_many([
            {"jsonrpc": "2.0", "id": a, "method": "tools/call",
             "params": {"name": "test_slow", "arguments": {"ms": 400, "steps": 2},
                        "_meta": {"progressToken": "pa"}}},
            {"jsonrpc": "2.0", "method": "notifications/cancelled",
             "params": {"requestId": a, "reason": "changed my mind"}},
            {"jsonrpc": "2.0", "id": b, "method": "tools/call",
             "params": {"name": "test_slow", "arguments": {"ms": 800, "steps": 1}}},
        ])
        resp, before = s.wait_response(b)
        self.assertIn("result", resp)
        self.assertFalse([m for m in before if is_response(m.obj, a)],
                         "the cancelled call was answered")
        self.assertEqual(progress_of(before, "pa"), [], "progress after the cancellation")
        rest = s.close()
        self.assertFalse([m for m in rest if is_response(m.obj, a)])

    def test_cancel_with_string_id(self):
        s = self.legacy()
        s.send_request("tools/call", {"name": "test_slow", "arguments": LONG}, id="slow-1")
        s.send_request("tools/call", {"name": "test_slow", "arguments": {"ms": 100, "steps": 1}},
                       id="slow-2")
        s.notify("notifications/cancelled", {"requestId": "slow-1"})
        resp, before = s.wait_response("slow-2")
        self.assertIn("result", resp)
        s.ping_sync()
        rest = s.close()
        self.assertFalse([m for m in before + rest if is_response(m.obj, "slow-1")])

    def test_cancel_unknown_or_finished_ids_is_harmless(self):
        s = self.legacy()
        id = s.send_request("tools/call", {"name": "test_echo", "arguments": {"text": "x"}})
        s.wait_response(id)
        s.notify("notifications/cancelled", {"requestId": id})
        s.notify("notifications/cancelled", {"requestId": "never-sent"})
        s.notify("notifications/cancelled", {})
        s.notify("notifications/cancelled", {"requestId": None})
        s.notify("notifications/cancelled")
        self.assertEqual(s.ping_sync(), [])
        s.close()

    def test_cancel_in_modern_era(self):
        s = self.server()
        slow = s.send_request("tools/call", {"name": "test_slow", "arguments": LONG,
                                             "_meta": modern_meta()})
        s.notify("notifications/cancelled", {"requestId": slow})
        res = s.result("tools/list", {"_meta": modern_meta()})
        self.assertTrue(res["tools"])
        rest = s.close()
        self.assertFalse([m for m in s.all if is_response(m.obj, slow)])
        del rest


class ServingWhileBusy(ServerTestCase):
    def test_ping_answered_while_slow_tool_runs(self):
        s = self.legacy()
        slow = s.send_request("tools/call", {"name": "test_slow", "arguments": LONG})
        ping = s.send_request("ping")
        got = s.read_until(lambda o: is_response(o, ping) or is_response(o, slow))
        self.assertTrue(is_response(got[-1].obj, ping),
                        "the ping must be answered while test_slow still runs")
        # other tools too
        res = s.result("tools/call", {"name": "test_echo", "arguments": {"text": "busy"}})
        self.assertEqual(res["structuredContent"]["text"], "busy")
        s.notify("notifications/cancelled", {"requestId": slow})
        s.ping_sync()
        s.close()

    def test_slow_tool_finishes_after_later_requests(self):
        # responses follow completion, not arrival: a ping sent right behind a
        # short async call (in the same write) is answered first
        s = self.legacy()
        slow, ping = s.next_id(), s.next_id()
        s.send_many([{"jsonrpc": "2.0", "id": slow, "method": "tools/call",
                      "params": {"name": "test_slow", "arguments": {"ms": 300, "steps": 3}}},
                     {"jsonrpc": "2.0", "id": ping, "method": "ping"}])
        got = s.read_until(lambda o: is_response(o, slow))
        ids = [m.obj.get("id") for m in got if "method" not in m.obj]
        self.assertEqual(ids, [ping, slow])
        s.close()


class Logging(ServerTestCase):
    def test_set_level_then_cancel_produces_message(self):
        s = self.legacy()
        self.assertEqual(s.result("logging/setLevel", {"level": "info"}), {})
        slow = s.send_request("tools/call", {"name": "test_slow", "arguments": LONG})
        s.notify("notifications/cancelled", {"requestId": slow})
        before = s.ping_sync()
        logs = [m.obj for m in before if m.obj.get("method") == "notifications/message"]
        self.assertTrue(logs, "expected notifications/message after the cancel")
        p = logs[-1]["params"]
        self.assertEqual(p["level"], "info")
        self.assertIn("cancelled", str(p["data"]))
        self.assertIsInstance(p.get("logger", ""), str)
        s.close()

    def test_no_messages_without_set_level(self):
        s = self.legacy()
        slow = s.send_request("tools/call", {"name": "test_slow", "arguments": LONG})
        s.notify("notifications/cancelled", {"requestId": slow})
        before = s.ping_sync()
        self.assertFalse([m for m in before if m.obj.get("method") == "notifications/message"])
        s.close()

    def test_level_filters_messages(self):
        s = self.legacy()
        s.result("logging/setLevel", {"level": "error"})
        slow = s.send_request("tools/call", {"name": "test_slow", "arguments": LONG})
        s.notify("notifications/cancelled", {"requestId": slow})
        before = s.ping_sync()
        self.assertFalse([m for m in before if m.obj.get("method") == "notifications/message"],
                         "an info message passed an error-level filter")
        s.close()

    def test_bad_level_is_32602(self):
        s = self.legacy()
        for params in [{"level": "loud"}, {"level": 3}, {}]:
            with self.subTest(params=params):
                resp = s.request("logging/setLevel", params)
                self.assertError(resp, -32602)
        s.close()


if __name__ == "__main__":
    unittest.main()
