"""Consent is recorded and withdrawn from the Patient menu, and each change is audited."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from photocompare.library import api as la  # noqa: E402
from photocompare.library import audit, consent  # noqa: E402
from photocompare.ui.consent_dialog import ConsentDialog  # noqa: E402
from photocompare.ui.main_window import MainWindow  # noqa: E402
from photocompare.ui.settings_store import SettingsStore  # noqa: E402
from tests.conftest import shared_path  # noqa: E402


@pytest.fixture
def window(qtbot, library, tmp_path, analysis):
    w = _window(qtbot, library, tmp_path, analysis)
    yield w
    w.close()
    w.shutdown()


def _patient(window, external_id="MRN-0042", name="Ann Patient"):
    row = la.save_patient(
        window.library, patient_id=None, external_id=external_id, display_name=name, birth_year=None, notes=""
    )
    window.reload_patients(row.id)
    assert window.patient is not None and window.patient.id == row.id
    return row


def _import(qtbot, window, paths):
    with qtbot.waitSignal(window.import_finished, timeout=60_000) as blocker:
        assert window.start_import(paths) is not None
    return blocker.args[0]


def _faces() -> Path:
    return shared_path("faces", "face_recognition-examples", "examples")


def _window(qtbot, library, tmp_path, analysis=None):
    w = MainWindow(
        library,
        SettingsStore.at_path(tmp_path / "settings.ini"),
        analysis,
        suggest_labels_after_import=False,
        warm_up_analysis=False,
    )
    qtbot.addWidget(w)
    w.resize(1300, 850)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_consent_is_recorded_and_withdrawn_from_the_patient_menu_and_audited(qtbot, window, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(_faces() / "obama_small.jpg", folder / "a.jpg")
    shutil.copy(_faces() / "obama-240p.jpg", folder / "b.jpg")
    _patient(window)
    _import(qtbot, window, [folder])
    window.imports.dialog.accept()
    ids = [p.id for p in window.photos]
    window.grid.selectAll()
    assert window.consent_action.isEnabled()

    def tick_and_save():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ConsentDialog)
        dialog.boxes[consent.CLINICAL_RECORD].setChecked(True)
        dialog.boxes[consent.TEACHING].setChecked(True)
        dialog.note_edit.setText("signed form")
        dialog.accept()

    QTimer.singleShot(0, tick_and_save)
    window.consent_action.trigger()
    for photo_id in ids:
        granted = {s.use for s in consent.consent_states(window.library, photo_id) if s.granted}
        assert granted == {consent.CLINICAL_RECORD, consent.TEACHING}
    consent.require_consent(window.library, ids, consent.CLINICAL_RECORD)  # no refusal now
    assert "recorded in the audit log" in window.statusBar().currentMessage()

    def withdraw_teaching():
        dialog = QApplication.activeModalWidget()
        assert dialog.boxes[consent.CLINICAL_RECORD].checkState() == Qt.CheckState.Checked
        dialog.boxes[consent.TEACHING].setChecked(False)
        dialog.accept()

    QTimer.singleShot(0, withdraw_teaching)
    window.open_consent()
    assert all(
        {s.use for s in consent.consent_states(window.library, i) if s.granted} == {consent.CLINICAL_RECORD}
        for i in ids
    )
    actions = [r.action for r in audit.entries(window.library)]
    assert actions.count(audit.CONSENT_RECORDED) == 4 and actions.count(audit.CONSENT_REVOKED) == 2
