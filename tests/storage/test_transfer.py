"""Moving profiles between backends with --export / --import.

A sqlite store is filled with real profiles (profile_code through the
server, when Scalene is installed) and synthetic ones made with --import
(unicode targets and labels, an empty document, a 2 MB one, one that is
not UTF-8 and so travels as doc_base64). It is exported, imported into a
file store, and the file store exported again: the two exports must be
identical byte for byte. Importing again skips every id; a real profile
moved to the file store still opens with get_profile."""

import base64
import json
import os
import unittest

import storagewire as sw

# Runs long enough for Scalene to take samples (a too-short run is an error).
BUSY_CODE = ("import time\n"
             "def work():\n"
             "    return sum(i * i %% 7 for i in range(200000))\n"
             "t0 = time.process_time()\n"
             "while time.process_time() - t0 < %.2f:\n"
             "    work()\n")

BASE_MS = 1700000000000


def synthetic():
    recs = [sw.record("syn%03d" % i, BASE_MS + i * 1000, json.dumps({"n": i, "pad": "x" * i}),
                      target="/srv/app/job_%d.py" % (i % 7), label=["", "nightly", "ci"][i % 3])
            for i in range(40)]
    recs.append(sw.record("uni", BASE_MS + 50000, '{"text":"プロファイル 😀"}',
                          target="/home/zoë/プロファイル/main.py", label="résumé-テスト"))
    recs.append(sw.record("empty", BASE_MS + 50001, ""))
    recs.append(sw.record("big", BASE_MS + 50002, json.dumps({"pad": "y" * (2 << 20)})))
    raw = bytes(range(256)) * 4 + b"\x00tail"
    binary = {"id": "binary", "created_ms": BASE_MS + 50003, "target": "t.py", "label": "",
              "meta": {"outcome": "ok"}, "doc_bytes": len(raw),
              "doc_base64": base64.b64encode(raw).decode()}
    return recs + [binary]


class Transfer(unittest.TestCase):
    def setUp(self):
        if not (sw.BINARY and os.access(sw.BINARY, os.X_OK)):
            self.skipTest("SMCP_BINARY not set")
        self.dir = sw.scratch(self)

    def real_profiles(self, ini):
        """Two profiles made by the server itself (skipped without Scalene)."""
        if not (sw.PYTHON_2X and os.access(sw.PYTHON_2X, os.X_OK)):
            return []
        s = mcpwire_server(self, ini)
        ids = []
        for n in (1, 2):
            res = s.result("tools/call", {"name": "profile_code", "arguments": {
                "code": BUSY_CODE % (0.6 * n),
                "label": "real"}})
            self.assertFalse(res.get("isError"), sw.mcpwire.tool_text(res))
            ids.append(res["structuredContent"]["profile_id"])
        s.close()
        return ids

    def export(self, ini, name):
        out = os.path.join(self.dir, name)
        r = sw.run(["--config", ini, "--export", out])
        self.assertEqual(r.returncode, 0, r.stderr)
        return out, r.stderr

    def test_sqlite_to_file_and_back(self):
        py = sw.PYTHON_2X if sw.PYTHON_2X and os.access(sw.PYTHON_2X, os.X_OK) else None
        src = sw.write_ini(self.dir, "sqlite", os.path.join(self.dir, "profiles.db"), python=py)
        dst = sw.write_ini(self.dir, "file", os.path.join(self.dir, "store"), python=py)
        real = self.real_profiles(src)
        if py:
            self.assertEqual(len(real), 2)
        recs = synthetic()
        r = sw.run(["--config", src, "--import",
                    sw.write_jsonl(os.path.join(self.dir, "seed.jsonl"), recs)])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("imported %d, skipped 0" % len(recs), r.stderr)
        total = len(recs) + len(real)

        a, msg = self.export(src, "a.jsonl")
        self.assertIn("exported %d profiles from the sqlite backend" % total, msg)
        r = sw.run(["--config", dst, "--import", a])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("imported %d, skipped 0 (id already stored), failed 0" % total, r.stderr)
        self.assertIn("now holds %d profiles" % total, r.stderr)
        b, msg = self.export(dst, "b.jsonl")
        self.assertIn("exported %d profiles from the file backend" % total, msg)
        with open(a, "rb") as fa, open(b, "rb") as fb:
            self.assertEqual(fa.read(), fb.read(), "the two exports differ")

        # Every byte of every document survived: compare with what went in.
        with open(b, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f]
        got = {row["id"]: row for row in rows}
        for rec in recs:
            g = got[rec["id"]]
            for k in ("created_ms", "target", "label", "meta", "doc_bytes"):
                self.assertEqual(g[k], rec[k], "%s: %s" % (rec["id"], k))
            self.assertEqual(g.get("doc"), rec.get("doc"), rec["id"])
            self.assertEqual(g.get("doc_base64"), rec.get("doc_base64"), rec["id"])
        created = [row["created_ms"] for row in rows]
        self.assertEqual(created, sorted(created, reverse=True), "exports are newest first")

        # Again: every id is already there.
        r = sw.run(["--config", dst, "--import", a])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("imported 0, skipped %d" % total, r.stderr)

        # A real profile reads back through the file backend.
        if real:
            s = mcpwire_server(self, dst)
            res = s.result("tools/call", {"name": "get_profile",
                                          "arguments": {"profile_id": real[0]}})
            self.assertFalse(res.get("isError"), sw.mcpwire.tool_text(res))
            s.close()

    def test_bad_lines_are_reported(self):
        ini = sw.write_ini(self.dir, "file", os.path.join(self.dir, "store"))
        good = sw.record("ok1", BASE_MS, "{}")
        lines = [json.dumps(good), "not json", json.dumps({"id": "../x", "created_ms": 1,
                                                            "doc": "{}"}),
                 json.dumps({"id": "noms", "doc": "{}"}),
                 json.dumps(dict(sw.record("short", BASE_MS, "{}"), doc_bytes=99)),
                 json.dumps({"id": "b64", "created_ms": 1, "doc_base64": "!!"}), ""]
        path = os.path.join(self.dir, "bad.jsonl")
        with open(path, "w") as f:
            f.write("\n".join(lines))
        r = sw.run(["--config", ini, "--import", path])
        self.assertEqual(r.returncode, 1, r.stderr)
        for needle in ("bad.jsonl:2: not a JSON object", "bad.jsonl:3 (../x): invalid profile id",
                       "bad.jsonl:4 (noms): \"created_ms\"", "bad.jsonl:5 (short): the document",
                       "bad.jsonl:6 (b64): \"doc_base64\" is not valid base64",
                       "imported 1, skipped 0 (id already stored), failed 5"):
            self.assertIn(needle, r.stderr)
        r = sw.run(["--config", ini, "--import", os.path.join(self.dir, "missing.jsonl")])
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot open", r.stderr)
        # Stdin and stdout work too; an existing export file is replaced whole.
        with open(path) as f:
            r = sw.run(["--config", ini, "--import", "-"], stdin=f)
        self.assertIn("imported 0, skipped 1", r.stderr)
        r = sw.run(["--config", ini, "--export", "-"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([json.loads(x)["id"] for x in r.stdout.splitlines()], ["ok1"])
        r = sw.run(["--config", ini, "--export", "x.jsonl", "--import", "y.jsonl"])
        self.assertEqual(r.returncode, 2)


def mcpwire_server(tc, ini):
    s = sw.mcpwire.Server(tc, config=ini)
    s.initialize()
    return s


if __name__ == "__main__":
    unittest.main()
