"""Live guidance: each frame of a camera or video compared with the baseline photo, as `check` would.

Frames come from OpenCV's `VideoCapture` (a camera by index — USB webcam, document camera, an
HDMI capture of a camera's live view — or a video file). A frame is analysed like a photo: the
same measures (`core.face`, `core.measures`) and the same pair checks (`core.checks`, thresholds
from `settings.CheckThresholds`) against the baseline, so `ready` means exactly "every check
`photocompare check` makes would pass". Differences are AFTER − BEFORE (the frame minus the
baseline), as in `check`.

Threads and hand-offs. A reader thread grabs frames; a landmark thread runs MediaPipe's
FaceLandmarker in VIDEO mode (it tracks the face from one frame to the next instead of searching
the whole frame each time); a measure thread computes the measures, checks, guidance and the
automatic capture. The hand-offs between them hold ONE item: with a camera a new frame replaces
one that was not taken yet (frames are dropped, never queued, so guidance is never behind the
patient); with a video file each hand-off waits, so every frame is processed, as fast as the
machine allows. The landmarks and the measures of consecutive frames run at the same time, which
is what keeps the processed rate close to the bare landmarker's.

The roll difference is taken from a similarity fit of the stable landmarks (eye corners, nose) —
steadier than the difference of two eye-line angles — the same fit that places the baseline
"ghost" over the live face.

What a frame costs, and why it is cheaper than `check` without checking less:
* per frame only what the pair checks read is measured on the frame itself (pose, framing,
  expression from the landmarks); the per-photo lighting and sharpness measures `check` prints
  for each photo are not needed: lighting and sharpness are judged on the aligned pair;
* the pair measures (`core.pair_measures.measure_pair`, exactly as `check` calls it) run on
  copies reduced to `CaptureSettings.live_pair_max_iod_px` between the eyes, aligned by the
  landmark fit refined at a small working scale; the baseline's copy, and its half of the
  measure (`pair_measures.prepare_before`), are made once; exposure and colour are measured on
  every frame, the two slow parts (the blur ladder and the relighting plane) on every frame
  that could be `ready` and otherwise on every `live_slow_measures_every_frames`-th frame
  (carried between: they only colour the statuses of frames that are off for another reason),
  so `ready`, and what is captured, always rests on the frame's own measures; the blur ladder
  is searched by galloping (`measure_pair(blur_search="gallop")`, the same σ as the walk);
* the identity descriptor (dlib, ~0.2 s) is computed once when a face appears and again only
  after the tracking was lost (no face, or the face jumped), never per frame; its similarity
  enters every frame's checks.

Readiness: every check `check` makes must pass, with one documented exception: a sharpness
WARN is accepted (`CaptureSettings.live_ready_accepts_sharpness_warn`; a FAIL still blocks),
because a webcam frame is rarely as crisp as a DSLR baseline and the captured photo is checked
again in full at import. When the identity model is missing, identity is "not checked" (a warn,
said once in the log and shown as the check's message): the frame is then never `ready`, so
nothing is captured automatically without knowing it is the same patient; the capture key
still works.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from photocompare.core import quiet
from photocompare.core.align import (
    STABLE_LANDMARKS,
    _stable_mask,
    robust_similarity,
    similarity_from_matrix,
    similarity_lk,
)
from photocompare.core.checks import PASS, WARN, PairCheck, check_sharpness, grade, pair_checks
from photocompare.core.errors import ModelMissing, PhotoCompareError
from photocompare.core.face import (
    _LIVE,
    FaceAnalyzer,
    FaceMeasures,
    PhotoMeasures,
)
from photocompare.core.face_detect import Detection, landmarks_iod, rotation_to_euler
from photocompare.core.measures import (
    Lighting,
    face_box,
    face_frame,
    measure_expression,
    measure_framing,
    measure_side_effects,
    roll_from_landmarks,
)
from photocompare.core.pair_measures import (
    PairMeasures,
    PreparedBefore,
    measure_pair,
    prepare_before,
)
from photocompare.settings import CaptureSettings, CheckThresholds, ImageLimits

log = logging.getLogger(__name__)

_FILE_QUEUE_FRAMES = 3  # a video file: frames waiting between stages (a camera: one, replaced)


class CaptureSourceError(PhotoCompareError):
    """A camera or video file that cannot be opened or read."""


class BaselineError(PhotoCompareError):
    """A baseline photo that cannot be used for guidance (e.g. no face in it)."""


# -- the frame analyser ---------------------------------------------------------------------------
class VideoFaceAnalyzer(FaceAnalyzer):
    """`FaceAnalyzer` with the landmarker in VIDEO mode: one face, tracked between frames.

    A frame is measured by the same code as a photo (`FaceAnalyzer._measure`); only detection
    differs: one landmarker call per frame at increasing timestamps (VIDEO mode requires them),
    no retries on crops or stretched copies (the next frame comes soon anyway).
    """

    def __init__(
        self,
        limits: ImageLimits | None = None,
        model_path: str | Path | None = None,
        max_side_px: int | None = None,
    ) -> None:
        from photocompare.core.model_file import find_model

        self.limits = limits or ImageLimits()
        self.max_side_px = max_side_px or self.limits.analysis_max_side_px
        path = Path(model_path) if model_path else find_model()
        self._lock = threading.Lock()
        self._last_ts_ms = -1
        with quiet.native_stderr_silenced():
            from mediapipe.tasks.python import BaseOptions, vision

            options = vision.FaceLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(path)),
                running_mode=vision.RunningMode.VIDEO,
                num_faces=1,
                min_face_detection_confidence=0.5,
                min_face_presence_confidence=0.5,
                min_tracking_confidence=0.5,
                output_facial_transformation_matrixes=True,
            )
            self._landmarker = vision.FaceLandmarker.create_from_options(options)
        _LIVE.add(self)

    def reduce(self, rgb: np.ndarray) -> np.ndarray:
        """The frame as analysed: reduced so its long side is at most `max_side_px`."""
        h, w = rgb.shape[:2]
        f = self.max_side_px / max(h, w)
        if f >= 1.0:
            return rgb
        return cv2.resize(rgb, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)

    def detect_frame(self, small_rgb: np.ndarray, timestamp_ms: int) -> list[Detection]:
        """Landmarks of the (reduced) frame; timestamps must increase (forced here if not)."""
        import mediapipe as mp

        if self._landmarker is None:
            raise RuntimeError("VideoFaceAnalyzer is closed")
        ts = max(int(timestamp_ms), self._last_ts_ms + 1)
        self._last_ts_ms = ts
        h, w = small_rgb.shape[:2]
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(small_rgb))
        with self._lock, quiet.native_stderr_silenced():
            result = self._landmarker.detect_for_video(image, ts)
        out: list[Detection] = []
        mats = result.facial_transformation_matrixes
        for i, points in enumerate(result.face_landmarks):
            arr = np.array([(p.x * w, p.y * h, p.z * w) for p in points], dtype=np.float64)
            matrix = np.array(mats[i], dtype=float) if mats and i < len(mats) else None
            out.append(Detection(arr, matrix))
        return out

    def measure_frame(
        self, small_rgb: np.ndarray, detections: list[Detection], full_size: tuple[int, int]
    ) -> PhotoMeasures:
        """The frame's `PhotoMeasures` (lengths in full-resolution frame pixels)."""
        h, w = small_rgb.shape[:2]
        scale = w / full_size[0]
        face = None
        if detections:
            face = _measure_live(small_rgb, detections[0], len(detections), scale, full_size)
        return PhotoMeasures(None, int(full_size[0]), int(full_size[1]), None, float(scale), face)

    def analyze_frame(self, rgb: np.ndarray, timestamp_ms: int) -> PhotoMeasures:
        """Both steps at once (full-resolution RGB frame in)."""
        small = self.reduce(rgb)
        return self.measure_frame(
            small, self.detect_frame(small, timestamp_ms), (rgb.shape[1], rgb.shape[0])
        )

    # A photo path analysed with this class would go through detect(): keep that working.
    def detect(self, rgb: np.ndarray) -> list[Detection]:
        return self.detect_frame(rgb, self._last_ts_ms + 33)


