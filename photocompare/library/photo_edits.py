"""Correcting a photo's record: move it to another patient, correct its capture date, trash it.

A wrong import must be fixable without re-importing: a photo filed under the wrong patient, or a
camera whose clock was never set (a 2008 "baseline"). Each edit here

* changes only database rows — the stored original is never opened for writing, and its EXIF
  summary (`Photo.exif_json`, which holds the camera's own DateTimeOriginal) is kept as read at
  import, so the original date stays on record after a correction;
* is audited in the same transaction (`library/audit.py`: an edit and its audit line stand or
  fall together);
* takes the `row_version` the caller saw (`expected_version`): when another workstation changed
  the photo since, `ConcurrentEditError` says so and nothing is saved;
* returns a `PhotoEdit` holding the values before and after, which `undo()` applies in reverse
  (the app's Edit ▸ Undo), itself audited and version-checked.

Moving a photo revokes any consent recorded for it: that consent was given by the patient the
photo was filed under, not by the one it now belongs to (record it again if it was right).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa

from photocompare.core.errors import ConcurrentEditError, LibraryError
from photocompare.library import audit
from photocompare.library.audit import current_user, utc_now
from photocompare.library.models import Patient, Photo

MOVED = "moved"
REDATED = "redated"
TRASHED = "trashed"
RESTORED = "restored"

# A corrected date this far in the future is a typing error, not a photo (clock skew allowed).
FUTURE_TOLERANCE = dt.timedelta(days=1)
MANUAL_DATE_SOURCE = "manual"  # Photo.date_source of a date a user corrected


@dataclass(frozen=True)
class PhotoEdit:
    """One applied edit: what it was, and the values before and after (enough to undo it)."""

    kind: str  # MOVED | REDATED | TRASHED | RESTORED
    photo_id: int
    row_version: int  # the photo's version after the edit (undo checks it)
    original_name: str
    old_patient_id: int
    new_patient_id: int
    old_taken_at: dt.datetime | None = None  # wall-clock time as stored
    old_taken_at_offset_min: int | None = None
    old_date_source: str = ""
    new_taken_at: dt.datetime | None = None
    new_taken_at_offset_min: int | None = None
    new_date_source: str = ""

    @property
    def description(self) -> str:
        """What the edit did, for an Undo menu entry ("Undo move of IMG_1.jpg")."""
        verb = {MOVED: "move", REDATED: "date correction", TRASHED: "delete",
                RESTORED: "restore"}[self.kind]
        return f"{verb} of {self.original_name}"


def _photo(session, photo_id: int, expected_version: int | None) -> Photo:
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise LibraryError(f"no photo with id {photo_id}")
    if expected_version is not None and photo.row_version != expected_version:
        raise ConcurrentEditError(
            f"photo {photo_id} ({photo.original_name}) was changed on another workstation after "
            "you opened it; nothing was saved — reload and try again")
    return photo


def _live_photo(session, photo_id: int, expected_version: int | None) -> Photo:
    photo = _photo(session, photo_id, expected_version)
    if photo.deleted_at is not None:
        raise LibraryError(f"photo {photo.original_name} (id {photo_id}) is in the trash; "
                           "restore it first")
    return photo


def _patient(session, patient: str | int | Patient) -> Patient:
    if isinstance(patient, Patient):
        patient = patient.id
    if isinstance(patient, int):
        found = session.get(Patient, patient)
    else:
        found = session.scalar(sa.select(Patient).where(Patient.external_id == str(patient)))
    if found is None:
        raise LibraryError(f"no patient {patient} in the library")
    return found


def _iso(value: dt.datetime | None, offset_min: int | None) -> str | None:
    if value is None:
        return None
    if offset_min is not None:
        value = value.replace(tzinfo=dt.timezone(dt.timedelta(minutes=offset_min)))
    return value.isoformat(timespec="seconds")


# ------------------------------------------------------------------------------------ move


def move_photo(library, photo_id: int, patient: str | int | Patient, *,
               expected_version: int | None = None, user: str | None = None) -> PhotoEdit:
    """File a photo under another patient (by external ID or internal id); audited for both.

    The photo leaves its visit (visits belong to the old patient) and any consent recorded for
    it is revoked. LibraryError for an unknown photo or patient, a photo in the trash, or a move
    to the patient it already belongs to; ConcurrentEditError on a stale `expected_version`.
    """
    who = user or current_user()
    with library.session(write=True) as session:
        photo = _live_photo(session, photo_id, expected_version)
        target = _patient(session, patient)
        old_pid = photo.patient_id
        if target.id == old_pid:
            raise LibraryError(f"photo {photo.original_name} (id {photo_id}) already belongs "
                               f"to patient {target.external_id}")
        source = session.get(Patient, old_pid)
        revoked = _revoke_consent(session, photo_id, who)
        photo.patient_id = target.id
        photo.visit_id = None
        session.flush()  # version check against other workstations happens here
        details = {"file": photo.original_name, "from_patient": source.external_id,
                   "to_patient": target.external_id}
        if revoked:
            details["consent_revoked"] = revoked
        for pid in (old_pid, target.id):  # each patient's log shows the move
            audit.record(session, audit.PHOTO_MOVED, patient_id=pid, photo_id=photo_id,
                         details=details, user=who)
        return PhotoEdit(MOVED, photo_id, photo.row_version, photo.original_name, old_pid,
                         target.id)


def _revoke_consent(session, photo_id: int, who: str) -> list[str]:
    """Revoke the photo's active consents (the uses revoked, for the audit line)."""
    from photocompare.library.consent import PhotoConsent

    rows = list(session.scalars(sa.select(PhotoConsent).where(
        PhotoConsent.photo_id == photo_id, PhotoConsent.revoked_at.is_(None))))
    for row in rows:
        row.revoked_at = utc_now()
        row.revoked_by = who
    return sorted(row.use for row in rows if row.granted)


