"""`python -m photocompare` is the CLI."""

from photocompare.cli import main

raise SystemExit(main())
