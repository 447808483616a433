"""What a clinician and a patient met when they used the app (QA walk-through, engineer K),
pinned as behaviour: the first screens say what to do, the import report is readable, a folder
holding the library does not import its own thumbnails, the compare view recovers its "aligned"
choice after a faceless pair and warns about photos with several faces, the migraine tab says why
it has no figures, the review-mode PIN prompt is readable, consent can be recorded in the app
(audited), and the settings keep a store folder for a server library."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PIL import Image  # noqa: E402
from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from photocompare.core.course import DiaryDay  # noqa: E402
from photocompare.library import audit, consent  # noqa: E402
from photocompare.library.db import Library  # noqa: E402
from photocompare.ui import course_io  # noqa: E402
from photocompare.ui import library_access as la  # noqa: E402
from photocompare.ui.consent_dialog import ConsentDialog  # noqa: E402
from photocompare.ui.consistency_panel import _measure_label  # noqa: E402
from photocompare.ui.main_window import MainWindow  # noqa: E402
from photocompare.ui.migraine_panel import MigrainePanel  # noqa: E402
from photocompare.ui.review_mode import PinDialog, ReviewWindow  # noqa: E402
from photocompare.ui.settings_dialog import SettingsDialog  # noqa: E402
from photocompare.ui.settings_store import SettingsStore  # noqa: E402
from tests.conftest import shared_path  # noqa: E402


def _window(qtbot, library, tmp_path, analysis=None):
    w = MainWindow(
        library,
        SettingsStore.at_path(tmp_path / "settings.ini"),
        analysis,
        suggest_labels_after_import=False,
        warm_up_analysis=False,
    )
    qtbot.addWidget(w)
    w.resize(1300, 850)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def window(qtbot, library, tmp_path, analysis):
    w = _window(qtbot, library, tmp_path, analysis)
    yield w
    w.close()
    w.shutdown()


def _patient(window, external_id="MRN-0042", name="Ann Patient"):
    row = la.save_patient(
        window.library, patient_id=None, external_id=external_id, display_name=name, birth_year=None, notes=""
    )
    window.reload_patients(row.id)
    assert window.patient is not None and window.patient.id == row.id
    return row


def _import(qtbot, window, paths):
    with qtbot.waitSignal(window.import_finished, timeout=60_000) as blocker:
        assert window.start_import(paths) is not None
    return blocker.args[0]


def _report_rows(dialog, group: str) -> list[tuple[str, str]]:
    for i in range(dialog.report.topLevelItemCount()):
        top = dialog.report.topLevelItem(i)
        if top.text(0).startswith(group):
            return [(top.child(j).text(0), top.child(j).text(1)) for j in range(top.childCount())]
    return []


def _faces() -> Path:
    return shared_path("faces", "face_recognition-examples", "examples")


def _lit(image) -> float:
    """The darkest luminance in a grabbed widget (text on a light background is dark)."""
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).copy()
    return float(arr.min())


# --- first screens -----------------------------------------------------------------------------
def test_the_empty_photo_grid_says_what_to_do_next(qtbot, library, tmp_path):
    w = _window(qtbot, library, tmp_path)
    try:
        assert "New patient" in w.grid.empty_text and "Ctrl+N" in w.grid.empty_text
        _patient(w)
        assert "No photos for this patient yet" in w.grid.empty_text
        assert "Ctrl+I" in w.grid.empty_text
        suggestion = w.pairs_list.item(0).text()
        assert "two dates" in suggestion, "no pair advice about labels while there are no photos"
    finally:
        w.close()
        w.shutdown()


# --- import report -----------------------------------------------------------------------------
def test_import_report_shows_file_names_without_internal_ids_and_duplicates_with_their_original(
    qtbot, window, bad_images, tmp_path
):
    folder = tmp_path / "visit"
    folder.mkdir()
    shutil.copy(_faces() / "obama_small.jpg", folder / "front.jpg")
    shutil.copy(bad_images / "truncated_jpeg.jpg", folder / "broken.jpg")
    (folder / "empty.jpg").write_bytes(b"")
    _patient(window)
    _import(qtbot, window, [folder])
    dialog = window.imports.dialog
    assert _report_rows(dialog, "Imported") == [("front.jpg", "imported")]
    rejected = dict(_report_rows(dialog, "Rejected"))
    assert "truncated" in rejected["broken.jpg"] and "empty" in rejected["empty.jpg"]
    dialog.accept()

    _import(qtbot, window, [folder])
    duplicates = _report_rows(window.imports.dialog, "Duplicates")
    assert duplicates == [("front.jpg", "duplicate of front.jpg (patient MRN-0042)")]
    window.imports.dialog.accept()


def test_importing_a_folder_that_holds_the_library_skips_the_library_s_own_thumbnails(
    qtbot, tmp_path, analysis
):
    """A clinician picks the parent folder of both the photos and the library: the store's
    thumbnails (real JPEG files) must not come back as new photos."""
    parent = tmp_path / "clinic"
    (parent / "photos").mkdir(parents=True)
    shutil.copy(_faces() / "obama_small.jpg", parent / "photos" / "front.jpg")
    lib = Library.open(parent / "library")
    w = _window(qtbot, lib, tmp_path, analysis)
    try:
        _patient(w)
        _import(qtbot, w, [parent / "photos"])
        w.imports.dialog.accept()
        assert lib.thumbnail(w.photos[0].sha256, 256).is_file()  # a .jpg inside the store
        summary = _import(qtbot, w, [parent])
        assert summary.counts() == {"imported": 0, "duplicates": 1, "rejected": 0}
        w.imports.dialog.accept()
        assert len(la.list_photos(lib, w.patient.id)) == 1
    finally:
        w.close()
        w.shutdown()
        lib.close()


# --- compare view ------------------------------------------------------------------------------
def test_after_a_faceless_pair_the_next_pair_is_aligned_again_and_two_faces_are_flagged(
    qtbot, window, tmp_path
):
    folder = tmp_path / "in"
    folder.mkdir()
    ramp = np.tile(np.linspace(40, 220, 400, dtype=np.uint8), (300, 1))
    Image.fromarray(np.dstack([ramp, ramp, ramp])).save(folder / "wall.jpg")
    shutil.copy(_faces() / "knn_examples" / "train" / "obama" / "obama.jpg", folder / "obama.jpg")
    shutil.copy(_faces() / "two_people.jpg", folder / "two.jpg")
    _patient(window)
    _import(qtbot, window, [folder])
    window.imports.dialog.accept()
    by_name = {p.original_name: p for p in window.photos}
    cv = window.compare

    with qtbot.waitSignal(cv.pair_ready, timeout=60_000):
        window.open_pair(by_name["wall.jpg"], by_name["obama.jpg"])
    assert not cv.aligned and not cv.aligned_box.isEnabled()
    assert "as taken" in cv.right.caption

    with qtbot.waitSignal(cv.pair_ready, timeout=60_000):
        window.open_pair(by_name["obama.jpg"], by_name["two.jpg"])
    assert cv.pictures.after_aligned is not None
    assert cv.aligned and cv.aligned_box.isChecked(), "the faceless pair must not switch alignment off"
    assert "aligned" in cv.right.caption
    verdict = cv.panel.verdict.text()
    assert "after photo shows 2 faces" in verdict and "check it is the patient" in verdict

    # the user's own choice (as taken) is kept from pair to pair
    cv.aligned_box.setChecked(False)
    with qtbot.waitSignal(cv.pair_ready, timeout=60_000):
        window.open_pair(by_name["two.jpg"], by_name["obama.jpg"])
    assert not cv.aligned and not cv.aligned_box.isChecked()


def test_side_effect_measures_read_as_clinicians_write_them():
    assert _measure_label("mrd1_right_mm") == "MRD1 right (mm)"
    assert _measure_label("brow_height_left_mm") == "Brow height left (mm)"


# --- migraine tab --------------------------------------------------------------------------------
def test_the_migraine_tab_says_why_there_are_no_figures_and_what_to_do(qtbot, library):
    row = la.save_patient(library, patient_id=None, external_id="M-1", display_name="", birth_year=None, notes="")
    panel = MigrainePanel()
    qtbot.addWidget(panel)
    panel.set_patient(library, row.id)
    assert "No diary recorded yet" in panel.chart.empty_text
    assert "No diary recorded yet" in panel.flags_list.item(0).text()

    start = dt.date(2026, 1, 5)
    for i in range(10):
        course_io.save_day(library, row.id, DiaryDay(start + dt.timedelta(days=i), headache=i % 2 == 0))
    panel.refresh()
    text = panel.chart.empty_text
    assert "10 diary days (2026-01-05 – 2026-01-14) recorded" in text
    assert "treatment session" in text and "No diary recorded" not in text


# --- review mode -------------------------------------------------------------------------------
def test_the_pin_prompt_of_review_mode_is_readable(qtbot, library, tmp_path):
    """The review window's light-on-dark label style must not make the PIN prompt (and its
    "Wrong PIN" message) white on the dialog's light background."""
    row = la.save_patient(library, patient_id=None, external_id="R-1", display_name="R", birth_year=None, notes="")
    review = ReviewWindow(library, row.id, pin_check=lambda pin: pin == "2468", align=False)
    qtbot.addWidget(review)
    review.show()
    dialog = PinDialog(review)
    dialog.message.setText("Wrong PIN. Try again, or Cancel to stay.")
    dialog.show()
    qtbot.waitExposed(dialog)
    assert _lit(dialog.message.grab().toImage()) < 100, "the message text must be dark on the light dialog"
    dialog.close()
    assert review.leave_with_pin("2468")


