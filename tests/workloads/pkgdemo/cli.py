"""Module mode with arguments.

Writes sys.argv[1:] as JSON to the file named by $SMCP_ARGV_OUT (if set), then
spends about a second on line 18 so the profile is not empty.
"""
import json
import os
import sys


def main():
    out = os.environ.get("SMCP_ARGV_OUT")
    if out:
        with open(out, "w") as f:
            json.dump(sys.argv[1:], f)
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 8
    for _ in range(rounds):
        sum(i * i % 5 for i in range(300_000))


if __name__ == "__main__":
    main()
