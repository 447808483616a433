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
    # Pair photometry (core.pair_measures): a skin pixel counts only when every channel is
    # clear of 0 by more than `clip_margin_dark` and of 255 by more than `clip_margin_bright`
    # in both photos (JPEG highlights sit at 248–254); at least `pair_min_pixels` and
    # `pair_min_skin_fraction` of the skin must survive, else exposure is given as a bound.
    clip_margin_dark: int = 4
    clip_margin_bright: int = 5
    pair_min_pixels: int = 200
    pair_min_skin_fraction: float = 0.05
    # Bright-clipped skin in a photo at or above this fraction, with exposure unmeasurable,
    # fails lighting (blown-out highlights cannot be compared).
    clipped_fail_fraction: float = 0.25
    # Light moved: gradient of the after/before log2-ratio map over the skin, EV per IOD.
    # Simulated relighting of real faces (tests/core/relight.py): moves of the light by ≤ 10°
    # gave at most 0.23 EV/IOD and a spread of 0.07 EV; moves of 35–85° a spread ≥ 0.13 EV.
    relight_warn_ev_per_iod: float = 0.30
    relight_fail_ev_per_iod: float = 0.60
    # ... and the robust spread of the ratio map around that plane (shadows that moved), EV.
    relight_spread_warn_ev: float = 0.10
    relight_spread_fail_ev: float = 0.20
    # Skin colour difference: distance of (log2 R/G, log2 B/G) between the photos (≈ stops).
    color_warn: float = 0.12
    color_fail: float = 0.25
    # Sharpness: equivalent Gaussian blur σ of the softer photo, in IODs (σ 2 px at an IOD of
    # 170 px = 0.0118 warns, σ 3 px = 0.0176 fails).
    blur_warn_iod: float = 0.010
    blur_fail_iod: float = 0.015
    # ... and only when σ at the resolution the faces were compared at (the smaller eye
    # distance, at most 170 px) exceeds this: ORL photo series of one subject, differing in
    # glasses and expression only, reach 1.05 px at an eye distance of ~31 px.
    blur_min_px: float = 1.2
    # Side-effect noise model (core.side_effects): one photo's SD of a measure is
    # √(floor² + (jitter / IOD px)²) eye distances. Fitted (RMS) to 11 anatomy-preserving
    # copies (JPEG q70–95, ±0.3 EV, ±4–8° rotation, 0.85–1.15 scale) of 8 real faces with eye
    # distances of 31–183 px: brows SD 0.0077 IOD RMS, lids/MRD1 0.0064 IOD RMS.
    side_effect_brow_jitter_px: float = 0.3
    side_effect_lid_jitter_px: float = 0.3
    side_effect_brow_floor_iod: float = 0.0055
    side_effect_lid_floor_iod: float = 0.0035
    # Identity: similarity = 1 − descriptor distance (dlib; same person ≥ 0.4 by its design).
    identity_warn_below: float = 0.50
    identity_fail_below: float = 0.40
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
    # Columns in a diary CSV header (8 are used; room for a spreadsheet's extra ones). Bounds the
    # work per row, so a header of thousands of columns is refused at once.
    max_csv_columns: int = 64
    # Line breaks a quoted note may hold; a quote still open after this many is a bad row (a
    # stray quote), never the rest of the diary read as one note.
    max_csv_note_line_breaks: int = 5
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
    # Every threshold above is a whole number: figures are shown so that none appears on the
    # other side of one (core.figures_format), which relies on that.
    # A photo taken on a treatment day belongs to the period "before" the treatment (clinicians
    # photograph just before injecting) or "after" it; a recorded session time overrides this.
    treatment_day_photo_period: str = "before"


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


#: The default visit shot list: (view, expression) labels, in the order they are taken.
DEFAULT_SHOT_LIST: tuple[tuple[str, str], ...] = (
    ("frontal", "neutral"),
    ("frontal", "raised-brows"),
    ("frontal", "frown"),
    ("frontal", "eyes-closed"),
    ("left-oblique", "neutral"),
    ("right-oblique", "neutral"),
    ("left-lateral", "neutral"),
    ("right-lateral", "neutral"),
)


