"""Revision 3: optimistic locking, trash, consent, append-only audit log.

- `patients.row_version`, `photos.row_version`: SQLAlchemy `version_id_col` (library/locking.py);
  the course tables of revision 2 carry theirs already.
- `photos.deleted_at` / `photos.deleted_by`: the trash (library/trash.py).
- `photo_consent`: consent per photo and use (library/consent.py).
- `audit_log` with triggers that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL): the log
  is append-only by the database's own rules (library/audit.py).
Matches the ORM classes in models.py (Patient, Photo), consent.py and audit.py.
"""

from __future__ import annotations

import sqlalchemy as sa

REVISION = 3

APPEND_ONLY_MESSAGE = "audit_log is append-only: entries cannot be changed or deleted"


def upgrade(op) -> None:
    for table in ("patients", "photos"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("row_version", sa.Integer, nullable=False, server_default=sa.text("1"))
            )
    with op.batch_alter_table("photos") as batch:
        batch.add_column(sa.Column("deleted_at", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("deleted_by", sa.String(128), nullable=True))

    op.create_table(
        "photo_consent",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "photo_id",
            sa.Integer,
            sa.ForeignKey("photos.id", ondelete="CASCADE", name="fk_photo_consent_photo"),
            nullable=False,
        ),
        sa.Column("use", sa.String(32), nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(128), nullable=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.UniqueConstraint("photo_id", "use", name="uq_photo_consent_photo_use"),
    )
    op.create_index("ix_photo_consent_photo_id", "photo_consent", ["photo_id"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("workstation", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("patient_id", sa.Integer, nullable=True),  # no FK: the log outlives records
        sa.Column("patient_external_id", sa.String(128), nullable=True),
        sa.Column("photo_id", sa.Integer, nullable=True),
        sa.Column("details", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    op.create_index("ix_audit_log_patient_id", "audit_log", ["patient_id"])

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION '{APPEND_ONLY_MESSAGE} (% refused)', TG_OP; "
            "END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"no append-only trigger for {dialect}")
