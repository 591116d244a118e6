"""Forks a grandchild that leaves the process group (setsid) and sleeps forever,
then spins forever itself.

The grandchild writes its pid to the file named by $SMCP_GRANDCHILD_PIDFILE
(or argv[1]) so a test can check that it was ended too.
"""
import os
import sys
import time


def grandchild(pidfile):
    os.setsid()
    if pidfile:
        with open(pidfile + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename(pidfile + ".tmp", pidfile)
    while True:
        time.sleep(0.1)


def spin():
    while True:
        sum(i * i % 7 for i in range(100_000))


if __name__ == "__main__":
    pidfile = os.environ.get("SMCP_GRANDCHILD_PIDFILE") or (sys.argv[1] if len(sys.argv) > 1 else "")
    if os.fork() == 0:
        try:
            grandchild(pidfile)
        finally:
            os._exit(0)
    spin()
