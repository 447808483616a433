"""The pictures of a before/after comparison, prepared for display: both photos at display
resolution in the BEFORE photo's frame, the after photo as taken and aligned, lighting-matched
variants and the difference heat map, plus the face's midline and eye line for the grid overlay.

Pure arrays, no Qt: everything heavy is done here on a worker, so the compare view's GUI
thread only paints ready-made images (and a test can check the pictures without a screen).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from photocompare.settings import CompareSettings

if TYPE_CHECKING:  # the face analysis is loaded by whoever hands it in, not by this module
    from photocompare.core.pairing import PairResult
    from photocompare.settings import CheckThresholds

log = logging.getLogger(__name__)

DISPLAY_MAX_SIDE = 2048
HEAT_FULL_SCALE = 64.0  # grey-level difference shown as the hottest colour


class ProgressSink(Protocol):
    """Where a long preparation reports its steps (a worker's task context)."""

    def progress(self, done: int, total: int, message: str = "") -> None: ...


class PairAnalysis(Protocol):
    """The face analysis of a pair (the app's shared analysis service)."""

    def compare(
        self, before_path: str, after_path: str, thresholds: CheckThresholds | None, *, align: bool
    ) -> PairResult: ...


@dataclass
class PairPictures:
    """Display-resolution arrays, all in BEFORE's frame (H, W of `before`)."""

    before: np.ndarray
    after_taken: np.ndarray  # as taken, scaled to before's width (cropped/padded to its height)
    after_aligned: np.ndarray | None  # warped onto before by the face alignment
    full_width: int  # before's full-resolution width (100 % zoom)
    aligned_valid: np.ndarray | None = None  # bool (H, W): the warped after photo has pixels
    matched: dict[bool, np.ndarray] = field(default_factory=dict)  # aligned? -> lighting-matched
    heat: dict[tuple[bool, bool], np.ndarray] = field(default_factory=dict)
    midline_x: float | None = None  # face midline in display px of before
    eye_line_y: float | None = None
    # The before photo's face (landmark hull: x, y, w, h) in display px: the view opens on it.
    face_box: tuple[float, float, float, float] | None = None
    result: PairResult | None = None  # None when the analysis is unavailable
    note: str = ""  # why alignment / checks are missing

    def after(self, aligned: bool, matched: bool) -> np.ndarray:
        base = self.after_aligned if aligned and self.after_aligned is not None else self.after_taken
        key = aligned and self.after_aligned is not None
        if matched and key in self.matched:
            return self.matched[key]
        return base

    def heatmap(self, aligned: bool, matched: bool) -> np.ndarray:
        key = (aligned and self.after_aligned is not None, matched)
        if key not in self.heat:
            valid = self.aligned_valid if key[0] else None
            self.heat[key] = difference_heatmap(self.before, self.after(*key), valid)
        return self.heat[key]


def _resize(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    import cv2

    return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)


def _display_size(w: int, h: int) -> tuple[int, int, float]:
    s = min(1.0, DISPLAY_MAX_SIDE / max(w, h))
    return max(1, round(w * s)), max(1, round(h * s)), s


def _fit_into(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale to `width` keeping the aspect ratio; crop or pad (black) to `height`."""
    h, w = rgb.shape[:2]
    new_h = max(1, round(h * width / w))
    scaled = _resize(rgb, width, new_h)
    out = np.zeros((height, width, 3), np.uint8)
    top = max(0, (height - new_h) // 2)
    src_top = max(0, (new_h - height) // 2)
    rows = min(height, new_h)
    out[top : top + rows] = scaled[src_top : src_top + rows]
    return out


def difference_heatmap(before: np.ndarray, after: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """|luminance difference| as a colour map (fixed scale, so identical photos look dark).
    Outside `valid` (where the aligned after photo has no pixels) nothing is compared."""
    import cv2

    a = cv2.cvtColor(before, cv2.COLOR_RGB2GRAY).astype(np.float32)
    b = cv2.cvtColor(after, cv2.COLOR_RGB2GRAY).astype(np.float32)
    diff = cv2.GaussianBlur(np.abs(a - b), (0, 0), 1.5)
    if valid is not None:
        diff[~cv2.erode(valid.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)] = 0
    level = np.clip(diff * (255.0 / HEAT_FULL_SCALE), 0, 255).astype(np.uint8)
    heat = cv2.cvtColor(cv2.applyColorMap(level, cv2.COLORMAP_INFERNO), cv2.COLOR_BGR2RGB)
    grey = cv2.cvtColor(a.astype(np.uint8), cv2.COLOR_GRAY2RGB)
    return cv2.addWeighted(heat, 0.8, grey, 0.2, 0)


def prepare_pair(
    before_path: str,
    after_path: str,
    analysis: PairAnalysis | None,
    thresholds: CheckThresholds | None,
    ctx: ProgressSink | None = None,
) -> PairPictures:
    """Worker side: analyse and align the pair, then build the display pictures."""
    from photocompare.core.images import load_rgb

    def step(i: int, text: str) -> None:
        if ctx is not None:
            ctx.progress(i, 5, text)

    result, note = None, ""
    if analysis is not None:
        step(0, "Checking the pair…")
        try:
            result = analysis.compare(before_path, after_path, thresholds, align=True)
        except Exception as exc:  # the pictures are still worth showing
            log.warning("pair analysis failed: %s", exc)
            note = f"Analysis failed: {exc}"
    step(1, "Loading the photos…")
    before_img = load_rgb(before_path, max_side=DISPLAY_MAX_SIDE)
    after_img = load_rgb(after_path, max_side=DISPLAY_MAX_SIDE)
    before = before_img.rgb
    if max(before.shape[:2]) > DISPLAY_MAX_SIDE:
        dw, dh, _ = _display_size(before.shape[1], before.shape[0])
        before = _resize(before, dw, dh)
    dh, dw = before.shape[:2]
    before_scale = dw / before_img.full_width  # display px per full-res px
    after_taken = _fit_into(after_img.rgb, dw, dh)
    aligned = None
    aligned_valid = None
    alignment = getattr(result, "alignment", None) if result is not None else None
    if alignment is not None:
        step(2, "Aligning…")
        try:
            from photocompare.core.align import warp_with_coverage

            after_scale = after_img.rgb.shape[1] / after_img.full_width
            warped = warp_with_coverage(
                after_img.rgb, alignment, before.shape, after_scale=after_scale, before_scale=before_scale
            )
            aligned, aligned_valid = warped.rgb, warped.coverage
        except Exception as exc:
            log.warning("alignment warp failed: %s", exc)
            note = note or f"Alignment could not be applied: {exc}"
    elif result is not None and not note:
        note = "No alignment: a face was not found in both photos."
    pics = PairPictures(
        before=np.ascontiguousarray(before),
        after_taken=after_taken,
        after_aligned=aligned,
        aligned_valid=aligned_valid,
        full_width=before_img.full_width,
        result=result,
        note=note,
    )
    step(3, "Matching lighting (display only)…")
    try:
        from photocompare.core.align import match_photometric

        pics.matched[False] = np.ascontiguousarray(match_photometric(after_taken, pics.before))
        if aligned is not None:
            pics.matched[True] = np.ascontiguousarray(match_photometric(aligned, pics.before))
    except Exception as exc:  # lighting match is optional; the toggle is disabled without it
        log.info("lighting match unavailable: %s", exc)
    step(4, "Difference map…")
    default_aligned = aligned is not None
    pics.heatmap(default_aligned, False)
    face = getattr(getattr(result, "before", None), "face", None)
    if face is not None:
        s = before_scale
        bx, by, bw, bh = face.box
        if bw > 0 and bh > 0:
            pics.face_box = (float(bx * s), float(by * s), float(bw * s), float(bh * s))
        try:
            lm = np.asarray(face.landmarks_px)
            # midline through nose bridge (168) and chin (152); eye line through eye corners
            pics.midline_x = float((lm[168, 0] + lm[152, 0]) / 2 * s)
            pics.eye_line_y = float((lm[33, 1] + lm[263, 1]) / 2 * s)
        except Exception:
            x, y, w, h = face.box
            pics.midline_x = (x + w / 2) * s
    step(5, "Ready")
    return pics


def landmark_dot_radius_px(
    landmarks_px: np.ndarray, screen_px_per_px: float = 1.0, settings: CompareSettings | None = None
) -> float:
    """Radius of one landmark dot, in the px of the picture the `landmarks_px` are in (the dots
    are drawn on it), when that picture is shown at `screen_px_per_px` screen px per its px.

    478 landmarks sit within about two and a half inter-ocular distances (IOD); dots of a fixed
    size bury a small face (a 92 x 112 px photo's face has an IOD of ~30 px) and vanish on a
    large one. So the radius on screen follows the face: `landmark_dot_iod_fraction` of its IOD,
    clamped to the settings' [min, max] screen px so a dot is always visible and never larger
    than a pupil."""
    from photocompare.core.measures import eye_centres

    s = settings or CompareSettings()
    scale = screen_px_per_px if math.isfinite(screen_px_per_px) and screen_px_per_px > 0 else 1.0
    points = np.asarray(landmarks_px, dtype=np.float64)[:, :2]
    right, left = eye_centres(points)
    iod_screen = float(np.linalg.norm(left - right)) * scale
    if not math.isfinite(iod_screen) or iod_screen <= 0:
        return s.landmark_dot_min_px / scale
    radius = min(s.landmark_dot_max_px, max(s.landmark_dot_min_px, iod_screen * s.landmark_dot_iod_fraction))
    return radius / scale
