"""The compare view on real pairs: every mode by its shortcut, zoom and pan in step on both sides,
a faceless pair shown as taken with the reason, full screen with only the comparison, the
difference map, and screenshots of the main views."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QWheelEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from photocompare.library import api as la  # noqa: E402
from photocompare.ui.compare_view import MODES  # noqa: E402
from tests.ui.conftest import new_patient, not_blank, open_demo_pair, run_import, save_grab  # noqa: E402


def test_open_a_pair_and_switch_through_every_mode_by_shortcut(qtbot, demo_window):
    w = demo_window
    pair = open_demo_pair(qtbot, w)
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
    open_demo_pair(qtbot, w)
    cv = w.compare
    cv.set_mode("side")
    left, right = cv.left, cv.right
    assert abs(left.width() - right.width()) <= 1
    qtbot.keyClick(left, "f")  # the pair opens on the face; wheel zoom is checked from "fit"
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


def _open_faceless_pair(qtbot, window, tmp_path, seed):
    """Import two noise pictures (no face) for a new patient, open them as a pair; the view."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    paths = []
    for i in range(2):
        p = tmp_path / f"wall{i}.png"
        Image.fromarray(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)).save(p)
        paths.append(p)
    new_patient(window)
    window.suggest_after_import = False
    run_import(qtbot, window, paths)
    photos = la.list_photos(window.library, window.patient.id)
    with qtbot.waitSignal(window.compare.pair_ready, timeout=60_000):
        window.open_pair(photos[0], photos[1])
    return window.compare


def test_a_faceless_pair_is_shown_as_taken_with_the_reason(qtbot, window, tmp_path):
    cv = _open_faceless_pair(qtbot, window, tmp_path, seed=1)
    assert cv.pictures.after_aligned is None
    assert not cv.aligned_box.isEnabled()
    assert "face" in cv.status.text().lower()


def test_main_views_render_to_png(qtbot, demo_window, tmp_path):
    w = demo_window
    w.tabs.setCurrentIndex(0)
    w.grid.setCurrentIndex(w.grid_model.index(0))
    qtbot.waitUntil(lambda: w.loader.decoded >= w.grid_model.rowCount(), timeout=20_000)
    qtbot.waitUntil(lambda: w.inspector.measures is not None, timeout=30_000)
    w.inspector.landmarks_box.setChecked(True)
    assert w.inspector.landmarks_drawn()
    images = {"main_photos": save_grab(w, "main_photos", tmp_path)}
    open_demo_pair(qtbot, w)
    for key, _title, _shortcut in MODES:
        w.compare.set_mode(key)
        if key == "blink":
            w.compare.blink_timer.stop()
        images[f"compare_{key}"] = save_grab(w, f"compare_{key}", tmp_path)
    w.compare.set_mode("side")
    w.compare.set_matched(True)
    images["compare_adjusted"] = save_grab(w, "compare_adjusted", tmp_path)
    if w.migraine_panel is not None:
        w.tabs.setCurrentWidget(w.migraine_panel)
        images["migraine_tab"] = save_grab(w, "migraine_tab", tmp_path)
    from photocompare.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(w.settings_store, w)
    dlg.resize(520, 480)
    images["settings"] = save_grab(dlg, "settings", tmp_path)
    for name, image in images.items():
        assert image.width() > 300 and not_blank(image), name


def test_full_screen_from_the_compare_view_keeps_only_the_comparison(qtbot, demo_window):
    w = demo_window
    open_demo_pair(qtbot, w)
    w.toggle_full_screen()
    qtbot.waitUntil(w.isFullScreen)
    assert w.patient_list.isHidden() and w.menuBar().isHidden()
    assert w.compare.isVisible()
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not w.isFullScreen())
    assert not w.patient_list.isHidden()


