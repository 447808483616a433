"""Deleting a photo moves it to the trash; it can be restored; purging is explicit and audited.

A photo in the trash keeps its row and its stored original (only `deleted_at`/`deleted_by` are
set), so a mistaken delete loses nothing. `purge()` removes the row, and removes the stored file
only when no other photo row still refers to the same content (the store is content-addressed,
so two rows may share one file). The database change commits first and the file goes after: a
crash in between leaves an unreferenced file (reported by `verify`), never a row without a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from photocompare.core.errors import LibraryError
from photocompare.library import audit
from photocompare.library.audit import as_utc, current_user, utc_now
from photocompare.library.models import Patient, Photo


@dataclass(frozen=True)
class TrashedPhoto:
    photo_id: int
    patient_id: int
    patient_external_id: str | None
    original_name: str
    sha256: str
    deleted_at: datetime
    deleted_by: str | None


def _photo(session, photo_id: int) -> Photo:
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise LibraryError(f"no photo with id {photo_id}")
    return photo


def delete(library, photo_id: int, *, user: str | None = None) -> None:
    """Move a photo to the trash (audited). Deleting a photo already in the trash is refused."""
    who = user or current_user()
    with library.session(write=True) as session:
        photo = _photo(session, photo_id)
        if photo.deleted_at is not None:
            raise LibraryError(f"photo {photo.original_name} (id {photo_id}) is already in the trash")
        photo.deleted_at = utc_now().replace(tzinfo=None)  # naive UTC, like imported_at
        photo.deleted_by = who
        audit.record(
            session, audit.PHOTO_DELETED, patient_id=photo.patient_id, photo_id=photo_id,
            details={"file": photo.original_name, "sha256": photo.sha256}, user=who,
        )


def restore(library, photo_id: int, *, user: str | None = None) -> None:
    """Take a photo out of the trash (audited)."""
    who = user or current_user()
    with library.session(write=True) as session:
        photo = _photo(session, photo_id)
        if photo.deleted_at is None:
            raise LibraryError(f"photo {photo.original_name} (id {photo_id}) is not in the trash")
        photo.deleted_at = None
        photo.deleted_by = None
        audit.record(
            session, audit.PHOTO_RESTORED, patient_id=photo.patient_id, photo_id=photo_id,
            details={"file": photo.original_name}, user=who,
        )


def list_trash(library, *, patient_id: int | None = None) -> list[TrashedPhoto]:
    with library.session() as session:
        stmt = (
            sa.select(Photo, Patient.external_id)
            .join(Patient, Patient.id == Photo.patient_id, isouter=True)
            .where(Photo.deleted_at.is_not(None))
            .order_by(Photo.deleted_at, Photo.id)
        )
        if patient_id is not None:
            stmt = stmt.where(Photo.patient_id == patient_id)
        return [
            TrashedPhoto(
                photo_id=p.id,
                patient_id=p.patient_id,
                patient_external_id=ext,
                original_name=p.original_name,
                sha256=p.sha256,
                deleted_at=as_utc(p.deleted_at),
                deleted_by=p.deleted_by,
            )
            for p, ext in session.execute(stmt)
        ]


def _dependent_rows_delete(session, photo_id: int) -> None:
    """Remove rows of other tables that point at the photo (consent; any FK on photo.id)."""
    from photocompare.library.models import Base

    photo_table = Photo.__table__
    for table in reversed(Base.metadata.sorted_tables):
        if table is photo_table:
            continue
        for fk in table.foreign_keys:
            if fk.column.table is photo_table:
                column = fk.parent
                if column.nullable and table.name != "photo_consent":  # keep the row, drop the link
                    session.execute(sa.update(table).where(column == photo_id).values({column.name: None}))
                else:
                    session.execute(sa.delete(table).where(column == photo_id))


def purge(library, photo_id: int, *, user: str | None = None) -> bool:
    """Remove a trashed photo for good (audited). Returns True when the stored file was removed
    (False when another photo row still uses the same content)."""
    who = user or current_user()
    with library.session(write=True) as session:
        photo = _photo(session, photo_id)
        if photo.deleted_at is None:
            raise LibraryError(
                f"photo {photo.original_name} (id {photo_id}) is not in the trash; "
                "delete it first, then purge"
            )
        sha = photo.sha256
        audit.record(
            session, audit.PHOTO_PURGED, patient_id=photo.patient_id, photo_id=photo_id,
            details={"file": photo.original_name, "sha256": sha}, user=who,
        )
        _dependent_rows_delete(session, photo_id)
        session.delete(photo)
        session.flush()
        still_used = session.scalar(
            sa.select(sa.func.count()).select_from(Photo).where(Photo.sha256 == sha)
        )
    if still_used:
        return False
    return remove_stored(library.store, sha)


def remove_stored(store, sha256: str) -> bool:
    """Delete an original and its thumbnails from the store (after the rows are gone)."""
    return store.remove(sha256)


def purge_all(library, *, user: str | None = None) -> int:
    """Purge every photo in the trash; returns how many were purged."""
    ids = [t.photo_id for t in list_trash(library)]
    for photo_id in ids:
        purge(library, photo_id, user=user)
    return len(ids)
