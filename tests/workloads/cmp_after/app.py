"""Comparison workload, after: see cmp_before/app.py.

New lines at the top shift every line below; tuned() now runs its loop over
four times as many items (the planted regression); steady() is unchanged.
"""
import sys

WORK_FACTOR = 4


def describe():
    """A helper the new version added."""
    return "factor %d" % WORK_FACTOR


def steady(n):
    total = 0
    for i in range(n):
        total += i % 7
    return total


def tuned(n):
    acc = 0
    for i in range(n * WORK_FACTOR):
        acc += (i * 3) % 11
    return acc


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    print(steady(int(8_000_000 * scale)), tuned(int(8_000_000 * scale)), describe())


if __name__ == "__main__":
    main()
