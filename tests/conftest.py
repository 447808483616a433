"""Shared fixtures: the real test data in ../shared/data, the face model, temporary libraries.

Test data is read in place (never copied into the repo). Outside CI a missing set skips with a
reason; under CI=true a missing set is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for _name in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
    os.environ.pop(_name, None)

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("PHOTOCOMPARE_SHARED_DATA", ROOT.parent / "shared" / "data"))
IN_CI = os.environ.get("CI", "").lower() == "true"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data; skip (or fail under CI) when it is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        message = f"test data missing: {path}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return shared_path()


@pytest.fixture(scope="session")
def bad_images() -> Path:
    return shared_path("bad-images")


@pytest.fixture(scope="session")
def exif_samples() -> Path:
    return shared_path("exif-samples")


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    return shared_path("faces")


@pytest.fixture(scope="session")
def astronaut_rgb():
    """scikit-image's public-domain portrait as an RGB uint8 array."""
    from skimage import data

    return data.astronaut()


@pytest.fixture(scope="session")
def astronaut_jpeg(tmp_path_factory, astronaut_rgb) -> Path:
    from PIL import Image

    path = tmp_path_factory.mktemp("astronaut") / "astronaut.jpg"
    Image.fromarray(astronaut_rgb).save(path, quality=95)
    return path
