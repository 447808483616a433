"""What a comparison sheet says, as plain data built from plain core results.

`build_sheet_data(pair_result, course_report, ...)` turns a core.pairing PairResult, an optional
core.course CourseReport and the photos into a `SheetData` — every string and number the page
will print, already formatted — so the layout (`export.sheet_layout`) only places things and the
tests can check the content without reading a PDF. No Qt here.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

from photocompare import __version__
from photocompare.core.dates import as_date
from photocompare.export.deidentify import patient_label
from photocompare.export.pair_images import (
    NOT_ALIGNED_NOTE,
    PairImages,
    crop_pair_to_face,
    draft_friendly_side,
    face_crop_rect,
    load_pair,
)
from photocompare.export.sheet_migraine import (
    ChartBar,
    MigraineLine,
    migraine_section,
    period_note_text,
)
from photocompare.settings import ImageLimits

# What a sheet's photo box needs: the longest printed side (mm) at the target resolution.
# Decoding picks the JPEG DCT reduction (1/2, 1/4, 1/8) that gives ≥ 80 % of these pixels, and
# reuses the copies core.pairing already decoded when they are big enough (no second decode).
# The page layout then caps each photo box so that no photo prints below 200 dpi.
SHEET_PRINT_LONG_MM = 85.0
SHEET_TARGET_DPI = 250.0

CHECK_TITLES = {
    "angle": "Head angle",
    "framing": "Framing",
    "lighting": "Lighting",
    "expression": "Expression",
    "sharpness": "Sharpness",
}


@dataclass(frozen=True)
class CheckLine:
    name: str
    status: str  # "pass" | "warn" | "fail" (or "n/a")
    measured: str  # the numbers, formatted with units
    message: str


@dataclass(frozen=True)
class MeasureLine:
    name: str
    before: str
    after: str
    change: str


@dataclass(frozen=True, eq=False)
class SheetData:
    """One comparison (one pair, one view); a PDF holds one or more of these."""

    patient_label: str
    before_date: str
    after_date: str
    before_rgb: np.ndarray = field(repr=False)
    after_rgb: np.ndarray = field(repr=False)
    aligned: bool
    image_note: str | None = None
    pair_notes: tuple[str, ...] = ()  # informational, shown under the photos (e.g. swapped dates)
    cropped: bool = False  # both photos cropped to the same rectangle around the face
    title: str = "Before / after comparison"
    clinic_name: str = ""
    clinic_logo: str | None = None  # path to an image file
    patient_id: str | None = None
    deidentified: bool = False
    view_label: str | None = None
    cycle_label: str | None = None  # the after photo's treatment cycle
    checks: tuple[CheckLine, ...] = ()
    consistency_summary: str = "Consistency not assessed"
    consistent: bool | None = None
    migraine_lines: tuple[MigraineLine, ...] = ()
    migraine_note: str | None = None
    chart: tuple[ChartBar, ...] = ()
    measures: tuple[MeasureLine, ...] = ()
    measures_note: str | None = None
    notes: str = ""
    clinician: str = ""
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    app_version: str = __version__

    @property
    def generated_text(self) -> str:
        stamp = self.generated_at.astimezone()
        return stamp.strftime("%Y-%m-%d %H:%M %Z").strip()


# --------------------------------------------------------------------------------------------


def build_sheet_data(
    pair_result,
    course_report=None,
    *,
    before_path: str | Path | None = None,
    after_path: str | Path | None = None,
    images: PairImages | None = None,
    patient_id: str | None = None,
    patient_name: str | None = None,
    deidentify: bool = False,
    view_label: str | None = None,
    notes: str = "",
    clinic_name: str = "",
    clinic_logo: str | Path | None = None,
    clinician: str = "",
    before_taken_at: datetime | date | None = None,
    after_taken_at: datetime | date | None = None,
    generated_at: datetime | None = None,
    limits: ImageLimits | None = None,
    crop_to_face: bool = True,
    period_notes: Mapping[str, str] | None = None,
) -> SheetData:
    """Everything one sheet prints, from plain core results.

    `pair_result`: core.pairing.PairResult (checks, consistent, alignment, before/after
    PhotoMeasures). `course_report`: core.course.CourseReport or None (no diary). `images`: the
    pair already decoded (the UI has them); otherwise decoded here, reduced to print size, from
    `before_path`/`after_path` (default: the paths recorded in the PhotoMeasures).
    `period_notes`: the clinician's notes by period ("cycle 2" or the library's scope
    "period:cycle 2", as `library.course_repo.load_notes` gives them); the notes of the periods
    the sheet shows are printed with the migraine figures.
    """
    before_m = getattr(pair_result, "before", None)
    after_m = getattr(pair_result, "after", None)
    before_path = before_path or getattr(before_m, "path", None)
    after_path = after_path or getattr(after_m, "path", None)
    alignment = getattr(pair_result, "alignment", None)
    if images is None:
        if before_path is None or after_path is None:
            raise ValueError("build_sheet_data needs images or the two photo paths")
        images = load_pair(
            before_path,
            after_path,
            alignment,
            max_side=_decode_sides(before_m, after_m, alignment if crop_to_face else None),
            limits=limits,
            before_image=getattr(pair_result, "before_image", None),
            after_image=getattr(pair_result, "after_image", None),
            face_box=getattr(getattr(before_m, "face", None), "box", None)
            if crop_to_face
            else None,
        )
    before_when = before_taken_at or getattr(before_m, "taken_at", None)
    after_when = after_taken_at or getattr(after_m, "taken_at", None)
    if before_when is None and before_path is not None:
        before_when = _exif_date(before_path)
    if after_when is None and after_path is not None:
        after_when = _exif_date(after_path)

    from photocompare.core.pairing import capture_order_notes

    pair_notes = capture_order_notes(before_when, after_when)
    image_note = images.note
    if images.aligned and crop_to_face and not images.cropped:
        box = getattr(getattr(before_m, "face", None), "box", None)
        if box is not None:
            images = crop_pair_to_face(images, box)
    if not images.aligned:
        missing = [
            which
            for which, m in (("before", before_m), ("after", after_m))
            if m is not None and getattr(m, "face", None) is None
        ]
        if missing:
            which = " and ".join(missing) + (" photos" if len(missing) == 2 else " photo")
            image_note = f"{NOT_ALIGNED_NOTE} (no face in the {which})"
        else:
            image_note = image_note or NOT_ALIGNED_NOTE

    checks = tuple(_check_lines(pair_result))
    consistent = getattr(pair_result, "consistent", None)
    migraine_lines, migraine_note, chart, cycle_label = migraine_section(
        course_report, as_date(before_when), as_date(after_when)
    )
    shown_notes = period_note_text(period_notes, [line.label for line in migraine_lines])
    if shown_notes:
        migraine_note = f"{migraine_note}. {shown_notes}" if migraine_note else shown_notes
    measures, measures_note = _measure_lines(before_m, after_m, pair_result)
    return SheetData(
        clinic_name=clinic_name,
        clinic_logo=str(clinic_logo) if clinic_logo else None,
        patient_label=patient_label(patient_id, patient_name, deidentify),
        patient_id=patient_id,
        deidentified=deidentify,
        view_label=view_label,
        before_date=_date_text(before_when) if before_when else _file_date_text(before_path),
        after_date=_date_text(after_when) if after_when else _file_date_text(after_path),
        cycle_label=cycle_label,
        before_rgb=images.before_rgb,
        after_rgb=images.after_rgb,
        aligned=images.aligned,
        cropped=images.cropped,
        image_note=image_note,
        pair_notes=pair_notes,
        checks=checks,
        consistent=consistent,
        consistency_summary=_consistency_summary(checks, consistent),
        migraine_lines=migraine_lines,
        migraine_note=migraine_note,
        chart=chart,
        measures=measures,
        measures_note=measures_note,
        notes=notes or "",
        clinician=clinician or "",
        generated_at=generated_at or datetime.now(UTC),
    )


def _decode_sides(before_m, after_m, alignment) -> tuple[int | None, int | None]:
    """Decode sizes (long side) for BEFORE and AFTER so the printed crop gets its pixels."""
    need_px = SHEET_PRINT_LONG_MM / 25.4 * SHEET_TARGET_DPI
    sides: list[int | None] = []
    for m in (before_m, after_m):
        full_w, full_h = getattr(m, "width", None), getattr(m, "height", None)
        if not full_w or not full_h:
            sides.append(round(need_px))
            continue
        full_long = max(full_w, full_h)
        fraction = 1.0  # share of the photo's long side that will be printed
        box = getattr(getattr(before_m, "face", None), "box", None)
        if alignment is not None and box is not None:
            rect = face_crop_rect(box, before_m.width, before_m.height)
            if rect is not None:
                crop_long = max(rect[2] - rect[0], rect[3] - rect[1])
                fraction = crop_long / max(before_m.width, before_m.height)
                if m is after_m:  # AFTER is resampled into BEFORE's frame
                    fraction *= max(before_m.width, before_m.height) / full_long
                    fraction /= max(float(getattr(alignment, "scale", 1.0) or 1.0), 1e-6)
        sides.append(draft_friendly_side(full_long, need_px / max(fraction, 1e-6)))
    return sides[0], sides[1]


# ------------------------------------------------------------------------------------- dates


def _exif_date(path: str | Path) -> datetime | None:
    try:
        from photocompare.core.exif import read_exif

        return read_exif(path).taken_at
    except Exception:  # noqa: BLE001 - a date is optional on a sheet; never fail for it
        return None


def _file_date_text(path: str | Path | None) -> str:
    """The file's modification date, labelled as such (shown only; never used for periods,
    since a copied file carries the copy's date)."""
    if path is None:
        return "date unknown"
    try:
        stamp = datetime.fromtimestamp(Path(path).stat().st_mtime)
    except OSError:
        return "date unknown"
    return f"{stamp:%Y-%m-%d} (file date)"


