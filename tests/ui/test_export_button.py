"""The compare view's Export button writes the sheet off the GUI thread."""

from __future__ import annotations

import pytest

from tests.ui.conftest import open_demo_pair  # noqa: E402

pytest.importorskip("pytestqt")



def test_export_button_writes_a_sheet_off_the_gui_thread(qtbot, demo_window, tmp_path):
    pytest.importorskip("photocompare.export.sheet")
    w = demo_window
    pair = open_demo_pair(qtbot, w)
    from photocompare.library import consent  # exports need the patient's consent

    consent.record_consent(w.library, [pair.before.id, pair.after.id], [consent.CLINICAL_RECORD])
    out = tmp_path / "sheet.pdf"
    with qtbot.waitSignal(w.export_finished, timeout=60_000) as blocker:
        w.sheets.run(w.compare.context, w.compare.pictures, str(out))
    assert not isinstance(blocker.args[0], BaseException), blocker.args[0]
    assert out.read_bytes()[:5] == b"%PDF-"
