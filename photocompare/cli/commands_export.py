"""CLI sub-commands that write files leaving the app.

    photocompare sheet BEFORE AFTER -o OUT.pdf|OUT.png [--diary CSV --treatment DATE ...]
                       [--patient-id ID] [--patient-name NAME] [--deidentify] [--notes TEXT]
                       [--paper a4|letter] [--clinic NAME] [--clinic-logo IMG] [--clinician NAME]
                       [--view LABEL] [--dpi N]
    photocompare sheet --patient ID -o OUT.pdf [--library DIR] [--store DIR] [--use USE] ...
    photocompare dicom PHOTO -o OUT.dcm [--patient-id ID] [--patient-name NAME] [--deidentify]
                       [--view LABEL] [--study-uid UID] [--series-uid UID]
                       [--transfer-syntax jpeg|explicit]
    photocompare export-pair BEFORE AFTER -o OUT.jpg|OUT.png [--side-by-side] [--keep-metadata]

Exit 0 on success (the written files are printed, one per line); 2 with one line on stderr for
an unreadable input or bad arguments. Outputs are written under a temporary name and renamed
when complete, so a failure never leaves a half-written file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

from photocompare.core.errors import CourseError, ExportError, LibraryError
from photocompare.settings import Paper

PAPERS = tuple(paper.value for paper in Paper)
_UID_RE = re.compile(r"(?=.{1,64}$)(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def register(sub: argparse._SubParsersAction) -> None:
    """Add `sheet`, `dicom` and `export-pair` to the `photocompare` parser."""
    from photocompare.cli.commands_library import add_library_arguments

    p = sub.add_parser(
        "sheet",
        help="comparison sheet (PDF or PNG): the aligned pair, checks, migraine figures",
        description="Render a before/after comparison sheet. From two photo files, or one page "
        "per view for a patient in the library (--patient).",
    )
    p.add_argument("before", nargs="?", metavar="BEFORE", help="the before photo")
    p.add_argument("after", nargs="?", metavar="AFTER", help="the after photo")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pdf|OUT.png")
    p.add_argument("--patient", metavar="ID", help="a library patient: one page per view")
    add_library_arguments(p)
    p.add_argument(
        "--use",
        default="clinical_record",
        help="what the sheet is for (consent is checked for library photos): clinical_record, "
        "patient_sharing, insurer, teaching, marketing (default clinical_record)",
    )
    p.add_argument("--diary", metavar="CSV", action="append", help="diary or monthly-summary CSV")
    p.add_argument(
        "--treatment",
        metavar="DATE",
        type=_date,
        action="append",
        default=[],
        help="treatment date YYYY-MM-DD (repeat per session; with --diary)",
    )
    p.add_argument("--skip-bad-rows", action="store_true", help="use the good rows of a diary")
    p.add_argument("--patient-id", metavar="ID", help="patient ID printed on the sheet")
    p.add_argument(
        "--patient-name", metavar="NAME", help="patient name (left out with --deidentify)"
    )
    p.add_argument("--deidentify", action="store_true", help="ID only: no name on the sheet")
    p.add_argument("--notes", metavar="TEXT", default="", help="notes printed on the sheet")
    p.add_argument("--paper", choices=PAPERS, default=Paper.A4.value, type=str.lower)
    p.add_argument("--clinic", metavar="NAME", default="", help="clinic name in the header")
    p.add_argument("--clinic-logo", metavar="IMG", help="clinic logo image for the header")
    p.add_argument("--clinician", metavar="NAME", default="", help="clinician's name")
    p.add_argument("--view", metavar="LABEL", help="view label (e.g. frontal)")
    p.add_argument("--dpi", type=int, default=150, help="PNG resolution (default 150)")
    p.set_defaults(func=run_sheet)

    d = sub.add_parser(
        "dicom",
        help="a photo as DICOM VL Photographic Image (for a PACS)",
        description="Write PHOTO as a DICOM VL Photographic Image (Modality XC).",
    )
    d.add_argument("photo", metavar="PHOTO")
    d.add_argument("-o", "--output", required=True, metavar="OUT.dcm")
    d.add_argument("--patient-id", metavar="ID", default="")
    d.add_argument("--patient-name", metavar="NAME")
    d.add_argument("--birth-date", metavar="DATE", type=_date)
    d.add_argument("--sex", choices=("M", "F", "O"), type=str.upper)
    d.add_argument(
        "--deidentify",
        action="store_true",
        help="no name, birth date or sex; PatientIdentityRemoved=YES",
    )
    d.add_argument(
        "--view",
        metavar="LABEL",
        help="view label: frontal, left-oblique, right-oblique, left-lateral, ...",
    )
    d.add_argument(
        "--study-uid",
        metavar="UID",
        help="put the image in this study (several photos of one visit); default: a new one",
    )
    d.add_argument("--series-uid", metavar="UID", help="and in this series; default: a new one")
    d.add_argument(
        "--transfer-syntax",
        choices=("jpeg", "explicit"),
        default="jpeg",
        help="jpeg = JPEG baseline (default); explicit = uncompressed explicit VR LE",
    )
    d.set_defaults(func=run_dicom)

    e = sub.add_parser(
        "export-pair",
        help="the aligned pair as JPEG/PNG, metadata stripped unless --keep-metadata",
        description="Write the after photo aligned to the before photo: two files "
        "(OUT-before, OUT-after) or one side-by-side image. EXIF/XMP/IPTC/GPS/serial numbers "
        "are stripped unless --keep-metadata.",
    )
    e.add_argument("before", metavar="BEFORE")
    e.add_argument("after", metavar="AFTER")
    e.add_argument("-o", "--output", required=True, metavar="OUT.jpg|OUT.png")
    e.add_argument("--side-by-side", action="store_true", help="one image, before left")
    e.add_argument("--keep-metadata", action="store_true", help="copy the photos' EXIF and ICC")
    e.add_argument("--no-align", action="store_true", help="as taken, without alignment")
    e.set_defaults(func=run_export_pair)


# ------------------------------------------------------------------------------------- sheet


def _fail(message: str) -> int:
    print(f"photocompare: {message}", file=sys.stderr)
    return 2


def overwrites_input(outputs, inputs) -> str | None:
    """A message when an output path is one of the input photos (originals are never
    modified: `align B.jpg A.jpg -o A.jpg` must not replace the after photo), else None."""
    def key(path) -> Path:
        return Path(path).expanduser().resolve()

    sources = {key(p): Path(p).name for p in inputs if p}
    for out in outputs:
        if key(out) in sources:
            return f"{Path(out).name}: the output would overwrite an input photo; choose another name"
    return None


def _bad_logo(path: Path) -> str | None:
    """The message for a clinic logo that is not a readable image (the sheet would silently
    print no logo), else None. SVG is left to Qt, which draws it."""
    if path.suffix.lower() == ".svg":
        return None
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img.verify()
    except Exception:  # noqa: BLE001 - Pillow raises many types for a non-image
        return f"{path.name}: the clinic logo is not a readable image (PNG, JPEG or SVG)"
    return None


def _bad_view(view: str | None) -> str | None:
    """The message for a --view that is not one of the library's view labels, else None."""
    from photocompare.core.labels import VIEW_LABELS

    if view is None or view in VIEW_LABELS:
        return None
    return f"--view {view!r}: use one of {', '.join(VIEW_LABELS)}"


