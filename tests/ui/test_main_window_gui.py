"""The real MainWindow on a temporary library (offscreen): import real photos, reject a bad one
with its reason, cancel an import, open a pair, every compare mode by its shortcut, zoom and pan
in sync, undo of a label edit, and screenshots of the main views."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QImage, QWheelEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialogButtonBox  # noqa: E402

from photocompare.library.db import Library  # noqa: E402
from photocompare.ui import library_access as la  # noqa: E402
from photocompare.ui.compare_view import MODES  # noqa: E402
from photocompare.ui.main_window import MainWindow  # noqa: E402
from photocompare.ui.settings_store import SettingsStore  # noqa: E402
from tests.conftest import shared_path  # noqa: E402

SHOTS = Path("/tmp/shots")


@pytest.fixture
def window(qtbot, library, tmp_path, analysis):
    w = MainWindow(library, SettingsStore.at_path(tmp_path / "settings.ini"), analysis)
    qtbot.addWidget(w)
    w.resize(1500, 950)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()
    w.shutdown()


@pytest.fixture
def demo_window(qtbot, demo_master, tmp_path, analysis):
    lib = Library.open(demo_master)
    w = MainWindow(lib, SettingsStore.at_path(tmp_path / "settings.ini"), analysis)
    qtbot.addWidget(w)
    w.resize(1500, 950)
    w.show()
    qtbot.waitExposed(w)
    assert w.select_patient_by_external_id("DEMO-001")
    yield w
    w.close()
    w.shutdown()
    lib.close()


def _new_patient(window, external_id="P-1", name="Test Patient"):
    row = la.save_patient(window.library, patient_id=None, external_id=external_id, display_name=name, birth_year=None, notes="")
    window.reload_patients(row.id)
    assert window.patient is not None and window.patient.id == row.id
    return row


def _run_import(qtbot, window, paths):
    with qtbot.waitSignal(window.import_finished, timeout=60_000) as blocker:
        task = window.start_import(paths)
        assert task is not None
    return blocker.args[0]


def _open_demo_pair(qtbot, w):
    pairs = w.suggested_pairs()
    assert pairs, "the demo patient must offer a suggested pair"
    with qtbot.waitSignal(w.compare.pair_ready, timeout=60_000):
        w.open_pair(pairs[0].before, pairs[0].after)
    return pairs[0]


def _save(widget, name, tmp_path) -> QImage:
    QApplication.processEvents()
    pixmap = widget.grab()
    path = tmp_path / f"{name}.png"
    assert pixmap.save(str(path))
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / f"d_{path.name}")
    return pixmap.toImage()


def _not_blank(image: QImage) -> bool:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).copy()
    return arr.std() > 10


# -- import -----------------------------------------------------------------------------------
def test_import_real_photos_shows_imported_duplicates_and_rejected_with_reason(qtbot, window, bad_images, tmp_path):
    faces = shared_path("faces", "face_recognition-examples", "examples")
    _new_patient(window)
    bad = bad_images / "truncated_jpeg.jpg"
    summary = _run_import(qtbot, window, [faces / "obama-240p.jpg", faces / "biden.jpg", bad])
    dialog = window.imports.dialog
    assert dialog.counts == {"imported": 2, "duplicates": 0, "rejected": 1}
    rejected = dialog.rejected_rows()
    assert rejected and rejected[0][0] == "truncated_jpeg.jpg"
    assert rejected[0][1].strip(), "a rejected file must show its reason"
    assert len(summary.imported) == 2
    assert window.grid_model.rowCount() == 2
    dialog.resize(640, 360)
    assert _not_blank(_save(dialog, "import_report", tmp_path))
    # the same file again is a duplicate, and the library is unchanged
    _run_import(qtbot, window, [faces / "obama-240p.jpg"])
    assert window.imports.dialog.counts["duplicates"] == 1
    assert len(la.list_photos(window.library, window.patient.id)) == 2
    # thumbnails arrive (decoded off the GUI thread)
    window.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: window.loader.decoded >= 2, timeout=20_000)


def test_labels_are_suggested_from_head_pose_after_import_and_edit_is_undoable(qtbot, window):
    faces = shared_path("faces", "face_recognition-examples", "examples")
    _new_patient(window)
    with qtbot.waitSignal(window.labels_suggested, timeout=60_000):
        _run_import(qtbot, window, [faces / "obama-480p.jpg"])
    photo = la.list_photos(window.library, window.patient.id)[0]
    assert photo.view_label == "frontal"
    assert photo.expression_label == "smile"  # obama-480p is a broad smile
    window.edit_photo(photo.id, "view_label", "left-oblique")
    assert la.get_photo(window.library, photo.id).view_label == "left-oblique"
    window.undo_stack.undo()
    assert la.get_photo(window.library, photo.id).view_label == "frontal"
    window.undo_stack.redo()
    assert la.get_photo(window.library, photo.id).view_label == "left-oblique"
    assert window.grid_model.photo_at(0).view_label == "left-oblique"


def test_cancelling_an_import_stops_it_and_keeps_the_library_consistent(qtbot, window):
    faces = shared_path("faces")
    _new_patient(window)
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


# -- compare --------------------------------------------------------------------------------------
def test_open_a_pair_and_switch_through_every_mode_by_shortcut(qtbot, demo_window):
    w = demo_window
    pair = _open_demo_pair(qtbot, w)
    cv = w.compare
    assert cv.pictures.after_aligned is not None, "the demo pair has faces: it must be aligned"
    assert cv.panel.statuses(), "the consistency panel lists the checks"
    assert set(cv.panel.statuses().values()) <= {"pass", "warn", "fail"}
    w.activateWindow()
    cv.left.setFocus()
    seen = {}
    for key, _title, shortcut in reversed(MODES):
        qtbot.keyClick(cv.left, shortcut)
        assert cv.mode == key, f"shortcut {shortcut} must switch to {key}"
        seen[key] = cv.shown_images()
    assert cv.right.isVisible() is True  # side by side is the last one switched to
    assert seen["wipe"]["under"] is not None and seen["wipe"]["over"] is not None
    assert seen["diff"]["left"] is not seen["side"]["left"], "difference mode shows the heat map"
    assert cv.left.grid is False and seen["grid"]["left"] is not None
    # blink alternates before / after
    qtbot.keyClick(cv.left, "4")
    first = cv.left.image
    cv.blink_spin.setValue(100)
    qtbot.waitUntil(lambda: cv.left.image is not first, timeout=3000)
    # aligned / as taken and the lighting match, labelled "adjusted"
    qtbot.keyClick(cv.left, "1")
    qtbot.keyClick(cv.left, "a")
    assert not cv.aligned and "as taken" in cv.right.caption
    qtbot.keyClick(cv.left, "l")
    assert cv.matched and "adjusted" in cv.right.caption
    assert pair.before.taken_date < pair.after.taken_date


def test_zoom_and_pan_stay_in_sync_between_the_two_sides(qtbot, demo_window):
    w = demo_window
    _open_demo_pair(qtbot, w)
    cv = w.compare
    cv.set_mode("side")
    left, right = cv.left, cv.right
    assert abs(left.width() - right.width()) <= 1
    fit_zoom = left.effective_zoom()
    pos = QPointF(left.width() * 0.3, left.height() * 0.4)
    anchor_scene = left.widget_to_scene(pos)
    event = QWheelEvent(
        pos, left.mapToGlobal(pos), QPoint(0, 0), QPoint(0, 240),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )
    QApplication.sendEvent(left, event)
    assert left.effective_zoom() == pytest.approx(fit_zoom * 1.25**2)
    assert right.effective_zoom() == pytest.approx(left.effective_zoom())
    # the point under the cursor stays under the cursor (wheel zoom about the cursor)
    after = left.widget_to_scene(pos)
    assert after[0] == pytest.approx(anchor_scene[0], abs=0.5)
    assert after[1] == pytest.approx(anchor_scene[1], abs=0.5)
    # drag the RIGHT side: the left follows
    centre_before = (cv.state.cx, cv.state.cy)
    start = QPoint(right.width() // 2, right.height() // 2)
    qtbot.mousePress(right, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(right, start + QPoint(-40, -25))
    qtbot.mouseRelease(right, Qt.MouseButton.LeftButton, pos=start + QPoint(-40, -25))
    assert (cv.state.cx, cv.state.cy) != centre_before
    for sx, sy in ((10.0, 10.0), (200.0, 150.0)):
        assert left.scene_to_widget(sx, sy) == right.scene_to_widget(sx, sy)
    # fit and 100 %
    qtbot.keyClick(left, "0", Qt.KeyboardModifier.ControlModifier)
    assert cv.state.fit and left.effective_zoom() == pytest.approx(fit_zoom)
    qtbot.keyClick(left, "1", Qt.KeyboardModifier.ControlModifier)
    assert cv.state.zoom == pytest.approx(cv.state.scene_w / cv.pictures.full_width / left.devicePixelRatioF())
    assert right.effective_zoom() == left.effective_zoom()


def test_a_faceless_pair_is_shown_as_taken_with_the_reason(qtbot, window, tmp_path):
    from PIL import Image

    rng = np.random.default_rng(1)
    paths = []
    for i in range(2):
        p = tmp_path / f"wall{i}.png"
        Image.fromarray(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)).save(p)
        paths.append(p)
    _new_patient(window)
    window.suggest_after_import = False
    _run_import(qtbot, window, paths)
    photos = la.list_photos(window.library, window.patient.id)
    with qtbot.waitSignal(window.compare.pair_ready, timeout=60_000):
        window.open_pair(photos[0], photos[1])
    cv = window.compare
    assert cv.pictures.after_aligned is None
    assert not cv.aligned_box.isEnabled()
    assert "face" in cv.status.text().lower()


# -- screenshots ------------------------------------------------------------------------------------
def test_main_views_render_to_png(qtbot, demo_window, tmp_path):
    w = demo_window
    w.tabs.setCurrentIndex(0)
    w.grid.setCurrentIndex(w.grid_model.index(0))
    qtbot.waitUntil(lambda: w.loader.decoded >= w.grid_model.rowCount(), timeout=20_000)
    qtbot.waitUntil(lambda: w.inspector.measures is not None, timeout=30_000)
    w.inspector.landmarks_box.setChecked(True)
    assert w.inspector.landmarks_drawn()
    images = {"main_photos": _save(w, "main_photos", tmp_path)}
    _open_demo_pair(qtbot, w)
    for key, _title, _shortcut in MODES:
        w.compare.set_mode(key)
        if key == "blink":
            w.compare.blink_timer.stop()
        images[f"compare_{key}"] = _save(w, f"compare_{key}", tmp_path)
    w.compare.set_mode("side")
    w.compare.set_matched(True)
    images["compare_adjusted"] = _save(w, "compare_adjusted", tmp_path)
    if w.migraine_panel is not None:
        w.tabs.setCurrentWidget(w.migraine_panel)
        images["migraine_tab"] = _save(w, "migraine_tab", tmp_path)
    from photocompare.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(w.settings_store, w)
    dlg.resize(520, 480)
    images["settings"] = _save(dlg, "settings", tmp_path)
    for name, image in images.items():
        assert image.width() > 300 and _not_blank(image), name


def test_export_button_writes_a_sheet_off_the_gui_thread(qtbot, demo_window, tmp_path):
    pytest.importorskip("photocompare.export.sheet")
    w = demo_window
    pair = _open_demo_pair(qtbot, w)
    from photocompare.library import consent  # exports need the patient's consent (issue 8)

    consent.record_consent(w.library, [pair.before.id, pair.after.id], [consent.CLINICAL_RECORD])
    out = tmp_path / "sheet.pdf"
    with qtbot.waitSignal(w.export_finished, timeout=60_000) as blocker:
        w.sheets.run(w.compare.context, w.compare.pictures, str(out))
    assert not isinstance(blocker.args[0], BaseException), blocker.args[0]
    assert out.read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("extra", [[], ["--review", "DEMO-001"]], ids=["main-window", "review-mode"])
def test_the_gui_command_starts_the_demo_and_logs_without_patient_names(tmp_path, extra):
    import os
    import subprocess
    import sys

    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        PHOTOCOMPARE_EXIT_AFTER_MS="1500",
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        HOME=str(tmp_path),
    )
    env.pop("PHOTOCOMPARE_LIBRARY", None)
    proc = subprocess.run(
        [sys.executable, "-m", "photocompare", "gui", "--demo", *extra],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    logs = list((tmp_path / "state").rglob("photocompare.log"))
    assert logs, "the app writes a log file for support"
    text = logs[0].read_text()
    assert "starting" in text and "patient" in text
    assert "Demo Patient" not in text, "patient names never go to the log"
    assert list((tmp_path / "data").rglob("library.sqlite3")), "the demo lives in the per-user data dir"


def test_review_mode_opens_for_the_current_patient_only(qtbot, demo_window):
    w = demo_window
    if not w.review_action.isEnabled():
        pytest.skip("review mode (issue 6) not in this build")
    review = w.open_review_mode()
    assert review is not None
    qtbot.addWidget(review)
    assert review.patient.external_id == "DEMO-001"
    if w.migraine_panel is not None:
        assert w.tabs.indexOf(w.migraine_panel) >= 0


def test_unexpected_errors_show_a_readable_message_and_go_to_the_log(qtbot, tmp_path, monkeypatch):
    import logging
    import sys

    from PySide6.QtWidgets import QMessageBox

    from photocompare.core import quiet
    from photocompare.ui import app as app_module

    monkeypatch.setattr(quiet, "_SINK_PATH", quiet._SINK_PATH)
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(self.text()) or 0)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    log_file = app_module.setup_logging(tmp_path / "logs")
    app_module.install_exception_hook(log_file)
    try:
        raise ZeroDivisionError("division by zero in a slot")
    except ZeroDivisionError:
        sys.excepthook(*sys.exc_info())
    for h in logging.getLogger().handlers:
        h.flush()
    assert shown and "Traceback" not in shown[0] and str(log_file) in shown[0]
    assert "ZeroDivisionError" in log_file.read_text()
    from photocompare.core.errors import UnreadablePhoto

    try:
        raise UnreadablePhoto("/x/IMG_1.jpg", "file ends early")
    except UnreadablePhoto:
        sys.excepthook(*sys.exc_info())
    assert shown[-1] == "IMG_1.jpg: file ends early"
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "baseFilename", None) == str(log_file):
            root.removeHandler(h)
            h.close()


def test_window_geometry_is_remembered(qtbot, library, tmp_path, analysis):
    store = SettingsStore.at_path(tmp_path / "geometry.ini")
    first = MainWindow(library, store, analysis, warm_up_analysis=False)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.resize(first.width(), 560)  # the offscreen screen is 800 x 600: check the height
    qtbot.waitUntil(lambda: first.height() == 560)
    first.inspector_dock.hide()
    first.close()
    assert store.window_geometry() is not None
    first.shutdown()
    second = MainWindow(library, SettingsStore.at_path(tmp_path / "geometry.ini"), analysis, warm_up_analysis=False)
    qtbot.addWidget(second)
    assert second.height() == 560
    assert second.inspector_dock.isHidden(), "dock layout (window state) is restored too"
    second.shutdown()


def test_dropping_files_on_the_window_imports_them(qtbot, window):
    from PySide6.QtCore import QMimeData, QUrl
    from PySide6.QtGui import QDropEvent

    faces = shared_path("faces", "face_recognition-examples", "examples")
    _new_patient(window)
    window.suggest_after_import = False
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(faces / "obama-720p.jpg"))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.import_finished, timeout=60_000):
        window.dropEvent(event)
    assert [p.original_name for p in la.list_photos(window.library, window.patient.id)] == ["obama-720p.jpg"]


def test_full_screen_from_the_compare_view_keeps_only_the_comparison(qtbot, demo_window):
    w = demo_window
    _open_demo_pair(qtbot, w)
    w.toggle_full_screen()
    qtbot.waitUntil(w.isFullScreen)
    assert w.patient_list.isHidden() and w.menuBar().isHidden()
    assert w.compare.isVisible()
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not w.isFullScreen())
    assert not w.patient_list.isHidden()


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
        _new_patient(w)
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
        _new_patient(w)
        w.import_files_action.trigger()
        assert w.imports.task is None and w.imports.dialog is None
        assert la.list_photos(w.library, w.patient.id) == []
    finally:
        w.close()
        w.shutdown()