def _date_text(value: datetime | date | None) -> str:
    if value is None:
        return "date unknown"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


# ------------------------------------------------------------------------------------ checks


def _check_lines(pair_result) -> list[CheckLine]:
    checks = getattr(pair_result, "checks", None) or {}
    lines = []
    for name, check in checks.items():
        numbers = getattr(check, "numbers", None)
        if numbers is None and dataclasses.is_dataclass(check):
            numbers = {
                k: v
                for k, v in dataclasses.asdict(check).items()
                if k not in ("status", "message", "name")
            }
        lines.append(
            CheckLine(
                name=CHECK_TITLES.get(name, name.replace("_", " ").capitalize()),
                status=str(getattr(check, "status", "n/a")),
                measured=format_numbers(numbers or {}, CHECK_NUMBERS.get(name)),
                message=str(getattr(check, "message", "")),
            )
        )
    return lines


_UNITS = (
    ("_deg", "°"),
    ("_ev", " EV"),
    ("_px", " px"),
    ("_iod", " IOD"),
    ("_pct", " %"),
    ("_mm", " mm"),
)
# The figures each check prints (the keys of the `check --json` contract); other checks show their first few.
CHECK_NUMBERS = {
    "angle": ("yaw_diff_deg", "pitch_diff_deg", "roll_diff_deg"),
    "framing": ("scale_ratio", "offset_iod"),
    "lighting": ("exposure_diff_ev", "color_diff", "relight_ev_per_iod"),
    "expression": ("mouth_open_diff_iod", "smile_width_diff_iod", "eye_open_diff_iod"),
    "sharpness": ("blur_sigma_px",),
    "identity": ("similarity",),
}
MAX_NUMBERS_PER_CHECK = 3


