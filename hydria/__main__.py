"""`python -m hydria` runs the command-line interface."""

from hydria.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
