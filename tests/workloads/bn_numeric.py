"""Rule python_numeric_loop: python_loop() does per-element arithmetic in
the interpreter (fires); numpy_loop() also loops and adds, but each iteration
is one large NumPy dot product, so its time is native (the look-alike:
quiet)."""
import sys

import numpy as np


def python_loop(n):
    total = 0.0
    for i in range(n):
        total += (i * 0.5) ** 2 % 7
    return total


def numpy_loop(a, reps):
    total = 0.0
    for _ in range(reps):
        total += float(np.dot(a, a))
    return total


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    a = np.arange(2_000_000, dtype=np.float64)
    print(python_loop(int(2_000_000 * scale)), numpy_loop(a, int(600 * scale)))


if __name__ == "__main__":
    main()
