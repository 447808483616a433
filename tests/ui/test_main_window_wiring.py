"""The main window's wiring of settings and payer dialogs: the treatment-day setting decides
where a photo taken on an injection day lands (and the open patient follows at once when the
setting changes); the payer dialogs open from the Patient menu for the open patient and the
prescriber from the Settings menu. Real library, real photo."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog  # noqa: E402

from photocompare.library import api as la  # noqa: E402
from photocompare.library import photo_edits  # noqa: E402
from photocompare.library.importer import import_paths  # noqa: E402
from photocompare.settings import CourseSettings  # noqa: E402
from photocompare.ui import payer_report_dialog  # noqa: E402
from photocompare.ui.main_window import MainWindow  # noqa: E402
from photocompare.ui.settings_dialog import SettingsDialog  # noqa: E402
from photocompare.ui.settings_store import SettingsStore  # noqa: E402
from tests.ui.conftest import close_window  # noqa: E402
from tests.ui.migraine_helpers import TREATMENT, make_library  # noqa: E402


@pytest.fixture
def course(tmp_path, bad_images):
    """P-001 with the hand-countable course and one photo taken on the treatment day."""
    lib, pid = make_library(tmp_path)
    import_paths(lib, [bad_images / "hopper.jpg"], "P-001")
    photo = la.list_photos(lib, pid)[0]
    photo_edits.redate_photo(lib, photo.id, dt.datetime.combine(TREATMENT, dt.time(9, 0)))
    yield lib, pid
    lib.close()


@pytest.fixture
def window(qtbot, course, tmp_path):
    lib, _pid = course
    w = MainWindow(lib, SettingsStore.at_path(tmp_path / "settings.ini"), warm_up_analysis=False,
                   suggest_labels_after_import=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.select_patient_by_external_id("P-001")
    yield w
    close_window(qtbot, w)


def _period_of_the_photo(w) -> str | None:
    return w.grid_model.period_labels.get(w.photos[0].id)


def test_the_treatment_day_setting_moves_an_injection_day_photo(qtbot, window, monkeypatch):
    w = window
    assert _period_of_the_photo(w) == "baseline"  # default: photographed just before injecting

    def choose_after(dialog):  # the clinician changes the setting in Settings…
        w.settings_store.set_course_settings(
            dataclasses.replace(CourseSettings(), treatment_day_photo_period="after"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SettingsDialog, "exec", choose_after)
    w.open_settings()
    qtbot.waitUntil(lambda: _period_of_the_photo(w) == "cycle 1", timeout=10_000)
    assert w.course_report is not None
    # a fresh start reads the same setting
    w.show_patient(w.patient.id)
    assert _period_of_the_photo(w) == "cycle 1"


def test_payer_dialogs_open_from_the_menus_for_the_open_patient(qtbot, window, monkeypatch):
    w = window
    menus = {a.text().replace("&", ""): a.menu() for a in w.menuBar().actions()}
    patient_items = [a.text().replace("&", "") for a in menus["Patient"].actions()]
    for text in ("Payer report…", "Diagnosis…", "Preventive history…", "Insurer…"):
        assert text in patient_items
    assert "Prescriber…" in [a.text().replace("&", "") for a in menus["Settings"].actions()]

    opened = []

    def close_it():
        dialog = QApplication.activeModalWidget()
        opened.append(type(dialog).__name__)
        dialog.reject()

    for action in (w.payer.diagnosis_action, w.payer.preventives_action, w.payer.payer_action,
                   w.payer.report_action, w.payer.prescriber_action):
        QTimer.singleShot(0, close_it)
        action.trigger()
    assert opened == ["DiagnosisDialog", "PreventiveHistoryDialog", "PayerDialog",
                      "PayerReportDialog", "PrescriberDialog"]
    seen = {}
    monkeypatch.setattr(payer_report_dialog, "open_payer_report",
                        lambda parent, lib, pid, prescriber=None: seen.update(pid=pid, who=prescriber))
    w.payer.report_action.trigger()
    assert seen["pid"] == w.patient.id and seen["who"] == w.settings_store.prescriber()
