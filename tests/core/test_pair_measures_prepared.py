"""The faster ways into `measure_pair` used by live guidance give the same figures as the plain
call: BEFORE's half prepared once (`prepare_before`), the blur ladder searched by galloping and
from the last crossing (`blur_memo`), BEFORE's blur half kept per comparison size
(`blur_iod_step_px`), and exposure in a smaller canonical frame. Real face, exact
perturbations (rotation, Gaussian blur, exposure), both directions."""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np
import pytest

from photocompare.core.pair_measures import measure_pair, prepare_before
from tests.conftest import shared_path
from tests.core.face_synth import exposed


@pytest.fixture(scope="module")
def face():
    from photocompare.core.face import FaceAnalyzer
    from photocompare.core.images import load_rgb

    path = shared_path("faces", "face_recognition-examples", "examples", "obama-720p.jpg")
    image = load_rgb(path)
    analyzer = FaceAnalyzer()
    try:
        measures = analyzer.analyze(image, path=path)
    finally:
        analyzer.close()
    pts = measures.face.landmarks_px.copy()
    pts[:, :2] *= measures.analysis_scale
    return image.rgb, pts, measures.face.interocular_px


def _same(a, b) -> bool:
    for key, x in dataclasses.asdict(a).items():
        y = getattr(b, key)
        if isinstance(x, float) and math.isnan(x):
            if not (isinstance(y, float) and math.isnan(y)):
                return False
        elif x != y:
            return False
    return True


@pytest.mark.parametrize(
    "sigma_px, roll_deg, ev, softer",
    [(0.0, 0.0, 0.0, "after"), (1.5, 6.0, 0.3, "after"), (3.0, -4.0, -0.5, "before"),
     (6.0, 2.0, 0.0, "after")],
)
def test_prepared_before_and_gallop_match_the_plain_call(face, sigma_px, roll_deg, ev, softer):
    rgb, pts, iod = face
    h, w = rgb.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h * 0.45), roll_deg, 1.0)
    other = cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    if sigma_px:
        other = cv2.GaussianBlur(other, (0, 0), sigma_px)
    other = exposed(other, ev)
    moved = pts.copy()
    moved[:, :2] = pts[:, :2] @ m[:, :2].T + m[:, 2]
    full = np.vstack([m, [0, 0, 1.0]])
    if softer == "after":
        args = (rgb, pts, other, moved, np.linalg.inv(full), iod)
    else:
        args = (other, moved, rgb, pts, full, iod)
    plain = measure_pair(*args)
    prepared = prepare_before(args[0], args[1])
    assert _same(plain, measure_pair(*args, before=prepared))
    assert _same(plain, measure_pair(*args, before=prepared, blur_search="gallop"))
    # the perturbation is seen: the softer photo is named once the blur is past the px floor
    if sigma_px >= 3:
        assert plain.blurrier == softer and plain.blur_sigma_px > 1.5
    # exposure and colour in a 32 px canonical frame (live guidance) read the same ratio
    small = measure_pair(*args, before=prepare_before(args[0], args[1], iod_px=32))
    assert abs(small.exposure_diff_ev - plain.exposure_diff_ev) < 0.03
    assert abs(small.exposure_diff_ev - (ev if softer == "after" else -ev)) < 0.1
    assert abs(small.red_green_diff - plain.red_green_diff) < 0.03
    # the fast parts alone leave only blur and relighting unmeasured
    fast = measure_pair(*args, before=prepared, blur=False, relight=False)
    assert fast.exposure_diff_ev == plain.exposure_diff_ev
    assert math.isnan(fast.blur_sigma_iod) and math.isnan(fast.relight_spread_ev)


@pytest.mark.parametrize("softer", ["after", "before"])
def test_blur_search_from_the_last_crossing_and_the_kept_baseline_half(face, softer):
    """Frames of a changing blur, as a live picture gives them: starting each search from the
    last crossing (`blur_memo`) finds the σ the plain gallop finds, and a BEFORE whose blur half
    (its blurred rungs included) is kept across the frames gives the figures of a fresh one."""
    rgb, pts, iod = face
    sharp_before = softer == "after"
    base = rgb if sharp_before else cv2.GaussianBlur(rgb, (0, 0), 4.0)
    prepared, kept = prepare_before(base, pts), prepare_before(base, pts)
    memo: dict = {}
    kept_memo: dict = {}
    for sigma in (1.0, 1.5, 2.5, 3.0, 2.0, 0.0, 3.5):
        if sharp_before:
            other = cv2.GaussianBlur(rgb, (0, 0), sigma) if sigma else rgb.copy()
        else:  # the frames are the sharper ones: the frame side of the ladder is blurred
            other = cv2.GaussianBlur(rgb, (0, 0), sigma / 2) if sigma else rgb.copy()
        args = (base, pts, other, pts, np.eye(3)[:2], iod)
        plain = measure_pair(*args, before=prepared, blur_search="gallop")
        assert _same(plain, measure_pair(*args, before=prepared, blur_search="gallop", blur_memo=memo))
        fresh = measure_pair(*args, before=prepare_before(base, pts), blur_search="gallop",
                             blur_iod_step_px=2.0)
        reused = measure_pair(*args, before=kept, blur_search="gallop", blur_iod_step_px=2.0,
                              blur_memo=kept_memo)
        assert _same(fresh, reused)
        assert fresh.blur_compared_iod_px % 2 == 0
        assert fresh.blur_compared_iod_px <= plain.blur_compared_iod_px
        if sigma >= 2.5:
            assert plain.blurrier == fresh.blurrier == softer
    assert kept.blur_cache and not prepared.blur_cache
