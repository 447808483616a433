"""Importing real files into a library: originals byte-identical in the store, EXIF recorded,
duplicates recognised, rejected files leave the library exactly as it was."""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from photocompare.library.db import Library
from photocompare.library.importer import expand_paths, import_paths
from photocompare.library.models import Patient, Photo, Visit


@pytest.fixture
def library(tmp_path):
    lib = Library.open(tmp_path / "lib")
    yield lib
    lib.close()


def snapshot(lib: Library) -> tuple:
    """Everything a user could lose: every row of our tables and every file in the store."""
    with lib.engine.connect() as conn:
        rows = tuple(
            tuple(tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {t} ORDER BY id")))
            for t in ("patients", "visits", "photos")
        )
    files = tuple(
        sorted(
            (str(p.relative_to(lib.store.root)), hashlib.sha256(p.read_bytes()).hexdigest())
            for p in lib.store.root.rglob("*")
            if p.is_file()
        )
    )
    return rows, files


def test_import_stores_byte_identical_read_only_originals_and_metadata(library, exif_samples):
    source = exif_samples / "jpg" / "hdr" / "canon_hdr_NO.jpg"
    summary = import_paths(library, [source], "MRN-1", display_name="Test Patient")
    assert summary.counts() == {"imported": 1, "duplicates": 0, "rejected": 0}
    (photo,) = library.photos("MRN-1")
    stored = library.original_path(photo)
    assert stored.read_bytes() == source.read_bytes()
    assert photo.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert stored == library.store.root / photo.sha256[:2] / photo.sha256[2:]
    if os.name == "posix":
        assert not os.access(stored, os.W_OK) or os.geteuid() == 0
        assert stored.stat().st_mode & 0o222 == 0
    assert photo.original_name == "canon_hdr_NO.jpg"
    assert (photo.width, photo.height, photo.orientation) == (1536, 2048, 6)
    assert photo.taken_at == datetime(2015, 2, 9, 22, 47, 44) and photo.date_source == "exif"
    assert (photo.camera_make, photo.camera_model) == ("Canon", "Canon PowerShot SX60 HS")
    assert photo.format == "JPEG" and photo.file_bytes == source.stat().st_size
    assert photo.exif["DateTimeOriginal"] == "2015:02:09 22:47:44"
    patient = library.get_patient("MRN-1")
    assert patient.display_name == "Test Patient"
    with library.session() as s:
        visit = s.get(Visit, photo.visit_id)
        assert visit.visit_date.isoformat() == "2015-02-09"
    assert not list(library.store.tmp_dir.iterdir())
    assert not list(library.store.pending_dir.iterdir())


def test_heic_imports_with_offset_kept(library, exif_samples):
    summary = import_paths(library, [exif_samples / "heic"], "MRN-H")
    names = {Path(p).name for p, _ in summary.imported}
    assert "IMG_5195.HEIC" in names and "iphone_13_pro_max.heic" in names
    assert not summary.rejected
    by_name = {p.original_name: p for p in library.photos("MRN-H")}
    iphone = by_name["IMG_5195.HEIC"]
    assert iphone.format == "HEIF"
    assert iphone.taken_at_aware == datetime(
        2021, 4, 11, 15, 47, 53, tzinfo=timezone(timedelta(hours=-5))
    )
    assert iphone.taken_at_offset_min == -300
    thumb = library.thumbnail(iphone, 128)
    assert thumb.read_bytes()[:3] == b"\xff\xd8\xff"


def test_same_file_twice_is_a_duplicate_naming_the_original(library, bad_images, tmp_path):
    import_paths(library, [bad_images / "hopper.jpg"], "P-1")
    copy = tmp_path / "renamed.jpg"
    shutil.copyfile(bad_images / "hopper.jpg", copy)
    before = snapshot(library)
    summary = import_paths(library, [copy, bad_images / "hopper.jpg"], "P-1")
    assert summary.counts() == {"imported": 0, "duplicates": 2, "rejected": 0}
    assert summary.duplicates[0] == (str(copy), "duplicate of hopper.jpg (patient P-1)")
    assert snapshot(library) == before
    # same bytes for another patient: still one original, reported with its owner
    other = import_paths(library, [copy], "P-2")
    assert other.duplicates == [(str(copy), "duplicate of hopper.jpg (patient P-1)")]
    assert other.results[0].photo_id == library.photos("P-1")[0].id


def test_rejected_files_leave_the_library_unchanged(library, bad_images, exif_samples):
    import_paths(library, [exif_samples / "jpg" / "Canon_40D.jpg"], "P-1")
    before = snapshot(library)
    bad = [
        bad_images / name
        for name in (
            "truncated_jpeg.jpg",
            "truncated_image.png",
            "broken.png",
            "zero_width.gif",
            "decompression_bomb.gif",
        )
    ]
    summary = import_paths(library, bad, "P-1")
    assert summary.counts() == {"imported": 0, "duplicates": 0, "rejected": 5}
    reasons = dict(summary.rejected)
    assert reasons[str(bad[0])] == "file ends early (truncated)"
    assert reasons[str(bad[4])] == "image is 4365 MP, over the 100 MP limit"
    assert snapshot(library) == before
    # not even the new patient named on the command is created by files that all fail
    summary = import_paths(library, [*bad, exif_samples / "jpg" / "Canon_40D.jpg"], "P-NEW")
    assert summary.patient_id is None and len(summary.duplicates) == 1
    assert snapshot(library) == before


def test_import_goes_on_after_a_bad_file(library, bad_images):
    files = [bad_images / "truncated_jpeg.jpg", bad_images / "hopper.jpg", bad_images / "broken.png"]
    summary = import_paths(library, files, "P-1")
    assert [r.status for r in summary.results] == ["rejected", "imported", "rejected"]
    assert len(library.photos("P-1")) == 1


def test_whole_bad_images_folder(library, bad_images):
    summary = import_paths(library, [bad_images], "P-1")
    rejected = {Path(p).name for p, _ in summary.rejected}
    assert rejected == {
        "broken.png",
        "decompression_bomb.gif",
        "zero_width.gif",
        "truncated_image.png",
        "truncated_jpeg.jpg",
    }
    # the rest are good pixels (some with broken EXIF); the MPO twins are distinct files
    assert len(summary.imported) == 37 and not summary.duplicates
    report = library.store.verify(library.referenced_hashes())
    assert report.ok == 37 and not (report.missing or report.corrupt or report.unreferenced)


def test_progress_and_cancel_between_files(library, exif_samples):
    folder = exif_samples / "jpg" / "gps"
    seen = []

    def progress(done, total, path):
        seen.append((done, total))

    summary = import_paths(library, [folder], "P-1", progress=progress, cancelled=lambda: len(seen) >= 3)
    assert summary.cancelled
    assert seen == [(1, 9), (2, 9), (3, 9)]
    assert len(library.photos("P-1")) == 3


def test_folder_walk_skips_hidden_and_non_image_files(tmp_path, bad_images):
    (tmp_path / "sub").mkdir()
    shutil.copyfile(bad_images / "hopper.jpg", tmp_path / "sub" / "a.JPG")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / ".hidden.jpg").write_bytes(b"x")
    shutil.copyfile(bad_images / "zero_width.gif", tmp_path / "anim.gif")
    found = [p.name for p in expand_paths([tmp_path])]
    assert found == ["anim.gif", "a.JPG"]


