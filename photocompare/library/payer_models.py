"""ORM classes of the payer data (migration m0005_payer; the two must match).

Each editable record carries `row_version` as SQLAlchemy's `version_id_col`, like the course
records, so two workstations editing the same record get `ConcurrentEditError` instead of one
silently overwriting the other.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from photocompare.library.models import Base, utc_now_naive

_PATIENT_FK = "patients.id"


class _Editable:
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utc_now_naive)
    updated_by: Mapped[str] = mapped_column(sa.String(128), default="")
    row_version: Mapped[int] = mapped_column(sa.Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:  # noqa: N805
        return {"version_id_col": cls.__table__.c.row_version}


class DiagnosisRecord(_Editable, Base):
    __tablename__ = "payer_diagnoses"
    __table_args__ = (sa.UniqueConstraint("patient_id", name="uq_payer_diagnosis_patient"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey(_PATIENT_FK, ondelete="CASCADE", name="fk_payer_diagnosis_patient"))
    icd10_code: Mapped[str] = mapped_column(sa.String(16))
    onset_date: Mapped[date | None] = mapped_column(sa.Date, nullable=True)


class PreventiveRecord(_Editable, Base):
    __tablename__ = "payer_preventives"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey(_PATIENT_FK, ondelete="CASCADE",
                                  name="fk_payer_preventive_patient"), index=True)
    drug: Mapped[str] = mapped_column(sa.String(120))
    drug_class: Mapped[str] = mapped_column(sa.String(40))
    dose: Mapped[str] = mapped_column(sa.String(120), default="")
    start_date: Mapped[date] = mapped_column(sa.Date)
    stop_date: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    outcome: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.Text, default="")


class PatientPayerRecord(_Editable, Base):
    __tablename__ = "payer_patient_payers"
    __table_args__ = (sa.UniqueConstraint("patient_id", name="uq_payer_payer_patient"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey(_PATIENT_FK, ondelete="CASCADE", name="fk_payer_payer_patient"))
    payer_name: Mapped[str] = mapped_column(sa.String(200))
    plan: Mapped[str] = mapped_column(sa.String(200), default="")
    member_id: Mapped[str] = mapped_column(sa.String(64), default="")
    authorisation_number: Mapped[str] = mapped_column(sa.String(64), default="")


class TreatmentExtraRecord(_Editable, Base):
    __tablename__ = "payer_treatment_extras"
    __table_args__ = (sa.UniqueConstraint("treatment_id", name="uq_payer_extra_treatment"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey(_PATIENT_FK, ondelete="CASCADE", name="fk_payer_extra_patient"),
        index=True)
    treatment_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey("course_treatments.id", ondelete="CASCADE",
                                  name="fk_payer_extra_treatment"))
    site_count: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    follow_the_pain_units: Mapped[float | None] = mapped_column(sa.Float, nullable=True)


PAYER_TABLES = ("payer_diagnoses", "payer_preventives", "payer_patient_payers",
                "payer_treatment_extras")
