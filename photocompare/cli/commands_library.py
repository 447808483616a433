"""CLI sub-commands of the library: info, import, patients, photos, patient add, label.

JSON output (with --json) is one object on stdout; problems with single files are one line
each on stderr naming the file; exit codes: 0 all good, 1 some files rejected, 2 nothing could
be done (bad arguments, unreadable file for `info`, unusable library).

Other command groups reuse `add_library_arguments(parser)` and `open_library(args)` so every
command that touches a library takes the same --library/--store options. Records are read and
written through the library API (`photocompare.library.api`: frozen rows, readable errors),
imported inside each handler so that `info` never loads the database layer.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from photocompare.core.errors import LibraryError

LIBRARY_HELP = (
    "library folder, .sqlite3 file or database URL "
    "(default: $PHOTOCOMPARE_LIBRARY or the per-user data folder)"
)
STORE_HELP = "folder of originals (required with a database URL; default: LIBRARY/store)"


def add_library_arguments(parser: argparse.ArgumentParser) -> None:
    """--library and --store, the same on every command that opens a library."""
    parser.add_argument("--library", metavar="DIR|URL", default=None, help=LIBRARY_HELP)
    parser.add_argument("--store", metavar="DIR", default=None, help=STORE_HELP)


def open_library(args: argparse.Namespace, *, create: bool = False):
    """Library.open with the command's --library/--store (LibraryError -> exit 2 by main).

    Only commands that add to a library (`import`, `patient add`, `restore`) pass
    `create=True`; every other command refuses a folder holding no library ("no library at
    ...", exit 2) rather than silently making an empty one at a mistyped path.
    """
    from photocompare.library.db import Library

    return Library.open(
        getattr(args, "library", None), getattr(args, "store", None), create=create
    )


def require_patient(library, external_id: str):
    """The patient row with this ID, or `LibraryError` with the one line the user sees."""
    from photocompare.library import api

    return api.require_patient(library, external_id)


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's sub-commands to the `photocompare` parser."""
    p = sub.add_parser("info", help="describe a photo file (size, orientation, date, camera)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("import", help="import photo files and folders for a patient")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files and folders (recursive)")
    p.add_argument(
        "--patient", required=True, metavar="ID", help="patient id (MRN); created if new"
    )
    p.add_argument("--name", default=None, help="display name when the patient is created")
    add_library_arguments(p)
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("patients", help="list the patients in the library")
    add_library_arguments(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_patients)

    p = sub.add_parser("photos", help="list a patient's photos")
    p.add_argument("--patient", required=True, metavar="ID")
    add_library_arguments(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_photos)

    p = sub.add_parser("patient", help="manage patients (patient add ID --name NAME)")
    patient_sub = p.add_subparsers(dest="patient_command", metavar="ACTION", required=True)
    add = patient_sub.add_parser("add", help="add a patient")
    add.add_argument("external_id", metavar="ID", help="MRN or clinic number")
    add.add_argument("--name", default="", help="display name")
    add.add_argument("--birth-year", type=int, default=None, metavar="YYYY")
    add.add_argument("--notes", default="")
    add_library_arguments(add)
    add.add_argument("--json", action="store_true")
    add.set_defaults(func=cmd_patient_add)

    p = sub.add_parser("label", help="set a photo's view / expression label or note")
    p.add_argument("photo_id", type=int, metavar="PHOTO_ID")
    p.add_argument("--view", default=None, help="frontal, left-oblique, right-oblique, ...")
    p.add_argument("--expression", default=None, help="neutral, raised-brows, frown, ...")
    p.add_argument("--note", default=None)
    add_library_arguments(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_label)


# -- helpers -------------------------------------------------------------------------------
def _print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def _iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def info_json(info) -> dict[str, Any]:
    """The `info --json` contract: these keys exactly, scripts depend on them."""
    return {
        "path": info.path,
        "format": info.format,
        "width": info.width,
        "height": info.height,
        "orientation": info.orientation,
        "taken_at": _iso(info.taken_at),
        "date_source": info.date_source,
        "camera": {"make": info.camera_make, "model": info.camera_model},
        "sha256": info.sha256,
    }


def patient_json(patient, photos: int | None = None) -> dict[str, Any]:
    """A `PatientRow` as the CLI's JSON (the contract of `patients`, `photos`, `patient add`)."""
    out = {
        "id": patient.id,
        "external_id": patient.external_id,
        "display_name": patient.display_name,
        "birth_year": patient.birth_year,
        "notes": patient.notes,
    }
    if photos is not None:
        out["photos"] = photos
    return out


def photo_json(photo, library=None) -> dict[str, Any]:
    """A `PhotoRow` as the CLI's JSON; `path` (the stored original) when `library` is given."""
    out = {
        "id": photo.id,
        "patient_id": photo.patient_id,
        "visit_id": photo.visit_id,
        "sha256": photo.sha256,
        "original_name": photo.original_name,
        "format": photo.format,
        "width": photo.width,
        "height": photo.height,
        "orientation": photo.orientation,
        "taken_at": _iso(photo.taken_at_aware),
        "date_source": photo.date_source,
        "camera": {"make": photo.camera_make, "model": photo.camera_model},
        "imported_at": _iso_utc(photo.imported_at),
        "view_label": photo.view_label,
        "expression_label": photo.expression_label,
        "note": photo.note,
    }
    if library is not None:
        out["path"] = photo.path
    return out


def photo_periods(library, patient_id: int, photos) -> dict[int, str | None]:
    """photo id -> "baseline" / "cycle N" / None, from the treatment sessions in the library and
    the one rule for photos (core.course.period_for_date), so scripts and the app agree."""
    from photocompare.core.course import period_for_date
    from photocompare.library.course_repo import load_course

    report = load_course(library, patient_id)
    out: dict[int, str | None] = {}
    for ph in photos:
        when = ph.taken_at_aware
        period = period_for_date(report, when) if when is not None else None
        out[ph.id] = period.label if period is not None else None
    return out


# -- commands ------------------------------------------------------------------------------
def cmd_info(args: argparse.Namespace) -> int:
    from photocompare.core.images import read_info

    info = read_info(args.file)  # UnreadablePhoto -> one line, exit 2 (cli.main)
    if args.json:
        _print_json(info_json(info))
        return 0
    orientation = info.orientation if info.orientation is not None else "none"
    camera = " ".join(x for x in (info.camera_make, info.camera_model) if x) or "unknown"
    print(f"{info.path}")
    print(f"  format       {info.format}, {info.width} x {info.height} px (upright)")
    print(f"  orientation  {orientation}")
    print(f"  taken        {_iso(info.taken_at) or 'unknown'} (from {info.date_source})")
    print(f"  camera       {camera}")
    print(f"  sha256       {info.sha256}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from photocompare.library.importer import expand_paths_and_skipped, import_paths

    files, skipped = expand_paths_and_skipped(args.paths)
    if not files:
        found = f" (only {len(skipped)} other file(s))" if skipped else ""
        raise LibraryError(f"no photo files found in {', '.join(args.paths)}{found}")
    _refuse_missing_store_of_existing_library(args)
    with open_library(args, create=True) as library:
        summary = import_paths(library, args.paths, args.patient, display_name=args.name)
        _suggest_labels(library, [photo_id for _path, photo_id in summary.imported])
        for result in summary.results:
            if result.status == "rejected":
                print(f"photocompare: {result.path}: {result.reason}", file=sys.stderr)
        counts = {**summary.counts(), "skipped": len(summary.skipped)}
        if args.json:
            _print_json(
                {
                    "library": library.location,
                    "store": str(library.store.root),
                    "patient": {"id": summary.patient_id, "external_id": args.patient},
                    "files": [
                        {
                            "path": r.path,
                            "status": r.status,
                            "reason": r.reason,
                            "photo_id": r.photo_id,
                            "sha256": r.sha256,
                        }
                        for r in summary.results
                    ],
                    "summary": counts,
                    "stopped": summary.stopped,
                    "not_tried": summary.not_tried,
                }
            )
        else:
            for r in summary.results:
                if r.status == "imported":
                    print(f"imported   {r.path} (photo {r.photo_id})")
                elif r.status == "duplicate":
                    print(f"duplicate  {r.path}: {r.reason}")
                elif r.status == "skipped":
                    print(f"skipped    {r.path}: {r.reason}")
            print(
                f"{len(summary.results)} files: {counts['imported']} imported, "
                f"{counts['duplicates']} duplicates, {counts['rejected']} rejected, "
                f"{counts['skipped']} skipped "
                f"(patient {args.patient}, library {library.location})"
            )
    if summary.stopped:
        print(f"photocompare: import stopped: {summary.stopped}; {summary.not_tried} file(s) "
              "not tried", file=sys.stderr)
        # Exit codes say what happened: 2 = nothing imported, 1 = only part of it.
        return 1 if summary.imported or summary.duplicates else 2
    return 1 if summary.rejected else 0


def _refuse_missing_store_of_existing_library(args: argparse.Namespace) -> None:
    """An existing library with a `--store` that does not exist is a typo or an unplugged
    share: refused, as every other command does, instead of filling a new empty store. (A new
    library may create its store.)"""
    from pathlib import Path

    from photocompare.library.db import DB_FILENAME

    store = getattr(args, "store", None)
    library = getattr(args, "library", None)
    if not store or Path(store).expanduser().is_dir() or not library or "://" in str(library):
        return
    location = Path(library).expanduser()
    db_file = location if location.is_file() else location / DB_FILENAME
    if db_file.is_file():
        raise LibraryError(
            f"no store at {store} (check --store; the library at {library} already exists)"
        )


def _suggest_labels(library, photo_ids: list[int]) -> None:
    """View/expression suggestions for the new photos (a person's labels are never replaced)."""
    if not photo_ids:
        return
    from photocompare.core.face import FaceAnalyzer
    from photocompare.library.labelling import suggest_and_store_labels

    with FaceAnalyzer(limits=library.limits) as analyzer:
        suggest_and_store_labels(library, photo_ids, analyzer)


def cmd_patients(args: argparse.Namespace) -> int:
    from photocompare.library import api

    with open_library(args) as library:
        patients = api.list_patients(library, order="id")
        counts = api.patient_photo_counts(library)
        if args.json:
            _print_json(
                {
                    "library": library.location,
                    "patients": [patient_json(p, counts.get(p.id, 0)) for p in patients],
                }
            )
            return 0
        if not patients:
            print(f"no patients yet (library {library.location})")
        for p in patients:
            year = f", born {p.birth_year}" if p.birth_year else ""
            name = f"  {p.display_name}" if p.display_name else ""
            print(f"{p.external_id}{name}{year}  ({counts.get(p.id, 0)} photos)")
    return 0


def cmd_photos(args: argparse.Namespace) -> int:
    from photocompare.library import api

    with open_library(args) as library:
        patient = api.require_patient(library, args.patient)
        photos = api.list_photos(library, patient.id)
        if args.json:
            periods = photo_periods(library, patient.id, photos)
            _print_json(
                {
                    "library": library.location,
                    "patient": patient_json(patient, len(photos)),
                    "photos": [
                        {**photo_json(ph, library), "period": periods[ph.id]} for ph in photos
                    ],
                }
            )
            return 0
        if not photos:
            print(f"patient {patient.external_id} has no photos")
        for ph in photos:
            taken = _iso(ph.taken_at_aware) or "unknown date"
            camera = " ".join(x for x in (ph.camera_make, ph.camera_model) if x)
            labels = " ".join(x for x in (ph.view_label, ph.expression_label) if x)
            print(
                f"{ph.id:>6}  {taken} ({ph.date_source})  {ph.width}x{ph.height} {ph.format}  "
                f"{ph.original_name}"
                + (f"  [{camera}]" if camera else "")
                + (f"  {labels}" if labels else "")
            )
    return 0


def cmd_patient_add(args: argparse.Namespace) -> int:
    from photocompare.library import api

    with open_library(args, create=True) as library:
        patient = api.add_patient(
            library, args.external_id, args.name, args.birth_year, args.notes
        )
        if args.json:
            _print_json(patient_json(patient, 0))
        else:
            print(f"added patient {patient.external_id} (id {patient.id})")
    return 0


def cmd_label(args: argparse.Namespace) -> int:
    from photocompare.library import api

    with open_library(args) as library:
        photo = api.set_labels(
            library, args.photo_id, view=args.view, expression=args.expression, note=args.note
        )
        if args.json:
            _print_json(photo_json(photo, library))
        else:
            print(
                f"photo {photo.id}: view {photo.view_label or '-'}, "
                f"expression {photo.expression_label or '-'}"
            )
    return 0
