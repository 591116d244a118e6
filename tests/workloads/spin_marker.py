"""Writes its pid to the file named by $SMCP_STARTED_FILE once it runs (so a
test knows the program, not only Scalene, has started), then spins forever
on line 18 until it is stopped."""
import os


def mark_started():
    path = os.environ.get("SMCP_STARTED_FILE")
    if path:
        with open(path + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename(path + ".tmp", path)


def spin():
    while True:
        # Hot line of the endless loop.
        sum(i * i % 7 for i in range(100_000))


if __name__ == "__main__":
    mark_started()
    spin()
