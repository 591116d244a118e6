"""Two server processes sharing one store (one SQLite file, one file-store
directory), writing at the same time and listing meanwhile.

What runs, per backend, all on one shared store:
  - servers A and B: the real binary serving MCP over stdio;
  - writers W1 and W2: the real binary with --import, each putting 300
    profiles through the host's store front and the backend plugin, started
    together so their puts overlap;
  - while W1 and W2 run, A and B call list_profiles over and over: every
    answer must succeed, be newest first, and never shrink;
  - then A and B each list everything and must see all 600 profiles;
  - when Scalene is installed, A and B each run profile_code at the same
    time (two runs each, so four puts from the two servers overlap in time),
    and each server must list and open (get_profile) the other's profiles.

The server has no tool that stores an arbitrary profile, so the bulk
concurrent puts come from --import processes: the same binary, store front
and plugin as the server's own puts, without Scalene's seconds per run. The
record order inside the store (SQLite rowids, the file index's line order)
proves that W1's and W2's puts really interleaved."""

import json
import os
import sqlite3
import subprocess
import unittest
import zlib

import storagewire as sw

# Runs long enough for Scalene to take samples (a too-short run is an error).
BUSY_CODE = ("import time\n"
             "def work():\n"
             "    return sum(i * i %% 7 for i in range(200000))\n"
             "t0 = time.process_time()\n"
             "while time.process_time() - t0 < %.2f:\n"
             "    work()\n")

PER_WRITER = 300
BASE_MS = 1700000000000


def records(prefix, parity):
    return [sw.record("%s%04d" % (prefix, i), BASE_MS + 2 * i + parity,
                      json.dumps({"writer": prefix, "i": i, "pad": "z" * 2000}),
                      target="/srv/%s/job.py" % prefix, label=prefix)
            for i in range(PER_WRITER)]


def switches(ids):
    """How often consecutive puts came from different writers."""
    owners = [i[0] for i in ids if i[:1] in ("a", "b")]
    return sum(1 for x, y in zip(owners, owners[1:]) if x != y)


class TwoServers(unittest.TestCase):
    def setUp(self):
        if not (sw.BINARY and os.access(sw.BINARY, os.X_OK)):
            self.skipTest("SMCP_BINARY not set")
        self.dir = sw.scratch(self)

    def server(self, ini):
        s = sw.mcpwire.Server(self, config=ini)
        s.initialize()
        return s

    def list_page(self, s, **args):
        res = s.result("tools/call", {"name": "list_profiles", "arguments": args})
        self.assertFalse(res.get("isError"), sw.mcpwire.tool_text(res))
        return res["structuredContent"]

    def list_all(self, s):
        ids, cursor = [], None
        while True:
            args = {"limit": 100}
            if cursor:
                args["cursor"] = cursor
            page = self.list_page(s, **args)
            ids += [p["profile_id"] for p in page["profiles"]]
            cursor = page.get("next_cursor")
            if not cursor:
                return ids

    def check_page(self, page):
        keys = [(p["created_ms"], p["profile_id"]) for p in page["profiles"]]
        self.assertEqual(keys, sorted(keys, reverse=True), "a page out of order")

    def run_backend(self, backend, location, stored_order):
        py = sw.PYTHON_2X if sw.PYTHON_2X and os.access(sw.PYTHON_2X, os.X_OK) else None
        ini = sw.write_ini(self.dir, backend, location, python=py,
                           extra="busy_timeout_ms = 20000" if backend == "sqlite"
                           else "lock_timeout_ms = 20000")
        a, b = self.server(ini), self.server(ini)
        inputs = [sw.write_jsonl(os.path.join(self.dir, "%s.jsonl" % p), records(p, n))
                  for n, p in enumerate(("a", "b"))]
        writers = [subprocess.Popen([sw.BINARY, "--config", ini, "--import", path],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for path in inputs]
        seen = {"A": [], "B": []}
        while any(w.poll() is None for w in writers):
            for name, s in (("A", a), ("B", b)):
                page = self.list_page(s, limit=50)
                self.check_page(page)
                seen[name].append(page["total_stored"])
        for w in writers:
            out, err = w.communicate(timeout=sw.HANG)
            self.assertEqual(w.returncode, 0, err)
            self.assertIn("imported %d, skipped 0 (id already stored), failed 0" % PER_WRITER,
                          err)
        for name, totals in seen.items():
            self.assertEqual(totals, sorted(totals), "%s saw the store shrink" % name)
            self.assertTrue(any(0 < t < 2 * PER_WRITER for t in totals),
                            "%s never listed while the writers were half done: %r"
                            % (name, totals[:20]))
        want = sorted(r["id"] for p in ("a", "b") for r in records(p, 0))
        for s in (a, b):
            self.assertEqual(sorted(self.list_all(s)), want)
        order = stored_order()
        self.assertEqual(sorted(order), want)
        # a..b..a..b: each writer stored profiles both before and after some of
        # the other's, so their puts overlapped in time.
        self.assertGreaterEqual(switches(order), 3,
                                "the two writers' puts did not interleave: they ran one after "
                                "the other")
        print("%s: %d puts from two writers, %d switches between them in store order; "
              "servers listed %d and %d times meanwhile"
              % (backend, len(order), switches(order), len(seen["A"]), len(seen["B"])))

        if py:  # both servers put their own profiles at the same time
            calls = []  # request ids restart at 1 in each server
            for name, s in (("A", a), ("B", b)):
                for n in (1, 2):
                    calls.append((name, s, s.send_request("tools/call", {
                        "name": "profile_code", "arguments": {
                        "code": BUSY_CODE % (0.6 * n),
                        "label": "server-%s" % name}})))
            made = {"A": [], "B": []}
            for name, s in (("A", a), ("B", b)):
                pending = {id_ for n, srv, id_ in calls if srv is s}
                while pending:  # the two runs of one server may finish in any order
                    msgs = s.read_until(lambda o: "method" not in o and o.get("id") in pending)
                    resp = msgs[-1].obj
                    pending.discard(resp["id"])
                    res = resp["result"]
                    self.assertFalse(res.get("isError"), sw.mcpwire.tool_text(res))
                    made[name].append(res["structuredContent"]["profile_id"])
            for name, s, other in (("A", a, "B"), ("B", b, "A")):
                ids = self.list_all(s)
                for pid in made["A"] + made["B"]:
                    self.assertIn(pid, ids, "server %s does not list %s" % (name, pid))
                res = s.result("tools/call", {"name": "get_profile",
                                              "arguments": {"profile_id": made[other][0]}})
                self.assertFalse(res.get("isError"), sw.mcpwire.tool_text(res))
        a.close()
        b.close()

    def test_sqlite(self):
        db = os.path.join(self.dir, "shared", "profiles.db")

        def order():
            con = sqlite3.connect(db)
            try:
                return [r[0] for r in con.execute(
                    "SELECT id FROM profiles WHERE label IN ('a', 'b') ORDER BY rid")]
            finally:
                con.close()

        self.run_backend("sqlite", db, order)

    def test_file(self):
        store = os.path.join(self.dir, "shared-store")

        def order():
            ids = []
            with open(os.path.join(store, "index"), "rb") as f:
                for line in f:
                    crc, _, text = line.rstrip(b"\n").partition(b" ")
                    self.assertEqual(int(crc, 16), zlib.crc32(text))
                    rec = json.loads(text)
                    if rec.get("op") == "put" and rec.get("label") in ("a", "b"):
                        ids.append(rec["id"])
            return ids

        self.run_backend("file", store, order)


if __name__ == "__main__":
    unittest.main()
