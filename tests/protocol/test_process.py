"""Process behaviour: exit on stdin EOF (also with work in flight), SIGTERM,
and stdout purity when a plugin writes to stdout."""

import json
import signal
import subprocess
import unittest

from mcpwire import BINARY, HANG, WRAPPER, ServerTestCase, conf, is_response, tool_text

LONG = {"ms": 600000, "steps": 1000}


class Shutdown(ServerTestCase):
    def test_exit_on_eof_idle(self):
        s = self.server()
        self.assertEqual(s.close(), [])

    def test_exit_on_eof_after_session(self):
        s = self.legacy()
        s.ping_sync()
        self.assertEqual(s.close(), [])

    def test_exit_on_eof_with_slow_tool_in_flight(self):
        s = self.legacy()
        slow = s.send_request("tools/call", {"name": "test_slow", "arguments": LONG,
                                             "_meta": {"progressToken": 1}})
        s.ping_sync()  # the call is running now
        rest = s.close()  # must exit long before the 10 minutes are up
        self.assertFalse([m for m in rest if is_response(m.obj, slow) and "result" in m.obj])

    def test_requests_before_eof_are_answered(self):
        # everything written before EOF is answered before the exit
        s = self.legacy()
        ids = [s.next_id() for _ in range(50)]
        s.send_many([{"jsonrpc": "2.0", "id": i, "method": "tools/call",
                      "params": {"name": "test_echo", "arguments": {"text": str(i)}}}
                     for i in ids])
        rest = s.close()
        self.assertEqual([m.obj["id"] for m in rest], ids)

    def test_sigterm_exits_cleanly(self):
        s = self.legacy()
        s.ping_sync()
        s.signal(signal.SIGTERM)
        s.wait_exit(expect_rc=0)

    def test_sigterm_with_slow_tool_in_flight(self):
        s = self.legacy()
        s.send_request("tools/call", {"name": "test_slow", "arguments": LONG})
        s.ping_sync()
        s.signal(signal.SIGTERM)
        s.wait_exit(expect_rc=0)

    def test_sigterm_before_any_input(self):
        s = self.server()
        # make sure it is up and serving before the signal
        s.ping_sync()
        s.signal(signal.SIGTERM)
        s.wait_exit(expect_rc=0)


    def test_sigint_and_sighup_exit_cleanly(self):
        for signo in (signal.SIGINT, signal.SIGHUP):
            with self.subTest(signal=signo):
                s = self.legacy()
                s.ping_sync()
                s.signal(signo)
                s.wait_exit(expect_rc=0)

    def test_exit_when_client_stops_reading(self):
        # the client closes its end of stdout: the next write fails (EPIPE)
        # and the server ends instead of spinning or dying of SIGPIPE
        p = subprocess.Popen(WRAPPER + [BINARY, "--config", conf("test-plugins.ini")],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        try:
            p.stdin.write(b'{"jsonrpc":"2.0","id":1,"method":"ping"}\n')
            p.stdin.flush()
            self.assertEqual(json.loads(p.stdout.readline()), {"jsonrpc": "2.0", "id": 1,
                                                               "result": {}})
            p.stdout.close()
            # the answer to this ping cannot be written: the server must end
            p.stdin.write(b'{"jsonrpc":"2.0","id":2,"method":"ping"}\n')
            p.stdin.flush()
            rc = p.wait(timeout=HANG)
            self.assertGreaterEqual(rc, 0, "killed by signal %d" % -rc)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            try:
                p.stdin.close()
            except BrokenPipeError:
                pass


class StdoutPurity(ServerTestCase):
    def test_plugin_writes_to_stdout(self):
        s = self.legacy("noisy.ini")
        names = [t["name"] for t in s.result("tools/list")["tools"]]
        self.assertIn("noisy_print", names)
        res = s.result("tools/call", {"name": "noisy_print", "arguments": {}})
        self.assertEqual(tool_text(res), "printed to stdout")
        s.ping_sync()
        s.close()  # fails if any stdout line was not JSON
        # the junk went to stderr instead
        self.assertIn("noisy: printf from init", s.stderr)
        self.assertIn("noisy: write(1) from the noisy_print tool", s.stderr)
        self.assertIn("noisy: fputs from shutdown", s.stderr)

    def test_logs_go_to_stderr(self):
        s = self.legacy(env={"SCALENE_LOG_LEVEL": "info"})
        slow = s.send_request("tools/call", {"name": "test_slow", "arguments": LONG})
        s.notify("notifications/cancelled", {"requestId": slow})
        s.ping_sync()
        s.close()
        self.assertIn("cancelled", s.stderr)


if __name__ == "__main__":
    unittest.main()
