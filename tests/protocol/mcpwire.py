"""mcpwire - drive the real scalene-mcp binary over pipes (stdlib only).

The protocol tests use this to spawn the server, write JSON-RPC lines, and
read what comes back. Every stdout line must parse as JSON (stdout purity):
a line that does not parse fails the test that reads it, and close() fails
if one arrived that nobody read. Reads wait at most HANG seconds: that is a
hang limit, never a performance threshold, so it is deliberately generous.

Environment (set by tests/protocol/CMakeLists.txt):
  SMCP_BINARY          the scalene-mcp executable
  SMCP_TEST_CONF_DIR   the configured test INI files (absolute plugin paths)
  SMCP_TEST_PLUGIN_DIR the test plugins (.so)
  SMCP_TEST_HANG_SEC   optional override of the hang limit (default 60)
  SMCP_TEST_WRAPPER    optional command prefix, e.g. "valgrind -q"
"""

import itertools
import json
import os
import queue
import shlex
import signal
import subprocess
import tempfile
import threading
import unittest

BINARY = os.environ.get("SMCP_BINARY", "")
CONF_DIR = os.environ.get("SMCP_TEST_CONF_DIR", "")
PLUGIN_DIR = os.environ.get("SMCP_TEST_PLUGIN_DIR", "")
HANG = float(os.environ.get("SMCP_TEST_HANG_SEC", "60"))
WRAPPER = shlex.split(os.environ.get("SMCP_TEST_WRAPPER", ""))

MODERN = "2026-07-28"
LEGACY_LATEST = "2025-11-25"
LEGACY_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]
META_VERSION = "io.modelcontextprotocol/protocolVersion"
META_CAPS = "io.modelcontextprotocol/clientCapabilities"
META_LOGLEVEL = "io.modelcontextprotocol/logLevel"
META_SERVERINFO = "io.modelcontextprotocol/serverInfo"


def conf(name):
    """Absolute path of a configured test INI file."""
    path = os.path.join(CONF_DIR, name)
    if not os.path.isfile(path):
        raise unittest.SkipTest("missing %s (re-run cmake to configure it)" % path)
    return path


def plugin(name):
    return os.path.join(PLUGIN_DIR, name + ".so")


def modern_meta(version=MODERN, caps=True, **extra):
    meta = {META_VERSION: version}
    if caps:
        meta[META_CAPS] = {}
    meta.update(extra)
    return meta