def test_patient_must_exist_when_not_created(library, bad_images):
    from photocompare.core.errors import LibraryError

    with pytest.raises(LibraryError, match="no patient NOPE"):
        import_paths(library, [bad_images / "hopper.jpg"], "NOPE", create_patient=False)


def test_labels_are_validated(library, bad_images):
    from photocompare.core.errors import LibraryError

    import_paths(library, [bad_images / "hopper.jpg"], "P-1")
    (photo,) = library.photos("P-1")
    labelled = library.set_photo_labels(photo.id, view="frontal", expression="frown", note="x")
    assert (labelled.view_label, labelled.expression_label, labelled.note) == ("frontal", "frown", "x")
    with pytest.raises(LibraryError, match="view label must be one of"):
        library.set_photo_labels(photo.id, view="upside-down")
    assert library.photos("P-1")[0].view_label == "frontal"


def test_deleting_a_patient_cascades_in_the_database(library, bad_images):
    import_paths(library, [bad_images / "hopper.jpg", bad_images / "exif-ifd-offset.jpg"], "P-1")
    with library.session() as s:
        s.execute(sa.delete(Patient).where(Patient.external_id == "P-1"))
    with library.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Photo)) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


def test_trashed_photos_are_hidden_and_reimport_says_where_they_are(library, bad_images):
    from photocompare.library import trash

    import_paths(library, [bad_images / "hopper.jpg", bad_images / "hopper.png"], "P-1")
    first = library.photos("P-1")[0]
    trash.delete(library, first.id, user="tester")
    assert [p.id for p in library.photos("P-1")] != [] and first.id not in [
        p.id for p in library.photos("P-1")
    ]
    assert first.id in [p.id for p in library.photos("P-1", include_trashed=True)]
    assert library.photo_counts() == {first.patient_id: 1}
    again = import_paths(library, [bad_images / first.original_name], "P-1")
    assert again.duplicates[0][1] == f"duplicate of {first.original_name} (patient P-1, in the trash)"
