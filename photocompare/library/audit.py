"""The append-only audit log: who did what to which patient's record, from which workstation, when.

Health data must not be read, exported or deleted unseen. Every such action calls `record()`;
the row holds the workstation's user name (`getpass.getuser()`), host name, UTC time, the action,
the patient's internal id and external ID (never a name: the log itself must not identify
anyone) and free details (file names, formats, uses — no names either).

Append-only is enforced by the database, not by convention: migration m0003 installs triggers
on SQLite and PostgreSQL that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on
`audit_log`. The log is shown in the app (`ui/audit_view.py`) and exported with `export_csv()`.
"""

from __future__ import annotations

import csv
import getpass
import json
import socket
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from photocompare.core.csv_cells import neutralise
from photocompare.core.errors import LibraryError
from photocompare.library.models import Base

AUDIT_TABLE = "audit_log"

# The actions the app records. Free-form actions are refused so the log stays searchable.
PATIENT_OPENED = "patient_opened"
REVIEW_MODE_ENTERED = "review_mode_entered"
SHEET_EXPORTED = "sheet_exported"
DICOM_EXPORTED = "dicom_exported"
IMAGE_EXPORTED = "image_exported"
PHOTO_DELETED = "photo_deleted"
PHOTO_RESTORED = "photo_restored"
PHOTO_PURGED = "photo_purged"
PHOTO_MOVED = "photo_moved"  # filed under another patient (library/photo_edits.py)
PHOTO_REDATED = "photo_redated"  # capture date corrected (library/photo_edits.py)
REVIEW_MODE_LEFT = "review_mode_left"  # the clinician unlocked review mode again
REVIEW_PIN_REFUSED = "review_pin_refused"  # a wrong PIN when leaving review mode
DIARY_EDITED = "diary_edited"
CONSENT_RECORDED = "consent_recorded"
CONSENT_REVOKED = "consent_revoked"
EXPORT_REFUSED = "export_refused"
LIBRARY_BACKED_UP = "library_backed_up"
LIBRARY_RESTORED = "library_restored"
PAYER_DATA_EDITED = "payer_data_edited"  # diagnosis, prior preventives, the patient's insurer
PAYER_REPORT_EXPORTED = "payer_report_exported"

ACTIONS: frozenset[str] = frozenset(
    {
        PATIENT_OPENED,
        REVIEW_MODE_ENTERED,
        SHEET_EXPORTED,
        DICOM_EXPORTED,
        IMAGE_EXPORTED,
        PHOTO_DELETED,
        PHOTO_RESTORED,
        PHOTO_PURGED,
        PHOTO_MOVED,
        PHOTO_REDATED,
        REVIEW_MODE_LEFT,
        REVIEW_PIN_REFUSED,
        DIARY_EDITED,
        CONSENT_RECORDED,
        CONSENT_REVOKED,
        EXPORT_REFUSED,
        LIBRARY_BACKED_UP,
        LIBRARY_RESTORED,
        PAYER_DATA_EDITED,
        PAYER_REPORT_EXPORTED,
    }
)

# Detail keys that would put a person's name into the log; refused outright.
_IDENTIFYING_KEYS = frozenset(
    {"name", "display_name", "patient_name", "first_name", "last_name", "surname", "birth_date"}
)

MAX_DETAILS_CHARS = 4000  # details are a summary, not a data dump: longer text is cut

CSV_COLUMNS = (
    "id",
    "at_utc",
    "user",
    "workstation",
    "action",
    "patient_id",
    "patient_external_id",
    "photo_id",
    "details",
)


class AuditEntry(Base):
    """One row of the audit log (never updated or deleted; the database refuses it)."""

    __tablename__ = AUDIT_TABLE

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    at_utc: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    user: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    workstation: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    action: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    patient_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True, index=True)
    patient_external_id: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)
    photo_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    details: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")


@dataclass(frozen=True)
class AuditRecord:
    """A read-only copy of an audit row (UTC-aware time), for views and exports."""

    id: int
    at_utc: datetime
    user: str
    workstation: str
    action: str
    patient_id: int | None
    patient_external_id: str | None
    photo_id: int | None
    details: str


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some service accounts); still record something
        return "unknown"


