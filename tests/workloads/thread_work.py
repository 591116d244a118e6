"""A worker thread does the CPU work (line 9) while the main thread waits in join()."""
import threading

RESULT = []


def worker(n):
    # Hot line, run on the worker thread.
    RESULT.append(sum(i * i % 13 for i in range(n)))


def main():
    t = threading.Thread(target=worker, args=(3_000_000,))
    t.start()
    t.join()
    print(RESULT[0])


if __name__ == "__main__":
    main()
