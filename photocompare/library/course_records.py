"""Versioned, history-keeping writes of a patient's records: the machinery under the repositories.

Each insert/update/delete done through these helpers writes a `CourseHistory` row with who
(`getpass.getuser()` unless `user=` is given), when (UTC) and the old and new values, so a figure
on an exported sheet can be traced back to the entries and edits behind it.

Edits take an optional `expected_version` (the `row_version` the caller read): when another
workstation changed the record in the meantime, `ConcurrentEditError` is raised and nothing is
saved.

This is kept apart from the course's content (library/course_repo.py) because it knows nothing
of diaries or treatments, and the payer repository (library/payer_repo.py) uses it too.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from photocompare.core.errors import ConcurrentEditError, LibraryError
from photocompare.library import audit
from photocompare.library.audit import current_user
from photocompare.library.course_models import CourseHistory, TreatmentRecord
from photocompare.library.models import Patient, utc_now_naive

T = TypeVar("T")
PatientRef = int | str


@dataclass(frozen=True)
class Stored(Generic[T]):
    """A value read from the library with what is needed to edit it later."""

    id: int
    value: T
    row_version: int
    updated_at: dt.datetime | None
    updated_by: str



def resolve_patient_id(session: Session, patient: PatientRef) -> int:
    """Internal id for an int id or an external ID string (a digit string may be either)."""
    if isinstance(patient, int) and not isinstance(patient, bool):
        if session.get(Patient, patient) is None:
            raise LibraryError(f"no patient with id {patient}")
        return patient
    ident = str(patient).strip()
    found = session.scalar(sa.select(Patient.id).where(Patient.external_id == ident))
    if found is not None:
        return int(found)
    if ident.isdigit() and session.get(Patient, int(ident)) is not None:
        return int(ident)
    raise LibraryError(f"no patient with ID {ident!r}")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def snapshot(record: Any) -> dict[str, Any]:
    out = {c.key: _plain(getattr(record, c.key)) for c in sa.inspect(record).mapper.column_attrs}
    if isinstance(record, TreatmentRecord):
        out["sites"] = {s.site_id: s.units for s in record.sites}
    return out


def write_history(session: Session, patient_id: int, record: Any, action: str,
             old: dict[str, Any] | None, new: dict[str, Any] | None, user: str) -> None:
    session.add(CourseHistory(
        patient_id=patient_id, table_name=record.__tablename__, record_id=record.id,
        action=action, changed_at=utc_now_naive(), changed_by=user,
        old_json=None if old is None else json.dumps(old, sort_keys=True, default=str),
        new_json=None if new is None else json.dumps(new, sort_keys=True, default=str)))


def audit_edit(session: Session, patient_id: int, details: dict[str, Any], user: str) -> None:
    """Also note the edit in the clinic audit log (library/audit.py) when that table exists."""
    if not sa.inspect(session.connection()).has_table(audit.AUDIT_TABLE):
        return
    audit.record(session, audit.DIARY_EDITED, patient_id=patient_id, details=details, user=user)


def patients_record(session: Session, model: Any, record_id: int, pid: int, what: str) -> Any:
    """The record `record_id` of `model`, refused unless it belongs to patient `pid`."""
    rec = session.get(model, record_id)
    if rec is None or rec.patient_id != pid:
        raise LibraryError(f"no {what} {record_id} for this patient")
    return rec


def check_version(record: Any, expected: int | None) -> None:
    if expected is not None and record.row_version != expected:
        raise ConcurrentEditError(
            f"{record.__tablename__} {record.id} was changed on another workstation after you "
            "opened it; your change was not saved (the other change is kept) — reload and apply "
            "it again")


def touch(record: Any, user: str) -> None:
    record.updated_at = utc_now_naive()
    record.updated_by = user


def apply_values(record: Any, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(record, key) != value:
            setattr(record, key, value)
            changed = True
    return changed


def insert_record(session: Session, pid: int, record: Any, user: str) -> None:
    """Add a new record (flushed, so it has its id) with its "insert" history row."""
    touch(record, user)
    session.add(record)
    session.flush()
    write_history(session, pid, record, "insert", None, snapshot(record), user)


def record_updated(session: Session, pid: int, record: Any, old: dict[str, Any], user: str) -> None:
    """After `apply_values` changed a record: stamp it, flush it and write its "update" history row."""
    touch(record, user)
    session.flush()
    write_history(session, pid, record, "update", old, snapshot(record), user)


def delete_by_id(library, model: Any, record_id: int, user: str | None,
                  expected_version: int | None, audit_key: str | None) -> bool:
    """Delete one record with its "delete" history row (and, given `audit_key`, an audit line);
    False if there was none."""
    user = user or current_user()
    with library.session(write=True) as session:
        rec = session.get(model, record_id)
        if rec is None:
            return False
        check_version(rec, expected_version)
        write_history(session, rec.patient_id, rec, "delete", snapshot(rec), None, user)
        if audit_key is not None:
            audit_edit(session, rec.patient_id, {audit_key: record_id, "change": "deleted"}, user)
        session.delete(rec)
        return True


def load_stored(library, patient: PatientRef, model: Any, order_by: Any,
          convert: Callable[[Any], T]) -> list[Stored[T]]:
    """The patient's records of `model`, ordered, each as its value with what an edit needs."""
    with library.session() as session:
        pid = resolve_patient_id(session, patient)
        recs = session.scalars(sa.select(model).where(model.patient_id == pid)
                               .order_by(order_by)).all()
        return [Stored(r.id, convert(r), r.row_version, r.updated_at, r.updated_by) for r in recs]