def current_workstation() -> str:
    return socket.gethostname() or "unknown"


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _details_text(details: dict[str, Any] | str | None) -> str:
    if details is None:
        return ""
    if isinstance(details, str):
        text = details
    else:
        bad = sorted(k for k in details if k.lower() in _IDENTIFYING_KEYS)
        if bad:
            raise LibraryError(f"audit details must not hold names (keys {', '.join(bad)})")
        text = json.dumps(details, sort_keys=True, default=str, ensure_ascii=False)
    if len(text) > MAX_DETAILS_CHARS:
        text = text[: MAX_DETAILS_CHARS - 1] + "…"
    return text


def _external_id_for(session: Session, patient_id: int) -> str | None:
    from photocompare.library.models import Patient

    patient = session.get(Patient, patient_id)
    return None if patient is None else patient.external_id


@contextmanager
def _session_for(target, write: bool = False):
    """Accept a SQLAlchemy Session or a Library (then commit in a session of our own)."""
    if isinstance(target, Session):
        yield target
    else:
        with target.session(write=write) as session:
            yield session


def record(
    target,
    action: str,
    *,
    patient_id: int | None = None,
    patient_external_id: str | None = None,
    photo_id: int | None = None,
    details: dict[str, Any] | str | None = None,
    user: str | None = None,
    workstation: str | None = None,
) -> None:
    """Append one entry. `target` is a Session (the entry commits with the caller's change, so
    an action and its audit line stand or fall together) or a Library (commits at once)."""
    if action not in ACTIONS:
        raise LibraryError(f"unknown audit action {action!r}")
    if patient_external_id is not None:
        patient_external_id = str(patient_external_id)[:128]
    text = _details_text(details)
    with _session_for(target, write=True) as session:
        if patient_id is not None and patient_external_id is None:
            patient_external_id = _external_id_for(session, patient_id)
        session.add(
            AuditEntry(
                at_utc=utc_now(),
                user=user or current_user(),
                workstation=workstation or current_workstation(),
                action=action,
                patient_id=patient_id,
                patient_external_id=patient_external_id,
                photo_id=photo_id,
                details=text,
            )
        )
        session.flush()


def entries(
    target,
    *,
    patient_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[AuditRecord]:
    """Audit entries, oldest first, optionally filtered."""
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id)
    if patient_id is not None:
        stmt = stmt.where(AuditEntry.patient_id == patient_id)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    if since is not None:
        stmt = stmt.where(AuditEntry.at_utc >= as_utc(since))
    if limit is not None:
        stmt = stmt.limit(limit)
    with _session_for(target) as session:
        return [
            AuditRecord(
                id=e.id,
                at_utc=as_utc(e.at_utc),
                user=e.user,
                workstation=e.workstation,
                action=e.action,
                patient_id=e.patient_id,
                patient_external_id=e.patient_external_id,
                photo_id=e.photo_id,
                details=e.details,
            )
            for e in session.scalars(stmt)
        ]


def write_csv(records: Iterable[AuditRecord], path: str | Path) -> int:
    """Write records as CSV (UTF-8, header row, ISO-8601 UTC times); returns the row count.

    Written under a temporary name in the target folder and renamed when complete, so a
    failure leaves no half-written file; an unusable target is a LibraryError naming it.
    """
    import os

    path = Path(path)
    if path.is_dir():
        raise LibraryError(f"{path}: cannot write the audit CSV (it is a folder)")
    if not path.parent.is_dir():
        raise LibraryError(
            f"{path}: cannot write the audit CSV (folder {path.parent} does not exist)"
        )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    count = 0
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(CSV_COLUMNS)
            for r in records:
                # Free-text cells are neutralised against spreadsheet formulas; ids and
                # times are data and written as they are.
                writer.writerow(
                    [
                        r.id,
                        r.at_utc.isoformat(timespec="seconds"),
                        neutralise(r.user),
                        neutralise(r.workstation),
                        neutralise(r.action),
                        "" if r.patient_id is None else r.patient_id,
                        neutralise(r.patient_external_id or ""),
                        "" if r.photo_id is None else r.photo_id,
                        neutralise(r.details),
                    ]
                )
                count += 1
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise LibraryError(
            f"{path}: cannot write the audit CSV ({exc.strerror or exc})"
        ) from None
    return count


def export_csv(target, path: str | Path, **filters) -> int:
    """Export the (filtered) log as CSV; returns the number of entries written."""
    return write_csv(entries(target, **filters), path)
