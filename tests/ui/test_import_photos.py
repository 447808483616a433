"""Importing photos in the app: real photos are imported, a bad one is refused with its reason,
duplicates are found, Cancel stops early, files dropped on the window or chosen from the menu
are imported, and a folder holding the library does not import the library's own files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtWidgets import QDialogButtonBox, QProgressBar, QWidget  # noqa: E402

from photocompare.library import api as la  # noqa: E402
from photocompare.library.db import Library  # noqa: E402
from photocompare.ui.import_flow import ImportFlow  # noqa: E402
from photocompare.ui.main_window import MainWindow  # noqa: E402
from photocompare.ui.settings_store import SettingsStore  # noqa: E402
from tests.conftest import shared_path  # noqa: E402
from tests.ui.conftest import new_patient, not_blank, quiet_window, run_import, save_grab  # noqa: E402


def _faces() -> Path:
    return shared_path("faces", "face_recognition-examples", "examples")


def test_import_real_photos_shows_imported_duplicates_and_rejected_with_reason(qtbot, window, bad_images, tmp_path):
    faces = shared_path("faces", "face_recognition-examples", "examples")
    new_patient(window)
    bad = bad_images / "truncated_jpeg.jpg"
    summary = run_import(qtbot, window, [faces / "obama-240p.jpg", faces / "biden.jpg", bad])
    dialog = window.imports.dialog
    assert dialog.counts == {"imported": 2, "duplicates": 0, "rejected": 1}
    rejected = dialog.rejected_rows()
    assert rejected and rejected[0][0] == "truncated_jpeg.jpg"
    assert rejected[0][1].strip(), "a rejected file must show its reason"
    assert len(summary.imported) == 2
    assert window.grid_model.rowCount() == 2
    dialog.resize(640, 360)
    assert not_blank(save_grab(dialog, "import_report", tmp_path))
    # the same file again is a duplicate, and the library is unchanged
    run_import(qtbot, window, [faces / "obama-240p.jpg"])
    assert window.imports.dialog.counts["duplicates"] == 1
    assert len(la.list_photos(window.library, window.patient.id)) == 2
    # thumbnails arrive (decoded off the GUI thread)
    window.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: window.loader.decoded >= 2, timeout=20_000)


def test_cancelling_an_import_stops_it_and_keeps_the_library_consistent(qtbot, window):
    faces = shared_path("faces")
    new_patient(window)
    window.suggest_after_import = False
    with qtbot.waitSignal(window.import_finished, timeout=60_000) as blocker:
        window.start_import([faces])
        cancel = window.imports.dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    summary = blocker.args[0]
    assert summary.cancelled
    done = len(summary.imported) + len(summary.duplicates) + len(summary.rejected)
    assert done < 20, "cancel must stop the import early"
    assert "cancelled" in window.imports.dialog.status.text().lower()
    assert len(la.list_photos(window.library, window.patient.id)) == len(summary.imported)


def test_dropping_files_on_the_window_imports_them(qtbot, window):
    from PySide6.QtCore import QMimeData, QUrl
    from PySide6.QtGui import QDropEvent

    faces = shared_path("faces", "face_recognition-examples", "examples")
    new_patient(window)
    window.suggest_after_import = False
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(faces / "obama-720p.jpg"))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.import_finished, timeout=60_000):
        window.dropEvent(event)
    assert [p.original_name for p in la.list_photos(window.library, window.patient.id)] == ["obama-720p.jpg"]


def test_import_menu_imports_the_chosen_files_and_folder_and_remembers_where(qtbot, library, tmp_path, analysis):
    faces = shared_path("faces", "face_recognition-examples", "examples")
    folder = tmp_path / "visit"
    folder.mkdir()
    shutil.copy(faces / "biden.jpg", folder / "biden.jpg")
    asked = []

    def choose_files(parent, start_dir):  # stands in for the file dialog: two photos chosen
        asked.append(("files", start_dir))
        return [str(faces / "obama-240p.jpg"), str(faces / "obama-480p.jpg")]

    def choose_folder(parent, start_dir):  # stands in for the folder dialog
        asked.append(("folder", start_dir))
        return [str(folder)]

    store = SettingsStore.at_path(tmp_path / "settings.ini")
    w = MainWindow(
        library, store, analysis, warm_up_analysis=False, suggest_labels_after_import=False,
        choose_import_files=choose_files, choose_import_folder=choose_folder,
    )
    qtbot.addWidget(w)
    try:
        new_patient(w)
        with qtbot.waitSignal(w.import_finished, timeout=60_000):
            w.import_files_action.trigger()
        assert [p.original_name for p in w.photos] == ["obama-240p.jpg", "obama-480p.jpg"]
        assert store.last_import_dir() == str(faces)
        with qtbot.waitSignal(w.import_finished, timeout=60_000):
            w.import_folder_action.trigger()
        assert sorted(p.original_name for p in w.photos) == ["biden.jpg", "obama-240p.jpg", "obama-480p.jpg"]
        assert store.last_import_dir() == str(folder)
        assert asked == [("files", asked[0][1]), ("folder", str(faces))]
    finally:
        w.close()
        w.shutdown()


def test_cancelled_file_dialog_imports_nothing(qtbot, library, tmp_path, analysis):
    w = MainWindow(
        library, SettingsStore.at_path(tmp_path / "settings.ini"), analysis, warm_up_analysis=False,
        choose_import_files=lambda parent, start_dir: [],
    )
    qtbot.addWidget(w)
    try:
        new_patient(w)
        w.import_files_action.trigger()
        assert w.imports.task is None and w.imports.dialog is None
        assert la.list_photos(w.library, w.patient.id) == []
    finally:
        w.close()
        w.shutdown()


def test_importing_a_folder_that_holds_the_library_skips_the_library_s_own_thumbnails(
    qtbot, tmp_path, analysis
):
    """A clinician picks the parent folder of both the photos and the library: the store's
    thumbnails (real JPEG files) must not come back as new photos."""
    parent = tmp_path / "clinic"
    (parent / "photos").mkdir(parents=True)
    shutil.copy(_faces() / "obama_small.jpg", parent / "photos" / "front.jpg")
    lib = Library.open(parent / "library")
    w = quiet_window(qtbot, lib, tmp_path, analysis)
    try:
        new_patient(w)
        run_import(qtbot, w, [parent / "photos"])
        w.imports.dialog.accept()
        assert lib.thumbnail(w.photos[0].sha256, 256).is_file()  # a .jpg inside the store
        summary = run_import(qtbot, w, [parent])
        assert summary.counts() == {"imported": 0, "duplicates": 1, "rejected": 0}
        w.imports.dialog.accept()
        assert len(la.list_photos(lib, w.patient.id)) == 1
    finally:
        w.close()
        w.shutdown()
        lib.close()


class _CountingBar(QProgressBar):
    """A progress bar that remembers every value the import showed on it."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[int] = []

    def setValue(self, value: int) -> None:  # noqa: N802 - Qt's name
        self.values.append(value)
        super().setValue(value)


