"""Per-photo face analysis on real photos: detection robustness, units, conventions."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from photocompare.core.face import PhotoMeasures
from tests.conftest import shared_path
from tests.core.face_synth import exposed, loaded, similarity, warped


def _face(m: PhotoMeasures):
    assert m.face is not None, f"no face found in {m.path}"
    return m.face


def test_astronaut_is_measured_with_all_fields_in_full_resolution_pixels(
    face_analyzer, astronaut_jpeg
):
    m = face_analyzer.analyze(astronaut_jpeg)
    f = _face(m)
    assert (m.width, m.height) == (512, 512)
    assert f.faces_found == 1
    assert f.landmarks_px.shape == (478, 3)
    x, y, w, h = f.box
    assert 150 < x < 260 and 40 < y < 140 and 60 < w < 160 and 80 < h < 200
    assert 35 < f.interocular_px < 50
    assert abs(f.roll_deg) < 8 and abs(f.yaw_deg) < 10
    assert -3 < f.lighting.exposure_ev < 3
    assert 0.1 < f.sharpness < 1.0
    s = f.side_effects
    assert 0.1 < s.brow_height_right_iod < 0.5 and 0.1 < s.brow_height_left_iod < 0.5
    assert 0.03 < s.eyelid_aperture_right_iod < 0.3
    assert s.brow_height_left_mm == pytest.approx(s.brow_height_left_iod * 63.0)


def test_reduced_analysis_maps_back_to_full_resolution(face_analyzer, astronaut_rgb, tmp_path):
    """A 3x larger JPEG is analysed on a DCT-reduced copy; lengths come back in full-res px."""
    small = face_analyzer.analyze(loaded(astronaut_rgb))
    big_path = tmp_path / "astronaut_3x.jpg"
    Image.fromarray(astronaut_rgb).resize((1536, 1536), Image.Resampling.BICUBIC).save(
        big_path, quality=95
    )
    big = face_analyzer.analyze(big_path)
    assert big.analysis_scale < 1.0
    assert (big.width, big.height) == (1536, 1536)
    assert _face(big).interocular_px == pytest.approx(3 * _face(small).interocular_px, rel=0.03)
    centre_small = _face(small).landmarks_px[:, :2].mean(axis=0)
    centre_big = _face(big).landmarks_px[:, :2].mean(axis=0)
    np.testing.assert_allclose(
        centre_big, 3 * centre_small, atol=0.03 * 3 * _face(small).interocular_px
    )


def test_small_face_in_a_large_frame_is_found_by_crops_and_refined(
    face_analyzer, fr_examples, tmp_path
):
    """A 1280x720 portrait pasted into a 4000x3000 landscape: the face is ~17 px between the eyes
    in the analysed copy; coarse crops find it, a full-resolution crop refines it."""
    land = shared_path("exif-samples", "jpg", "orientation", "landscape_1.jpg")
    canvas = Image.open(land).convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
    portrait = Image.open(fr_examples / "obama-720p.jpg").convert("RGB")
    canvas.paste(portrait, (2500, 300))
    path = tmp_path / "small_face.jpg"
    canvas.save(path, quality=90)
    reference = _face(face_analyzer.analyze(loaded(np.asarray(portrait))))
    f = _face(face_analyzer.analyze(path))
    assert "crops" in f.detection and "refined" in f.detection
    assert f.interocular_px == pytest.approx(reference.interocular_px, rel=0.05)
    assert f.box[0] == pytest.approx(2500 + reference.box[0], abs=10)
    assert f.box[1] == pytest.approx(300 + reference.box[1], abs=10)


def test_under_exposed_photo_is_found_after_a_contrast_stretch(face_analyzer, astronaut_rgb):
    dark = exposed(astronaut_rgb, -9.0)
    assert face_analyzer.detect(dark) == []  # the plain detector gives up on it
    base = _face(face_analyzer.analyze(loaded(astronaut_rgb)))
    f = _face(face_analyzer.analyze(loaded(dark)))
    assert f.detection == "contrast"
    # ...and the exposure is still measured on the original (dark) pixels.
    assert f.lighting.exposure_ev - base.lighting.exposure_ev == pytest.approx(-9.0, abs=0.25)


@pytest.mark.parametrize("subject", ["s1", "s3", "s5"])
def test_small_greyscale_orl_faces_are_upscaled_and_found(face_analyzer, subject):
    path = shared_path("faces", "orl", subject, "1.pgm")
    m = face_analyzer.analyze(path)
    f = _face(m)
    assert (m.width, m.height) == (92, 112)
    assert f.detection == "upscaled"
    assert 20 < f.interocular_px < 50  # in the 92x112 photo's own pixels
    assert abs(f.lighting.skin_log2_r_over_g) < 0.02  # grey stays grey


def test_two_people_reports_both_and_measures_the_larger_central_face(face_analyzer, fr_examples):
    m = face_analyzer.analyze(fr_examples / "two_people.jpg")
    f = _face(m)
    assert f.faces_found == 2
    others = [d for d in face_analyzer.detect(face_analyzer_input(fr_examples / "two_people.jpg"))]
    iods = sorted(
        float(
            np.linalg.norm(
                (d.landmarks[263, :2] + d.landmarks[362, :2]) / 2
                - (d.landmarks[33, :2] + d.landmarks[133, :2]) / 2
            )
        )
        for d in others
    )
    assert len(iods) == 2
    assert f.interocular_px == pytest.approx(iods[-1], rel=0.05)  # the larger face


def face_analyzer_input(path):
    from photocompare.core.images import load_rgb

    return load_rgb(path, max_side=1280).rgb


def test_group_photo_counts_faces(face_analyzer, fr_examples):
    m = face_analyzer.analyze(fr_examples / "knn_examples" / "test" / "obama_and_biden.jpg")
    assert _face(m).faces_found >= 2


@pytest.mark.parametrize(
    "parts",
    [("bad-images", "frozenpond.mpo"), ("exif-samples", "jpg", "orientation", "landscape_2.jpg")],
)
def test_photo_without_a_face_is_a_result_not_an_error(face_analyzer, parts):
    m = face_analyzer.analyze(shared_path(*parts))
    assert m.face is None
    assert m.summary()["face"] is None
    assert m.width > 0 and m.height > 0


def test_tiny_thumbnails_do_not_produce_phantom_faces(face_analyzer):
    """Enlarged crops of textured thumbnails (a motorbike, a fish) must not become faces."""
    for name in ("Canon_DIGITAL_IXUS_400.jpg", "Olympus_C8080WZ.jpg", "Canon_40D.jpg"):
        assert face_analyzer.analyze(shared_path("exif-samples", "jpg", name)).face is None, name


def test_yaw_sign_follows_the_patients_left(face_analyzer, fr_examples):
    """john2: the head is turned to the patient's right (nose towards image left)."""
    path = fr_examples / "knn_examples" / "train" / "kit_harington" / "john2.jpeg"
    rgb = np.asarray(Image.open(path).convert("RGB"))
    turned_right = _face(face_analyzer.analyze(loaded(rgb)))
    mirrored = _face(face_analyzer.analyze(loaded(rgb[:, ::-1])))
    assert turned_right.yaw_deg < -10
    assert mirrored.yaw_deg > 10
    assert mirrored.roll_deg == pytest.approx(-turned_right.roll_deg, abs=1.0)


