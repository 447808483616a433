"""The sheet's migraine rows: plain role words, the clinician's period notes, one formatter."""

from __future__ import annotations

import datetime as dt

from photocompare.export.sheet_data import build_sheet_data

GENERATED = dt.datetime(2026, 4, 20, 8, 30, tzinfo=dt.UTC)


def _sheet(pair_result, course_report, **kw):
    return build_sheet_data(pair_result, course_report, patient_id="0042",
                            generated_at=GENERATED, **kw)


def test_baseline_row_says_before_photo_once(pair_result, course_report):
    data = _sheet(pair_result, course_report)  # before photo 2026-01-05: in the baseline
    base = next(line for line in data.migraine_lines if line.label == "Baseline")
    assert base.role == "before photo"
    assert "baseline" not in base.role


def test_period_notes_reach_the_sheet(pair_result, course_report):
    notes = {"period:cycle 2": "Mild ptosis left, resolved in 3 weeks",
             "period:cycle 1": "not shown: cycle 1 is on no row",
             "pair:1:2": "a pair note is not a period note"}
    data = _sheet(pair_result, course_report, period_notes=notes)
    assert "Cycle 2: Mild ptosis left, resolved in 3 weeks." in data.migraine_note
    assert "cycle 1 is on no row" not in data.migraine_note
    assert "pair note" not in data.migraine_note
    assert _sheet(pair_result, course_report).migraine_note is None