def run_sheet(args) -> int:
    output = Path(args.output)
    suffix = output.suffix.lower()
    if suffix not in (".pdf", ".png"):
        return _fail(f"{output.name}: the output must end in .pdf or .png")
    if not 30 <= args.dpi <= 600:
        return _fail(f"--dpi {args.dpi}: use 30 to 600")
    if args.clinic_logo and not Path(args.clinic_logo).is_file():
        return _fail(f"{args.clinic_logo}: clinic logo not found")
    if args.clinic_logo and _bad_logo(Path(args.clinic_logo)):
        return _fail(_bad_logo(Path(args.clinic_logo)))
    if _bad_view(args.view):
        return _fail(_bad_view(args.view))
    clash = overwrites_input([output], [args.before, args.after, args.clinic_logo])
    if clash:
        return _fail(clash)
    if args.patient:
        if args.before or args.after:
            return _fail("give either BEFORE AFTER or --patient ID, not both")
        if args.diary or args.treatment:
            return _fail(
                "--diary/--treatment go with photo files; a library patient's diary "
                "comes from the library"
            )
        sheets, audit_info = _sheets_for_patient(args)
    else:
        if not (args.before and args.after):
            return _fail("sheet needs BEFORE and AFTER photos (or --patient ID)")
        if args.treatment and not args.diary:
            return _fail("--treatment goes with --diary")
        course = _course_from_diary(args) if args.diary else None
        sheets = [_sheet_for_files(args, course)]
        audit_info = None
    from photocompare.export import sheet as sheet_mod

    try:
        if suffix == ".pdf":
            written = [sheet_mod.render_pdf(sheets, output, paper=args.paper)]
        else:
            written = sheet_mod.render_png(sheets, output, dpi=args.dpi, paper=args.paper)
        if audit_info is not None:
            _audit_sheet(*audit_info, written)
    finally:
        if audit_info is not None:
            audit_info[0].close()
    for path in written:
        print(path)
    return 0


