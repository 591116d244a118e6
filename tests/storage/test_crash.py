"""Crash test: a process putting and deleting profiles is killed with SIGKILL
at seeded random moments; after each kill the store must open, hold every
acknowledged profile intact, hold nothing whose delete was acknowledged, and
be free of damage (sqlite: PRAGMA integrity_check; file: every index line's
CRC, no temp files or unlisted documents once reopened).

storage_crash_helper (crash_helper.c) is the writer: it loads the backend
plugin with dlopen behind a minimal host-services table and the host's own
store front, prints "p ID"/"d ID" before and "P ID"/"D ID" after each
acknowledged put/delete on a pipe. The same helper verifies ("verify MODEL").

Environment (set by CMakeLists.txt):
  SMCP_CRASH_HELPER  the helper binary
  SMCP_PLUGIN_DIR    the bundled plugins (.so)
  SMCP_CRASH_KILLS   kills per backend (default 50)
  SMCP_CRASH_SEED    base seed (default 20261122); printed on failure
"""

import json
import os
import random
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import zlib

HELPER = os.environ.get("SMCP_CRASH_HELPER", "")
PLUGIN_DIR = os.environ.get("SMCP_PLUGIN_DIR", "")
KILLS = int(os.environ.get("SMCP_CRASH_KILLS", "50"))
SEED = int(os.environ.get("SMCP_CRASH_SEED", "20261122"))
HANG = 120  # seconds a verify may take before we call it a hang


def file_index_lines(store_dir):
    """Parses a file store's index; returns the decoded records, failing on
    any line whose CRC or JSON is bad (after a reopen there must be none)."""
    out = []
    with open(os.path.join(store_dir, "index"), "rb") as f:
        data = f.read()
    assert data.endswith(b"\n"), "index does not end with a complete line"
    for n, line in enumerate(data.split(b"\n")[:-1], 1):
        crc, _, text = line.partition(b" ")
        assert len(crc) == 8 and int(crc, 16) == zlib.crc32(text), \
            "index line %d: bad CRC" % n
        out.append(json.loads(text))
    return out


class Crash(unittest.TestCase):
    def setUp(self):
        if not (HELPER and os.access(HELPER, os.X_OK)):
            self.skipTest("SMCP_CRASH_HELPER not set")
        self.tmp = tempfile.TemporaryDirectory(prefix="smcp-crash-")
        self.addCleanup(self.tmp.cleanup)

    def helper(self, config, *args):
        cmd = [HELPER]
        for k, v in config.items():
            cmd += ["-c", "%s=%s" % (k, v)]
        return cmd + [os.path.join(PLUGIN_DIR, self.backend + ".so")] + list(args)

    def run_kills(self, config, check_store):
        rng = random.Random("%s:%d" % (self.backend, SEED))
        model = {}  # id -> '+' acknowledged put, '-' acknowledged delete, '?' in flight
        in_flight = acked = 0
        model_path = os.path.join(self.tmp.name, "model")
        for k in range(KILLS):
            where = "backend %s, seed %d, kill %d" % (self.backend, SEED, k)
            # One kill in five lands early (open, recovery); the rest mid-run.
            delay = rng.uniform(0, 0.03) if rng.random() < 0.2 else rng.uniform(0.03, 0.4)
            with tempfile.TemporaryFile() as err:
                proc = subprocess.Popen(self.helper(config, "put",
                                                    str(SEED % 100000 * 1000 + k)),
                                        stdout=subprocess.PIPE, stderr=err)
                lines = []
                reader = threading.Thread(target=lambda: lines.extend(proc.stdout),
                                          daemon=True)
                reader.start()
                time.sleep(delay)
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=HANG)
                reader.join(HANG)
                proc.stdout.close()
                err.seek(0)
                self.assertEqual(proc.returncode, -signal.SIGKILL,
                                 "%s: the writer ended on its own:\n%s"
                                 % (where, err.read().decode()))
            pending = None
            for raw in lines:
                what, _, id_ = raw.decode().strip().partition(" ")
                if what in ("p", "d"):
                    pending = id_
                elif what == "P":
                    model[id_] = "+"
                    pending = None
                    acked += 1
                elif what == "D":
                    model[id_] = "-"
                    pending = None
                    acked += 1
            if pending:
                model[pending] = "?"
                in_flight += 1
            with open(model_path, "w") as f:
                f.writelines("%s %s\n" % (v, i) for i, v in model.items())
            v = subprocess.run(self.helper(config, "verify", model_path),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=HANG)
            self.assertEqual(v.returncode, 0, "%s: verify failed:\n%s%s"
                             % (where, v.stdout.decode(), v.stderr.decode()))
            check_store(where)
        # The test means something only if kills hit operations in flight.
        self.assertGreater(acked, 10 * KILLS // 5, "too few operations acknowledged")
        self.assertGreater(in_flight, KILLS // 2, "too few kills hit an operation in flight")
        print("%s: %d kills, %d acknowledged operations, %d kills mid-operation, %d profiles "
              "at the end" % (self.backend, KILLS, acked,
                              in_flight, sum(1 for v in model.values() if v == "+")))

    def test_sqlite(self):
        self.backend = "sqlite"
        db = os.path.join(self.tmp.name, "profiles.db")

        def check(where):
            con = sqlite3.connect(db)
            try:
                res = con.execute("PRAGMA integrity_check").fetchall()
            finally:
                con.close()
            self.assertEqual(res, [("ok",)], "%s: integrity_check: %r" % (where, res))

        self.run_kills({"db_path": db}, check)

    def test_file(self):
        self.backend = "file"
        store = os.path.join(self.tmp.name, "store")

        def check(where):
            # The verify run reopened the store: recovery has run.
            recs = file_index_lines(store)
            self.assertEqual(recs[0].get("format"), "scalene-mcp-file-store", where)
            live = set()
            for r in recs[1:]:
                (live.add if r["op"] == "put" else live.discard)(r["id"])
            docs = os.listdir(os.path.join(store, "docs"))
            self.assertEqual([d for d in docs if d.startswith(".tmp.")], [],
                             "%s: temp files left after reopen" % where)
            self.assertEqual(sorted(d[:-5] for d in docs), sorted(live),
                             "%s: documents and index disagree" % where)
            self.assertFalse(os.path.exists(os.path.join(store, "index.new")), where)

        # A small compact_after makes the index rewrite (and crashes in it) frequent.
        self.run_kills({"dir": store, "compact_after": "40"}, check)


if __name__ == "__main__":
    unittest.main()
