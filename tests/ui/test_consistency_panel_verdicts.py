"""The consistency panel reads as a clinician needs: whole sentences, figures in words and units,
an identity row, and side-effect changes with their noise — withheld, with the reason, for two
different people."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from photocompare.core.face import FaceAnalyzer  # noqa: E402
from photocompare.core.pairing import compare_photos  # noqa: E402
from photocompare.ui.consistency_panel import ConsistencyPanel  # noqa: E402
from tests.conftest import shared_path  # noqa: E402

EXAMPLES = ("faces", "face_recognition-examples", "examples")


@pytest.fixture(scope="module")
def pairs():
    with FaceAnalyzer() as analyzer:
        same = compare_photos(
            shared_path(*EXAMPLES, "obama-720p.jpg"), shared_path(*EXAMPLES, "obama-1080p.jpg"), analyzer
        )
        other = compare_photos(
            shared_path(*EXAMPLES, "obama-720p.jpg"), shared_path(*EXAMPLES, "biden.jpg"), analyzer
        )
    return same, other


def _texts(table):
    return [
        [table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())
    ]


def test_two_people_are_not_comparable_and_their_changes_are_withheld(qtbot, pairs):
    panel = ConsistencyPanel()
    qtbot.addWidget(panel)
    panel.resize(420, 700)
    panel.show_result(pairs[1])
    assert panel.statuses()["identity"] == "fail"
    assert "Not comparable" in panel.verdict.text()
    rows = _texts(panel.side)
    assert rows and all(row[3] == "withheld" for row in rows)
    assert "two different people" in panel.side_note.text()


def test_same_photo_series_reads_in_words_and_units(qtbot, pairs):
    panel = ConsistencyPanel()
    qtbot.addWidget(panel)
    panel.resize(420, 700)
    panel.show_result(pairs[0])
    assert panel.checks.horizontalHeaderItem(1).text() == "Result"
    cells = " ".join(" ".join(r) for r in _texts(panel.checks))
    assert "direction diff" not in cells and "−165" not in cells
    assert "turn" in cells and "stops" in cells and "similarity" in cells
    assert panel.statuses()["identity"] == "pass"
    changes = [row[3] for row in _texts(panel.side)]
    assert changes and all("noise" in c for c in changes)  # each change with its noise
    assert panel.checks.textElideMode().name == "ElideNone"