# --- consent -----------------------------------------------------------------------------------
def test_consent_is_recorded_and_withdrawn_from_the_patient_menu_and_audited(qtbot, window, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(_faces() / "obama_small.jpg", folder / "a.jpg")
    shutil.copy(_faces() / "obama-240p.jpg", folder / "b.jpg")
    _patient(window)
    _import(qtbot, window, [folder])
    window.imports.dialog.accept()
    ids = [p.id for p in window.photos]
    window.grid.selectAll()
    assert window.consent_action.isEnabled()

    def tick_and_save():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ConsentDialog)
        dialog.boxes[consent.CLINICAL_RECORD].setChecked(True)
        dialog.boxes[consent.TEACHING].setChecked(True)
        dialog.note_edit.setText("signed form")
        dialog.accept()

    QTimer.singleShot(0, tick_and_save)
    window.consent_action.trigger()
    for photo_id in ids:
        granted = {s.use for s in consent.consent_states(window.library, photo_id) if s.granted}
        assert granted == {consent.CLINICAL_RECORD, consent.TEACHING}
    consent.require_consent(window.library, ids, consent.CLINICAL_RECORD)  # no refusal now
    assert "recorded in the audit log" in window.statusBar().currentMessage()

    def withdraw_teaching():
        dialog = QApplication.activeModalWidget()
        assert dialog.boxes[consent.CLINICAL_RECORD].checkState() == Qt.CheckState.Checked
        dialog.boxes[consent.TEACHING].setChecked(False)
        dialog.accept()

    QTimer.singleShot(0, withdraw_teaching)
    window.open_consent()
    assert all(
        {s.use for s in consent.consent_states(window.library, i) if s.granted} == {consent.CLINICAL_RECORD}
        for i in ids
    )
    actions = [r.action for r in audit.entries(window.library)]
    assert actions.count(audit.CONSENT_RECORDED) == 4 and actions.count(audit.CONSENT_REVOKED) == 2


