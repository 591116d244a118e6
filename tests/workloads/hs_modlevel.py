"""Hotspots e2e: the hot loop runs at module level, outside any function;
helper() does about a tenth of its work."""


def helper(n):
    return sum(i % 3 for i in range(n))


acc = helper(400_000)
for i in range(4_000_000):
    acc = (acc + i * i) % 1_000_003
print(acc)
