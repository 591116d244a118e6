"""Sleeps 1.5 s (line 9), then computes about 0.3-0.6 s (line 11). With the
default wall-clock timer most samples land on the sleep as system time; with
use_virtual_time the sleep is invisible and system time is low."""
import time


def main():
    # Sleep-heavy line.
    time.sleep(1.5)
    # Short CPU work so a virtual-time profile is not empty.
    print(sum(i * i % 7 for i in range(5_000_000)))


if __name__ == "__main__":
    main()
