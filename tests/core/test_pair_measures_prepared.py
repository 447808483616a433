"""The faster ways into `measure_pair` used by live guidance give the same figures as the plain
call: BEFORE's half prepared once (`prepare_before`) and the blur ladder searched by galloping.
Real face, exact perturbations (rotation, Gaussian blur, exposure), both directions."""

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
    # the fast parts alone leave only blur and relighting unmeasured
    fast = measure_pair(*args, before=prepared, blur=False, relight=False)
    assert fast.exposure_diff_ev == plain.exposure_diff_ev
    assert math.isnan(fast.blur_sigma_iod) and math.isnan(fast.relight_spread_ev)
