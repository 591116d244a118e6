"""Prints argv[1] MiB (default 8) to stdout and 1 MiB to stderr, then works briefly.

Every stdout line is 64 bytes ("%063d\n" of its index), so the total is exact.
"""
import sys


def main():
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    lines = mib * 1024 * 1024 // 64
    out = sys.stdout
    for i in range(lines):
        out.write("%063d\n" % i)
    out.flush()
    sys.stderr.write(("%01023d\n" % 0) * 1024)
    sys.stderr.flush()
    sum(i * i % 7 for i in range(1_000_000))


if __name__ == "__main__":
    main()