_UNMEASURED_LIGHTING = Lighting(*([float("nan")] * 10))


def _measure_live(
    rgb: np.ndarray, det: Detection, count: int, scale: float, full_size: tuple[int, int]
) -> FaceMeasures:
    """`FaceAnalyzer._measure` without the per-photo lighting and sharpness (NaN here).

    The pair checks judge lighting and sharpness on the aligned pair (`measure_pair`), so per
    frame only the landmark measures the checks read are taken (same functions as a photo's)."""
    pts = det.landmarks
    if det.matrix is not None:
        yaw, pitch, _ = rotation_to_euler(det.matrix[:3, :3])
    else:  # pragma: no cover - the model always outputs the matrix when asked
        yaw = pitch = float("nan")
    h, w = rgb.shape[:2]
    full = pts.copy()
    full[:, :3] /= scale
    bx, by, bw, bh = face_box(full, full_size)
    return FaceMeasures(
        faces_found=count,
        box=(bx, by, bw, bh),
        interocular_px=float(landmarks_iod(pts) / scale),
        yaw_deg=float(yaw),
        pitch_deg=float(pitch),
        roll_deg=float(roll_from_landmarks(pts)),
        framing=measure_framing(pts, w, h),
        lighting=_UNMEASURED_LIGHTING,
        sharpness=float("nan"),
        expression=measure_expression(pts),
        side_effects=measure_side_effects(pts),
        detection="video",
        landmarks_px=full,
    )


# -- the baseline ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Baseline:
    """The baseline photo measured once, and its analysed copy (shown as the ghost)."""

    path: str
    measures: PhotoMeasures
    rgb: np.ndarray = field(repr=False, compare=False)  # analysed copy (reduced)
    scale: float = 1.0  # rgb px per full-resolution px

    @functools.cached_property
    def registration(self) -> _Registration:
        return _Registration(self)

    def pair_copy(
        self, max_iod_px: float, thresholds: CheckThresholds
    ) -> tuple[_ReducedCopy, PreparedBefore]:
        """The baseline's reduced copy for the pair measures and its half of `measure_pair`
        (made once per size and thresholds)."""
        key = (float(max_iod_px), thresholds)
        with _COPY_LOCK:
            cache = self.__dict__.setdefault("_pair_copies", {})
            if key not in cache:
                assert self.measures.face is not None
                pts = self.measures.face.landmarks_px[:, :2] * self.scale
                copy = _reduce_around(self.rgb, pts, max_iod_px, whole=True)
                cache[key] = (copy, prepare_before(copy.rgb, copy.points, thresholds))
            return cache[key]


_COPY_LOCK = threading.Lock()


@dataclass(frozen=True)
class _ReducedCopy:
    """A (cropped) copy of an analysed image reduced by `f`: copy px = f·(analysed px − origin)."""

    rgb: np.ndarray
    points: np.ndarray  # (478, 2) landmarks in copy px
    f: float
    origin: tuple[float, float]

    def from_analysed(self) -> np.ndarray:
        """3x3 map from analysed px to copy px."""
        ox, oy = self.origin
        return np.array([[self.f, 0, -self.f * ox], [0, self.f, -self.f * oy], [0, 0, 1.0]])


