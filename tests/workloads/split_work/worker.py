"""Imported by main.py: crunch() holds about 5/6 of the CPU time."""


def crunch(n):
    # worker.py's hot line.
    return sum(i * i % 11 for i in range(n))
