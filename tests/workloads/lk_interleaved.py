"""Leak and transient interleaved in one function: every call of step()
keeps 1 MiB in the module-level CACHE (the leak) and allocates a transient
1 MiB buffer that is freed when step() returns. Scalene cannot tell them
apart (2.x splits the growth between the two lines, 1.5.16 charges it to
the transient); the source can.
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
