"""Head pose (yaw, pitch) against exact ground truth on real photos (figures in docs/validation.md).

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
