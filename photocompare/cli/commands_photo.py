"""CLI sub-commands that correct a photo's record: `photo move`, `photo redate`.

    photocompare photo move ID --patient OTHER [--library DIR] [--json]
    photocompare photo redate ID --taken-at ISO [--library DIR] [--json]

The same library functions as the app (`library/photo_edits.py`): audited, originals never
touched. Exit codes: 0 done, 2 nothing changed (unknown photo or patient, photo in the trash,
a date that is not ISO 8601 or in the future) — one line on stderr saying why.
"""

from __future__ import annotations

import argparse
import datetime as dt

from photocompare.core.errors import LibraryError


def register(sub: argparse._SubParsersAction) -> None:
    from photocompare.cli.commands_library import add_library_arguments

    p = sub.add_parser("photo", help="correct a photo: move it to another patient, fix its date")
    photo_sub = p.add_subparsers(dest="photo_command", metavar="ACTION", required=True)

    m = photo_sub.add_parser("move", help="file a photo under another patient (audited)")
    m.add_argument("photo_id", type=int, metavar="ID")
    m.add_argument("--patient", required=True, metavar="OTHER", help="the patient's ID (MRN)")
    add_library_arguments(m)
    m.add_argument("--json", action="store_true", help="the photo's record on stdout")
    m.set_defaults(func=cmd_move)

    r = photo_sub.add_parser("redate", help="correct a photo's capture date (audited)")
    r.add_argument("photo_id", type=int, metavar="ID")
    r.add_argument("--taken-at", required=True, metavar="ISO",
                   help="YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM]; a date alone keeps the "
                        "photo's time of day")
    add_library_arguments(r)
    r.add_argument("--json", action="store_true", help="the photo's record on stdout")
    r.set_defaults(func=cmd_redate)


def parse_taken_at(text: str) -> dt.datetime | dt.date:
    """An ISO 8601 date or date-time exactly as typed (never read day-first or month-first)."""
    text = text.strip()
    try:
        if "T" not in text and " " not in text:  # a date alone keeps the photo's time of day
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise LibraryError(f"--taken-at {text!r}: not an ISO date (YYYY-MM-DD or "
                           "YYYY-MM-DDTHH:MM)") from None


def _report(args, library, edit, text: str) -> int:
    from photocompare.cli.commands_library import _print_json, photo_json, photo_periods
    from photocompare.library import api

    photo = api.get_photo(library, edit.photo_id)
    if args.json:
        out = photo_json(photo, library)
        out["period"] = photo_periods(library, photo.patient_id, [photo])[photo.id]
        _print_json(out)
    else:
        print(text)
    return 0


def cmd_move(args: argparse.Namespace) -> int:
    from photocompare.cli.commands_library import open_library
    from photocompare.library.photo_edits import move_photo

    with open_library(args) as library:
        edit = move_photo(library, args.photo_id, args.patient)
        return _report(args, library, edit,
                       f"photo {edit.photo_id} ({edit.original_name}) moved to patient "
                       f"{args.patient}")


def cmd_redate(args: argparse.Namespace) -> int:
    from photocompare.cli.commands_library import open_library
    from photocompare.library.photo_edits import redate_photo

    taken_at = parse_taken_at(args.taken_at)
    with open_library(args) as library:
        edit = redate_photo(library, args.photo_id, taken_at)
        new = edit.new_taken_at.isoformat(timespec="seconds")
        old = edit.old_taken_at.isoformat(timespec="seconds") if edit.old_taken_at else "unknown"
        return _report(args, library, edit,
                       f"photo {edit.photo_id} ({edit.original_name}): taken {new} "
                       f"(was {old}, from {edit.old_date_source})")
