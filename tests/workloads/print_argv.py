"""Writes its sys.argv as JSON to the file named by $SMCP_ARGV_OUT (or, if that is
unset, by argv[1]) and exits at once: too short for Scalene to take a sample.

If $SMCP_PPID_OUT is set, also writes its parent's pid there (with Scalene's
start-up fast path the parent is whoever started Scalene; otherwise it is
Scalene's launcher)."""
import json
import os
import sys

out = os.environ.get("SMCP_ARGV_OUT") or sys.argv[1]
with open(out, "w") as f:
    json.dump(sys.argv, f)
ppid_out = os.environ.get("SMCP_PPID_OUT")
if ppid_out:
    with open(ppid_out, "w") as f:
        f.write(str(os.getppid()))
