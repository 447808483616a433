"""The library API: frozen rows out, one readable sentence for every database failure (never a
row's values), labels checked against the one vocabulary, nothing changed by a refused write.
Run on both back ends."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from photocompare.core import course_format, labels
from photocompare.core.course import compute_course, period_for_date
from photocompare.core.course_figures import DiaryDay, Treatment
from photocompare.core.errors import LibraryError
from photocompare.core.images import read_info
from photocompare.library import api, models
from photocompare.library.db import Library
from photocompare.library.errors import mapped_errors
from photocompare.library.importer import import_paths


@pytest.fixture
def library(library_url, library_store):
    """A new library, once on SQLite and once on PostgreSQL."""
    lib = Library.open(library_url, store=library_store)
    yield lib
    lib.close()


@pytest.fixture
def three_photos(exif_samples, bad_images):
    return [
        exif_samples / "heic" / "mobile" / "iphone_13_pro_max.heic",
        exif_samples / "jpg" / "hdr" / "canon_hdr_NO.jpg",
        bad_images / "hopper.jpg",
    ]


def rows_of(lib: Library, table: str) -> list[tuple]:
    with lib.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY id"))]


def test_photos_come_out_as_frozen_rows_oldest_first_with_the_stored_original(
    library, three_photos
):
    summary = import_paths(library, three_photos, "MRN-7", display_name="Ann Example")
    assert len(summary.imported) == 3
    patient = api.require_patient(library, "MRN-7")
    assert isinstance(patient, api.PatientRow)
    assert (patient.external_id, patient.display_name) == ("MRN-7", "Ann Example")
    photos = api.list_photos(library, patient.id)
    assert all(isinstance(p, api.PhotoRow) for p in photos)
    with pytest.raises(dataclasses.FrozenInstanceError):
        photos[0].view_label = "frontal"  # type: ignore[misc]
    # ground truth: the capture times read from the files themselves, wall clock
    taken = sorted(
        (read_info(p).taken_at.replace(tzinfo=None), p.name) for p in three_photos
    )
    assert [p.original_name for p in photos] == [name for _t, name in taken]
    heic = next(p for p in photos if p.original_name.endswith(".heic"))
    assert heic.taken_at_aware.isoformat() == "2022-02-16T12:55:41+01:00"
    assert (heic.width, heic.height, heic.orientation) == (3024, 4032, 6)
    for row in photos:
        assert open(row.path, "rb").read() == open(
            next(p for p in three_photos if p.name == row.original_name), "rb"
        ).read()
        assert row.imported_at is not None and row.deleted_at is None
    assert api.patient_photo_counts(library) == {patient.id: 3}


def test_a_photo_in_the_trash_leaves_the_list_but_stays_readable(library, three_photos):
    from photocompare.library import trash

    import_paths(library, three_photos[:2], "MRN-7")
    patient = api.require_patient(library, "MRN-7")
    first, second = api.list_photos(library, patient.id)
    trash.delete(library, first.id)
    assert [p.id for p in api.list_photos(library, patient.id)] == [second.id]
    assert api.get_photo(library, first.id).deleted_at is not None
    assert api.patient_photo_counts(library) == {patient.id: 1}


def test_a_taken_patient_id_is_refused_without_echoing_the_other_patients_name(library):
    api.add_patient(library, "MRN-1", "Ann Example", 1970)
    before = rows_of(library, "patients")
    with pytest.raises(LibraryError) as info:
        api.add_patient(library, "MRN-1", "Bob Other")
    assert str(info.value) == "patient MRN-1 already exists in the library"
    assert "Ann" not in str(info.value) and "Bob" not in str(info.value)
    with pytest.raises(LibraryError, match="already exists"):
        library.add_patient("MRN-1")  # the Library helper uses the same check and sentence
    with pytest.raises(LibraryError, match="needs an ID"):
        api.add_patient(library, "   ")
    with pytest.raises(LibraryError, match="year of birth 1700 is not plausible"):
        api.add_patient(library, "MRN-2", birth_year=1700)
    assert rows_of(library, "patients") == before


def test_editing_a_patient_keeps_its_row_and_refuses_another_patients_id(library):
    ann = api.add_patient(library, "MRN-1", "Ann Example")
    bob = api.add_patient(library, "MRN-2", "Bob Other")
    edited = api.save_patient(
        library, patient_id=ann.id, external_id=" MRN-1b ", display_name="Ann E.",
        birth_year=1971, notes="n",
    )
    assert (edited.id, edited.external_id, edited.display_name, edited.birth_year) == (
        ann.id, "MRN-1b", "Ann E.", 1971
    )
    with pytest.raises(LibraryError, match="MRN-2 already exists"):
        api.save_patient(library, patient_id=ann.id, external_id="MRN-2", display_name="",
                         birth_year=None, notes="")
    assert api.get_patient(library, bob.id) == bob
    assert [p.external_id for p in api.list_patients(library, order="id")] == ["MRN-1b", "MRN-2"]


def test_labels_outside_the_vocabulary_are_refused_and_nothing_changes(library, three_photos):
    import_paths(library, three_photos[2:], "MRN-7")
    (photo,) = api.list_photos(library, api.require_patient(library, "MRN-7").id)
    labelled = api.set_labels(library, photo.id, view="left-oblique", expression="frown",
                              note="after 2 cycles")
    assert (labelled.view_label, labelled.expression_label, labelled.note) == (
        "left-oblique", "frown", "after 2 cycles"
    )
    before = rows_of(library, "photos")
    for call in (
        lambda: api.set_labels(library, photo.id, view="upside-down", note="lost?"),
        lambda: api.update_photo(library, photo.id, expression_label="grin", note="lost?"),
        lambda: api.set_suggested_labels(library, photo.id, "sideways", None),
    ):
        with pytest.raises(labels.LabelError, match="label must be one of"):
            call()
    assert rows_of(library, "photos") == before
    cleared = api.set_labels(library, photo.id, view="", expression=None)
    assert (cleared.view_label, cleared.expression_label) == (None, "frown")
    with pytest.raises(LibraryError, match="no photo with id 999"):
        api.set_labels(library, 999, view="frontal")


def test_suggested_labels_never_overwrite_the_users_label(library, three_photos):
    import_paths(library, three_photos[2:], "MRN-7")
    (photo,) = api.list_photos(library, api.require_patient(library, "MRN-7").id)
    api.update_photo(library, photo.id, view_label="right-lateral")
    row = api.set_suggested_labels(library, photo.id, "frontal", "smile")
    assert (row.view_label, row.expression_label) == ("right-lateral", "smile")
    assert api.set_suggested_labels(library, photo.id, "frontal", "neutral") is None


def test_the_label_vocabulary_is_defined_once():
    assert models.VIEW_LABELS is labels.VIEW_LABELS is api.VIEW_LABELS
    assert models.EXPRESSION_LABELS is labels.EXPRESSION_LABELS is api.EXPRESSION_LABELS
    assert labels.VIEW_LABELS[0] == "frontal"


def test_database_errors_become_one_sentence_without_row_values_or_sql(library, three_photos):
    import_paths(library, three_photos[:1], "MRN-7", display_name="Ann Example")
    patient = api.require_patient(library, "MRN-7")
    (photo,) = api.list_photos(library, patient.id)
    before = rows_of(library, "photos")
    # a second row with the same content hash: the unique constraint refuses it
    with pytest.raises(LibraryError) as info:
        with mapped_errors("saving the photo"), library.session(write=True) as s:
            s.add(models.Photo(patient_id=patient.id, sha256=photo.sha256,
                               original_name="Ann Example.jpg", width=1, height=1,
                               format="JPEG"))
    text = str(info.value)
    assert text.startswith("saving the photo failed:") and text.endswith("nothing was saved")
    assert photo.sha256 not in text and "Ann" not in text and "INSERT" not in text
    assert rows_of(library, "photos") == before
    with pytest.raises(LibraryError) as info:
        with mapped_errors("reading the photos", write=False), library.session() as s:
            s.execute(sa.text("SELECT secret_column FROM photos"))
    assert "secret_column" not in str(info.value) and "nothing was saved" not in str(info.value)
    assert str(info.value).startswith("reading the photos failed:")


def _report():
    start = dt.date(2025, 1, 1)
    diary = [DiaryDay(start + dt.timedelta(days=i), headache=i % 3 == 0) for i in range(200)]
    treatments = [Treatment(start + dt.timedelta(days=91)), Treatment(start + dt.timedelta(days=175))]
    return compute_course(diary, treatments=treatments)


def test_the_period_of_a_photo_is_the_cores_one_rule_everywhere():
    report = _report()
    assert [p.label for p in course_format.main_periods(report)][:1] == ["baseline"]
    first = report.periods[0].start
    for offset in range(-5, 400, 3):
        day = first + dt.timedelta(days=offset)
        truth = period_for_date(report, day)
        when = dt.datetime.combine(day, dt.time(23, 30))
        assert course_format.period_for(report, when) is truth
        assert course_format.period_containing(report, day.isoformat()) is truth
        assert api.period_for(report, day) is truth
    late = report.periods[-1].end + dt.timedelta(days=30)
    assert course_format.period_for(report, late) is report.periods[-1]
    before_p, after_p = course_format.pair_periods(report, first, late)
    assert (before_p.label, after_p is report.periods[-1]) == ("baseline", True)
    assert course_format.period_for(None, first) is None
    assert course_format.period_for(report, None) is None


def test_dates_are_coerced_in_one_place():
    aware = dt.datetime(2025, 3, 1, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert course_format.as_datetime(aware) == dt.datetime(2025, 3, 1, 23, 30)  # wall clock
    assert course_format.as_date(aware) == dt.date(2025, 3, 1)
    assert course_format.as_datetime(dt.date(2025, 3, 1)) == dt.datetime(2025, 3, 1)
    assert course_format.as_datetime("2025-03-01T08:15:00+01:00") == dt.datetime(2025, 3, 1, 8, 15)
    assert course_format.as_datetime("2025-03-01") == dt.datetime(2025, 3, 1)
    assert course_format.as_datetime("not a date") is None
    assert course_format.as_date("2025-03-01 and more") == dt.date(2025, 3, 1)


def test_no_course_gives_no_report(library):
    patient = api.add_patient(library, "MRN-9")
    assert api.load_course_report(library, patient.id) is None
