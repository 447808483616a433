"""The baseline of live guidance: the baseline photo measured once, its reduced copies for the pair
measures, and the registration that maps each frame onto it.

Kept apart because everything here is prepared ONCE per baseline (the analysed copy, the
reduced copy and its half of `measure_pair`, the registration template) and then only read by
the per-frame evaluation (`core.live_evaluate`) and the ghost drawn over the live picture.

The roll difference is taken from a similarity fit of the stable landmarks (eye corners, nose) —
steadier than the difference of two eye-line angles — the same fit that places the baseline
"ghost" over the live face; the fit is refined on the pixels at a small working scale
(`_Registration`) so it fits in a frame's time.
"""

from __future__ import annotations

import functools
import math
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from photocompare.core.align import (
    STABLE_LANDMARKS,
    _stable_mask,
    robust_similarity,
    similarity_from_matrix,
    similarity_lk,
)
from photocompare.core.errors import PhotoCompareError
from photocompare.core.face import FaceAnalyzer, PhotoMeasures
from photocompare.core.face_detect import frame_pose
from photocompare.core.measures import face_frame
from photocompare.core.pair_measures import PHOTO_IOD_PX, PreparedBefore, prepare_before
from photocompare.settings import CheckThresholds


class BaselineError(PhotoCompareError):
    """A baseline photo that cannot be used for guidance (e.g. no face in it)."""


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
        self, max_iod_px: float, thresholds: CheckThresholds, photometry_iod_px: float = PHOTO_IOD_PX
    ) -> tuple[_ReducedCopy, PreparedBefore]:
        """The baseline's reduced copy for the pair measures and its half of `measure_pair`
        (made once per size, photometry size and thresholds)."""
        key = (float(max_iod_px), thresholds, float(photometry_iod_px))
        with _COPY_LOCK:
            cache = self.__dict__.setdefault("_pair_copies", {})
            if key not in cache:
                assert self.measures.face is not None
                pts = self.measures.face.landmarks_px[:, :2] * self.scale
                copy = _reduce_around(self.rgb, pts, max_iod_px, whole=True)
                cache[key] = (
                    copy, prepare_before(copy.rgb, copy.points, thresholds, photometry_iod_px)
                )
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
    # Frames are posed from one landmark set each (`frame_pose`, no re-fit); the photo analysis
    # averages re-fitted views, which on the same face reads pitch up to ~3° apart from it. So
    # the baseline is posed here the way a frame is, and a difference compares like with like.
    yaw, pitch = frame_pose(measures.face.landmarks_px, None, analyzer.model_path)
    if math.isfinite(yaw) and math.isfinite(pitch):
        measures = replace(measures, face=replace(measures.face, yaw_deg=yaw, pitch_deg=pitch))
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

    def refine(
        self,
        frame_rgb: np.ndarray,
        m_init: np.ndarray,
        frame_pts: np.ndarray,
        track: dict | None = None,
    ) -> np.ndarray:
        """m_init (frame analysed px -> baseline analysed px) refined on the pixels; m_init
        itself when the fit does not converge or strays from the landmarks. Only the part of
        the frame that lands in the registration crop is converted and filtered.

        `track` (a dict kept by the caller between consecutive frames of one face) holds the
        last frame's correction of its landmark fit: the landmarks of a moving head lag the
        pixels by about the same amount from one frame to the next, so the fit starts from
        that correction at the full level only (a few iterations instead of two pyramid levels
        from the landmarks); where that start does not converge, the plain fit runs."""
        if not self.usable:
            return m_init
        total = None
        correction = track.get("correction") if track is not None else None
        if correction is not None:
            start = (correction @ _homogeneous(m_init))[:2]
            total = self._fit(frame_rgb, start, m_init, frame_pts, (0,))
        if total is None:
            total = self._fit(frame_rgb, m_init, m_init, frame_pts, (1, 0))
        if track is not None:
            if total is None:
                track.pop("correction", None)
            else:
                track["correction"] = _homogeneous(total) @ np.linalg.inv(_homogeneous(m_init))
        return m_init if total is None else total

    def _fit(
        self,
        frame_rgb: np.ndarray,
        start: np.ndarray,
        m_init: np.ndarray,
        frame_pts: np.ndarray,
        levels: tuple[int, ...],
    ) -> np.ndarray | None:
        """The intensity fit from `start`; None when it does not converge or strays from the
        landmark fit `m_init`."""
        init_crop = self.to_crop @ _homogeneous(start)  # frame px -> crop px
        cw, ch = self.size
        corners = np.array([[0, 0], [cw, 0], [0, ch], [cw, ch]], dtype=float)
        back = _apply(np.linalg.inv(init_crop)[:2], corners)
        fh, fw = frame_rgb.shape[:2]
        x0, y0 = (np.floor(back.min(axis=0)) - 4).astype(int)
        x1, y1 = (np.ceil(back.max(axis=0)) + 4).astype(int)
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(fw, x1), min(fh, y1)
        if x1 - x0 < 8 or y1 - y0 < 8:
            return None
        grey = cv2.cvtColor(frame_rgb[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY)
        from_region = init_crop @ np.array([[1, 0, x0], [0, 1, y0], [0, 0, 1.0]])
        warped = cv2.warpAffine(
            _low_pass(grey, self.f * _scale_of(start)), from_region[:2], self.size,
            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE,
        ).astype(np.float32)
        warp = similarity_lk(
            self.template, warped, self.mask, iterations=_REFINE_ITERATIONS, levels=levels
        )
        if warp is None:
            return None
        total = (np.linalg.inv(self.to_crop) @ np.linalg.inv(_homogeneous(warp)) @ init_crop)[:2]
        rot0, sc0 = similarity_from_matrix(m_init)
        rot1, sc1 = similarity_from_matrix(total)
        idx = list(STABLE_LANDMARKS)
        moved = np.linalg.norm(_apply(total, frame_pts[idx]) - _apply(m_init, frame_pts[idx]), axis=1)
        if abs(rot1 - rot0) < 3.0 and abs(sc1 / sc0 - 1) < 0.05 and moved.max() < 0.15 * self.iod:
            return total
        return None


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
    baseline: Baseline,
    frame: PhotoMeasures,
    frame_rgb: np.ndarray | None = None,
    track: dict | None = None,
) -> np.ndarray:
    """2x3 similarity taking frame full-resolution px to baseline full-resolution px: a robust
    fit of the stable landmarks, refined on the pixels when the frame's analysed copy is given
    (`track`: see `_Registration.refine`)."""
    assert frame.face is not None and baseline.measures.face is not None
    idx = list(STABLE_LANDMARKS)
    reg = baseline.registration
    frame_pts = frame.face.landmarks_px[:, :2] * frame.analysis_scale
    m_a = robust_similarity(frame_pts[idx], reg.points[idx], reg.iod)
    if frame_rgb is not None:
        m_a = reg.refine(frame_rgb, m_a, frame_pts, track)
    sb = np.diag([1 / baseline.scale, 1 / baseline.scale, 1.0])
    sa = np.diag([frame.analysis_scale, frame.analysis_scale, 1.0])
    return (sb @ _homogeneous(m_a) @ sa)[:2]

