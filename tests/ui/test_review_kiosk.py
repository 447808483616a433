"""Review mode from the main window: it hides every other window until it is left, and aligns
with the app's one face model (or makes one silenced model of its own when started alone)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from photocompare.core.analysis_service import AnalysisService  # noqa: E402
from photocompare.demo import DEMO_PATIENT_ID  # noqa: E402
from photocompare.library import api as la  # noqa: E402
from photocompare.library.db import Library  # noqa: E402
from photocompare.ui.review_mode import ReviewWindow  # noqa: E402
from tests.conftest import shared_path  # noqa: E402


@pytest.fixture
def window(make_window):
    return make_window()


def _shot(widget: QWidget, name: str, tmp_path: Path) -> Path:
    QApplication.processEvents()
    path = tmp_path / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


def _visible_windows() -> list[QWidget]:
    return [t for t in QApplication.topLevelWidgets() if t.isVisible() and t.isWindow()]


@pytest.fixture(scope="module")
def analysis():
    service = AnalysisService()
    service.warm_up()
    yield service
    service.close()


@pytest.fixture
def library(demo_library):
    return demo_library


CHATTER = ("inference_feedback_manager", "InitGoogle", "TensorFlow Lite", "XNNPACK", "W0000", "I0000")


def _demo_patient(library) -> la.PatientRow:
    row = la.find_patient(library, DEMO_PATIENT_ID)
    assert row is not None
    return row


def test_review_mode_aligns_with_the_shared_analysis_service_only(qtbot, window, analysis, monkeypatch):
    import photocompare.core.face as face

    calls = []
    real_compare = analysis.compare

    def spy(before, after, thresholds=None, align=True, **keys):
        calls.append((before, after))
        return real_compare(before, after, thresholds, align=align, **keys)

    class NoSecondAnalyzer:
        def __init__(self, *a, **k):
            raise AssertionError("review mode must not build its own FaceAnalyzer")

    monkeypatch.setattr(analysis, "compare", spy)
    monkeypatch.setattr(face, "FaceAnalyzer", NoSecondAnalyzer)
    assert window.select_patient_by_external_id(DEMO_PATIENT_ID)
    review = window.open_review_mode()
    assert review is not None
    qtbot.addWidget(review)
    assert review.analysis_in_use is analysis
    qtbot.waitUntil(lambda: bool(review.aligned_pairs()), timeout=30_000)
    pair = review.current_pair
    assert (pair.before.path, pair.after.path) in calls
    assert analysis.created == 1
    assert not review.made_own_analysis
    review.leave_with_pin("")


def test_review_mode_alone_builds_one_silenced_analyzer(qtbot, library, capfd):
    patient = _demo_patient(library)
    review = ReviewWindow(library, patient.id)
    qtbot.addWidget(review)
    review.show()
    qtbot.waitUntil(lambda: bool(review.aligned_pairs()), timeout=60_000)
    assert review.made_own_analysis
    own = review.analysis_in_use
    assert own is not None and own.created == 1
    if len(review.pairs) > 1:  # another cycle reuses the same analyzer
        review.show_pair(0)
        qtbot.waitUntil(lambda: 0 in review.aligned_pairs(), timeout=30_000)
        assert own.created == 1
    review.close()
    assert not review.made_own_analysis and review.analysis_in_use is None
    qtbot.waitUntil(lambda: own._closed, timeout=10_000)
    err = capfd.readouterr().err
    assert not [c for c in CHATTER if c in err], err[-1500:]


def test_review_mode_hides_every_other_window_until_it_is_left(qtbot, window, tmp_path):
    other = QWidget()  # e.g. a non-modal tool window of the app
    other.setWindowTitle("another window")
    qtbot.addWidget(other)
    other.show()
    assert window.select_patient_by_external_id(DEMO_PATIENT_ID)
    review = window.open_review_mode()
    qtbot.addWidget(review)
    qtbot.waitExposed(review)
    for w in _visible_windows():
        top = w
        while top is not None and top is not review:
            top = top.parentWidget()
        assert top is review, f"{w.windowTitle()!r} is visible in review mode"
    assert not window.isVisible() and not other.isVisible()
    late = QWidget()  # a window that tries to appear during review (an import summary, …)
    late.setWindowTitle("late window")
    qtbot.addWidget(late)
    late.show()
    QApplication.processEvents()
    assert not late.isVisible()
    review.resize(1280, 800)
    qtbot.waitUntil(lambda: bool(review.aligned_pairs()), timeout=30_000)
    _shot(review, "review_mode", tmp_path)
    assert review.leave_with_pin("")
    assert window.isVisible() and other.isVisible() and late.isVisible()
    assert window.kiosk.window is None
    again = QWidget()  # after review mode, windows appear as usual
    qtbot.addWidget(again)
    again.show()
    assert again.isVisible()


def _dated_copy(source: Path, target: Path, taken: str) -> Path:
    """`source` re-saved with an EXIF capture date, as a camera would write it."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x0132] = taken
    exif.get_ifd(0x8769)[0x9003] = taken
    Image.open(source).convert("RGB").save(target, quality=92, exif=exif)
    return target


def test_review_mode_never_lays_another_persons_photo_over_the_patients(qtbot, tmp_path, analysis):
    from photocompare.library.importer import import_paths
    from photocompare.ui.review_mode import OTHER_PERSON_BADGE

    train = shared_path("faces", "face_recognition-examples", "examples", "knn_examples", "train")
    folder = tmp_path / "in"
    folder.mkdir()
    before = _dated_copy(train / "biden" / "biden2.jpg", folder / "before.jpg", "2026:01:05 10:00:00")
    after = _dated_copy(next((train / "obama").iterdir()), folder / "after.jpg", "2026:04:01 10:00:00")
    with Library.open(tmp_path / "lib") as lib:
        import_paths(lib, [before, after], "P-2")
        patient = la.find_patient(lib, "P-2")
        review = ReviewWindow(lib, patient.id, analysis=analysis)
        qtbot.addWidget(review)
        review.show()
        assert len(review.pairs) == 1
        qtbot.waitUntil(lambda: review.after_view.badge() == OTHER_PERSON_BADGE, timeout=60_000)
        assert not review.aligned_pairs(), "two people are never aligned one onto the other"
        assert "may show another person" in review.detail_label.text()
        review.close()
