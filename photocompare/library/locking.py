"""Optimistic locking: two workstations editing one record never silently overwrite each other.

Patient, photo and course records carry a `row_version` column (migration m0003) mapped as
SQLAlchemy's `version_id_col`: every UPDATE says `... WHERE id = :id AND row_version = :seen` and
bumps the version. When another workstation committed a change in between, no row matches and
SQLAlchemy raises `StaleDataError`; `ClinicSession.flush()` turns it into `ConcurrentEditError`
whose message names the record and says that nothing was saved, and whose `.changes` keeps the
values the second writer tried to save, so the UI can reload and offer to apply them again.
The first writer's change stays in the database: nothing is lost.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from photocompare.core.errors import ConcurrentEditError

VERSION_COLUMN = "row_version"


def describe(obj) -> str:
    """'photo 12 (IMG_1.jpg)' / 'patient 3 (P-7)': ids and file names, never a person's name."""
    table = getattr(obj, "__tablename__", type(obj).__name__.lower())
    ident = getattr(obj, "id", None)
    extra = getattr(obj, "original_name", None) or getattr(obj, "external_id", None)
    return f"{table} {ident}" + (f" ({extra})" if extra else "")


def pending_changes(obj) -> dict[str, tuple[Any, Any]]:
    """Attribute -> (value read, value the writer wanted) for a dirty object."""
    state = sa_inspect(obj)
    out = {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if attr.key != VERSION_COLUMN:
                out[attr.key] = (old, new)
    return out


class ClinicSession(Session):
    """The library's Session class: translates stale-version flushes into ConcurrentEditError."""

    def flush(self, objects=None) -> None:
        dirty = [o for o in list(self.dirty) + list(self.deleted) if _is_versioned(o)]
        snapshot = [(o, describe(o), pending_changes(o), _committed_values(o)) for o in dirty]
        try:
            super().flush(objects)
        except StaleDataError as exc:
            names = ", ".join(name for _, name, _, _ in snapshot) or "a record"
            error = ConcurrentEditError(
                f"{names} was changed on another workstation after you opened it; your change "
                "was not saved (the other change is kept) — reload and apply it again"
            )
            error.changes = {name: ch for _, name, ch, _ in snapshot}  # type: ignore[attr-defined]
            for obj, _, changes, committed in snapshot:
                _keep_readable(self, obj, changes, committed)
            raise error from exc


def _committed_values(obj) -> dict[str, Any]:
    state = sa_inspect(obj)
    out = {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if hist.deleted:
            out[attr.key] = hist.deleted[0]
        elif hist.unchanged:
            out[attr.key] = hist.unchanged[0]
    return out


def _keep_readable(session: Session, obj, changes: dict, committed: dict) -> None:
    """The failed flush expired the object; detach it and put back what the writer saw and
    wanted, so a window showing it keeps working (saving it again conflicts again: reload)."""
    if obj in session:
        session.expunge(obj)
    for key, value in committed.items():
        set_committed_value(obj, key, value)
    for key, (_old, new) in changes.items():
        setattr(obj, key, new)


def _is_versioned(obj) -> bool:
    try:
        return sa_inspect(obj).mapper.version_id_col is not None
    except Exception:
        return False


def unsaved_changes(error: ConcurrentEditError) -> dict[str, dict[str, tuple[Any, Any]]]:
    """The values the refused writer tried to save: record -> attribute -> (read, wanted)."""
    return getattr(error, "changes", {})
