"""Comparison workload, before: steady() and tuned() cost about the same.

cmp_after/app.py is the same program with a block of new lines at the top
(every line below moves) and tuned() doing four times the work: the planted
regression. steady() is unchanged in both.
"""
import sys


def steady(n):
    total = 0
    for i in range(n):
        total += i % 7
    return total


def tuned(n):
    acc = 0
    for i in range(n):
        acc += (i * 3) % 11
    return acc


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    print(steady(int(8_000_000 * scale)), tuned(int(8_000_000 * scale)))


if __name__ == "__main__":
    main()
