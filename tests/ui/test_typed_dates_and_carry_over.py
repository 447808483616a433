"""Typed ISO dates are taken as typed in every date field; a new session carries over the vial.

QDateEdit read "2026-08-12" typed after a click as 2026-11-08 (and after Tab, section by section,
as 2025-08-12 or 2026-11-08): these tests type keys into the real dialogs.
"""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from photocompare.library import course_repo
from photocompare.ui.date_field import IsoDateEdit, parse_iso_date
from photocompare.ui.diary_editor import DiaryEditor
from photocompare.ui.questionnaire_dialog import QuestionnaireDialog
from photocompare.ui.session_editor import SessionEditor
from tests.ui.migraine_helpers import make_library


@pytest.fixture
def course(tmp_path):
    lib, pid = make_library(tmp_path)
    yield lib, pid
    lib.close()


@pytest.fixture
def warnings(monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda parent, title, text, *a, **k: shown.append(f"{title}: {text}"))
    return shown


def _type_into(qtbot, field, text: str, *, click_at: float = 0.7) -> None:
    """Click into the field (at a fraction of its width, e.g. on the day), type, press Tab."""
    field.window().show()
    qtbot.waitExposed(field.window())
    pos = QPoint(round(field.width() * click_at), field.height() // 2)
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.wait(20)  # the field selects all once the click has placed the cursor
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Tab)


@pytest.mark.parametrize("click_at", [0.1, 0.5, 0.8])
def test_session_date_typed_in_iso_is_stored_as_typed(qtbot, course, click_at):
    lib, pid = course
    editor = SessionEditor(lib, pid)
    qtbot.addWidget(editor)
    _type_into(qtbot, editor.date_edit, "2026-08-12", click_at=click_at)
    assert editor.date_edit.date() == QDate(2026, 8, 12)
    _type_into(qtbot, editor.expiry_edit, "2027-01-31", click_at=click_at)
    assert editor.expiry_edit.date() == QDate(2027, 1, 31)
    with qtbot.waitSignal(editor.saved, timeout=2000):
        editor.save()
    stored = max(course_repo.load_treatment_records(lib, pid), key=lambda s: s.value.session_date)
    assert stored.value.session_date == dt.date(2026, 8, 12)
    assert stored.value.expiry == dt.date(2027, 1, 31)


def test_the_field_shows_the_expected_format_and_refuses_impossible_dates(qtbot, course, warnings):
    lib, pid = course
    editor = SessionEditor(lib, pid)
    qtbot.addWidget(editor)
    assert editor.date_edit.placeholderText() == "YYYY-MM-DD"
    assert "YYYY-MM-DD" in editor.date_edit.toolTip()
    before = editor.date_edit.date()
    _type_into(qtbot, editor.date_edit, "2026-13-01")
    assert not editor.date_edit.is_valid() and editor.date_edit.date() == before
    assert "not a date in the calendar" in editor.date_edit.error_text()
    n = len(course_repo.load_treatment_records(lib, pid))
    editor.save()
    assert warnings and "Date: “2026-13-01” is not a date in the calendar" in warnings[0]
    assert len(course_repo.load_treatment_records(lib, pid)) == n  # nothing saved
    # half-typed is not a date either
    _type_into(qtbot, editor.date_edit, "2026-08")
    assert not editor.date_edit.is_valid()
    # letters and day-first dates cannot be typed at all (the validator refuses the keys)
    _type_into(qtbot, editor.date_edit, "12/08/2026")
    assert "/" not in editor.date_edit.text()
    # compact ISO is ISO too, and Up/Down step a day
    _type_into(qtbot, editor.date_edit, "20260812")
    assert editor.date_edit.text() == "2026-08-12" and editor.date_edit.is_valid()
    editor.date_edit.setFocus()
    qtbot.keyClick(editor.date_edit, Qt.Key.Key_Up)
    assert editor.date_edit.date() == QDate(2026, 8, 13)


def test_questionnaire_and_diary_count_dates_are_taken_as_typed(qtbot, course, warnings):
    lib, pid = course
    dialog = QuestionnaireDialog(lib, pid, today=dt.date(2026, 9, 1))
    qtbot.addWidget(dialog)
    _type_into(qtbot, dialog.date_edit, "2026-08-12")
    assert dialog.date_edit.date() == QDate(2026, 8, 12)
    _type_into(qtbot, dialog.date_edit, "2026-09-02")  # after "today": not allowed
    assert not dialog.date_edit.is_valid() and "outside the allowed dates" in dialog.date_edit.error_text()
    assert dialog.date_edit.date() == QDate(2026, 8, 12)

    editor = DiaryEditor(lib, pid)
    qtbot.addWidget(editor)
    editor.tabs.setCurrentIndex(1)  # "Monthly counts"
    _type_into(qtbot, editor.sum_start, "2024-02-01")
    _type_into(qtbot, editor.sum_end, "2024-02-29")
    editor.sum_headache.setValue(9)
    editor.add_summary()
    assert not warnings, warnings
    assert (editor.sum_start.text(), editor.sum_end.text()) == ("2024-02-01", "2024-02-29")
    summaries = [s.value for s in course_repo.load_summary_records(lib, pid)]
    assert [(s.start, s.end, s.headache_days) for s in summaries] == [
        (dt.date(2024, 2, 1), dt.date(2024, 2, 29), 9)]
    _type_into(qtbot, editor.sum_end, "2024-02-30")
    editor.add_summary()
    assert warnings and "To: “2024-02-30” is not a date in the calendar" in warnings[-1]
    assert len(course_repo.load_summary_records(lib, pid)) == 1


