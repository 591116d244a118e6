#!/usr/bin/env python3
"""Runs the bad-input catalog (catalog.json) against the real scalene-mcp.

One server (sqlite store, every analyzer plugin, a private TMPDIR) first
stores a real profile made by Scalene 2.4.0 through profile_code. Then, for
each case in the catalog:

  1. the case: a raw line, a request, a tool call, a profile run whose
     Scalene is the fake interpreter fake_python.py (so the real runner and
     parser read the hostile document), or a second process started with a
     bad config or plugin file on the same store;
  2. the answer is the expected one (error code / isError / exit status and
     the words that make it clear; see docs/bad-input.md);
  3. the server still runs and answers a ping;
  4. the stored profile is intact: get_profile's structuredContent and the
     whole stored document (resources/read) are byte for byte what they were,
     and the number of stored profiles changed only by what the case stores
     (a profile the case stored is read back through get_profile,
     analyze_profile, get_cpu_hotspots and its summary resource, then
     deleted).

At the end the server must exit 0 when stdin closes, no stdout line may have
been anything but a JSON object, and the private TMPDIR must be empty (no
scalene-mcp-* directory left behind). Every case id must appear in
docs/bad-input.md.

Environment (tests/badinput/CMakeLists.txt sets them):
  SMCP_BINARY          the server (default: <repo>/build/scalene-mcp)
  SMCP_PLUGIN_DIR      the build's plugins (default: next to the binary)
  SMCP_VENV_PYTHON     Python with Scalene 2.4.0 (default: <repo>/.venv/bin/python)
  SMCP_BADINPUT_ONLY   optional: run only the cases whose id contains this
  SMCP_BADINPUT_HANG   hang limit for one reply in seconds (default 60)
Exit status 0 when every case passes; the failures are listed otherwise.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import rawclient  # noqa: E402
from rawclient import tool_text  # noqa: E402

BINARY = os.environ.get("SMCP_BINARY") or os.path.join(REPO, "build", "scalene-mcp")
PLUGIN_DIR = os.environ.get("SMCP_PLUGIN_DIR") or os.path.join(os.path.dirname(BINARY),
                                                                "plugins")
VENV_PYTHON = os.environ.get("SMCP_VENV_PYTHON") or os.path.join(REPO, ".venv", "bin", "python")
ONLY = os.environ.get("SMCP_BADINPUT_ONLY", "")
HANG = float(os.environ.get("SMCP_BADINPUT_HANG", "60"))
WORKLOADS = os.path.join(REPO, "tests", "workloads")
FIXTURES = os.path.join(REPO, "tests", "fixtures")
DOC = os.path.join(REPO, "docs", "bad-input.md")
FAKES = ["python", "python-badversion", "python-utf8version", "python-nopkg", "python-silent",
         "python-crash", "python-killed"]
ANALYZERS = ["hotspots", "functions", "leaks", "gpu", "comparator", "bottlenecks"]

# A workload that keeps Scalene busy for about half a second of CPU.
REAL_CODE = ("import time\n"
             "def work():\n"
             "    return sum(i * i % 7 for i in range(20000))\n"
             "t0 = time.process_time()\n"
             "while time.process_time() - t0 < 0.6:\n"
             "    work()\n")


class CaseFailure(AssertionError):
    pass


def check(cond, msg):
    if not cond:
        raise CaseFailure(msg)


# ---------------------------------------------------------------------------
# placeholders

class Subst:
    def __init__(self, values):
        self.values = values

    def text(self, s):
        s = re.sub(r"@REPEAT\((.),(\d+)\)@", lambda m: m.group(1) * int(m.group(2)), s)
        for k, v in self.values.items():
            s = s.replace("@%s@" % k, v)
        return s

    def value(self, v):
        if isinstance(v, str):
            return self.text(v)
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if isinstance(v, dict):
            if set(v) == {"@list"}:
                item, n = v["@list"]
                return [self.value(item)] * n
            if set(v) == {"@vars"}:
                return {"V%d" % i: "1" for i in range(v["@vars"])}
            return {self.text(k): self.value(x) for k, x in v.items()}
        return v


# ---------------------------------------------------------------------------
# the run

class Run:
    def __init__(self):
        self.scratch = tempfile.mkdtemp(prefix="smcp-badinput-")
        self.tmpdir = os.path.join(self.scratch, "tmp")  # the server's TMPDIR
        self.cases_dir = os.path.join(self.scratch, "cases")
        self.store_db = os.path.join(self.scratch, "store", "profiles.db")
        for d in (self.tmpdir, self.cases_dir, os.path.dirname(self.store_db)):
            os.makedirs(d)
        self.fake_dir = rawclient.install_fake_python(os.path.join(HERE, "fake_python.py"),
                                                      os.path.join(self.scratch, "fake"), FAKES)
        self.config = os.path.join(self.scratch, "server.ini")
        with open(self.config, "w") as f:
            f.write(self.server_ini())
        self.env = {"TMPDIR": self.tmpdir, "BADINPUT_FIXTURES": FIXTURES,
                    "SCALENE_MCP_CONFIG": "", "PYTHONDONTWRITEBYTECODE": "1"}
        self.server = None
        self.real_id = None
        self.baseline = None
        self.n_stored = 0

    def server_ini(self):
        lines = ["[server]", "log_level = notice", "plugin_dir = %s" % PLUGIN_DIR,
                 "max_concurrent_profiles = 2", "", "[scalene]", "timeout = 120", "",
                 "[storage]", "backend = sqlite", "", "[plugin.sqlite]",
                 "db_path = %s" % self.store_db, ""]
        for a in ANALYZERS:
            lines += ["[plugin.%s]" % a, ""]
        return "\n".join(lines)

    def start(self):
        self.server = rawclient.Client([BINARY, "--config", self.config], env=self.env,
                                       hang=HANG)
        # the profile every case must leave alone: real Scalene 2.4.0
        for attempt in range(3):
            r = self.server.call("profile_code", {"code": REAL_CODE, "python": VENV_PYTHON,
                                                  "label": "bad-input baseline"}, hang=300)
            res = r.get("result", {})
            if not res.get("isError") and "structuredContent" in res:
                break
            if attempt == 2:
                raise AssertionError("could not store the baseline profile: %r" % (r,))
        self.real_id = res["structuredContent"]["profile_id"]
        self.subst = Subst({"REAL_ID": self.real_id, "REAL_ID_UPPER": self.real_id.upper(),
                            "FAKE": self.fake_dir, "WORKLOADS": WORKLOADS,
                            "SCRATCH": self.cases_dir, "PLUGIN_DIR": PLUGIN_DIR,
                            "STORE_DB": self.store_db})
        self.baseline = self.snapshot()
        self.n_stored = self.count_stored()
        check(self.n_stored == 1, "expected one stored profile, have %d" % self.n_stored)

    def snapshot(self):
        s = self.server
        gp = s.call("get_profile", {"profile_id": self.real_id})
        check("result" in gp and not gp["result"].get("isError"),
              "get_profile of the stored profile failed: %r" % (gp,))
        doc = s.request("resources/read", {"uri": "scalene://profile/%s" % self.real_id})
        check("result" in doc, "resources/read of the stored profile failed: %r" % (doc,))
        return (json.dumps(gp["result"]["structuredContent"], sort_keys=True),
                doc["result"]["contents"][0]["text"])

    def count_stored(self):
        r = self.server.call("list_profiles", {"limit": 1})
        check("result" in r, "list_profiles failed: %r" % (r,))
        return r["result"]["structuredContent"]["total_stored"]

    # -- after every case -------------------------------------------------
    def after_case(self, stored_expect, new_id):
        s = self.server
        check(s.alive(), "the server exited (status %r)" % s.proc.poll())
        check(not s.impure, "non-JSON on stdout: %r" % s.impure[:3])
        s.sync()
        now = self.snapshot()
        check(now[0] == self.baseline[0], "get_profile of the stored profile changed")
        check(now[1] == self.baseline[1], "the stored profile document changed")
        n = self.count_stored()
        want = self.n_stored + (stored_expect or 0)
        check(n == want, "%d profiles stored, expected %d" % (n, want))
        if new_id:
            self.read_back(new_id)
            d = s.call("delete_profile", {"profile_id": new_id})
            check("result" in d and not d["result"].get("isError"), "delete failed: %r" % (d,))
            check(self.count_stored() == self.n_stored, "delete did not remove the profile")

    def recover(self):
        """After a failed case: removes what it stored, so the next case is
        judged on its own. False when the stored profile itself is lost."""
        s = self.server
        r = s.call("list_profiles", {"limit": 1000})
        ids = [p["profile_id"] for p in r["result"]["structuredContent"]["profiles"]]
        for pid in ids:
            if pid != self.real_id:
                s.call("delete_profile", {"profile_id": pid})
        if self.real_id not in ids:
            return False
        self.n_stored = self.count_stored()
        return True

    def read_back(self, pid):
        """A profile the case stored can be read by every view."""
        s = self.server
        for tool, args in (("get_profile", {}), ("analyze_profile", {}),
                           ("get_cpu_hotspots", {})):
            a = dict(args, profile_id=pid)
            r = s.call(tool, a)
            check("result" in r, "%s of the new profile: %r" % (tool, r.get("error")))
            check(not r["result"].get("isError"),
                  "%s of the new profile: %s" % (tool, tool_text(r["result"])[:300]))
        r = s.request("resources/read", {"uri": "scalene://profile/%s/summary" % pid})
        check("result" in r, "summary resource of the new profile: %r" % (r.get("error"),))

    # -- the kinds of case ------------------------------------------------
    def run_case(self, case):
        sub = self.subst
        exp = case["expect"]
        if "send" in case:
            return self.case_send(sub.text(case["send"]), exp, sub)
        if "request" in case:
            rq = sub.value(case["request"])
            return self.case_request(rq["method"], rq.get("params"), exp)
        if "call" in case:
            c = sub.value(case["call"])
            return self.case_call(c["name"], c["arguments"], exp)
        if "scalene" in case:
            return self.case_scalene(sub.value(case["scalene"]), exp)
        if "startup" in case:
            return self.case_startup(sub.value(case["startup"]), exp)
        raise CaseFailure("case has no action")

    def check_rpc(self, resp, exp, sent_id):
        if exp.get("result"):
            check("result" in resp, "expected a result, got %r" % (resp,))
        if "error" in exp:
            check("error" in resp and "result" not in resp, "expected an error, got %r"
                  % (resp,))
            err = resp["error"]
            check(err.get("code") == exp["error"], "error code %r, expected %r: %r"
                  % (err.get("code"), exp["error"], err))
            check(isinstance(err.get("message"), str) and err["message"],
                  "error without a message")
            for w in exp.get("message", []):
                check(w in err["message"], "%r not in the message %r" % (w, err["message"]))
        want_id = exp.get("id", sent_id)
        if want_id == "none":
            check("id" not in resp, "an error for an unreadable id must carry no id: %r"
                  % (resp,))
        else:
            check(resp.get("id") == want_id, "reply id %r, expected %r"
                  % (resp.get("id"), want_id))

    def case_send(self, line, exp, sub):
        s = self.server
        start = s.mark()
        s.send_raw(line.encode("utf-8") + b"\n")
        got = s.sync(start)
        if exp.get("no_reply"):
            check(got == [], "expected no reply, got %r" % (got,))
            return 0, None
        check(len(got) == 1, "expected exactly one reply, got %d: %r" % (len(got), got[:3]))
        self.check_rpc(got[0], exp, exp.get("id"))
        return 0, None

    def case_request(self, method, params, exp):
        s = self.server
        start = s.mark()
        id = s.send_request(method, params)
        resp, _ = s.wait_response(id, start)
        self.check_rpc(resp, exp, id)
        return 0, None

    def check_tool(self, resp, exp):
        check("result" in resp, "expected a tool result, got %r" % (resp,))
        res = resp["result"]
        text = tool_text(res)
        check(bool(res.get("isError")) == exp["is_error"], "isError %r, expected %r: %s"
              % (res.get("isError"), exp["is_error"], text[:600]))
        check(text.strip(), "an answer without text")
        for w in exp.get("text", []):
            check(w in text, "%r not in the answer: %s" % (w, text[:800]))
        if exp["is_error"]:
            check("structuredContent" not in res, "an error with structuredContent")
            return None
        sc = res.get("structuredContent") or {}
        warnings = "\n".join(sc.get("warnings", []))
        for w in exp.get("warnings", []):
            check(w in warnings, "%r not among the warnings: %s" % (w, warnings[:800]))
        return sc.get("profile_id")

    def case_call(self, name, args, exp):
        resp = self.server.call(name, args)
        new_id = self.check_tool(resp, exp)
        return exp.get("stored", 0), new_id if exp.get("stored") else None

    def case_scalene(self, sc, exp):
        args = {"python": os.path.join(self.fake_dir, sc.get("fake", "python")),
                "env": dict(sc.get("env", {}), BADINPUT_OUTPUT=sc["output"])}
        if sc.get("tool", "profile_script") == "profile_code":
            name = "profile_code"
            args["code"] = "x = 1\n"
        else:
            name = "profile_script"
            args["script"] = os.path.join(WORKLOADS, "tiny.py")
        args.update(sc.get("arguments", {}))
        t0 = time.monotonic()
        resp = self.server.call(name, args, hang=max(HANG, 120))
        new_id = self.check_tool(resp, exp)
        check(time.monotonic() - t0 < 100, "the run took %.0fs" % (time.monotonic() - t0))
        if name == "profile_code":
            self.server.sync()  # the snippet's directory goes right after the answer
            left = [n for n in os.listdir(self.tmpdir) if n.startswith("scalene-mcp-code-")]
            check(not left, "the snippet's directory stayed: %r" % left)
        return exp.get("stored", 0), new_id

    def prepare(self, actions):
        for a in actions:
            if "write_hex" in a:
                with open(a["write_hex"], "wb") as f:
                    f.write(bytes.fromhex(a["data"]))
            elif "copy" in a:
                with open(a["copy"], "rb") as f:
                    data = f.read(a["bytes"]) if "bytes" in a else f.read()
                with open(a["to"], "wb") as f:
                    f.write(data)
                os.chmod(a["to"], int(a.get("mode", "0644"), 8))
            elif "mkdir" in a:
                os.mkdir(a["mkdir"])
            elif "mkfifo" in a:
                os.mkfifo(a["mkfifo"], 0o600)
            elif "symlink" in a:
                os.symlink(a["symlink"], a["at"])
            else:
                raise CaseFailure("unknown prepare action %r" % (a,))

    def case_startup(self, st, exp):
        """A second process with a bad config or plugin: it must fail (or
        start) cleanly, on its own, within the hang limit."""
        shutil.rmtree(self.cases_dir)
        os.makedirs(self.cases_dir)
        self.prepare(st.get("prepare", []))
        args = [BINARY]
        if "config" in st:
            args += ["--config", st["config"]]
        elif "ini" in st or "ini_hex" in st:
            path = os.path.join(self.cases_dir, "case.ini")
            if "ini_hex" in st:
                data = bytes.fromhex(st["ini_hex"])
                for k, v in self.subst.values.items():
                    data = data.replace(("@%s@" % k).encode(), v.encode())
            else:
                data = st["ini"].encode("utf-8")
            with open(path, "wb") as f:
                f.write(data)
            args += ["--config", path]
        args += st.get("args", ["--check-config"])
        env = dict(os.environ, **self.env)
        env.update(st.get("env", {}))
        try:
            r = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env, timeout=HANG)
        except subprocess.TimeoutExpired:
            raise CaseFailure("the second process hung (no exit within %gs)" % HANG)
        err = r.stderr.decode("utf-8", "replace")
        check(r.returncode == exp["exit"], "exit status %r, expected %r; stderr:\n%s"
              % (r.returncode, exp["exit"], err[-1500:]))
        if exp["exit"] != 0:
            check(r.stdout == b"", "stdout must stay empty on a failed start: %r"
                  % r.stdout[:300])
            check(err.strip(), "a failed start must say why on stderr")
        for w in exp.get("stderr", []):
            check(w in err, "%r not on stderr:\n%s" % (w, err[-1500:]))
        return 0, None

    # -- the end ------------------------------------------------------------
    def finish(self):
        s = self.server
        rc = s.close()
        check(rc == 0, "exit status %r after stdin closed\nstderr:\n%s" % (rc, s.stderr[-3000:]))
        check(not s.impure, "non-JSON on stdout: %r" % s.impure[:3])
        left = os.listdir(self.tmpdir)
        check(not left, "left in the server's TMPDIR: %r" % left)


def documented_ids():
    try:
        with open(DOC, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def main():
    with open(os.path.join(HERE, "catalog.json"), encoding="utf-8") as f:
        catalog = json.load(f)["cases"]
    ids = [c["id"] for c in catalog]
    dups = sorted({i for i in ids if ids.count(i) > 1})
    if dups:
        print("duplicate case ids: %s" % dups)
        return 1
    if not os.access(BINARY, os.X_OK):
        print("SKIP: no server binary at %s" % BINARY)
        return 77
    if not os.access(VENV_PYTHON, os.X_OK):
        print("SKIP: no Scalene 2.4.0 interpreter at %s" % VENV_PYTHON)
        return 77
    doc = documented_ids()
    cases = [c for c in catalog if ONLY in c["id"]]
    run = Run()
    failures = []
    t_start = time.monotonic()
    try:
        run.start()
        print("baseline profile %s stored (%.1fs)" % (run.real_id, time.monotonic() - t_start))
        for case in cases:
            t0 = time.monotonic()
            try:
                stored, new_id = run.run_case(case)
                run.after_case(stored, new_id)
                status = "ok"
            except (CaseFailure, rawclient.Hang, AssertionError) as e:
                failures.append((case["id"], str(e)))
                status = "FAIL"
                stop = None
                if not run.server.alive():
                    stop = "the server is gone"
                elif isinstance(e, rawclient.Hang):
                    stop = "the server stopped answering"
                else:
                    try:
                        if not run.recover():
                            stop = "the stored profile is lost"
                    except (CaseFailure, rawclient.Hang, AssertionError, KeyError) as e2:
                        stop = "cannot recover (%s)" % e2
                if stop:
                    print("%-34s FAIL %.2fs" % (case["id"], time.monotonic() - t0))
                    print("%s: stopping" % stop)
                    failures.append(("(run)", "stopped after %s: %s" % (case["id"], stop)))
                    break
            print("%-34s %-4s %.2fs" % (case["id"], status, time.monotonic() - t0))
            sys.stdout.flush()
        else:
            run.finish()
    except (CaseFailure, rawclient.Hang, AssertionError) as e:
        failures.append(("(run)", "%s\n%s" % (e, traceback.format_exc())))
    finally:
        if run.server:
            run.server.kill()
    undocumented = [i for i in ids if "`%s`" % i not in doc]
    if undocumented:
        failures.append(("(docs)", "not in docs/bad-input.md: %s" % ", ".join(undocumented)))
    print("\n%d cases in %.1fs, %d failed" % (len(cases), time.monotonic() - t_start,
                                              len(failures)))
    for cid, why in failures:
        print("\nFAIL %s\n  %s" % (cid, why.replace("\n", "\n  ")))
    if failures:
        print("\nscratch kept for a post-mortem: %s" % run.scratch)
        if run.server:
            print("server stderr (tail):\n%s" % run.server.stderr[-3000:])
        return 1
    shutil.rmtree(run.scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