def _reduce_around(
    rgb: np.ndarray, pts: np.ndarray, max_iod_px: float, whole: bool = False
) -> _ReducedCopy:
    """The face's surroundings (2 eye distances around the landmarks; the whole image when
    `whole`) reduced so the eye distance is at most `max_iod_px` — enough for the canonical
    frames `measure_pair` warps into, whose content and coverage tests see the same pixels."""
    _, _, _, iod = face_frame(pts)
    h, w = rgb.shape[:2]
    if whole:
        x0, y0, x1, y1 = 0, 0, w, h
    else:
        lo = np.floor(pts.min(axis=0) - 2.0 * iod).astype(int)
        hi = np.ceil(pts.max(axis=0) + 2.0 * iod).astype(int)
        x0, y0 = max(0, int(lo[0])), max(0, int(lo[1]))
        x1, y1 = min(w, int(hi[0])), min(h, int(hi[1]))
    crop = rgb[y0:y1, x0:x1]
    f = min(1.0, max_iod_px / max(iod, 1e-6))
    if f < 1.0:
        size = (max(1, round(crop.shape[1] * f)), max(1, round(crop.shape[0] * f)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        f_x, f_y = size[0] / max(x1 - x0, 1), size[1] / max(y1 - y0, 1)
        f = (f_x + f_y) / 2
    points = (pts - [x0, y0]) * f
    return _ReducedCopy(np.ascontiguousarray(crop), points, float(f), (float(x0), float(y0)))


def load_baseline(path: str | Path, analyzer: FaceAnalyzer | None = None) -> Baseline:
    """Measure the baseline photo (as `check` does). UnreadablePhoto / BaselineError."""
    from photocompare.core.face import analysis_side
    from photocompare.core.images import load_rgb

    path = Path(path)
    own = analyzer is None
    analyzer = analyzer or FaceAnalyzer()
    try:
        image = load_rgb(
            path, max_side=analysis_side(path, analyzer.limits), limits=analyzer.limits
        )
        measures = analyzer.analyze(image, path=path)
    finally:
        if own:
            analyzer.close()
    if measures.face is None:
        raise BaselineError(f"{path.name}: no face found in the baseline photo")
    return Baseline(str(path), measures, image.rgb, image.scale)


# -- frame-to-baseline registration ---------------------------------------------------------------
_WORK_IOD_PX = 48.0  # registration scale: 0.4× `check`'s, a sixth of its pixels per frame
_REFINE_ITERATIONS = 12


class _Registration:
    """The baseline side of the intensity refinement, prepared once per baseline.

    The same method as `core.align` (a similarity + gain/bias Gauss-Newton fit on the stable
    regions, eye corners and nose) at a smaller working scale, so it fits in a frame's time:
    on the test videos the roll it gives is within 0.3° of the truth while the landmarks of a
    moving head alone lag by up to 1°.
    """

    def __init__(self, baseline: Baseline) -> None:
        assert baseline.measures.face is not None
        pts = baseline.measures.face.landmarks_px[:, :2] * baseline.scale  # analysed px
        self.points = pts
        _, _, _, iod = face_frame(pts)
        self.iod = iod
        h, w = baseline.rgb.shape[:2]
        stable = pts[list(STABLE_LANDMARKS)]
        x0, y0 = stable.min(axis=0) - 0.6 * iod
        x1, y1 = stable.max(axis=0) + 0.6 * iod
        x0, y0 = int(max(0, x0)), int(max(0, y0))
        x1, y1 = int(min(w, x1)), int(min(h, y1))
        self.usable = x1 - x0 >= 16 and y1 - y0 >= 16
        self.f = min(2.0, max(0.1, _WORK_IOD_PX / max(iod, 1e-6)))
        zoom = np.diag([self.f, self.f, 1.0])
        self.to_crop = zoom @ np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1.0]])
        self.size = (max(1, round((x1 - x0) * self.f)), max(1, round((y1 - y0) * self.f)))
        grey = cv2.cvtColor(baseline.rgb, cv2.COLOR_RGB2GRAY)
        self.template = cv2.warpAffine(
            _low_pass(grey, self.f), self.to_crop[:2], self.size, flags=cv2.INTER_LINEAR
        ).astype(np.float32)
        cw, ch = self.size
        self.mask = _stable_mask(_apply(self.to_crop[:2], pts), (ch, cw), iod * self.f) > 0

    def refine(self, frame_rgb: np.ndarray, m_init: np.ndarray, frame_pts: np.ndarray) -> np.ndarray:
        """m_init (frame analysed px -> baseline analysed px) refined on the pixels; m_init
        itself when the fit does not converge or strays from the landmarks. Only the part of
        the frame that lands in the registration crop is converted and filtered."""
        if not self.usable:
            return m_init
        init_crop = self.to_crop @ _homogeneous(m_init)  # frame px -> crop px
        cw, ch = self.size
        corners = np.array([[0, 0], [cw, 0], [0, ch], [cw, ch]], dtype=float)
        back = _apply(np.linalg.inv(init_crop)[:2], corners)
        fh, fw = frame_rgb.shape[:2]
        x0, y0 = (np.floor(back.min(axis=0)) - 4).astype(int)
        x1, y1 = (np.ceil(back.max(axis=0)) + 4).astype(int)
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(fw, x1), min(fh, y1)
        if x1 - x0 < 8 or y1 - y0 < 8:
            return m_init
        grey = cv2.cvtColor(frame_rgb[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY)
        from_region = init_crop @ np.array([[1, 0, x0], [0, 1, y0], [0, 0, 1.0]])
        warped = cv2.warpAffine(
            _low_pass(grey, self.f * _scale_of(m_init)), from_region[:2], self.size,
            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE,
        ).astype(np.float32)
        warp = similarity_lk(self.template, warped, self.mask, iterations=_REFINE_ITERATIONS)
        if warp is None:
            return m_init
        total = (np.linalg.inv(self.to_crop) @ np.linalg.inv(_homogeneous(warp)) @ init_crop)[:2]
        rot0, sc0 = similarity_from_matrix(m_init)
        rot1, sc1 = similarity_from_matrix(total)
        idx = list(STABLE_LANDMARKS)
        moved = np.linalg.norm(_apply(total, frame_pts[idx]) - _apply(m_init, frame_pts[idx]), axis=1)
        if abs(rot1 - rot0) < 3.0 and abs(sc1 / sc0 - 1) < 0.05 and moved.max() < 0.15 * self.iod:
            return total
        return m_init


def _low_pass(grey: np.ndarray, f: float) -> np.ndarray:
    """Blur before shrinking by `f` so the linear resampling does not alias."""
    return cv2.GaussianBlur(grey, (0, 0), 0.45 / f) if f < 0.9 else grey


def _scale_of(m: np.ndarray) -> float:
    return float(math.hypot(m[0, 0], m[1, 0]))


def _apply(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return pts @ m[:, :2].T + m[:, 2]


def _homogeneous(m: np.ndarray) -> np.ndarray:
    return np.vstack([m, [0.0, 0.0, 1.0]])


def frame_to_baseline(
    baseline: Baseline, frame: PhotoMeasures, frame_rgb: np.ndarray | None = None
) -> np.ndarray:
    """2x3 similarity taking frame full-resolution px to baseline full-resolution px: a robust
    fit of the stable landmarks, refined on the pixels when the frame's analysed copy is given."""
    assert frame.face is not None and baseline.measures.face is not None
    idx = list(STABLE_LANDMARKS)
    reg = baseline.registration
    frame_pts = frame.face.landmarks_px[:, :2] * frame.analysis_scale
    m_a = robust_similarity(frame_pts[idx], reg.points[idx], reg.iod)
    if frame_rgb is not None:
        m_a = reg.refine(frame_rgb, m_a, frame_pts)
    sb = np.diag([1 / baseline.scale, 1 / baseline.scale, 1.0])
    sa = np.diag([frame.analysis_scale, frame.analysis_scale, 1.0])
    return (sb @ _homogeneous(m_a) @ sa)[:2]


# -- one frame's guidance -------------------------------------------------------------------------
@dataclass(frozen=True)
class FrameGuidance:
    """The frame against the baseline: differences (frame − baseline), statuses, readiness."""

    index: int
    face: bool
    yaw_diff_deg: float | None
    pitch_diff_deg: float | None
    roll_diff_deg: float | None
    scale_ratio: float | None
    offset_iod: float | None
    exposure_diff_ev: float | None
    ready: bool
    offset_x_iod: float | None = None  # face centre moved right (+) on screen, in baseline IODs
    offset_y_iod: float | None = None  # ... moved down (+)
    statuses: dict[str, str] = field(default_factory=dict)  # check name -> pass/warn/fail
    messages: dict[str, str] = field(default_factory=dict)  # check name -> check's message
    # 2x3 matrix taking baseline full-resolution px to frame full-resolution px (the ghost)
    ghost_matrix: tuple[tuple[float, ...], ...] | None = None
    frame_size: tuple[int, int] = (0, 0)

    def to_json(self) -> dict[str, Any]:
        """The `guide --json` "frame" line (the contract's keys only)."""
        return {
            "event": "frame",
            "index": self.index,
            "face": self.face,
            "yaw_diff_deg": _r(self.yaw_diff_deg),
            "pitch_diff_deg": _r(self.pitch_diff_deg),
            "roll_diff_deg": _r(self.roll_diff_deg),
            "scale_ratio": _r(self.scale_ratio),
            "offset_iod": _r(self.offset_iod),
            "exposure_diff_ev": _r(self.exposure_diff_ev),
            "ready": self.ready,
        }


def _r(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), 4)


def live_pair_measures(
    baseline: Baseline,
    frame: PhotoMeasures,
    frame_rgb: np.ndarray,
    to_baseline: np.ndarray,
    thresholds: CheckThresholds,
    max_iod_px: float,
    slow: LiveSlowMeasures | None = None,
    index: int = 0,
) -> PairMeasures:
    """`measure_pair` of the baseline and the frame, as `check` runs it, on reduced copies.

    `frame_rgb` is the frame's analysed copy; `to_baseline` (2x3) takes frame full-resolution
    px to baseline full-resolution px (`frame_to_baseline`). With `slow`, the blur and the
    relighting are measured only when due (`LiveSlowMeasures`), their last figures used between."""
    assert frame.face is not None and baseline.measures.face is not None
    bc, prepared = baseline.pair_copy(max_iod_px, thresholds)
    fs = frame.analysis_scale
    fc = _reduce_around(frame_rgb, frame.face.landmarks_px[:, :2] * fs, max_iod_px)
    a2b = (
        bc.from_analysed()
        @ np.diag([baseline.scale, baseline.scale, 1.0])
        @ _homogeneous(to_baseline)
        @ np.diag([1 / fs, 1 / fs, 1.0])
        @ np.linalg.inv(fc.from_analysed())
    )
    b_iod = baseline.measures.face.interocular_px
    args = (bc.rgb, bc.points, fc.rgb, fc.points, a2b, b_iod, thresholds)
    if slow is None or slow.due(index):
        pm = measure_pair(*args, before=prepared, blur_search="gallop")
        if slow is not None:
            slow.store(index, pm, _slow_parts_pass(pm, thresholds, slow.accept_sharpness_warn))
        return pm
    pm = measure_pair(*args, blur=False, relight=False, before=prepared)
    return dataclasses.replace(pm, **slow.figures)


def _slow_parts_pass(pm: PairMeasures, t: CheckThresholds, accept_sharpness_warn: bool) -> bool:
    """True when the relighting and the blur of a full measure do not stand in the way of
    `ready` (relighting passes; sharpness passes, or warns where a warn is accepted)."""
    relight = grade(pm.relight_ev_per_iod, t.relight_warn_ev_per_iod) == PASS and grade(
        pm.relight_spread_ev, t.relight_spread_warn_ev
    ) == PASS
    sharp = check_sharpness(pm, t).status
    return relight and (sharp == PASS or (sharp == WARN and accept_sharpness_warn))


class LiveSlowMeasures:
    """The slow parts of a frame's pair measures (the blur ladder and the relighting plane):
    taken on the first frame of a face, every `every` frames after, and whenever `force()`
    asks (`evaluate_frame` does for every frame that would be ready with carried figures);
    frames in between carry the last figures — only ever ones that do not block `ready`:
    while they would, every frame is measured in full."""

    FIELDS = (
        "relight_ev_per_iod", "relight_u_ev_per_iod", "relight_v_ev_per_iod",
        "relight_spread_ev", "blur_sigma_iod", "blur_sigma_px", "blurrier",
        "blur_compared_iod_px",
    )

    def __init__(self, every: int, accept_sharpness_warn: bool = True) -> None:
        self.every = max(1, int(every))
        self.accept_sharpness_warn = accept_sharpness_warn
        self.figures: dict[str, Any] = {}
        self.measured_index: int | None = None
        self._forced = False
        # The frame before was ready: the next one most likely is too, and would be measured
        # twice (with carried figures, then its own) — measure it in full at once.
        self.previous_ready = False

    def due(self, index: int) -> bool:
        last = self.measured_index
        return (
            self._forced or self.previous_ready or last is None
            or index - last >= self.every or index < last
        )

    def store(self, index: int, pm: PairMeasures, passed: bool = True) -> None:
        """Keep the figures of a frame measured in full. Figures that do not pass are never
        carried to later frames: the next frame is measured in full again (`passed=False`)."""
        self.figures = {name: getattr(pm, name) for name in self.FIELDS}
        self.measured_index, self._forced = index, not passed

    def force(self) -> None:
        self._forced = True

    def reset(self) -> None:
        """The face was lost: the next face is measured in full on its first frame."""
        self.measured_index = None
        self.previous_ready = False


def live_ready(checks: dict[str, PairCheck], capture: CaptureSettings | None = None) -> bool:
    """Every check passes; a sharpness WARN is accepted when the settings say so (see the
    module docstring: the captured photo is checked again, sharpness included, at import)."""
    capture = capture or CaptureSettings()
    for name, check in checks.items():
        if check.status == PASS:
            continue
        if name == "sharpness" and check.status == WARN and capture.live_ready_accepts_sharpness_warn:
            continue
        return False
    return True


def evaluate_frame(
    index: int,
    baseline: Baseline,
    frame: PhotoMeasures,
    thresholds: CheckThresholds | None = None,
    frame_rgb: np.ndarray | None = None,
    *,
    identity_similarity: float | None = None,
    identity_note: str | None = None,
    capture: CaptureSettings | None = None,
    slow: LiveSlowMeasures | None = None,
) -> FrameGuidance:
    """Compare one measured frame with the baseline using the pair checks of `check`.

    `frame_rgb` is the analysed (reduced) copy of the frame: the pair measures (exposure,
    colour, light direction, blur) are taken on it, and the roll difference comes from the
    intensity-refined alignment, as in `check`. `identity_similarity` comes from
    `LiveIdentity` (computed once per tracked face); None means "not checked" and
    `identity_note` then says why (e.g. the identity model is missing). `slow` (see
    `LiveSlowMeasures`) takes blur and relighting at a lower rate; without it, every frame."""
    thresholds = thresholds or CheckThresholds()
    capture = capture or CaptureSettings()
    size = (frame.width, frame.height)
    b = baseline.measures
    if frame.face is None or b.face is None:
        if slow is not None:
            slow.reset()
        return FrameGuidance(index, False, None, None, None, None, None, None, False, frame_size=size)
    if frame_rgb is None:
        raise ValueError("evaluate_frame needs the frame's analysed copy for the pair measures")
    to_baseline = frame_to_baseline(baseline, frame, frame_rgb)  # frame px -> baseline px
    rotation_deg, _scale = similarity_from_matrix(to_baseline)
    roll_diff = -rotation_deg

    def measured_checks() -> dict[str, PairCheck]:
        pair = live_pair_measures(
            baseline, frame, frame_rgb, to_baseline, thresholds, capture.live_pair_max_iod_px,
            slow, index,
        )
        checks = pair_checks(
            b, frame, thresholds, roll_diff_deg=roll_diff, pair=pair,
            identity_similarity=identity_similarity,
        )
        if identity_similarity is None and identity_note:
            checks["identity"] = PairCheck(WARN, identity_note, checks["identity"].numbers)
        return checks

    checks = measured_checks()
    if slow is not None and slow.measured_index != index and live_ready(checks, capture):
        # Carried blur and relighting figures never make a frame ready: measure its own.
        slow.force()
        checks = measured_checks()
    ready = live_ready(checks, capture)
    if slow is not None:
        slow.previous_ready = ready
    angle, framing, lighting = checks["angle"].numbers, checks["framing"].numbers, checks["lighting"].numbers
    fb, fa = b.face.framing, frame.face.framing
    iod = max(b.face.interocular_px, 1e-9)
    dx = (fa.centre_x_rel - fb.centre_x_rel) * b.width / iod
    dy = (fa.centre_y_rel - fb.centre_y_rel) * b.height / iod
    to_frame = np.linalg.inv(np.vstack([to_baseline, [0.0, 0.0, 1.0]]))[:2]
    return FrameGuidance(
        index=index,
        face=True,
        yaw_diff_deg=angle["yaw_diff_deg"],
        pitch_diff_deg=angle["pitch_diff_deg"],
        roll_diff_deg=angle["roll_diff_deg"],
        scale_ratio=framing["scale_ratio"],
        offset_iod=framing["offset_iod"],
        exposure_diff_ev=lighting["exposure_diff_ev"],
        ready=ready,
        offset_x_iod=float(dx),
        offset_y_iod=float(dy),
        statuses={name: c.status for name, c in checks.items()},
        messages={name: c.message for name, c in checks.items()},
        ghost_matrix=tuple(tuple(float(v) for v in row) for row in to_frame),
        frame_size=size,
    )


# -- identity, once per tracked face --------------------------------------------------------------
_TRACK_JUMP_IOD = 1.0  # a face centre moving further than this between frames is a new face
IDENTITY_MISSING_NOTE = (
    "Same person not checked: the identity model is missing ({reason}); "
    "automatic capture is off until it is restored"
)


class LiveIdentity:
    """Similarity of the live face to the baseline face, computed when a face appears.

    The descriptor network (dlib, ~0.2 s a face) runs on the measure thread when the face
    first appears and again only when tracking was lost (a frame without a face, or the face
    jumping more than an eye distance, as when another person steps in); in between, the
    similarity found is reused for every frame. `model` is an `IdentityModel` or a function
    returning one (default: the shipped model, `IdentityModel.shared`)."""

    def __init__(self, baseline: Baseline, model: Any = None) -> None:
        self._baseline = baseline
        self._model_source = model
        self._model: Any = None
        self._baseline_descriptor: np.ndarray | None = None
        self._last_centre: np.ndarray | None = None
        self.similarity: float | None = None
        self.note: str | None = None  # why identity is not checked (said once in the log)
        self.computed = 0  # descriptors computed for live faces (for tests and diagnostics)

    def update(self, frame: PhotoMeasures, frame_rgb: np.ndarray) -> float | None:
        """The similarity for this frame (None: not checked; see `note`)."""
        if frame.face is None:
            self._last_centre = None  # tracking lost: the next face is identified again
            self.similarity = None
            return None
        centre = frame.face.landmarks_px[:, :2].mean(axis=0)
        last, self._last_centre = self._last_centre, centre
        if last is not None and np.linalg.norm(centre - last) <= _TRACK_JUMP_IOD * frame.face.interocular_px:
            return self.similarity
        self.similarity = self._compute(frame, frame_rgb)
        return self.similarity

    def _compute(self, frame: PhotoMeasures, frame_rgb: np.ndarray) -> float | None:
        from photocompare.core.identity import IdentityModel, photo_descriptor, similarity

        if self.note is not None:
            return None
        try:
            if self._model is None:
                source = self._model_source
                if source is None:
                    self._model = IdentityModel.shared()
                else:
                    self._model = source() if callable(source) and not isinstance(source, IdentityModel) else source
            if self._baseline_descriptor is None:
                b = self._baseline
                self._baseline_descriptor = photo_descriptor(b.measures, b.rgb, self._model)
            descriptor = photo_descriptor(frame, frame_rgb, self._model)
        except (ModelMissing, ImportError) as exc:
            self.note = IDENTITY_MISSING_NOTE.format(reason=str(exc).split(";")[0])
            log.warning("live guidance: %s", self.note)
            return None
        self.computed += 1
        if self._baseline_descriptor is None or descriptor is None:
            return None
        return similarity(self._baseline_descriptor, descriptor)


def _amount(deg: float) -> str:
    return f"{abs(deg):.0f}°" if abs(deg) >= 1.95 else f"{abs(deg):.1f}°"


def _stops(ev: float) -> str:
    text = f"{abs(ev):.1f}".rstrip("0").rstrip(".")
    return f"{text} stop" if text == "1" else f"{text} stops"


def guidance_words(g: FrameGuidance, thresholds: CheckThresholds | None = None) -> list[str]:
    """What to change, in words for the person at the camera, most important first.

    Directions are the patient's (as in `check`): a head turned further to the patient's left
    than in the baseline must turn back to the patient's right.
    """
    t = thresholds or CheckThresholds()
    if not g.face:
        return ["no face in view"]
    words: list[str] = []
    if g.yaw_diff_deg is not None and abs(g.yaw_diff_deg) > t.yaw_warn_deg:
        side = "right" if g.yaw_diff_deg > 0 else "left"
        words.append(f"turn {_amount(g.yaw_diff_deg)} to the patient's {side}")
    if g.pitch_diff_deg is not None and abs(g.pitch_diff_deg) > t.pitch_warn_deg:
        way = "down" if g.pitch_diff_deg > 0 else "up"
        words.append(f"chin {way} {_amount(g.pitch_diff_deg)}")
    if g.roll_diff_deg is not None and abs(g.roll_diff_deg) > t.roll_fail_deg:
        way = "clockwise" if g.roll_diff_deg > 0 else "counter-clockwise"
        words.append(f"straighten the head {_amount(g.roll_diff_deg)} {way}")
    if g.scale_ratio is not None and not math.isnan(g.scale_ratio):
        if g.scale_ratio < t.scale_warn_low:
            words.append("move closer")
        elif g.scale_ratio > t.scale_warn_high:
            words.append("move back")
    if g.offset_iod is not None and g.offset_iod > t.offset_warn_iod:
        dx, dy = g.offset_x_iod or 0.0, g.offset_y_iod or 0.0
        way = ("left" if dx > 0 else "right") if abs(dx) >= abs(dy) else ("up" if dy > 0 else "down")
        words.append(f"move the face {way} in the frame ({g.offset_iod:.1f} eye-distances)")
    if g.exposure_diff_ev is not None and abs(g.exposure_diff_ev) > t.exposure_warn_ev:
        words.append(f"{_stops(g.exposure_diff_ev)} too {'bright' if g.exposure_diff_ev > 0 else 'dark'}")
    for name in ("identity", "lighting", "expression", "sharpness", "framing"):
        if g.statuses.get(name, PASS) != PASS and not _covered(name, g, t):
            words.append(_live(g.messages[name]))
    return words or ["matches the baseline"]


def _live(message: str) -> str:
    """A pair-check message reworded for the live picture (the "after photo" is the frame)."""
    return (
        message.replace("The after photo is blurrier", "The picture is blurrier than the baseline")
        .replace(" in the after photo", " than in the baseline")
        .replace("the after photo is", "the picture is")
        .replace("The after photo", "The picture")
    )


def _covered(name: str, g: FrameGuidance, t: CheckThresholds) -> bool:
    """True when the words above already say what this failing check is about."""
    if name == "lighting":
        msg = g.messages.get(name, "")
        return ";" not in msg and "stops" in msg and "side" not in msg and "direction" not in msg and "colour" not in msg.lower()
    if name == "framing":
        msg = g.messages.get(name, "")
        return "cut off" not in msg
    return False


# -- hand-off between threads ---------------------------------------------------------------------
class _Handoff:
    """Hand-off between two threads. `drop=True` (a camera): ONE slot, a new item replaces one
    not taken yet (counted in `dropped`) — frames are dropped, never queued. `drop=False` (a
    file, where every frame is processed): `put` waits while `capacity` items are waiting; a
    few places smooth out the stages' frame-to-frame jitter so neither stage idles."""

    def __init__(self, drop: bool, capacity: int = 1) -> None:
        self.drop = drop
        self.capacity = 1 if drop else max(1, capacity)
        self.dropped = 0
        self._items: deque[Any] = deque()
        self._closed = False
        self._cond = threading.Condition()

    def put(self, item: Any) -> bool:
        with self._cond:
            if not self.drop:
                while len(self._items) >= self.capacity and not self._closed:
                    self._cond.wait(0.1)
            if self._closed:
                return False
            if self.drop and self._items:
                self._items.clear()
                self.dropped += 1
            self._items.append(item)
            self._cond.notify_all()
            return True

    def get(self) -> Any:
        """The next item, or None once closed and empty."""
        with self._cond:
            while not self._items and not self._closed:
                self._cond.wait(0.1)
            if not self._items:
                return None
            item = self._items.popleft()
            self._cond.notify_all()
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


# -- the whole loop -------------------------------------------------------------------------------
@dataclass(frozen=True)
class GuideSummary:
    """The `guide --json` "done" line: frames read, frames processed, processed per second."""

    frames: int
    processed: int
    fps: float
    dropped: int
    captured: tuple[str, ...] = ()
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "event": "done",
            "frames": self.frames,
            "processed": self.processed,
            "fps": round(self.fps, 2),
        }


