"""Works about half a second (line 10), then kills itself with SIGKILL:
no profile can be written, and the run must be reported as killed by signal 9."""
import os
import signal


def main():
    total = 0
    for _ in range(4):
        total += sum(i * i % 7 for i in range(300_000))
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    main()
