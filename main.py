"""Start the PhotoCompare desktop app (`python main.py [--library DIR] [--demo] ...`)."""

import sys

from photocompare.cli import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if "--self-test" in args:
        raise SystemExit(main(["--self-test"]))
    raise SystemExit(main(["gui", *args]))
