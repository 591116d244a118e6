"""Rule regex_in_loop: compile_each() calls re.compile with a literal
pattern inside its loop and match_each() calls re.match with a literal (both
fire); precompiled() uses a pattern compiled once at module level (the
look-alike: quiet)."""
import re
import sys

WORD = re.compile(r"[a-z]+[0-9]+$")


def compile_each(lines):
    n = 0
    for line in lines:
        pat = re.compile(r"[a-z]+[0-9]+$")
        if pat.match(line):
            n += 1
    return n


def match_each(lines):
    n = 0
    for line in lines:
        if re.match(r"[a-z]+[0-9]+$", line):
            n += 1
    return n


def precompiled(lines):
    n = 0
    for line in lines:
        if WORD.match(line):
            n += 1
    return n


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    lines = ["item%d" % i if i % 3 else "x-%d" % i for i in range(int(300_000 * scale))]
    print(compile_each(lines), match_each(lines), precompiled(lines))


if __name__ == "__main__":
    main()
