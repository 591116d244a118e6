"""Large allocation: line 8 allocates 256 MiB at once; nothing else allocates much."""
import time


def main():
    small = [str(i) for i in range(1000)]
    # 256 MiB in one allocation.
    big = bytearray(256 * 1024 * 1024)
    big[-1] = 1
    time.sleep(0.3)
    print(len(big), len(small))


if __name__ == "__main__":
    main()
