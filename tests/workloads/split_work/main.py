"""Two-file program with a planted split: about 5/6 of the CPU time is in
worker.py's crunch line, about 1/6 in this file's local line, so both files
are well above Scalene's 1% listing threshold and the worker wins 5:1."""
from worker import crunch


def local(n):
    # main.py's own hot line: a sixth of the work.
    return sum(i * i % 11 for i in range(n))


def main():
    total = 0
    for _ in range(8):
        total += crunch(1_000_000)
        total += local(200_000)
    print(total)


if __name__ == "__main__":
    main()
