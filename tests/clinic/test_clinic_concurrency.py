"""Two workstations at once, on SQLite and PostgreSQL: real separate connections and processes.

- Concurrent imports of overlapping folders store each photo once; the process that loses the
  race reports the photo as a duplicate.
- Optimistic locking: the second writer of a record gets ConcurrentEditError with a clear
  message; the first writer's change stays and the second's values are handed back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from photocompare.core.errors import ConcurrentEditError
from photocompare.library.db import Library
from photocompare.library.locking import unsaved_changes
from photocompare.library.models import Patient, Photo
from tests.clinic.conftest import folder_of
from tests.conftest import ROOT

IMPORTER = """
import json, sys, time
from photocompare.library.db import Library
from photocompare.library.importer import import_paths
location, store, folder, start_at = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
lib = Library.open(location, store=store)
while time.time() < start_at:
    time.sleep(0.001)
summary = import_paths(lib, [folder], "P-1")
print(json.dumps({"imported": [p for p, _ in summary.imported],
                  "duplicates": [p for p, _ in summary.duplicates],
                  "rejected": summary.rejected}))
"""


@pytest.mark.parametrize("round_", range(2))
def test_concurrent_imports_of_overlapping_folders_store_each_photo_once(
    library_url, library_store, camera_jpegs, tmp_path, round_
):
    Library.open(library_url, store=library_store).close()  # schema in place first
    first = folder_of(camera_jpegs[:12], tmp_path / "ws1")
    second = folder_of(camera_jpegs[4:], tmp_path / "ws2")  # 8 photos in both folders
    start_at = time.time() + 1.5  # both processes start importing at the same instant
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", IMPORTER, library_url, str(library_store), str(folder),
             str(start_at)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for folder in ((first, second) if round_ == 0 else (second, first))
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert all(not r["rejected"] for r in results)

    names = {p.name for p in camera_jpegs}
    imported = [os.path.basename(p) for r in results for p in r["imported"]]
    duplicates = [os.path.basename(p) for r in results for p in r["duplicates"]]
    assert sorted(imported) == sorted(names)  # each photo imported exactly once overall
    assert len(duplicates) == 8  # the overlap, reported once by whichever lost

    lib = Library.open(library_url, store=library_store)
    try:
        with lib.session() as s:
            rows = s.execute(sa.select(Photo.sha256, Photo.original_name)).all()
            patients = s.scalars(sa.select(Patient.external_id)).all()
        assert patients == ["P-1"]
        assert len(rows) == len(names) == len({sha for sha, _ in rows})
        assert set(lib.store.iter_originals()) == {sha for sha, _ in rows}
        assert list(lib.store.tmp_dir.iterdir()) == []
        from photocompare.library.verify import verify_library

        assert verify_library(lib).ok
    finally:
        lib.close()


# -- optimistic locking -------------------------------------------------------------------------


def _two_workstations(library_url, library_store):
    return (Library.open(library_url, store=library_store),
            Library.open(library_url, store=library_store))


def test_second_writer_of_a_photo_gets_a_clear_error_and_nothing_is_lost(
    library_with_photos, library_url, library_store
):
    _, ids = library_with_photos
    ws1, ws2 = _two_workstations(library_url, library_store)
    try:
        assert ws1.engine is not ws2.engine
        mine = ws1.photo(ids[0])  # both workstations show the photo
        theirs = ws2.photo(ids[0])
        theirs.note = "left brow ptosis, day 14"
        with ws2.session(write=True) as s:
            s.add(theirs)  # the other workstation saves first
        mine.note = "symmetric"
        mine.view_label = "frontal"
        with pytest.raises(ConcurrentEditError) as err:
            with ws1.session(write=True) as s:
                s.add(mine)
        message = str(err.value)
        assert (mine.note, mine.view_label) == ("symmetric", "frontal")  # still readable
        assert f"photos {ids[0]} ({mine.original_name}) was changed on another workstation" in message
        assert "not saved" in message and "reload" in message
        assert unsaved_changes(err.value)[f"photos {ids[0]} ({mine.original_name})"]["note"] == (
            "", "symmetric")
        stored = ws1.photo(ids[0])
        assert stored.note == "left brow ptosis, day 14" and stored.view_label is None
        assert stored.row_version == 2
        # reload and apply again: now it goes through
        stored.view_label = "frontal"
        with ws1.session(write=True) as s:
            s.add(stored)
        final = ws2.photo(ids[0])
        assert (final.note, final.view_label, final.row_version) == (
            "left brow ptosis, day 14", "frontal", 3)
    finally:
        ws1.close()
        ws2.close()


def test_second_writer_of_a_patient_gets_concurrent_edit_error(library_with_photos, library_url,
                                                               library_store):
    ws1, ws2 = _two_workstations(library_url, library_store)
    try:
        mine, theirs = ws1.get_patient("P-7"), ws2.get_patient("P-7")
        theirs.notes = "allergic to latex"
        with ws2.session(write=True) as s:
            s.add(theirs)
        mine.birth_year = 1971
        with pytest.raises(ConcurrentEditError, match=r"patients \d+ \(P-7\) was changed"):
            with ws1.session(write=True) as s:
                s.add(mine)
        assert ws1.get_patient("P-7").notes == "allergic to latex"
        assert ws1.get_patient("P-7").birth_year is None
    finally:
        ws1.close()
        ws2.close()


def test_concurrent_edit_inside_open_transactions_on_postgres(library_with_photos, library_url,
                                                              library_store):
    """Two sessions open at once (PostgreSQL, read committed): the later UPDATE matches no row."""
    lib, ids = library_with_photos
    if lib.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE instead")
    ws1, ws2 = _two_workstations(library_url, library_store)
    try:
        with pytest.raises(ConcurrentEditError):
            with ws1.session() as s1:
                p1 = s1.get(Photo, ids[1])
                with ws2.session() as s2:
                    s2.get(Photo, ids[1]).note = "first"
                p1.note = "second"
        assert ws1.photo(ids[1]).note == "first"
    finally:
        ws1.close()
        ws2.close()


def test_course_records_are_versioned_too(library_with_photos, library_url, library_store):
    from photocompare.library.course_models import DiaryEntryRecord

    ws1, ws2 = _two_workstations(library_url, library_store)
    try:
        patient_id = ws1.get_patient("P-7").id
        with ws1.session(write=True) as s:
            rec = DiaryEntryRecord(patient_id=patient_id, day=dt.date(2024, 3, 1), headache=True,
                                   migraine=False, medication=False, note="")
            s.add(rec)
        with ws1.session() as s:
            mine = s.get(DiaryEntryRecord, rec.id)
        with ws2.session() as s:
            theirs = s.get(DiaryEntryRecord, rec.id)
        theirs.migraine = True
        with ws2.session(write=True) as s:
            s.add(theirs)
        mine.intensity = 5
        with pytest.raises(ConcurrentEditError, match="course_diary_entries"):
            with ws1.session(write=True) as s:
                s.add(mine)
        with ws1.session() as s:
            assert s.get(DiaryEntryRecord, rec.id).migraine is True
    finally:
        ws1.close()
        ws2.close()