# ------------------------------------------------------------------------------------ redate


def redate_photo(library, photo_id: int, taken_at: dt.datetime | dt.date, *,
                 expected_version: int | None = None, user: str | None = None) -> PhotoEdit:
    """Correct a photo's capture date/time (audited with the old and new values).

    A date without a time keeps the photo's recorded time of day; a time without a UTC offset
    keeps the photo's recorded offset. The camera's own EXIF date stays in the photo's EXIF
    summary. A date more than a day in the future is refused (a typing error).
    """
    who = user or current_user()
    with library.session(write=True) as session:
        photo = _live_photo(session, photo_id, expected_version)
        old = (photo.taken_at, photo.taken_at_offset_min, photo.date_source)
        new_naive, new_offset = _combine(taken_at, photo.taken_at, photo.taken_at_offset_min)
        utc = new_naive - dt.timedelta(minutes=new_offset or 0)
        if utc > utc_now().replace(tzinfo=None) + FUTURE_TOLERANCE:
            raise LibraryError(f"{_iso(new_naive, new_offset)} is in the future: the capture "
                               f"date of {photo.original_name} was not changed")
        if (new_naive, new_offset) == (old[0], old[1]):
            raise LibraryError(f"photo {photo.original_name} (id {photo_id}) already has that "
                               "capture date")
        return _apply_date(session, photo, (new_naive, new_offset, MANUAL_DATE_SOURCE), old, who)


