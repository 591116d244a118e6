"""Two imported files share the name util.py (alpha/util.py, beta/util.py),
so the suffix 'util.py' is ambiguous in get_file_details. Both do about the
same work."""
from alpha import util as alpha_util
from beta import util as beta_util


def main():
    total = 0
    for _ in range(4):
        total += alpha_util.work(300_000)
        total += beta_util.work(300_000)
    print(total)


if __name__ == "__main__":
    main()