def test_calendar_popup_picks_a_date(qtbot):
    field = IsoDateEdit(dt.date(2026, 8, 12))
    field.setCalendarPopup(True)
    qtbot.addWidget(field)
    field.show()
    calendar = field.show_calendar()
    calendar.clicked.emit(QDate(2026, 8, 20))
    assert field.date() == QDate(2026, 8, 20) and field.text() == "2026-08-20"


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-08-12", dt.date(2026, 8, 12)), ("20260812", dt.date(2026, 8, 12)),
    (" 2024-02-29 ", dt.date(2024, 2, 29)),
])
def test_parse_iso_date(text, expected):
    assert parse_iso_date(text) == expected


@pytest.mark.parametrize("text", ["12/08/2026", "2026-8-12", "2023-02-29", "", "2026-08-12T10:00"])
def test_parse_iso_date_refuses(text):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_iso_date(text)


def test_new_session_carries_over_lot_and_injector_of_the_last_one(qtbot, course):
    lib, pid = course  # the library holds one session: lot C1111C1, expiry 2026-01-01, Dr T
    editor = SessionEditor(lib, pid)
    qtbot.addWidget(editor)
    assert editor.lot_edit.text() == "C1111C1"
    assert editor.injector_edit.text() == "Dr T"
    assert editor.expiry_edit.date() == QDate(2026, 1, 1)
    assert "check them against the vial" in editor.carried_label.text()
    editor.date_edit.setDate(QDate(2026, 3, 2))
    with qtbot.waitSignal(editor.saved, timeout=2000):
        editor.save()
    # a later session carries over from the latest one, not the first
    newest = max(course_repo.load_treatment_records(lib, pid), key=lambda s: s.value.session_date)
    course_repo.save_treatment(lib, pid, newest.value.__class__(
        session_date=dt.date(2026, 6, 1), lot="C2222C2", injector="Dr U"), user="test")
    again = SessionEditor(lib, pid)
    qtbot.addWidget(again)
    assert (again.lot_edit.text(), again.injector_edit.text()) == ("C2222C2", "Dr U")
    # editing an existing session shows its own values, nothing carried
    first = min(course_repo.load_treatment_records(lib, pid), key=lambda s: s.value.session_date)
    edit = SessionEditor(lib, pid, session=first)
    qtbot.addWidget(edit)
    assert edit.lot_edit.text() == "C1111C1" and edit.carried_label.text() == ""


def test_new_session_for_a_patient_without_sessions_starts_empty(qtbot, tmp_path):
    from photocompare.library import api as library_access
    from photocompare.library.db import Library

    lib = Library.open(tmp_path / "empty")
    patient = library_access.save_patient(lib, patient_id=None, external_id="P-9",
                                          display_name="", birth_year=None, notes="")
    editor = SessionEditor(lib, patient.id)
    qtbot.addWidget(editor)
    assert editor.lot_edit.text() == "" and editor.injector_edit.text() == ""
    lib.close()


def test_session_time_is_stored_and_places_same_day_photos(qtbot, course, warnings):
    from photocompare.core.course import period_for_date

    lib, pid = course
    editor = SessionEditor(lib, pid)
    qtbot.addWidget(editor)
    editor.date_edit.setDate(QDate(2026, 3, 2))
    editor.time_edit.setText("25:00")
    editor.save()
    assert warnings and "Time: “25:00” is not a time" in warnings[-1]
    editor.time_edit.setText("10:30")
    with qtbot.waitSignal(editor.saved, timeout=2000):
        editor.save()
    stored = max(course_repo.load_treatment_records(lib, pid), key=lambda s: s.value.session_date)
    assert stored.value.session_time == dt.time(10, 30)
    report = course_repo.load_course(lib, pid)
    assert period_for_date(report, dt.datetime(2026, 3, 2, 9, 0)).label == "cycle 1"
    assert period_for_date(report, dt.datetime(2026, 3, 2, 11, 0)).label == "cycle 2"
    again = SessionEditor(lib, pid, session=stored)  # editing shows the recorded time
    qtbot.addWidget(again)
    assert again.time_edit.text() == "10:30"
