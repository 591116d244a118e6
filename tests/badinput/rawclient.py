"""rawclient - a minimal stdio MCP client for the bad-input catalog and the
load test (stdlib only).

It drives the real scalene-mcp binary over pipes and keeps every stdout line
in arrival order. Every line must be a UTF-8 JSON object (stdout purity):
anything else is recorded in `impure` and fails the run that owns the
client. Waits are bounded by `hang` seconds: a hang limit, never a
performance threshold.
"""

import itertools
import json
import os
import subprocess
import sys
import threading
import time

PROTOCOL = "2025-11-25"


class Hang(AssertionError):
    pass


class Client:
    def __init__(self, argv, env=None, hang=60.0, initialize=True):
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.hang = hang
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=full_env)
        self.msgs = []  # every stdout message (dict), in order
        self.impure = []  # stdout lines that are not UTF-8 JSON objects
        self.eof = False
        self.cv = threading.Condition()
        self._err = []
        self._ids = itertools.count(1)
        self._wlock = threading.Lock()
        threading.Thread(target=self._read_out, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()
        if initialize:
            r = self.request("initialize", {"protocolVersion": PROTOCOL, "capabilities": {},
                                            "clientInfo": {"name": "smcp-badinput",
                                                           "version": "1"}})
            if "result" not in r:
                raise AssertionError("initialize failed: %r\n%s" % (r, self.stderr))
            self.notify("notifications/initialized")

    # -- reading -----------------------------------------------------------
    def _read_out(self):
        for raw in iter(self.proc.stdout.readline, b""):
            try:
                if not raw.endswith(b"\n"):
                    raise ValueError("no newline")
                obj = json.loads(raw.decode("utf-8"))
                if not isinstance(obj, dict):
                    raise ValueError("not an object")
            except ValueError:
                with self.cv:
                    self.impure.append(raw[:2000])
                    self.cv.notify_all()
                continue
            with self.cv:
                self.msgs.append(obj)
                self.cv.notify_all()
        with self.cv:
            self.eof = True
            self.cv.notify_all()

    def _read_err(self):
        for raw in iter(self.proc.stderr.readline, b""):
            self._err.append(raw.decode("utf-8", "replace"))

    @property
    def stderr(self):
        return "".join(self._err)

    def wait_until(self, pred, what, hang=None):
        """Waits until pred() (called under the lock) is true."""
        deadline = time.monotonic() + (self.hang if hang is None else hang)
        with self.cv:
            while not pred():
                if self.eof:
                    raise AssertionError("server closed stdout while waiting for %s "
                                         "(exit %r)\nstderr:\n%s"
                                         % (what, self.proc.poll(), self.stderr[-4000:]))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Hang("no %s within %gs (hang)\nstderr:\n%s"
                               % (what, self.hang if hang is None else hang,
                                  self.stderr[-4000:]))
                self.cv.wait(left)

    def response_index(self, id, start=0):
        for i in range(start, len(self.msgs)):
            m = self.msgs[i]
            if "method" not in m and m.get("id") == id and ("result" in m or "error" in m):
                return i
        return -1

    def wait_response(self, id, start=0, hang=None):
        """The response to `id` (searching from message index `start`) and
        the messages that arrived before it."""
        box = []

        def found():
            i = self.response_index(id, start)
            if i >= 0:
                box.append(i)
            return bool(box)

        self.wait_until(found, "response to id %r" % (id,), hang)
        i = box[0]
        return self.msgs[i], self.msgs[start:i]

    # -- writing -----------------------------------------------------------
    def send_raw(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        with self._wlock:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def send(self, obj):
        self.send_raw(json.dumps(obj, separators=(",", ":")).encode("utf-8") + b"\n")

    def next_id(self):
        return "r%d" % next(self._ids)

    def send_request(self, method, params=None, id=None):
        id = self.next_id() if id is None else id
        msg = {"jsonrpc": "2.0", "id": id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return id

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def request(self, method, params=None, hang=None):
        with self.cv:
            start = len(self.msgs)
        id = self.send_request(method, params)
        return self.wait_response(id, start, hang)[0]

    def call(self, name, arguments, hang=None):
        return self.request("tools/call", {"name": name, "arguments": arguments}, hang)

    def mark(self):
        """The index the next message will get (for sync)."""
        with self.cv:
            return len(self.msgs)

    def sync(self, start=None):
        """Sends a ping; returns what arrived from message index `start`
        (default: now) until the ping's answer (the server handles input in
        order, so every reply to what was sent before is among them)."""
        if start is None:
            start = self.mark()
        id = self.send_request("ping")
        resp, before = self.wait_response(id, start)
        if resp.get("result") != {}:
            raise AssertionError("ping answered %r" % (resp,))
        return before

    # -- ending ------------------------------------------------------------
    def alive(self):
        return self.proc.poll() is None

    def close(self, hang=None):
        """Closes stdin and waits for the exit; returns the exit status."""
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            return self.proc.wait(timeout=self.hang if hang is None else hang)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Hang("server did not exit after stdin closed\nstderr:\n%s"
                       % self.stderr[-4000:])

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def tool_text(result):
    return "\n".join(b.get("text", "") for b in result.get("content", [])
                     if b.get("type") == "text")


def libc_path():
    """The C library this interpreter runs on (from /proc/self/maps)."""
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            base = os.path.basename(path)
            if path.startswith("/") and (base.startswith("libc.so") or base.startswith("libc-")):
                return path
    return None


def install_fake_python(src, dest_dir, names):
    """Copies fake_python.py as executables `names` in dest_dir (a #! line
    naming this interpreter) and gives the directory a libscalene.so: the
    server presets LD_PRELOAD=libscalene.so for Scalene 2.4's fast start,
    and the C library (already loaded, so preloading it changes nothing)
    stands in for it, keeping ld.so's warning out of every stderr."""
    os.makedirs(dest_dir, exist_ok=True)
    with open(src) as f:
        body = f.read()
    for n in names:
        path = os.path.join(dest_dir, n)
        with open(path, "w") as f:
            f.write("#!%s -I\n" % sys.executable)
            f.write(body)
        os.chmod(path, 0o755)
    libc = libc_path()
    lib = os.path.join(dest_dir, "libscalene.so")
    if libc and not os.path.lexists(lib):
        os.symlink(libc, lib)
    return dest_dir
