#!/usr/bin/env python3
"""make_profiles - the e2e fixture: profile every catalog entry once per
Scalene version through ONE scalene-mcp process over MCP, store the profiles
in the shared store, and write build/e2e/index.json for the tests.

All calls are sent at once with progress tokens; the server runs two at a
time (max_concurrent_profiles = 2) and queues the rest. Exits non-zero,
naming the entries, when an entry that must yield a profile did not (or one
that must fail did not), or when a call got no progress notification.

Usage (ctest runs it; the environment is described in e2e.py):
  make_profiles.py [--only NAME[,NAME...]]
"""

import argparse
import json
import os
import shutil
import sys
import time

import e2e

CATALOG = os.path.join(e2e.HERE, "catalog.json")


def load_catalog():
    with open(CATALOG) as f:
        return json.load(f)["entries"]


def subst(value, out_dir):
    if isinstance(value, str):
        return value.replace("{out}", out_dir).replace("{workloads}", e2e.WORKLOADS)
    if isinstance(value, list):
        return [subst(v, out_dir) for v in value]
    if isinstance(value, dict):
        return {k: subst(v, out_dir) for k, v in value.items()}
    return value


def call_for(ent, version, out_dir):
    """(tool, arguments) of one catalog entry on one version."""
    args = dict(subst(ent.get("options", {}), out_dir))
    args["python"] = e2e.python_for(version)
    args["label"] = "%s@%s" % (ent["name"], version)
    args.setdefault("timeout", 60)
    if ent.get("args") is not None:
        args["script_args"] = subst(ent["args"], out_dir)
    if ent.get("env"):
        args["env"] = subst(ent["env"], out_dir)
    if ent.get("cwd"):
        cwd = subst(ent["cwd"], out_dir)
        args["cwd"] = cwd if os.path.isabs(cwd) else e2e.workload(cwd)
    if "code" in ent:
        args["code"] = ent["code"]
        return "profile_code", args
    if "module" in ent:
        args["module"] = ent["module"]
    else:
        args["script"] = e2e.workload(ent["script"])
    return "profile_script", args


