"""CLI sub-commands: `gui` — start the desktop app."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's sub-commands to the `photocompare` parser."""
    p = sub.add_parser("gui", help="start the desktop app")
    p.add_argument("--library", metavar="DIR", help="library folder or database URL (default: settings, then the per-user folder)")
    p.add_argument("--store", metavar="DIR", help="where the originals are stored (default: inside the library folder)")
    p.add_argument("--demo", action="store_true", help="open (creating it on first use) a demo library with patient DEMO-001")
    p.add_argument("--review", metavar="PATIENT_ID", help="open straight into patient review mode for this patient")
    p.set_defaults(func=_gui)


def _gui(args: argparse.Namespace) -> int:
    from photocompare.ui.app import run_gui

    return run_gui(library=args.library, store=args.store, demo=args.demo, review=args.review)
