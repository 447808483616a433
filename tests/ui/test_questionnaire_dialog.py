"""MIDAS / HIT-6 entry: live score from the core, saved through the repository, listed in the panel."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialogButtonBox

from photocompare.library import course_repo
from photocompare.ui.migraine_panel import MigrainePanel
from photocompare.ui.questionnaire_dialog import QuestionnaireDialog
from tests.ui.migraine_helpers import image_is_not_blank, keep_shot, make_library

TAKEN = dt.date(2025, 2, 20)


@pytest.fixture
def course(tmp_path):
    lib, pid = make_library(tmp_path)
    yield lib, pid
    lib.close()


def _panel(qtbot, lib, pid) -> MigrainePanel:
    panel = MigrainePanel()
    panel.resize(900, 700)
    qtbot.addWidget(panel)
    panel.set_patient(lib, pid)
    panel.show()
    return panel


def _open_from_panel(qtbot, panel: MigrainePanel) -> QuestionnaireDialog:
    panel.tabs.setCurrentIndex(panel.tabs.indexOf(panel.questionnaire_button.parentWidget()))
    assert panel.tabs.tabText(panel.tabs.currentIndex()) == "MIDAS / HIT-6"
    assert panel.questionnaire_button.isEnabled()
    qtbot.mouseClick(panel.questionnaire_button, Qt.MouseButton.LeftButton)
    dialog = panel.questionnaire_dialog
    assert isinstance(dialog, QuestionnaireDialog) and dialog.isVisible()
    dialog.date_edit.setDate(QDate(TAKEN.year, TAKEN.month, TAKEN.day))
    return dialog


def _type_days(qtbot, spin, days: int) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, str(days))


def _listed(panel: MigrainePanel) -> list[str]:
    lst = panel.questionnaires_list
    return [lst.item(i).text() for i in range(lst.count())]


def test_midas_typed_in_scores_live_saves_and_appears_in_the_panel(qtbot, course, tmp_path):
    lib, pid = course
    panel = _panel(qtbot, lib, pid)
    assert _listed(panel) == ["No MIDAS or HIT-6 recorded."]
    dialog = _open_from_panel(qtbot, panel)
    assert dialog.kind() == "midas"
    assert not dialog.save_button.isEnabled()
    assert "5 of 5 questions not answered" in dialog.problem_label.text()

    # typed from the keyboard; the score follows each answer once all five are in
    for spin, days in zip(dialog.midas_spins[:4], [3, 2, 4, 1], strict=True):
        _type_days(qtbot, spin, days)
    assert dialog.scored() is None and not dialog.save_button.isEnabled()
    assert "(5)" in dialog.problem_label.text()
    _type_days(qtbot, dialog.midas_spins[4], 1)
    assert dialog.midas_spins[4].value() == 1
    assert dialog.score_label.text() == "MIDAS score 11 — grade III (moderate disability)"
    _type_days(qtbot, dialog.midas_spins[4], 0)  # 10 days: grade II
    assert dialog.score_label.text() == "MIDAS score 10 — grade II (mild disability)"
    assert dialog.save_button.isEnabled()
    dialog.note_edit.setText("after cycle 1")
    png = keep_shot(dialog, "m_questionnaire_midas.png", tmp_path)
    assert image_is_not_blank(png)

    with qtbot.waitSignal(dialog.saved, timeout=2000):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()

    stored = course_repo.load_questionnaires(lib, pid)
    assert [(s.value.kind, s.value.date, s.value.score, s.value.grade, s.value.items)
            for s in stored] == [("midas", TAKEN, 10, "II", (3, 2, 4, 1, 0))]
    assert _listed(panel) == ["2025-02-20  MIDAS 10 — grade II (mild disability)"]
    assert image_is_not_blank(keep_shot(panel.tabs, "m_panel_questionnaires.png", tmp_path))


def test_hit6_chosen_by_keyboard_scores_live_saves_and_appears_in_the_panel(
    qtbot, course, tmp_path
):
    lib, pid = course
    panel = _panel(qtbot, lib, pid)
    dialog = _open_from_panel(qtbot, panel)
    dialog.set_kind("hit6")
    assert dialog.pages.currentIndex() == 1
    assert dialog.score_label.text() == "HIT-6 score —"
    assert not dialog.save_button.isEnabled()

    # first letters pick the answer: Always, Very often, Sometimes, Sometimes, Rarely, Never
    for combo, key in zip(dialog.hit6_combos, "AVSSRN", strict=True):
        combo.setFocus()
        qtbot.keyClick(combo, key)
    assert [c.currentData() for c in dialog.hit6_combos] == [13, 11, 10, 10, 8, 6]
    assert dialog.score_label.text() == "HIT-6 score 58 — substantial impact"
    dialog.hit6_combos[5].setCurrentIndex(dialog.hit6_combos[5].findData(13))  # 65: severe
    assert dialog.score_label.text() == "HIT-6 score 65 — severe impact"
    png = keep_shot(dialog, "m_questionnaire_hit6.png", tmp_path)
    assert image_is_not_blank(png)

    with qtbot.waitSignal(dialog.saved, timeout=2000):
        dialog.save()
    stored = course_repo.load_questionnaires(lib, pid)
    assert [(s.value.kind, s.value.score, s.value.items) for s in stored] == [
        ("hit6", 65, (13, 11, 10, 10, 8, 13))
    ]
    assert _listed(panel) == ["2025-02-20  HIT-6 65 — severe impact"]


def test_incomplete_or_out_of_range_answers_cannot_be_saved(qtbot, course, tmp_path):
    lib, pid = course
    dialog = QuestionnaireDialog(lib, pid, today=dt.date(2025, 6, 1))
    qtbot.addWidget(dialog)
    dialog.show()

    # MIDAS: days beyond the 3-month window are refused as typed; an unanswered question blocks
    _type_days(qtbot, dialog.midas_spins[0], 95)
    assert dialog.midas_spins[0].value() != 95
    dialog.set_midas_days([10, 0, 0, 0, None])
    assert not dialog.save_button.isEnabled()
    assert "1 of 5 questions not answered yet (5)" in dialog.problem_label.text()
    assert dialog.score_label.text() == "MIDAS score —"
    assert image_is_not_blank(keep_shot(dialog, "m_questionnaire_incomplete.png", tmp_path))
    dialog.save()  # even called directly, nothing is stored
    # HIT-6 with one item unanswered
    dialog.set_kind("hit6")
    dialog.set_hit6_points([6, 8, 10, 11, 13, None])
    assert "1 of 6 items not answered yet (6)" in dialog.problem_label.text()
    assert dialog.scored() is None and not dialog.save_button.isEnabled()
    dialog.save()
    # a date after today cannot be picked
    dialog.date_edit.setDate(QDate(2025, 7, 1))
    assert dialog.date_edit.date() == QDate(2025, 6, 1)
    assert course_repo.load_questionnaires(lib, pid) == []
