"""Hotspots e2e: spin()'s loop holds nearly all CPU.

The loop body makes no calls, so Scalene 2.x spreads each sample evenly over
the loop's header and body (they tie) while 1.5.16 puts it on the body: the
analyzers must report the loop as one hotspot either way. The rest of the
program does about a hundredth of the work. argv[1] scales it (default 1).
"""
import sys


def spin(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def warm_up(n):
    return sum(range(n))


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    n = int(6_000_000 * scale)
    print(warm_up(n // 100), spin(n))


if __name__ == "__main__":
    main()
