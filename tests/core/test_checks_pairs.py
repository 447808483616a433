"""Pair checks against exact perturbations of real photos (exposure, colour, blur, pose).

Targets: exposure changes of ±0.1…±2 EV estimated within 0.15 EV; ≥ 1 EV is always a
lighting fail, ≤ 0.2 EV never a warning; a colour cast and a blur are detected; a photo
against itself passes everything. Run with `-s` to see the measured worst exposure error.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from PIL import Image

from photocompare.core.checks import CHECK_NAMES, PairCheck, pair_checks
from photocompare.core.face import PhotoMeasures
from photocompare.core.pairing import compare_photos
from photocompare.settings import CheckThresholds
from tests.conftest import shared_path
from tests.core.face_synth import colour_cast, exposed, loaded, similarity, warped

EV_STEPS = (0.1, 0.2, 0.33, 0.5, 1.0, 1.5, 2.0)


@pytest.fixture(scope="module")
def real_faces(astronaut_rgb, fr_examples):
    def rgb(p):
        return np.asarray(Image.open(p).convert("RGB"))

    return {
        "astronaut": astronaut_rgb,
        "obama-720p": rgb(fr_examples / "obama-720p.jpg"),
        "biden2": rgb(fr_examples / "knn_examples" / "train" / "biden" / "biden2.jpg"),
        "orl-s2": rgb(shared_path("faces", "orl", "s2", "1.pgm")),
    }


@pytest.mark.parametrize("name", ["astronaut", "obama-720p", "biden2", "orl-s2"])
def test_same_photo_against_itself_passes_everything(face_analyzer, real_faces, name):
    img = real_faces[name]
    result = compare_photos(loaded(img), loaded(img), face_analyzer)
    assert result.consistent
    assert {n: c.status for n, c in result.checks.items()} == {n: "pass" for n in CHECK_NAMES}
    assert result.alignment.scale == pytest.approx(1.0, abs=1e-3)
    assert result.alignment.rotation_deg == pytest.approx(0.0, abs=0.05)


@pytest.mark.parametrize("name", ["astronaut", "biden2"])
def test_exposure_changes_are_measured_in_stops(face_analyzer, real_faces, name):
    """AFTER darker by k stops (and, swapping the roles, brighter by k), in linear light.

    Brightening a well-exposed face would clip it, so "brighter" pairs use the darker photo as
    BEFORE — the exact same pixels, so the ground truth is still exact."""
    img = real_faces[name]
    worst_err, errors = 0.0, []
    for k in EV_STEPS:
        dark = exposed(img, -k)
        for before, after, truth in ((img, dark, -k), (dark, img, +k)):
            result = compare_photos(loaded(before), loaded(after), face_analyzer, align=False)
            light = result.checks["lighting"]
            est = light.numbers["exposure_diff_ev"]
            worst_err = max(worst_err, abs(est - truth))
            if abs(est - truth) > 0.15:
                errors.append((truth, round(est, 3)))
            if abs(truth) >= 1.0:
                assert light.status == "fail", (truth, light.message)
                assert ("darker" if truth < 0 else "brighter") in light.message
            if abs(truth) <= 0.2:
                assert light.status == "pass", (truth, light.message)
    print(f"\n{name}: worst exposure error {worst_err:.3f} EV")
    assert not errors, errors


def test_exposure_message_reads_in_stops(face_analyzer, real_faces):
    img = real_faces["obama-720p"]
    result = compare_photos(loaded(img), loaded(exposed(img, -1.3)), face_analyzer, align=False)
    assert "The after photo is 1.3 stops darker" in result.checks["lighting"].message
    assert result.checks["lighting"].numbers["exposure_diff_ev"] < 0


@pytest.mark.parametrize(
    ("gains", "word"),
    [((1.25, 1.0, 1.0), "redder"), ((1.0, 1.0, 1.3), "bluer"), ((1.0, 0.8, 1.0), "magenta")],
)
def test_colour_cast_is_detected_and_named(face_analyzer, real_faces, gains, word):
    img = real_faces["astronaut"]
    result = compare_photos(
        loaded(img), loaded(colour_cast(img, gains)), face_analyzer, align=False
    )
    light = result.checks["lighting"]
    assert light.status in ("warn", "fail")
    assert word in light.message
    assert light.numbers["color_diff"] > CheckThresholds().color_warn
    assert abs(light.numbers["exposure_diff_ev"]) < 0.33  # a cast is not an exposure change


def test_greyscale_colour_cast_is_not_reported_for_a_small_gain_change(face_analyzer, real_faces):
    img = real_faces["astronaut"]
    result = compare_photos(
        loaded(img), loaded(colour_cast(img, (1.03, 1.0, 0.98))), face_analyzer, align=False
    )
    assert result.checks["lighting"].status == "pass"


@pytest.mark.parametrize("sigma_iod", [0.03, 0.06])
def test_blur_is_detected(face_analyzer, real_faces, sigma_iod):
    for name in ("astronaut", "obama-720p"):
        img = real_faces[name]
        iod = face_analyzer.analyze(loaded(img)).face.interocular_px
        blurred = cv2.GaussianBlur(img, (0, 0), sigma_iod * iod)
        result = compare_photos(loaded(img), loaded(blurred), face_analyzer, align=False)
        sharp = result.checks["sharpness"]
        assert sharp.status in ("warn", "fail"), (name, sharp.numbers)
        assert "after photo is blurrier" in sharp.message
        if sigma_iod >= 0.06:
            assert sharp.status == "fail"


def test_resolution_alone_does_not_change_sharpness(face_analyzer, real_faces):
    """The same video frame at 720p and 1080p: sharpness is normalised by the eye distance."""
    result = compare_photos(
        loaded(real_faces["obama-720p"]),
        loaded(
            np.asarray(
                Image.open(
                    shared_path("faces", "face_recognition-examples", "examples", "obama-1080p.jpg")
                ).convert("RGB")
            )
        ),
        face_analyzer,
        align=False,
    )
    assert result.checks["sharpness"].status == "pass"
    assert result.checks["framing"].status == "pass"


def test_head_turn_message_names_the_patients_side(face_analyzer, fr_examples):
    """john2 (turned to the patient's right) against its mirror image (turned to the left)."""
    path = fr_examples / "knn_examples" / "train" / "kit_harington" / "john2.jpeg"
    rgb = np.asarray(Image.open(path).convert("RGB"))
    result = compare_photos(
        loaded(rgb), loaded(np.ascontiguousarray(rgb[:, ::-1])), face_analyzer, align=False
    )
    angle = result.checks["angle"]
    assert angle.status == "fail"
    assert angle.numbers["yaw_diff_deg"] > 20
    assert "further to the patient's left" in angle.message
    reverse = compare_photos(
        loaded(np.ascontiguousarray(rgb[:, ::-1])), loaded(rgb), face_analyzer, align=False
    )
    assert "further to the patient's right" in reverse.checks["angle"].message


def test_roll_alone_below_15_degrees_does_not_fail_but_above_does(face_analyzer, real_faces):
    img = real_faces["biden2"]
    centre = face_analyzer.analyze(loaded(img)).face.landmarks_px[:, :2].mean(axis=0)
    tilted = compare_photos(
        loaded(img), loaded(warped(img, similarity(centre, 10.0, 1.0, (0, 0)))), face_analyzer
    )
    assert tilted.checks["angle"].numbers["roll_diff_deg"] == pytest.approx(10.0, abs=1.0)
    assert tilted.checks["angle"].status != "fail"
    very = compare_photos(
        loaded(img), loaded(warped(img, similarity(centre, -20.0, 1.0, (0, 0)))), face_analyzer
    )
    assert very.checks["angle"].numbers["roll_diff_deg"] == pytest.approx(-20.0, abs=1.0)
    assert very.checks["angle"].status == "fail"
    assert "clockwise" in very.checks["angle"].message


def test_scale_change_is_a_framing_warning_then_fail(face_analyzer, real_faces):
    img = real_faces["biden2"]
    centre = face_analyzer.analyze(loaded(img)).face.landmarks_px[:, :2].mean(axis=0)
    for scale, status in ((1.15, "warn"), (0.7, "fail")):
        result = compare_photos(
            loaded(img), loaded(warped(img, similarity(centre, 0.0, scale, (0, 0)))), face_analyzer
        )
        framing = result.checks["framing"]
        assert framing.numbers["scale_ratio"] == pytest.approx(scale, rel=0.02)
        assert framing.status == status
        assert ("larger" if scale > 1 else "smaller") in framing.message


def test_cut_off_forehead_fails_framing(face_analyzer, real_faces):
    img = real_faces["biden2"]
    face = face_analyzer.analyze(loaded(img)).face
    top = int(face.landmarks_px[10, 1] + 0.1 * face.interocular_px)  # crop through the forehead
    cropped = np.ascontiguousarray(img[top:, :])
    result = compare_photos(loaded(img), loaded(cropped), face_analyzer, align=False)
    assert result.checks["framing"].status == "fail"
    assert "Forehead cut off in the after photo" in result.checks["framing"].message


def test_pair_without_a_face_fails_every_check_and_has_no_alignment(face_analyzer, real_faces):
    landscape = np.asarray(
        Image.open(shared_path("exif-samples", "jpg", "orientation", "landscape_2.jpg")).convert(
            "RGB"
        )
    )
    result = compare_photos(loaded(real_faces["astronaut"]), loaded(landscape), face_analyzer)
    assert result.alignment is None
    assert not result.consistent
    assert all(
        c.status == "fail" and "No face found in the after photo" in c.message
        for c in result.checks.values()
    )
    out = result.to_json()
    assert out["alignment"] is None and out["after"]["face"] is None
    json.dumps(out)


def test_json_matches_the_cli_contract(face_analyzer, real_faces):
    img = real_faces["astronaut"]
    out = compare_photos(loaded(img), loaded(exposed(img, -0.5)), face_analyzer).to_json()
    assert set(out) >= {"before", "after", "checks", "consistent", "alignment"}
    for photo in (out["before"], out["after"]):
        assert set(photo) >= {"path", "width", "height", "taken_at", "face"}
        assert set(photo["face"]) >= {
            "box",
            "interocular_px",
            "yaw_deg",
            "pitch_deg",
            "roll_deg",
            "faces_found",
        }
        assert len(photo["face"]["box"]) == 4
    required = {
        "angle": {"yaw_diff_deg", "pitch_diff_deg", "roll_diff_deg"},
        "framing": {"scale_ratio", "offset_iod"},
        "lighting": {"exposure_diff_ev", "color_diff", "relight_ev_per_iod"},
        "expression": set(),
        "sharpness": {"blur_sigma_px", "blur_sigma_iod"},
        "identity": {"similarity"},
    }
    assert set(out["checks"]) == set(required)
    for name, keys in required.items():
        assert set(out["checks"][name]) >= keys | {"status", "message"}
        assert out["checks"][name]["status"] in ("pass", "warn", "fail")
    assert set(out["alignment"]) >= {"rotation_deg", "scale", "tx_px", "ty_px", "residual_iod"}
    assert out["checks"]["lighting"]["exposure_diff_ev"] == pytest.approx(-0.5, abs=0.15)
    json.dumps(out)


def test_thresholds_are_configurable(face_analyzer, real_faces):
    img = real_faces["astronaut"]
    pair = (loaded(img), loaded(exposed(img, -0.5)))
    result = compare_photos(*pair, face_analyzer, identity=False)
    assert result.checks["lighting"].status == "warn"
    strict = CheckThresholds(exposure_warn_ev=0.1, exposure_fail_ev=0.4)
    result = compare_photos(*pair, face_analyzer, thresholds=strict, identity=False)
    assert result.checks["lighting"].status == "fail"
    assert isinstance(result.before, PhotoMeasures)
    checks = pair_checks(result.before, result.after, strict, pair=result.pair)
    assert isinstance(checks["angle"], PairCheck) and checks["lighting"].status == "fail"


def _side_light(rgb: np.ndarray, ev_per_px: float, centre_x: float) -> np.ndarray:
    """Exact linear-light ramp: brighter towards image right when ev_per_px > 0."""
    from photocompare.core.measures import srgb_to_linear
    from tests.core.face_synth import encode_linear

    x = np.arange(rgb.shape[1], dtype=float) - centre_x
    gain = 2.0 ** (ev_per_px * x)
    return encode_linear(srgb_to_linear(rgb) * gain[None, :, None])


def test_light_moved_to_the_other_side_is_measured_and_fails(face_analyzer, real_faces):
    img = real_faces["biden2"]
    face = face_analyzer.analyze(loaded(exposed(img, -1.0))).face
    iod = face.interocular_px
    cx = face.landmarks_px[:, 0].mean()
    g = 0.6  # EV per interocular distance
    from_left = _side_light(exposed(img, -1.0), g / iod, cx)  # image right = patient's left
    from_right = _side_light(exposed(img, -1.0), -g / iod, cx)
    b = face_analyzer.analyze(loaded(from_left)).face
    a = face_analyzer.analyze(loaded(from_right)).face
    # The plane fit recovers the applied ramp exactly in the difference (albedo cancels).
    assert a.lighting.light_gradient_u - b.lighting.light_gradient_u == pytest.approx(
        -2 * g, abs=0.1
    )
    assert a.lighting.light_gradient_v - b.lighting.light_gradient_v == pytest.approx(0.0, abs=0.1)
    assert a.lighting.balance_ev < b.lighting.balance_ev - 1.0
    result = compare_photos(loaded(from_left), loaded(from_right), face_analyzer, align=False)
    light = result.checks["lighting"]
    assert light.status == "fail"
    assert "patient's right side is" in light.message
    assert abs(light.numbers["exposure_diff_ev"]) < 0.2  # the mean level is unchanged


def test_expression_change_between_real_photos_is_reported(face_analyzer, fr_examples):
    """A closed-lip smile (obama-720p) against mid-speech with the mouth open (obama2)."""
    result = compare_photos(
        fr_examples / "obama-720p.jpg",
        fr_examples / "knn_examples" / "train" / "obama" / "obama2.jpg",
        face_analyzer,
        align=False,
    )
    expression = result.checks["expression"]
    assert expression.status == "fail"
    assert "Mouth more open in the after photo" in expression.message
    assert expression.numbers["mouth_open_diff_iod"] > 0.15