# --- settings ----------------------------------------------------------------------------------
def test_settings_keep_an_originals_store_folder_and_ok_alone_does_not_pin_the_library(qtbot, tmp_path):
    ini = tmp_path / "settings.ini"
    store = SettingsStore.at_path(ini)
    dialog = SettingsDialog(store, current_library="/srv/lib")
    qtbot.addWidget(dialog)
    dialog.apply()
    assert not SettingsStore.at_path(ini).has_library_location(), "OK without a change must not pin the default"

    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    dialog.library_edit.setText("postgresql+psycopg://pc@db.clinic/photocompare")
    assert "store folder" in (dialog.validation_error() or "")
    dialog.store_edit.setText(str(tmp_path / "shared-store"))
    assert dialog.validation_error() is None
    dialog.apply()
    again = SettingsStore.at_path(ini)
    assert again.store_location() == str(tmp_path / "shared-store")
    assert SettingsDialog(again).store_edit.text() == str(tmp_path / "shared-store")


def test_the_gui_opens_a_url_library_with_the_store_folder_from_settings(tmp_path, monkeypatch):
    from photocompare.ui.app import open_library

    monkeypatch.delenv("PHOTOCOMPARE_STORE", raising=False)
    monkeypatch.delenv("PHOTOCOMPARE_LIBRARY", raising=False)
    settings = SettingsStore.at_path(tmp_path / "settings.ini")
    settings.set_store_location(str(tmp_path / "shared-store"))
    url = f"sqlite:///{tmp_path / 'server' / 'library.sqlite3'}"
    (tmp_path / "server").mkdir()
    lib = open_library(url, None, False, settings)
    try:
        assert Path(lib.store.root) == tmp_path / "shared-store"
    finally:
        lib.close()
    folder_lib = open_library(str(tmp_path / "folder"), None, False, settings)
    try:  # a folder library keeps its own store
        assert Path(folder_lib.store.root) == tmp_path / "folder" / "store"
    finally:
        folder_lib.close()
