"""Treatment session editor: PREEMPT site map, click to toggle, units, totals, deviations, saving."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, QPoint, Qt

from photocompare.core import preempt
from photocompare.library import course_repo
from photocompare.ui.head_diagram import VIEWS, site_position
from photocompare.ui.migraine_panel import MigrainePanel
from photocompare.ui.session_editor import SessionEditor
from tests.ui.migraine_helpers import image_is_not_blank, keep_shot, make_library


@pytest.fixture
def course(tmp_path):
    lib, pid = make_library(tmp_path)
    yield lib, pid
    lib.close()


def _click_site(qtbot, editor: SessionEditor, site_id: str) -> None:
    site = next(s for s in editor.diagram.sites() if s.key == site_id)
    c = editor.diagram.site_centre(site)
    qtbot.mouseClick(editor.diagram, Qt.MouseButton.LeftButton, pos=QPoint(round(c.x()), round(c.y())))


def test_new_session_starts_with_the_protocol_on_the_head_map(qtbot, course):
    lib, pid = course
    editor = SessionEditor(lib, pid)
    qtbot.addWidget(editor)
    sites = editor.diagram.sites()
    assert len(sites) == preempt.MAX_SITE_COUNT  # 31 protocol + 8 follow-the-pain
    injected = [s for s in sites if s.units > 0]
    assert len(injected) == 31 and sum(s.units for s in injected) == 155
    assert {site_position(s)[0] for s in sites} == set(VIEWS)  # front, both sides, back
    assert "Total 155 U at 31 sites" in editor.totals_label.text()
    assert editor.deviation_list.item(0).text() == "Follows the PREEMPT protocol."


def test_record_session_toggle_sites_edit_units_and_save(qtbot, course, tmp_path):
    lib, pid = course
    editor = SessionEditor(lib, pid)
    editor.resize(1100, 720)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)

    # click a protocol site off, and a follow-the-pain site on
    _click_site(qtbot, editor, "procerus_M1")
    _click_site(qtbot, editor, "occipitalis_R4")
    units = editor.units()
    assert "procerus_M1" not in units and units["occipitalis_R4"] == 5.0
    # edit units in the table: 10 U at the right frontalis 1
    editor._spins["frontalis_R1"].setValue(10.0)
    assert editor.units()["frontalis_R1"] == 10.0
    assert "Total 160 U at 31 sites" in editor.totals_label.text()
    messages = [editor.deviation_list.item(i).text() for i in range(editor.deviation_list.count())]
    assert any("Procerus" in m and "not injected" in m for m in messages)
    assert any("Frontalis right 1: 10 U" in m for m in messages)
    # the diagram shows the new units
    by_key = {s.key: s for s in editor.diagram.sites()}
    assert by_key["procerus_M1"].units == 0 and by_key["frontalis_R1"].units == 10
    shot = keep_shot(editor, "session_editor.png", tmp_path)
    assert image_is_not_blank(shot)

    editor.date_edit.setDate(QDate(2025, 5, 24))
    editor.lot_edit.setText("C9876C5")
    editor.expiry_edit.setDate(QDate(2026, 2, 1))
    editor.injector_edit.setText("Dr B")
    with qtbot.waitSignal(editor.saved, timeout=2000):
        editor.save()  # deviations are shown, never refused
    stored = course_repo.load_treatment_records(lib, pid)[-1]
    assert stored.value.session_date == dt.date(2025, 5, 24)
    assert stored.value.lot == "C9876C5" and stored.value.injector == "Dr B"
    assert stored.value.expiry == dt.date(2026, 2, 1)
    assert stored.value.total_units == 160.0
    assert dict(stored.value.sites) == editor.units()

    # the panel lists it with its deviations, and the course now has two cycles
    panel = MigrainePanel()
    qtbot.addWidget(panel)
    panel.set_patient(lib, pid)
    assert panel.sessions_table.rowCount() == 2
    assert panel.sessions_table.item(1, 2).text() == "C9876C5"
    assert panel.sessions_table.item(1, 5).text() == "2 deviation(s)"
    assert [r[0] for r in panel.period_rows()] == ["baseline", "cycle 1", "cycle 2"]


def test_editing_a_stored_session_keeps_history(qtbot, course):
    lib, pid = course
    stored = course_repo.load_treatment_records(lib, pid)[0]
    editor = SessionEditor(lib, pid, stored)
    qtbot.addWidget(editor)
    assert editor.lot_edit.text() == "C1111C1"
    assert editor.units() == preempt.protocol_units()
    editor.lot_edit.setText("C2222C2")
    editor.save()
    assert course_repo.load_treatments(lib, pid)[0].lot == "C2222C2"
    actions = [h.action for h in course_repo.history(lib, pid, "course_treatments")]
    assert actions == ["insert", "update"]


def test_expiry_before_session_is_flagged(qtbot, course):
    lib, pid = course
    editor = SessionEditor(lib, pid)
    qtbot.addWidget(editor)
    editor.date_edit.setDate(QDate(2025, 6, 1))
    editor.expiry_edit.setDate(QDate(2025, 5, 1))
    assert "before the session" in editor.expiry_warning.text()