def format_numbers(numbers: dict, keys: tuple[str, ...] | None = None) -> str:
    """``{"yaw_diff_deg": 1.234, "scale_ratio": 0.98}`` → ``yaw diff +1.2°, scale ratio 0.98``."""
    if keys:
        chosen = [(k, numbers[k]) for k in keys if k in numbers]
    else:
        chosen = list(numbers.items())
    parts = []
    for key, value in chosen:
        if not _is_number(value):
            continue
        label, unit = key, ""
        for suffix, shown in _UNITS:
            if key.endswith(suffix):
                label, unit = key[: -len(suffix)], shown
                break
        label = label.replace("_", " ")
        if "ratio" in key or key == "scale":
            text = f"{value:.2f}"
        elif unit in ("°", " %"):
            text = _signed(value, 1)
        elif unit in (" EV", " IOD"):
            text = _signed(value, 2)
        elif isinstance(value, int):
            text = str(value)
        else:
            text = f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
        parts.append(f"{label} {text}{unit}".replace("-", "−"))
        if len(parts) == MAX_NUMBERS_PER_CHECK:
            break
    return ", ".join(parts)


def _consistency_summary(checks: tuple[CheckLine, ...], consistent: bool | None) -> str:
    if not checks:
        return "Consistency not assessed"
    fails = sum(c.status == "fail" for c in checks)
    warns = sum(c.status == "warn" for c in checks)
    if consistent is None:
        consistent = fails == 0
    head = "Comparable: no check failed" if consistent else "Not comparable"
    detail = f"{fails} failed, {warns} warning{'s' if warns != 1 else ''}"
    return f"{head} ({detail})"


