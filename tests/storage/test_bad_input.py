"""Bad storage from the real binary: an unwritable place, a full disk
(RLIMIT_FSIZE in the child), a damaged database or index, a directory where
the database file should be, a file where the store directory should be, a
foreign database or directory, a newer schema. Each must give a clear
start-up error (exit status 1, the path and the reason on stderr, nothing on
stdout), and a put that hits the full disk must fail cleanly and leave the
store as it was."""

import json
import os
import sqlite3
import unittest

import storagewire as sw

NOBODY = 65534


class BadStorage(unittest.TestCase):
    def setUp(self):
        if not (sw.BINARY and os.access(sw.BINARY, os.X_OK)):
            self.skipTest("SMCP_BINARY not set")
        self.dir = sw.scratch(self)

    def refused(self, ini, *needles, **kw):
        r = sw.run(["--config", ini, "--check-config"], **kw)
        self.assertEqual(r.returncode, 1, "expected a start-up failure:\n" + r.stderr)
        self.assertEqual(r.stdout, "", "nothing may reach stdout on failure")
        self.assertIn("start-up failed", r.stderr)
        for n in needles:
            self.assertIn(n, r.stderr)
        return r.stderr

    def started(self, ini, **kw):
        r = sw.run(["--config", ini, "--check-config"], **kw)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def unwritable(self, path):
        """Runs the child as nobody when we are root (root writes anywhere);
        otherwise removes write permission from `path`."""
        if os.geteuid() == 0:
            os.chmod(self.dir, 0o755)
            os.chmod(path, 0o755)
            return {"user": NOBODY}
        os.chmod(path, 0o555)
        self.addCleanup(os.chmod, path, 0o755)
        return {}

    # ---- sqlite ---------------------------------------------------------

    def test_sqlite_unwritable_directory(self):
        ro = os.path.join(self.dir, "ro")
        os.mkdir(ro)
        kw = self.unwritable(ro)
        # The database's directory does not exist and cannot be made ...
        ini = sw.write_ini(self.dir, "sqlite", os.path.join(ro, "sub", "profiles.db"), name="a.ini")
        self.refused(ini, "sqlite", os.path.join(ro, "sub"), "Permission denied", **kw)
        # ... or exists but SQLite could not create its WAL beside the file.
        ini = sw.write_ini(self.dir, "sqlite", os.path.join(ro, "profiles.db"), name="b.ini")
        self.refused(ini, "sqlite", ro, "not writable", **kw)

    def test_sqlite_directory_in_place_of_file(self):
        db = os.path.join(self.dir, "profiles.db")
        os.mkdir(db)
        ini = sw.write_ini(self.dir, "sqlite", db)
        self.refused(ini, db, "is a directory")

    def test_sqlite_parent_is_a_file(self):
        with open(os.path.join(self.dir, "plain"), "w") as f:
            f.write("x")
        ini = sw.write_ini(self.dir, "sqlite", os.path.join(self.dir, "plain", "profiles.db"))
        self.refused(ini, os.path.join(self.dir, "plain"), "not one")

    def test_sqlite_corrupted_file(self):
        db = os.path.join(self.dir, "profiles.db")
        with open(db, "wb") as f:
            f.write(os.urandom(3) + b"garbage, not a database" * 500)
        ini = sw.write_ini(self.dir, "sqlite", db)
        self.refused(ini, db, "not a SQLite database or is damaged", "move it aside")

    def test_sqlite_damaged_after_use(self):
        db = os.path.join(self.dir, "profiles.db")
        ini = sw.write_ini(self.dir, "sqlite", db)
        self.started(ini)
        with open(db, "r+b") as f:  # the 16-byte header magic
            f.write(b"Not SQLite at all")
        self.refused(ini, db, "damaged")

    def test_sqlite_foreign_database(self):
        db = os.path.join(self.dir, "other.db")
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE accounts(name TEXT)")
        con.commit()
        con.close()
        ini = sw.write_ini(self.dir, "sqlite", db)
        self.refused(ini, db, "another program")
        con = sqlite3.connect(db)  # left as it was: not switched to WAL, no tables added
        self.assertEqual(con.execute("PRAGMA journal_mode").fetchone(), ("delete",))
        self.assertEqual([r[0] for r in con.execute("SELECT name FROM sqlite_master")],
                         ["accounts"])
        con.close()

    def test_sqlite_newer_schema(self):
        db = os.path.join(self.dir, "profiles.db")
        ini = sw.write_ini(self.dir, "sqlite", db)
        self.started(ini)
        con = sqlite3.connect(db)
        con.execute("INSERT INTO schema_version(version, applied_ms) VALUES(99, 0)")
        con.commit()
        con.close()
        self.refused(ini, db, "schema version 99", "upgrade")

    def test_sqlite_full_disk_at_start(self):
        db = os.path.join(self.dir, "profiles.db")
        ini = sw.write_ini(self.dir, "sqlite", db)
        self.refused(ini, "disk full or file size limit", db, preexec_fn=sw.fsize_limit(2000))

    def test_sqlite_full_disk_put(self):
        self.full_disk_put("sqlite", os.path.join(self.dir, "profiles.db"))

    # ---- file -----------------------------------------------------------

    def test_file_unwritable_directory(self):
        ro = os.path.join(self.dir, "ro")
        os.mkdir(ro)
        kw = self.unwritable(ro)
        ini = sw.write_ini(self.dir, "file", os.path.join(ro, "store"), name="a.ini")
        self.refused(ini, "file", os.path.join(ro, "store"), "Permission denied", **kw)
        ini = sw.write_ini(self.dir, "file", ro, name="b.ini")
        self.refused(ini, "file", ro, "Permission denied", **kw)

    def test_file_file_in_place_of_directory(self):
        store = os.path.join(self.dir, "store")
        with open(store, "w") as f:
            f.write("x")
        ini = sw.write_ini(self.dir, "file", store)
        self.refused(ini, store, "not a directory")

    def test_file_foreign_directory(self):
        store = os.path.join(self.dir, "home")
        os.mkdir(store)
        with open(os.path.join(store, "notes.txt"), "w") as f:
            f.write("mine")
        ini = sw.write_ini(self.dir, "file", store)
        self.refused(ini, store, "notes.txt", "not a scalene-mcp file store")
        self.assertEqual(sorted(os.listdir(store)), ["lock", "notes.txt"])

    def test_file_corrupted_index(self):
        store = os.path.join(self.dir, "store")
        ini = sw.write_ini(self.dir, "file", store)
        self.started(ini)
        with open(os.path.join(store, "index"), "wb") as f:
            f.write(b"\x00\x01garbage\n" * 100)
        self.refused(ini, store, "index")

    def test_file_documents_without_index(self):
        store = os.path.join(self.dir, "store")
        ini = sw.write_ini(self.dir, "file", store)
        self.started(ini)
        src = sw.write_jsonl(os.path.join(self.dir, "in.jsonl"), [sw.record("keep", 1, "{}")])
        self.assertEqual(sw.run(["--config", ini, "--import", src]).returncode, 0)
        os.unlink(os.path.join(store, "index"))
        self.refused(ini, store, "index is missing")
        self.assertEqual(os.listdir(os.path.join(store, "docs")), ["keep.json"])

    def test_file_index_is_a_directory(self):
        store = os.path.join(self.dir, "store")
        ini = sw.write_ini(self.dir, "file", store)
        self.started(ini)
        os.unlink(os.path.join(store, "index"))
        os.mkdir(os.path.join(store, "index"))
        self.refused(ini, os.path.join(store, "index"))

    def test_file_full_disk_at_start(self):
        store = os.path.join(self.dir, "store")
        ini = sw.write_ini(self.dir, "file", store)
        self.refused(ini, "disk full or file size limit", store, preexec_fn=sw.fsize_limit(10))

    def test_file_full_disk_put(self):
        self.full_disk_put("file", os.path.join(self.dir, "store"))

    # ---- shared ---------------------------------------------------------

    def full_disk_put(self, backend, location):
        """--import into a store whose files may not grow past 256 KiB: the
        small profiles go in, the 1 MB one fails with a clear message, and
        afterwards (no limit) the store opens and holds exactly the small
        ones."""
        ini = sw.write_ini(self.dir, backend, location)
        self.started(ini)
        small = [sw.record("small%d" % i, 1700000000000 + i, '{"n":%d}' % i) for i in range(5)]
        big = sw.record("big", 1700000000100, '{"pad":"%s"}' % ("x" * (1 << 20)))
        src = sw.write_jsonl(os.path.join(self.dir, "in.jsonl"), small[:3] + [big] + small[3:])
        r = sw.run(["--config", ini, "--import", src], preexec_fn=sw.fsize_limit(256 << 10))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("(big)", r.stderr)
        self.assertIn("disk full or file size limit", r.stderr)
        self.assertIn("imported 5, skipped 0 (id already stored), failed 1", r.stderr)
        out = os.path.join(self.dir, "out.jsonl")
        r = sw.run(["--config", ini, "--export", out])
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            ids = sorted(json.loads(line)["id"] for line in f)
        self.assertEqual(ids, sorted(x["id"] for x in small))
        if backend == "sqlite":
            con = sqlite3.connect(location)
            self.assertEqual(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
            con.close()
        else:
            docs = os.listdir(os.path.join(location, "docs"))
            self.assertEqual(sorted(docs), sorted(x["id"] + ".json" for x in small))


if __name__ == "__main__":
    unittest.main()
