"""Fixtures for the core tests: one face-landmark model per test session (loading it is the
expensive part), and the real face photos the face tests use."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import shared_path


@pytest.fixture(scope="session")
def face_analyzer():
    from photocompare.core.face import FaceAnalyzer

    analyzer = FaceAnalyzer()
    yield analyzer
    analyzer.close()


@pytest.fixture(scope="session")
def fr_examples():
    """face_recognition's example photos (real faces)."""
    return shared_path("faces", "face_recognition-examples", "examples")


@pytest.fixture(scope="session")
def obama_rgb(fr_examples) -> np.ndarray:
    from PIL import Image

    with Image.open(fr_examples / "obama-720p.jpg") as img:
        return np.asarray(img.convert("RGB"))
