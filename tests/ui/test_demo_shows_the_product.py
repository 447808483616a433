"""The demo shows what the product does: passing and failing pairs for plain reasons, a real
side-effect change, figures for four cycles, period notes on the sheet."""

from __future__ import annotations

import pytest

from photocompare.core.course import period_for_date
from photocompare.demo import DEMO_PATIENT_ID, DEMO_PHOTOS, create_demo_library
from photocompare.library import course_repo
from photocompare.library.db import Library


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    create_demo_library(folder)
    lib = Library.open(folder)
    yield lib
    lib.close()


@pytest.fixture(scope="module")
def photos(demo):
    return {p.original_name: p for p in demo.photos(DEMO_PATIENT_ID)}


@pytest.fixture(scope="module")
def pairs(demo, photos):
    """Each demo photo compared with the baseline photo, as the app does."""
    from photocompare.core.face import FaceAnalyzer
    from photocompare.core.pairing import compare_photos

    analyzer = FaceAnalyzer()
    base = demo.original_path(photos["baseline.jpg"])
    return {name: compare_photos(base, demo.original_path(p), analyzer)
            for name, p in photos.items() if name != "baseline.jpg"}


def test_photos_fall_in_the_baseline_and_four_cycles(demo, photos):
    assert sorted(photos) == sorted(p.name for p in DEMO_PHOTOS)
    report = course_repo.load_course(demo, DEMO_PATIENT_ID)
    labels = {name: period_for_date(report, p.taken_at_aware).label for name, p in photos.items()}
    assert labels == {"baseline.jpg": "baseline", "cycle1-left-brow-lower.jpg": "cycle 1",
                      "cycle2-darker.jpg": "cycle 2", "cycle3-closer.jpg": "cycle 3",
                      "cycle4-comparable.jpg": "cycle 4"}
    # the baseline photo was taken on the first treatment day, before injecting
    assert photos["baseline.jpg"].taken_at.date() == report.period("cycle 1").start


def test_figures_for_four_cycles(demo):
    report = course_repo.load_course(demo, DEMO_PATIENT_ID)
    cycles = [p for p in report.periods if p.kind == "cycle"]
    assert [p.label for p in cycles] == ["cycle 1", "cycle 2", "cycle 3", "cycle 4"]
    assert all(p.headache_days_per_28 is not None and p.days_recorded > 20 for p in cycles)
    changes = [p.headache_change_pct for p in cycles]
    assert changes == sorted(changes, reverse=True) and changes[-1] < -50  # steadily better
    assert cycles[-1].responder_50 is True


def test_one_pair_passes_with_a_real_side_effect_and_others_fail_for_plain_reasons(pairs):
    brow = pairs["cycle1-left-brow-lower.jpg"]
    assert brow.consistent, {k: c.message for k, c in brow.checks.items()}
    b, a = brow.before.face.side_effects, brow.after.face.side_effects
    assert a.brow_height_left_mm - b.brow_height_left_mm < -1.2  # left brow ~2 mm lower
    assert abs(a.brow_height_right_mm - b.brow_height_right_mm) < 0.6

    darker = pairs["cycle2-darker.jpg"]
    assert not darker.consistent
    assert darker.checks["lighting"].status == "fail"
    assert "darker" in darker.checks["lighting"].message
    assert [k for k, c in darker.checks.items() if c.status == "fail"] == ["lighting"]

    closer = pairs["cycle3-closer.jpg"]
    assert not closer.consistent
    assert [k for k, c in closer.checks.items() if c.status == "fail"] == ["framing"]
    assert "larger" in closer.checks["framing"].message

    same = pairs["cycle4-comparable.jpg"]
    assert same.consistent
    b, a = same.before.face.side_effects, same.after.face.side_effects
    assert abs(a.brow_height_left_mm - b.brow_height_left_mm) < 0.6  # brow as at baseline


def test_the_side_effect_note_reaches_the_sheet(demo, photos, pairs):
    from photocompare.export.sheet_data import build_sheet_data

    after = photos["cycle1-left-brow-lower.jpg"]
    data = build_sheet_data(
        pairs[after.original_name], course_repo.load_course(demo, DEMO_PATIENT_ID),
        before_taken_at=photos["baseline.jpg"].taken_at, after_taken_at=after.taken_at,
        period_notes=course_repo.load_notes(demo, DEMO_PATIENT_ID))
    assert "Cycle 1: Left brow slightly lower" in data.migraine_note
    roles = {line.label: line.role for line in data.migraine_lines}
    assert roles == {"Baseline": "before photo", "Cycle 1": "after photo"}
