"""Patient review mode: only that patient, no way to another patient, leaving needs the PIN."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QMenuBar,
    QWidget,
)

from photocompare.core.course import summary_sentence
from photocompare.demo_course import add_demo_course
from photocompare.library import course_repo
from photocompare.library.db import Library
from photocompare.library.importer import import_paths
from photocompare.library.models import Photo
from photocompare.ui.review_mode import PinDialog, ReviewWindow, hash_pin, verify_pin
from photocompare.ui.settings_store import SettingsStore
from tests.ui.migraine_helpers import image_is_not_blank, keep_shot

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2025, 12, 1)


@pytest.fixture(scope="module")
def photos(tmp_path_factory, astronaut_rgb):
    """A before photo and an 'after' shot of the same face, rotated, shifted and darker."""
    d = tmp_path_factory.mktemp("review_photos")
    src = Image.fromarray(astronaut_rgb)
    before, after, other = d / "before.jpg", d / "after.jpg", d / "other.jpg"
    src.save(before, quality=92)
    src.rotate(4, resample=Image.Resampling.BICUBIC, translate=(10, 6)).point(
        lambda v: int(v * 0.85)).save(after, quality=92)
    src.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(other, quality=92)
    return before, after, other


@pytest.fixture(scope="module")
def library(tmp_path_factory, photos):
    """One library for the module: review mode never writes to it."""
    before, after, other = photos
    lib = Library.open(tmp_path_factory.mktemp("review_lib") / "lib")
    mine = import_paths(lib, [before, after], "DEMO-001", display_name="Alex Demo")
    theirs = import_paths(lib, [other], "OTHER-777", display_name="Zed Secret")
    assert not mine.rejected and not theirs.rejected
    with lib.session() as s:
        rows = {p.id: p for p in s.query(Photo).all()}
        first, second = (rows[pid] for _path, pid in mine.imported)
        first.taken_at = dt.datetime(2025, 1, 10, 10, 0)
        second.taken_at = dt.datetime(2025, 11, 20, 10, 0)
        for p in (first, second):
            p.view_label, p.expression_label = "frontal", "neutral"
        rows[theirs.imported[0][1]].taken_at = dt.datetime(2025, 6, 1, 9, 0)
    add_demo_course(lib, mine.patient_id, today=TODAY)
    add_demo_course(lib, theirs.patient_id, today=TODAY)
    yield lib, mine.patient_id
    lib.close()


def _all_texts(window: QWidget) -> list[str]:
    texts = [window.windowTitle(), window.toolTip(), window.accessibleName()]
    for w in window.findChildren(QWidget):
        texts += [w.toolTip(), w.accessibleName(), w.windowTitle()]
        if isinstance(w, QLabel | QAbstractButton):
            texts.append(w.text())
        if hasattr(w, "caption"):
            texts.append(w.caption())
    return texts


def test_review_shows_only_that_patient_with_summary_and_dates(qtbot, library, tmp_path):
    lib, pid = library
    window = ReviewWindow(lib, "DEMO-001", align=False)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)

    assert window.patient.id == pid
    report = course_repo.load_course(lib, pid)
    pair = window.current_pair
    assert pair.before.taken_date == dt.date(2025, 1, 10)
    assert pair.after.taken_date == dt.date(2025, 11, 20)
    assert pair.before_period.label == "baseline"
    assert window.summary_label.text() == summary_sentence(report, pair.after_period)
    assert window.summary_label.text().startswith("Headache days went from")
    assert "% fewer" in window.summary_label.text()
    assert "10 January 2025" in window.before_view.caption()
    assert "20 November 2025" in window.after_view.caption()
    assert window.before_view.image() is not None and window.after_view.image() is not None

    # nothing of the other patient anywhere, and no widget that could lead there
    texts = " ".join(_all_texts(window))
    assert "Zed" not in texts and "OTHER-777" not in texts
    assert "Alex Demo" in texts
    for kind in (QLineEdit, QComboBox, QAbstractItemView, QMenuBar):
        assert window.findChildren(kind) == [], f"{kind.__name__} in review mode"
    assert window.findChildren(QAction) == []
    buttons = {b.text() for b in window.findChildren(QAbstractButton)}
    assert buttons <= {"Leave review…", "Full screen"} | {p.label for p in window.pairs}

    shot = keep_shot(window, "review_mode.png", tmp_path)
    assert image_is_not_blank(shot)


def test_no_key_leads_elsewhere_and_esc_does_not_leave(qtbot, library):
    lib, _pid = library
    window = ReviewWindow(lib, "DEMO-001", hash_pin("2468"), align=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    before_tops = {w for w in QApplication.topLevelWidgets() if w.isVisible()}
    left = []
    window.left.connect(lambda: left.append(True))
    keys = [
        (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier),
        (Qt.Key.Key_PageDown, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier),
    ]
    for target in [window, *window.findChildren(QAbstractButton)]:
        for key, mod in keys:
            qtbot.keyClick(target, key, mod)
    assert window.isVisible() and not left
    assert window.patient.external_id == "DEMO-001"
    assert {w for w in QApplication.topLevelWidgets() if w.isVisible()} == before_tops
    # the window's close button / Alt+F4 is refused while a PIN is set
    assert window.close() is False
    assert window.isVisible()


def test_leaving_needs_the_right_pin(qtbot, library):
    lib, _pid = library
    window = ReviewWindow(lib, "DEMO-001", hash_pin("2468"), align=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.pin_required
    assert window.leave_with_pin("0000") is False
    assert window.isVisible()

    # the real dialog: a wrong PIN is refused with a message, then the right one lets us out
    attempts = iter(["1111", "2468"])
    seen_messages = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PinDialog):
            QTimer.singleShot(20, answer)
            return
        seen_messages.append(dialog.message.text())
        assert dialog.pin_edit.echoMode() == QLineEdit.EchoMode.Password
        dialog.pin_edit.setText(next(attempts))
        dialog.accept()
        QTimer.singleShot(20, answer_if_open)

    def answer_if_open() -> None:
        if isinstance(QApplication.activeModalWidget(), PinDialog):
            answer()

    QTimer.singleShot(20, answer)
    with qtbot.waitSignal(window.left, timeout=10000):
        assert qtbot.mouseClick(window.leave_button, Qt.MouseButton.LeftButton) is None
    assert len(seen_messages) == 2 and "Wrong PIN" in seen_messages[1]
    assert not window.isVisible()


def test_cancel_in_pin_dialog_stays(qtbot, library):
    lib, _pid = library
    window = ReviewWindow(lib, "DEMO-001", hash_pin("2468"), align=False)
    qtbot.addWidget(window)
    window.show()

    def cancel() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, PinDialog):
            dialog.reject()
        else:
            QTimer.singleShot(20, cancel)

    QTimer.singleShot(20, cancel)
    assert window.request_leave() is False
    assert window.isVisible()


def test_pin_from_settings_store_and_hash_helpers(qtbot, library, tmp_path):
    lib, _pid = library
    store = SettingsStore.at_path(tmp_path / "settings.ini")
    store.set_review_pin("9753")
    window = ReviewWindow(lib, "DEMO-001", settings_store=store, align=False)
    qtbot.addWidget(window)
    assert window.pin_required
    assert not window.check_pin("1234")
    assert window.leave_with_pin("9753")

    h = hash_pin("4321")
    assert "4321" not in h and verify_pin("4321", h) and not verify_pin("4322", h)
    assert hash_pin("4321") != h  # salted
    assert not verify_pin("4321", "garbage")


def test_no_pin_means_the_explicit_button_leaves(qtbot, library):
    lib, _pid = library
    window = ReviewWindow(lib, "DEMO-001", align=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.isVisible()  # Esc never leaves
    with qtbot.waitSignal(window.left, timeout=2000):
        window.leave_button.click()
    assert not window.isVisible()


def test_unknown_patient_is_a_clear_error(library):
    from photocompare.core.errors import LibraryError

    lib, _pid = library
    with pytest.raises(LibraryError, match="NOPE-1"):
        ReviewWindow(lib, "NOPE-1", align=False)


def test_after_photo_is_aligned_by_the_face_core(qtbot, library, tmp_path):
    from photocompare.core.model_file import find_model

    try:
        find_model()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"face model not installed: {exc}")
    lib, _pid = library
    window = ReviewWindow(lib, "DEMO-001")
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(lambda: window.after_view.badge() == "aligned to before", timeout=30000)
    keep_shot(window, "review_mode_aligned.png", tmp_path)


def test_patient_without_a_pair_still_sees_their_figures(qtbot, library):
    lib, _pid = library
    window = ReviewWindow(lib, "OTHER-777", align=False)  # one photo only
    qtbot.addWidget(window)
    assert window.pairs == [] and window.current_pair is None
    assert window.summary_label.text().startswith("Headache days went from")
    texts = " ".join(_all_texts(window))
    assert "Alex" not in texts and "DEMO-001" not in texts
