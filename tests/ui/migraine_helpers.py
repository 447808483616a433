"""Shared set-up for the migraine-panel / diary / session / review-mode tests.

A temporary SQLite library with one patient whose course has hand-countable figures:
one treatment on 2025-03-01; baseline 2025-02-01..28 with headache on the first 14 days
(14 per 28); cycle 1 2025-03-01..28 with headache on days 1-7 (7 per 28, -50 %).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from photocompare.core import preempt
from photocompare.core.course_figures import DiaryDay, MedicationClass, Treatment
from photocompare.library import api as library_access
from photocompare.library import course_repo
from photocompare.library.db import Library

TREATMENT = dt.date(2025, 3, 1)
BASELINE_START = dt.date(2025, 2, 1)


def simple_diary() -> list[DiaryDay]:
    days = []
    for i in range(28):
        d = BASELINE_START + dt.timedelta(days=i)
        if i < 14:
            days.append(DiaryDay(d, True, migraine=i < 8, intensity=6, medication=i < 4,
                                 medication_class=MedicationClass.TRIPTAN if i < 4 else None))
        else:
            days.append(DiaryDay(d, False))
    for i in range(28):
        d = TREATMENT + dt.timedelta(days=i)
        days.append(DiaryDay(d, i < 7, migraine=i < 3, intensity=4 if i < 7 else None))
    return days


def make_library(tmp_path: Path) -> tuple[Library, int]:
    lib = Library.open(tmp_path / "lib")
    patient = library_access.save_patient(
        lib, patient_id=None, external_id="P-001", display_name="Ada Patient",
        birth_year=1980, notes="",
    )
    course_repo.save_diary_days(lib, patient.id, simple_diary(), user="test")
    course_repo.save_treatment(
        lib, patient.id,
        Treatment(TREATMENT, product="onabotulinumtoxinA (Botox)", lot="C1111C1",
                  expiry=dt.date(2026, 1, 1), injector="Dr T", total_units=155.0,
                  sites=preempt.protocol_units()),
        user="test",
    )
    return lib, patient.id


def keep_shot(widget, name: str, tmp_path: Path) -> Path:
    """Grab a widget to PNG under the test's tmp_path (pytest keeps the last runs' folders for a
    human to look at)."""
    image = widget.grab().toImage()
    out = tmp_path / name
    assert image.save(str(out)), f"could not write {out}"
    return out


def image_is_not_blank(path: Path) -> bool:
    from PIL import Image, ImageStat

    with Image.open(path) as im:
        stat = ImageStat.Stat(im.convert("L"))
    return stat.stddev[0] > 5.0
