"""The compare view's Export button writes the sheet off the GUI thread."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from photocompare.library.db import Library  # noqa: E402
from photocompare.ui.main_window import MainWindow  # noqa: E402
from photocompare.ui.settings_store import SettingsStore  # noqa: E402


@pytest.fixture
def demo_window(qtbot, demo_master, tmp_path, analysis):
    lib = Library.open(demo_master)
    w = MainWindow(lib, SettingsStore.at_path(tmp_path / "settings.ini"), analysis)
    qtbot.addWidget(w)
    w.resize(1500, 950)
    w.show()
    qtbot.waitExposed(w)
    assert w.select_patient_by_external_id("DEMO-001")
    yield w
    w.close()
    w.shutdown()
    lib.close()


def _open_demo_pair(qtbot, w):
    pairs = w.suggested_pairs()
    assert pairs, "the demo patient must offer a suggested pair"
    with qtbot.waitSignal(w.compare.pair_ready, timeout=60_000):
        w.open_pair(pairs[0].before, pairs[0].after)
    return pairs[0]


def test_export_button_writes_a_sheet_off_the_gui_thread(qtbot, demo_window, tmp_path):
    pytest.importorskip("photocompare.export.sheet")
    w = demo_window
    pair = _open_demo_pair(qtbot, w)
    from photocompare.library import consent  # exports need the patient's consent

    consent.record_consent(w.library, [pair.before.id, pair.after.id], [consent.CLINICAL_RECORD])
    out = tmp_path / "sheet.pdf"
    with qtbot.waitSignal(w.export_finished, timeout=60_000) as blocker:
        w.sheets.run(w.compare.context, w.compare.pictures, str(out))
    assert not isinstance(blocker.args[0], BaseException), blocker.args[0]
    assert out.read_bytes()[:5] == b"%PDF-"
