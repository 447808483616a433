"""Figures never go stale: a treatment recorded, a diary edited, a photo re-dated, moved or
trashed — the timeline's baseline and cycles, the migraine panel and the compared pair's
figures follow through the library's one change notification (no restart, no reopening the
patient). And the photo edits themselves from the main window: the Delete key, the grid's
context menu, the Edit menu, one Undo/Redo for all of it, audited.

Real library, real photos from ../shared/data; the course is the hand-countable one of
`migraine_helpers` (baseline 2025-02-01..28 at 14 headache days per 28, cycle 1 from the
2025-03-01 treatment at 7 per 28)."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog  # noqa: E402

from photocompare.core import preempt  # noqa: E402
from photocompare.core.course_figures import DiaryDay  # noqa: E402
from photocompare.core.errors import PhotoCompareError  # noqa: E402
from photocompare.library import api as la  # noqa: E402
from photocompare.library import audit, course_api, course_repo, photo_edits  # noqa: E402
from photocompare.library.changes import COURSE, LABELS, PHOTOS  # noqa: E402
from photocompare.library.db import Library  # noqa: E402
from photocompare.library.importer import import_paths  # noqa: E402
from photocompare.ui import photo_edit_actions  # noqa: E402
from photocompare.ui.library_events import LibraryEvents  # noqa: E402
from photocompare.ui.main_window import MainWindow  # noqa: E402
from photocompare.ui.settings_store import SettingsStore  # noqa: E402
from tests.ui.conftest import close_window  # noqa: E402
from tests.ui.migraine_helpers import TREATMENT, simple_diary  # noqa: E402

BEFORE_DAY = dt.date(2025, 2, 10)  # in the baseline once the treatment is recorded
AFTER_DAY = dt.date(2025, 3, 10)  # in cycle 1


@pytest.fixture
def lib(tmp_path, exif_samples, bad_images):
    """Patient P-001 with a diary but no treatment yet, two photos dated into the future
    baseline and cycle 1, and a second patient P-002."""
    library = Library.open(tmp_path / "lib", create=True)
    import_paths(library, [bad_images / "hopper.jpg", exif_samples / "jpg" / "Canon_40D.jpg"], "P-001")
    pid = la.find_patient(library, "P-001").id
    course_repo.save_diary_days(library, pid, simple_diary(), user="test")
    photos = {p.original_name: p for p in la.list_photos(library, pid)}
    photo_edits.redate_photo(library, photos["hopper.jpg"].id, BEFORE_DAY)
    photo_edits.redate_photo(library, photos["Canon_40D.jpg"].id, AFTER_DAY)
    library.add_patient("P-002", "Second Patient", None, "")
    yield library
    library.close()


@pytest.fixture
def window(qtbot, lib, tmp_path, analysis):
    w = MainWindow(lib, SettingsStore.at_path(tmp_path / "settings.ini"), analysis,
                   warm_up_analysis=False, suggest_labels_after_import=False)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    assert w.select_patient_by_external_id("P-001")
    yield w
    close_window(qtbot, w)


def _photo(w, name):
    return next(p for p in w.photos if p.original_name == name)


def _groups(w) -> dict[str, int]:
    """The timeline's period groups: "Baseline", "Cycle 1", ... -> number of photos."""
    tree = w.photos_page.timeline
    items = [tree.topLevelItem(i) for i in range(1, tree.topLevelItemCount())]  # 0: All photos
    return {it.text(0).split("  (")[0]: int(it.text(1)) for it in items if it.childCount()}


def _select(qtbot, w, *names):
    w.tabs.setCurrentWidget(w.photos_page)
    selection = w.grid.selectionModel()
    selection.clearSelection()
    for name in names:
        row = w.grid_model.row_of_photo(_photo(w, name).id)
        selection.select(w.grid_model.index(row), selection.SelectionFlag.Select)
    assert sorted(p.original_name for p in w.grid.selected_photos()) == sorted(names)


def test_the_bridge_delivers_each_committed_write_on_the_gui_thread(qtbot, lib):
    events = LibraryEvents(lib)
    got = []
    events.changed.connect(lambda pid, kind: got.append((pid, kind)))
    p1, p2 = la.find_patient(lib, "P-001").id, la.find_patient(lib, "P-002").id
    photo = la.list_photos(lib, p1)[0]
    la.update_photo(lib, photo.id, view_label="frontal")
    assert got == []  # queued: delivered by the event loop, not inside the writer's call
    qtbot.waitUntil(lambda: got == [(p1, LABELS)])
    photo_edits.move_photo(lib, photo.id, "P-002")
    qtbot.waitUntil(lambda: got[1:] == [(p1, PHOTOS), (p2, PHOTOS)])
    course_api.save_session(lib, p1, {"date": TREATMENT})
    qtbot.waitUntil(lambda: got[3:] == [(p1, COURSE)])
    with pytest.raises(PhotoCompareError):  # a refused write (same date twice) announces nothing
        course_api.save_session(lib, p1, {"date": TREATMENT})
    QApplication.processEvents()
    assert len(got) == 4
    events.close()
    course_api.save_day(lib, p1, DiaryDay(dt.date(2025, 4, 1), True))
    QApplication.processEvents()
    assert len(got) == 4


