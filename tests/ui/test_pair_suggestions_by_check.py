"""Pair suggestions: the default pair is the best BY THE CHECKS (checked on a worker with the
app's shared AnalysisService, cached), the real reason is given when there is no pair, and a lone
old-dated photo is not silently made the baseline."""

from __future__ import annotations

import datetime as dt
import math
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("pytestqt")

from photocompare.core.course_figures import Treatment  # noqa: E402
from photocompare.core.pair_suggest import PairScore, SuggestedPair, rank_pairs  # noqa: E402
from photocompare.demo import DemoPhoto, perturb  # noqa: E402
from photocompare.library import api as la  # noqa: E402
from photocompare.library import course_repo  # noqa: E402
from photocompare.library.db import Library  # noqa: E402
from photocompare.library.importer import import_paths  # noqa: E402
from photocompare.ui.pair_flow import PairSuggestions  # noqa: E402
from tests.ui.migraine_helpers import TREATMENT, make_library  # noqa: E402

SOURCE = Path(__file__).resolve().parents[2] / "../shared/data/faces/face_recognition-examples/examples/obama-480p.jpg"


def _write(folder: Path, name: str, taken: dt.datetime, **change) -> Path:
    """The source photo with a known change (demo.perturb), dated by EXIF like a camera."""
    rgb = np.asarray(Image.open(SOURCE).convert("RGB"))
    out = perturb(rgb, DemoPhoto(name, 0, **change))
    exif = Image.Exif()
    stamp = taken.strftime("%Y:%m:%d %H:%M:%S")
    exif[0x0132] = stamp
    exif.get_ifd(0x8769)[0x9003] = stamp
    path = folder / name
    Image.fromarray(out).save(path, quality=92, exif=exif)
    return path


def _import(lib: Library, external_id: str, paths: list[Path]) -> list[la.PhotoRow]:
    import_paths(lib, paths, external_id)
    patient = la.find_patient(lib, external_id)
    rows = la.list_photos(lib, patient.id)
    assert len(rows) == len(paths)
    return [la.set_labels(lib, r.id, view="frontal", expression="neutral") for r in rows]


def _by_name(rows, name):
    return next(r for r in rows if r.original_name == name)


@pytest.fixture
def counted(analysis, monkeypatch):
    """The shared service, recording on which thread each photo was analysed."""
    calls: list[tuple[str, threading.Thread]] = []
    original_measures, original_compare = analysis.measures, analysis.compare

    def measures(path, key=None):
        calls.append((path, threading.current_thread()))
        return original_measures(path, key)

    def compare(before_path, after_path, *args, **kwargs):
        calls.append((after_path, threading.current_thread()))
        return original_compare(before_path, after_path, *args, **kwargs)

    monkeypatch.setattr(analysis, "measures", measures)
    monkeypatch.setattr(analysis, "compare", compare)
    return analysis, calls


def test_the_default_pair_is_the_best_by_the_checks_not_the_nearest(qtbot, tmp_path, counted):
    analysis, calls = counted
    d0, d1 = dt.date(2026, 1, 5), dt.date(2026, 4, 1)
    folder = tmp_path / "in"
    folder.mkdir()
    paths = [
        _write(folder, "base.jpg", dt.datetime.combine(d0, dt.time(10))),
        # the earliest photo of the later date (what "nearest in time" picks) is 1.5 stops darker
        _write(folder, "after-dark.jpg", dt.datetime.combine(d1, dt.time(9)), exposure_ev=-1.5),
        _write(folder, "after-ok.jpg", dt.datetime.combine(d1, dt.time(11)), rotate_deg=1.0),
    ]
    with Library.open(tmp_path / "lib") as lib:
        rows = _import(lib, "P-7", paths)
        sugg = PairSuggestions()
        qtbot.addWidget(sugg.pairs_list)
        sugg.set_photos(rows, None)
        first = sugg.default_pair()
        assert first is not None and first.after.original_name == "after-dark.jpg", "unchecked: nearest"
        with qtbot.waitSignal(sugg.checked, timeout=60_000):
            sugg.set_analysis(analysis, la_thresholds())
            assert sugg.busy(), "the checks run on a worker, the window stays responsive"
        best = sugg.default_pair()
        assert (best.before.original_name, best.after.original_name) == ("base.jpg", "after-ok.jpg")
        assert best.score is not None and best.score.passes and "passes" in best.title
        assert sugg.pairs_list.currentRow() == 0, "the best pair is the selected one"
        assert calls and all(t is not threading.main_thread() for _p, t in calls)
        # the dark pair failed the lighting check (exact cause of the perturbation)
        dark_key = (_by_name(rows, "base.jpg").sha256, _by_name(rows, "after-dark.jpg").sha256)
        dark = next(s for k, s in sugg._scores.items() if k[:2] == dark_key)
        assert "lighting" in dark.failed
        # cached: a refresh (labels edited elsewhere) checks nothing again
        n = len(calls)
        with qtbot.waitSignal(sugg.checked, timeout=5_000):
            sugg.update_photos(rows)
        assert len(calls) == n and not sugg.busy()
        assert sugg.default_pair().after.original_name == "after-ok.jpg"


def la_thresholds():
    from photocompare.settings import CheckThresholds

    return CheckThresholds()


