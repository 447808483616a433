"""Payer reports from hand-computed courses (tests/payer_scenarios.py): each built-in profile,
a responder by one profile and not another, too little diary, a short interval, medication
overuse, episodic for 3 months, missing data, user TOML profiles."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from photocompare.core.course_figures import Treatment
from photocompare.core.errors import CourseError
from photocompare.core.payer_report import MissingReportData, build_payer_report
from photocompare.core.payer_rules import AHS, EHF, NICE, get_profile, load_profile_toml
from tests import payer_scenarios as sc


def crit(report, name_start):
    found = [c for c in report.criteria if c.name.startswith(name_start)]
    assert len(found) == 1, [c.name for c in report.criteria]
    return found[0]


# --------------------------------------------------------------------------- renewal


def test_responder_by_nice_but_not_by_ahs():
    inputs = sc.responder_30_not_50()
    nice = build_payer_report("renewal", inputs, NICE)
    ahs = build_payer_report("renewal", inputs, AHS)
    # baseline 24 per 28; cycle 2 (the last fully recorded cycle) 48 days in 84 = 16 per 28
    assert nice.assessment.label == "cycle 2"
    assert nice.baseline.headache_days_per_28 == 24.0
    assert nice.assessment.headache_days_per_28 == 16.0
    assert crit(nice, "Reduction").value == pytest.approx(-100 / 3, abs=0.005)  # (16 - 24) / 24
    assert crit(nice, "Reduction").met is True  # -33.3 % <= -30 %
    assert crit(nice, "Still chronic").met is True  # 20, 20, 20, 16, 16, 16: never < 15
    assert nice.met is True
    assert crit(ahs, "Reduction").met is False  # needs -50 %
    assert crit(ahs, "MIDAS").value == "15 → 12" and crit(ahs, "MIDAS").met is False  # -3 < 5
    assert crit(ahs, "HIT-6").value == "62 → 60" and crit(ahs, "HIT-6").met is False  # -2 < 5
    assert ahs.met is False
    assert "criteria met" in nice.summary and "criteria not met" in ahs.summary


def test_ehf_judges_from_cycle_3_so_cycle_2_is_not_enough_data():
    report = build_payer_report("renewal", sc.responder_30_not_50(), EHF)
    assert crit(report, "Reduction").met is None
    assert "before cycle 3" in crit(report, "Reduction").note
    assert report.met is None
    assert [c.name for c in report.criteria] == ["Reduction in headache days"]  # no episodic rule
    assert "not enough data" in report.summary


def test_ahs_met_by_midas_alone():
    inputs = sc.responder_30_not_50()
    better = [q for q in inputs.questionnaires if not (q.kind == "midas" and q.date == sc.T3)]
    from photocompare.core.questionnaires import midas

    better.append(midas(sc.T3, [2, 2, 2, 2, 1]))  # 15 -> 9: -6 points (baseline 11-20)
    report = build_payer_report("renewal", dataclasses.replace(inputs, questionnaires=tuple(better)),
                                AHS)
    assert crit(report, "MIDAS").met is True
    assert crit(report, "Reduction").met is False
    assert report.met is True  # any one of the AHS measures


def test_period_option_chooses_cycle_1_which_is_too_early_for_nice():
    report = build_payer_report("renewal", sc.responder_30_not_50(), NICE, period="cycle 1")
    assert report.assessment.label == "cycle 1"
    assert crit(report, "Reduction").value == pytest.approx(-100 / 6, abs=0.005)  # (20 - 24) / 24
    assert crit(report, "Reduction").met is None
    assert report.met is None


def test_user_toml_profile_counting_migraine_days(tmp_path):
    path = tmp_path / "acme.toml"
    path.write_text('name = "Acme Health"\nsource = "Acme policy MP-7 (2025)"\n'
                    'threshold_pct = 40\nmeasure = "migraine_days"\nafter_cycles = 2\n'
                    'episodic_rule = true\n', encoding="utf-8")
    profile = get_profile(str(path))
    assert profile.key == "acme" and profile.measure == "migraine_days"
    report = build_payer_report("renewal", sc.responder_30_not_50(), profile)
    # migraine days: baseline 12 per 28, cycle 2 18 in 84 = 6 per 28 -> -50 %
    assert crit(report, "Reduction in migraine days").value == pytest.approx(-50.0)
    assert report.met is True
    js = report.to_json()
    assert js["payer_profile"] == {"name": "Acme Health", "threshold_pct": 40.0,
                                   "measure": "migraine_days", "after_cycles": 2,
                                   "source": "Acme policy MP-7 (2025)"}


@pytest.mark.parametrize("text, message", [
    ('name = "X"\nsource = "S"\nthreshold_pct = 30\nmeasure = "headache_days"\n'
     'after_cycles = 2\nthreshhold = 3\n', "unknown key 'threshhold'"),
    ('name = "X"\nsource = "S"\nthreshold_pct = 130\nmeasure = "headache_days"\n'
     'after_cycles = 2\n', "threshold_pct = 130 is outside 0-100"),
    ('name = "X"\nthreshold_pct = 30\nmeasure = "headache_days"\nafter_cycles = 2\n',
     "needs 'source'"),
    ('name = "X"\nsource = "S"\nthreshold_pct = 30\nmeasure = "pain"\nafter_cycles = 2\n',
     "measure = 'pain'"),
    ("name = \n", "not valid TOML"),
])
def test_bad_toml_profile_is_one_line_naming_the_file(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CourseError) as err:
        load_profile_toml(path)
    assert str(err.value).startswith("bad.toml: ") and message in str(err.value)
    assert "\n" not in str(err.value)


def test_episodic_for_3_months_is_flagged_and_fails_nice_only():
    inputs = sc.episodic_after_treatment()
    nice = build_payer_report("renewal", inputs, NICE)
    run = nice.flags.episodic_3_months
    assert run is not None and run.start == sc.T1 and run.months == 6
    assert run.headache_days_per_28 == (12.0,) * 6
    assert crit(nice, "Reduction").value == pytest.approx(-40.0)
    assert crit(nice, "Reduction").met is True
    assert crit(nice, "Still chronic").met is False
    assert nice.met is False
    ahs = build_payer_report("renewal", inputs, AHS)
    assert all(not c.name.startswith("Still chronic") for c in ahs.criteria)
    assert crit(ahs, "Reduction").met is False
    assert ahs.met is None  # no MIDAS / HIT-6 recorded: they could still show a response


def test_short_interval_is_flagged():
    inputs = sc.responder_30_not_50()
    t2 = sc.T1 + dt.timedelta(days=70)
    t3 = t2 + dt.timedelta(days=84)
    inputs = dataclasses.replace(inputs, treatments=(
        Treatment(sc.T1, total_units=155.0), Treatment(t2, total_units=195.0, lot="L2"),
        Treatment(t3, total_units=155.0)))
    report = build_payer_report("renewal", inputs, NICE)
    assert [t.interval_days for t in report.treatments] == [None, 70, 84]
    assert [t.short_interval for t in report.treatments] == [False, True, False]
    assert any("70 days after the previous one" in n for n in report.notes)
    js = report.to_json()
    assert js["treatments"][1] == {"date": t2.isoformat(), "units": 195.0, "sites": None,
                                   "lot": "L2", "interval_days": 70}


def test_renewal_json_contract_and_periods_come_from_the_course_json():
    report = build_payer_report("renewal", sc.responder_30_not_50(), NICE)
    js = json.loads(json.dumps(report.to_json()))
    assert list(js) == ["kind", "patient_id", "payer_profile", "baseline", "assessment",
                        "periods", "criteria", "met", "questionnaires", "treatments",
                        "preventives", "flags", "summary"]
    assert js["patient_id"] == "P-200" and js["kind"] == "renewal"
    course_json = report.course.to_json()
    assert js["periods"] == course_json["periods"]
    assert js["flags"] == course_json["flags"]
    assert js["assessment"] == course_json["periods"][2]
    assert js["baseline"] == course_json["periods"][0]
    assert js["questionnaires"]["midas"][0] == {"date": "2024-03-29", "score": 15, "grade": "III"}
    assert set(js["criteria"][0]) == {"name", "threshold", "value", "met"}
    assert "Anna" not in json.dumps(js)


# --------------------------------------------------------------------------- initial


def test_initial_each_profile_counts_preventives_its_own_way():
    inputs = sc.initial_candidate()
    nice = build_payer_report("initial", inputs, NICE)
    ahs = build_payer_report("initial", inputs, AHS)
    ehf = build_payer_report("initial", inputs, EHF)
    assert crit(nice, "ICHD-3 chronic migraine frequency").met is True  # 20 / 10 per 28
    duration = crit(nice, "ICHD-3 chronic migraine for more")
    assert duration.met is True
    assert duration.value == "headache/migraine days per 28: 20/10, 20/10, 20/10"
    assert crit(nice, "Adult").met is True
    # topiramate (90 days) and propranolol (not tolerated) count; amitriptyline (30 days) not
    assert crit(nice, "Failed or unsuitable").value == 2
    assert crit(nice, "Failed or unsuitable").met is False  # NICE: 3
    assert "Amitriptyline" in crit(nice, "Failed or unsuitable").note
    assert nice.met is False
    assert crit(ahs, "Preventive classes").value == 2 and crit(ahs, "Preventive classes").met
    assert ahs.met is True
    assert ehf.met is True
    assert crit(nice, "Medication overuse").met is True  # triptan 6 days per 28
    js = nice.to_json()
    assert js["assessment"] is None and js["kind"] == "initial"
    assert [p["label"] for p in js["periods"]] == [f"month {i} of 3 before treatment"
                                                   for i in (1, 2, 3)]
    assert js["baseline"]["headache_days_per_28"] == 20.0
    assert js["preventives"][0] == {"drug": "Topiramate", "class": "antiepileptic",
                                    "dose": "50 mg twice daily", "start": "2022-01-01",
                                    "stop": "2022-03-31", "outcome": "ineffective"}


def test_initial_medication_overuse_is_not_met():
    report = build_payer_report("initial", sc.initial_candidate(triptan_per_block=12), AHS)
    overuse = crit(report, "Medication overuse")
    assert overuse.met is False
    assert "triptan on 12 days per 28" in overuse.value
    assert report.met is False


def test_initial_with_too_little_diary_says_so():
    inputs = sc.initial_candidate()
    start = sc.T1 - dt.timedelta(days=40)
    days = sc.diary(start, [sc.Block(0, 0, 0, recorded=12)]) + sc.diary(
        sc.T1 - dt.timedelta(days=28), [sc.Block(20, 10, 2)])
    report = build_payer_report("initial", dataclasses.replace(inputs, diary=days), AHS)
    duration = crit(report, "ICHD-3 chronic migraine for more")
    assert duration.met is None
    assert "too short" in duration.note and "covers 40 days" in duration.note
    assert any("too short" in n for n in report.notes)
    assert crit(report, "ICHD-3 chronic migraine frequency").met is True
    assert report.met is None


def test_initial_before_any_treatment_uses_the_day_after_the_diary():
    inputs = dataclasses.replace(sc.initial_candidate(), treatments=())
    report = build_payer_report("initial", inputs, EHF)
    assert report.reference_date == sc.T1  # last diary day 2024-03-31
    assert report.met is True


# --------------------------------------------------------------------------- missing data


def test_missing_data_is_one_line_saying_what():
    inputs = sc.responder_30_not_50()
    with pytest.raises(MissingReportData, match="no treatment recorded"):
        build_payer_report("renewal", dataclasses.replace(inputs, treatments=()), NICE)
    with pytest.raises(MissingReportData, match="no diary days or monthly summaries"):
        build_payer_report("initial", dataclasses.replace(inputs, diary=()), NICE)
    late = tuple(d for d in inputs.diary if d.date >= sc.T1)
    with pytest.raises(MissingReportData, match=r"no diary days in the baseline \(2024-03-04"):
        build_payer_report("renewal", dataclasses.replace(inputs, diary=late), NICE)
    with pytest.raises(MissingReportData, match="no period 'cycle 9'"):
        build_payer_report("renewal", inputs, NICE, period="cycle 9")
    sparse = tuple(d for d in inputs.diary if d.date < sc.T1 or d.date.day % 2)
    with pytest.raises(MissingReportData, match="no treatment cycle has diary coverage"):
        build_payer_report("renewal", dataclasses.replace(inputs, diary=sparse), NICE)