def test_pitch_sign_is_positive_chin_up(face_analyzer):
    looking_up = _face(face_analyzer.analyze(shared_path("faces", "orl", "s1", "9.pgm")))
    looking_down = _face(face_analyzer.analyze(shared_path("faces", "orl", "s1", "3.pgm")))
    assert looking_up.pitch_deg > looking_down.pitch_deg + 15


@pytest.mark.parametrize("angle", [-12.0, -4.0, 3.0, 9.0])
def test_roll_is_the_counter_clockwise_eye_line_tilt_and_pose_ignores_image_rotation(
    face_analyzer, obama_rgb, angle
):
    base = _face(face_analyzer.analyze(loaded(obama_rgb)))
    centre = base.landmarks_px[:, :2].mean(axis=0)
    f = _face(
        face_analyzer.analyze(loaded(warped(obama_rgb, similarity(centre, angle, 1.0, (0, 0)))))
    )
    # Per-photo eye-line roll (landmarks only; measured ≤ 0.95° off). The pair's roll difference
    # comes from the intensity-refined alignment and is held to 1° in test_align_accuracy.
    assert f.roll_deg - base.roll_deg == pytest.approx(angle, abs=1.5)
    # Yaw and pitch are decomposed so an in-plane rotation leaves them (nearly) unchanged.
    assert abs(f.yaw_deg - base.yaw_deg) < 2.5
    assert abs(f.pitch_deg - base.pitch_deg) < 2.5


def test_analyzer_closes_and_refuses_further_work(astronaut_rgb):
    from photocompare.core.face import FaceAnalyzer

    with FaceAnalyzer() as analyzer:
        assert analyzer.analyze(loaded(astronaut_rgb)).face is not None
    with pytest.raises(RuntimeError):
        analyzer.detect(astronaut_rgb)
