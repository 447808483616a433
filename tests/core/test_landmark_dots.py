"""Landmark dots sized to the face: on a 92 x 112 photo (ORL faces) the 478 dots must leave most
of the face visible at any preview size, and on a large face they stay visible and small."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from photocompare.core.pair_pictures import landmark_dot_radius_px
from photocompare.settings import CompareSettings

DATA = Path(__file__).resolve().parents[2] / "../shared/data/faces"


@pytest.fixture(scope="module")
def analyzer():
    from photocompare.core.analysis_service import AnalysisService

    service = AnalysisService()
    yield service
    service.close()


def _covered(landmarks: np.ndarray, box, scale: float, radius_px: float) -> float:
    """Share of the face box (on screen, `scale` screen px per photo px) under the dots."""
    x, y, w, h = box
    mask = np.zeros((int(h * scale) + 1, int(w * scale) + 1), np.uint8)
    sub = 8  # draw at 1/8 px precision
    for px, py in landmarks[:, :2]:
        centre = (int(round((px - x) * scale * sub)), int(round((py - y) * scale * sub)))
        cv2.circle(mask, centre, max(1, int(round(radius_px * scale * sub))), 1, -1, cv2.LINE_8, 3)
    return float(mask.mean())


@pytest.mark.parametrize("scale", [1.0, 2.5, 4.0])
def test_dots_leave_a_small_face_visible_at_any_preview_size(analyzer, scale):
    measures = analyzer.measures(str(DATA / "orl/s1/1.pgm"))
    face = measures.face
    assert face is not None, "the ORL face (92 x 112 px) is found"
    lm = np.asarray(face.landmarks_px)
    radius = landmark_dot_radius_px(lm, scale)
    s = CompareSettings()
    assert s.landmark_dot_min_px <= radius * scale <= s.landmark_dot_max_px
    share = _covered(lm, face.box, scale, radius)
    # a dot of one photo pixel (what a fixed radius gives a 92 px wide photo) grows with the
    # preview and hides about a quarter of the face box, all of the eyes and lips
    fixed = _covered(lm, face.box, scale, 1.0)
    assert fixed > 0.2
    if scale == 1.0:
        assert share < 0.25, f"dots cover {share:.0%} of the face at {scale}x"
    else:
        assert share < 0.10 and share < fixed / 3, f"dots cover {share:.0%} of the face at {scale}x"


def test_dots_on_a_large_face_stay_visible_and_small(analyzer):
    measures = analyzer.measures(str(DATA / "face_recognition-examples/examples/obama-1080p.jpg"))
    lm = np.asarray(measures.face.landmarks_px)
    s = CompareSettings()
    for scale in (0.1, 0.5, 2.0):
        on_screen = landmark_dot_radius_px(lm, scale) * scale
        assert s.landmark_dot_min_px <= on_screen <= s.landmark_dot_max_px
    assert landmark_dot_radius_px(lm, 4.0) * 4.0 == pytest.approx(s.landmark_dot_max_px)
    assert landmark_dot_radius_px(lm, 0.1) * 0.1 == pytest.approx(s.landmark_dot_min_px)


def test_dot_radius_follows_the_interocular_distance_exactly():
    s = CompareSettings(landmark_dot_iod_fraction=0.02, landmark_dot_min_px=0.5, landmark_dot_max_px=4.0)
    lm = np.zeros((478, 2))
    lm[468] = (100.0, 50.0)  # iris centres: 100 px apart
    lm[473] = (200.0, 50.0)
    lm[[33, 133]] = (90.0, 50.0), (110.0, 50.0)
    lm[[263, 362]] = (210.0, 50.0), (190.0, 50.0)
    iod = 100.0
    assert landmark_dot_radius_px(lm, 1.0, s) == pytest.approx(iod * 0.02)
    assert landmark_dot_radius_px(lm, 0.1, s) * 0.1 == pytest.approx(0.5)  # clamped up
    assert landmark_dot_radius_px(lm, 3.0, s) * 3.0 == pytest.approx(4.0)  # clamped down