@dataclass(frozen=True)
class CaptureSettings:
    """Capture at the chair: the hot folder and live guidance (photocompare.core.hot_folder,
    photocompare.core.live_guide)."""

    # Hot folder. A file is complete when its size and modification time are unchanged across
    # two polls AND it decodes fully; a short poll keeps the verdict within a second of the
    # camera software closing the file, while a stat of one folder costs next to nothing.
    poll_interval_s: float = 0.1
    # A file that is stable but does not decode (yet) is retried for this long before it is
    # rejected: some tethering tools pause between writing a file's parts.
    undecodable_grace_s: float = 2.0
    # Names camera and sync software use while a file is still being written; never imported
    # (the finished file appears under its final name, often by a rename).
    partial_suffixes: tuple[str, ...] = (
        ".tmp", ".part", ".partial", ".crdownload", ".download", ".filepart", ".temp", "~",
    )
    # Live guidance. Consecutive ready frames before an automatic capture (about 0.3 s at
    # 25 fps: long enough that a head passing through the right pose is not taken).
    hold_frames: int = 8
    capture_format: str = "jpeg"  # "jpeg" (quality below) or "png" for captured frames
    capture_jpeg_quality: int = 95
    # Frames longer than this are reduced before landmarks (the measures map back to full px).
    live_analysis_max_side_px: int = 1280
    # A live frame's pair measures (exposure, colour, light direction, blur; the same
    # `core.pair_measures.measure_pair` as `check`) are taken on copies of the frame and of the
    # baseline reduced so the eye distance is at most this. Exposure and colour are measured at
    # `live_photometry_iod_px` between the eyes whatever the copies' size; blur is compared at
    # the smaller eye distance of the two, and a sharpness FAIL stays visible as long as
    # blur_fail_iod × this > blur_min_px (0.015 × 96 = 1.44 px > 1.2 px).
    live_pair_max_iod_px: float = 96.0
    # Live blur is compared at that smaller eye distance rounded down to a multiple of this
    # (px), so consecutive frames of a steady face compare at one size and the baseline's half
    # of the blur measure — its blurred ladder rungs included — is made once per size instead
    # of on every frame; the rounding moves the comparison size by at most 3 % at 66 px.
    live_blur_iod_step_px: float = 2.0
    # Live exposure, colour and light direction are measured in a canonical frame with this
    # many px between the eyes (`check`: 64). A median ratio over the skin does not depend on
    # the resolution; a quarter of the pixels makes them a quarter of the cost per frame.
    live_photometry_iod_px: float = 32.0
    # The slow parts of the pair measures (the blur ladder and the relighting plane: about two
    # thirds of their cost) are taken on every frame that could be `ready` (so readiness and
    # the automatic capture always rest on the frame's own measures) and otherwise on every
    # Nth frame with a face, their figures carried between. Exposure and colour: every frame.
    live_slow_measures_every_frames: int = 5
    # Live `ready` (and so the automatic capture) accepts a sharpness WARN; a FAIL still blocks.
    # A webcam or an HDMI live view is rarely as crisp as a DSLR baseline, so a strict rule
    # would keep auto-capture from ever firing, and the saved frame is checked again in full
    # (sharpness included) when it is imported. Every other check must pass.
    live_ready_accepts_sharpness_warn: bool = True
    # The shot list of a visit (view, expression), shown by the Visit capture panel.
    shot_list: tuple[tuple[str, str], ...] = DEFAULT_SHOT_LIST


@dataclass(frozen=True)
class PayerSettings:
    """Payer reports for onabotulinumtoxinA (core.payer_report)."""

    # PREEMPT sessions are every 12 weeks; payers query (and may refuse) shorter intervals.
    min_treatment_interval_days: int = 84
    # The default assessment period of a renewal is the last cycle recorded at least this well
    # (the same 80 % below which the course figures carry a coverage warning).
    assessment_min_coverage: float = 0.80
    # A questionnaire taken at the next injection visit describes the cycle that just ended, so
    # it still counts for that cycle up to this many days after the cycle's last day.
    questionnaire_grace_days: int = 1
    # A long course is cut to the baseline and the latest cycles (and their sessions) on the PDF so
    # it stays within two pages; the JSON always holds every period.
    report_max_cycles_shown: int = 8


@dataclass(frozen=True)
class Prescriber:
    """Who signs a payer report; printed in its header and signature block."""

    name: str = ""
    specialty: str = ""
    provider_id: str = ""  # national provider ID (NPI, GMC number, LANR...)
    clinic_address: str = ""  # may hold line breaks
    logo_path: str = ""  # clinic logo (PNG/JPEG); empty = none


@dataclass(frozen=True)
class LogSettings:
    """The support log file (photocompare.logs), in the per-user log folder (`log_dir()`)."""

    file_name: str = "photocompare.log"
    max_bytes: int = 2_000_000  # rotated at this size...
    backup_count: int = 3  # ...keeping this many old files: at most ~8 MB on disk


@dataclass(frozen=True)
class CompareSettings:
    """The compare view, pair suggestions and landmark overlays (photocompare.ui, core.pair_*)."""

    # The compare view opens on the face: the face box (brow to chin, from the landmarks) times
    # this factor fills the panes, so forehead, ears and chin stay in view. Never below "fit".
    face_view_box_factor: float = 1.8
    # Pair suggestions check at most this many before/after combinations per view and expression
    # (the nearest in time first), so a patient with hundreds of photos is checked in seconds.
    suggest_max_candidates_per_group: int = 12
    # Without treatments recorded, a lone photo dated this many days before all the others (a
    # camera whose clock was never set) is not taken as the "baseline": it is reported instead.
    suggest_outlier_gap_days: int = 365
    # Landmark dots drawn over a face: radius = inter-ocular distance (screen px) times this,
    # clamped to [min, max] px, so 478 dots never cover a small face nor vanish on a large one.
    landmark_dot_iod_fraction: float = 0.012
    landmark_dot_min_px: float = 0.6
    landmark_dot_max_px: float = 3.0


@dataclass(frozen=True)
class Settings:
    images: ImageLimits = field(default_factory=ImageLimits)
    checks: CheckThresholds = field(default_factory=CheckThresholds)
    course: CourseSettings = field(default_factory=CourseSettings)
    export: ExportSettings = field(default_factory=ExportSettings)
    payer: PayerSettings = field(default_factory=PayerSettings)
    prescriber: Prescriber = field(default_factory=Prescriber)
    capture: CaptureSettings = field(default_factory=CaptureSettings)
    compare: CompareSettings = field(default_factory=CompareSettings)
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
