"""Revision 5: what a payer report needs beyond the course. Matches library/payer_models.py.

- `payer_diagnoses`: one per patient — ICD-10 code and date of onset (the ICHD-3 evidence itself
  is computed from the diary, never typed).
- `payer_preventives`: prior (and current) preventive treatments with class, dose, dates, outcome.
- `payer_patient_payers`: one per patient — insurer, plan, member ID, authorisation number.
- `payer_treatment_extras`: site count and follow-the-pain units for a session entered without
  site-by-site units (one per course treatment, deleted with it).
Every row carries the course tables' who/when/row_version, and every change is written to
`course_history` by library/payer_repo.py, like the diary's.
"""

from __future__ import annotations

import sqlalchemy as sa

REVISION = 5


def _editable() -> list[sa.Column]:
    return [
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(128), nullable=False),
        sa.Column("row_version", sa.Integer, nullable=False),
    ]


def _patient_fk(name: str) -> sa.Column:
    return sa.Column("patient_id", sa.Integer,
                     sa.ForeignKey("patients.id", ondelete="CASCADE", name=name), nullable=False)


def upgrade(op) -> None:
    op.create_table(
        "payer_diagnoses",
        sa.Column("id", sa.Integer, primary_key=True),
        _patient_fk("fk_payer_diagnosis_patient"),
        sa.Column("icd10_code", sa.String(16), nullable=False),
        sa.Column("onset_date", sa.Date, nullable=True),
        *_editable(),
        sa.UniqueConstraint("patient_id", name="uq_payer_diagnosis_patient"),
    )
    op.create_table(
        "payer_preventives",
        sa.Column("id", sa.Integer, primary_key=True),
        _patient_fk("fk_payer_preventive_patient"),
        sa.Column("drug", sa.String(120), nullable=False),
        sa.Column("drug_class", sa.String(40), nullable=False),
        sa.Column("dose", sa.String(120), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("stop_date", sa.Date, nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        *_editable(),
    )
    op.create_index("ix_payer_preventives_patient_id", "payer_preventives", ["patient_id"])
    op.create_table(
        "payer_patient_payers",
        sa.Column("id", sa.Integer, primary_key=True),
        _patient_fk("fk_payer_payer_patient"),
        sa.Column("payer_name", sa.String(200), nullable=False),
        sa.Column("plan", sa.String(200), nullable=False),
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("authorisation_number", sa.String(64), nullable=False),
        *_editable(),
        sa.UniqueConstraint("patient_id", name="uq_payer_payer_patient"),
    )
    op.create_table(
        "payer_treatment_extras",
        sa.Column("id", sa.Integer, primary_key=True),
        _patient_fk("fk_payer_extra_patient"),
        sa.Column("treatment_id", sa.Integer,
                  sa.ForeignKey("course_treatments.id", ondelete="CASCADE",
                                name="fk_payer_extra_treatment"), nullable=False),
        sa.Column("site_count", sa.Integer, nullable=True),
        sa.Column("follow_the_pain_units", sa.Float, nullable=True),
        *_editable(),
        sa.UniqueConstraint("treatment_id", name="uq_payer_extra_treatment"),
    )
    op.create_index("ix_payer_treatment_extras_patient_id", "payer_treatment_extras",
                    ["patient_id"])
