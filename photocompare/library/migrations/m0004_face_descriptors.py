"""Revision 4: one face descriptor per photo (same-person check), computed once and kept.

`face_descriptors` holds the 128-number descriptor of the face measured in a photo, keyed by the
photo's SHA-256 and the descriptor model's name, so a pair check never computes it twice. The
descriptor is biometric data about the patient: it is deleted with its photo (foreign key with
ON DELETE CASCADE on `photos.sha256`). `descriptor` is NULL when the photo has no face.
"""

from __future__ import annotations

import sqlalchemy as sa

REVISION = 4


def upgrade(op) -> None:
    op.create_table(
        "face_descriptors",
        sa.Column(
            "photo_sha256",
            sa.String(64),
            sa.ForeignKey("photos.sha256", ondelete="CASCADE", name="fk_face_descriptors_photo"),
            primary_key=True,
        ),
        sa.Column("model", sa.String(64), primary_key=True),
        sa.Column("descriptor", sa.LargeBinary, nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
    )
