"""Two-file program with a planted split: about 3/4 of the CPU time is in
worker.py line 6 (crunch), about 1/4 in this file's line 9 (local), so both
files are well above Scalene's 1% listing threshold and the worker wins 3:1."""
from worker import crunch


def local(n):
    # main.py's own hot line: a quarter of the work.
    return sum(i * i % 11 for i in range(n))


def main():
    total = 0
    for _ in range(8):
        total += crunch(600_000)
        total += local(200_000)
    print(total)


if __name__ == "__main__":
    main()
