"""Reads stdin to the end (must be /dev/null under the server, so it ends at once),
prints how many bytes it got, then works briefly so the profile has samples."""
import sys


def main():
    data = sys.stdin.read()
    print("stdin bytes:", len(data))
    sum(i * i % 7 for i in range(1_500_000))


if __name__ == "__main__":
    main()
