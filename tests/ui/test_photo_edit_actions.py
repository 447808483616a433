"""Delete, move and re-date photos from the app, with Undo/Redo (real library, real photos)."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from photocompare.library import audit
from photocompare.library.db import Library
from photocompare.library.importer import import_paths
from photocompare.ui.photo_edit_actions import MoveDialog, PhotoEditHistory, RedateDialog


@pytest.fixture
def lib(tmp_path, exif_samples, bad_images):
    library = Library.open(tmp_path / "lib", create=True)
    import_paths(library, [exif_samples / "jpg" / "Canon_40D.jpg", bad_images / "hopper.jpg"], "P-1")
    library.add_patient("P-2", "Second Patient", None, "")
    yield library
    library.close()


def _names(lib, patient):
    return sorted(p.original_name for p in lib.photos(patient))


def test_delete_key_moves_to_trash_and_undo_brings_back(qtbot, lib):
    history = PhotoEditHistory(lib)
    messages = []
    history.changed.connect(messages.append)
    canon = next(p for p in lib.photos("P-1") if p.original_name == "Canon_40D.jpg")
    assert not history.can_undo() and history.undo_text() == "Undo"
    assert history.trash([canon.id])
    assert _names(lib, "P-1") == ["hopper.jpg"]
    assert messages[-1] == "1 photo moved to the trash (Undo brings it back)"
    assert history.undo_text() == "Undo delete of Canon_40D.jpg"
    assert history.undo()
    assert _names(lib, "P-1") == ["Canon_40D.jpg", "hopper.jpg"]
    assert history.redo_text() == "Redo restore of Canon_40D.jpg"
    assert history.redo()
    assert _names(lib, "P-1") == ["hopper.jpg"]


def test_move_two_photos_is_one_undoable_action(qtbot, lib):
    history = PhotoEditHistory(lib)
    ids = [p.id for p in lib.photos("P-1")]
    assert history.move(ids, "P-2")
    assert _names(lib, "P-2") == ["Canon_40D.jpg", "hopper.jpg"] and _names(lib, "P-1") == []
    assert history.undo_text() == "Undo move of 2 photos"
    assert history.undo()
    assert _names(lib, "P-1") == ["Canon_40D.jpg", "hopper.jpg"] and _names(lib, "P-2") == []
    assert len(audit.entries(lib, action=audit.PHOTO_MOVED)) == 8  # 4 edits, each in both logs


def test_a_refused_edit_changes_nothing_and_says_why(qtbot, lib):
    history = PhotoEditHistory(lib)
    failures = []
    history.failed.connect(failures.append)
    canon = next(p for p in lib.photos("P-1") if p.original_name == "Canon_40D.jpg")
    seen = canon.row_version
    lib.set_photo_labels(canon.id, view="frontal")  # another workstation edits it meanwhile
    assert not history.redate(canon.id, dt.date(2026, 1, 5), expected_version=seen)
    assert "changed on another workstation" in failures[-1]
    assert lib.photo(canon.id).taken_at == dt.datetime(2008, 5, 30, 15, 56, 1)
    # one refused move in a batch of two: the other is put back (all or nothing)
    hopper = next(p for p in lib.photos("P-1") if p.original_name == "hopper.jpg")
    history.trash([canon.id])
    assert not history.move([hopper.id, canon.id], "P-2")
    assert "in the trash" in failures[-1]
    assert _names(lib, "P-1") == ["hopper.jpg"] and _names(lib, "P-2") == []


def test_redate_dialog_takes_the_typed_date_and_time(qtbot, lib):
    canon = next(p for p in lib.photos("P-1") if p.original_name == "Canon_40D.jpg")
    dialog = RedateDialog(lib.photo(canon.id))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    texts = [w.text() for w in dialog.findChildren(type(dialog.problem))]
    assert "2008-05-30 15:56:01" in texts  # the camera's own date is shown
    qtbot.mouseClick(dialog.date_edit, Qt.MouseButton.LeftButton)
    qtbot.wait(20)
    qtbot.keyClicks(dialog.date_edit, "2026-08-12")
    dialog.time_edit.setText("09:15")
    assert dialog.value() == dt.datetime(2026, 8, 12, 9, 15)
    dialog.time_edit.setText("")
    assert dialog.value() == dt.date(2026, 8, 12)  # keeps the recorded time
    dialog.time_edit.setText("9.15 pm")
    assert dialog.value() is None and "not a time" in dialog.problem.text()
    history = PhotoEditHistory(lib)
    dialog.time_edit.setText("09:15")
    assert history.redate(canon.id, dialog.value())
    assert lib.photo(canon.id).taken_at == dt.datetime(2026, 8, 12, 9, 15)
    assert history.undo()
    assert lib.photo(canon.id).taken_at == dt.datetime(2008, 5, 30, 15, 56, 1)


def test_move_dialog_offers_the_other_patients(qtbot, lib):
    from photocompare.library import api as library_access

    p1 = lib.get_patient("P-1")
    dialog = MoveDialog(library_access.list_patients(lib), p1.id, 2)
    qtbot.addWidget(dialog)
    items = [dialog.patient_combo.itemData(i) for i in range(dialog.patient_combo.count())]
    assert items == ["P-2"] and dialog.external_id() == "P-2"
