"""The heavy half of hspkg: grind() holds most of the program's CPU."""


def grind(n):
    return sum(i * i % 13 for i in range(n))
