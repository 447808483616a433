"""The compare view's migraine figures: the periods of a pair come from the one rule
(`core.course_format.pair_periods`, capture times included) and every figure is shown through the
one formatter (`core.figures_format`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from photocompare.core import figures_format  # noqa: E402
from photocompare.core.course_figures import Treatment  # noqa: E402
from photocompare.library import api as la  # noqa: E402
from photocompare.library import course_repo  # noqa: E402
from photocompare.ui.compare_view import CompareView, PairContext  # noqa: E402
from photocompare.ui.pair_figures import PairFiguresWidget  # noqa: E402
from tests.ui.migraine_helpers import TREATMENT, make_library  # noqa: E402

FACES = Path(__file__).resolve().parents[2] / "../shared/data/faces/face_recognition-examples/examples"


def _row(pid: int, taken: dt.datetime, name: str) -> la.PhotoRow:
    return la.PhotoRow(
        id=pid, patient_id=1, sha256=f"{pid:064x}", original_name=name, taken_at=taken,
        date_source="exif", camera_make=None, camera_model=None, orientation=None, width=320,
        height=240, format="JPEG", view_label="frontal", expression_label="neutral", note="",
        path=str(FACES / name),
    )


@pytest.fixture
def course(tmp_path):
    lib, patient_id = make_library(tmp_path)
    # the session's time is recorded: a photo taken after it belongs to cycle 1 although it was
    # taken on the treatment day (which by default belongs to the period before)
    course_repo.save_treatment(
        lib, patient_id,
        Treatment(TREATMENT + dt.timedelta(days=84), product="onabotulinumtoxinA (Botox)", injector="Dr T",
                  total_units=155.0, session_time=dt.time(11, 0)),
        user="test",
    )
    report = la.load_course_report(lib, patient_id)
    yield lib, patient_id, report
    lib.close()


def test_the_pair_periods_follow_the_one_rule_with_the_session_time(qtbot, course):
    _lib, _pid, report = course
    second = TREATMENT + dt.timedelta(days=84)
    before = _row(1, dt.datetime(2025, 2, 10, 10, 0), "obama_small.jpg")
    after = _row(2, dt.datetime.combine(second, dt.time(11, 30)), "obama-240p.jpg")  # after the session
    # by date alone (what a caller may hand in), the photo belongs to the cycle before
    by_date = la.period_for(report, after.taken_date)
    assert by_date is not None and by_date.label == "cycle 1"
    view = CompareView(None)
    qtbot.addWidget(view)
    figures = PairFiguresWidget()
    qtbot.addWidget(figures)
    view.pair_changed.connect(lambda c: figures.set_pair(c.course_report, c.before.taken_at, c.after.taken_at))
    context = PairContext(before=before, after=after, before_period=None, after_period=by_date, course_report=report)
    with qtbot.waitSignal(view.pair_ready, timeout=30_000):
        view.open_pair(context)
    assert view.context.before_period.label == "baseline"
    assert view.context.after_period.label == "cycle 2", "the recorded session time decides"
    assert figures.after_period is view.context.after_period
    assert figures.before_period is view.context.before_period
    # the one-line summary (shown when no richer widget is plugged in) uses the one formatter
    in_cycle_1 = _row(3, dt.datetime(2025, 3, 10, 9, 0), "obama-240p.jpg")
    with qtbot.waitSignal(view.pair_ready, timeout=30_000):
        view.open_pair(PairContext(before=before, after=in_cycle_1, course_report=report))
    assert view.context.after_period.label == "cycle 1"
    text = view.period_label.text()
    change = view.context.after_period.headache_change_pct
    assert f"({figures_format.fmt_pct(change)})" in text
    assert f"{figures_format.fmt_per28(view.context.before_period.headache_days_per_28)} headache days" in text
    assert "(+" not in text.split("Before")[1].split("·")[0], "no change shown for the baseline itself"
    grid = {row[0]: row[1:] for row in figures.values()}
    assert grid["Headache change vs baseline"][1] == figures_format.fmt_pct(change)
    assert grid["Coverage"][0].startswith(figures_format.fmt_share(view.context.before_period.coverage))


def test_a_change_just_short_of_a_threshold_is_not_shown_as_reaching_it(qtbot, course):
    _lib, _pid, report = course
    view = CompareView(None)
    qtbot.addWidget(view)
    cycle = report.period("cycle 1")
    from dataclasses import replace

    short = replace(cycle, headache_change_pct=-49.96, headache_days_per_28=9.96)
    before = _row(1, dt.datetime(2025, 2, 10, 10, 0), "obama_small.jpg")
    after = _row(2, dt.datetime(2025, 3, 10, 10, 0), "obama-240p.jpg")
    view._show_periods(PairContext(before=before, after=after, before_period=report.baseline, after_period=short))
    text = view.period_label.text()
    assert "−49.9 %" in text and "9.9 headache days" in text
    assert "50 %" not in text and "10 headache" not in text
