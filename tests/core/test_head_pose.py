"""Head pose (yaw, pitch) against exact ground truth on real photos (figures in docs/validation.md).

* Absolute accuracy: real faces' textures on MediaPipe's canonical face mesh, rendered at known
  yaw −30…+30° and pitch −20…+20° (tests/core/face_render.py; caveat there: the geometry is the
  pose fit's own template, so real faces can do worse): mean |error| ≤ 2°, max ≤ 6.5°, and the
  read angle grows 0.9–1.1° per true degree.
* Noise: a pose-preserving copy of a photo (in-plane rotation ±6/±12°, scale 0.8/1.2, a shift,
  ±0.5 EV, half resolution, JPEG q75) shows the same head pose, so any change of yaw or pitch
  between the photo and its copy is measurement noise. Target: ≤ 0.5° RMS each, and the angle
  check flags ≤ 2 % of these identical-pose pairs. Faces: "the 8 faces" of docs/validation.md.
Run with `-s` to print the measured figures.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from PIL import Image

from photocompare.core.checks import PASS, check_angle
from photocompare.settings import CheckThresholds
from tests.conftest import shared_path
from tests.core.face_synth import exposed, jpeg, loaded, similarity, warped

EXAMPLES = ("faces", "face_recognition-examples", "examples")
TRAIN = (*EXAMPLES, "knn_examples", "train")
NOISE_TARGET_DEG = 0.5
FLAG_TARGET = 0.02


def eight_faces() -> dict[str, np.ndarray]:
    """The 8 faces of docs/validation.md as RGB arrays."""
    from skimage import data

    def rgb(*parts: str) -> np.ndarray:
        with Image.open(shared_path(*parts)) as img:
            return np.asarray(img.convert("RGB"))

    return {
        "astronaut": data.astronaut(),
        "obama-720p": rgb(*EXAMPLES, "obama-720p.jpg"),
        "biden2": rgb(*TRAIN, "biden", "biden2.jpg"),
        "john1": rgb(*TRAIN, "kit_harington", "john1.jpeg"),
        "rose1": rgb(*TRAIN, "rose_leslie", "img1.jpg"),
        "alex1": rgb(*TRAIN, "alex_lacamoire", "img1.jpg"),
        "obama": rgb(*TRAIN, "obama", "obama.jpg"),
        "orl-s2": rgb("faces", "orl", "s2", "1.pgm"),
    }


def pose_preserving_copies(rgb: np.ndarray) -> dict[str, np.ndarray]:
    """Eleven copies that change everything but the head pose."""
    h, w = rgb.shape[:2]
    centre = (w / 2, h / 2)
    out = {
        f"rot{a:+d}": warped(rgb, similarity(centre, a, 1.0, (0, 0))) for a in (-12, -6, 6, 12)
    }
    out["scale0.8"] = warped(rgb, similarity(centre, 0, 0.8, (0, 0)))
    out["scale1.2"] = warped(rgb, similarity(centre, 0, 1.2, (0, 0)))
    out["shift"] = warped(rgb, similarity(centre, 0, 1.0, (0.07 * w, -0.05 * h)))
    out["+0.5EV"] = exposed(rgb, 0.5)
    out["-0.5EV"] = exposed(rgb, -0.5)
    out["half"] = cv2.resize(rgb, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    out["jpeg75"] = jpeg(rgb, 75)
    return out


def measure_pose_noise(analyzer, faces: dict[str, np.ndarray] | None = None) -> list[dict]:
    """One row per (face, copy): the pose of the original and of the copy."""
    rows = []
    for name, rgb in (faces or eight_faces()).items():
        base = analyzer.analyze(loaded(rgb)).face
        assert base is not None, f"no face in {name}"
        for copy_name, copy in pose_preserving_copies(rgb).items():
            face = analyzer.analyze(loaded(copy)).face
            assert face is not None, f"no face in {name} {copy_name}"
            rows.append(
                {
                    "face": name,
                    "copy": copy_name,
                    "dyaw": face.yaw_deg - base.yaw_deg,
                    "dpitch": face.pitch_deg - base.pitch_deg,
                    "flagged": check_angle(base, face, CheckThresholds(), roll_diff_deg=0.0).status
                    != PASS,
                }
            )
    return rows


def summarise(rows: list[dict]) -> dict[str, float]:
    dyaw = np.array([r["dyaw"] for r in rows])
    dpitch = np.array([r["dpitch"] for r in rows])
    return {
        "yaw_rms": float(math.sqrt(np.mean(dyaw**2))),
        "yaw_max": float(np.abs(dyaw).max()),
        "pitch_rms": float(math.sqrt(np.mean(dpitch**2))),
        "pitch_max": float(np.abs(dpitch).max()),
        "flagged": sum(r["flagged"] for r in rows),
        "pairs": len(rows),
    }


def report(rows: list[dict]) -> str:
    s = summarise(rows)
    lines = [
        f"pose noise over {s['pairs']} identical-pose pairs: yaw RMS {s['yaw_rms']:.2f}° "
        f"(max {s['yaw_max']:.2f}°), pitch RMS {s['pitch_rms']:.2f}° (max {s['pitch_max']:.2f}°), "
        f"angle check flags {s['flagged']} ({100 * s['flagged'] / s['pairs']:.1f} %)"
    ]
    for name in dict.fromkeys(r["face"] for r in rows):
        f = summarise([r for r in rows if r["face"] == name])
        lines.append(
            f"  {name:11s} yaw RMS {f['yaw_rms']:.2f}° max {f['yaw_max']:.2f}°  "
            f"pitch RMS {f['pitch_rms']:.2f}° max {f['pitch_max']:.2f}°"
        )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def noise_rows(face_analyzer):
    return measure_pose_noise(face_analyzer)


def test_yaw_and_pitch_barely_move_on_pose_preserving_copies(noise_rows):
    print("\n" + report(noise_rows))
    s = summarise(noise_rows)
    assert s["yaw_rms"] <= NOISE_TARGET_DEG
    assert s["pitch_rms"] <= NOISE_TARGET_DEG


def test_the_angle_check_rarely_flags_identical_poses(noise_rows):
    s = summarise(noise_rows)
    assert s["flagged"] / s["pairs"] <= FLAG_TARGET, [r for r in noise_rows if r["flagged"]]


# -- framing does not move the pose ----------------------------------------------------------------
def _framings(rgb: np.ndarray) -> list[np.ndarray]:
    """The same photo (no resampling) seen through frames that move the face by a fifth of the
    frame left and right and a tenth up and down (the whole face stays inside the frame)."""
    h, w = rgb.shape[:2]
    big = cv2.copyMakeBorder(rgb, h // 4, h // 4, w // 4, w // 4, cv2.BORDER_REPLICATE)
    out = []
    for dx, dy in ((0, 0), (-0.2, 0), (0.2, 0), (0, -0.1), (0, 0.1)):
        x0, y0 = int(w / 4 + dx * w), int(h / 4 + dy * h)
        out.append(np.ascontiguousarray(big[y0 : y0 + h, x0 : x0 + w]))
    return out


def test_where_the_face_sits_in_the_frame_does_not_move_its_pose(face_analyzer):
    """The landmarker's own matrix moves by degrees when the same face sits elsewhere in the
    frame (the reason the pose is measured on normalised views); the photo's pose and the
    single-detection `landmark_pose` do not."""
    from photocompare.core.face_detect import landmark_pose, matrix_pose

    faces = eight_faces()
    spread = {"matrix": [], "photo": [], "landmark_pose": []}
    for name in ("astronaut", "john1", "rose1"):
        got = {k: [] for k in spread}
        for frame in _framings(faces[name]):
            det = max(face_analyzer.detect(frame), key=lambda d: np.ptp(d.landmarks[:, 0]))
            got["matrix"].append(matrix_pose(det.matrix))
            got["landmark_pose"].append(landmark_pose(det.landmarks))
            f = face_analyzer.analyze(loaded(frame)).face
            got["photo"].append((f.yaw_deg, f.pitch_deg))
        for k, v in got.items():
            spread[k].append(float(np.ptp(np.array(v), axis=0).max()))
    print("\nlargest yaw/pitch spread over 5 framings: " + ", ".join(
        f"{k} {max(v):.2f}°" for k, v in spread.items()))
    assert max(spread["matrix"]) > 3.0  # the effect is real...
    assert max(spread["photo"]) <= 1.0  # ...and gone from what is reported
    assert max(spread["landmark_pose"]) <= 3.0  # one detection, no averaging: noisier


# -- the chosen face is the face: small faces in sunglasses ---------------------------------------
SUNGLASS_FACES = ("astronaut", "obama-720p", "biden2", "john1", "rose1", "alex1", "obama")


def in_sunglasses(rgb: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """Opaque dark lenses (0.84 × 0.6 eye distances) over both eyes and a bridge between them."""
    from photocompare.core.measures import eye_centres

    out = rgb.copy()
    right, left = eye_centres(landmarks)
    iod = float(np.linalg.norm(left - right))
    tilt = math.degrees(math.atan2(left[1] - right[1], left[0] - right[0]))
    dark = (12, 12, 14)
    for c in (right, left):
        axes = (round(0.42 * iod), round(0.3 * iod))
        cv2.ellipse(out, (round(c[0]), round(c[1])), axes, tilt, 0, 360, dark, -1, cv2.LINE_AA)
    ends = [tuple(int(round(v)) for v in p) for p in (right, left)]
    cv2.line(out, ends[0], ends[1], dark, max(1, round(0.05 * iod)), cv2.LINE_AA)
    return out


def small_in_frame(rgb: np.ndarray, landmarks: np.ndarray, iod_px: float, background: np.ndarray):
    """The photo shrunk so the eyes are `iod_px` apart, pasted right of centre on `background`;
    returns the frame and the landmarks moved with it (the ground truth)."""
    from photocompare.core.face_detect import landmarks_iod

    f = iod_px / landmarks_iod(landmarks)
    small = cv2.resize(
        rgb, (round(rgb.shape[1] * f), round(rgb.shape[0] * f)), interpolation=cv2.INTER_AREA
    )
    frame = background.copy()
    fh, fw = frame.shape[:2]
    x0, y0 = int(0.6 * fw - small.shape[1] / 2), int(0.45 * fh - small.shape[0] / 2)
    frame[y0 : y0 + small.shape[0], x0 : x0 + small.shape[1]] = small
    truth = landmarks.copy()
    truth[:, :2] = truth[:, :2] * [small.shape[1] / rgb.shape[1], small.shape[0] / rgb.shape[0]]
    truth[:, :2] += [x0, y0]
    return frame, truth


@pytest.fixture(scope="module")
def landscape():
    with Image.open(shared_path("exif-samples", "jpg", "orientation", "landscape_1.jpg")) as img:
        return np.asarray(img.convert("RGB").resize((1600, 1200), Image.Resampling.BICUBIC))


def test_a_small_face_in_sunglasses_is_measured_as_the_whole_face(face_analyzer, landscape, tmp_path):
    """Seven real faces in painted sunglasses, shrunk to 30 and 20 px between the eyes in a
    1600x1200 photo: every face measured is the face (mesh centre within a quarter of an eye
    distance of the truth, eye distance within 15 %), and its yaw/pitch match the same face in
    sunglasses at full size closely enough that the angle check passes."""
    faces = eight_faces()
    found, lines, cases = 0, [], 0
    for name in SUNGLASS_FACES:
        plain = face_analyzer.analyze(loaded(faces[name])).face
        shaded = in_sunglasses(faces[name], plain.landmarks_px)
        reference = face_analyzer.analyze(loaded(shaded)).face
        assert reference is not None, f"{name} in sunglasses at full size"
        for iod in (30.0, 20.0):
            cases += 1
            found += _small_face_in_sunglasses_is_the_face(
                face_analyzer, name, shaded, plain.landmarks_px, reference, iod, landscape,
                tmp_path, lines,
            )
    print(f"\nsmall faces in sunglasses: {found} of {cases} found, all the whole face")
    print("\n".join(lines))
    assert found >= cases - 2


def _small_face_in_sunglasses_is_the_face(
    face_analyzer, name, shaded, landmarks, reference, iod, landscape, tmp_path, lines
) -> bool:
    """False when no face is found; fails when the face found is not the face or its pose
    differs from the same face at full size by more than the angle check allows."""
    from photocompare.core.face_detect import landmarks_iod

    frame, truth = small_in_frame(shaded, landmarks, iod, landscape)
    path = tmp_path / f"{name}_{iod:.0f}.jpg"
    Image.fromarray(frame).save(path, quality=92)
    face = face_analyzer.analyze(path).face
    if face is None:
        lines.append(f"  {name:11s} IOD {iod:.0f} px: no face")
        return False
    off = np.linalg.norm(face.landmarks_px[:, :2].mean(axis=0) - truth[:, :2].mean(axis=0))
    size = face.interocular_px / landmarks_iod(truth)
    dyaw, dpitch = face.yaw_deg - reference.yaw_deg, face.pitch_deg - reference.pitch_deg
    lines.append(
        f"  {name:11s} IOD {iod:.0f} px: centre off {off / iod:.2f} IOD, size ×{size:.2f}, "
        f"yaw {dyaw:+.1f}°, pitch {dpitch:+.1f}° vs full size"
    )
    assert off < 0.25 * iod and abs(size - 1) < 0.15, lines[-1]
    assert check_angle(reference, face, CheckThresholds(), roll_diff_deg=0.0).status == PASS, lines[-1]
    return True


def test_a_mesh_on_one_lens_or_on_background_is_rejected(face_analyzer, landscape):
    """A face mesh shrunk onto one lens of the sunglasses, or moved onto the background, is not
    found again on a normalised view around it, so it is never measured."""
    from photocompare.core.face_detect import Detection
    from photocompare.core.measures import eye_centres

    rgb = eight_faces()["obama-720p"]
    plain = face_analyzer.analyze(loaded(rgb)).face
    shaded = in_sunglasses(rgb, plain.landmarks_px)
    det = face_analyzer.detect(shaded)[0]
    assert face_analyzer._pose_samples(shaded, det) is not None  # the real face confirms
    right, left = eye_centres(det.landmarks)
    iod = float(np.linalg.norm(left - right))
    on_lens = det.landmarks.copy()
    centre = on_lens[:, :2].mean(axis=0)
    on_lens[:, :2] = (on_lens[:, :2] - centre) * (0.84 * iod / np.ptp(on_lens[:, 0])) + right
    assert face_analyzer._pose_samples(shaded, Detection(on_lens, det.matrix)) is None
    frame, truth = small_in_frame(shaded, det.landmarks, 60.0, landscape)
    on_wall = truth.copy()
    on_wall[:, 0] -= 0.45 * frame.shape[1]
    assert face_analyzer._pose_samples(frame, Detection(on_wall, det.matrix)) is None


# -- absolute accuracy on rendered faces of known pose --------------------------------------------
RENDER_YAWS_DEG = (-30, -15, 0, 15, 30)
RENDER_PITCHES_DEG = (-20, -10, 0, 10, 20)


def measure_rendered_poses(analyzer, textures=("obama-720p", "biden2")) -> list[dict]:
    from tests.core.face_render import render_face

    faces = eight_faces()
    rows = []
    for name in textures:
        landmarks = analyzer.analyze(loaded(faces[name])).face.landmarks_px
        for yaw in RENDER_YAWS_DEG:
            for pitch in RENDER_PITCHES_DEG:
                face = analyzer.analyze(loaded(render_face(faces[name], landmarks, yaw, pitch))).face
                assert face is not None, f"{name} rendered at yaw {yaw}, pitch {pitch}: no face"
                rows.append(
                    {"face": name, "yaw": yaw, "pitch": pitch, "read_yaw": face.yaw_deg,
                     "read_pitch": face.pitch_deg}
                )
    return rows


def accuracy(rows: list[dict], angle: str) -> dict[str, float]:
    truth = np.array([r[angle] for r in rows], dtype=float)
    read = np.array([r["read_" + angle] for r in rows])
    frontal = {r["face"]: r["read_" + angle] for r in rows if r["yaw"] == 0 and r["pitch"] == 0}
    change_err = np.array([r["read_" + angle] - frontal[r["face"]] - r[angle] for r in rows])
    return {
        "mean": float(np.abs(read - truth).mean()),
        "max": float(np.abs(read - truth).max()),
        "gain": float(np.polyfit(truth, read, 1)[0]),
        "change_mean": float(np.abs(change_err).mean()),
        "change_max": float(np.abs(change_err).max()),
    }


def test_yaw_and_pitch_of_faces_rendered_at_known_poses(face_analyzer):
    rows = measure_rendered_poses(face_analyzer)
    print(f"\nrendered canonical faces, {len(rows)} poses (yaw ±30°, pitch ±20°):")
    for angle in ("yaw", "pitch"):
        a = accuracy(rows, angle)
        print(
            f"  {angle:5s} |error| mean {a['mean']:.2f}° max {a['max']:.2f}°, "
            f"{a['gain']:.3f}° read per true degree; change from frontal: mean {a['change_mean']:.2f}° "
            f"max {a['change_max']:.2f}°"
        )
        assert a["mean"] <= 2.0 and a["max"] <= 6.5, (angle, a)
        assert 0.9 <= a["gain"] <= 1.1, (angle, a)


def test_a_model_file_without_the_canonical_face_says_so(tmp_path):
    """The pose fit reads the canonical face from the landmark model file; a file without it
    raises the one exception the pose code falls back on (to the landmarker's own yaw)."""
    import zipfile

    from photocompare.core.canonical_face import CanonicalFaceUnavailable, canonical_mesh
    from photocompare.core.model_file import find_model

    vertices, triangles = canonical_mesh()
    assert vertices.shape == (468, 3) and triangles.shape == (898, 3)
    stripped = tmp_path / "face_landmarker.task"
    with zipfile.ZipFile(find_model()) as src, zipfile.ZipFile(stripped, "w") as dst:
        for item in src.infolist():
            if not item.filename.startswith("geometry_pipeline"):
                dst.writestr(item, src.read(item.filename))
    with pytest.raises(CanonicalFaceUnavailable):
        canonical_mesh(stripped)
    not_a_zip = tmp_path / "broken.task"
    not_a_zip.write_bytes(b"not a zip")
    with pytest.raises(CanonicalFaceUnavailable):
        canonical_mesh(not_a_zip)


if __name__ == "__main__":  # quick measurement while tuning: python -m tests.core.test_head_pose
    import time

    from photocompare.core.face import FaceAnalyzer

    with FaceAnalyzer() as fa:
        t0 = time.perf_counter()
        rows = measure_pose_noise(fa)
        print(report(rows))
        print(f"{time.perf_counter() - t0:.1f} s")
        for r in sorted(rows, key=lambda r: -abs(r["dpitch"]))[:12]:
            print(f"  {r['face']:11s} {r['copy']:9s} dyaw {r['dyaw']:+.2f} dpitch {r['dpitch']:+.2f}")
        rendered = measure_rendered_poses(fa)
        for angle in ("yaw", "pitch"):
            print(angle, accuracy(rendered, angle))
