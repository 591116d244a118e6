"""Dominant CPU line: line 11 (the generator in hot()) holds most CPU time.

cold() does about a tenth of hot()'s work, so the planted answer wins by a
wide margin. Optional argv[1] scales the work (default 1.0, about 1 s).
"""
import sys


def hot(n):
    # The hot line is a single expression so no loop header can tie with it.
    return sum(i * i % 7 for i in range(n))


def cold(n):
    return sum(i % 3 for i in range(n))


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    n = int(400_000 * scale)
    total = 0
    for _ in range(10):
        total += hot(n)
        total += cold(n // 10)
    print(total)


if __name__ == "__main__":
    main()
