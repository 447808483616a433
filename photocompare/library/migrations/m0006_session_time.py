"""Revision 6: the time of a treatment session (`course_treatments.session_time`, nullable).

Clinicians photograph just before injecting; where the session's time is recorded, a photo
taken on that day is placed before or after the injections by its time
(`core.course.period_for_date`). Sessions recorded before this revision keep no time, and their
treatment-day photos follow the setting. Matches `TreatmentRecord.session_time`.
"""

from __future__ import annotations

import sqlalchemy as sa

REVISION = 6


def upgrade(op) -> None:
    with op.batch_alter_table("course_treatments") as batch:
        batch.add_column(sa.Column("session_time", sa.Time, nullable=True))
