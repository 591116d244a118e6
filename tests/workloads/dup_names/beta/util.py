"""beta's util.py: same name as alpha/util.py."""


def work(n):
    return sum(i * i % 11 for i in range(n))
