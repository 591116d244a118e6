"""e2e - helpers for the end-to-end tests: the real scalene-mcp binary
running the real Scalene (stdlib only).

Environment (set by tests/e2e/CMakeLists.txt):
  SMCP_BINARY         the scalene-mcp executable
  SMCP_E2E_DIR        build/e2e: generated config, shared store, index.json, scratch
  SMCP_E2E_CONF       the shared config (sqlite store in SMCP_E2E_DIR/store)
  SMCP_PLUGIN_DIR     the build's plugins/ (memory.so, sqlite.so)
  SMCP_VENV_PYTHON    interpreter with the pinned Scalene 2.x (the project venv)
  SMCP_DEBIAN_PYTHON  interpreter with Debian's Scalene 1.5.16 (/usr/bin/python3)
  SMCP_E2E_VERSIONS   optional: comma-separated subset of "2,1.5" to run
  SMCP_E2E_HANG_SEC   optional hang limit for one reply (default 120)

Versions are named "2" (venv) and "1.5" (Debian). The fixture step
(make_profiles.py) profiles every catalog entry for every version once and
writes index.json; tests read those results with `entry(name, version)` and
the stored profiles through a `Server` on the shared store. Tests that need a
run of their own (timeout, cancel, concurrency, bad input) start a server
with `private_config()` (memory store, nothing shared).
"""

import itertools
import json
import os
import subprocess
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = os.path.normpath(os.path.join(HERE, "..", "workloads"))
BINARY = os.environ.get("SMCP_BINARY", "")
E2E_DIR = os.environ.get("SMCP_E2E_DIR", "")
CONF = os.environ.get("SMCP_E2E_CONF", "")
PLUGIN_DIR = os.environ.get("SMCP_PLUGIN_DIR", "")
HANG = float(os.environ.get("SMCP_E2E_HANG_SEC", "120"))
PROTOCOL = "2025-11-25"

PYTHONS = {
    "2": os.environ.get("SMCP_VENV_PYTHON", ""),
    "1.5": os.environ.get("SMCP_DEBIAN_PYTHON", "/usr/bin/python3"),
}
ALL_VERSIONS = ["2", "1.5"]

# Variables the fixture server (and the private servers) get in their own
# environment: the program must not see the secrets, and PYTHONMALLOC must be
# removed (it crashes Scalene's child at exit).
SERVER_ENV = {
    "OPENAI_API_KEY": "sk-e2e-must-not-leak",
    "AWS_SECRET_ACCESS_KEY": "e2e-aws-must-not-leak",
    "GH_TOKEN": "ghp_e2e_must_not_leak",
    "PYTHONMALLOC": "malloc",
}


def versions():
    """The Scalene versions to test (SMCP_E2E_VERSIONS narrows it)."""
    want = os.environ.get("SMCP_E2E_VERSIONS", "")
    if not want:
        return list(ALL_VERSIONS)
    return [v for v in ALL_VERSIONS if v in [w.strip() for w in want.split(",")]]


def python_for(version):
    return PYTHONS[version]


def workload(*parts):
    return os.path.join(WORKLOADS, *parts)


def scratch_dir(prefix):
    """A fresh directory under build/e2e/scratch (kept for post-mortems,
    replaced on the next run)."""
    base = os.path.join(E2E_DIR or tempfile.gettempdir(), "scratch")
    os.makedirs(base, exist_ok=True)
    return tempfile.mkdtemp(prefix=prefix + "-", dir=base)


# ---------------------------------------------------------------------------
# configs

