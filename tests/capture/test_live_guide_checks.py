"""Live frames get every check `check` makes: identity (computed once per tracked face, and
again after the face was lost), sharpness of the aligned pair (a fail blocks `ready`, a warn is
accepted by the documented live rule), and a missing identity model that keeps `ready` false
with one clear message. Videos are made here from a real face with exact blur and gaps."""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import pytest

from photocompare.core.checks import FAIL, PASS, WARN, PairCheck
from photocompare.core.errors import ModelMissing
from photocompare.settings import CaptureSettings
from tests.conftest import shared_path

FPS = 25
PLAIN, BLURRED, BLANK = "plain", "blurred", "blank"
# 6 matching frames, 6 frames blurred by σ = 3 px (0.045 eye distances: past the 0.015 fail),
# 4 frames without a face (the tracking is lost), 6 matching frames again.
LAYOUT = [PLAIN] * 6 + [BLURRED] * 6 + [BLANK] * 4 + [PLAIN] * 6


@pytest.fixture(scope="module")
def gap_video(tmp_path_factory, face_rgb) -> Path:
    path = tmp_path_factory.mktemp("gap") / "gap.avi"
    h, w = face_rgb.shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (w, h))
    assert writer.isOpened()
    blank = np.full_like(face_rgb, 128)
    for kind in LAYOUT:
        img = {PLAIN: face_rgb, BLANK: blank}.get(kind)
        if img is None:
            img = cv2.GaussianBlur(face_rgb, (0, 0), 3.0)
        writer.write(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def _run(video: Path, baseline: Path, tmp_path: Path, **kw):
    from photocompare.core.live_guide import LiveGuide

    results: dict[int, object] = {}
    out = tmp_path / "shots"
    out.mkdir()
    guide = LiveGuide(video, baseline, hold_frames=3, capture_dir=out, **kw)
    summary = guide.run(on_result=lambda g: results.__setitem__(g.index, g))
    assert summary.processed == len(LAYOUT)
    return guide, results, sorted(out.iterdir())


def test_identity_once_per_face_and_blur_fails_live(gap_video, face_photo, tmp_path):
    guide, results, shots = _run(gap_video, face_photo, tmp_path)
    # the descriptor ran for the first face and for the face found again after the gap only
    assert guide.identity is not None and guide.identity.computed == 2
    for i, kind in enumerate(LAYOUT):
        g = results[i]
        if kind == BLANK:
            assert not g.face and not g.ready
            continue
        assert g.statuses["identity"] == PASS, (i, g.messages["identity"])
        if kind == PLAIN:
            assert g.ready, (i, g.statuses)
        else:  # blurred: the pair's blur measure fails (the live rule accepts warns only)
            assert g.statuses["sharpness"] == FAIL and not g.ready, (i, g.statuses)
    # both matching stretches are captured once each (at their 3rd frame)
    assert len(shots) == 2


def test_another_person_is_never_ready(gap_video, tmp_path):
    other = shared_path("faces", "face_recognition-examples", "examples", "biden.jpg")
    guide, results, shots = _run(gap_video, other, tmp_path)
    faces = [g for g in results.values() if g.face]
    assert faces and all(g.statuses["identity"] == FAIL and not g.ready for g in faces)
    assert shots == []
    assert guide.identity.computed == 2


def test_missing_identity_model_means_not_ready_with_one_message(
    gap_video, face_photo, tmp_path, caplog
):
    calls = []

    def missing():
        calls.append(1)
        raise ModelMissing("identity model dlib_face_recognition_resnet_model_v1.dat not found; restore it")

    with caplog.at_level(logging.WARNING, logger="photocompare.core.live_evaluate"):
        guide, results, shots = _run(gap_video, face_photo, tmp_path, identity_model=missing)
    faces = [g for g in results.values() if g.face]
    assert faces and not any(g.ready for g in faces) and shots == []
    for g in faces:
        assert g.statuses["identity"] == WARN
        assert "identity model is missing" in g.messages["identity"]
    # the other checks still run: the matching frames pass everything else
    plain = [results[i] for i, k in enumerate(LAYOUT) if k == PLAIN]
    assert all(
        s == PASS for g in plain for name, s in g.statuses.items() if name != "identity"
    )
    assert len(calls) == 1  # said (and tried) once, not per frame or per face
    said = [r for r in caplog.records if "identity model is missing" in r.getMessage()]
    assert len(said) == 1


def test_live_ready_rule_accepts_a_sharpness_warn_only():
    from photocompare.core.live_evaluate import live_ready

    def checks(**statuses):
        names = ("angle", "framing", "lighting", "expression", "sharpness", "identity")
        return {n: PairCheck(statuses.get(n, PASS), "") for n in names}

    assert live_ready(checks())
    assert live_ready(checks(sharpness=WARN))
    assert not live_ready(checks(sharpness=FAIL))
    assert not live_ready(checks(identity=WARN))
    assert not live_ready(checks(lighting=WARN))
    strict = CaptureSettings(live_ready_accepts_sharpness_warn=False)
    assert not live_ready(checks(sharpness=WARN), strict)
