"""Works about half a second (line 9), then raises an uncaught exception
(exit status 1, traceback on stderr ending in 'e2e planted failure')."""


def main():
    total = 0
    for _ in range(4):
        # Hot line before the exception.
        total += sum(i * i % 7 for i in range(300_000))
    raise RuntimeError("e2e planted failure after %d" % total)


if __name__ == "__main__":
    main()
