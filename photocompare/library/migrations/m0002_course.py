"""Revision 2: the migraine course. Matches photocompare.library.course_models."""

from __future__ import annotations

import sqlalchemy as sa

REVISION = 2


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
        "course_diary_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        _patient_fk("fk_course_diary_patient"),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("headache", sa.Boolean, nullable=True),
        sa.Column("migraine", sa.Boolean, nullable=False),
        sa.Column("hours", sa.Float, nullable=True),
        sa.Column("intensity", sa.Integer, nullable=True),
        sa.Column("medication", sa.Boolean, nullable=False),
        sa.Column("medication_class", sa.String(20), nullable=True),
        sa.Column("note", sa.Text, nullable=False),
        *_editable(),
        sa.UniqueConstraint("patient_id", "day", name="uq_course_diary_patient_day"),
    )
    op.create_index("ix_course_diary_entries_patient_id", "course_diary_entries", ["patient_id"])
    op.create_table(
        "course_monthly_summaries",
        sa.Column("id", sa.Integer, primary_key=True),
        _patient_fk("fk_course_summary_patient"),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("headache_days", sa.Integer, nullable=False),
        sa.Column("migraine_days", sa.Integer, nullable=False),
        sa.Column("acute_med_days", sa.Integer, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        *_editable(),
    )
    op.create_index("ix_course_monthly_summaries_patient_id", "course_monthly_summaries",
                    ["patient_id"])
    op.create_table(
        "course_treatments",
        sa.Column("id", sa.Integer, primary_key=True),
        _patient_fk("fk_course_treatment_patient"),
        sa.Column("session_date", sa.Date, nullable=False),
        sa.Column("product", sa.String(100), nullable=False),
        sa.Column("lot", sa.String(64), nullable=False),
        sa.Column("expiry", sa.Date, nullable=True),
        sa.Column("injector", sa.String(200), nullable=False),
        sa.Column("total_units", sa.Float, nullable=True),
        sa.Column("note", sa.Text, nullable=False),
        *_editable(),
        sa.UniqueConstraint("patient_id", "session_date", name="uq_course_treatment_patient_date"),
    )
    op.create_index("ix_course_treatments_patient_id", "course_treatments", ["patient_id"])
    op.create_table(
        "course_treatment_sites",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("treatment_id", sa.Integer,
                  sa.ForeignKey("course_treatments.id", ondelete="CASCADE",
                                name="fk_course_site_treatment"), nullable=False),
        sa.Column("site_id", sa.String(40), nullable=False),
        sa.Column("units", sa.Float, nullable=False),
        sa.UniqueConstraint("treatment_id", "site_id", name="uq_course_site_treatment_site"),
    )
    op.create_index("ix_course_treatment_sites_treatment_id", "course_treatment_sites",
                    ["treatment_id"])
    op.create_table(
        "course_questionnaires",
        sa.Column("id", sa.Integer, primary_key=True),
        _patient_fk("fk_course_questionnaire_patient"),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("taken_on", sa.Date, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("items_json", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        *_editable(),
    )
    op.create_index("ix_course_questionnaires_patient_id", "course_questionnaires", ["patient_id"])
    op.create_table(
        "course_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        _patient_fk("fk_course_note_patient"),
        sa.Column("scope", sa.String(120), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        *_editable(),
        sa.UniqueConstraint("patient_id", "scope", name="uq_course_note_scope"),
    )
    op.create_index("ix_course_notes_patient_id", "course_notes", ["patient_id"])
    op.create_table(
        "course_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.Integer, nullable=False),
        sa.Column("table_name", sa.String(40), nullable=False),
        sa.Column("record_id", sa.Integer, nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("changed_at", sa.DateTime, nullable=False),
        sa.Column("changed_by", sa.String(128), nullable=False),
        sa.Column("old_json", sa.Text, nullable=True),
        sa.Column("new_json", sa.Text, nullable=True),
    )
    op.create_index("ix_course_history_patient_id", "course_history", ["patient_id"])
