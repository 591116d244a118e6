"""Writes its whole environment as JSON to the file named by $SMCP_ENV_OUT,
then works about half a second (line 14) so the run yields a profile."""
import json
import os


def main():
    out = os.environ.get("SMCP_ENV_OUT")
    if out:
        with open(out + ".tmp", "w") as f:
            json.dump(dict(os.environ), f)
        os.rename(out + ".tmp", out)
    for _ in range(4):
        sum(i * i % 7 for i in range(300_000))


if __name__ == "__main__":
    main()
