"""Fixtures for the clinic tests: real photos to import and an open library on each back end.

`library_url` / `library_store` (tests/conftest.py) give a location per back end (SQLite folder,
PostgreSQL database on the throwaway cluster of tests/clinic/pg.py); `clinic_library` opens it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import shared_path

# Real camera JPEGs from exifread's corpus that decode cleanly (small, so imports are quick),
# plus three larger ones so a kill can land in the middle of a copy.
SMALL_JPEGS = [
    "Fujifilm_FinePix_E500.jpg", "Olympus_C8080WZ.jpg", "Sony_HDR-HC3.jpg",
    "Ricoh_Caplio_RR330.jpg", "WWL_Polaroid_ION230.jpg", "Fujifilm_FinePix6900ZOOM.jpg",
    "Kodak_CX7530.jpg", "Nikon_COOLPIX_P1.jpg", "Canon_40D.jpg", "Canon_DIGITAL_IXUS_400.jpg",
    "Panasonic_DMC-FZ30.jpg", "Pentax_K10D.jpg", "Nikon_D70.jpg", "Canon_PowerShot_S40.jpg",
    "Konica_Minolta_DiMAGE_Z3.jpg", "Samsung_Digimax_i50_MP3.jpg",
]
LARGE_JPEGS = ["Reconyx_HC500_Hyperfire.jpg", "Sony_DSLR-A200.jpg"]


@pytest.fixture(scope="session")
def camera_jpegs() -> list[Path]:
    folder = shared_path("exif-samples", "jpg")
    paths = [folder / name for name in SMALL_JPEGS + LARGE_JPEGS]
    missing = [p.name for p in paths if not p.is_file()]
    assert not missing, f"expected camera samples missing: {missing}"
    return paths


def folder_of(paths: list[Path], folder: Path) -> Path:
    """A folder holding copies of these photos (the originals in ../shared are never touched)."""
    folder.mkdir(parents=True, exist_ok=True)
    for p in paths:
        shutil.copy2(p, folder / p.name)
    return folder


@pytest.fixture
def clinic_library(library_url, library_store):
    from photocompare.library.db import Library

    lib = Library.open(library_url, store=library_store)
    yield lib
    lib.close()


@pytest.fixture
def library_with_photos(clinic_library, camera_jpegs, tmp_path):
    """The library with patient P-7 holding four real photos; returns (library, photo ids)."""
    from photocompare.library.importer import import_paths

    folder = folder_of(camera_jpegs[:4], tmp_path / "incoming")
    summary = import_paths(clinic_library, [folder], "P-7", display_name="Erika Mustermann")
    assert len(summary.imported) == 4, summary
    return clinic_library, [pid for _, pid in summary.imported]
