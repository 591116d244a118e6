"""Two files for the malloc_threshold option: allocs.py allocates 300 MiB
(300 allocation samples or so) with almost no CPU; this file burns the CPU.
With cpu_percent_threshold=50, allocs.py is shown only through its
allocations, so malloc_threshold decides whether it is listed."""
from allocs import grab


def burn(n):
    return sum(i * i % 7 for i in range(n))


def main():
    kept = grab(300)
    total = 0
    for _ in range(8):
        total += burn(1_000_000)
    print(total, len(kept))


if __name__ == "__main__":
    main()
