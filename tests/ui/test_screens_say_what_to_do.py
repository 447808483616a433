"""The app's screens are readable and say what to do next: the empty photo grid, the import
report (file names, duplicates with their original), the consistency checks' wording of
side-effect measures, the migraine tab without figures, the compare view after a faceless pair
and with several faces, and the review-mode PIN prompt."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PIL import Image  # noqa: E402

from photocompare.core.course_figures import DiaryDay  # noqa: E402
from photocompare.library import api as la  # noqa: E402
from photocompare.library import course_api as course_io  # noqa: E402
from photocompare.ui.consistency_panel import _measure_label  # noqa: E402
from photocompare.ui.migraine_panel import MigrainePanel  # noqa: E402
from photocompare.ui.review_mode import PinDialog, ReviewWindow  # noqa: E402
from tests.conftest import shared_path  # noqa: E402
from tests.ui.conftest import new_patient, quiet_window, run_import  # noqa: E402


@pytest.fixture
def window(qtbot, library, tmp_path, analysis):
    w = quiet_window(qtbot, library, tmp_path, analysis)
    yield w
    w.close()
    w.shutdown()


def _lit(image) -> float:
    """The darkest luminance in a grabbed widget (text on a light background is dark)."""
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).copy()
    return float(arr.min())


def _faces() -> Path:
    return shared_path("faces", "face_recognition-examples", "examples")


def _report_rows(dialog, group: str) -> list[tuple[str, str]]:
    for i in range(dialog.report.topLevelItemCount()):
        top = dialog.report.topLevelItem(i)
        if top.text(0).startswith(group):
            return [(top.child(j).text(0), top.child(j).text(1)) for j in range(top.childCount())]
    return []


def test_the_empty_photo_grid_says_what_to_do_next(qtbot, library, tmp_path):
    w = quiet_window(qtbot, library, tmp_path)
    try:
        assert "New patient" in w.grid.empty_text and "Ctrl+N" in w.grid.empty_text
        new_patient(w, "MRN-0042", "Ann Patient")
        assert "No photos for this patient yet" in w.grid.empty_text
        assert "Ctrl+I" in w.grid.empty_text
        suggestion = w.pairs_list.item(0).text()
        assert "two dates" in suggestion, "no pair advice about labels while there are no photos"
    finally:
        w.close()
        w.shutdown()


def test_import_report_shows_file_names_without_internal_ids_and_duplicates_with_their_original(
    qtbot, window, bad_images, tmp_path
):
    folder = tmp_path / "visit"
    folder.mkdir()
    shutil.copy(_faces() / "obama_small.jpg", folder / "front.jpg")
    shutil.copy(bad_images / "truncated_jpeg.jpg", folder / "broken.jpg")
    (folder / "empty.jpg").write_bytes(b"")
    new_patient(window, "MRN-0042", "Ann Patient")
    run_import(qtbot, window, [folder])
    dialog = window.imports.dialog
    assert _report_rows(dialog, "Imported") == [("front.jpg", "imported")]
    rejected = dict(_report_rows(dialog, "Rejected"))
    assert "truncated" in rejected["broken.jpg"] and "empty" in rejected["empty.jpg"]
    dialog.accept()

    run_import(qtbot, window, [folder])
    duplicates = _report_rows(window.imports.dialog, "Duplicates")
    assert duplicates == [("front.jpg", "duplicate of front.jpg (patient MRN-0042)")]
    window.imports.dialog.accept()


def test_after_a_faceless_pair_the_next_pair_is_aligned_again_and_two_faces_are_flagged(
    qtbot, window, tmp_path
):
    folder = tmp_path / "in"
    folder.mkdir()
    ramp = np.tile(np.linspace(40, 220, 400, dtype=np.uint8), (300, 1))
    Image.fromarray(np.dstack([ramp, ramp, ramp])).save(folder / "wall.jpg")
    shutil.copy(_faces() / "knn_examples" / "train" / "obama" / "obama.jpg", folder / "obama.jpg")
    shutil.copy(_faces() / "two_people.jpg", folder / "two.jpg")
    new_patient(window, "MRN-0042", "Ann Patient")
    run_import(qtbot, window, [folder])
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
