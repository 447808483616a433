"""Alignment accuracy against exact synthetic similarity transforms of real faces.

Targets: rotations ±1…±15°, scales 0.7–1.3 and shifts are recovered within 0.3°,
0.5 % scale and 1 % of the interocular distance; the roll difference is reported within 1°.
Run with `-s` to see the measured worst cases.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from photocompare.core.align import (
    STABLE_LANDMARKS,
    match_photometric,
    side_by_side,
    similarity_from_matrix,
    umeyama,
    warp_to_before,
)
from photocompare.core.measures import face_frame
from photocompare.core.pairing import compare_photos
from tests.core.face_synth import exposed, inverse, loaded, similarity, warped

CASES = (
    [(a, 1.0, (0.0, 0.0)) for a in (1, -1, 3, -3, 7, -7, 15, -15)]
    + [(0.0, s, (0.0, 0.0)) for s in (0.7, 0.8, 0.9, 1.1, 1.2, 1.3)]
    + [(0.0, 1.0, (12.5, -7.25)), (0.0, 1.0, (-30.0, 21.0))]
    + [(-11.0, 0.75, (9.0, 14.0)), (6.5, 1.25, (-15.0, -6.0)), (13.0, 0.9, (20.0, 3.0))]
)
WORST: dict[str, float] = {}


def _record(key: str, value: float) -> None:
    WORST[key] = max(WORST.get(key, 0.0), abs(value))


@pytest.fixture(scope="module")
def photos(astronaut_rgb, fr_examples):
    biden = np.asarray(
        Image.open(fr_examples / "knn_examples" / "train" / "biden" / "biden2.jpg").convert("RGB")
    )
    return {"astronaut": astronaut_rgb, "biden2": biden}


@pytest.mark.parametrize("name", ["astronaut", "biden2"])
def test_alignment_recovers_exact_similarity_transforms(face_analyzer, photos, name):
    img = photos[name]
    before = face_analyzer.analyze(loaded(img))
    assert before.face is not None
    iod = before.face.interocular_px
    origin = face_frame(before.face.landmarks_px)[0]
    centre = before.face.landmarks_px[:, :2].mean(axis=0) + [
        0.3 * iod,
        -0.2 * iod,
    ]  # off-face pivot
    failures = []
    for angle, scale, shift in CASES:
        m = similarity(centre, angle, scale, shift)
        after_img = warped(img, m)
        result = compare_photos(loaded(img), loaded(after_img), face_analyzer)
        al = result.alignment
        assert al is not None
        truth = inverse(m)
        t_rot, t_scale = similarity_from_matrix(truth)
        rot_err = al.rotation_deg - t_rot
        scale_err = al.scale / t_scale - 1
        # Translation error: where the eye midpoint of AFTER lands in BEFORE vs where it should.
        p_after = m[:, :2] @ origin + m[:, 2]
        got = al.as_array()[:, :2] @ p_after + al.as_array()[:, 2]
        shift_err = float(np.linalg.norm(got - origin)) / iod
        roll_err = result.checks["angle"].numbers["roll_diff_deg"] - angle
        for key, val in (
            ("rotation_deg", rot_err),
            ("scale_rel", scale_err),
            ("shift_iod", shift_err),
            ("roll_deg", roll_err),
        ):
            _record(key, val)
        if abs(rot_err) > 0.3 or abs(scale_err) > 0.005 or shift_err > 0.01 or abs(roll_err) > 1.0:
            failures.append(
                (
                    angle,
                    scale,
                    shift,
                    round(rot_err, 3),
                    round(scale_err, 4),
                    round(shift_err, 4),
                    round(roll_err, 2),
                )
            )
    assert not failures, failures


def test_alignment_is_robust_to_an_exposure_change(face_analyzer, photos):
    img = photos["astronaut"]
    before = face_analyzer.analyze(loaded(img))
    centre = before.face.landmarks_px[:, :2].mean(axis=0)
    m = similarity(centre, 5.0, 1.1, (6.0, -4.0))
    result = compare_photos(loaded(img), loaded(exposed(warped(img, m), -1.0)), face_analyzer)
    t_rot, t_scale = similarity_from_matrix(inverse(m))
    assert result.alignment.method == "landmarks+intensity"
    assert result.alignment.rotation_deg == pytest.approx(t_rot, abs=0.3)
    assert result.alignment.scale == pytest.approx(t_scale, rel=0.005)


def test_alignment_maps_between_different_resolutions(face_analyzer, photos, tmp_path):
    """BEFORE 512 px, AFTER the same photo at 1024 px (analysed reduced): scale = 0.5."""
    img = photos["astronaut"]
    before_path, after_path = tmp_path / "b.png", tmp_path / "a.jpg"
    Image.fromarray(img).save(before_path)
    Image.fromarray(img).resize((1024, 1024), Image.Resampling.BICUBIC).save(after_path, quality=95)
    result = compare_photos(before_path, after_path, face_analyzer)
    assert result.alignment.scale == pytest.approx(0.5, rel=0.005)
    assert result.alignment.rotation_deg == pytest.approx(0.0, abs=0.3)
    assert abs(result.alignment.tx_px) < 1.0 and abs(result.alignment.ty_px) < 1.0
    assert result.checks["framing"].numbers["scale_ratio"] == pytest.approx(1.0, abs=0.02)


def test_umeyama_is_exact_on_noise_free_points():
    rng = np.random.default_rng(3)
    src = rng.uniform(0, 100, (20, 2))
    m = similarity((40, 60), 12.0, 1.2, (5, -3))
    dst = src @ m[:, :2].T + m[:, 2]
    np.testing.assert_allclose(umeyama(src, dst), m, atol=1e-9)


def test_stable_landmarks_exclude_brows_lids_and_mouth():
    from photocompare.core import measures as ms

    moving = set(ms.RIGHT_BROW + ms.LEFT_BROW + ms.LIPS_OUTER) | {
        ms.RIGHT_UPPER_LID,
        ms.RIGHT_LOWER_LID,
        ms.LEFT_UPPER_LID,
        ms.LEFT_LOWER_LID,
        ms.FOREHEAD,
    }
    assert not moving & set(STABLE_LANDMARKS)


def test_warp_puts_after_onto_before_and_photometric_match_is_display_only(face_analyzer, photos):
    img = photos["astronaut"]
    before = face_analyzer.analyze(loaded(img))
    centre = before.face.landmarks_px[:, :2].mean(axis=0)
    after_img = exposed(warped(img, similarity(centre, -8.0, 0.85, (10, 5))), -0.7)
    result = compare_photos(loaded(img), loaded(after_img), face_analyzer)
    aligned = warp_to_before(after_img, result.alignment, img.shape)
    assert aligned.shape == img.shape
    x, y, w, h = before.face.box
    face_b = img[y : y + h, x : x + w].astype(float)
    face_a = aligned[y : y + h, x : x + w].astype(float)
    corr = np.corrcoef(face_b.ravel(), face_a.ravel())[0, 1]
    assert corr > 0.97
    matched = match_photometric(aligned, img, aligned.max(axis=2) > 0)
    assert (
        abs(matched[y : y + h, x : x + w].mean() - face_b.mean())
        < abs(face_a.mean() - face_b.mean()) / 3
    )
    assert side_by_side(img, aligned).shape == (512, 512 * 2 + 8, 3)


def test_zz_print_measured_alignment_figures():
    if WORST:
        print("\nalignment worst errors:", {k: round(v, 4) for k, v in WORST.items()})


def test_warp_with_coverage_marks_the_border_the_after_photo_does_not_reach():
    from photocompare.core.align import Alignment, warp_with_coverage

    after = np.full((100, 200, 3), 90, np.uint8)
    shift = Alignment(
        rotation_deg=0.0, scale=1.0, tx_px=50.0, ty_px=0.0, residual_iod=0.0,
        matrix=((1.0, 0.0, 50.0), (0.0, 1.0, 0.0)), method="test",
    )
    warped = warp_with_coverage(after, shift, (100, 200, 3), outside_rgb=(128, 128, 128))
    assert warped.coverage[:, 52:].all() and not warped.coverage[:, :48].any()
    assert (warped.rgb[:, :48] == 128).all() and (warped.rgb[:, 52:] == 90).all()
