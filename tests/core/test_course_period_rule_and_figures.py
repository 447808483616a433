"""Photos on a treatment day belong to the period before it; shown figures never contradict a flag."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest

from photocompare.core import figures_format as ff
from photocompare.core.course import compute_course, pair_periods, period_for_date, summary_sentence
from photocompare.core.course_figures import DiaryDay, Treatment
from photocompare.core.errors import CourseError
from photocompare.settings import CourseSettings

D = dt.date


def diary(start: dt.date, pattern: str) -> list[DiaryDay]:
    """'H' headache, '-' headache-free, one character per day from `start`."""
    return [DiaryDay(start + dt.timedelta(days=i), headache=c == "H") for i, c in enumerate(pattern)]


def two_treatments(settings: CourseSettings | None = None, **first):
    days = diary(D(2026, 1, 1), "H" * 90)
    treatments = [Treatment(D(2026, 1, 29), **first), Treatment(D(2026, 3, 1))]
    return compute_course(days, [], treatments, settings=settings)


def test_treatment_day_photo_belongs_to_the_period_before_by_default():
    report = two_treatments()
    assert period_for_date(report, D(2026, 1, 28)).label == "baseline"
    assert period_for_date(report, D(2026, 1, 29)).label == "baseline"  # photographed, then injected
    assert period_for_date(report, dt.datetime(2026, 1, 29, 23, 59)).label == "baseline"
    assert period_for_date(report, D(2026, 1, 30)).label == "cycle 1"
    assert period_for_date(report, D(2026, 3, 1)).label == "cycle 1"
    assert period_for_date(report, D(2026, 3, 2)).label == "cycle 2"
    # the diary figures are unchanged: cycle 1 still starts on treatment day 1
    assert report.period("cycle 1").start == D(2026, 1, 29)


def test_setting_puts_treatment_day_photos_in_the_new_cycle():
    report = two_treatments(CourseSettings(treatment_day_photo_period="after"))
    assert period_for_date(report, D(2026, 1, 29)).label == "cycle 1"
    assert period_for_date(report, D(2026, 3, 1)).label == "cycle 2"
    assert period_for_date(report, D(2026, 1, 28)).label == "baseline"
    # a caller may ask for either rule explicitly
    assert period_for_date(two_treatments(), D(2026, 3, 1), treatment_day="after").label == "cycle 2"
    with pytest.raises(CourseError, match="treatment_day_photo_period"):
        two_treatments(CourseSettings(treatment_day_photo_period="later"))


def test_recorded_session_time_decides_for_a_photo_with_a_time():
    report = two_treatments(session_time=dt.time(10, 30))
    assert period_for_date(report, dt.datetime(2026, 1, 29, 10, 29)).label == "baseline"
    assert period_for_date(report, dt.datetime(2026, 1, 29, 10, 30)).label == "cycle 1"
    assert period_for_date(report, dt.datetime(2026, 1, 29, 17, 0)).label == "cycle 1"
    # a photo with only a date falls back to the setting
    assert period_for_date(report, D(2026, 1, 29)).label == "baseline"
    # the time wins over the setting too
    after = two_treatments(CourseSettings(treatment_day_photo_period="after"),
                           session_time=dt.time(10, 30))
    assert period_for_date(after, dt.datetime(2026, 1, 29, 9, 0)).label == "baseline"


def test_pair_periods_uses_the_same_rule():
    report = two_treatments()
    before, after = pair_periods(report, D(2026, 1, 29), dt.datetime(2026, 3, 1, 9, 0))
    assert (before.label, after.label) == ("baseline", "cycle 1")
    assert pair_periods(report, None, D(2025, 1, 1)) == (None, None)


def _near_half_report():
    # baseline 2026-01-01..01-28: 20 headache days of 28 -> 20 per 28
    # cycle 1: 263 recorded days with 94 headache days -> 94*28/263 = 10.0076 per 28
    #   change = (10.0076 - 20) / 20 = -49.962 %: NOT a 50 % responder
    base = diary(D(2026, 1, 1), "H" * 20 + "-" * 8)
    cycle = diary(D(2026, 1, 29), "H" * 94 + "-" * 169)
    return compute_course(base + cycle, [], [D(2026, 1, 29)], today=D(2026, 1, 29) + dt.timedelta(days=262))


def test_a_change_just_short_of_50_percent_is_never_shown_as_50():
    report = _near_half_report()
    c1 = report.period("cycle 1")
    assert c1.days_recorded == 263 and c1.responder_50 is False and c1.responder_30 is True
    # JSON: at least two decimals, on the same side of the threshold as the flag
    data = json.loads(json.dumps(report.to_json()))["periods"][1]
    assert data["headache_change_pct"] == -49.96 and data["responder_50"] is False
    assert data["headache_days_per_28"] == 10.01
    # screen: one decimal, cut rather than rounded up to the whole number 50
    assert ff.fmt_pct(c1.headache_change_pct) == "−49.9 %"
    sentence = summary_sentence(report, "cycle 1")
    assert sentence == "Headache days went from 20 to 10 per 28 days — 49.9 % fewer."
    assert "50 %" not in sentence


def test_minus_49_7_is_shown_as_minus_49_7():
    # 37 headache days in 103 recorded days: 37*28/103 = 10.058 per 28, change -49.709 %
    base = diary(D(2026, 1, 1), "H" * 20 + "-" * 8)
    cycle = diary(D(2026, 1, 29), "H" * 37 + "-" * 66)
    report = compute_course(base + cycle, [], [D(2026, 1, 29)], today=D(2026, 5, 11))
    c1 = report.period("cycle 1")
    assert c1.headache_change_pct == -49.71 and c1.responder_50 is False
    assert ff.fmt_pct(c1.headache_change_pct) == "−49.7 %"
    assert summary_sentence(report, c1).endswith("— 49.7 % fewer.")


def test_exactly_50_percent_is_a_responder_and_shown_as_50():
    base = diary(D(2026, 1, 1), "H" * 20 + "-" * 8)
    cycle = diary(D(2026, 1, 29), "H" * 10 + "-" * 18)
    c1 = compute_course(base + cycle, [], [D(2026, 1, 29)], today=D(2026, 2, 25)).period("cycle 1")
    assert c1.headache_change_pct == -50.0 and c1.responder_50 is True
    assert ff.fmt_pct(c1.headache_change_pct) == "−50 %"


@pytest.mark.parametrize(("value", "digits", "shown"), [
    (-49.962, 1, -49.9), (-49.962, 2, -49.96), (-49.7, 1, -49.7), (9.96, 1, 9.9),
    (6.6667, 1, 6.7), (6.6667, 2, 6.67), (10.04, 1, 10.0), (14.999, 2, 14.99),
    (-50.0, 1, -50.0), (49.99999999999, 1, 50.0), (0.04, 1, 0.0), (-0.04, 1, 0.0),
    (79.96, 0, 79.0), (None, 1, None),
])
def test_shown_value_never_reaches_a_whole_number_early(value, digits, shown):
    assert ff.shown_value(value, digits) == shown


def test_per_28_flags_agree_with_shown_figures():
    # 15 headache days of 28 -> exactly 15.0 per 28: the chronic note names 15
    base_days = diary(D(2026, 1, 1), "H" * 15 + "-" * 13)
    report = compute_course(base_days, [], [D(2026, 1, 29)])
    assert report.baseline.headache_days_per_28 == 15.0
    note = next(n for n in report.flags.notes if "ICHD-3" in n)
    assert "15 headache" in note
    # 15 of 29 days -> 14.48 per 28: shown 14.5 (not a whole number, so rounded as usual)
    settings = replace(CourseSettings(), baseline_days=29)
    report = compute_course(diary(D(2025, 12, 31), "H" * 15 + "-" * 14), [], [D(2026, 1, 29)],
                            settings=settings)
    assert report.baseline.headache_days_per_28 == 14.48
    assert ff.fmt_per28(report.baseline.headache_days_per_28) == "14.5"


def test_cli_course_table_agrees_with_the_flags():
    from photocompare.cli.commands_course import format_report

    text = format_report(_near_half_report())
    row = next(line for line in text.splitlines() if line.startswith("cycle 1"))
    assert "-49.9%" in row and "-50.0%" not in row
    assert row.split()[-1] == "no"  # not a 50 % responder, and no figure says otherwise
    assert "49.9 % fewer" in text
