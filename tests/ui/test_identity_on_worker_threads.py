"""The identity model answers when called from Qt's worker pool, twice in a row and from two
workers at once. dlib's binding takes the interpreter lock in its own way and deadlocked (or
crashed) on Qt pool threads, so opening a second pair in the app hung on the identity check."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from photocompare.core.face import FaceAnalyzer  # noqa: E402
from photocompare.core.identity import IdentityModel  # noqa: E402
from photocompare.core.images import load_rgb  # noqa: E402
from photocompare.ui.workers import run_task  # noqa: E402
from tests.conftest import shared_path  # noqa: E402


def test_descriptors_are_computed_on_qt_workers_without_hanging(qtbot, monkeypatch):
    photo = shared_path("faces", "face_recognition-examples", "examples", "obama-480p.jpg")
    image = load_rgb(photo)
    with FaceAnalyzer() as analyzer:
        measures = analyzer.analyze(image, path=photo)
    assert measures.face is not None
    landmarks = measures.face.landmarks_px.copy()
    landmarks[:, :2] *= measures.analysis_scale
    results: list = []
    errors: list = []

    def describe(_ctx):
        # loaded on a worker, as the app's first comparison does
        return IdentityModel.shared().describe(image.rgb, landmarks)

    monkeypatch.setattr(IdentityModel, "_shared", None)
    for done in (2, 4):  # the second round used to hang; two workers at once used to crash
        for _worker in range(2):
            run_task(describe, results.append, errors.append)
        qtbot.waitUntil(lambda n=done: len(results) + len(errors) >= n, timeout=60_000)
    assert not errors, errors
    assert len(results) == 4 and all(r.shape == (128,) for r in results)
    assert all(abs(float(r @ results[0]) - float(results[0] @ results[0])) < 1e-4 for r in results)