@dataclass
class _Frame:
    index: int
    timestamp_ms: int
    rgb: np.ndarray  # full resolution
    small: np.ndarray | None = None
    detections: list[Detection] | None = None


def parse_source(source: str | int) -> str | int:
    """A camera index ("0", 1) or a video file path."""
    if isinstance(source, int):
        return source
    text = str(source).strip()
    if text.isdigit() and not Path(text).exists():
        return int(text)
    return text


def open_source(source: str | int) -> tuple[cv2.VideoCapture, bool]:
    """(capture, is_camera). CaptureSourceError with one line when it cannot be opened."""
    src = parse_source(source)
    if isinstance(src, int):
        with quiet.native_stderr_silenced():
            cap = cv2.VideoCapture(src)
        if not cap.isOpened():
            cap.release()
            raise CaptureSourceError(
                f"camera {src} could not be opened (not connected, in use by another program, "
                "or camera access not allowed)"
            )
        return cap, True
    path = Path(src)
    if not path.exists():
        raise CaptureSourceError(f"{path}: video file not found")
    if not path.is_file():
        raise CaptureSourceError(f"{path}: not a video file")
    with quiet.native_stderr_silenced():
        cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise CaptureSourceError(f"{path}: cannot be opened as a video")
    return cap, False


class LiveGuide:
    """Frames from a camera or video, compared with a baseline photo, on worker threads.

    `run()` blocks until the source ends, `max_frames` were read or `stop` is set; results go to
    `on_result(FrameGuidance)` and captures to `on_capture(path, index)`, both called on the
    measure thread. A UI reads `latest_frame()` for its preview at its own pace.
    """

    def __init__(
        self,
        source: str | int,
        baseline: str | Path | Baseline,
        *,
        thresholds: CheckThresholds | None = None,
        capture: CaptureSettings | None = None,
        limits: ImageLimits | None = None,
        hold_frames: int | None = None,
        capture_dir: str | Path | None = None,
        realtime: bool | None = None,
        analyzer: VideoFaceAnalyzer | None = None,
        identity_model: Any = None,
    ) -> None:
        """`identity_model`: an `IdentityModel` or a function returning one (default: the
        shipped model); see `LiveIdentity`."""
        self.source = parse_source(source)
        self.thresholds = thresholds or CheckThresholds()
        self.capture_settings = capture or CaptureSettings()
        self.limits = limits or ImageLimits()
        self.hold_frames = max(1, int(hold_frames or self.capture_settings.hold_frames))
        self.capture_dir = Path(capture_dir) if capture_dir is not None else None
        # Automatic capture after the hold (a window can switch it off and keep the key).
        self.auto_capture = self.capture_dir is not None
        self._realtime = realtime
        self._baseline_source = baseline
        self.baseline: Baseline | None = baseline if isinstance(baseline, Baseline) else None
        self._analyzer = analyzer
        self._identity_model = identity_model
        self.identity: LiveIdentity | None = None
        self._latest: tuple[int, np.ndarray] | None = None
        self._latest_lock = threading.Lock()
        self._capture_requested = threading.Event()
        self.last_guidance: FrameGuidance | None = None

    # -- for a UI -------------------------------------------------------------------------------
    def latest_frame(self) -> tuple[int, np.ndarray] | None:
        """(index, full-resolution RGB) of the newest frame read (for a preview)."""
        with self._latest_lock:
            return self._latest

    def request_capture(self) -> None:
        """Save the next processed frame whatever the checks say (a key or button press)."""
        self._capture_requested.set()

    # -- the loop ---------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Open the baseline (and fail early, with one line, on a bad one)."""
        if self.baseline is None:
            self.baseline = load_baseline(self._baseline_source)

    def run(
        self,
        on_result: Callable[[FrameGuidance], None] | None = None,
        on_capture: Callable[[Path, int], None] | None = None,
        *,
        max_frames: int | None = None,
        stop: threading.Event | None = None,
    ) -> GuideSummary:
        stop = stop or threading.Event()
        self.prepare()
        cap, is_camera = open_source(self.source)
        realtime = is_camera if self._realtime is None else self._realtime
        own_analyzer = self._analyzer is None
        analyzer = self._analyzer or VideoFaceAnalyzer(
            self.limits, max_side_px=self.capture_settings.live_analysis_max_side_px
        )
        to_landmarks = _Handoff(drop=realtime, capacity=_FILE_QUEUE_FRAMES)
        to_measures = _Handoff(drop=realtime, capacity=_FILE_QUEUE_FRAMES)
        counts = {"frames": 0, "processed": 0}
        captured: list[str] = []
        errors: list[BaseException] = []
        times: list[float] = []

        def reader() -> None:
            fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
            period = 1.0 / fps if (not is_camera and realtime and 1.0 <= fps <= 240.0) else 0.0
            t0 = time.monotonic()
            index = 0
            try:
                while not stop.is_set() and (max_frames is None or index < max_frames):
                    if period:
                        delay = t0 + index * period - time.monotonic()
                        if delay > 0:
                            stop.wait(delay)
                    ok, bgr = cap.read()
                    if not ok or bgr is None:
                        if index == 0:
                            errors.append(CaptureSourceError(_no_frame_message(self.source)))
                        break
                    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                    if is_camera:
                        ts = int((time.monotonic() - t0) * 1000)
                    else:
                        ts = int(round(index * 1000.0 / fps)) if fps > 0 else index * 33
                    with self._latest_lock:
                        self._latest = (index, rgb)
                    if not times:
                        times.append(time.monotonic())
                    index += 1
                    counts["frames"] = index
                    if not to_landmarks.put(_Frame(index - 1, ts, rgb)):
                        break  # the analysis stopped
            except Exception as exc:  # pragma: no cover - a driver failing mid-stream
                errors.append(exc)
            finally:
                to_landmarks.close()

        def landmarks() -> None:
            try:
                while (item := to_landmarks.get()) is not None and not stop.is_set():
                    item.small = analyzer.reduce(item.rgb)
                    item.detections = analyzer.detect_frame(item.small, item.timestamp_ms)
                    if not to_measures.put(item):
                        break
            except Exception as exc:
                errors.append(exc)
                stop.set()
            finally:
                to_landmarks.close()  # a reader waiting to hand over a frame gives up
                to_measures.close()

        assert self.baseline is not None
        identity = self.identity = LiveIdentity(self.baseline, self._identity_model)
        slow = LiveSlowMeasures(
            self.capture_settings.live_slow_measures_every_frames,
            self.capture_settings.live_ready_accepts_sharpness_warn,
        )

        def measures() -> None:
            held = 0
            stretch_taken = False
            try:
                while (item := to_measures.get()) is not None and not stop.is_set():
                    frame = analyzer.measure_frame(
                        item.small, item.detections or [], (item.rgb.shape[1], item.rgb.shape[0])
                    )
                    g = evaluate_frame(
                        item.index, self.baseline, frame, self.thresholds, item.small,
                        identity_similarity=identity.update(frame, item.small),
                        identity_note=identity.note, capture=self.capture_settings, slow=slow,
                    )
                    self.last_guidance = g
                    counts["processed"] += 1
                    if on_result is not None:
                        on_result(g)
                    held = held + 1 if g.ready else 0
                    if not g.ready:
                        stretch_taken = False
                    take = self._capture_requested.is_set()
                    if self.auto_capture and held >= self.hold_frames and not stretch_taken:
                        take, stretch_taken = True, True
                    if take:
                        self._capture_requested.clear()
                        path = self._save(item.rgb, item.index)
                        if path is not None:
                            captured.append(str(path))
                            if on_capture is not None:
                                on_capture(path, item.index)
                times.append(time.monotonic())
            except Exception as exc:
                errors.append(exc)
                stop.set()
                to_measures.close()

        threads = [
            threading.Thread(target=fn, name=f"live-guide-{fn.__name__}", daemon=True)
            for fn in (reader, landmarks, measures)
        ]
        try:
            for t in threads:
                t.start()
            for t in threads:
                while t.is_alive():
                    t.join(0.2)
        finally:
            stop.set()
            to_landmarks.close()
            to_measures.close()
            for t in threads:
                t.join(5)
            cap.release()
            if own_analyzer:
                analyzer.close()
        if errors:
            # An expected refusal or a closed output pipe (`guide --json | head`) passes as it is.
            raise errors[0] if isinstance(errors[0], (PhotoCompareError, BrokenPipeError)) else CaptureSourceError(
                f"{self.source}: frames could not be analysed ({type(errors[0]).__name__}: {errors[0]})"
            )
        seconds = (times[-1] - times[0]) if len(times) >= 2 else 0.0
        fps = counts["processed"] / seconds if seconds > 0 else 0.0
        return GuideSummary(
            counts["frames"], counts["processed"], fps,
            to_landmarks.dropped + to_measures.dropped, tuple(captured), seconds,
        )

    def _save(self, rgb: np.ndarray, index: int) -> Path | None:
        """Write the full-resolution frame into the capture folder (atomically: a hot folder
        watching it never sees half a file). Where no folder is set, nothing is written."""
        if self.capture_dir is None:
            return None
        settings = self.capture_settings
        ext = ".png" if settings.capture_format.lower() == "png" else ".jpg"
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = self.capture_dir / f"capture-{stamp}-{index:06d}{ext}"
        tmp = target.with_name(target.name + ".part")
        params = (
            [cv2.IMWRITE_PNG_COMPRESSION, 3]
            if ext == ".png"
            else [cv2.IMWRITE_JPEG_QUALITY, int(settings.capture_jpeg_quality)]
        )
        ok, data = cv2.imencode(ext, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), params)
        if not ok:
            log.warning("frame %d could not be encoded", index)
            return None
        try:
            with open(tmp, "wb") as fh:
                fh.write(data.tobytes())
            os.replace(tmp, target)
        except OSError as exc:
            raise PhotoCompareError(
                f"{self.capture_dir}: the captured frame could not be saved ({exc.strerror or exc})"
            ) from None
        return target


def _no_frame_message(source: str | int) -> str:
    if isinstance(source, int):
        return f"camera {source} gave no picture (in use by another program, or access not allowed)"
    return f"{source}: no frame could be read from the video"