def test_difference_map_is_dark_for_identical_photos_and_ignores_uncovered_borders(astronaut_rgb):
    import numpy as np

    from photocompare.core.pair_pictures import difference_heatmap

    same = difference_heatmap(astronaut_rgb, astronaut_rgb.copy())
    darker = (astronaut_rgb * 0.6).astype(np.uint8)
    changed = difference_heatmap(astronaut_rgb, darker)
    assert changed.mean() > same.mean() + 20
    holed = darker.copy()
    holed[:, :40] = 0  # e.g. the black border left by warping the after photo
    valid = np.ones(astronaut_rgb.shape[:2], bool)
    valid[:, :40] = False
    masked = difference_heatmap(astronaut_rgb, holed, valid)
    assert masked[:, :30].mean() <= same[:, :30].mean() + 25


def test_a_pair_opens_on_the_face_in_step_and_fit_frame_is_one_key_away(qtbot, demo_window):
    w = demo_window
    open_demo_pair(qtbot, w)
    cv = w.compare
    left, right = cv.left, cv.right
    box = cv.pictures.face_box
    assert box is not None, "the demo pair has a face in the before photo"
    x, y, bw, bh = box
    assert cv.state.on_face and not cv.state.fit

    def face_px() -> float:  # the face's height on screen
        return (left.scene_to_widget(x, y + bh).y() - left.scene_to_widget(x, y).y())

    # on the face: its box (times the settings' room around it) fills the pane's height or width
    vw, vh = cv.state.viewport()
    factor = cv.state.face_factor
    assert max(face_px() * factor / vh, bw * left.effective_zoom() * factor / vw) == pytest.approx(1.0, abs=0.02)
    centre = left.scene_to_widget(x + bw / 2, y + bh / 2)
    assert centre.x() == pytest.approx(vw / 2, abs=1) and centre.y() == pytest.approx(vh / 2, abs=1)
    on_face = face_px()
    # both sides in step
    for sx, sy in ((x, y), (x + bw, y + bh)):
        assert left.scene_to_widget(sx, sy) == right.scene_to_widget(sx, sy)
    w.activateWindow()
    left.setFocus()
    qtbot.keyClick(left, "f")
    assert cv.state.fit and face_px() < on_face / 1.5, "fit shows the whole frame, the face smaller"
    qtbot.keyClick(left, "z")
    assert cv.state.on_face and face_px() == pytest.approx(on_face)
    qtbot.keyClick(left, "0", Qt.KeyboardModifier.ControlModifier)
    assert cv.state.fit
    # resizing keeps the face filling the pane (like fit, the zoom follows the pane)
    qtbot.mouseClick(cv.face_button, Qt.MouseButton.LeftButton)
    assert cv.state.on_face
    w.resize(1200, 800)
    qtbot.waitUntil(lambda: cv.state.viewport() != (vw, vh), timeout=3000)
    vw2, vh2 = cv.state.viewport()
    assert max(face_px() * factor / vh2, bw * left.effective_zoom() * factor / vw2) == pytest.approx(1.0, abs=0.02)


def test_a_faceless_pair_opens_on_the_whole_frame(qtbot, window, tmp_path):
    cv = _open_faceless_pair(qtbot, window, tmp_path, seed=2)
    assert cv.pictures.face_box is None and cv.state.fit and not cv.face_button.isEnabled()
    cv.show_face()
    assert cv.state.fit and "whole frame" in cv.status.text()


@pytest.mark.parametrize("width", [1000, 700, 560])
def test_difference_mode_title_never_covers_the_after_label(qtbot, demo_window, width):
    w = demo_window
    open_demo_pair(qtbot, w)
    cv = w.compare
    cv.set_mode("diff")
    total = sum(cv.splitter.sizes())
    cv.splitter.setSizes([width, total - width])  # the consistency panel takes the rest
    QApplication.processEvents()
    boxes = cv.left.caption_boxes()
    assert [full for _box, _shown, full in boxes] == [cv.left.caption, cv.after_caption()]
    (title, _t, _), (after, after_shown, _) = boxes
    assert not title.intersects(after), f"at {width} px the title overlaps {after_shown!r}"
    assert after_shown.startswith("After")
    for box, _shown, _full in boxes:
        assert box.left() >= 0 and box.right() <= cv.left.width()
    # a roomy pane keeps both on one row
    if cv.left.width() > title.width() + after.width() + 30:
        assert title.top() == after.top()
