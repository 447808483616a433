"""Consent per photo and per use; exports for a use without consent are refused.

A patient may agree to a photo being in the clinical record but not shown to an insurer, or used
for teaching but never for marketing. One row per (photo, use) keeps the current state with who
recorded it and when, and who revoked it and when; every change is also written to the audit
log. `require_consent()` is the one gate every exporter (sheet, DICOM, image; CLI and UI) calls
before writing a file that leaves the library.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from photocompare.core.consent_uses import (  # noqa: F401  (the vocabulary, for callers)
    CLINICAL_RECORD,
    INSURER,
    MARKETING,
    PATIENT_SHARING,
    TEACHING,
    USE_LABELS,
    USES,
)
from photocompare.core.errors import ConsentMissing, LibraryError
from photocompare.library import audit
from photocompare.library.audit import _session_for, as_utc, current_user, utc_now
from photocompare.library.models import Base, Patient, Photo


class PhotoConsent(Base):
    """The current consent state of one photo for one use."""

    __tablename__ = "photo_consent"
    __table_args__ = (sa.UniqueConstraint("photo_id", "use", name="uq_photo_consent_photo_use"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    photo_id: Mapped[int] = mapped_column(
        sa.Integer,
        sa.ForeignKey("photos.id", ondelete="CASCADE", name="fk_photo_consent_photo"),
        nullable=False,
        index=True,
    )
    use: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    granted: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    recorded_by: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")


@dataclass(frozen=True)
class ConsentState:
    photo_id: int
    use: str
    granted: bool
    recorded_at: datetime | None
    recorded_by: str | None
    revoked_at: datetime | None
    revoked_by: str | None
    note: str


def check_use(use: str) -> str:
    if use not in USES:
        raise LibraryError(f"unknown consent use {use!r} (one of: {', '.join(USES)})")
    return use


def _photo(session: Session, photo_id: int) -> Photo:
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise LibraryError(f"no photo with id {photo_id}")
    return photo


def _row(session: Session, photo_id: int, use: str) -> PhotoConsent | None:
    return session.scalar(
        sa.select(PhotoConsent).where(PhotoConsent.photo_id == photo_id, PhotoConsent.use == use)
    )


def _in_force(row: PhotoConsent | None) -> bool:
    """Consent is given and not revoked."""
    return bool(row and row.granted and row.revoked_at is None)


def _change_consent(
    target,
    photo_ids: Iterable[int],
    uses: Iterable[str],
    user: str | None,
    action: str,
    change: Callable[[Session, int, str, str], bool],
) -> int:
    """Call `change(session, photo_id, use, who)` for every photo and use; each call that
    changed a row (returned True) is counted and written to the audit log as `action`."""
    uses = [check_use(u) for u in uses]
    who = user or current_user()
    changed = 0
    with _session_for(target, write=True) as session:
        for photo_id in photo_ids:
            photo = _photo(session, photo_id)
            for use in uses:
                if not change(session, photo_id, use, who):
                    continue
                changed += 1
                audit.record(
                    session, action, patient_id=photo.patient_id,
                    photo_id=photo_id, details={"use": use}, user=who,
                )
        session.flush()
    return changed


def record_consent(
    target, photo_ids: Iterable[int], uses: Iterable[str], *, note: str = "", user: str | None = None
) -> int:
    """Record that the patient consents to these uses of these photos; returns rows changed."""

    def grant(session: Session, photo_id: int, use: str, who: str) -> bool:
        row = _row(session, photo_id, use)
        if row is None:
            row = PhotoConsent(photo_id=photo_id, use=use)
            session.add(row)
        elif _in_force(row):
            return False
        row.granted = True
        row.recorded_at = utc_now()
        row.recorded_by = who
        row.revoked_at = None
        row.revoked_by = None
        row.note = note
        return True

    return _change_consent(target, photo_ids, uses, user, audit.CONSENT_RECORDED, grant)


def revoke_consent(
    target, photo_ids: Iterable[int], uses: Iterable[str], *, user: str | None = None
) -> int:
    """Withdraw consent; the row keeps who granted it and records who revoked it and when."""

    def revoke(session: Session, photo_id: int, use: str, who: str) -> bool:
        row = _row(session, photo_id, use)
        if not _in_force(row):
            return False
        row.granted = False
        row.revoked_at = utc_now()
        row.revoked_by = who
        return True

    return _change_consent(target, photo_ids, uses, user, audit.CONSENT_REVOKED, revoke)


def consent_states(target, photo_id: int) -> list[ConsentState]:
    """The state of every use for one photo (uses never recorded show as not granted)."""
    with _session_for(target) as session:
        _photo(session, photo_id)
        rows = {
            r.use: r
            for r in session.scalars(sa.select(PhotoConsent).where(PhotoConsent.photo_id == photo_id))
        }
        out = []
        for use in USES:
            r = rows.get(use)
            out.append(
                ConsentState(
                    photo_id=photo_id,
                    use=use,
                    granted=_in_force(r),
                    recorded_at=as_utc(r.recorded_at) if r else None,
                    recorded_by=r.recorded_by if r else None,
                    revoked_at=as_utc(r.revoked_at) if r and r.revoked_at else None,
                    revoked_by=r.revoked_by if r else None,
                    note=r.note if r else "",
                )
            )
        return out


def has_consent(session: Session, photo_id: int, use: str) -> bool:
    return _in_force(_row(session, photo_id, check_use(use)))


def missing_consent(target, photo_ids: Sequence[int], use: str) -> list[str]:
    """One reason per photo that may not be used for `use` (empty when all may)."""
    check_use(use)
    reasons = []
    with _session_for(target) as session:
        for photo_id in photo_ids:
            photo = session.get(Photo, photo_id)
            if photo is None:
                reasons.append(f"photo id {photo_id} is not in the library")
                continue
            patient = session.get(Patient, photo.patient_id) if photo.patient_id else None
            ext = patient.external_id if patient is not None else "?"
            label = f"photo {photo.original_name} (patient {ext})"
            if getattr(photo, "deleted_at", None) is not None:
                reasons.append(f"{label} is in the trash")
            elif not _in_force(row := _row(session, photo_id, use)):
                if row is not None and row.revoked_at is not None:
                    reasons.append(f"{label}: consent for {use} was revoked")
                else:
                    reasons.append(f"{label} has no consent for {use}")
    return reasons


def require_consent(target, photo_ids: Sequence[int], use: str) -> None:
    """Raise ConsentMissing (naming each photo and the use) unless every photo may be used so.

    `target` is a Session or a Library. A refusal is itself written to the audit log."""
    reasons = missing_consent(target, list(photo_ids), use)
    if reasons:
        try:
            with _session_for(target, write=True) as session:
                first = session.get(Photo, photo_ids[0]) if photo_ids else None
                audit.record(
                    session, audit.EXPORT_REFUSED,
                    patient_id=first.patient_id if first is not None else None,
                    details={"use": use, "photo_ids": list(photo_ids)},
                )
        except Exception:  # the refusal must be raised even if logging it fails
            pass
        raise ConsentMissing("; ".join(reasons) + " — export refused")
