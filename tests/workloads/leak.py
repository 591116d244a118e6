"""Growing leak: line 11 keeps 1 MiB per iteration in a module-level dict (400 MiB).

Line 12 allocates a transient buffer of the same size that is freed at once.
"""
import time

CACHE = {}


def step(i):
    CACHE[i] = bytearray(1024 * 1024)
    scratch = bytes(1024 * 1024)
    return len(scratch)


def main():
    for i in range(400):
        step(i)
        if i % 50 == 0:
            time.sleep(0.01)
    print(len(CACHE))


if __name__ == "__main__":
    main()
