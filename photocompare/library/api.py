"""The few library reads and writes the desktop app makes, as plain values for the widgets.

Widgets never hold ORM objects (they would detach when the session closes); they get small
frozen rows from here. Every function opens its own short session on the `Library` (A's
`photocompare.library.db.Library`), so calls are safe from worker threads too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from photocompare.core.errors import LibraryError

VIEW_LABELS = ("frontal", "left-oblique", "right-oblique", "left-lateral", "right-lateral")
EXPRESSION_LABELS = ("neutral", "raised-brows", "frown", "eyes-closed", "smile")


@dataclass(frozen=True)
class PatientRow:
    id: int
    external_id: str
    display_name: str
    birth_year: int | None
    notes: str

    @property
    def label(self) -> str:
        return f"{self.display_name} ({self.external_id})" if self.display_name else self.external_id


@dataclass(frozen=True)
class PhotoRow:
    id: int
    patient_id: int
    sha256: str
    original_name: str
    taken_at: datetime | None
    date_source: str
    camera_make: str | None
    camera_model: str | None
    orientation: int | None
    width: int
    height: int
    format: str
    view_label: str | None
    expression_label: str | None
    note: str
    path: str

    @property
    def taken_date(self) -> date | None:
        return self.taken_at.date() if self.taken_at else None

    @property
    def date_text(self) -> str:
        return self.taken_at.strftime("%Y-%m-%d") if self.taken_at else "no date"


def _models():
    from photocompare.library import models

    return models


def _write(library: Any):
    """A session that takes the write lock up front where the library supports it."""
    try:
        return library.session(write=True)
    except TypeError:
        return library.session()


def _patient_row(p: Any) -> PatientRow:
    return PatientRow(
        id=p.id,
        external_id=p.external_id or "",
        display_name=p.display_name or "",
        birth_year=getattr(p, "birth_year", None),
        notes=getattr(p, "notes", None) or "",
    )


def photo_file(library: Any, sha256: str) -> str:
    return str(library.store.path_for(sha256))


def _photo_row(library: Any, ph: Any) -> PhotoRow:
    return PhotoRow(
        id=ph.id,
        patient_id=ph.patient_id,
        sha256=ph.sha256,
        original_name=ph.original_name or "",
        taken_at=ph.taken_at,
        date_source=getattr(ph, "date_source", "") or "",
        camera_make=getattr(ph, "camera_make", None),
        camera_model=getattr(ph, "camera_model", None),
        orientation=getattr(ph, "orientation", None),
        width=getattr(ph, "width", 0) or 0,
        height=getattr(ph, "height", 0) or 0,
        format=getattr(ph, "format", "") or "",
        view_label=getattr(ph, "view_label", None),
        expression_label=getattr(ph, "expression_label", None),
        note=getattr(ph, "note", None) or "",
        path=photo_file(library, ph.sha256),
    )


def list_patients(library: Any) -> list[PatientRow]:
    from sqlalchemy import select

    m = _models()
    with library.session() as s:
        rows = s.scalars(select(m.Patient).order_by(m.Patient.display_name, m.Patient.external_id))
        return [_patient_row(p) for p in rows]


def get_patient(library: Any, patient_id: int) -> PatientRow | None:
    m = _models()
    with library.session() as s:
        p = s.get(m.Patient, patient_id)
        return _patient_row(p) if p is not None else None


def find_patient(library: Any, external_id: str) -> PatientRow | None:
    from sqlalchemy import select

    m = _models()
    with library.session() as s:
        p = s.scalars(select(m.Patient).where(m.Patient.external_id == external_id)).first()
        return _patient_row(p) if p is not None else None


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
    from sqlalchemy import select

    m = _models()
    external_id = external_id.strip()
    if not external_id:
        raise LibraryError("A patient needs an ID (for example the record number).")
    if birth_year is not None and not (1880 <= birth_year <= 2200):
        raise LibraryError(f"Year of birth {birth_year} is not plausible.")
    with _write(library) as s:
        clash = s.scalars(select(m.Patient).where(m.Patient.external_id == external_id)).first()
        if clash is not None and clash.id != patient_id:
            raise LibraryError(f"Another patient already has the ID {external_id}.")
        if patient_id is None:
            p = m.Patient(external_id=external_id)
            s.add(p)
        else:
            p = s.get(m.Patient, patient_id)
            if p is None:
                raise LibraryError(f"Patient {external_id} no longer exists.")
        p.external_id = external_id
        p.display_name = display_name.strip()
        p.birth_year = birth_year
        p.notes = notes
        s.flush()
        return _patient_row(p)


def list_photos(library: Any, patient_id: int) -> list[PhotoRow]:
    from sqlalchemy import select

    m = _models()
    with library.session() as s:
        stmt = select(m.Photo).where(m.Photo.patient_id == patient_id)
        if hasattr(m.Photo, "deleted_at"):  # the clinic issue's trash, when present
            stmt = stmt.where(m.Photo.deleted_at.is_(None))
        rows = [_photo_row(library, ph) for ph in s.scalars(stmt)]
    rows.sort(key=lambda r: (r.taken_at is None, _naive(r.taken_at), r.id))
    return rows


def _naive(value: datetime | None) -> datetime:
    if value is None:
        return datetime.min
    return value.replace(tzinfo=None)


def get_photo(library: Any, photo_id: int) -> PhotoRow | None:
    m = _models()
    with library.session() as s:
        ph = s.get(m.Photo, photo_id)
        return _photo_row(library, ph) if ph is not None else None


def update_photo(library: Any, photo_id: int, **changes: str | None) -> PhotoRow:
    """Set view_label / expression_label / note of one photo."""
    allowed = {"view_label", "expression_label", "note"}
    m = _models()
    with _write(library) as s:
        ph = s.get(m.Photo, photo_id)
        if ph is None:
            raise LibraryError("That photo is no longer in the library.")
        for key, value in changes.items():
            if key not in allowed:
                raise ValueError(key)
            setattr(ph, key, value)
        s.flush()
        return _photo_row(library, ph)


def load_course_report(library: Any, patient_id: int) -> Any | None:
    """C's CourseReport for the patient, or None when the course module or data is absent."""
    try:
        from photocompare.library.course_repo import load_course
    except ImportError:
        return None
    try:
        report = load_course(library, patient_id)
    except Exception as exc:  # unusable course data: the photos are still shown, without periods
        import logging

        logging.getLogger(__name__).warning("course of patient %s not loaded: %s", patient_id, exc)
        return None
    if report is None or not getattr(report, "periods", None):
        return None
    return report


def period_for(report: Any | None, day: date | None) -> Any | None:
    if report is None or day is None:
        return None
    try:
        from photocompare.core.course import period_for_date
    except ImportError:
        return None
    try:
        return period_for_date(report, day)
    except Exception:
        return None


def file_exists(path: str) -> bool:
    return Path(path).is_file()


def set_suggested_labels(library: Any, photo_id: int, view: str | None, expression: str | None) -> PhotoRow | None:
    """Fill in labels the user has not set (never overwrites a label already there)."""
    m = _models()
    with _write(library) as s:
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
