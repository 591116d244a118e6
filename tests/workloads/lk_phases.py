"""Planted leak vs transient allocation, in separate phases.

transient() allocates a 200 MiB buffer, touches it and returns it to the
allocator when it returns (three times): not a leak. keep() appends a new
1 MiB bytearray to the module-level HISTORY on every call (300 MiB kept to
the end): the leak.
"""
import time

HISTORY = []


def transient(n_mb):
    buf = bytearray(n_mb * 1024 * 1024)
    buf[::4096] = b"x" * len(range(0, len(buf), 4096))
    return len(buf)


def keep(i):
    HISTORY.append(bytearray(1024 * 1024))
    return len(HISTORY)


def main():
    for _ in range(3):
        transient(200)
        time.sleep(0.05)
    for i in range(300):
        keep(i)
        if i % 50 == 0:
            time.sleep(0.01)
    print(len(HISTORY))


if __name__ == "__main__":
    main()
