"""Consent is recorded and withdrawn from the Patient menu, and each change is audited."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from photocompare.library import audit, consent  # noqa: E402
from photocompare.ui.consent_dialog import ConsentDialog  # noqa: E402
from tests.conftest import shared_path  # noqa: E402
from tests.ui.conftest import new_patient, quiet_window, run_import  # noqa: E402


@pytest.fixture
def window(qtbot, library, tmp_path, analysis):
    w = quiet_window(qtbot, library, tmp_path, analysis)
    yield w
    w.close()
    w.shutdown()


def _faces() -> Path:
    return shared_path("faces", "face_recognition-examples", "examples")


def test_consent_is_recorded_and_withdrawn_from_the_patient_menu_and_audited(qtbot, window, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(_faces() / "obama_small.jpg", folder / "a.jpg")
    shutil.copy(_faces() / "obama-240p.jpg", folder / "b.jpg")
    new_patient(window, "MRN-0042", "Ann Patient")
    run_import(qtbot, window, [folder])
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