# ---------------------------------------------------------------------------------- measures

# Side-effect measures shown on the sheet: (label, right field, left field) in mm, then the
# left − right asymmetries as ratios of the interocular distance.
SIDE_EFFECT_ROWS = (
    ("Brow height (mm)", "brow_height_right_mm", "brow_height_left_mm"),
    ("Eyelid aperture (mm)", "eyelid_aperture_right_mm", "eyelid_aperture_left_mm"),
    ("MRD1 (mm)", "mrd1_right_mm", "mrd1_left_mm"),
)
ASYMMETRY_ROWS = (
    ("Brow asymmetry (IOD)", "brow_asymmetry_iod"),
    ("Eyelid asymmetry (IOD)", "eyelid_asymmetry_iod"),
)


def _measure_lines(
    before_m, after_m, pair_result=None
) -> tuple[tuple[MeasureLine, ...], str | None]:
    """Side-effect measures (brow height, eyelid aperture, MRD1, asymmetry): before, after, change.

    Right/left are the patient's; each cell reads "right / left". A pair result that carries
    its side-effect changes (core.side_effects) is shown the way every view shows it: changes
    rounded to their noise, a finding only beyond it, withheld (with the reason) for a pair
    that is not comparable or may show two people.
    """
    if getattr(pair_result, "side_effects", None) is not None:
        from photocompare.core.side_effects import compact_side_effect_rows, side_effect_note

        rows = compact_side_effect_rows(pair_result)
        return tuple(MeasureLine(*r) for r in rows), side_effect_note(pair_result)
    b = getattr(getattr(before_m, "face", None), "side_effects", None)
    a = getattr(getattr(after_m, "face", None), "side_effects", None)
    if b is None or a is None:
        return (), "Side-effect measures need a face in both photos"
    lines = []
    for label, right, left in SIDE_EFFECT_ROWS:
        values = [getattr(x, f, None) for x in (b, a) for f in (right, left)]
        if not all(_is_number(v) for v in values):
            continue
        br, bl, ar, al = values
        lines.append(
            MeasureLine(
                name=label,
                before=f"{br:.1f} / {bl:.1f}",
                after=f"{ar:.1f} / {al:.1f}",
                change=f"{_signed(ar - br, 1)} / {_signed(al - bl, 1)}",
            )
        )
    for label, field_name in ASYMMETRY_ROWS:
        bv, av = getattr(b, field_name, None), getattr(a, field_name, None)
        if not (_is_number(bv) and _is_number(av)):
            continue
        lines.append(
            MeasureLine(
                name=label,
                before=_signed(bv, 3),
                after=_signed(av, 3),
                change=_signed(av - bv, 3),
            )
        )
    iod_mm = getattr(b, "assumed_iod_mm", None)
    note = (
        f"R / L: the patient's right / left; asymmetry = left − right; MRD1 = ptosis proxy; "
        f"mm at an assumed {iod_mm:.0f} mm interocular distance."
        if _is_number(iod_mm)
        else "Right / left are the patient's."
    )
    return tuple(lines), note


def _signed(value: float, digits: int) -> str:
    """+1.2 / −0.4 / 0.0 (no "−0.0"), with a typographic minus."""
    rounded = round(float(value), digits)
    if rounded == 0:
        return f"{0:.{digits}f}"
    return f"{rounded:+.{digits}f}".replace("-", "−")


def _is_number(value) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )
