"""The sheet puts a photo in the same baseline or cycle as the rest of the app
(core.course.period_for_date), including the boundary days, and reads dates one way."""

from __future__ import annotations

import datetime as dt

import pytest

from photocompare.core.course import period_for_date
from photocompare.core.dates import as_date
from tests.export.conftest import make_sheet

# The course of conftest.make_diary: baseline 2025-12-13..2026-01-09, cycle 1 from the
# treatment of 2026-01-10 to 2026-02-06, cycle 2 from 2026-02-07 (to 2026-05-01, the last day).


@pytest.mark.parametrize(
    ("after_taken", "cycle_label"),
    [
        # a photo on a treatment day was taken before injecting: it shows the period before
        (dt.date(2026, 1, 10), "Baseline"),
        (dt.date(2026, 1, 11), "Cycle 1 (treatment 2026-01-10)"),
        (dt.datetime(2026, 2, 6, 23, 59), "Cycle 1 (treatment 2026-01-10)"),
        (dt.date(2026, 2, 7), "Cycle 1 (treatment 2026-01-10)"),  # treatment 2's day
        (dt.date(2026, 2, 8), "Cycle 2 (treatment 2026-02-07)"),
        (dt.date(2026, 6, 30), "Cycle 2 (treatment 2026-02-07)"),  # runs until the next one
        (dt.date(2026, 1, 9), "Baseline"),
        (dt.date(2025, 11, 1), "After photo outside the diary periods"),  # before the diary
    ],
)
def test_after_photo_lands_in_the_period_the_course_rule_gives(
    pair_result, course_report, after_taken, cycle_label
):
    data = make_sheet(pair_result, course_report, after_taken_at=after_taken)
    assert data.cycle_label == cycle_label
    expected = period_for_date(course_report, after_taken)
    roles = {line.label.lower(): line.role for line in data.migraine_lines}
    if expected is None:
        assert data.migraine_note == "The after photo was taken outside the diary periods"
    else:
        assert "after photo" in roles[expected.label]


def test_before_and_after_in_one_cycle_share_one_row(pair_result, course_report):
    data = make_sheet(
        pair_result,
        course_report,
        before_taken_at=dt.date(2026, 1, 12),
        after_taken_at=dt.date(2026, 2, 1),
    )
    assert [(line.label, line.role) for line in data.migraine_lines] == [
        ("Baseline", "baseline"),
        ("Cycle 1", "before photo · after photo"),
    ]


@pytest.mark.parametrize(
    ("value", "day"),
    [
        (None, None),
        (dt.date(2026, 1, 10), dt.date(2026, 1, 10)),
        (dt.datetime(2026, 1, 10, 23, 59), dt.date(2026, 1, 10)),
        (
            dt.datetime(2026, 1, 10, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
            dt.date(2026, 1, 10),
        ),
        ("2026-01-10", dt.date(2026, 1, 10)),
        ("2026-01-10T09:12:00", dt.date(2026, 1, 10)),
        ("10/01/2026", None),
        ("", None),
    ],
)
def test_dates_are_read_one_way(value, day):
    assert as_date(value) == day
