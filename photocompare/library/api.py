"""The library API: the one door through which the CLI, the UI, the exporters and the demo read
and change patients and photos.

Frozen rows out (`library.rows`), never ORM objects: a row cannot detach or lazy-load after its
session closed, and a widget or a worker thread can keep it. Every call opens its own short
session on the `Library` (`library.db.Library`), so calls are safe from worker threads too.
Database failures leave as `LibraryError` with one readable sentence (`library.errors`); labels
are checked against the one vocabulary (`core.labels`). Only `photocompare.library` speaks
SQLAlchemy; callers import this module and the rows.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from photocompare.core import course_format
from photocompare.core.course import CourseReport
from photocompare.core.errors import CourseError, LibraryError
from photocompare.core.labels import (
    EXPRESSION_LABELS,
    VIEW_LABELS,
    check_expression_label,
    check_view_label,
)
from photocompare.library import models as m
from photocompare.library.errors import mapped_errors
from photocompare.library.rows import PatientRow, PhotoRow

__all__ = [
    "EXPRESSION_LABELS",
    "VIEW_LABELS",
    "PatientRow",
    "PhotoRow",
    "add_patient",
    "checked_patient_fields",
    "file_exists",
    "find_patient",
    "get_patient",
    "get_photo",
    "list_patients",
    "list_photos",
    "load_course_report",
    "patient_photo_counts",
    "patient_taken",
    "period_for",
    "photo_file",
    "require_patient",
    "save_patient",
    "set_labels",
    "set_suggested_labels",
    "update_photo",
]

log = logging.getLogger(__name__)

BIRTH_YEAR_RANGE = (1880, 2200)


# -- rows ------------------------------------------------------------------------------------
def _patient_row(p: m.Patient) -> PatientRow:
    return PatientRow(
        id=p.id,
        external_id=p.external_id or "",
        display_name=p.display_name or "",
        birth_year=p.birth_year,
        notes=p.notes or "",
    )


def photo_file(library: Any, sha256: str) -> str:
    """The stored original of a photo (read-only: open it, never modify it)."""
    return str(library.store.path_for(sha256))


def _photo_row(library: Any, ph: m.Photo) -> PhotoRow:
    return PhotoRow(
        id=ph.id,
        patient_id=ph.patient_id,
        sha256=ph.sha256,
        original_name=ph.original_name or "",
        taken_at=ph.taken_at,
        date_source=ph.date_source or "",
        camera_make=ph.camera_make,
        camera_model=ph.camera_model,
        orientation=ph.orientation,
        width=ph.width or 0,
        height=ph.height or 0,
        format=ph.format or "",
        view_label=ph.view_label,
        expression_label=ph.expression_label,
        note=ph.note or "",
        path=photo_file(library, ph.sha256),
        visit_id=ph.visit_id,
        taken_at_offset_min=ph.taken_at_offset_min,
        imported_at=ph.imported_at,
        deleted_at=ph.deleted_at,
    )


def _not_trashed(stmt: Any) -> Any:
    return stmt.where(m.Photo.deleted_at.is_(None))


# -- patients --------------------------------------------------------------------------------
def list_patients(library: Any, *, order: str = "name") -> list[PatientRow]:
    """Every patient; `order="name"` (display name, then ID: the patient list) or `"id"`."""
    keys = (
        (m.Patient.external_id,)
        if order == "id"
        else (m.Patient.display_name, m.Patient.external_id)
    )
    with mapped_errors("reading the patients", write=False), library.session() as s:
        return [_patient_row(p) for p in s.scalars(sa.select(m.Patient).order_by(*keys))]


def get_patient(library: Any, patient_id: int) -> PatientRow | None:
    with mapped_errors("reading the patient", write=False), library.session() as s:
        p = s.get(m.Patient, patient_id)
        return _patient_row(p) if p is not None else None


def find_patient(library: Any, external_id: str) -> PatientRow | None:
    """The patient with this ID (MRN / clinic number), or None."""
    with mapped_errors("reading the patient", write=False), library.session() as s:
        stmt = sa.select(m.Patient).where(m.Patient.external_id == external_id)
        p = s.scalars(stmt).first()
        return _patient_row(p) if p is not None else None


def require_patient(library: Any, external_id: str) -> PatientRow:
    """The patient with this ID, or `LibraryError` with the one line the user sees."""
    row = find_patient(library, external_id)
    if row is None:
        raise LibraryError(f"no patient {external_id} in the library")
    return row


def checked_patient_fields(external_id: str, birth_year: int | None) -> str:
    """The stripped patient ID; LibraryError for a blank ID or an implausible year of birth.

    The one check of a new or edited patient (`Library.add_patient` calls it too)."""
    external_id = (external_id or "").strip()
    if not external_id:
        raise LibraryError("a patient needs an ID (the record or clinic number)")
    low, high = BIRTH_YEAR_RANGE
    if birth_year is not None and not (low <= int(birth_year) <= high):
        raise LibraryError(f"year of birth {birth_year} is not plausible")
    return external_id


def patient_taken(external_id: str) -> str:
    """The sentence for an ID another patient already has."""
    return f"patient {external_id} already exists in the library"


def save_patient(
    library: Any,
    *,
    patient_id: int | None,
    external_id: str,
    display_name: str,
    birth_year: int | None,
    notes: str,
) -> PatientRow:
    """Create (patient_id None) or update a patient; the ID must be unique."""
    external_id = checked_patient_fields(external_id, birth_year)
    taken = patient_taken(external_id)
    with mapped_errors("saving the patient", duplicate=taken), library.session(write=True) as s:
        stmt = sa.select(m.Patient).where(m.Patient.external_id == external_id)
        clash = s.scalars(stmt).first()
        if clash is not None and clash.id != patient_id:
            raise LibraryError(taken)
        if patient_id is None:
            p = m.Patient(external_id=external_id)
            s.add(p)
        else:
            p = s.get(m.Patient, patient_id)
            if p is None:
                raise LibraryError(f"patient {external_id} is no longer in the library")
        p.external_id = external_id
        p.display_name = (display_name or "").strip()
        p.birth_year = birth_year
        p.notes = notes or ""
        s.flush()
        return _patient_row(p)


def add_patient(
    library: Any,
    external_id: str,
    display_name: str = "",
    birth_year: int | None = None,
    notes: str = "",
) -> PatientRow:
    """A new patient; LibraryError when the ID is blank or already taken."""
    return save_patient(
        library,
        patient_id=None,
        external_id=external_id,
        display_name=display_name,
        birth_year=birth_year,
        notes=notes,
    )


def patient_photo_counts(library: Any) -> dict[int, int]:
    """patient id -> number of photos (not counting those in the trash)."""
    stmt = _not_trashed(sa.select(m.Photo.patient_id, sa.func.count())).group_by(
        m.Photo.patient_id
    )
    with mapped_errors("counting the photos", write=False), library.session() as s:
        return {pid: n for pid, n in s.execute(stmt)}


# -- photos ----------------------------------------------------------------------------------
def list_photos(library: Any, patient_id: int) -> list[PhotoRow]:
    """A patient's photos (not those in the trash), oldest first, undated last."""
    stmt = _not_trashed(sa.select(m.Photo).where(m.Photo.patient_id == patient_id))
    with mapped_errors("reading the photos", write=False), library.session() as s:
        rows = [_photo_row(library, ph) for ph in s.scalars(stmt)]
    rows.sort(key=lambda r: r.order_key)
    return rows