def write_config(path, backend="memory", max_concurrent=2, extra=""):
    """Writes a server config: quiet log, given backend, concurrency."""
    lines = [
        "[server]",
        "log_level = notice",
        "max_concurrent_profiles = %d" % max_concurrent,
    ]
    if PLUGIN_DIR:
        lines.append("plugin_dir = %s" % PLUGIN_DIR)
    lines += [
        "",
        "[scalene]",
        "timeout = 120",
        "max_timeout = 600",
        "pass_secrets = false",
        "",
        "[storage]",
        "backend = %s" % backend,
        "",
    ]
    if backend == "memory":
        lines += ["[plugin.memory]", "max_profiles = 1000", ""]
    elif backend == "sqlite":
        lines += ["[plugin.sqlite]",
                  "db_path = %s" % os.path.join(E2E_DIR, "store", "profiles.db"), ""]
    # every analyzer plugin the build has, as a user's default config loads them
    for name in ("hotspots", "functions", "gpu", "bottlenecks", "leaks", "comparator"):
        if PLUGIN_DIR and os.path.exists(os.path.join(PLUGIN_DIR, name + ".so")):
            lines += ["[plugin.%s]" % name, ""]
    lines.append(extra)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def private_config(tc, max_concurrent=2):
    """A config with a memory store for a test's own runs; removed after."""
    fd, path = tempfile.mkstemp(prefix="smcp-e2e-", suffix=".ini")
    os.close(fd)
    write_config(path, "memory", max_concurrent=max_concurrent)
    tc.addCleanup(os.unlink, path)
    return path


# ---------------------------------------------------------------------------
# the fixture's index

_INDEX = None


def index():
    global _INDEX
    if _INDEX is None:
        path = os.path.join(E2E_DIR, "index.json")
        if not os.path.isfile(path):
            raise unittest.SkipTest("no %s: run the e2e.profiles fixture first" % path)
        with open(path) as f:
            _INDEX = json.load(f)
    return _INDEX


def entry(name, version):
    """What the fixture recorded for catalog entry `name` on `version`:
    {"profile_id", "outcome", "is_error", "text", "structured", "progress",
     "out_dir", "seconds"}. Fails the test if the fixture has nothing."""
    idx = index()
    if name not in idx["entries"] or version not in idx["entries"][name]:
        raise AssertionError("index.json has no result for %s@%s (the fixture did not run it)"
                             % (name, version))
    return idx["entries"][name][version]


# ---------------------------------------------------------------------------
# the server

class ServerError(AssertionError):
    pass


