"""Fixtures for the export tests: a real face pair with capture dates, its analysis, a course.

The pair is made from scikit-image's public-domain astronaut portrait: BEFORE upscaled to a
2400 x 3200 px photo; AFTER the same face rotated 4°, shifted and 0.6 EV darker, as a
second visit would be. Both carry EXIF capture dates (and AFTER a camera serial number and
GPS position, so de-identification has something to remove).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shared_path

BEFORE_TAKEN = "2026:01:05 09:12:00"  # baseline
AFTER_TAKEN = "2026:04:12 10:03:00"  # cycle 2
BODY_SERIAL = "SN-4417-XYZ"
GENERATED = dt.datetime(2026, 4, 20, 8, 30, tzinfo=dt.UTC)  # the sheet's "generated" stamp


def _exif(when: str, *, serial: str | None = None, gps: bool = False):
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "TestMake"
    exif[0x0110] = "TestModel"
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = when
    ifd[0x829A] = 1 / 125  # exposure time
    ifd[0x829D] = 4.0  # f-number
    ifd[0x8827] = 200  # ISO
    if serial:
        ifd[0xA431] = serial  # BodySerialNumber
    if gps:
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd[1] = "N"
        gps_ifd[2] = (48.0, 51.0, 29.0)
        gps_ifd[3] = "E"
        gps_ifd[4] = (2.0, 17.0, 40.0)
    return exif


def exif_sample(parts: tuple[str, ...]) -> Path:
    """A file of exifread's camera corpus by its path under shared/data/exif-samples; when it
    is missing the test skips (fails under CI), as with every shared data set."""
    return shared_path("exif-samples", *parts)


@pytest.fixture(scope="session")
def face_pair(tmp_path_factory, astronaut_rgb) -> tuple[Path, Path]:
    from PIL import Image

    folder = tmp_path_factory.mktemp("face_pair")
    src = Image.fromarray(astronaut_rgb)
    before = src.resize((3200, 3200), Image.Resampling.BICUBIC).crop((400, 0, 2800, 3200))
    before_path = folder / "before.jpg"
    before.save(before_path, quality=90, exif=_exif(BEFORE_TAKEN).tobytes())
    after = src.rotate(
        4, resample=Image.Resampling.BICUBIC, center=(256, 200), fillcolor=(120, 120, 120)
    )
    after = after.resize((3200, 3200), Image.Resampling.BICUBIC).crop((460, 40, 2860, 3240))
    after = Image.fromarray(
        (np.asarray(after, dtype=np.float32) * 0.66).clip(0, 255).astype(np.uint8)
    )
    after_path = folder / "after.jpg"
    after.save(
        after_path, quality=90, exif=_exif(AFTER_TAKEN, serial=BODY_SERIAL, gps=True).tobytes()
    )
    return before_path, after_path


@pytest.fixture(scope="session")
def analyzer():
    from photocompare.core.face import FaceAnalyzer

    with FaceAnalyzer() as face_analyzer:
        yield face_analyzer


@pytest.fixture(scope="session")
def pair_result(face_pair, analyzer):
    from photocompare.core.pairing import compare_photos

    return compare_photos(*face_pair, analyzer)


def _diary_days(start: dt.date, count: int, every: int, *, treated: bool = True) -> list:
    """`count` days from `start` with a headache every `every`-th day. With `treated`, the
    headaches of the first 16 days are migraines and those of the first 20 took a triptan."""
    from photocompare.core.course_figures import DiaryDay, MedicationClass

    days = []
    for i in range(count):
        headache = i % every == 0
        medicated = treated and headache and i < 20
        days.append(
            DiaryDay(
                start + dt.timedelta(days=i),
                headache,
                migraine=treated and headache and i < 16,
                medication=medicated,
                medication_class=MedicationClass("triptan") if medicated else None,
            )
        )
    return days


def make_diary() -> tuple[list, list[dt.date]]:
    """A diary with figures worked out by hand (per 28 days; change vs baseline):
    baseline 2025-12-13..2026-01-09: 14 headache, 8 migraine, 10 acute-medication days;
    cycle 1 2026-01-10..2026-02-06: 7 (−50 %), 4 (−50 %), 5 (−50 %);
    cycle 2 2026-02-07..2026-05-01 (84 days): 12 headache days = 4.0 per 28 (−71 %), 0, 0."""
    c1, c2 = dt.date(2026, 1, 10), dt.date(2026, 2, 7)
    days = (
        _diary_days(dt.date(2025, 12, 13), 28, every=2)  # baseline: every other day
        + _diary_days(c1, 28, every=4)  # cycle 1: every fourth day
        + _diary_days(c2, 84, every=7, treated=False)  # cycle 2: every seventh day
    )
    return days, [c1, c2]


@pytest.fixture(scope="session")
def course_report():
    from photocompare.core.course import compute_course

    days, treatments = make_diary()
    return compute_course(days, (), treatments, today=dt.date(2026, 5, 1))


def make_sheet(pair_result, course_report, **kw):
    """The sheet data of the face pair with every optional part filled in (`kw` overrides)."""
    from photocompare.export.sheet_data import build_sheet_data

    defaults = dict(
        patient_id="0042",
        patient_name="Jane Example",
        notes="Fewer migraine days since the second cycle.",
        clinic_name="Northside Headache Clinic",
        clinician="Dr A. Clinician",
        view_label="frontal",
        generated_at=GENERATED,
    )
    defaults.update(kw)
    return build_sheet_data(pair_result, course_report, **defaults)


@pytest.fixture(scope="session")
def full_sheet(pair_result, course_report):
    return make_sheet(pair_result, course_report)
