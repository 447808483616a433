"""The library's one change notification (Qt-free): which patients and which kind of change
each committed write announces, nothing for a rolled-back write, and a failing subscriber
never turns a committed write into an error. Real library, real photos."""

from __future__ import annotations

import datetime as dt

import pytest

from photocompare.core.course_figures import DiaryDay
from photocompare.core.errors import PhotoCompareError
from photocompare.library import api as la
from photocompare.library import audit, course_api, photo_edits
from photocompare.library.changes import COURSE, LABELS, PATIENT, PHOTOS
from photocompare.library.db import Library
from photocompare.library.importer import import_paths
from photocompare.library.models import Photo


@pytest.fixture
def lib(library_url, library_store):
    """On SQLite and on PostgreSQL: the notification comes from the Session, not the back end."""
    library = Library.open(library_url, store=library_store, create=True)
    yield library
    library.close()


def test_each_committed_write_names_its_patients_and_kind(lib, bad_images, exif_samples):
    got: list[tuple[int, str]] = []
    lib.changes.subscribe(lambda pid, kind: got.append((pid, kind)))
    import_paths(lib, [bad_images / "hopper.jpg", exif_samples / "jpg" / "Canon_40D.jpg"], "P-1")
    p1 = la.find_patient(lib, "P-1").id
    assert set(got) == {(p1, PHOTOS)}  # new patient and photos: the photos matter
    got.clear()
    p2 = la.save_patient(lib, patient_id=None, external_id="P-2", display_name="Two",
                         birth_year=None, notes="").id
    got.clear()
    photo = la.list_photos(lib, p1)[0]
    la.update_photo(lib, photo.id, view_label="frontal")
    assert got == [(p1, LABELS)]  # no figure depends on a label
    got.clear()
    photo_edits.move_photo(lib, photo.id, "P-2")
    assert got == [(p1, PHOTOS), (p2, PHOTOS)]  # both patients' timelines change
    got.clear()
    photo_edits.redate_photo(lib, photo.id, dt.date(2025, 1, 2))
    photo_edits.trash_photo(lib, photo.id)
    assert got == [(p2, PHOTOS), (p2, PHOTOS)]
    got.clear()
    course_api.save_day(lib, p1, DiaryDay(dt.date(2025, 1, 1), True))
    assert got == [(p1, COURSE)]
    got.clear()
    la.save_patient(lib, patient_id=p2, external_id="P-2", display_name="Two Renamed",
                    birth_year=None, notes="")
    assert got == [(p2, PATIENT)]
    got.clear()
    audit.record(lib, audit.PATIENT_OPENED, patient_id=p1)  # a trace, not data
    assert got == []


def test_a_rolled_back_write_announces_nothing(lib, bad_images):
    import_paths(lib, [bad_images / "hopper.jpg"], "P-1")
    p1 = la.find_patient(lib, "P-1").id
    got: list[tuple[int, str]] = []
    lib.changes.subscribe(lambda pid, kind: got.append((pid, kind)))
    photo_id = la.list_photos(lib, p1)[0].id
    with pytest.raises(RuntimeError), lib.session(write=True) as s:
        s.get(Photo, photo_id).taken_at = dt.datetime(2020, 1, 1)
        s.flush()  # the change was seen by the flush ...
        raise RuntimeError("... and the transaction fails after it")
    assert la.get_photo(lib, photo_id).taken_at != dt.datetime(2020, 1, 1)
    assert got == []
    with pytest.raises(PhotoCompareError):
        photo_edits.move_photo(lib, la.list_photos(lib, p1)[0].id, "P-1")  # refused: same patient
    assert got == []


def test_a_failing_subscriber_does_not_undo_the_write_or_silence_others(lib, bad_images):
    heard: list[str] = []

    def broken(_pid: int, _kind: str) -> None:
        raise ValueError("a view's bug")

    lib.changes.subscribe(broken)
    unsubscribe = lib.changes.subscribe(lambda _pid, kind: heard.append(kind))
    import_paths(lib, [bad_images / "hopper.jpg"], "P-1")
    assert heard == [PHOTOS]
    assert len(la.list_photos(lib, la.find_patient(lib, "P-1").id)) == 1
    unsubscribe()
    course_api.save_day(lib, la.find_patient(lib, "P-1").id, DiaryDay(dt.date(2025, 1, 1), True))
    assert heard == [PHOTOS]