def _naive(value: datetime | None) -> datetime:
    """Sort key of a photo time (the core's one date coercion); kept for existing callers —
    `PhotoRow.order_key` is the whole ordering."""
    return course_format.as_datetime(value) or datetime.min


def get_photo(library: Any, photo_id: int) -> PhotoRow | None:
    with mapped_errors("reading the photo", write=False), library.session() as s:
        ph = s.get(m.Photo, photo_id)
        return _photo_row(library, ph) if ph is not None else None


def set_labels(
    library: Any,
    photo_id: int,
    *,
    view: str | None = None,
    expression: str | None = None,
    note: str | None = None,
) -> PhotoRow:
    """Set a photo's view/expression label and note: None leaves a field as it is, an empty
    string clears it. LibraryError for an unknown photo or a label outside the vocabulary
    (checked before anything is written)."""
    if view:
        check_view_label(view)
    if expression:
        check_expression_label(expression)
    with mapped_errors("saving the labels"), library.session(write=True) as s:
        ph = s.get(m.Photo, photo_id)
        if ph is None:
            raise LibraryError(f"no photo with id {photo_id}")
        if view is not None:
            ph.view_label = view or None
        if expression is not None:
            ph.expression_label = expression or None
        if note is not None:
            ph.note = note
        s.flush()
        return _photo_row(library, ph)


def update_photo(library: Any, photo_id: int, **changes: str | None) -> PhotoRow:
    """Set view_label / expression_label / note of one photo (None clears a label)."""
    allowed = {"view_label", "expression_label", "note"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not a photo field the user edits: {', '.join(sorted(unknown))}")
    check_view_label(changes.get("view_label"))
    check_expression_label(changes.get("expression_label"))
    with mapped_errors("saving the photo"), library.session(write=True) as s:
        ph = s.get(m.Photo, photo_id)
        if ph is None:
            raise LibraryError(f"photo {photo_id} is no longer in the library")
        for key, value in changes.items():
            setattr(ph, key, value)
        s.flush()
        return _photo_row(library, ph)


def set_suggested_labels(
    library: Any, photo_id: int, view: str | None, expression: str | None
) -> PhotoRow | None:
    """Fill in labels the user has not set (never overwrites a label already there); the row
    when something changed, else None."""
    check_view_label(view)
    check_expression_label(expression)
    with mapped_errors("saving the suggested labels"), library.session(write=True) as s:
        ph = s.get(m.Photo, photo_id)
        if ph is None:
            return None
        changed = False
        if view and not ph.view_label:
            ph.view_label, changed = view, True
        if expression and not ph.expression_label:
            ph.expression_label, changed = expression, True
        s.flush()
        return _photo_row(library, ph) if changed else None


def file_exists(path: str) -> bool:
    return Path(path).is_file()


# -- the migraine course, as far as photos need it ---------------------------------------------
def load_course_report(library: Any, patient_id: int, *, settings: Any = None) -> CourseReport | None:
    """The patient's CourseReport, or None when there is no course (or its data is unusable:
    the photos are still shown, without periods, and the reason goes to the log). `settings`:
    core.course.CourseSettings (e.g. which period a treatment day's photos belong to)."""
    from photocompare.library.course_repo import load_course

    try:
        with mapped_errors("reading the course", write=False):
            report = load_course(library, patient_id, settings=settings)
    except (CourseError, LibraryError, ValueError) as exc:
        log.warning("course of patient %s not loaded: %s", patient_id, exc)
        return None
    if report is None or not report.periods:
        return None
    return report


def period_for(report: CourseReport | None, day: date | None) -> Any | None:
    """The baseline or cycle of a photo date (the core's one rule), None without a course."""
    return course_format.period_for(report, day)
