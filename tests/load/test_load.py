#!/usr/bin/env python3
"""Load: 1,000 pipelined requests mixed with 4 concurrent profiles of real
Scalene 2.4.0 and the cancellation of 2 of them, through one server.

What is checked:
  * every request id is answered exactly once, with the expected kind of
    answer (result, isError, or the JSON-RPC error code); no reply carries an
    id we never sent; the 2 cancelled calls are never answered;
  * nothing deadlocks: every wait is bounded, and a ping is answered after
    the storm;
  * the 2 runs that were not cancelled finish with a stored profile;
  * no zombie: no child of the server stays in state Z for more than 2 s
    while it runs, and none is left (no child at all) once the runs are over;
  * no orphan: after the server exits, no process carries this server's run
    tag (SCALENE_MCP_RUN=<server pid>-..., set on every run's processes) in
    its environment (/proc/*/environ);
  * no leftover temp directory: the server's private TMPDIR is empty after
    it exits, and /tmp holds no scalene-mcp-<server pid>-* directory;
  * the server exits 0 when stdin closes, and stdout held only JSON objects.

Environment (tests/load/CMakeLists.txt sets them):
  SMCP_BINARY        the server (default: <repo>/build/scalene-mcp)
  SMCP_PLUGIN_DIR    the build's plugins (default: next to the binary)
  SMCP_VENV_PYTHON   Python with Scalene 2.4.0 (default: <repo>/.venv/bin/python)
  SMCP_LOAD_HANG     hang limit in seconds (default 120)
Exit status: 0 pass, 1 fail, 77 skipped (no binary or no Scalene).
"""

import json
import os
import shutil
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "badinput"))

import rawclient  # noqa: E402
from rawclient import tool_text  # noqa: E402

BINARY = os.environ.get("SMCP_BINARY") or os.path.join(REPO, "build", "scalene-mcp")
PLUGIN_DIR = os.environ.get("SMCP_PLUGIN_DIR") or os.path.join(os.path.dirname(BINARY),
                                                                "plugins")
VENV_PYTHON = os.environ.get("SMCP_VENV_PYTHON") or os.path.join(REPO, ".venv", "bin", "python")
HANG = float(os.environ.get("SMCP_LOAD_HANG", "120"))
WORKLOADS = os.path.join(REPO, "tests", "workloads")
N_REQUESTS = 1000
CHUNK = 40  # requests per write
PAUSE = 0.15  # seconds between writes: the 1,000 span the profiles' lifetimes
TAG_VAR = "SCALENE_MCP_RUN"

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: %s" % msg)
    sys.stdout.flush()


# ---------------------------------------------------------------------------
# /proc

def proc_stat(pid):
    """(state, ppid) of a process, or None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rindex(")") + 2:].split()
    return rest[0], int(rest[1])


def children_of(ppid):
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = proc_stat(int(name))
            if st and st[1] == ppid:
                out[int(name)] = st[0]
    return out


def tagged_processes(server_pid):
    """Processes whose environment holds this server's run tag."""
    prefix = ("%s=%d-" % (TAG_VAR, server_pid)).encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % name, "rb") as f:
                env = f.read()
        except OSError:  # gone, or not ours to read
            continue
        if any(v.startswith(prefix) for v in env.split(b"\0")):
            found.append(int(name))
    return found


class ZombieWatch(threading.Thread):
    """Samples the server's children every 100 ms; a child seen in state Z
    for more than 2 s is a zombie nobody reaps."""

    def __init__(self, server_pid):
        super().__init__(daemon=True)
        self.pid = server_pid
        self.first_z = {}
        self.stuck = set()
        self.max_children = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            kids = children_of(self.pid)
            self.max_children = max(self.max_children, len(kids))
            now = time.monotonic()
            for pid, state in kids.items():
                if state == "Z":
                    t = self.first_z.setdefault(pid, now)
                    if now - t > 2.0:
                        self.stuck.add(pid)
            for pid in list(self.first_z):
                if kids.get(pid) != "Z":
                    del self.first_z[pid]
            self.stop.wait(0.1)


# ---------------------------------------------------------------------------
# the request mix

