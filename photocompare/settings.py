"""Typed settings in one place, with defaults next to their meaning; injectable in tests.

The core receives the part it needs (`Settings().images`, `.checks`, ...) as a plain frozen
dataclass; the UI persists them with QSettings (`photocompare.ui.settings_store`), the CLI uses
defaults plus flags. Each domain owns its section below — add fields there, not literals in code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from photocompare import APP_NAME


@dataclass(frozen=True)
class ImageLimits:
    """Bounds on any file that comes in (bad input must never hang or exhaust memory)."""

    max_pixels: int = 100_000_000  # 100 MP; larger (or decompression bombs) are refused
    max_file_bytes: int = 300 * 1024 * 1024
    max_metadata_bytes: int = 4 * 1024 * 1024  # EXIF/XMP blocks larger than this are ignored
    analysis_max_side_px: int = 1280  # landmarks run on a reduced copy this long at most
    thumbnail_px: int = 256


@dataclass(frozen=True)
class CheckThresholds:
    """Pair-check thresholds (documented defaults; configurable in the app and the CLI)."""

    yaw_warn_deg: float = 3.0
    yaw_fail_deg: float = 6.0
    pitch_warn_deg: float = 3.0
    pitch_fail_deg: float = 6.0
    roll_fail_deg: float = 15.0  # roll is corrected by alignment; only a large tilt fails
    exposure_warn_ev: float = 0.33
    exposure_fail_ev: float = 0.75
    scale_warn_low: float = 0.9
    scale_warn_high: float = 1.1
    scale_fail_low: float = 0.8
    scale_fail_high: float = 1.25


@dataclass(frozen=True)
class CourseSettings:
    """Migraine-course periods and flags."""

    baseline_days: int = 28
    coverage_warn_below: float = 0.80
    max_csv_rows: int = 20_000


@dataclass(frozen=True)
class Settings:
    images: ImageLimits = field(default_factory=ImageLimits)
    checks: CheckThresholds = field(default_factory=CheckThresholds)
    course: CourseSettings = field(default_factory=CourseSettings)
    clinic_name: str = ""
    clinician_name: str = ""


def default_library_dir() -> Path:
    """Per-user data directory (platformdirs); `$PHOTOCOMPARE_LIBRARY` overrides it."""
    env = os.environ.get("PHOTOCOMPARE_LIBRARY")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "library"


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
