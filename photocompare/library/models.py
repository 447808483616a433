"""The library's records (SQLAlchemy 2 declarative): patients, visits, photos.

Other areas add their own classes on the same `Base` in their own modules (course, consent,
audit...). The schema itself is created by the migrations in `library/migrations`; the classes
here must match them (tests/library checks that the migrated schema and this metadata agree).

Dates: `taken_at` is the wall-clock time the camera recorded (naive) and
`taken_at_offset_min` the UTC offset when the file said (EXIF OffsetTimeOriginal), so nothing
is lost on SQLite (which has no time-zone type) and both databases store the same thing.
`imported_at` is naive UTC.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from photocompare.core.labels import (  # noqa: F401  (the vocabulary, re-exported for callers)
    EXPRESSION_LABELS,
    VIEW_LABELS,
    check_expression_label,
    check_view_label,
)

#: Photo.date_source values: where taken_at came from.
DATE_SOURCES = ("exif", "file", "manual")  # "manual": corrected by a user (photo_edits.py)


class Base(DeclarativeBase):
    """Declarative base shared by every ORM class of the library."""


def utc_now_naive() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (sa.UniqueConstraint("external_id", name="uq_patients_external_id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(64))  # MRN / clinic id
    display_name: Mapped[str] = mapped_column(sa.String(200), default="")
    birth_year: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utc_now_naive)
    # m0003_clinic: optimistic locking, see library/locking.py
    row_version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    __mapper_args__ = {"version_id_col": row_version}

    visits: Mapped[list[Visit]] = relationship(
        back_populates="patient", order_by="Visit.visit_date", passive_deletes=True
    )
    photos: Mapped[list[Photo]] = relationship(
        back_populates="patient", order_by="Photo.taken_at", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"Patient(id={self.id}, external_id={self.external_id!r})"


class Visit(Base):
    """One clinic visit (a date) of a patient; imported photos join the visit of their date."""

    __tablename__ = "visits"
    __table_args__ = (
        sa.UniqueConstraint("patient_id", "visit_date", name="uq_visits_patient_date"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        sa.Integer,
        sa.ForeignKey("patients.id", ondelete="CASCADE", name="fk_visits_patient"),
        index=True,
    )
    visit_date: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.Text, default="")

    patient: Mapped[Patient] = relationship(back_populates="visits")
    photos: Mapped[list[Photo]] = relationship(back_populates="visit")

    def __repr__(self) -> str:
        return f"Visit(id={self.id}, patient_id={self.patient_id}, visit_date={self.visit_date})"


class Photo(Base):
    """An original in the store (by SHA-256) and what was read from it at import."""

    __tablename__ = "photos"
    __table_args__ = (sa.UniqueConstraint("sha256", name="uq_photos_sha256"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        sa.Integer,
        sa.ForeignKey("patients.id", ondelete="CASCADE", name="fk_photos_patient"),
        index=True,
    )
    visit_id: Mapped[int | None] = mapped_column(
        sa.Integer,
        sa.ForeignKey("visits.id", ondelete="SET NULL", name="fk_photos_visit"),
        nullable=True,
        index=True,
    )
    sha256: Mapped[str] = mapped_column(sa.String(64))  # unique: store is content-addressed
    original_name: Mapped[str] = mapped_column(sa.String(255))
    file_bytes: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    imported_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utc_now_naive)
    taken_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    taken_at_offset_min: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    date_source: Mapped[str] = mapped_column(sa.String(8), default="file")
    camera_make: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
    camera_model: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
    orientation: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    width: Mapped[int] = mapped_column(sa.Integer)  # after orientation
    height: Mapped[int] = mapped_column(sa.Integer)
    format: Mapped[str] = mapped_column(sa.String(16))
    view_label: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    expression_label: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    exif_json: Mapped[str] = mapped_column(sa.Text, default="{}")  # lenient EXIF summary
    # m0003_clinic: optimistic locking (library/locking.py) and the trash
    # (library/trash.py: deleted_at is naive UTC; None = not in the trash)
    row_version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    deleted_by: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)
    __mapper_args__ = {"version_id_col": row_version}

    patient: Mapped[Patient] = relationship(back_populates="photos")
    visit: Mapped[Visit | None] = relationship(back_populates="photos")

    @validates("view_label")
    def _check_view(self, _key: str, value: str | None) -> str | None:
        return check_view_label(value)

    @validates("expression_label")
    def _check_expression(self, _key: str, value: str | None) -> str | None:
        return check_expression_label(value)

    @validates("date_source")
    def _check_date_source(self, _key: str, value: str) -> str:
        if value not in DATE_SOURCES:
            raise ValueError(f"date source must be one of {', '.join(DATE_SOURCES)}")
        return value

    @property
    def taken_at_aware(self) -> datetime | None:
        """taken_at with its UTC offset when one was recorded (else naive)."""
        if self.taken_at is None or self.taken_at_offset_min is None:
            return self.taken_at
        return self.taken_at.replace(tzinfo=timezone(timedelta(minutes=self.taken_at_offset_min)))

    def set_taken_at(self, value: datetime | None) -> None:
        """Store an aware or naive datetime as wall-clock time plus offset."""
        if value is None:
            self.taken_at, self.taken_at_offset_min = None, None
            return
        offset = value.utcoffset()
        self.taken_at = value.replace(tzinfo=None)
        self.taken_at_offset_min = None if offset is None else int(offset.total_seconds() // 60)

    @property
    def exif(self) -> dict[str, str]:
        try:
            data = json.loads(self.exif_json or "{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def __repr__(self) -> str:
        return f"Photo(id={self.id}, patient_id={self.patient_id}, name={self.original_name!r})"
