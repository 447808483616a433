"""Migraine course periods and figures against hand-computed values (arithmetic in comments)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from photocompare.core.course import compute_course, period_for_date, summary_sentence
from photocompare.core.course_figures import (
    CONTRACT_PERIOD_KEYS,
    DiaryDay,
    MedicationClass,
    MonthlySummary,
    Treatment,
)
from photocompare.core.errors import CourseError
from photocompare.settings import CourseSettings

D = dt.date
TRIPTAN = MedicationClass.TRIPTAN
SIMPLE = MedicationClass.SIMPLE_ANALGESIC


def diary(start: dt.date, pattern: str, intensity: int = 6) -> list[DiaryDay]:
    """One character per day from `start`:
    M migraine day, H headache (not migraine), T migraine + triptan, A headache + simple
    analgesic, O headache + opioid, - recorded headache-free, . no entry (not recorded)."""
    out = []
    for i, ch in enumerate(pattern):
        day = start + dt.timedelta(days=i)
        if ch == ".":
            continue
        if ch == "-":
            out.append(DiaryDay(day, headache=False))
            continue
        med = {"T": TRIPTAN, "A": SIMPLE, "O": MedicationClass.OPIOID}.get(ch)
        out.append(DiaryDay(day, headache=True, migraine=ch in "MT", intensity=intensity,
                            medication=med is not None, medication_class=med))
    return out


def test_27_and_35_day_cycles_hand_computed():
    # baseline 2024-01-01..01-28 (28 days): 10 migraine + 10 headache + 8 free
    #   headache/28 = 20, migraine/28 = 10
    # cycle 1 2024-01-29..03-03 (35 days, Feb 2024 has 29 days): 15 headache days
    #   15 * 28 / 35 = 12.0 per 28; change (12 - 20) / 20 = -40 % -> responder_30 yes, _50 no
    # cycle 2 2024-03-04..03-30 (27 days, to the last diary day): 7 headache days
    #   7 * 28 / 27 = 7.259 -> 7.26 per 28 (JSON keeps two decimals); change -63.70 %
    base = diary(D(2024, 1, 1), "M" * 10 + "H" * 10 + "-" * 8)
    c1 = diary(D(2024, 1, 29), "H" * 15 + "-" * 20)
    c2 = diary(D(2024, 3, 4), "H" * 7 + "-" * 20)
    report = compute_course(base + c1 + c2, [], [D(2024, 1, 29), D(2024, 3, 4)])
    b, p1, p2 = report.periods
    assert (b.label, b.start, b.end, b.days) == ("baseline", D(2024, 1, 1), D(2024, 1, 28), 28)
    assert (b.headache_days, b.migraine_days, b.headache_days_per_28, b.migraine_days_per_28) == (
        20, 10, 20.0, 10.0)
    assert b.headache_change_pct is None and b.responder_30 is None and b.responder_50 is None
    assert (p1.label, p1.start, p1.end, p1.days, p1.days_recorded) == (
        "cycle 1", D(2024, 1, 29), D(2024, 3, 3), 35, 35)
    assert p1.headache_days == 15 and p1.headache_days_per_28 == 12.0
    assert p1.headache_change_pct == -40.0
    assert (p1.responder_30, p1.responder_50) == (True, False)
    assert (p2.start, p2.end, p2.days) == (D(2024, 3, 4), D(2024, 3, 30), 27)
    assert p2.headache_days_per_28 == 7.26 and p2.headache_change_pct == -63.7
    assert (p2.responder_30, p2.responder_50) == (True, True)
    assert p1.mean_intensity == 6.0 and p1.coverage == 1.0 and not p1.coverage_warning


def test_gaps_are_not_recorded_days_not_headache_free():
    # baseline: 14 recorded days (10 headache + 4 free) and 14 days without an entry
    #   per 28 = 10 * 28 / 14 = 20 (not 10: the missing days are unknown); coverage 14/28 = 0.5
    base = diary(D(2024, 1, 1), "HHHHHHHHHH----" + "." * 14)
    # cycle 1 (28 days to today): 21 recorded: 7 headache + 14 free, 7 gaps
    #   7 * 28 / 21 = 9.333 -> 9.33 per 28; change (9.333 - 20) / 20 = -53.33 %
    c1 = diary(D(2024, 1, 29), "HHHHHHH" + "-" * 14 + "." * 7)
    report = compute_course(base + c1, [], [D(2024, 1, 29)], today=D(2024, 2, 25))
    b, p1 = report.periods
    assert (b.days_recorded, b.coverage, b.coverage_warning) == (14, 0.5, True)
    assert b.headache_days == 10 and b.headache_days_per_28 == 20.0
    assert (p1.days, p1.days_recorded, p1.coverage) == (28, 21, 0.75)
    assert p1.headache_days_per_28 == 9.33 and p1.headache_change_pct == -53.33
    assert p1.coverage_warning  # 75 % < 80 %
    assert any("baseline: only 50 % of days recorded" in n for n in report.flags.notes)


def test_today_extends_the_latest_cycle_and_lowers_coverage():
    days = diary(D(2024, 1, 1), "H" * 28 + "-" * 28)
    report = compute_course(days, [], [D(2024, 1, 29)], today=D(2024, 3, 24))
    cycle = report.periods[-1]
    # 2024-01-29..2024-03-24 = 3 + 29 + 24 = 56 days, 28 recorded -> coverage 0.5
    assert (cycle.end, cycle.days, cycle.days_recorded, cycle.coverage) == (D(2024, 3, 24), 56, 28, 0.5)
    assert cycle.headache_days_per_28 == 0.0 and cycle.headache_change_pct == -100.0


def test_duplicate_days_are_refused():
    days = diary(D(2024, 1, 1), "HH") + [DiaryDay(D(2024, 1, 2), headache=False)]
    with pytest.raises(CourseError, match="two diary entries for 2024-01-02"):
        compute_course(days, [], [D(2024, 1, 10)])
    with pytest.raises(CourseError, match="two treatments on 2024-01-10"):
        compute_course([], [], [D(2024, 1, 10), D(2024, 1, 10)])


def test_leap_day_counts_as_one_more_day():
    # cycle 1 = 2024-02-01..2024-02-29 = 29 days (leap year); headache on 02-27, 02-28, 02-29
    #   3 * 28 / 29 = 2.897 -> 2.9 per 28
    # baseline 2024-01-04..2024-01-31: 14 headache days of 28 -> 14 per 28
    #   change (2.897 - 14) / 14 = -79.31 %
    base = diary(D(2024, 1, 4), "H" * 14 + "-" * 14)
    c1 = diary(D(2024, 2, 1), "-" * 26 + "HHH")
    report = compute_course(base + c1, [], [D(2024, 2, 1), D(2024, 3, 1)], today=D(2024, 3, 1))
    b, p1, p2 = report.periods
    assert (b.start, b.end) == (D(2024, 1, 4), D(2024, 1, 31))
    assert (p1.start, p1.end, p1.days, p1.days_recorded) == (D(2024, 2, 1), D(2024, 2, 29), 29, 29)
    assert p1.headache_days == 3 and p1.headache_days_per_28 == 2.9
    assert p1.headache_change_pct == -79.31
    assert period_for_date(report, D(2024, 2, 29)).label == "cycle 1"
    assert period_for_date(report, D(2024, 3, 1)).label == "cycle 1"  # treatment day: before
    assert period_for_date(report, D(2024, 3, 2)).label == "cycle 2"
    # the 28 days before treatment 2 = 2024-02-02..2024-02-29 (includes the leap day)
    window = report.period("28 days before treatment 2")
    assert (window.start, window.end, window.days, window.headache_days) == (
        D(2024, 2, 2), D(2024, 2, 29), 28, 3)


def test_dst_change_does_not_shift_days_or_periods():
    berlin = ZoneInfo("Europe/Berlin")  # clocks go forward on 2024-03-31 02:00 -> 03:00
    # cycle 1 = 2024-03-15..2024-04-14 = 17 + 14 = 31 calendar days although one is 23 h long
    days = diary(D(2024, 2, 16), "H" * 28 + "M" * 31)
    report = compute_course(days, [], [D(2024, 3, 15), D(2024, 4, 15)], today=D(2024, 4, 20))
    p1 = report.periods[1]
    assert (p1.start, p1.end, p1.days, p1.headache_days, p1.headache_days_per_28) == (
        D(2024, 3, 15), D(2024, 4, 14), 31, 31, 28.0)
    # photos are placed by their local calendar date, on either side of the change
    just_after = dt.datetime(2024, 3, 31, 3, 30, tzinfo=berlin)
    late_evening = dt.datetime(2024, 4, 14, 23, 30, tzinfo=berlin)  # 21:30 UTC, same day
    assert period_for_date(report, just_after).label == "cycle 1"
    assert period_for_date(report, late_evening).label == "cycle 1"
    # 2024-04-15 is treatment day 2: by default its photos belong to the cycle before
    assert period_for_date(report, dt.datetime(2024, 4, 15, 0, 10, tzinfo=berlin)).label == "cycle 1"
    assert period_for_date(report, dt.datetime(2024, 4, 16, 0, 10, tzinfo=berlin)).label == "cycle 2"
    # European autumn change (2024-10-27, a 25-hour day) inside a baseline: still 28 days
    base = diary(D(2024, 10, 10), "H" * 28)
    autumn = compute_course(base, [], [D(2024, 11, 7)])
    assert autumn.periods[0].days == 28 and autumn.periods[0].days_recorded == 28


def test_monthly_counts_only_patient_is_prorated_by_overlap():
    jan = MonthlySummary(D(2024, 1, 1), D(2024, 1, 31), headache_days=18, migraine_days=9,
                         acute_med_days=12)
    feb = MonthlySummary(D(2024, 2, 1), D(2024, 2, 29), headache_days=10, migraine_days=4,
                         acute_med_days=6)
    report = compute_course([], [jan, feb], [D(2024, 2, 1)])
    b, p1 = report.periods
    # baseline 2024-01-04..2024-01-31: 28 of January's 31 days
    #   headache 18 * 28/31 = 16.258 -> 16.26 days, per 28 = 16.258 * 28 / 28 = 16.26
    #   migraine 9 * 28/31 = 8.129 -> 8.13; acute med 12 * 28/31 = 10.839 -> 10.84
    assert (b.days_recorded, b.headache_days, b.migraine_days, b.acute_med_days) == (28, 16.26, 8.13, 10.84)
    assert b.headache_days_per_28 == 16.26 and b.days_from_summaries == 28
    # cycle 1 = February to its end (the last recorded day): 29 days, 10 headache days
    #   per 28 = 10 * 28 / 29 = 9.655 -> 9.66; change = (10/29) / (18/31) - 1 = 310/522 - 1 = -40.61 %
    assert (p1.days, p1.days_recorded, p1.headache_days, p1.headache_days_per_28) == (29, 29, 10, 9.66)
    assert p1.headache_change_pct == -40.61 and p1.responder_30 is True and p1.responder_50 is False
    # ICHD-3 frequency: 16.3 >= 15 headache and 8.1 >= 8 migraine days per 28
    assert report.flags.chronic_migraine_baseline is True
    # classes are unknown from counts: no per-class figures, no class overuse flag
    assert b.medication_class_days_per_28["triptan"] is None
    assert report.flags.medication_overuse == ()
    assert any(n.startswith("baseline: acute medication on 10.8 days per 28") for n in report.flags.notes)


def test_diary_days_take_precedence_over_an_overlapping_summary():
    # January summary (31 days, 18 headache days) and a diary for 2024-01-22..2024-01-31
    # (10 days, 5 headache). Baseline 2024-01-04..01-31: 18 days without diary entries take
    #   18 * 18/31 = 10.452 headache days from the summary + 5 from the diary = 15.452
    #   recorded 18 + 10 = 28 -> per 28 = 15.45
    jan = MonthlySummary(D(2024, 1, 1), D(2024, 1, 31), 18, 9, 0)
    days = diary(D(2024, 1, 22), "HHHHH-----")
    b = compute_course(days, [jan], [D(2024, 2, 1)]).periods[0]
    assert (b.days_recorded, b.days_recorded_diary, b.days_from_summaries) == (28, 10, 18)
    assert b.headache_days == 15.45 and b.headache_days_per_28 == 15.45


def test_overlapping_summaries_are_refused():
    a = MonthlySummary(D(2024, 1, 1), D(2024, 1, 31), 10)
    b = MonthlySummary(D(2024, 1, 31), D(2024, 2, 28), 10)
    with pytest.raises(CourseError, match="overlap"):
        compute_course([], [a, b], [D(2024, 3, 1)])


def test_medication_overuse_per_class_thresholds():
    # baseline: 10 triptan days (>= 10 -> flagged), 14 simple-analgesic days (< 15 -> not)
    base = diary(D(2024, 1, 1), "T" * 10 + "A" * 14 + "----")
    # cycle 1: 15 simple-analgesic days in 28 (>= 15 -> flagged)
    c1 = diary(D(2024, 1, 29), "A" * 15 + "-" * 13)
    # cycle 2: 6 triptan + 5 opioid = 11 days of two classes, none overused alone -> "multiple"
    c2 = diary(D(2024, 2, 26), "T" * 6 + "O" * 5 + "-" * 17)
    report = compute_course(base + c1 + c2, [], [D(2024, 1, 29), D(2024, 2, 26)])
    flags = {(f.period, f.medication_class): f for f in report.flags.medication_overuse}
    assert set(flags) == {("baseline", "triptan"), ("cycle 1", "simple_analgesic"),
                          ("cycle 2", "multiple")}
    assert flags[("baseline", "triptan")].days_per_28 == 10.0
    assert flags[("cycle 1", "simple_analgesic")].threshold_days_per_28 == 15.0
    assert flags[("cycle 2", "multiple")].days_per_28 == 11.0
    assert report.periods[0].medication_class_days == {
        "simple_analgesic": 14, "triptan": 10, "ergot": 0, "opioid": 0, "combination": 0,
        "gepant_other": 0}


def test_stopping_rule_after_two_cycles():
    # baseline 20/28; cycle 2 (2024-04-22..2024-07-14, 84 days) 64 headache days
    #   64 * 28 / 84 = 21.333 per 28 -> change +6.67 %: less than 30 % fewer -> met
    base = diary(D(2024, 1, 1), "M" * 20 + "-" * 8)
    c1 = diary(D(2024, 1, 29), "H" * 84)
    c2 = diary(D(2024, 4, 22), "H" * 64 + "-" * 20)
    treatments = [D(2024, 1, 29), D(2024, 4, 22), D(2024, 7, 15)]
    report = compute_course(base + c1 + c2, [], treatments)
    rule = report.flags.stopping_rule
    assert rule.evaluated_on == "cycle 2" and rule.cycle_complete
    assert rule.headache_change_pct == 6.67 and rule.met is True
    # 12 headache days in cycle 2 instead: 12 * 28 / 84 = 4 -> -80 % -> not met
    c2_good = diary(D(2024, 4, 22), "H" * 12 + "-" * 72)
    good = compute_course(base + c1 + c2_good, [], treatments).flags.stopping_rule
    assert good.headache_change_pct == -80.0 and good.met is False
    # only one cycle: not evaluated yet
    assert compute_course(base + c1, [], treatments[:1]).flags.stopping_rule is None


def test_episodic_for_three_consecutive_months():
    base = diary(D(2024, 1, 1), "M" * 20 + "-" * 8)
    # after treatment: 28-day months with 20, 10, 8, 12 headache days -> months 2-4 are episodic
    after = diary(D(2024, 1, 29), "H" * 20 + "-" * 8 + "H" * 10 + "-" * 18 + "H" * 8 + "-" * 20
                  + "H" * 12 + "-" * 16)
    run = compute_course(base + after, [], [D(2024, 1, 29)]).flags.episodic_3_months
    assert run is not None
    assert (run.start, run.end, run.months) == (D(2024, 2, 26), D(2024, 5, 19), 3)
    assert run.headache_days_per_28 == (10.0, 8.0, 12.0)
    # an under-recorded month (coverage < 80 %) breaks the run
    holes = diary(D(2024, 1, 29), "H" * 20 + "-" * 8 + "H" * 10 + "-" * 18 + "H" * 8 + "." * 20
                  + "H" * 12 + "-" * 16)
    assert compute_course(base + holes, [], [D(2024, 1, 29)]).flags.episodic_3_months is None


def test_chronic_migraine_flag_and_three_month_note():
    base = diary(D(2024, 1, 1), "M" * 8 + "H" * 7 + "-" * 13)  # 15 headache, 8 migraine
    report = compute_course(base, [], [D(2024, 1, 29)])
    assert report.flags.chronic_migraine_baseline is True
    assert any("Only 28 days of data before the first treatment" in n for n in report.flags.notes)
    # 7 migraine days only -> not chronic by frequency
    low = diary(D(2024, 1, 1), "M" * 7 + "H" * 8 + "-" * 13)
    assert compute_course(low, [], [D(2024, 1, 29)]).flags.chronic_migraine_baseline is False
    # more than 3 months of data before the first treatment: no "unverifiable" note
    long = diary(D(2023, 10, 1), "MH-" * 40)
    notes = compute_course(long, [], [D(2024, 1, 29)]).flags.notes
    assert not any("cannot be verified" in n for n in notes)
    # nothing recorded in the baseline: unknown
    empty = compute_course(diary(D(2024, 2, 1), "HHH"), [], [D(2024, 1, 29)])
    assert empty.flags.chronic_migraine_baseline is None


def test_period_for_date_places_photos():
    report = compute_course(diary(D(2024, 1, 1), "H" * 60), [], [D(2024, 1, 29), D(2024, 2, 20)])
    assert period_for_date(report, D(2023, 12, 31)) is None  # before the baseline
    assert period_for_date(report, D(2024, 1, 1)).label == "baseline"
    assert period_for_date(report, D(2024, 1, 29)).label == "baseline"  # treatment day 1
    assert period_for_date(report, D(2024, 1, 30)).label == "cycle 1"
    assert period_for_date(report, D(2024, 2, 19)).label == "cycle 1"
    assert period_for_date(report, D(2024, 2, 20)).label == "cycle 1"  # treatment day 2
    assert period_for_date(report, D(2024, 2, 21)).label == "cycle 2"
    assert period_for_date(report, D(2025, 1, 1)).label == "cycle 2"  # until the next treatment


def test_json_matches_the_cli_contract_exactly():
    report = compute_course(diary(D(2024, 1, 1), "M" * 20 + "-" * 8 + "H" * 8 + "-" * 20), [],
                            [Treatment(D(2024, 1, 29), product="onabotulinumtoxinA", total_units=155)])
    data = json.loads(json.dumps(report.to_json()))
    assert list(data) == ["periods", "flags"]
    assert list(data["flags"]) == ["chronic_migraine_baseline", "medication_overuse",
                                   "stopping_rule", "notes"]
    for period in data["periods"]:
        assert tuple(period) == CONTRACT_PERIOD_KEYS
    base, cycle = data["periods"]
    assert base["start"] == "2024-01-01" and base["end"] == "2024-01-28"
    assert base["headache_change_pct"] is None and base["responder_30"] is None
    assert cycle["headache_change_pct"] == -60.0 and cycle["responder_50"] is True
    detailed = report.to_json(details=True)
    assert "medication_class_days" in detailed["periods"][0]
    assert detailed["pre_treatment_windows"][0]["label"] == "28 days before treatment 1"


def test_summary_sentence_in_plain_words():
    report = compute_course(diary(D(2024, 1, 1), "M" * 20 + "-" * 8 + "H" * 8 + "-" * 20
                                  + "H" * 25 + "---"), [], [D(2024, 1, 29), D(2024, 2, 26)])
    assert summary_sentence(report, "baseline") == "Before treatment: 20 headache days per 28 days."
    assert summary_sentence(report, "cycle 1") == (
        "Headache days went from 20 to 8 per 28 days — 60 % fewer.")
    assert summary_sentence(report, report.periods[2]) == (
        "Headache days went from 20 to 25 per 28 days — 25 % more.")
    gap = compute_course(diary(D(2024, 1, 1), "H" * 28), [], [D(2024, 1, 29)], today=D(2024, 2, 5))
    assert summary_sentence(gap, "cycle 1") == "No diary days recorded in cycle 1."


def test_no_treatment_yet_gives_no_periods_and_says_so():
    report = compute_course(diary(D(2024, 1, 1), "HH"), [], [])
    assert report.periods == () and "No treatment recorded yet" in report.flags.notes[0]
    assert report.to_json()["periods"] == []


def test_baseline_length_comes_from_settings():
    days = diary(D(2024, 1, 1), "H" * 56)
    report = compute_course(days, [], [D(2024, 2, 26)], settings=CourseSettings(baseline_days=56))
    assert (report.periods[0].start, report.periods[0].days) == (D(2024, 1, 1), 56)