def request_mix(n):
    """n requests as (id, message, expectation). Expectations: "result",
    "is_error", or a JSON-RPC error code."""
    out = []
    for i in range(n):
        id = i if i % 2 == 0 else "q%d" % i  # integer and string ids
        k = i % 10
        if k == 0:
            m, exp = {"method": "ping"}, "result"
        elif k == 1:
            m, exp = {"method": "tools/list"}, "result"
        elif k == 2:
            m, exp = {"method": "tools/call", "params": {"name": "list_profiles",
                                                         "arguments": {"limit": 5}}}, "result"
        elif k == 3:
            m, exp = {"method": "tools/call", "params": {
                "name": "get_profile", "arguments": {"profile_id": "p%028x" % i}}}, "is_error"
        elif k == 4:
            m, exp = {"method": "tools/call", "params": {"name": "no_such_tool_%d" % i,
                                                         "arguments": {}}}, -32602
        elif k == 5:
            m, exp = {"method": "tools/call", "params": {"name": "get_profile",
                                                         "arguments": {"profile_id": i}}}, \
                "is_error"
        elif k == 6:
            m, exp = {"method": "no/such/method"}, -32601
        elif k == 7:
            m, exp = {"method": "tools/list", "params": [i]}, -32602
        elif k == 8:
            m, exp = {"method": "resources/templates/list"}, "result"
        else:
            m, exp = {"method": "tools/call", "params": {
                "name": "get_file_details",
                "arguments": {"profile_id": "../etc/%d" % i, "file": "x.py"}}}, "is_error"
        msg = {"jsonrpc": "2.0", "id": id}
        msg.update(m)
        out.append((id, msg, exp))
    return out


def key(id):
    return (type(id).__name__, id)


def check_answer(resp, exp):
    if exp == "result":
        return "result" in resp and not (isinstance(resp["result"], dict)
                                         and resp["result"].get("isError"))
    if exp == "is_error":
        return "result" in resp and resp["result"].get("isError") is True
    return "error" in resp and resp["error"].get("code") == exp


# ---------------------------------------------------------------------------

def write_config(path):
    with open(path, "w") as f:
        f.write("[server]\nlog_level = notice\nplugin_dir = %s\nmax_concurrent_profiles = 4\n\n"
                "[scalene]\ntimeout = 120\n\n[storage]\nbackend = memory\n\n"
                "[plugin.memory]\nmax_profiles = 100\n" % PLUGIN_DIR)


def main():
    if not os.access(BINARY, os.X_OK):
        print("SKIP: no server binary at %s" % BINARY)
        return 77
    if not os.access(VENV_PYTHON, os.X_OK):
        print("SKIP: no Scalene 2.4.0 interpreter at %s" % VENV_PYTHON)
        return 77
    t_start = time.monotonic()
    scratch = tempfile.mkdtemp(prefix="smcp-load-")
    tmp = os.path.join(scratch, "tmp")
    os.makedirs(tmp)
    config = os.path.join(scratch, "load.ini")
    write_config(config)
    srv = rawclient.Client([BINARY, "--config", config], hang=HANG,
                           env={"TMPDIR": tmp, "SCALENE_MCP_CONFIG": ""})
    server_pid = srv.proc.pid
    watch = ZombieWatch(server_pid)
    watch.start()
    try:
        run(srv, tmp, watch)
    except (AssertionError, rawclient.Hang) as e:
        fail("%s" % e)
    finally:
        watch.stop.set()
        watch.join(5)
        if srv.alive():
            try:
                rc = srv.close()
                if rc != 0:
                    fail("the server exited with status %r after stdin closed" % rc)
            except rawclient.Hang as e:
                fail(str(e))
    if srv.impure:
        fail("stdout lines that are not JSON objects: %r" % srv.impure[:3])
    if watch.stuck:
        fail("zombie children of the server (state Z for more than 2 s): %s"
             % sorted(watch.stuck))
    # orphans: processes of this server's runs that outlived it
    deadline = time.monotonic() + 5
    left = tagged_processes(server_pid)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = tagged_processes(server_pid)
    if left:
        fail("processes of this server's runs outlived it (%s=%d-*): %s"
             % (TAG_VAR, server_pid, left))
        for pid in left:  # leave the machine clean; they carry our tag
            try:
                os.kill(pid, 9)
            except OSError:
                pass
    leftovers = os.listdir(tmp)
    if leftovers:
        fail("left in the server's TMPDIR: %r" % leftovers)
    stray = [n for n in os.listdir("/tmp") if n.startswith("scalene-mcp-%d-" % server_pid)]
    if stray:
        fail("left in /tmp: %r" % stray)
    print("max children of the server at once: %d" % watch.max_children)
    print("%.1f s, %d failure(s)" % (time.monotonic() - t_start, len(failures)))
    if failures:
        print("server stderr (tail):\n%s" % srv.stderr[-4000:])
        print("scratch kept: %s" % scratch)
        return 1
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


