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


# --- PostgreSQL and "both back ends" fixtures (the cluster is tests/clinic/pg.py)


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL server on 127.0.0.1 for this test session (per xdist worker).

    Outside CI a machine without PostgreSQL skips these tests with a reason; under CI=true it
    is a failure (.ci/run installs the Debian package `postgresql`)."""
    from tests.clinic.pg import PgCluster, PgUnavailable

    cluster = PgCluster()
    try:
        cluster.start()
    except PgUnavailable as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL unavailable under CI: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """The URL (postgresql+psycopg://...) of a fresh empty database, dropped after the test."""
    url = pg_cluster.create_database()
    yield url
    pg_cluster.drop_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def library_url(request, tmp_path) -> str:
    """Where to open a library, once per back end: a directory (SQLite) or a PostgreSQL URL.

    Use with `library_store`: `Library.open(library_url, store=library_store)`."""
    if request.param == "sqlite":
        return str(tmp_path / "library")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def library_store(tmp_path) -> Path:
    """A store folder for originals and thumbnails (the shared folder of a clinic)."""
    return tmp_path / "store"


@pytest.fixture(scope="session", autouse=True)
def _widgets_application_first():
    """Make the first Qt application of a test process a QApplication.

    The exporters start a bare QGuiApplication when none exists (right for the CLI); if one of
    their tests ran first in a worker, a later widget test would abort ("Must construct a
    QApplication before a QWidget"). In the real app QApplication always exists first.
    """
    from photocompare.core.quiet import drop_cv2_qt_environment

    drop_cv2_qt_environment()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    yield app