def test_ranking_passing_then_fewest_warnings_then_closest_pose():
    d = dt.datetime(2026, 1, 1, 10)

    def row(pid, view="frontal"):
        return la.PhotoRow(
            id=pid, patient_id=1, sha256=f"{pid:064x}", original_name=f"{pid}.jpg", taken_at=d,
            date_source="exif", camera_make=None, camera_model=None, orientation=None, width=1,
            height=1, format="JPEG", view_label=view, expression_label="neutral", note="", path="",
        )

    def pair(b, a, view="frontal"):
        return SuggestedPair(row(b, view), row(a, view), view, "neutral")

    cands = [pair(1, 10), pair(1, 11), pair(1, 12), pair(1, 13), pair(2, 20, "left-oblique")]
    scores = {
        (1, 10): PairScore(("angle",), 0, 23.0),  # pitch 23° apart: fails
        (1, 11): PairScore((), 2, 1.0),
        (1, 12): PairScore((), 1, 6.0),
        (1, 13): PairScore((), 1, 2.5),
        (2, 20): PairScore((), 0, 9.0),
    }
    ranked = rank_pairs(cands, scores)
    assert [p.key for p in ranked] == [(2, 20), (1, 13)], "one pair per view; passing, no warning first"
    scores[(2, 20)] = PairScore((), 0, math.inf, unreadable="cannot be read")
    assert [p.key for p in rank_pairs(cands, scores)] == [(1, 13), (2, 20)]
    assert rank_pairs(cands, {})[0].key == (1, 10), "unchecked: the nearest in time, as listed"


def test_the_real_reason_when_the_chosen_cycle_has_no_photo(qtbot, tmp_path):
    lib, patient_id = make_library(tmp_path)  # treatment 2025-03-01: baseline and cycle 1
    try:
        course_repo.save_treatment(
            lib, patient_id, Treatment(TREATMENT + dt.timedelta(days=84), injector="Dr T", total_units=155.0),
            user="test",
        )
        folder = tmp_path / "in"
        folder.mkdir()
        paths = [
            _write(folder, "base.jpg", dt.datetime(2025, 2, 10, 10)),
            _write(folder, "c1.jpg", dt.datetime(2025, 3, 20, 10), rotate_deg=1.0),
        ]
        rows = _import(lib, "P-001", paths)
        report = la.load_course_report(lib, patient_id)
        sugg = PairSuggestions()
        qtbot.addWidget(sugg.pairs_list)
        sugg.set_photos(rows, report)
        assert sugg.target_combo.currentData() == "cycle 1", "opens on the latest cycle with a photo"
        assert [p.after.original_name for p in sugg.pairs()] == ["c1.jpg"]
        sugg.target_combo.setCurrentIndex(sugg.target_combo.findData("cycle 2"))
        texts = [sugg.pairs_list.item(i).text() for i in range(sugg.pairs_list.count())]
        assert texts == ["No photo in cycle 2 yet."], texts
        # a photo without labels keeps it from matching: then (and only then) the advice is to
        # label it
        c1 = _by_name(rows, "c1.jpg")
        plain = [la.set_labels(lib, c1.id, view="", expression=""), _by_name(rows, "base.jpg")]
        sugg.set_photos(plain, report)
        sugg.target_combo.setCurrentIndex(sugg.target_combo.findData("cycle 1"))
        assert sugg.pairs() == []
        assert "1 photo(s) have no view or expression label" in sugg.pairs_list.item(0).text()
    finally:
        lib.close()


def test_a_lone_old_dated_photo_is_not_made_the_baseline(qtbot, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    paths = [
        _write(folder, "clock-never-set.jpg", dt.datetime(2008, 1, 1, 0, 0)),
        _write(folder, "first-visit.jpg", dt.datetime(2026, 1, 5, 10)),
        _write(folder, "first-visit-2.jpg", dt.datetime(2026, 1, 5, 10, 5), rotate_deg=1.0),
        _write(folder, "review.jpg", dt.datetime(2026, 4, 1, 10), rotate_deg=-1.0),
    ]
    with Library.open(tmp_path / "lib") as lib:
        rows = _import(lib, "P-8", paths)
        sugg = PairSuggestions()
        qtbot.addWidget(sugg.pairs_list)
        sugg.set_photos(rows, None)  # no treatments recorded
        keys = [sugg.target_combo.itemData(i) for i in range(sugg.target_combo.count())]
        assert keys == [dt.date(2026, 4, 1)], "2026-01-05 is the baseline date, 2008 is no target"
        pairs = sugg.pairs()
        assert pairs and all(p.before.taken_date == dt.date(2026, 1, 5) for p in pairs)
        texts = [sugg.pairs_list.item(i).text() for i in range(sugg.pairs_list.count())]
        notice = [t for t in texts if "clock-never-set.jpg" in t]
        assert notice and "outside the diary periods" in notice[0] and "2008-01-01" in notice[0]


def test_with_two_dates_a_far_older_baseline_is_kept_but_named():
    from photocompare.core.pair_suggest import baseline_notice, suggest_pairs, targets

    def row(pid, taken):
        return la.PhotoRow(
            id=pid, patient_id=1, sha256=f"{pid:064x}", original_name=f"{pid}.jpg", taken_at=taken,
            date_source="exif", camera_make=None, camera_model=None, orientation=None, width=1,
            height=1, format="JPEG", view_label="frontal", expression_label="neutral", note="", path="",
        )

    photos = [row(1, dt.datetime(2008, 1, 1)), row(2, dt.datetime(2026, 4, 1, 10))]
    assert targets(photos, None) == [("2026-04-01", dt.date(2026, 4, 1))]
    assert [p.key for p in suggest_pairs(photos, None, dt.date(2026, 4, 1))] == [(1, 2)]
    notice = baseline_notice(photos, None)
    assert "1.jpg (2008-01-01)" in notice and f"{(dt.date(2026, 4, 1) - dt.date(2008, 1, 1)).days} days" in notice
    # a year's follow-up within the limit says nothing
    assert baseline_notice([row(1, dt.datetime(2025, 6, 1)), row(2, dt.datetime(2026, 4, 1))], None) == ""
