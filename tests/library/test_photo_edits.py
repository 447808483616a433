"""Moving a photo to another patient, correcting its capture date, trashing it — with undo.

Real library on disk, real photos from ../shared/data: Canon_40D.jpg carries the EXIF date
2008-05-30 15:56:01 (a camera whose clock was never set, as far as this clinic is concerned).
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from photocompare.core.course_figures import Treatment
from photocompare.core.errors import ConcurrentEditError, LibraryError
from photocompare.library import audit, consent, course_repo, photo_edits
from photocompare.library.db import Library
from photocompare.library.importer import import_paths


@pytest.fixture
def lib(tmp_path, exif_samples, bad_images):
    library = Library.open(tmp_path / "lib", create=True)
    summary = import_paths(library, [exif_samples / "jpg" / "Canon_40D.jpg",
                                     bad_images / "hopper.jpg"], "P-1")
    assert summary.counts()["imported"] == 2
    library.add_patient("P-2", "", None, "")
    yield library
    library.close()


def _canon(library):
    return next(p for p in library.photos("P-1") if p.original_name == "Canon_40D.jpg")


def _stored_hash(library, photo) -> str:
    return hashlib.sha256(library.original_path(photo).read_bytes()).hexdigest()


def test_redate_keeps_the_camera_date_and_the_original(lib):
    photo = _canon(lib)
    assert photo.taken_at == dt.datetime(2008, 5, 30, 15, 56, 1) and photo.date_source == "exif"
    before_hash = _stored_hash(lib, photo)

    edit = photo_edits.redate_photo(lib, photo.id, dt.date(2026, 8, 12), user="dr-a",
                                    expected_version=photo.row_version)
    fixed = lib.photo(photo.id)
    assert fixed.taken_at == dt.datetime(2026, 8, 12, 15, 56, 1)  # a date alone keeps the time
    assert fixed.date_source == "manual"
    assert photo_edits.camera_date(fixed) == "2008-05-30 15:56:01"  # the camera's date, kept
    assert _stored_hash(lib, fixed) == before_hash == fixed.sha256  # original untouched
    assert edit.old_taken_at == dt.datetime(2008, 5, 30, 15, 56, 1) and edit.old_date_source == "exif"

    (entry,) = audit.entries(lib, action=audit.PHOTO_REDATED)
    assert entry.user == "dr-a" and entry.photo_id == photo.id and entry.patient_external_id == "P-1"
    assert '"from": "2008-05-30T15:56:01"' in entry.details
    assert '"to": "2026-08-12T15:56:01"' in entry.details

    # undo puts back the exact date and its source, audited too
    photo_edits.undo(lib, edit, user="dr-a")
    back = lib.photo(photo.id)
    assert (back.taken_at, back.date_source) == (dt.datetime(2008, 5, 30, 15, 56, 1), "exif")
    assert len(audit.entries(lib, action=audit.PHOTO_REDATED)) == 2


def test_redate_with_time_and_offset_and_refusals(lib):
    photo = _canon(lib)
    tz = dt.timezone(dt.timedelta(hours=2))
    photo_edits.redate_photo(lib, photo.id, dt.datetime(2026, 1, 29, 9, 15, tzinfo=tz))
    fixed = lib.photo(photo.id)
    assert fixed.taken_at_aware == dt.datetime(2026, 1, 29, 9, 15, tzinfo=tz)
    with pytest.raises(LibraryError, match="in the future"):
        photo_edits.redate_photo(lib, photo.id, dt.date.today() + dt.timedelta(days=30))
    with pytest.raises(LibraryError, match="already has that capture date"):
        photo_edits.redate_photo(lib, photo.id, dt.datetime(2026, 1, 29, 9, 15, tzinfo=tz))
    with pytest.raises(LibraryError, match="no photo with id 999"):
        photo_edits.redate_photo(lib, 999, dt.date(2026, 1, 1))
    assert lib.photo(photo.id).taken_at_aware == dt.datetime(2026, 1, 29, 9, 15, tzinfo=tz)


def test_a_stale_version_saves_nothing(lib):
    photo = _canon(lib)
    seen = photo.row_version
    lib.set_photo_labels(photo.id, view="frontal")  # another workstation edits the photo
    with pytest.raises(ConcurrentEditError, match="changed on another workstation"):
        photo_edits.redate_photo(lib, photo.id, dt.date(2026, 1, 1), expected_version=seen)
    with pytest.raises(ConcurrentEditError):
        photo_edits.move_photo(lib, photo.id, "P-2", expected_version=seen)
    after = lib.photo(photo.id)
    assert after.patient_id == photo.patient_id and after.taken_at == photo.taken_at
    assert audit.entries(lib, action=audit.PHOTO_REDATED) == []
    assert audit.entries(lib, action=audit.PHOTO_MOVED) == []


def test_move_to_another_patient_revokes_consent_and_undoes(lib):
    photo = _canon(lib)
    p1 = lib.get_patient("P-1")
    p2 = lib.get_patient("P-2")
    consent.record_consent(lib, [photo.id], ["teaching"], user="dr-a")
    assert consent.missing_consent(lib, [photo.id], "teaching") == []
    before_hash = _stored_hash(lib, photo)

    edit = photo_edits.move_photo(lib, photo.id, "P-2", user="dr-a")
    assert [p.original_name for p in lib.photos("P-2")] == ["Canon_40D.jpg"]
    assert [p.original_name for p in lib.photos("P-1")] == ["hopper.jpg"]
    assert consent.missing_consent(lib, [photo.id], "teaching")  # consent was the other patient's
    assert _stored_hash(lib, lib.photo(photo.id)) == before_hash
    for pid in (p1.id, p2.id):  # both patients' logs show the move
        (entry,) = audit.entries(lib, patient_id=pid, action=audit.PHOTO_MOVED)
        assert '"from_patient": "P-1"' in entry.details and '"to_patient": "P-2"' in entry.details
        assert '"consent_revoked": ["teaching"]' in entry.details

    with pytest.raises(LibraryError, match="already belongs to patient P-2"):
        photo_edits.move_photo(lib, photo.id, "P-2")
    with pytest.raises(LibraryError, match="no patient NOPE"):
        photo_edits.move_photo(lib, photo.id, "NOPE")

    photo_edits.undo(lib, edit, user="dr-a")
    assert lib.photo(photo.id).patient_id == p1.id
    assert len(audit.entries(lib, action=audit.PHOTO_MOVED)) == 4


def test_trash_and_undo_and_no_edits_in_the_trash(lib):
    photo = _canon(lib)
    edit = photo_edits.trash_photo(lib, photo.id, expected_version=photo.row_version)
    assert "Canon_40D.jpg" not in [p.original_name for p in lib.photos("P-1")]
    with pytest.raises(LibraryError, match="in the trash; restore it first"):
        photo_edits.move_photo(lib, photo.id, "P-2")
    with pytest.raises(LibraryError, match="in the trash"):
        photo_edits.redate_photo(lib, photo.id, dt.date(2026, 1, 1))
    restored = photo_edits.undo(lib, edit)
    assert "Canon_40D.jpg" in [p.original_name for p in lib.photos("P-1")]
    assert restored.description == "restore of Canon_40D.jpg"
    photo_edits.undo(lib, restored)  # redo: back to the trash
    assert "Canon_40D.jpg" not in [p.original_name for p in lib.photos("P-1")]
    actions = [e.action for e in audit.entries(lib) if e.photo_id == photo.id]
    assert actions == [audit.PHOTO_DELETED, audit.PHOTO_RESTORED, audit.PHOTO_DELETED]


def test_redated_photo_changes_period(lib):
    """A 2008 photo is outside every period; corrected to the first treatment day it is the
    baseline photo (taken before injecting)."""
    from photocompare.core.course import period_for_date

    photo = _canon(lib)
    course_repo.save_treatment(lib, "P-1", Treatment(dt.date(2026, 1, 29), lot="C1234"))
    course_repo.save_treatment(lib, "P-1", Treatment(dt.date(2026, 4, 23), lot="C5678"))
    report = course_repo.load_course(lib, "P-1")
    assert period_for_date(report, lib.photo(photo.id).taken_at_aware) is None
    photo_edits.redate_photo(lib, photo.id, dt.date(2026, 1, 29))
    assert period_for_date(report, lib.photo(photo.id).taken_at_aware).label == "baseline"


def test_move_redate_undo_on_both_back_ends(library_url, library_store, exif_samples):
    """The same edits on SQLite and PostgreSQL (the audit log is append-only on both)."""
    with Library.open(library_url, library_store, create=True) as library:
        import_paths(library, [exif_samples / "jpg" / "Canon_40D.jpg"], "P-1")
        library.add_patient("P-2", "", None, "")
        photo = library.photos("P-1")[0]
        moved = photo_edits.move_photo(library, photo.id, "P-2", expected_version=photo.row_version)
        redated = photo_edits.redate_photo(library, photo.id, dt.date(2026, 8, 12),
                                           expected_version=moved.row_version)
        with pytest.raises(ConcurrentEditError):
            photo_edits.undo(library, moved)  # the redate came after: the move's version is stale
        photo_edits.undo(library, redated)
        after = library.photo(photo.id)
        assert after.taken_at == dt.datetime(2008, 5, 30, 15, 56, 1)
        assert after.patient_id == library.get_patient("P-2").id
        actions = [e.action for e in audit.entries(library) if e.photo_id == photo.id]
        assert actions == [audit.PHOTO_MOVED, audit.PHOTO_MOVED, audit.PHOTO_REDATED,
                           audit.PHOTO_REDATED]


def test_session_time_migration_on_both_back_ends(library_url, library_store):
    """m0006 adds the session time; a session without one keeps None (the setting decides)."""
    from photocompare.core.course import period_for_date
    from photocompare.library.migrations import head_revision

    assert head_revision() >= 6
    with Library.open(library_url, library_store, create=True) as library:
        library.add_patient("P-1", "", None, "")
        course_repo.save_treatment(library, "P-1", Treatment(dt.date(2026, 1, 29)))
        course_repo.save_treatment(library, "P-1", Treatment(dt.date(2026, 4, 23),
                                                             session_time=dt.time(11, 0)))
        first, second = course_repo.load_treatments(library, "P-1")
        assert first.session_time is None and second.session_time == dt.time(11, 0)
        report = course_repo.load_course(library, "P-1")
        assert period_for_date(report, dt.datetime(2026, 1, 29, 12, 0)).label == "baseline"
        assert period_for_date(report, dt.datetime(2026, 4, 23, 10, 59)).label == "cycle 1"
        assert period_for_date(report, dt.datetime(2026, 4, 23, 11, 0)).label == "cycle 2"
