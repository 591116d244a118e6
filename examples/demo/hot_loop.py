"""A small program with two planted problems, for scripts/demo.sh.

- slow_sum(): a pure-Python loop that does almost all of the CPU work.
- build_table(): allocates a large list of strings (a memory hotspot).

Profiling it should point at the loop body in slow_sum() for CPU time and at
the list comprehension in build_table() for memory.
"""

import sys


def slow_sum(n):
    total = 0
    for i in range(n):  # the planted CPU hotspot
        total += (i * i) % 7
    return total


def build_table(rows):
    table = [str(i) * 20 for i in range(rows)]  # the planted allocation
    return len(table)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    print("sum:", slow_sum(n))
    print("rows:", build_table(400_000))


if __name__ == "__main__":
    main()
