"""Most time is spent inside the standard library (colorsys.rgb_to_hls, pure
Python), which Scalene profiles only with profile_all. The script's own hot
line is line 11, the call site."""
import colorsys


def main():
    acc = 0.0
    for i in range(400_000):
        r, g, b = (i % 255) / 255.0, (i % 97) / 97.0, (i % 13) / 13.0
        acc += colorsys.rgb_to_hls(r, g, b)[1]
    print(round(acc, 3))


if __name__ == "__main__":
    main()