def _combine(value: dt.datetime | dt.date, old: dt.datetime | None, old_offset: int | None
             ) -> tuple[dt.datetime, int | None]:
    if isinstance(value, dt.datetime):
        offset = value.utcoffset()
        naive = value.replace(tzinfo=None)
        if offset is None:
            return naive, old_offset
        return naive, int(offset.total_seconds() // 60)
    if isinstance(value, dt.date):
        time_of_day = old.time() if old is not None else dt.time(0, 0)
        return dt.datetime.combine(value, time_of_day), old_offset
    raise LibraryError(f"not a date: {value!r}")


def _apply_date(session, photo: Photo, new: tuple, old: tuple, who: str) -> PhotoEdit:
    photo.taken_at, photo.taken_at_offset_min, photo.date_source = new
    session.flush()
    audit.record(session, audit.PHOTO_REDATED, patient_id=photo.patient_id, photo_id=photo.id,
                 details={"file": photo.original_name, "from": _iso(old[0], old[1]),
                          "from_source": old[2], "to": _iso(new[0], new[1]),
                          "to_source": new[2]}, user=who)
    return PhotoEdit(REDATED, photo.id, photo.row_version, photo.original_name,
                     photo.patient_id, photo.patient_id, old[0], old[1], old[2],
                     new[0], new[1], new[2])


# ------------------------------------------------------------------------------------ trash


def trash_photo(library, photo_id: int, *, expected_version: int | None = None,
                user: str | None = None) -> PhotoEdit:
    """Move a photo to the trash (the Delete key): as `library.trash.delete`, version-checked,
    and undoable (`undo` restores it)."""
    who = user or current_user()
    with library.session(write=True) as session:
        photo = _live_photo(session, photo_id, expected_version)
        photo.deleted_at = utc_now().replace(tzinfo=None)
        photo.deleted_by = who
        session.flush()
        audit.record(session, audit.PHOTO_DELETED, patient_id=photo.patient_id,
                     photo_id=photo_id, details={"file": photo.original_name,
                                                 "sha256": photo.sha256}, user=who)
        return PhotoEdit(TRASHED, photo_id, photo.row_version, photo.original_name,
                         photo.patient_id, photo.patient_id)


# ------------------------------------------------------------------------------------ undo


def undo(library, edit: PhotoEdit, *, user: str | None = None) -> PhotoEdit:
    """Reverse `edit` (audited like any edit). ConcurrentEditError when the photo changed
    since the edit; the returned PhotoEdit undoes the undo (redo)."""
    if edit.kind == MOVED:
        return move_photo(library, edit.photo_id, edit.old_patient_id,
                          expected_version=edit.row_version, user=user)
    if edit.kind == TRASHED:
        who = user or current_user()
        with library.session(write=True) as session:
            photo = _photo(session, edit.photo_id, edit.row_version)
            if photo.deleted_at is None:
                raise LibraryError(f"photo {photo.original_name} is not in the trash")
            photo.deleted_at = None
            photo.deleted_by = None
            session.flush()
            audit.record(session, audit.PHOTO_RESTORED, patient_id=photo.patient_id,
                         photo_id=photo.id, details={"file": photo.original_name}, user=who)
            return PhotoEdit(RESTORED, photo.id, photo.row_version, photo.original_name,
                             photo.patient_id, photo.patient_id)
    if edit.kind == RESTORED:
        return trash_photo(library, edit.photo_id, expected_version=edit.row_version, user=user)
    if edit.kind == REDATED:
        who = user or current_user()
        with library.session(write=True) as session:
            photo = _live_photo(session, edit.photo_id, edit.row_version)
            old = (photo.taken_at, photo.taken_at_offset_min, photo.date_source)
            new = (edit.old_taken_at, edit.old_taken_at_offset_min, edit.old_date_source)
            return _apply_date(session, photo, new, old, who)
    raise LibraryError(f"cannot undo {edit.kind!r}")


def camera_date(photo: Photo) -> str | None:
    """The date the camera wrote (EXIF DateTimeOriginal, else DateTimeDigitized/DateTime),
    as recorded at import — kept whatever the photo's corrected date is. EXIF's
    "2008:05:30 15:56:01" is shown as "2008-05-30 15:56:01"; anything else as written."""
    exif = photo.exif
    for tag in ("DateTimeOriginal", "DateTimeDigitized", "DateTime"):
        value = str(exif.get(tag) or "").strip()
        if value:
            if re.fullmatch(r"\d{4}:\d{2}:\d{2}( .*)?", value):
                value = value[:10].replace(":", "-") + value[10:]
            return value
    return None
