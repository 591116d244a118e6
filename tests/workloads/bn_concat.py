"""Rule str_concat_in_loop: build_text() grows a str with += in a loop
(fires); add_numbers() has the same shape on an int (the look-alike: not
string concatenation). Under Scalene each str += copies the string, so n is
kept small."""
import sys


def build_text(n):
    s = ""
    for i in range(n):
        s += str(i) + ","
    return len(s)


def add_numbers(n):
    s = 0
    for i in range(n):
        s += i * 3 + 1
    return s


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    # Under Scalene each += copies the string (quadratic): keep n small.
    print(build_text(int(30_000 * scale)), add_numbers(int(3_000_000 * scale)))


if __name__ == "__main__":
    main()
