"""Typed settings in one place, with defaults next to their meaning; injectable in tests.

The core receives the part it needs (`Settings().images`, `.checks`, ...) as a plain frozen
dataclass; the UI persists them with QSettings (`photocompare.ui.settings_store`), the CLI uses
defaults plus flags. Each domain owns its section below — add fields there, not literals in code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum
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
    # Face-centre offset relative to the frame, in interocular distances (alignment corrects
    # it for display, but a large shift usually means a different framing/distance).
    offset_warn_iod: float = 1.5
    offset_fail_iod: float = 4.0
    # Left/right illumination balance difference (EV) and light-direction difference; the
    # direction only counts when both photos have a clear gradient (EV per IOD).
    balance_warn_ev: float = 0.33
    balance_fail_ev: float = 0.75
    direction_warn_deg: float = 35.0
    direction_fail_deg: float = 70.0
    direction_min_gradient_ev_per_iod: float = 0.3
    # Skin colour difference: distance of (log2 R/G, log2 B/G) between the photos (≈ stops).
    color_warn: float = 0.12
    color_fail: float = 0.25
    # Sharpness ratio (blurrier / sharper, both at the same IOD-normalised scale).
    sharpness_warn_ratio: float = 0.75
    sharpness_fail_ratio: float = 0.55
    # Expression differences in interocular distances; eye opening and brow height only warn
    # (they are also what the treatment may change).
    mouth_open_warn_iod: float = 0.06
    mouth_open_fail_iod: float = 0.15
    smile_width_warn_iod: float = 0.06
    smile_width_fail_iod: float = 0.12
    eye_open_warn_iod: float = 0.05
    brow_raise_warn_iod: float = 0.08


@dataclass(frozen=True)
class CourseSettings:
    """Migraine-course periods and flags."""

    baseline_days: int = 28  # baseline = this many days before the first treatment
    coverage_warn_below: float = 0.80  # recorded days / period days below this -> warning
    max_csv_rows: int = 20_000
    max_csv_bytes: int = 5 * 1024 * 1024  # a diary CSV larger than this is refused
    # ICHD-3 chronic migraine (per month, taken as per 28 days like every other figure here).
    chronic_headache_days: float = 15.0
    chronic_migraine_days: float = 8.0
    chronic_min_months_of_data: int = 3  # "> 3 months": with less data the duration is unverifiable
    # ICHD-3 medication overuse: acute-medication days per month (per 28 days) at or above which a
    # class is flagged; gepants/other have no ICHD-3 threshold of their own.
    overuse_days_simple_analgesic: float = 15.0
    overuse_days_specific: float = 10.0  # triptans, ergots, opioids, combinations
    overuse_days_multiple_classes: float = 10.0  # several classes, none overused on its own
    stopping_rule_min_reduction_pct: float = 30.0  # evaluated on cycle 2 (after two cycles)
    episodic_below_days: float = 15.0  # < 15 headache days per 28 = episodic
    episodic_consecutive_months: int = 3  # consecutive 28-day months after the first treatment


class Paper(StrEnum):
    """The paper sizes a sheet is laid out for: the one vocabulary of settings, the CLI's
    `--paper`, the export dialog and the sheet. The value ("a4") is what is stored and typed."""

    A4 = "a4"
    LETTER = "letter"

    @property
    def label(self) -> str:
        """How a person reads it in a menu: "A4", "Letter"."""
        return {"a4": "A4", "letter": "Letter"}[self.value]

    @property
    def size_mm(self) -> tuple[float, float]:
        """(width, height) in millimetres, portrait."""
        return {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}[self.value]

    @classmethod
    def parse(cls, text: str) -> Paper:
        """A paper from a stored setting or a command line; "A4" written by older versions of
        the settings store reads as a4. ValueError names the sizes there are."""
        try:
            return cls(str(text).strip().lower())
        except ValueError:
            choices = " or ".join(paper.value for paper in cls)
            raise ValueError(f"unknown paper size {text!r} (use {choices})") from None

    @classmethod
    def from_setting(cls, text: object, default: Paper | None = None) -> Paper:
        """Like `parse`, but an unknown or missing stored value gives `default` (A4): a
        settings file written by another version must not stop the app."""
        try:
            return cls.parse(str(text))
        except ValueError:
            return default or cls.A4


@dataclass(frozen=True)
class ExportSettings:
    """Comparison sheets, exported images and DICOM (photocompare.export)."""

    sheet_image_dpi: int = 250  # photos are embedded at up to this resolution at printed size
    sheet_min_print_dpi: int = 200  # photo boxes shrink so photos print at least this sharp
    default_paper: Paper = Paper.A4
    image_jpeg_quality: int = 92  # exported JPEG images and DICOM JPEG baseline frames


@dataclass(frozen=True)
class LogSettings:
    """The support log file (photocompare.logs), in the per-user log folder (`log_dir()`)."""

    file_name: str = "photocompare.log"
    max_bytes: int = 2_000_000  # rotated at this size...
    backup_count: int = 3  # ...keeping this many old files: at most ~8 MB on disk


@dataclass(frozen=True)
class Settings:
    images: ImageLimits = field(default_factory=ImageLimits)
    checks: CheckThresholds = field(default_factory=CheckThresholds)
    course: CourseSettings = field(default_factory=CourseSettings)
    export: ExportSettings = field(default_factory=ExportSettings)
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
