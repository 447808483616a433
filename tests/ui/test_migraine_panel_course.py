"""Migraine panel: periods table and chart follow diary edits; flags, sessions, notes, pair figures."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from photocompare.core.course import summary_sentence
from photocompare.library import course_repo
from photocompare.ui.diary_editor import DiaryEditor
from photocompare.ui.migraine_panel import COL_RESPONDER, MigrainePanel
from photocompare.ui.pair_figures import PairFiguresWidget
from tests.ui.migraine_helpers import TREATMENT, image_is_not_blank, keep_shot, make_library


@pytest.fixture
def course(tmp_path):
    lib, pid = make_library(tmp_path)
    yield lib, pid
    lib.close()


def _row(panel: MigrainePanel, label: str) -> list[str]:
    return next(r for r in panel.period_rows() if r[0] == label)


def test_panel_shows_core_figures_per_period(qtbot, course):
    lib, pid = course
    panel = MigrainePanel()
    qtbot.addWidget(panel)
    panel.set_patient(lib, pid)

    assert [r[0] for r in panel.period_rows()] == ["baseline", "cycle 1"]
    base, c1 = _row(panel, "baseline"), _row(panel, "cycle 1")
    assert base[2:4] == ["14", "8"]  # headache, migraine days per 28
    assert base[6] == "–"  # no change for the baseline
    assert c1[2:4] == ["7", "3"]
    assert c1[6] == "−50 %"
    assert c1[COL_RESPONDER] == "✔ ≥ 50 %"
    assert "28 of 28 d (100 %)" in c1[-1]
    # the chart draws the same figures, and marks the treatment date
    bars = panel.chart.bars()
    assert [(b.label, b.headache_per_28, b.migraine_per_28) for b in bars] == [
        ("baseline", 14.0, 8.0),
        ("cycle 1", 7.0, 3.0),
    ]
    assert panel.chart.treatments() == [TREATMENT]
    # clinical flags are shown as information, in the core's words
    flags = [panel.flags_list.item(i).text() for i in range(panel.flags_list.count())]
    assert any("does not meet the ICHD-3" in f for f in flags)
    assert panel.sessions_table.rowCount() == 1
    assert panel.sessions_table.item(0, 2).text() == "C1111C1"
    assert panel.sessions_table.item(0, 5).text() == "follows PREEMPT"


def test_editing_the_diary_changes_table_and_chart(qtbot, course, tmp_path):
    lib, pid = course
    panel = MigrainePanel()
    panel.resize(1000, 760)
    qtbot.addWidget(panel)
    panel.set_patient(lib, pid)
    editor = DiaryEditor(lib, pid)
    qtbot.addWidget(editor)
    editor.changed.connect(panel.refresh)
    before_png = keep_shot(panel.chart, "chart_before_edit.png", tmp_path)

    # cycle 1, 10 March was headache-free: mark it a headache day with the H key on the calendar
    editor.show()
    editor.select_date(dt.date(2025, 3, 10))
    editor.calendar.setFocus()
    with qtbot.waitSignal(editor.changed, timeout=2000):
        qtbot.keyClick(editor.calendar, Qt.Key.Key_H)
    assert editor.entries()[dt.date(2025, 3, 10)].headache is True
    c1 = _row(panel, "cycle 1")
    assert c1[2] == "8"  # 8 headache days in 28 recorded days
    assert c1[6] == "−42.9 %"  # (8 - 14) / 14 = −42.86: one decimal, never rounded across a flag
    assert c1[COL_RESPONDER] == "✔ ≥ 30 %"
    assert panel.chart.bars()[1].headache_per_28 == 8.0

    # the day form: a migraine day with intensity and a triptan, stored through the repository
    editor.select_date(dt.date(2025, 3, 12))
    editor.state_combo.setCurrentIndex(2)
    editor.migraine_check.setChecked(True)
    editor.intensity_slider.setValue(8)
    editor.medication_check.setChecked(True)
    editor.class_combo.setCurrentIndex(editor.class_combo.findText("triptan"))
    with qtbot.waitSignal(editor.changed, timeout=2000):
        qtbot.mouseClick(editor.save_day_button, Qt.MouseButton.LeftButton)
    stored = {d.date: d for d in course_repo.load_diary(lib, pid)}[dt.date(2025, 3, 12)]
    assert (stored.headache, stored.migraine, stored.intensity, stored.medication) == (
        True, True, 8, True)
    assert stored.medication_class.value == "triptan"
    assert _row(panel, "cycle 1")[2:4] == ["9", "4"]
    after_png = keep_shot(panel.chart, "chart_after_edit.png", tmp_path)
    assert before_png.read_bytes() != after_png.read_bytes()

    # Del makes a day "not recorded" again: coverage drops, the figure is per recorded day
    editor.select_date(dt.date(2025, 3, 20))
    editor.calendar.setFocus()
    with qtbot.waitSignal(editor.changed, timeout=2000):
        qtbot.keyClick(editor.calendar, Qt.Key.Key_Delete)
    assert dt.date(2025, 3, 20) not in editor.entries()
    assert "27 of 28 d" in _row(panel, "cycle 1")[-1]
    # every edit was kept in the history
    actions = [h.action for h in course_repo.history(lib, pid, "course_diary_entries")]
    assert actions.count("update") >= 2 and "delete" in actions


def test_monthly_counts_feed_the_figures(qtbot, tmp_path):
    from photocompare.core.course_figures import MonthlySummary, Treatment
    from photocompare.library import api as library_access
    from photocompare.library.db import Library

    lib = Library.open(tmp_path / "lib2")
    p = library_access.save_patient(lib, patient_id=None, external_id="M-1", display_name="",
                                    birth_year=None, notes="")
    course_repo.save_treatment(lib, p.id, Treatment(dt.date(2025, 3, 1)), user="t")
    editor = DiaryEditor(lib, p.id)
    qtbot.addWidget(editor)
    assert editor.store_summary(MonthlySummary(dt.date(2025, 2, 1), dt.date(2025, 2, 28), 21, 10, 12))
    assert editor.summary_table.rowCount() == 1
    panel = MigrainePanel()
    qtbot.addWidget(panel)
    panel.set_patient(lib, p.id)
    assert _row(panel, "baseline")[2:5] == ["21", "10", "12"]
    lib.close()


def test_notes_per_period_are_stored_with_history(qtbot, course):
    lib, pid = course
    panel = MigrainePanel()
    qtbot.addWidget(panel)
    panel.set_patient(lib, pid)
    panel.table.selectRow(1)  # cycle 1
    assert panel.notes.scope() == "period:cycle 1"
    panel.notes.edit.setPlainText("Good response; neck pain 2 days.")
    assert panel.notes.save()
    assert course_repo.load_notes(lib, pid) == {"period:cycle 1": "Good response; neck pain 2 days."}
    panel.notes.set_pair(3, 4)
    assert panel.notes.text() == ""
    panel.notes.set_period("cycle 1")
    assert panel.notes.text() == "Good response; neck pain 2 days."
    assert [h.action for h in course_repo.history(lib, pid, "course_notes")] == ["insert"]


def test_pair_figures_show_before_and_after_periods(qtbot, course):
    lib, pid = course
    report = course_repo.load_course(lib, pid)
    widget = PairFiguresWidget()
    qtbot.addWidget(widget)
    widget.set_pair(report, dt.datetime(2025, 2, 10, 9, 30), dt.date(2025, 3, 20))
    assert widget.before_period.label == "baseline"
    assert widget.after_period.label == "cycle 1"
    rows = widget.values()
    assert rows[0][1].startswith("Baseline") and rows[0][2].startswith("Cycle 1")
    assert rows[1][1:] == ["14", "7"]  # headache days per 28
    assert rows[5][1:] == ["–", "−50 %"]
    widget.set_pair(report, dt.date(2024, 1, 1), dt.date(2025, 3, 20))
    assert widget.before_period is None and "outside" in widget.message.text()
    # a note per pair, kept by the course repository
    widget.set_pair_notes(lib, pid, 11, 12)
    widget.notes.edit.setPlainText("Same lighting; brow slightly lower.")
    assert widget.notes.save()
    assert course_repo.load_notes(lib, pid) == {"pair:11:12": "Same lighting; brow slightly lower."}


def test_panel_renders_to_png(qtbot, tmp_path):
    from photocompare.demo_course import add_demo_course
    from photocompare.library import api as library_access
    from photocompare.library.db import Library

    lib = Library.open(tmp_path / "demo")
    p = library_access.save_patient(lib, patient_id=None, external_id="DEMO-001",
                                    display_name="Alex Demo", birth_year=None, notes="")
    add_demo_course(lib, p.id, today=dt.date(2025, 12, 1))
    panel = MigrainePanel()
    panel.resize(1000, 800)
    qtbot.addWidget(panel)
    panel.set_patient(lib, p.id)
    panel.show()
    qtbot.waitExposed(panel)
    out = keep_shot(panel, "migraine_panel.png", tmp_path)
    assert image_is_not_blank(out)
    report = course_repo.load_course(lib, p.id)
    # the panel's text is the core's: the last cycle's change as the core states it
    last = report.periods[-1]
    assert summary_sentence(report, last).startswith("Headache days went from")
    assert _row(panel, last.label)[2] == f"{last.headache_days_per_28:g}"
    lib.close()