def test_recording_a_treatment_updates_timeline_panel_and_the_compared_pair(qtbot, window, lib):
    w = window
    pid = w.patient.id
    assert w.course_report is None and "Baseline" not in " ".join(_groups(w))
    with qtbot.waitSignal(w.compare.pair_ready, timeout=60_000):
        w.open_pair(_photo(w, "hopper.jpg"), _photo(w, "Canon_40D.jpg"))
    assert w.pair_figures.message.text() == "No migraine diary for this patient yet."
    assert w.migraine_panel.report is None or not w.migraine_panel.report.periods

    # what the session editor does: one write through the library API
    course_api.save_session(lib, pid, {"date": TREATMENT, "total_units": 155.0,
                                       "sites": preempt.protocol_units()})
    qtbot.waitUntil(lambda: w.course_report is not None, timeout=10_000)
    qtbot.waitUntil(lambda: w.compare.context.course_report is w.course_report, timeout=10_000)
    groups = _groups(w)
    assert groups["Baseline"] == 1 and groups["Cycle 1"] == 1
    assert [p.label for p in w.migraine_panel.report.periods][:2] == ["baseline", "cycle 1"]
    context = w.compare.context  # what the next exported sheet is built from
    assert (context.before_period.label, context.after_period.label) == ("baseline", "cycle 1")
    assert w.pair_figures.message.text() == ""
    assert w.pair_figures.values()[1][1:] == ["14", "7"]  # headache days per 28

    # a diary day edited (cycle 1 day 10 becomes a headache day): 8 per 28 in cycle 1
    course_api.save_day(lib, pid, DiaryDay(TREATMENT + dt.timedelta(days=9), True))
    qtbot.waitUntil(lambda: w.pair_figures.values()[1][2] == "8", timeout=10_000)
    assert w.migraine_panel.report.periods[1].headache_days_per_28 == pytest.approx(8.0)


def test_delete_key_trashes_and_edit_undo_brings_it_back(qtbot, window, lib):
    w = window
    course_api.save_session(lib, w.patient.id, {"date": TREATMENT})
    qtbot.waitUntil(lambda: _groups(w).get("Cycle 1") == 1, timeout=10_000)
    _select(qtbot, w, "Canon_40D.jpg")
    trashed = _photo(w, "Canon_40D.jpg").id
    w.grid.setFocus()
    qtbot.keyClick(w.grid, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: [p.original_name for p in w.photos] == ["hopper.jpg"], timeout=10_000)
    assert "Cycle 1" not in _groups(w)  # the timeline followed
    assert [e.photo_id for e in audit.entries(lib, action=audit.PHOTO_DELETED)] == [trashed]
    assert w.undo_action.isEnabled() and "delete of Canon_40D.jpg" in w.undo_action.text()
    w.undo_action.trigger()
    qtbot.waitUntil(lambda: len(w.photos) == 2 and _groups(w).get("Cycle 1") == 1, timeout=10_000)
    w.redo_action.trigger()
    qtbot.waitUntil(lambda: len(w.photos) == 1, timeout=10_000)


def test_redate_from_the_context_menu_moves_the_photo_to_another_period(qtbot, window, lib, monkeypatch):
    w = window
    course_api.save_session(lib, w.patient.id, {"date": TREATMENT})
    qtbot.waitUntil(lambda: _groups(w).get("Cycle 1") == 1, timeout=10_000)

    def answer(dialog):  # stands in for the clinician typing the camera's real date
        dialog.date_edit.setDate(dt.date(2025, 2, 20))
        dialog.time_edit.setText("")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(photo_edit_actions.RedateDialog, "exec", answer)
    _select(qtbot, w, "Canon_40D.jpg")
    rect = w.grid.visualRect(w.grid_model.index(w.grid_model.row_of_photo(_photo(w, "Canon_40D.jpg").id)))
    menu = w.photo_edits.show_context_menu(rect.center())
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == [
        "Move to &patient…", "Correct capture &date…", "Move to &trash"]
    menu.close()
    w.photo_edits.redate_action.trigger()
    qtbot.waitUntil(lambda: _groups(w).get("Baseline") == 2, timeout=10_000)
    assert "Cycle 1" not in _groups(w)
    assert _photo(w, "Canon_40D.jpg").taken_date == dt.date(2025, 2, 20)
    assert audit.entries(lib, action=audit.PHOTO_REDATED)
    w.undo_action.trigger()
    qtbot.waitUntil(lambda: _groups(w).get("Cycle 1") == 1, timeout=10_000)
    assert _photo(w, "Canon_40D.jpg").taken_date == AFTER_DAY


