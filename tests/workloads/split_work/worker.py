"""Imported by main.py: crunch() holds about 3/4 of the CPU time (line 6)."""


def crunch(n):
    # worker.py's hot line.
    return sum(i * i % 11 for i in range(n))
