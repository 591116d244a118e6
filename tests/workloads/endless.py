"""Never ends on its own: spin() (line 8) runs until the process is stopped."""
import time


def spin():
    while True:
        # Hot line of the endless loop.
        sum(i * i % 7 for i in range(100_000))


if __name__ == "__main__":
    print("endless: started", flush=True)
    spin()