def run(srv, tmp, watch):
    # Four profiles at once: two short ones that finish, two endless ones
    # that are cancelled while they run.
    profiles = {}
    for i in range(4):
        long = i >= 2
        args = {"script": os.path.join(WORKLOADS, "endless.py" if long else "cpu_hot.py"),
                "python": VENV_PYTHON, "timeout": 90, "label": "load-%d" % i}
        if not long:
            args["script_args"] = ["0.4"]
        id = "profile-%d" % i
        srv.send({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                  "params": {"name": "profile_script", "arguments": args,
                             "_meta": {"progressToken": id}}})
        profiles[id] = long
    cancel_ids = [id for id, long in profiles.items() if long]

    def running(id):
        return any(m.get("method") == "notifications/progress"
                   and m["params"].get("progressToken") == id
                   and m["params"].get("message", "").startswith("running")
                   for m in srv.msgs)

    mix = request_mix(N_REQUESTS)
    expected = {key(id): exp for id, _, exp in mix}
    cancelled_at = None
    t0 = time.monotonic()
    sent = 0
    while sent < N_REQUESTS or cancelled_at is None:
        if sent < N_REQUESTS:
            chunk = mix[sent:sent + CHUNK]
            data = b"".join(json.dumps(m, separators=(",", ":")).encode() + b"\n"
                            for _, m, _ in chunk)
            # a notification for an id never sent rides along: never answered
            data += b'{"jsonrpc":"2.0","method":"notifications/cancelled",' \
                    b'"params":{"requestId":"never-%d"}}\n' % sent
            srv.send_raw(data)
            sent += len(chunk)
        if cancelled_at is None:
            with srv.cv:
                ready = all(running(id) for id in cancel_ids)
            if ready or time.monotonic() - t0 > 30:
                if not ready:
                    raise AssertionError("the endless runs did not reach 'running' in 30 s")
                time.sleep(0.5)  # let them collect a few samples
                if not tagged_processes(srv.proc.pid):  # the orphan check must see them
                    raise AssertionError("no process carries the run tag %s=%d-*: the "
                                         "orphan check would be blind" % (TAG_VAR, srv.proc.pid))
                print("cancelling 2 runs after %d of the 1000 requests" % sent)
                for id in cancel_ids:
                    srv.notify("notifications/cancelled", {"requestId": id,
                                                           "reason": "load test"})
                cancelled_at = time.monotonic()
        time.sleep(PAUSE)
    print("1000 requests and 2 cancellations sent in %.1f s" % (time.monotonic() - t0))

    # every pipelined request and the two finishing profiles answered
    want = set(expected) | {key(id) for id, long in profiles.items() if not long}

    def all_answered():
        got = {key(m["id"]) for m in srv.msgs if "method" not in m and "id" in m}
        return want <= got

    srv.wait_until(all_answered, "answers to every request")
    srv.sync()  # anything still to come for the cancelled ids would be here
    # the runs' processes end on cancellation; give the runner its tick
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and children_of(srv.proc.pid):
        time.sleep(0.2)
    srv.sync()

    counts = {}
    answers = {}
    for m in list(srv.msgs):
        if "method" in m:
            continue  # progress and log notifications
        if "id" not in m:
            fail("a reply without an id: %r" % (m,))
            continue
        k = key(m["id"])
        counts[k] = counts.get(k, 0) + 1
        answers[k] = m
    sent_keys = set(expected) | {key(id) for id in profiles}
    # ("r..." ids are the helper requests: initialize, pings, the checks below)
    unknown = [k for k in counts
               if k not in sent_keys and not (k[0] == "str" and k[1].startswith("r"))]
    if unknown:
        fail("replies to ids never sent: %r" % unknown[:10])
    twice = [k for k, n in counts.items() if n > 1]
    if twice:
        fail("answered more than once: %r" % twice[:10])
    missing = [k for k in want if k not in counts]
    if missing:
        fail("never answered: %r" % missing[:10])
    wrong = [(k, answers[k]) for k, exp in expected.items()
             if k in answers and not check_answer(answers[k], exp)]
    if wrong:
        fail("%d unexpected answers, e.g. %s expected %r, got %s"
             % (len(wrong), wrong[0][0], expected[wrong[0][0]],
                json.dumps(wrong[0][1])[:400]))
    for id in cancel_ids:
        if key(id) in counts:
            fail("the cancelled call %s was answered: %s"
                 % (id, json.dumps(answers[key(id)])[:300]))
    stored = []
    for id, long in profiles.items():
        if long or key(id) not in answers:
            continue
        res = answers[key(id)].get("result", {})
        if res.get("isError") or "structuredContent" not in res:
            fail("profile %s failed: %s" % (id, tool_text(res)[:500] or answers[key(id)]))
        else:
            stored.append(res["structuredContent"]["profile_id"])
    for pid in stored:
        r = srv.call("get_profile", {"profile_id": pid})
        if "result" not in r or r["result"].get("isError"):
            fail("get_profile %s after the load: %s" % (pid, json.dumps(r)[:300]))
    listed = srv.call("list_profiles", {"limit": 100})["result"]["structuredContent"]
    labels = sorted(p.get("label") or "" for p in listed["profiles"])
    print("stored after the load: %s" % labels)
    kids = children_of(srv.proc.pid)
    if kids:
        fail("the server still has children after every run ended: %r" % kids)
    if not srv.alive():
        fail("the server is gone after the load")
    srv.sync()


if __name__ == "__main__":
    sys.exit(main())
