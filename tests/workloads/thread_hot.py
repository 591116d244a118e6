"""A worker thread does all the CPU work (the RESULT.append line, ~0.6 s
unprofiled) while the main thread only waits in join(). Long enough for
Scalene to take dozens of samples, so the worker's line wins by a wide
margin in both 1.5.x and 2.x (thread_work.py is too short for that: 2.4
sometimes splits its two samples between the worker line and t.start())."""
import sys
import threading

RESULT = []


def worker(n):
    # Hot line, run on the worker thread.
    RESULT.append(sum(i * i % 13 for i in range(n)))


def main():
    n = int(float(sys.argv[1]) * 12_000_000) if len(sys.argv) > 1 else 12_000_000
    t = threading.Thread(target=worker, args=(n,))
    t.start()
    t.join()
    print(RESULT[0])


if __name__ == "__main__":
    main()