def _course_from_diary(args):
    from photocompare.core.course import compute_course
    from photocompare.core.diary_csv import parse_diary_csv

    if not args.treatment:
        raise CourseError("--diary needs at least one --treatment DATE")
    entries, summaries = [], []
    for name in args.diary:
        parsed = parse_diary_csv(name)
        if parsed.bad_rows and not args.skip_bad_rows:
            line, reason = parsed.bad_rows[0]
            more = len(parsed.bad_rows) - 1
            extra = f" (and {more} more bad row{'s' if more != 1 else ''})" if more else ""
            raise CourseError(
                f"{Path(name).name}: line {line}: {reason}{extra}; fix it or pass --skip-bad-rows"
            )
        entries += parsed.entries
        summaries += parsed.summaries
    return compute_course(entries, summaries, args.treatment)


def _analyzer():
    from photocompare.core.face import FaceAnalyzer

    return FaceAnalyzer()


def _sheet_for_files(args, course):
    from photocompare.core.pairing import compare_photos
    from photocompare.export.sheet_data import build_sheet_data

    # A missing, corrupt or unsupported photo raises UnreadablePhoto (one line, exit 2) here.
    with _analyzer() as analyzer:
        pair = compare_photos(args.before, args.after, analyzer)
    return build_sheet_data(
        pair,
        course,
        before_path=args.before,
        after_path=args.after,
        patient_id=args.patient_id,
        patient_name=args.patient_name,
        deidentify=args.deidentify,
        view_label=args.view,
        notes=args.notes,
        clinic_name=args.clinic,
        clinic_logo=args.clinic_logo,
        clinician=args.clinician,
    )


def _sheets_for_patient(args):
    """One sheet per view: the earliest photo of that view against the latest."""
    from photocompare.cli.commands_library import open_library
    from photocompare.core.labels import VIEW_LABELS
    from photocompare.core.pairing import compare_photos
    from photocompare.export.sheet_data import build_sheet_data
    from photocompare.library import api, consent

    consent.check_use(args.use)
    library = open_library(args)
    try:
        patient = api.find_patient(library, args.patient)
        if patient is None:
            raise LibraryError(f"no patient with ID {args.patient!r}")
        info = {
            "patient_pk": patient.id,
            "external_id": patient.external_id,
            "name": patient.display_name,
        }
        rows = [
            (p.id, p.view_label, p.taken_at or p.imported_at, p.sha256, p.original_name)
            for p in api.list_photos(library, patient.id)
        ]
        pairs = _pairs_by_view(rows, VIEW_LABELS)
        if not pairs:
            raise ExportError(f"patient {args.patient}: no two photos of the same view to compare")
        used_ids = [pid for before, after, _v in pairs for pid in (before[0], after[0])]
        consent.require_consent(library, used_ids, args.use)
        course = _library_course(library, info["patient_pk"])
        from photocompare.library.course_repo import load_notes

        period_notes = load_notes(library, info["patient_pk"])  # a period's note reaches the sheet
        sheets = []
        with _analyzer() as analyzer:
            for before, after, view in pairs:
                before_path = library.store.path_for(before[3])
                after_path = library.store.path_for(after[3])
                pair = compare_photos(before_path, after_path, analyzer)
                sheets.append(
                    build_sheet_data(
                        pair,
                        course,
                        before_path=before_path,
                        after_path=after_path,
                        patient_id=info["external_id"],
                        patient_name=args.patient_name or info["name"],
                        deidentify=args.deidentify,
                        view_label=view,
                        notes=args.notes,
                        clinic_name=args.clinic,
                        clinic_logo=args.clinic_logo,
                        clinician=args.clinician,
                        before_taken_at=before[2],
                        after_taken_at=after[2],
                        period_notes=period_notes,
                    )
                )
    except BaseException:
        library.close()
        raise
    return sheets, (library, info, used_ids, args)