def reset_dirs():
    for sub in ("store", "out", "scratch"):
        shutil.rmtree(os.path.join(e2e.E2E_DIR, sub), ignore_errors=True)
    for sub in ("store", "out", "scratch"):
        os.makedirs(os.path.join(e2e.E2E_DIR, sub), exist_ok=True)
    try:
        os.unlink(os.path.join(e2e.E2E_DIR, "index.json"))
    except FileNotFoundError:
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="", help="comma-separated entry names (debugging)")
    opts = ap.parse_args()
    if not e2e.E2E_DIR or not e2e.CONF:
        sys.exit("make_profiles: SMCP_E2E_DIR and SMCP_E2E_CONF must be set")
    versions = e2e.versions()
    for v in versions:
        py = e2e.python_for(v)
        if not py or not os.access(py, os.X_OK):
            sys.exit("make_profiles: no interpreter for Scalene %s (%r); set SMCP_VENV_PYTHON / "
                     "SMCP_DEBIAN_PYTHON or narrow SMCP_E2E_VERSIONS" % (v, py))
    os.makedirs(e2e.E2E_DIR, exist_ok=True)
    reset_dirs()
    # SMCP_E2E_BACKEND=memory only for debugging the fixture itself: the
    # tests need the shared (sqlite) store.
    backend = os.environ.get("SMCP_E2E_BACKEND", "sqlite")
    e2e.write_config(e2e.CONF, backend, max_concurrent=2)

    catalog = load_catalog()
    if opts.only:
        keep = set(opts.only.split(","))
        catalog = [c for c in catalog if c["name"] in keep]
    t0 = time.monotonic()
    srv = e2e.Server(e2e.CONF, name="fixture")
    pending = []  # (ent, version, id, token, out_dir, t_sent)
    for ent in catalog:
        for v in ent.get("versions", e2e.ALL_VERSIONS):
            if v not in versions:
                continue
            key = "%s@%s" % (ent["name"], v)
            out_dir = os.path.join(e2e.E2E_DIR, "out", key)
            os.makedirs(out_dir, exist_ok=True)
            tool, args = call_for(ent, v, out_dir)
            id = srv.start_call(tool, args, progress_token=key)
            pending.append((ent, v, id, key, out_dir, time.monotonic()))

    entries = {}
    problems = []
    rows = []

    def collect(batch, retry_allowed):
        """Reads the answers of `batch`; returns the entries to run again:
        under load Scalene can miss every sample of a short workload, which
        says nothing about the server, so such a run gets one more try."""
        again = []
        for ent, v, id, token, out_dir, t_sent in batch:
            try:
                seq, resp = srv.response_seq(id, timeout=300)
            except AssertionError as e:
                problems.append("%s: no answer: %s" % (token, e))
                continue
            res = resp.get("result")
            if res is None:
                problems.append("%s: JSON-RPC error %r" % (token, resp.get("error")))
                continue
            sc = res.get("structuredContent") or {}
            is_error = bool(res.get("isError"))
            expect = ent.get("expect", "profile")
            text = e2e.text_of(res)
            if retry_allowed and expect == "profile" and is_error and "no samples" in text:
                print("make_profiles: %s took no samples; running it once more" % token,
                      file=sys.stderr)
                again.append((ent, v, token, out_dir))
                continue
            prog = srv.progress(token)
            rec = {
                "profile_id": None if is_error else sc.get("profile_id"),
                "outcome": "error" if is_error else sc.get("outcome"),
                "is_error": is_error,
                "text": text,
                "structured": sc,
                "progress": [p for _, p in prog],
                "progress_after_answer": sum(1 for s, _ in prog if s > seq),
                "out_dir": out_dir,
                "seconds": round(time.monotonic() - t_sent, 2),
            }
            entries.setdefault(ent["name"], {})[v] = rec
            rows.append((token, rec["outcome"], sc.get("wall_sec"), rec["text"].splitlines()[0]
                         if rec["text"] else ""))
            if expect == "profile" and (is_error or not rec["profile_id"]):
                problems.append("%s: expected a stored profile, got isError:\n    %s"
                                % (token, rec["text"].replace("\n", "\n    ")[:3000]))
            elif expect == "error" and not is_error:
                problems.append("%s: expected isError, got a profile (%s)"
                                % (token, rec["outcome"]))
            if not prog:
                problems.append("%s: no progress notification for token %r" % (token, token))
            if rec["progress_after_answer"]:
                problems.append("%s: %d progress notifications after the answer"
                                % (token, rec["progress_after_answer"]))
        return again

    retries = collect(pending, True)
    second = []
    for ent, v, token, out_dir in retries:
        retry_token = token + "#2"
        tool, args = call_for(ent, v, out_dir)
        id = srv.start_call(tool, args, progress_token=retry_token)
        second.append((ent, v, id, retry_token, out_dir, time.monotonic()))
    collect(second, False)
    total = time.monotonic() - t0

    # Every stored profile must be listed with its label.
    try:
        listed = srv.call("list_profiles", {"limit": 1000})
        labels = {p["label"]: p for p in listed["structuredContent"]["profiles"]}
        for name, per in entries.items():
            for v, rec in per.items():
                if rec["profile_id"] and "%s@%s" % (name, v) not in labels:
                    problems.append("%s@%s: profile %s not in list_profiles"
                                    % (name, v, rec["profile_id"]))
    except AssertionError as e:
        problems.append("list_profiles failed: %s" % e)

    rc = srv.close(timeout=60)
    if rc != 0:
        problems.append("fixture server exited %r\nstderr:\n%s" % (rc, srv.stderr[-4000:]))

    with open(os.path.join(e2e.E2E_DIR, "index.json.tmp"), "w") as f:
        json.dump({"created": time.time(), "config": e2e.CONF, "versions": versions,
                   "seconds": round(total, 2), "entries": entries}, f, indent=1,
                  ensure_ascii=False)
    os.replace(os.path.join(e2e.E2E_DIR, "index.json.tmp"),
               os.path.join(e2e.E2E_DIR, "index.json"))

    for token, outcome, wall, first in rows:
        print("%-28s %-14s %6s s  %s" % (token, outcome, wall, first[:90]))
    print("fixture: %d runs in %.1f s through one server (max 2 at a time)" % (len(rows), total))
    if problems:
        print("\nFIXTURE FAILED (%d problem%s):" % (len(problems), "s" * (len(problems) != 1)))
        for p in problems:
            print("  - " + p)
        sys.exit(1)


if __name__ == "__main__":
    main()
