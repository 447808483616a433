"""The Capture window with a video source and the Visit capture panel, headless (pytest-qt):
live preview with the aligned ghost and guidance words, automatic capture into the visit with
its check, keyed capture, the panel's slots filling green/amber/red from the hot folder, and
one-line messages for a camera that cannot be opened or a folder that does not exist."""

from __future__ import annotations

import shutil

import cv2
import numpy as np
import pytest

from tests.capture.conftest import save_jpeg
from tests.core.face_synth import exposed

pytest.importorskip("pytestqt")


def capture_settings(**kw):
    from photocompare.settings import CaptureSettings, Settings

    shots = (("frontal", "smile"), ("frontal", "neutral"), ("left-oblique", "neutral"))
    return Settings(capture=CaptureSettings(shot_list=shots, **kw))


@pytest.fixture(scope="module")
def ui_video(tmp_path_factory, face_rgb):
    """40 frames matching the baseline (a slight 0.5° sway), then 30 frames 1 stop darker."""
    path = tmp_path_factory.mktemp("ui-video") / "visit.avi"
    h, w = face_rgb.shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (w, h))
    for k in range(70):
        m = cv2.getRotationMatrix2D((w / 2, h * 0.45), 0.5 * np.sin(k / 5), 1.0)
        frame = cv2.warpAffine(face_rgb, m, (w, h), flags=cv2.INTER_CUBIC,
                               borderMode=cv2.BORDER_REPLICATE)
        if k >= 40:
            frame = exposed(frame, -1.0)
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


@pytest.fixture()
def patient_library(tmp_path, face_photo):
    from photocompare.core.face import FaceAnalyzer
    from photocompare.library.db import Library
    from photocompare.library.importer import import_paths
    from photocompare.library.labelling import suggest_and_store_labels

    library = Library.open(tmp_path / "lib")
    summary = import_paths(library, [face_photo], "P-7")
    with FaceAnalyzer() as analyzer:
        labels = suggest_and_store_labels(library, [summary.imported[0][1]], analyzer)
    assert (labels[0].view, labels[0].expression) == ("frontal", "smile")
    yield library, summary.imported[0][1]
    library.close()


def test_capture_window_guides_and_takes_photos_into_the_visit(qtbot, ui_video, patient_library, tmp_path):
    from photocompare.ui.capture_window import open_capture_window
    from photocompare.ui.visit_capture_panel import VisitCapturePanel

    library, baseline_id = patient_library
    settings = capture_settings(hold_frames=3)
    panel = VisitCapturePanel(library, "P-7", settings=settings)
    qtbot.addWidget(panel)
    window = open_capture_window(None, library, "P-7", str(ui_video), settings=settings)
    # the window deletes itself on close (as from the main window), so it is closed here
    window.photo_taken.connect(panel.show_result)
    assert window.baseline_path == library.original_path(library.photo(baseline_id))

    qtbot.waitUntil(lambda: window.preview.guidance is not None and window.preview.frame_index >= 0,
                    timeout=60_000)
    assert window.preview.has_ghost()
    with qtbot.waitSignal(window.photo_taken, timeout=60_000) as taken:
        pass
    result = taken.args[0]
    assert result.status == "imported" and result.baseline_photo_id == baseline_id
    assert result.check["consistent"] is True and result.verdict in ("pass", "warn")
    assert abs(result.check["checks"]["lighting"]["exposure_diff_ev"]) < 0.15
    assert panel.slot_state("frontal", "smile") == result.verdict
    assert "Photo" in window.last_photo.text()
    stored = library.photo(result.photo_id)
    assert (stored.width, stored.height) == (1280, 720)  # full resolution frame

    # the ghost opacity follows the slider
    window.opacity_slider.setValue(75)
    assert window.preview.opacity == pytest.approx(0.75)
    # darker stretch: guidance speaks of stops, and the border is not "ready"
    qtbot.waitUntil(lambda: window.preview.guidance is not None
                    and not window.preview.guidance.ready
                    and any("too dark" in w for w in window.preview.words), timeout=60_000)
    with qtbot.waitSignal(window.frame_saved, timeout=30_000):
        qtbot.keyClick(window, " ")  # keyed capture: taken whatever the checks say
    window.grab().save(str(tmp_path / "capture-window.png"))
    assert (tmp_path / "capture-window.png").stat().st_size > 10_000
    window.close()
    assert window._thread is None


