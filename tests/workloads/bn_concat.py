"""Rule str_concat_in_loop: build_text() grows a str with += in a loop
(fires); add_numbers() has the same shape on an int (the look-alike: not
string concatenation). The string lives in an attribute, where CPython cannot
grow it in place: every += copies it (quadratic), so n is kept small."""
import sys


class Report:
    def __init__(self):
        self.text = ""


def build_text(n):
    r = Report()
    for i in range(n):
        r.text += str(i) + ","
    return len(r.text)


def add_numbers(n):
    s = 0
    for i in range(n):
        s += i * 3 + 1
    return s


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    # every r.text += copies the whole string (quadratic): keep n small
    print(build_text(int(25_000 * scale)), add_numbers(int(3_000_000 * scale)))


if __name__ == "__main__":
    main()
