"""Hotspots e2e, module mode and two files: python -m hspkg.app.

Most CPU is in hspkg/engine.py's grind(); tally() here does about a tenth
of that work.
"""
from hspkg.engine import grind


def tally(n):
    return sum(i % 3 for i in range(n))


def main():
    total = 0
    for _ in range(8):
        total += grind(800_000)
        total += tally(80_000)
    print(total)


if __name__ == "__main__":
    main()