def write_ini(testcase, text):
    """Writes a temporary INI file removed when the test ends; returns its path."""
    fd, path = tempfile.mkstemp(suffix=".ini", prefix="smcp-test-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    testcase.addCleanup(os.unlink, path)
    return path


def run_cli(args, env=None, stdin_data=b""):
    """Runs the binary to completion (for --version, --check-config, start-up
    failures). Returns CompletedProcess with text stdout/stderr."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(WRAPPER + [BINARY] + list(args), input=stdin_data,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=HANG, env=full_env)


class Msg:
    """One stdout line: its raw bytes and the parsed JSON."""

    def __init__(self, raw, obj):
        self.raw = raw
        self.obj = obj

    def __repr__(self):
        return "Msg(%r)" % (self.raw[:300],)


_EOF = object()


class Server:
    """A running scalene-mcp with reader threads on stdout and stderr."""

    def __init__(self, testcase, config="test-plugins.ini", args=None, env=None):
        self.tc = testcase
        if not BINARY or not os.access(BINARY, os.X_OK):
            raise unittest.SkipTest("SMCP_BINARY not set or not executable: %r" % BINARY)
        cmd = WRAPPER + [BINARY]
        if config is not None:
            cmd += ["--config", conf(config) if not os.path.isabs(config) else config]
        cmd += list(args or [])
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=full_env)
        self.q = queue.Queue()
        self.impure = []  # stdout lines that were not JSON
        self.all = []  # every message in arrival order
        self._stderr = []
        self._ids = itertools.count(1)
        self._closed = False
        self._eof = False
        self.returncode = None
        self._t_out = threading.Thread(target=self._read_stdout, daemon=True)
        self._t_err = threading.Thread(target=self._read_stderr, daemon=True)
        self._t_out.start()
        self._t_err.start()
        testcase.addCleanup(self._cleanup)

    # -- reader threads -------------------------------------------------
    def _read_stdout(self):
        for raw in iter(self.proc.stdout.readline, b""):
            if not raw.endswith(b"\n"):
                self.impure.append(raw)
                self.q.put(("impure", raw))
                continue
            line = raw[:-1]
            try:
                obj = json.loads(line.decode("utf-8"))
                if not isinstance(obj, dict):
                    raise ValueError("not a JSON object")
            except ValueError:
                self.impure.append(raw)
                self.q.put(("impure", raw))
                continue
            m = Msg(line, obj)
            self.all.append(m)
            self.q.put(("msg", m))
        self.q.put(("eof", None))

    def _read_stderr(self):
        for raw in iter(self.proc.stderr.readline, b""):
            self._stderr.append(raw.decode("utf-8", "replace"))

    @property
    def stderr(self):
        return "".join(self._stderr)

    # -- writing ---------------------------------------------------------
    def next_id(self):
        return next(self._ids)

    def send_raw(self, data):
        """Writes bytes exactly as given (add b'\\n' yourself)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, obj):
        """Writes one compact JSON line."""
        self.send_raw(json.dumps(obj, separators=(",", ":")).encode("utf-8") + b"\n")

    def send_many(self, objs):
        """Writes several JSON lines with one write (one pipe write under
        PIPE_BUF arrives in one read, so the server sees them together)."""
        self.send_raw(b"".join(json.dumps(o, separators=(",", ":")).encode("utf-8") + b"\n"
                               for o in objs))

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def send_request(self, method, params=None, id=None):
        if id is None:
            id = self.next_id()
        msg = {"jsonrpc": "2.0", "id": id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return id

    # -- reading ---------------------------------------------------------
    def recv(self, timeout=None):
        """Next stdout message; fails on a non-JSON line, a hang or EOF."""
        if self._eof:
            self.tc.fail("server stdout already closed\nstderr:\n" + self.stderr)
        try:
            kind, val = self.q.get(timeout=HANG if timeout is None else timeout)
        except queue.Empty:
            self.tc.fail("no message from the server within %gs (hang)\nstderr:\n%s"
                         % (HANG if timeout is None else timeout, self.stderr))
        if kind == "impure":
            self.tc.fail("stdout line is not a JSON object (stdout purity): %r" % val[:500])
        if kind == "eof":
            self._eof = True
            self.tc.fail("server closed stdout unexpectedly (rc=%r)\nstderr:\n%s"
                         % (self.proc.poll(), self.stderr))
        return val

    def read_until(self, pred):
        """Reads messages until pred(obj) is true; returns all of them (the
        matching one last)."""
        got = []
        while True:
            m = self.recv()
            got.append(m)
            if pred(m.obj):
                return got

    def wait_response(self, id):
        """Reads until the response for id; returns (response, others before)."""
        got = self.read_until(lambda o: "method" not in o and o.get("id") == id
                              and ("result" in o or "error" in o))
        return got[-1].obj, got[:-1]

    def request(self, method, params=None, id=None):
        """Sends a request and returns its response (a dict)."""
        id = self.send_request(method, params, id)
        resp, _ = self.wait_response(id)
        return resp

    def result(self, method, params=None):
        resp = self.request(method, params)
        self.tc.assertIn("result", resp, "expected a result for %s, got %r" % (method, resp))
        return resp["result"]

    def error(self, method, params=None, code=None):
        resp = self.request(method, params)
        self.tc.assertIn("error", resp, "expected an error for %s, got %r" % (method, resp))
        if code is not None:
            self.tc.assertEqual(resp["error"]["code"], code, resp)
        return resp["error"]

    def initialize(self, version=LEGACY_LATEST):
        res = self.result("initialize", {"protocolVersion": version, "capabilities": {},
                                         "clientInfo": {"name": "protocol-tests",
                                                        "version": "1"}})
        self.notify("notifications/initialized")
        return res

    def ping_sync(self):
        """A ping whose answer proves that everything sent before it has been
        read and handled (the server handles input in order). Returns the
        messages that arrived before the ping's answer."""
        id = self.send_request("ping")
        resp, before = self.wait_response(id)
        self.tc.assertEqual(resp.get("result"), {}, resp)
        return before

    # -- ending ----------------------------------------------------------
    def close(self, expect_rc=0):
        """Closes stdin, checks the server exits (within the hang limit) and
        that every stdout line was JSON. Returns the unread messages."""
        if not self._closed:
            self._closed = True
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        return self.wait_exit(expect_rc)

    def wait_exit(self, expect_rc=0):
        try:
            self.returncode = self.proc.wait(timeout=HANG)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.tc.fail("server did not exit within %gs\nstderr:\n%s" % (HANG, self.stderr))
        self._t_out.join(HANG)
        self._t_err.join(HANG)
        rest = []
        while True:
            try:
                kind, val = self.q.get_nowait()
            except queue.Empty:
                break
            if kind == "msg":
                rest.append(val)
            elif kind == "impure":
                self.tc.fail("stdout line is not a JSON object (stdout purity): %r" % val[:500])
        self.tc.assertEqual(self.impure, [], "non-JSON lines on stdout")
        if expect_rc is not None:
            self.tc.assertEqual(self.returncode, expect_rc,
                                "exit status %r\nstderr:\n%s" % (self.returncode, self.stderr))
        return rest

    def signal(self, signo=signal.SIGTERM):
        self.proc.send_signal(signo)

    def _cleanup(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except (OSError, ValueError):
                pass


def is_response(obj, id):
    return "method" not in obj and obj.get("id") == id and ("result" in obj or "error" in obj)


def tool_text(result):
    """All text blocks of a CallToolResult, joined."""
    return "\n".join(b.get("text", "") for b in result.get("content", [])
                     if b.get("type") == "text")


class ServerTestCase(unittest.TestCase):
    """Base class: self.server(...) spawns a server cleaned up after the test."""

    maxDiff = 4000

    def server(self, config="test-plugins.ini", **kw):
        return Server(self, config, **kw)

    def legacy(self, config="test-plugins.ini", version=LEGACY_LATEST, **kw):
        s = Server(self, config, **kw)
        s.initialize(version)
        return s

    def assertError(self, resp, code, has_id=True):
        self.assertIn("error", resp, resp)
        self.assertNotIn("result", resp, resp)
        self.assertEqual(resp["error"]["code"], code, resp)
        self.assertIsInstance(resp["error"].get("message"), str, resp)
        self.assertTrue(resp["error"]["message"], resp)
        self.assertEqual(resp.get("jsonrpc"), "2.0", resp)
        if not has_id:
            self.assertNotIn("id", resp, "an error for an unreadable id carries no id")
