"""What the library API hands out: small frozen rows, never ORM objects.

An ORM object detaches (or lazy-loads behind the caller's back) once its session closes; a row
is a plain value, safe to keep in a widget, pass to a worker thread or turn into JSON. No
SQLAlchemy here, so the UI and the exporters can import the rows without the database layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from photocompare.core.dates import as_datetime


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
    """One photo. `taken_at` is the camera's wall-clock time (naive), `taken_at_offset_min` its
    UTC offset when the file recorded one; `imported_at` is naive UTC; `path` is the original
    in the store (read-only). `width`/`height` are pixels after EXIF orientation. `deleted_at`
(naive UTC) is set while the photo is in the trash."""

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
    visit_id: int | None = None
    taken_at_offset_min: int | None = None
    imported_at: datetime | None = None
    deleted_at: datetime | None = None  # naive UTC; None = not in the trash

    @property
    def taken_date(self) -> date | None:
        return self.taken_at.date() if self.taken_at else None

    @property
    def date_text(self) -> str:
        return self.taken_at.strftime("%Y-%m-%d") if self.taken_at else "no date"

    @property
    def taken_at_aware(self) -> datetime | None:
        """`taken_at` with its UTC offset when one was recorded (else naive)."""
        if self.taken_at is None or self.taken_at_offset_min is None:
            return self.taken_at
        return self.taken_at.replace(tzinfo=timezone(timedelta(minutes=self.taken_at_offset_min)))

    @property
    def order_key(self) -> tuple[bool, datetime, int]:
        """Oldest first, undated photos last, ties by id: the order of every photo list."""
        return (self.taken_at is None, as_datetime(self.taken_at) or datetime.min, self.id)