def test_capture_window_with_a_camera_that_cannot_be_opened(qtbot, face_photo):
    from photocompare.ui.capture_window import CaptureWindow

    window = CaptureWindow(None, None, 7, baseline=face_photo)
    qtbot.addWidget(window)
    window.show()
    assert window.start() is True  # the baseline is fine; the camera fails on the worker
    qtbot.waitUntil(lambda: window.error is not None, timeout=30_000)
    assert "camera 7" in window.error and "\n" not in window.error
    assert "camera 7" in window.status.text()
    window.close()


def test_capture_window_makes_a_capture_folder_that_is_not_there_yet(qtbot, face_photo, tmp_path):
    """As `guide --auto-capture` does; before, the first photo taken failed to save."""
    from photocompare.ui.capture_window import CaptureWindow

    folder = tmp_path / "visits" / "2026-11-30"
    window = CaptureWindow(None, None, 7, baseline=face_photo, capture_dir=folder)
    qtbot.addWidget(window)
    assert folder.is_dir() and window.capture_dir == folder


def test_capture_window_without_a_baseline_says_so(qtbot, tmp_path):
    from photocompare.library.db import Library
    from photocompare.ui.capture_window import CaptureWindow

    library = Library.open(tmp_path / "lib")
    patient = library.add_patient("P-NEW", "")
    window = CaptureWindow(library, patient.id, 0)  # the main window passes its internal id
    qtbot.addWidget(window)
    assert window.patient_external_id == "P-NEW"
    assert window.start() is False
    assert "No baseline photo" in window.error
    window.close()
    library.close()


def test_visit_panel_slots_fill_from_the_hot_folder(qtbot, patient_library, face_rgb, tmp_path):
    from photocompare.ui.visit_capture_panel import VisitCapturePanel

    library, baseline_id = patient_library
    panel = VisitCapturePanel(library, "P-7", settings=capture_settings())
    qtbot.addWidget(panel)
    hot = tmp_path / "hot"
    hot.mkdir()
    panel.start_watching(hot)
    qtbot.waitUntil(lambda: "watching" in panel.folder_label.text(), timeout=60_000)
    assert panel.slot_state("frontal", "smile") == "waiting"

    save_jpeg(exposed(face_rgb, -1.0), hot / "dark.jpg")  # 1 stop darker: lighting fails
    qtbot.waitUntil(lambda: panel.slot_state("frontal", "smile") != "waiting", timeout=30_000)
    slot = panel.slots[("frontal", "smile")]
    assert slot.state == "fail" and slot.detail.text().startswith("Retake")
    assert "darker" in slot.detail.text()

    save_jpeg(face_rgb, hot / "retake.jpg", quality=90)
    qtbot.waitUntil(lambda: panel.slot_state("frontal", "smile") == "pass", timeout=30_000)
    assert f"matches photo {baseline_id}" in slot.detail.text()

    (hot / "notes.txt").write_text("not a photo")
    qtbot.waitUntil(lambda: "notes.txt was not imported" in panel.message.text(), timeout=30_000)
    shutil.copy(hot / "retake.jpg", hot / "again.jpg")
    qtbot.waitUntil(lambda: "already in the library" in panel.message.text(), timeout=30_000)
    assert panel.watching
    panel.stop_watching()
    assert not panel.watching
    assert panel.slot_state("frontal", "neutral") == "waiting"


def test_visit_panel_folder_missing_is_one_line(qtbot, patient_library, tmp_path):
    from photocompare.ui.visit_capture_panel import VisitCapturePanel

    library, _ = patient_library
    panel = VisitCapturePanel(library, "P-7", settings=capture_settings())
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.watch_failed, timeout=30_000) as failed:
        panel.start_watching(tmp_path / "missing")
    assert "folder not found" in failed.args[0] and "\n" not in failed.args[0]
    qtbot.waitUntil(lambda: panel.choose_button.isEnabled(), timeout=10_000)
