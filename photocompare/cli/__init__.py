"""The `photocompare` command: argparse sub-commands calling the same functions as the UI.

Each `commands_*` module owns a group of sub-commands and exposes `register(subparsers)`; a
handler takes the parsed args and returns the exit code. Registering imports nothing heavy:
SQLAlchemy, OpenCV, MediaPipe and Qt are imported inside the handlers that need them, so
`photocompare info` starts about as fast as numpy and PIL load. Errors the app expects
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
        commands_capture,
        commands_clinic,
        commands_course,
        commands_export,
        commands_face,
        commands_gui,
        commands_library,
        commands_payer,
        commands_photo,
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
        commands_capture,
        commands_payer,
        commands_photo,
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


_PLAIN_FORMS = {"≥": ">=", "≤": "<=", "→": "->", "−": "-", "–": "-", "—": "-", "…": "...",
                "✔": "yes", "✘": "no", "×": "x", "°": " deg", "·": "."}


def _plain_form(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a character the stream cannot show becomes its plain form or "?"."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start:error.end]
    return "".join(_PLAIN_FORMS.get(ch, "?") for ch in bad), error.end


def _printable_streams() -> None:
    """Let every message reach a terminal or file that cannot show all of its characters.

    Messages use "≥", "°", "×" and patients' names in any script. Redirected to a file on a
    Windows workstation, stdout takes the locale's code page (cp1252 has no "≥"), and printing
    would end the command with a traceback after its work was done. Such characters are written
    in a plain form (">=") or as "?" instead; a UTF-8 stream is left as it is.
    """
    import codecs

    codecs.register_error("photocompare-plain", _plain_form)
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "≥°×–é".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(errors="photocompare-plain")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _printable_streams()
    log_file = _log_to_file()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        # The self-test's one entry point. The CLI depends on the self-test, never the reverse,
        # and like every sub-command it is imported only when asked for.
        from photocompare.selftest import run_self_test

        return run_self_test(out=None)
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
        if "readonly database" in str(exc) or "read-only file system" in str(exc).lower():
            # A library on a read-only disk opens for reading; a command that changes it
            # ends here with a plain reason rather than a database error.
            print("photocompare: the library is read-only: this command would change it "
                  "(patients, photos, verify, course, audit and backup work)", file=sys.stderr)
            return 2
        log.exception("unexpected error")
        where = f" (details in {log_file})" if log_file else ""
        # One line: database errors carry the SQL statement on further lines (that is for
        # the log, which has the whole traceback).
        first = (str(exc).strip().splitlines() or [""])[0]
        print(
            f"photocompare: unexpected error: {type(exc).__name__}: {first}{where}",
            file=sys.stderr,
        )
        return 2
