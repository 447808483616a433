"""Revision 1: patients, visits, photos. Matches photocompare.library.models."""

from __future__ import annotations

import sqlalchemy as sa

REVISION = 1


def upgrade(op) -> None:
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("birth_year", sa.Integer, nullable=True),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("external_id", name="uq_patients_external_id"),
    )
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "patient_id",
            sa.Integer,
            sa.ForeignKey("patients.id", ondelete="CASCADE", name="fk_visits_patient"),
            nullable=False,
        ),
        sa.Column("visit_date", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.UniqueConstraint("patient_id", "visit_date", name="uq_visits_patient_date"),
    )
    op.create_index("ix_visits_patient_id", "visits", ["patient_id"])
    op.create_table(
        "photos",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "patient_id",
            sa.Integer,
            sa.ForeignKey("patients.id", ondelete="CASCADE", name="fk_photos_patient"),
            nullable=False,
        ),
        sa.Column(
            "visit_id",
            sa.Integer,
            sa.ForeignKey("visits.id", ondelete="SET NULL", name="fk_photos_visit"),
            nullable=True,
        ),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("original_name", sa.String(255), nullable=False),
        sa.Column("file_bytes", sa.BigInteger, nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.Column("taken_at", sa.DateTime, nullable=True),
        sa.Column("taken_at_offset_min", sa.Integer, nullable=True),
        sa.Column("date_source", sa.String(8), nullable=False),
        sa.Column("camera_make", sa.String(100), nullable=True),
        sa.Column("camera_model", sa.String(100), nullable=True),
        sa.Column("orientation", sa.Integer, nullable=True),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("view_label", sa.String(20), nullable=True),
        sa.Column("expression_label", sa.String(20), nullable=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("exif_json", sa.Text, nullable=False),
        sa.UniqueConstraint("sha256", name="uq_photos_sha256"),
    )
    op.create_index("ix_photos_patient_id", "photos", ["patient_id"])
    op.create_index("ix_photos_visit_id", "photos", ["visit_id"])