def _pairs_by_view(rows, view_order):
    """[(before_row, after_row, view_label)] — earliest vs latest photo of each view."""
    by_view: dict[str | None, list] = {}
    for row in rows:
        by_view.setdefault(row[1], []).append(row)
    order = {v: i for i, v in enumerate(view_order)}
    pairs = []
    for view in sorted(by_view, key=lambda v: (order.get(v, len(order)), v or "")):
        group = sorted(by_view[view], key=lambda r: (r[2] or dt.datetime.min, r[0]))
        if len(group) >= 2:
            pairs.append((group[0], group[-1], view or "unlabelled view"))
    return pairs


def _library_course(library, patient_pk: int):
    from photocompare.library import course_api

    try:
        report = course_api.load_report(library, patient_pk)
    except CourseError:
        return None  # no diary or treatments: the sheet says "No diary data"
    return report


def _audit_sheet(library, info, used_ids, args, written) -> None:
    from photocompare.library import audit

    audit.record(
        library,
        audit.SHEET_EXPORTED,
        patient_id=info["patient_pk"],
        details={
            "files": [Path(p).name for p in written],
            "photo_ids": used_ids,
            "use": args.use,
            "deidentified": bool(args.deidentify),
        },
    )


# ------------------------------------------------------------------------------------- dicom


def run_dicom(args) -> int:
    from photocompare.export.dicom import write_dicom

    output = Path(args.output)
    if output.suffix.lower() not in (".dcm", ".dicom", ""):
        return _fail(f"{output.name}: the output should end in .dcm")
    for name in ("study_uid", "series_uid"):
        value = getattr(args, name)
        if value is not None and not _UID_RE.fullmatch(value):
            return _fail(f"--{name.replace('_', '-')} {value!r} is not a valid DICOM UID")
    if _bad_view(args.view):
        return _fail(_bad_view(args.view))
    if overwrites_input([output], [args.photo]):
        return _fail(overwrites_input([output], [args.photo]))
    # DICOM LO / PN components hold at most 64 characters: refuse rather than write a file a
    # PACS may reject (pydicom would only warn)
    if len(args.patient_id or "") > 64:
        return _fail(f"--patient-id is {len(args.patient_id)} characters long; DICOM allows 64")
    if args.patient_name and any(len(part) > 64 for part in args.patient_name.split("^")):
        return _fail("--patient-name: a DICOM name part holds at most 64 characters")
    write_dicom(
        args.photo,
        output,
        patient_id=args.patient_id,
        patient_name=args.patient_name,
        birth_date=args.birth_date,
        sex=args.sex,
        deidentify=args.deidentify,
        view_label=args.view,
        transfer_syntax=args.transfer_syntax,
        study_uid=args.study_uid,
        series_uid=args.series_uid,
    )
    print(output)
    return 0


# ------------------------------------------------------------------------------- export-pair


def run_export_pair(args) -> int:
    from photocompare.export.pair_images import export_pair

    output = Path(args.output)
    if output.suffix.lower() not in (".jpg", ".jpeg", ".png"):
        return _fail(f"{output.name}: the output must end in .jpg, .jpeg or .png")
    targets = [output] if args.side_by_side else [
        output.with_name(f"{output.stem}-{side}{output.suffix}") for side in ("before", "after")
    ]
    clash = overwrites_input(targets, [args.before, args.after])
    if clash:
        return _fail(clash)
    alignment = None
    if not args.no_align:
        from photocompare.core.pairing import compare_photos

        with _analyzer() as analyzer:
            result = compare_photos(args.before, args.after, analyzer)
        alignment = result.alignment
        if alignment is None:
            missing = [
                Path(path).name
                for path, photo in ((args.before, result.before), (args.after, result.after))
                if photo.face is None
            ]
            print(
                f"photocompare: no face found in {' and '.join(missing) or 'the pair'} — "
                "exported as taken, not aligned",
                file=sys.stderr,
            )
    written = export_pair(
        args.before,
        args.after,
        output,
        alignment,
        side_by_side_layout=args.side_by_side,
        keep_metadata=args.keep_metadata,
    )
    for path in written:
        print(path)
    return 0
