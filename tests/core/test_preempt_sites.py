"""The PREEMPT paradigm table and the comparison of a session with it."""

from __future__ import annotations

from collections import Counter

from photocompare.core.preempt import (
    ALL_SITES,
    FOLLOW_THE_PAIN_SITES,
    PREEMPT_SITES,
    compare_with_protocol,
    protocol_units,
    units_by_muscle,
)


def test_fixed_sites_sum_to_155_units_at_31_sites():
    assert len(PREEMPT_SITES) == 31
    assert sum(s.units for s in PREEMPT_SITES) == 155
    assert all(s.units == 5 for s in PREEMPT_SITES)


def test_sites_per_muscle_area_follow_the_paradigm():
    counts = Counter(s.muscle for s in PREEMPT_SITES)
    assert counts == {"corrugator": 2, "procerus": 1, "frontalis": 4, "temporalis": 8,
                      "occipitalis": 6, "cervical_paraspinal": 4, "trapezius": 6}
    assert units_by_muscle(protocol_units()) == {
        "corrugator": 10, "procerus": 5, "frontalis": 20, "temporalis": 40, "occipitalis": 30,
        "cervical_paraspinal": 20, "trapezius": 30}
    # bilateral and symmetric except the procerus
    sides = Counter(s.side for s in PREEMPT_SITES)
    assert sides == {"right": 15, "left": 15, "midline": 1}


def test_follow_the_pain_adds_up_to_40_units_at_8_sites():
    assert len(FOLLOW_THE_PAIN_SITES) == 8
    assert sum(s.units for s in FOLLOW_THE_PAIN_SITES) == 40
    assert len(ALL_SITES) == 39 and sum(s.units for s in ALL_SITES.values()) == 195
    assert Counter(s.muscle for s in FOLLOW_THE_PAIN_SITES) == {
        "temporalis": 2, "occipitalis": 2, "trapezius": 4}


def test_every_site_has_a_unique_id_and_a_drawable_position():
    ids = [s.site_id for s in PREEMPT_SITES + FOLLOW_THE_PAIN_SITES]
    assert len(set(ids)) == len(ids)
    for s in ALL_SITES.values():
        assert s.view in ("front", "side", "back")
        assert 0.0 <= s.x <= 1.0 and 0.0 <= s.y <= 1.0
        assert s.label
    views = {m: {s.view for s in PREEMPT_SITES if s.muscle == m} for m in ("frontalis", "temporalis", "trapezius")}
    assert views == {"frontalis": {"front"}, "temporalis": {"side"}, "trapezius": {"back"}}
    # front view: the patient's right is drawn on the left half, mirrored for the left side
    r, left = ALL_SITES["frontalis_R1"], ALL_SITES["frontalis_L1"]
    assert r.x < 0.5 < left.x and abs(r.x - (1 - left.x)) < 1e-9 and r.y == left.y
    # no two sites of one view and side share a point
    points = Counter((s.view, s.side if s.view == "side" else "", s.x, s.y) for s in ALL_SITES.values())
    assert max(points.values()) == 1


def test_protocol_session_has_no_deviation():
    assert compare_with_protocol(protocol_units(), total_units=155) == []
    ftp = dict(protocol_units(), **{s.site_id: 5.0 for s in FOLLOW_THE_PAIN_SITES})
    assert compare_with_protocol(ftp, total_units=195) == []


def test_deviations_are_listed_not_refused():
    session = protocol_units()
    session["frontalis_R1"] = 2.5  # lower dose
    del session["procerus_M1"]  # missed site
    session["masseter_R1"] = 10.0  # not a paradigm site
    deviations = compare_with_protocol(session, total_units=150)
    kinds = {(d.kind, d.site_id) for d in deviations}
    assert ("dose", "frontalis_R1") in kinds
    assert ("missed", "procerus_M1") in kinds
    assert ("unknown_site", "masseter_R1") in kinds
    # sites add up to 155 - 2.5 - 5 + 10 = 157.5, recorded total 150
    total = next(d for d in deviations if d.kind == "total")
    assert (total.expected_units, total.actual_units) == (157.5, 150.0)
    dose = next(d for d in deviations if d.site_id == "frontalis_R1")
    assert dose.message == "Frontalis right 1: 2.5 U (protocol 5 U)"


def test_more_than_195_units_is_a_deviation():
    heavy = {s: 10.0 for s in ALL_SITES}  # 39 sites x 10 U = 390 U
    kinds = [d.kind for d in compare_with_protocol(heavy)]
    assert "too_many_units" in kinds and kinds.count("dose") == 39