class Server:
    """A running scalene-mcp (legacy-era MCP over stdio) with a reader thread.

    Every stdout message is appended to `self.log` in arrival order as
    (seq, obj); `wait_for` scans it, so order checks compare seq numbers.
    """

    def __init__(self, config=None, env=None, initialize=True, name="e2e"):
        if not BINARY or not os.access(BINARY, os.X_OK):
            raise unittest.SkipTest("SMCP_BINARY not set or not executable: %r" % BINARY)
        cmd = [BINARY, "--config", config or CONF]
        full_env = dict(os.environ)
        full_env.update(SERVER_ENV)
        if env:
            full_env.update(env)
        self.name = name
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=full_env)
        self.log = []  # (seq, obj)
        self.impure = []
        self.cv = threading.Condition()
        self.eof = False
        self._stderr = []
        self._ids = itertools.count(1)
        self._wlock = threading.Lock()
        threading.Thread(target=self._read_out, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()
        if initialize:
            res = self.request("initialize", {
                "protocolVersion": PROTOCOL, "capabilities": {},
                "clientInfo": {"name": "scalene-mcp-e2e", "version": "1"}})
            if "result" not in res:
                raise ServerError("initialize failed: %r\nstderr:\n%s" % (res, self.stderr))
            self.notify("notifications/initialized")

    # -- reading ---------------------------------------------------------
    def _read_out(self):
        for raw in iter(self.proc.stdout.readline, b""):
            try:
                obj = json.loads(raw.decode("utf-8"))
                if not isinstance(obj, dict):
                    raise ValueError("not an object")
            except ValueError:
                with self.cv:
                    self.impure.append(raw)
                    self.cv.notify_all()
                continue
            with self.cv:
                self.log.append((len(self.log), obj))
                self.cv.notify_all()
        with self.cv:
            self.eof = True
            self.cv.notify_all()

    def _read_err(self):
        for raw in iter(self.proc.stderr.readline, b""):
            self._stderr.append(raw.decode("utf-8", "replace"))

    @property
    def stderr(self):
        return "".join(self._stderr)

    def wait_for(self, pred, timeout=None, what="a message"):
        """First logged message (seq, obj) with pred(obj); waits for it."""
        deadline = time.monotonic() + (HANG if timeout is None else timeout)
        with self.cv:
            start = 0
            while True:
                for seq, obj in self.log[start:]:
                    if pred(obj):
                        return seq, obj
                start = len(self.log)
                if self.impure:
                    raise ServerError("%s: non-JSON line on stdout: %r" % (self.name,
                                                                           self.impure[0][:300]))
                if self.eof:
                    raise ServerError("%s: server closed stdout while waiting for %s (rc=%r)\n"
                                      "stderr:\n%s" % (self.name, what, self.proc.poll(),
                                                       self.stderr[-4000:]))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ServerError("%s: no %s within %gs (hang)\nstderr:\n%s"
                                      % (self.name, what, HANG if timeout is None else timeout,
                                         self.stderr[-4000:]))
                self.cv.wait(left)

    def response_seq(self, id, timeout=None):
        return self.wait_for(lambda o: is_response(o, id), timeout, "response to id %r" % id)

    def wait_response(self, id, timeout=None):
        return self.response_seq(id, timeout)[1]

    def has_response(self, id):
        with self.cv:
            return any(is_response(o, id) for _, o in self.log)

    def progress(self, token):
        """Progress notifications for `token`, in order: [(seq, params)]."""
        with self.cv:
            return [(seq, o["params"]) for seq, o in self.log
                    if o.get("method") == "notifications/progress"
                    and o.get("params", {}).get("progressToken") == token]

    # -- writing ---------------------------------------------------------
    def send(self, obj):
        data = json.dumps(obj, separators=(",", ":")).encode("utf-8") + b"\n"
        with self._wlock:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def send_request(self, method, params=None):
        id = next(self._ids)
        msg = {"jsonrpc": "2.0", "id": id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return id

    def request(self, method, params=None, timeout=None):
        return self.wait_response(self.send_request(method, params), timeout)

    def start_call(self, tool, args, progress_token=None):
        """Sends tools/call without waiting; returns the request id."""
        params = {"name": tool, "arguments": args}
        if progress_token is not None:
            params["_meta"] = {"progressToken": progress_token}
        return self.send_request("tools/call", params)

    def result_of(self, id, timeout=None):
        """The CallToolResult of request `id` (raises on a JSON-RPC error)."""
        resp = self.wait_response(id, timeout)
        if "result" not in resp:
            raise ServerError("tools/call id %r got a JSON-RPC error: %r" % (id, resp))
        return resp["result"]

    def call(self, tool, args, progress_token=None, timeout=None):
        return self.result_of(self.start_call(tool, args, progress_token), timeout)

    def cancel(self, id, reason="e2e cancel"):
        self.notify("notifications/cancelled", {"requestId": id, "reason": reason})

    def ping(self, timeout=None):
        resp = self.request("ping", timeout=timeout)
        if resp.get("result") != {}:
            raise ServerError("ping answered %r" % (resp,))

    # -- ending ----------------------------------------------------------
    def close(self, timeout=60):
        try:
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise ServerError("%s: server did not exit %gs after stdin closed\nstderr:\n%s"
                              % (self.name, timeout, self.stderr[-4000:]))

    def kill(self):
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


def text_of(result):
    return "\n".join(b.get("text", "") for b in result.get("content", [])
                     if b.get("type") == "text")


# ---------------------------------------------------------------------------
# processes

def pids_with_env(marker):
    """PIDs of live processes (not zombies) whose environment holds `marker`
    (a "NAME=value" string)."""
    needle = marker.encode()
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d, "rb") as f:
                stat = f.read()
            if stat[stat.rfind(b")") + 2:][:1] == b"Z":
                continue
            with open("/proc/%s/environ" % d, "rb") as f:
                env = f.read()
        except OSError:
            continue
        if needle in env.split(b"\0"):
            found.append(int(d))
    return found


def pid_alive(pid):
    """True if `pid` exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2:][:1] != b"Z"


def wait_gone(pred, timeout=10.0):
    """Polls pred() until false-y or timeout; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if not v or time.monotonic() >= deadline:
            return v
        time.sleep(0.1)


# ---------------------------------------------------------------------------
# test base

class E2ETest(unittest.TestCase):
    """Base class: a shared-store server (lazily, one per test), the fixture
    index, and helpers for stored profiles."""

    maxDiff = 6000

    def setUp(self):
        self._srv = None

    def shared(self):
        """A server on the shared store (the fixture's profiles)."""
        if self._srv is None:
            self._srv = Server(CONF, name="shared")
            self.addCleanup(self._close_server, self._srv)
        return self._srv

    def private(self, max_concurrent=2, env=None):
        """A server of its own with a memory store."""
        srv = Server(private_config(self, max_concurrent), env=env, name="private")
        self.addCleanup(self._close_server, srv)
        return srv

    def _close_server(self, srv):
        if srv.proc.poll() is None:
            try:
                srv.close(timeout=60)
            finally:
                srv.kill()

    def versions(self):
        return versions()

    def entry(self, name, version):
        return entry(name, version)

    def ok_entry(self, name, version):
        """An entry that must have produced a stored profile."""
        e = entry(name, version)
        self.assertFalse(e["is_error"], "%s@%s: expected a profile, got an error:\n%s"
                         % (name, version, e["text"]))
        self.assertTrue(e["profile_id"], e)
        return e

    def tool(self, srv, name, args):
        """Calls a tool that must succeed; returns (structuredContent, text)."""
        res = srv.call(name, args)
        self.assertFalse(res.get("isError"), "%s %r failed: %s" % (name, args, text_of(res)))
        return res.get("structuredContent"), text_of(res)

    def tool_error(self, srv, name, args):
        """Calls a tool that must answer isError; returns its text."""
        res = srv.call(name, args)
        self.assertTrue(res.get("isError"), "%s %r should fail, got: %s"
                        % (name, args, text_of(res)[:2000]))
        return text_of(res)

    def summary(self, version_entry):
        """get_profile summary of a fixture profile, through the shared store."""
        sc, _ = self.tool(self.shared(), "get_profile",
                          {"profile_id": version_entry["profile_id"]})
        return sc["summary"]

    def file_details(self, version_entry, file, **kw):
        args = {"profile_id": version_entry["profile_id"], "file": file}
        args.update(kw)
        sc, _ = self.tool(self.shared(), "get_file_details", args)
        return sc

    def file_cpu(self, summary):
        """{basename-ish display path: cpu_percent} of a summary."""
        return {f["display_path"]: f["cpu_percent"] for f in summary["files"]}

    def assertWins(self, winner, runner_up, factor, what):
        self.assertGreaterEqual(winner, factor * runner_up,
                                "%s: planted answer %.2f does not beat the next %.2f by %gx"
                                % (what, winner, runner_up, factor))


def line_of(relpath, needle, required=True):
    """Line number (1-based) of the only line of a workload containing
    `needle`: tests name planted lines by their text, so edits to a
    workload's comments do not break them. None if absent and not
    required."""
    with open(workload(relpath)) as f:
        hits = [i + 1 for i, line in enumerate(f) if needle in line]
    if not hits and not required:
        return None
    if len(hits) != 1:
        raise AssertionError("%s: %r found on lines %s (want exactly one)"
                             % (relpath, needle, hits))
    return hits[0]


def line_cpu(details, lineno):
    for l in details["lines"]:
        if l["line"] == lineno:
            return l["cpu_percent"]
    return 0.0


def main():
    unittest.main(verbosity=2)