def test_move_to_patient_and_one_undo_stack_with_label_edits(qtbot, window, lib, monkeypatch):
    w = window
    monkeypatch.setattr(photo_edit_actions.MoveDialog, "exec", lambda _d: QDialog.DialogCode.Accepted)
    hopper = _photo(w, "hopper.jpg")
    w.edit_photo(hopper.id, "view_label", "frontal")  # a label edit first, on the same stack
    _select(qtbot, w, "Canon_40D.jpg")
    w.photo_edits.move_action.trigger()
    qtbot.waitUntil(lambda: [p.original_name for p in w.photos] == ["hopper.jpg"], timeout=10_000)
    other = la.find_patient(lib, "P-002")
    assert [p.original_name for p in la.list_photos(lib, other.id)] == ["Canon_40D.jpg"]
    assert len(audit.entries(lib, action=audit.PHOTO_MOVED)) == 2  # in both patients' logs
    w.undo_action.trigger()  # the move first ...
    qtbot.waitUntil(lambda: len(w.photos) == 2, timeout=10_000)
    assert la.get_photo(lib, hopper.id).view_label == "frontal"
    w.undo_action.trigger()  # ... then the label
    assert la.get_photo(lib, hopper.id).view_label is None
    assert not w.undo_action.isEnabled()


def test_a_refused_edit_says_why_and_changes_nothing(qtbot, window, lib):
    w = window
    _select(qtbot, w, "hopper.jpg")
    photo_edits.trash_photo(lib, _photo(w, "hopper.jpg").id)  # another window got there first
    assert not w.photo_edits.trash_selected()
    assert "trash" in w.photo_edits.last_failure
    assert not w.undo_action.isEnabled()


def test_importing_a_diary_shows_the_figures_at_once(qtbot, tmp_path, exif_samples, analysis):
    """The diary editor's CSV import is one library write: the open window follows it."""
    from tests.ui.migraine_helpers import make_library

    source, source_pid = make_library(tmp_path / "source")  # the diary, written as a clinic's CSV
    csv_path = tmp_path / "diary.csv"
    assert course_api.export_csv(source, source_pid, csv_path, summaries=False) == 56
    source.close()
    library = Library.open(tmp_path / "lib", create=True)
    import_paths(library, [exif_samples / "jpg" / "Canon_40D.jpg"], "P-001")
    pid = la.find_patient(library, "P-001").id
    photo_edits.redate_photo(library, la.list_photos(library, pid)[0].id, AFTER_DAY)
    course_api.save_session(library, pid, {"date": TREATMENT})
    w = MainWindow(library, SettingsStore.at_path(tmp_path / "settings.ini"), analysis,
                   warm_up_analysis=False, suggest_labels_after_import=False)
    qtbot.addWidget(w)
    w.show()
    try:
        assert w.select_patient_by_external_id("P-001")
        def cycle_1(report):
            return next((p for p in getattr(report, "periods", ()) if p.label == "cycle 1"), None)

        assert getattr(cycle_1(w.migraine_panel.report), "headache_days_per_28", None) is None
        assert getattr(cycle_1(w.course_report), "headache_days_per_28", None) is None
        course_api.import_csv(library, pid, csv_path, skip_bad_rows=False)
        qtbot.waitUntil(lambda: getattr(cycle_1(w.course_report), "headache_days_per_28", None) == 7.0,
                        timeout=10_000)
        assert cycle_1(w.migraine_panel.report).headache_days_per_28 == pytest.approx(7.0)
        assert w.grid_model.period_labels[w.photos[0].id] == "cycle 1"
    finally:
        w.close()
        w.shutdown()
        library.close()


def test_the_delete_key_in_a_text_field_edits_the_text_not_the_photos(qtbot, window, lib):
    w = window
    _select(qtbot, w, "hopper.jpg")
    for field in (w.inspector.note_edit, w.patient_list.search):
        field.setText("abc")
        field.setFocus()
        field.setCursorPosition(0)
        qtbot.keyClick(field, Qt.Key.Key_Delete)
        assert field.text() == "bc"
        field.setText("")
    QApplication.processEvents()
    assert len(la.list_photos(lib, w.patient.id)) == 2
    assert not audit.entries(lib, action=audit.PHOTO_DELETED)
