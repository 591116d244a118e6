"""Imported by main.py: keeps n blocks of 1 MiB, one allocation per loop
turn (many allocation samples, little CPU)."""


def grab(n):
    kept = []
    for _ in range(n):
        kept.append(bytearray(1024 * 1024))
    return kept
