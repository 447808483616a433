"""The `photocompare` command: argparse sub-commands calling the same functions as the UI.

Each `commands_*` module owns a group of sub-commands and exposes `register(subparsers)`; a
handler takes the parsed args and returns the exit code. Errors the app expects
(`PhotoCompareError`) become one line on stderr and exit 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from photocompare import __version__
from photocompare.core import quiet  # noqa: F401  (sets native log levels before cv2/mediapipe)
from photocompare.core.errors import PhotoCompareError

log = logging.getLogger("photocompare.cli")


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad arguments already; keep its message to one line plus usage."""


def build_parser() -> argparse.ArgumentParser:
    from photocompare.cli import (
        commands_clinic,
        commands_course,
        commands_export,
        commands_face,
        commands_gui,
        commands_library,
    )

    parser = _Parser(prog="photocompare", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"photocompare {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="load the face model, analyse a bundled face, render a sheet; exit 0 or 1",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (
        commands_library,
        commands_face,
        commands_course,
        commands_export,
        commands_clinic,
        commands_gui,
    ):
        module.register(sub)
    return parser


def _log_to_file() -> str | None:
    """Send log records to the per-user log file, never to the terminal.

    Without a handler Python's last-resort handler prints warnings and tracebacks on stderr,
    which breaks the one-line-per-failure rule. Returns the file's path, or None when the log
    folder cannot be used or a host program configured logging itself.
    """
    from photocompare.logs import configure_file_logging

    path = configure_file_logging(defer_to_existing=True)
    return str(path) if path else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    log_file = _log_to_file()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from photocompare.selftest import run_self_test

        return run_self_test()
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except PhotoCompareError as exc:
        print(f"photocompare: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("photocompare: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # last resort: one line for the user, the traceback for the log
        log.exception("unexpected error")
        where = f" (details in {log_file})" if log_file else ""
        print(
            f"photocompare: unexpected error: {type(exc).__name__}: {exc}{where}",
            file=sys.stderr,
        )
        return 2
