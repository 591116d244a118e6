"""alpha's util.py: same name as beta/util.py."""


def work(n):
    return sum(i * i % 7 for i in range(n))
