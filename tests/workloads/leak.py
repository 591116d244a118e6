"""Growing leak: line 10 keeps 1 MiB per call in a module-level dict (400 MiB
in all), so the footprint only grows. Scalene reports the leak on line 10."""
import time

CACHE = {}


def step(i):
    # every call leaves 1 MiB behind
    CACHE[i] = bytearray(1024 * 1024)
    return len(CACHE)


def main():
    for i in range(400):
        step(i)
        if i % 50 == 0:
            time.sleep(0.01)
    print(len(CACHE))


if __name__ == "__main__":
    main()
