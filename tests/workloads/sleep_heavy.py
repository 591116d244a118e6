"""Sleeps 2 s (the sleep line), then computes briefly (the sum line: ~0.1 s CPU
unprofiled, a few tenths under Scalene). With the default wall-clock timer
most samples land on the sleep line as system time; with use_virtual_time
the sleep is invisible (only CPU time advances the timer), so the sum line gets
the samples. Scalene still books wall-minus-CPU time as system time on
whichever line the next sample hits, so compare lines, not the summary."""
import time


def main():
    # Sleep-heavy line.
    time.sleep(2.0)
    # Short CPU work so a virtual-time profile is not empty.
    print(sum(i * i % 7 for i in range(2_000_000)))


if __name__ == "__main__":
    main()
