"""Never ends on its own, and leaves two children behind when stopped.

After a short burst of work it forks one child that stays in the process
group and one grandchild that leaves it (setsid); both sleep forever, and the
parent spins forever. The setsid grandchild writes its pid to the file named
by $SMCP_GRANDCHILD_PIDFILE (or argv[1]) so a test can check it was ended too.

Both matter to a runner: Scalene 1.5.16 stops sampling a parent once it has
forked (hence the work first), and its forked children rewrite the shared
profile as "{}" when they receive SIGTERM before the parent has written it.
"""
import os
import sys
import time


def sleep_forever():
    while True:
        time.sleep(0.1)


def grandchild(pidfile):
    os.setsid()
    if pidfile:
        with open(pidfile + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename(pidfile + ".tmp", pidfile)
    sleep_forever()


def work():
    return sum(i * i % 7 for i in range(100_000))


def main():
    pidfile = os.environ.get("SMCP_GRANDCHILD_PIDFILE") or (sys.argv[1] if len(sys.argv) > 1 else "")
    start = time.perf_counter()
    while time.perf_counter() - start < 0.4:
        work()
    for leave_group in (False, True):
        if os.fork() == 0:
            try:
                grandchild(pidfile) if leave_group else sleep_forever()
            finally:
                os._exit(0)
    while True:
        work()


if __name__ == "__main__":
    main()
