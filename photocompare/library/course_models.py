"""The migraine course in the library: diary days, monthly summaries, treatment
sessions with units per PREEMPT site, questionnaires, notes, and the history of every edit.

Created by migration m0002_course; the classes here must match it. Each editable record carries
`row_version`, mapped as SQLAlchemy's `version_id_col`, so two workstations editing the same
record get `ConcurrentEditError` (library/locking.py) instead of silently overwriting each other.

`CourseHistory` is the trace behind a figure on an exported sheet: every insert, update and
delete done through `library/course_repo.py` writes one row with who (`getpass.getuser()`),
when (UTC), the table and record, and the old and new values as JSON.
"""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from photocompare.library.models import Base, utc_now_naive

_PATIENT_FK = "patients.id"


class _Editable:
    """Columns every editable course record has (who/when of the latest change, version)."""

    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utc_now_naive)
    updated_by: Mapped[str] = mapped_column(sa.String(128), default="")
    row_version: Mapped[int] = mapped_column(sa.Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:  # noqa: N805
        return {"version_id_col": cls.__table__.c.row_version}


class DiaryEntryRecord(_Editable, Base):
    __tablename__ = "course_diary_entries"
    __table_args__ = (sa.UniqueConstraint("patient_id", "day", name="uq_course_diary_patient_day"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey(_PATIENT_FK, ondelete="CASCADE", name="fk_course_diary_patient"),
        index=True)
    day: Mapped[date] = mapped_column(sa.Date)
    headache: Mapped[bool | None] = mapped_column(sa.Boolean, nullable=True)
    migraine: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    hours: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    intensity: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    medication: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    medication_class: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")


class MonthlySummaryRecord(_Editable, Base):
    __tablename__ = "course_monthly_summaries"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey(_PATIENT_FK, ondelete="CASCADE", name="fk_course_summary_patient"),
        index=True)
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date] = mapped_column(sa.Date)
    headache_days: Mapped[int] = mapped_column(sa.Integer)
    migraine_days: Mapped[int] = mapped_column(sa.Integer, default=0)
    acute_med_days: Mapped[int] = mapped_column(sa.Integer, default=0)
    note: Mapped[str] = mapped_column(sa.Text, default="")


class TreatmentRecord(_Editable, Base):
    __tablename__ = "course_treatments"
    __table_args__ = (
        sa.UniqueConstraint("patient_id", "session_date", name="uq_course_treatment_patient_date"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey(_PATIENT_FK, ondelete="CASCADE", name="fk_course_treatment_patient"),
        index=True)
    session_date: Mapped[date] = mapped_column(sa.Date)
    product: Mapped[str] = mapped_column(sa.String(100), default="")
    lot: Mapped[str] = mapped_column(sa.String(64), default="")
    expiry: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    injector: Mapped[str] = mapped_column(sa.String(200), default="")
    total_units: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # m0006: local time of the injections, when recorded (places same-day photos)
    session_time: Mapped[time | None] = mapped_column(sa.Time, nullable=True)

    sites: Mapped[list[TreatmentSiteRecord]] = relationship(
        back_populates="treatment", cascade="all, delete-orphan", passive_deletes=True,
        order_by="TreatmentSiteRecord.site_id")


class TreatmentSiteRecord(Base):
    __tablename__ = "course_treatment_sites"
    __table_args__ = (
        sa.UniqueConstraint("treatment_id", "site_id", name="uq_course_site_treatment_site"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    treatment_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey("course_treatments.id", ondelete="CASCADE",
                                  name="fk_course_site_treatment"), index=True)
    site_id: Mapped[str] = mapped_column(sa.String(40))  # core.preempt site id
    units: Mapped[float] = mapped_column(sa.Float)

    treatment: Mapped[TreatmentRecord] = relationship(back_populates="sites")


class QuestionnaireRecord(_Editable, Base):
    __tablename__ = "course_questionnaires"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey(_PATIENT_FK, ondelete="CASCADE",
                                  name="fk_course_questionnaire_patient"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # "midas" | "hit6"
    taken_on: Mapped[date] = mapped_column(sa.Date)
    score: Mapped[int] = mapped_column(sa.Integer)
    items_json: Mapped[str] = mapped_column(sa.Text, default="[]")
    note: Mapped[str] = mapped_column(sa.Text, default="")


class CourseNoteRecord(_Editable, Base):
    """A clinician's note on a period ("period:cycle 2") or a photo pair ("pair:12:34")."""

    __tablename__ = "course_notes"
    __table_args__ = (sa.UniqueConstraint("patient_id", "scope", name="uq_course_note_scope"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey(_PATIENT_FK, ondelete="CASCADE", name="fk_course_note_patient"),
        index=True)
    scope: Mapped[str] = mapped_column(sa.String(120))
    text: Mapped[str] = mapped_column(sa.Text, default="")


class CourseHistory(Base):
    """One insert/update/delete of a course record (kept when the record itself is deleted)."""

    __tablename__ = "course_history"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.Integer, index=True)  # no FK: the trace outlives it
    table_name: Mapped[str] = mapped_column(sa.String(40))
    record_id: Mapped[int] = mapped_column(sa.Integer)
    action: Mapped[str] = mapped_column(sa.String(10))  # "insert" | "update" | "delete"
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utc_now_naive)  # UTC
    changed_by: Mapped[str] = mapped_column(sa.String(128))
    old_json: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    new_json: Mapped[str | None] = mapped_column(sa.Text, nullable=True)


COURSE_TABLES = (
    "course_diary_entries", "course_monthly_summaries", "course_treatments",
    "course_treatment_sites", "course_questionnaires", "course_notes", "course_history",
)
