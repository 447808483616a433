"""Diary CSV import in the diary editor: bad rows are reported (line, reason); skip or cancel."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from photocompare.library import course_repo
from photocompare.ui.diary_editor import BadRowsDialog, DiaryEditor
from tests.ui.migraine_helpers import image_is_not_blank, keep_shot, make_library

CSV_WITH_BAD_ROWS = (
    "date,headache,migraine,hours,intensity,medication,medication_class,note\n"
    "2025-04-01,yes,yes,6,7,yes,triptan,woke up with it\n"
    "2025-04-02,maybe,no,,,no,,\n"  # line 3: not a yes/no
    "2025-04-03,no,no,,,no,,\n"
    "2025-04-04,yes,no,2,11,no,,\n"  # line 5: intensity out of range
    "2025-04-05,yes,no,3,4,yes,ibuprofen,\n"
)


@pytest.fixture
def editor(qtbot, tmp_path):
    lib, pid = make_library(tmp_path)
    ed = DiaryEditor(lib, pid)
    qtbot.addWidget(ed)
    yield ed, lib, pid
    lib.close()


def test_bad_rows_are_listed_and_cancel_imports_nothing(editor, tmp_path):
    ed, lib, pid = editor
    path = tmp_path / "diary.csv"
    path.write_text(CSV_WITH_BAD_ROWS, encoding="utf-8")
    before = course_repo.load_diary(lib, pid)
    seen: list[BadRowsDialog] = []

    def cancel(dialog: BadRowsDialog) -> bool:
        seen.append(dialog)
        return False

    ed.confirm_bad_rows = cancel
    assert ed.import_csv(path) == 0
    assert course_repo.load_diary(lib, pid) == before  # nothing half-imported
    rows = seen[0].rows()
    assert [line for line, _ in rows] == [3, 5]
    assert all(reason for _, reason in rows)
    assert "intensity" in rows[1][1].lower()
    assert "3 good row(s)" in seen[0].message.text()
    assert "cancelled" in ed.status.text()


def test_skip_bad_rows_imports_the_good_ones(editor, tmp_path, qtbot):
    ed, lib, pid = editor
    path = tmp_path / "diary.csv"
    path.write_text(CSV_WITH_BAD_ROWS, encoding="utf-8")
    shots = []

    def press_skip() -> None:  # the real modal dialog: look at it, then press "Skip bad rows"
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, BadRowsDialog)
        shots.append(keep_shot(dialog, "diary_bad_rows_dialog.png", tmp_path))
        dialog.skip_button.click()

    QTimer.singleShot(50, press_skip)
    with qtbot.waitSignal(ed.changed, timeout=5000):
        assert ed.import_csv(path) == 3
    assert shots and image_is_not_blank(shots[0])
    stored = {d.date: d for d in course_repo.load_diary(lib, pid)}
    assert stored[dt.date(2025, 4, 1)].migraine is True
    assert stored[dt.date(2025, 4, 5)].medication_class.value == "simple_analgesic"
    assert dt.date(2025, 4, 2) not in stored and dt.date(2025, 4, 4) not in stored
    assert "skipped 2 bad row(s)" in ed.status.text()
    assert dt.date(2025, 4, 1) in ed.entries()  # the calendar shows the new days


def test_clean_file_imports_without_a_dialog(editor, tmp_path):
    ed, lib, pid = editor
    path = tmp_path / "ok.csv"
    path.write_text("\ufeffdate;headache;migraine\n06.04.2025;ja;nein\n07.04.2025;no;no\n",
                    encoding="utf-8")
    ed.confirm_bad_rows = lambda _d: pytest.fail("no dialog expected for a clean file")
    assert ed.import_csv(path) == 2
    assert dt.date(2025, 4, 6) in {d.date for d in course_repo.load_diary(lib, pid)}


def test_unreadable_file_is_a_message_not_a_crash(editor, tmp_path, monkeypatch):
    ed, lib, pid = editor
    messages = []
    monkeypatch.setattr(
        "photocompare.ui.diary_editor.QMessageBox.warning",
        lambda _parent, title, text: messages.append((title, text)),
    )
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\x00\xff\xfe garbage \x00" * 50)
    assert ed.import_csv(path) == 0
    assert messages and messages[0][0] == "Diary not imported"
    assert "\n" not in messages[0][1] and "Traceback" not in messages[0][1]
