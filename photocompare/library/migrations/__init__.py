"""Versioned schema migrations that run the same on SQLite and PostgreSQL.

Each migration is a module `mNNNN_name.py` in this package defining

    REVISION: int          # NNNN, strictly increasing, one per module
    def upgrade(op: alembic.operations.Operations) -> None

`op` is Alembic's operations object bound to the open connection (so `op.create_table`,
`op.add_column`, `op.batch_alter_table` for SQLite ALTERs, `op.execute`). The applied revision is
kept in the table `schema_version`; `migrate(engine)` applies the missing ones in order, each in
its own transaction, and is safe to call on every open (and from two workstations at once: the
version row is locked on PostgreSQL and the SQLite file is locked by BEGIN IMMEDIATE).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

VERSION_TABLE = "schema_version"


def migration_modules() -> list[ModuleType]:
    modules = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if info.name.startswith("m") and info.name[1:5].isdigit()
    ]
    modules.sort(key=lambda m: m.REVISION)
    revisions = [m.REVISION for m in modules]
    if len(set(revisions)) != len(revisions):
        raise RuntimeError(f"duplicate migration revisions: {revisions}")
    return modules


def head_revision() -> int:
    modules = migration_modules()
    return modules[-1].REVISION if modules else 0


def current_revision(conn: sa.Connection) -> int:
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return 0
    value = conn.execute(sa.text(f"SELECT max(revision) FROM {VERSION_TABLE}")).scalar()
    return int(value or 0)


def migrate(engine: sa.Engine) -> int:
    """Bring the schema to the newest revision; returns the revision now in force."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("SELECT 1")  # the transaction is begun by SQLAlchemy
        conn.execute(
            sa.text(
                f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} "
                "(revision INTEGER PRIMARY KEY, applied_at VARCHAR(40) NOT NULL)"
            )
        )
    for module in migration_modules():
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text(f"LOCK TABLE {VERSION_TABLE} IN EXCLUSIVE MODE"))
            if current_revision(conn) >= module.REVISION:
                continue
            op = Operations(MigrationContext.configure(conn))
            module.upgrade(op)
            conn.execute(
                sa.text(
                    f"INSERT INTO {VERSION_TABLE} (revision, applied_at) "
                    "VALUES (:r, CURRENT_TIMESTAMP)"
                ),
                {"r": module.REVISION},
            )
    with engine.connect() as conn:
        return current_revision(conn)
