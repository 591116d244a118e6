"""Large allocation: line 9 allocates 256 MiB at once; nothing else allocates much.

The allocation is the returned expression, so a profiler that attributes the
sample to the next instruction still lands on line 9."""
import time


def allocate():
    return bytearray(256 * 1024 * 1024)


def main():
    small = [str(i) for i in range(1000)]
    big = allocate()
    big[-1] = 1
    time.sleep(0.3)
    print(len(big), len(small))


if __name__ == "__main__":
    main()
