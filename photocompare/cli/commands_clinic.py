"""CLI sub-commands for a clinic library: verify, backup, restore, audit, consent, trash.

Every command takes --library and --store like the library commands (a folder, an .sqlite3
file or a postgresql+psycopg:// URL; the shared folder of originals). Exit codes: 0 fine,
1 `verify` found problems, 2 nothing could be done (one line on stderr, from cli.main).
Output names patients by their external ID and photos by id and file name, never by a name.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from photocompare.cli.commands_library import (
    add_library_arguments,
    open_library,
    require_patient,
)
from photocompare.core.errors import LibraryError


def _print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's sub-commands to the `photocompare` parser."""
    from photocompare.core.consent_uses import USES

    p = sub.add_parser("verify", help="re-hash every stored original against its database row")
    add_library_arguments(p)
    p.add_argument("--quick", action="store_true", help="check presence only, do not re-hash")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("backup", help="write the whole library (rows and originals) to one file")
    p.add_argument("out", metavar="OUT", help="backup file to write (e.g. clinic-2024-05-01.zip)")
    add_library_arguments(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="fill a new, empty library from a backup file")
    p.add_argument("backup_file", metavar="IN", help="a file written by `photocompare backup`")
    add_library_arguments(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("audit", help="show the audit log (who did what, when) or export it as CSV")
    add_library_arguments(p)
    p.add_argument("--csv", metavar="OUT", default=None, help="write the log as CSV")
    p.add_argument("--patient", metavar="ID", default=None, help="only this patient (external ID)")
    p.add_argument("--action", default=None, help="only this action (e.g. sheet_exported)")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="only the last N entries")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("consent", help="record, revoke or show consent per photo and use")
    consent_sub = p.add_subparsers(dest="consent_command", metavar="ACTION", required=True)
    s = consent_sub.add_parser("set", help="record (or --revoke) consent for uses of photos")
    s.add_argument("photo_ids", nargs="*", type=int, metavar="PHOTO_ID")
    s.add_argument("--patient", metavar="ID", default=None, help="every photo of this patient")
    s.add_argument("--use", action="append", required=True, choices=USES,
                   help="a use (repeat for several)")
    s.add_argument("--revoke", action="store_true", help="withdraw consent instead")
    s.add_argument("--note", default="", help="where the consent is documented (form no.)")
    add_library_arguments(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_consent_set)
    s = consent_sub.add_parser("show", help="consent state of photos for every use")
    s.add_argument("photo_ids", nargs="*", type=int, metavar="PHOTO_ID")
    s.add_argument("--patient", metavar="ID", default=None, help="every photo of this patient")
    add_library_arguments(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_consent_show)

    p = sub.add_parser("trash", help="deleted photos: list, delete, restore, purge")
    trash_sub = p.add_subparsers(dest="trash_command", metavar="ACTION", required=True)
    t = trash_sub.add_parser("list", help="photos in the trash")
    t.add_argument("--patient", metavar="ID", default=None)
    add_library_arguments(t)
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=cmd_trash_list)
    for name, helptext in (
        ("delete", "move photos to the trash (nothing is lost; restore undoes it)"),
        ("restore", "take photos out of the trash"),
        ("purge", "remove photos in the trash for good (their stored originals too)"),
    ):
        t = trash_sub.add_parser(name, help=helptext)
        t.add_argument("photo_ids", nargs="*", type=int, metavar="PHOTO_ID")
        if name == "purge":
            t.add_argument("--all", action="store_true", help="purge everything in the trash")
        add_library_arguments(t)
        t.add_argument("--json", action="store_true")
        t.set_defaults(func=cmd_trash_change, trash_action=name)


# -- verify / backup / restore ---------------------------------------------------------------


def cmd_verify(args: argparse.Namespace) -> int:
    from photocompare.library.verify import verify_library

    with open_library(args) as library:
        report = verify_library(library, rehash=not args.quick)
        if args.json:
            _print_json({"library": library.location, "store": str(library.store.root),
                         **report.to_json()})
        else:
            for line in report.lines():
                print(line)
    return 0 if report.ok else 1


