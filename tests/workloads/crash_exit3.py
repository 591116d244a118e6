"""Works for about half a second (line 9), writes to stderr, then exits with status 3."""
import sys


def main():
    total = 0
    for _ in range(4):
        # Hot line before the crash.
        total += sum(i * i % 7 for i in range(300_000))
    print("crash_exit3: giving up with status 3", file=sys.stderr)
    sys.exit(3)


if __name__ == "__main__":
    main()
