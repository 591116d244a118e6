"""Rule io_in_loop: append_each() opens, writes and closes a file on every
iteration (fires); buffered() writes the same lines to an io.StringIO in a
loop (look-alike: in-memory, not I/O) and then to the file once, outside any
loop (look-alike: not in a loop)."""
import io
import os
import sys
import tempfile


def append_each(path, n):
    for i in range(n):
        with open(path, "a") as f:
            f.write("%d\n" % i)


def buffered(path, n):
    buf = io.StringIO()
    for i in range(n):
        buf.write("%d\n" % i)
    with open(path, "w") as f:
        f.write(buf.getvalue() * 40)


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    d = tempfile.mkdtemp(prefix="bn_io_")
    a, b = os.path.join(d, "a.txt"), os.path.join(d, "b.txt")
    append_each(a, int(60_000 * scale))
    buffered(b, int(1_200_000 * scale))
    print(os.path.getsize(a), os.path.getsize(b))
    os.unlink(a)
    os.unlink(b)
    os.rmdir(d)


if __name__ == "__main__":
    main()
