"""An export refused for want of consent goes on once consent is recorded (same file name, no
second trip through the export dialog); the sheet carries the clinic logo from the settings
and the clinician's notes on the periods it shows. Real demo library, real face analysis."""

from __future__ import annotations

import dataclasses

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from photocompare.core.analysis_service import AnalysisService  # noqa: E402
from photocompare.core.errors import ConsentMissing  # noqa: E402
from photocompare.demo import DEMO_PATIENT_ID  # noqa: E402
from photocompare.library import audit, consent, course_api  # noqa: E402
from photocompare.ui.consent_dialog import ConsentDialog  # noqa: E402
from photocompare.ui.export_dialog import ExportOptions  # noqa: E402
from photocompare.ui.main_window import MainWindow  # noqa: E402
from photocompare.ui.settings_store import SettingsStore  # noqa: E402
from photocompare.ui.sheet_export import build_sheet  # noqa: E402
from tests.ui.conftest import close_window  # noqa: E402


@pytest.fixture(scope="module")
def analysis():
    service = AnalysisService()
    service.warm_up()
    yield service
    service.close()


@pytest.fixture
def library(demo_library):
    return demo_library


@pytest.fixture
def settings(tmp_path):
    return SettingsStore.at_path(tmp_path / "settings.ini")


@pytest.fixture
def window(qtbot, library, settings, tmp_path, analysis):
    out = tmp_path / "for-the-patient.pdf"

    def answer(dialog):  # the clinician fills in the export dialog once
        dialog.set_options(ExportOptions(consent.PATIENT_SHARING, False, "a4", "pdf", str(out)))
        return True

    w = MainWindow(library, settings, analysis, warm_up_analysis=False,
                   suggest_labels_after_import=False, run_export_dialog=answer)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    w.out = out
    assert w.select_patient_by_external_id(DEMO_PATIENT_ID)
    pairs = w.suggested_pairs()
    with qtbot.waitSignal(w.compare.pair_ready, timeout=60_000):
        w.open_pair(pairs[0].before, pairs[0].after)
    yield w
    close_window(qtbot, w)


def _refusal_box(qtbot, w) -> QMessageBox:
    qtbot.waitUntil(lambda: any(b.isVisible() for b in w.findChildren(QMessageBox)), timeout=10_000)
    return next(b for b in w.findChildren(QMessageBox) if b.isVisible())


def _record_button(box: QMessageBox):
    return next(b for b in box.buttons() if b.text() == "Record consent…")


def test_recording_consent_after_a_refusal_writes_the_chosen_file(qtbot, window, library):
    w = window
    with qtbot.waitSignal(w.export_finished, timeout=30_000) as refused:
        w.export_sheet()
    assert isinstance(refused.args[0], ConsentMissing) and not w.out.exists()
    box = _refusal_box(qtbot, w)
    seen = []

    def tick_and_save():  # the consent dialog: the refused use is the highlighted one
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ConsentDialog)
        seen.append(dialog.boxes[consent.PATIENT_SHARING].styleSheet())
        dialog.boxes[consent.PATIENT_SHARING].setChecked(True)
        dialog.accept()

    QTimer.singleShot(0, tick_and_save)
    with qtbot.waitSignal(w.export_finished, timeout=60_000) as written:
        _record_button(box).click()
    assert "bold" in seen[0]
    assert not isinstance(written.args[0], BaseException), written.args[0]
    assert w.out.read_bytes()[:5] == b"%PDF-"
    qtbot.waitUntil(lambda: not w.audit_trail.tasks, timeout=10_000)
    exported = audit.entries(library, action=audit.SHEET_EXPORTED)
    assert len(exported) == 1 and w.out.name in exported[0].details


def test_cancelling_the_consent_dialog_writes_nothing_and_says_so(qtbot, window):
    w = window
    with qtbot.waitSignal(w.export_finished, timeout=30_000):
        w.export_sheet()
    box = _refusal_box(qtbot, w)
    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().reject())
    _record_button(box).click()
    assert w.sheets.retry_task is None and not w.out.exists()
    assert "not written" in w.statusBar().currentMessage()


def test_the_sheet_has_the_clinic_logo_and_the_period_notes(qtbot, window, library, settings, bad_images):
    w = window
    context = w.compare.context
    assert context.before_period is not None, "the demo pair falls in diary periods"
    label = context.before_period.label
    course_api.set_note(library, w.patient.id, f"period:{label}", "ptosis left, resolved")
    defaults = settings.sheet_defaults()
    logo = bad_images / "hopper.png"
    settings.set_sheet_defaults(dataclasses.replace(defaults, logo_path=str(logo)))
    consent.record_consent(library, [context.before.id, context.after.id], [consent.CLINICAL_RECORD])
    options = ExportOptions(consent.CLINICAL_RECORD, False, "a4", "pdf", "")
    data = build_sheet(library, context, w.compare.pictures, options, settings.sheet_defaults())
    assert data.clinic_logo == str(logo)
    assert data.migraine_note.startswith(f"{label.capitalize()}: ptosis left, resolved.")
