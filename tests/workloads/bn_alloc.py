"""Rule alloc_in_loop: fresh_lists() builds a new 200,000-element list on
every iteration (fires on the `doubled = [...]` line); reused_buffer() does
the same work into one NumPy array allocated before its loop (look-alike: the
allocation is outside the loop, the loop line allocates nothing)."""
import sys

import numpy as np


def fresh_lists(data, reps):
    total = 0
    for _ in range(reps):
        doubled = [x * 2 for x in data]
        total += doubled[-1]
    return total


def reused_buffer(a, reps):
    out = np.empty_like(a)
    total = 0.0
    for _ in range(reps):
        np.multiply(a, 2.0, out=out)
        total += out[-1]
    return total


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    data = list(range(200_000))
    a = np.arange(2_000_000, dtype=np.float64)
    print(fresh_lists(data, int(40 * scale)), reused_buffer(a, int(300 * scale)))


if __name__ == "__main__":
    main()