@pytest.mark.parametrize(
    ("seconds_per_file", "shown"),
    [(0.0, [3]), (0.05, [2, 3]), (1.0, [1, 2, 3])],
    ids=["all-at-once", "every-other-file", "slow-import"],
)
def test_import_progress_reaches_the_window_at_most_ten_times_a_second(
    qtbot, library, tmp_path, seconds_per_file, shown
):
    """Progress is passed to the window only when PROGRESS_INTERVAL_S has gone by since the last
    report (and always for the last file), so a fast import never floods the event loop."""
    faces = shared_path("faces", "face_recognition-examples", "examples")
    files = [faces / "obama-240p.jpg", faces / "biden.jpg", faces / "obama-480p.jpg"]
    now = [0.0]

    def clock() -> float:  # each file takes `seconds_per_file`
        now[0] += seconds_per_file
        return now[0]

    parent = QWidget()
    qtbot.addWidget(parent)
    bar = _CountingBar()
    patient = la.save_patient(library, patient_id=None, external_id="P-9", display_name="", birth_year=None, notes="")
    flow = ImportFlow(
        library, SettingsStore.at_path(tmp_path / "settings.ini"), bar, lambda text, ms: None, parent, clock=clock
    )
    with qtbot.waitSignal(flow.imported, timeout=60_000) as blocker:
        assert flow.start(patient, files) is not None
    assert blocker.args[0].counts() == {"imported": 3, "duplicates": 0, "rejected": 0}
    assert bar.values == shown
    flow.dialog.accept()


def test_the_import_summary_does_not_block_and_lists_skipped_files(qtbot, library, tmp_path, bad_images):
    from photocompare.ui.import_flow import PHOTO_FILTER

    assert "*.avif" in PHOTO_FILTER and "*.pgm" in PHOTO_FILTER and "*.heic" in PHOTO_FILTER
    folder = tmp_path / "visit"
    folder.mkdir()
    shutil.copy(_faces() / "obama_small.jpg", folder / "front.jpg")
    shutil.copy(bad_images / "truncated_jpeg.jpg", folder / "broken.jpg")
    (folder / "consent form.txt").write_text("signed", encoding="utf-8")
    w = quiet_window(qtbot, library, tmp_path)
    try:
        new_patient(w)
        summary = run_import(qtbot, w, [folder])
        assert summary.skipped and summary.counts() == {"imported": 1, "duplicates": 0, "rejected": 1}
        dialog = w.imports.dialog
        assert not dialog.isVisible(), "the report must not wait to be closed by hand"
        message = w.statusBar().currentMessage()
        assert message == "Import finished: 1 imported, 1 rejected, 1 skipped (not a photo)."
        assert w.imports.details_button.isVisible()
        assert w.imports.details_button.text() == f"{message}  Details…"
        w.imports.details_button.click()
        assert dialog.isVisible()
        assert dialog.rejected_rows("Skipped") == [("consent form.txt", "not a photo file (.txt)")]
        assert [name for name, _ in dialog.rejected_rows()] == ["broken.jpg"]
        assert [p.original_name for p in w.photos] == ["front.jpg"]
    finally:
        w.close()
        w.shutdown()


def test_a_stopped_import_says_why_and_how_many_were_not_tried():
    from photocompare.library.importer import ImportSummary
    from photocompare.ui.import_dialog import summary_sentence

    summary = ImportSummary(imported=[("a.jpg", 1)], stopped="the photo store is read-only", not_tried=7)
    assert summary_sentence(summary) == (
        "Import stopped: 1 imported, 7 not tried — the photo store is read-only.")