def cmd_backup(args: argparse.Namespace) -> int:
    from photocompare.library.backup import backup

    with open_library(args) as library:
        summary = backup(library, args.out)
    if args.json:
        _print_json(summary.__dict__)
    else:
        rows = sum(summary.tables.values())
        print(f"wrote {summary.path}: {rows} rows, {summary.originals} originals "
              f"({summary.original_bytes / 1e6:.1f} MB), schema revision {summary.schema_revision}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from photocompare.library.backup import restore

    if not args.library:
        raise LibraryError("restore needs --library (a new folder or an empty database)")
    from pathlib import Path

    from photocompare.library.backup import open_backup, read_manifest

    # an unreadable backup is reported before the new library is created: a failed restore
    # leaves no empty library folder behind
    path = Path(args.backup_file)
    with open_backup(path) as zf:
        read_manifest(zf, path.name)
    with open_library(args, create=True) as library:
        summary = restore(args.backup_file, library)
        location = library.location
    if args.json:
        _print_json({**summary.__dict__, "library": location})
    else:
        rows = sum(summary.tables.values())
        print(f"restored {rows} rows and {summary.originals} originals into {location} "
              "(every original re-hashed; verify passed)")
    return 0


# -- audit ------------------------------------------------------------------------------------


def cmd_audit(args: argparse.Namespace) -> int:
    from photocompare.library import audit

    with open_library(args) as library:
        patient_id = require_patient(library, args.patient).id if args.patient else None
        records = audit.entries(library, patient_id=patient_id, action=args.action)
    if args.limit is not None:
        records = records[-args.limit:] if args.limit > 0 else []
    if args.csv:
        n = audit.write_csv(records, args.csv)
        if args.json:
            _print_json({"path": args.csv, "entries": n})
        else:
            print(f"wrote {n} audit entries to {args.csv}")
        return 0
    if args.json:
        _print_json([{**r.__dict__, "at_utc": r.at_utc.isoformat(timespec="seconds")}
                     for r in records])
        return 0
    for r in records:
        who = f"{r.user}@{r.workstation}"
        patient = r.patient_external_id or "-"
        photo = f" photo {r.photo_id}" if r.photo_id is not None else ""
        print(f"{r.at_utc.isoformat(timespec='seconds')}  {who:<24} {r.action:<20} "
              f"patient {patient}{photo}  {r.details}".rstrip())
    return 0


# -- consent ----------------------------------------------------------------------------------


def _photo_ids(library, args) -> list[int]:
    ids = list(args.photo_ids)
    if args.patient:
        from photocompare.library import api

        patient = api.require_patient(library, args.patient)
        ids += [p.id for p in api.list_photos(library, patient.id)]
    if not ids:
        raise LibraryError("name photos (PHOTO_ID ...) or a patient (--patient ID)")
    return list(dict.fromkeys(ids))


def cmd_consent_set(args: argparse.Namespace) -> int:
    from photocompare.library import consent

    with open_library(args) as library:
        ids = _photo_ids(library, args)
        if args.revoke:
            changed = consent.revoke_consent(library, ids, args.use)
        else:
            changed = consent.record_consent(library, ids, args.use, note=args.note)
    verb = "revoked" if args.revoke else "recorded"
    if args.json:
        _print_json({"photo_ids": ids, "uses": args.use, "action": verb, "changed": changed})
    else:
        print(f"consent {verb} for {', '.join(args.use)} on {len(ids)} photo(s) "
              f"({changed} change(s))")
    return 0


def cmd_consent_show(args: argparse.Namespace) -> int:
    from photocompare.library import consent

    with open_library(args) as library:
        ids = _photo_ids(library, args)
        table = {pid: consent.consent_states(library, pid) for pid in ids}
        names = {pid: _photo(library, pid).original_name for pid in ids}
    if args.json:
        _print_json([
            {"photo_id": pid, "original_name": names[pid],
             "uses": {s.use: {"granted": s.granted, "recorded_by": s.recorded_by,
                              "recorded_at": s.recorded_at, "revoked_by": s.revoked_by,
                              "revoked_at": s.revoked_at, "note": s.note} for s in states}}
            for pid, states in table.items()
        ])
        return 0
    print(f"{'photo':>7}  {'file':<28} " + " ".join(f"{u:<15}" for u in consent.USES))
    for pid, states in table.items():
        cells = []
        for s in states:
            cells.append(f"{'yes' if s.granted else ('revoked' if s.revoked_at else 'no'):<15}")
        print(f"{pid:>7}  {names[pid][:28]:<28} " + " ".join(cells))
    return 0


# -- trash ------------------------------------------------------------------------------------


def cmd_trash_list(args: argparse.Namespace) -> int:
    from photocompare.library import trash

    with open_library(args) as library:
        patient_id = require_patient(library, args.patient).id if args.patient else None
        items = trash.list_trash(library, patient_id=patient_id)
    if args.json:
        _print_json([{**item.__dict__, "deleted_at": item.deleted_at.isoformat(timespec="seconds")}
                     for item in items])
        return 0
    if not items:
        print("the trash is empty")
    for t in items:
        print(f"photo {t.photo_id:>5}  patient {t.patient_external_id or '?':<12} "
              f"{t.original_name:<30} deleted {t.deleted_at.isoformat(timespec='seconds')} "
              f"by {t.deleted_by or '?'}")
    return 0


def _photo(library, photo_id: int):
    """The photo row (in the trash or not), or LibraryError naming the missing id."""
    from photocompare.library import api

    photo = api.get_photo(library, photo_id)
    if photo is None:
        raise LibraryError(f"no photo with id {photo_id}; nothing changed")
    return photo


def _check_trash_ids(library, ids: list[int], action: str) -> None:
    """Refuse the whole command before changing anything when one photo cannot take it: a
    failing `trash delete 1 999` must not have moved photo 1 to the trash."""
    for photo_id in dict.fromkeys(ids):
        photo = _photo(library, photo_id)
        name = f"photo {photo.original_name} (id {photo_id})"
        if action == "delete" and photo.deleted_at is not None:
            raise LibraryError(f"{name} is already in the trash; nothing changed")
        if action in ("restore", "purge") and photo.deleted_at is None:
            raise LibraryError(f"{name} is not in the trash; nothing changed")


def cmd_trash_change(args: argparse.Namespace) -> int:
    from photocompare.library import trash

    action = args.trash_action
    with open_library(args) as library:
        ids = list(args.photo_ids)
        if action == "purge" and args.all:
            ids = [t.photo_id for t in trash.list_trash(library)]
        elif not ids:
            raise LibraryError(f"trash {action}: name the photos (PHOTO_ID ...)")
        ids = list(dict.fromkeys(ids))
        _check_trash_ids(library, ids, action)
        files_removed = 0
        for photo_id in ids:
            if action == "delete":
                trash.delete(library, photo_id)
            elif action == "restore":
                trash.restore(library, photo_id)
            else:
                files_removed += bool(trash.purge(library, photo_id))
    if args.json:
        _print_json({"action": action, "photo_ids": ids,
                     **({"files_removed": files_removed} if action == "purge" else {})})
    else:
        past = {"delete": "moved to the trash", "restore": "restored", "purge": "purged"}[action]
        print(f"{len(ids)} photo(s) {past}")
    return 0
