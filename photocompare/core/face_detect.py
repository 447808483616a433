"""Finding the face to measure in one photo, and confirming it is a face.

`FaceFinder` is the detection half of `core.face.FaceAnalyzer`: given the analyzer's
`detect(rgb)` (one MediaPipe pass on exactly that image) it decides where and how to look,
which of several faces to measure, whether that face is real, and the head-pose samples
whose mean steadies yaw and pitch. Measuring the chosen face, the model's lifetime and the
public API stay in `core.face`; this is apart because finding a face is its own subject
(scales, crops, retries) and changes for its own reasons. Landmarks here are in pixels of
the image they were detected on, until `core.face` maps them to the full-resolution photo.

Robustness, in order: small images (e.g. 92x112 greyscale) are upscaled before detection; an
under-exposed photo is retried after a contrast stretch; a small face in a large frame is found
by detecting on overlapping crops; when the face is small in the reduced copy, the landmarks are
refined on a crop of the full-resolution photo. With several faces, the largest and most central
one is measured and `faces_found` reports how many there were. The chosen face must be found
again on a rotated crop around its mesh (a mesh fitted to a lens of sunglasses is not), else the
next candidate is tried, then a 1.5× enlarged copy. Yaw and pitch are measured on those re-fits:
views of the face levelled, centred and scaled to a fixed size, so framing and resolution do not
move them; a small face's views are taken from the full-resolution crop it is refined on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from photocompare.core.canonical_face import (
    CanonicalFaceUnavailable,
    canonical_mesh,
    procrustes_basis,
)
from photocompare.core.measures import eye_centres, roll_from_landmarks
from photocompare.settings import ImageLimits

# Detection tuning (not clinical thresholds, hence not in settings).
_MIN_DETECT_SIDE = 480  # images smaller than this (long side) are upscaled before detection
_DETECT_MAX_SIDE = 1280
SMALL_FACE_IOD_PX = 48.0  # below this IOD in the reduced copy, refine on a full-res crop
_REFINE_TARGET_IOD_PX = 160.0
_MIN_CROP_SEARCH_SIDE = 640  # search overlapping crops only in images at least this large
# Head pose: re-fits on a normalised view of the face (this side, px), levelled and then turned
# by these angles (in-plane turns leave yaw and pitch unchanged; the mean is steadier).
_POSE_CROP_SIDE = 192
_POSE_CROP_MARGIN = 2.2  # view side / mesh extent
_POSE_ROTATIONS_DEG = (8.0,)
_POSE_ROTATIONS_SMALL_DEG = (8.0, -8.0, 4.0)  # small faces fit more noisily; cheap to re-fit


@dataclass
class Detection:
    """One face as the detector returned it (mutable: callers map its landmarks back)."""

    landmarks: np.ndarray  # (478, 3) in px of the image it was detected on (z in px too)
    matrix: np.ndarray | None  # 4x4 facial transformation matrix


def rotation_to_euler(rotation: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees, in `core.face`'s conventions, from MediaPipe's 3x3
    rotation (canonical face → camera; metric space with y up, camera looking down −z).

    R = Rz(roll) · Ry(yaw) · Rx(pitch'), pitch = −pitch'. Signs were checked on real photos:
    a head turned to the patient's right (kit_harington/john2.jpeg) gives yaw < 0 and its
    mirror image yaw > 0; ORL s1/9 (chin up) has pitch > 0 and s1/3 (looking down) < 0 — the
    tests keep these fixed.
    """
    r = np.asarray(rotation, dtype=float)
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, -r[2, 0]))))
    pitch = math.degrees(math.atan2(r[2, 1], r[2, 2]))
    roll = math.degrees(math.atan2(r[1, 0], r[0, 0]))
    return yaw, -pitch, roll


_CV_FROM_MP = np.diag([1.0, -1.0, -1.0])  # OpenCV camera (y down, looking down +z) ↔ MediaPipe's
# Focal length assumed for the yaw fit, in face widths (mesh extent): a face photographed from
# about 8 face widths (~1.2 m) — clinic portraits; 4 (a phone at arm's length) read 5 % lower.
_YAW_FIT_FOCAL_EXTENTS = 8.0


def canonical_fit(
    landmarks: np.ndarray, centre_px: np.ndarray, extent_px: float, model: Path | None = None
) -> np.ndarray:
    """Rotation (canonical face → camera, MediaPipe's axes) that projects MediaPipe's canonical
    face model onto the rigid landmarks the landmarker's own fit uses (nose, forehead, eye
    corners, cheekbones; no lips or jaw), by OpenCV's iterative PnP with the principal point at
    `centre_px` and a focal length of `_YAW_FIT_FOCAL_EXTENTS` × `extent_px`. `model`: the
    landmark model file holding the canonical face (default: the shipped one); raises
    `core.canonical_face.CanonicalFaceUnavailable` when it holds none."""
    vertices, _ = canonical_mesh(model)
    ids = procrustes_basis(model)[0]
    f = _YAW_FIT_FOCAL_EXTENTS * extent_px
    camera = np.array([[f, 0, centre_px[0]], [0, f, centre_px[1]], [0, 0, 1]])
    _, rvec, _ = cv2.solvePnP(
        vertices[ids].astype(np.float64),
        np.ascontiguousarray(landmarks[ids, :2], dtype=np.float64),
        camera,
        None,
        flags=cv2.SOLVEPNP_ITERATIVE,
    )
    return _CV_FROM_MP @ cv2.Rodrigues(rvec)[0]


def fitted_yaw(
    landmarks: np.ndarray, centre_px: float, extent_px: float, model: Path | None = None
) -> float:
    """Yaw (degrees, `core.face` convention) of a face in a normalised view, by `canonical_fit`.

    Why not the landmarker's own matrix for yaw: on faces rendered at known angles it read
    yaw 20 % short (±30° read as ±24°; its landmarks' depth is flattened), while this fit of
    the image positions alone reads within 5 % and is as steady (see docs/validation.md).
    For pitch the matrix is the better of the two, so it stays."""
    rotation = canonical_fit(landmarks, np.array([centre_px, centre_px]), extent_px, model)
    return rotation_to_euler(rotation)[0]


def landmark_pose(landmarks: np.ndarray, model: Path | None = None) -> tuple[float, float]:
    """(yaw, pitch) in degrees from one set of landmarks alone, by `canonical_fit` centred on
    the face: no re-fit, so cheap enough for every video frame, and — unlike the landmarker's
    matrix, which moved 4–7° when the same face sat a fifth of the frame higher or further
    right — independent of where the face sits in the frame and of its size. Noisier than a
    photo's averaged views (RMS change 0.5° yaw / 0.7° pitch on pose-preserving copies, against
    0.26° / 0.36°), and reads pitch about 4 % lower than the matrix on rendered faces."""
    pts = np.asarray(landmarks)[:, :2]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    rotation = canonical_fit(landmarks, (lo + hi) / 2, float(max(hi - lo)), model)
    return rotation_to_euler(rotation)[:2]


def matrix_pose(matrix: np.ndarray | None) -> tuple[float, float]:
    """(yaw, pitch) in degrees from the landmarker's facial transformation matrix; NaN without
    one (the model outputs it whenever it is asked to)."""
    if matrix is None:
        return float("nan"), float("nan")
    yaw, pitch, _ = rotation_to_euler(matrix[:3, :3])
    return float(yaw), float(pitch)


def frame_pose(
    landmarks: np.ndarray, matrix: np.ndarray | None, model: Path | None = None
) -> tuple[float, float]:
    """(yaw, pitch) of one video frame's face: `landmark_pose`, or — with a landmark model file
    that holds no canonical face — the landmarker's own matrix."""
    try:
        return landmark_pose(landmarks, model)
    except (CanonicalFaceUnavailable, cv2.error):
        return matrix_pose(matrix)


class FaceFinder:
    """Where to look for the face and which one to trust. A subclass provides
    `detect(rgb) -> list[Detection]` (one detector pass, px of that image) and `limits`
    (`ImageLimits`, for the full-resolution re-read of a small face)."""

    limits: ImageLimits
    model_path: Path | None = None  # the landmark model file (its canonical face fits the pose)

    def detect(self, rgb: np.ndarray) -> list[Detection]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _detect_scaled(self, rgb: np.ndarray, target_long: int | None = None) -> list[Detection]:
        """Detect on a resized copy (up or down to `target_long`), coordinates mapped back."""
        h, w = rgb.shape[:2]
        long_side = max(h, w)
        if target_long is None or target_long == long_side:
            return self.detect(rgb)
        f = target_long / long_side
        interp = cv2.INTER_CUBIC if f > 1 else cv2.INTER_AREA
        resized = cv2.resize(
            rgb, (max(1, round(w * f)), max(1, round(h * f))), interpolation=interp
        )
        fx, fy = resized.shape[1] / w, resized.shape[0] / h
        dets = self.detect(resized)
        for d in dets:
            d.landmarks[:, 0] /= fx
            d.landmarks[:, 1] /= fy
            d.landmarks[:, 2] /= fx
        return dets

    def _find_faces(self, rgb: np.ndarray) -> list[tuple[Detection, str]]:
        long_side = max(rgb.shape[:2])
        target = None
        how = "direct"
        if long_side < _MIN_DETECT_SIDE:
            target, how = _MIN_DETECT_SIDE, "upscaled"
        elif long_side > _DETECT_MAX_SIDE:
            target = _DETECT_MAX_SIDE
        dets = self._detect_scaled(rgb, target)
        if dets:
            return [(d, how) for d in dets]
        stretched = contrast_stretch(rgb)
        if stretched is not None:
            dets = self._detect_scaled(stretched, target)
            if dets:
                return [(d, "contrast") for d in dets]
        if long_side < _MIN_CROP_SEARCH_SIDE:
            return []  # a thumbnail: crops would only be upscaled noise
        dets = self._detect_in_crops(rgb)
        if not dets and stretched is not None:
            dets = self._detect_in_crops(stretched)
        return [(d, "crops") for d in dets]

    def _detect_in_crops(self, rgb: np.ndarray) -> list[Detection]:
        """Small face in a large frame: overlapping windows (halves, thirds, fifths, sevenths of
        the frame), each enlarged for the detector; a face found in a window is confirmed — and
        its landmarks re-measured — on a crop centred on it."""
        h, w = rgb.shape[:2]
        for n in (2, 3, 5, 7):
            found: list[Detection] = []
            win_w, win_h = int(math.ceil(w * 2 / (n + 1))), int(math.ceil(h * 2 / (n + 1)))
            xs = np.linspace(0, w - win_w, n).astype(int)
            ys = np.linspace(0, h - win_h, n).astype(int)
            for y0 in ys:
                for x0 in xs:
                    crop = rgb[y0 : y0 + win_h, x0 : x0 + win_w]
                    for d in self._detect_scaled(
                        crop, max(384, min(_DETECT_MAX_SIDE, max(crop.shape)))
                    ):
                        d.landmarks[:, 0] += x0
                        d.landmarks[:, 1] += y0
                        found.append(d)
            confirmed = [
                c for c in (self._confirm(rgb, d) for d in _dedupe(found)) if c is not None
            ]
            if confirmed:
                return _dedupe(confirmed)
        return []

    def _choose_confirmed(
        self,
        rgb: np.ndarray,
        found: list[tuple[Detection, str]],
        prefer: Callable[[np.ndarray], float] | None = None,
    ) -> tuple[Detection | None, str, list[tuple[float, float]]]:
        """The chosen face, confirmed: it must be found again on a crop around its mesh (a
        mesh fitted to one lens of a pair of sunglasses is not). Candidates are tried in the
        order `_choose` prefers them; when none confirms, detection is retried on a copy
        enlarged 1.5× (small faces) and those candidates are tried too.

        Also returns head-pose samples (yaw, pitch) from `_pose_samples`: fits on normalised
        views of the face (the first of which is the confirmation) — in-plane rotation leaves
        yaw and pitch unchanged, so their mean has less fitting noise.
        """
        h, w = rgb.shape[:2]
        rounds = [found]
        for attempt, candidates in enumerate(rounds):
            remaining = list(candidates)
            while remaining:
                if prefer is None:
                    det, how = _choose(remaining, w, h)
                else:
                    det, how = max(remaining, key=lambda item: prefer(item[0].landmarks))
                    how += "+likeness"
                remaining = [c for c in remaining if c[0] is not det]
                samples = self._pose_samples(rgb, det)
                if samples is not None:
                    return det, how, samples
            if attempt == 0:
                long_side = max(h, w)
                retry = self._detect_scaled(rgb, int(long_side * 1.5))
                if retry:
                    rounds.append([(d, "rescaled") for d in retry])
        return None, "", []

    def _pose_samples(self, rgb: np.ndarray, det: Detection) -> list[tuple[float, float]] | None:
        """Yaw/pitch of `det` from re-fits on normalised views of it; None when the face is not
        found again on the first view (then it is not a face we can trust).

        Each view is the face levelled (eye line horizontal, then turned by one of
        `_POSE_ROTATIONS_DEG`), centred and scaled so its mesh spans the same pixels, whatever
        the photo's framing and resolution. Why: the transformation matrix depends on where
        the face sits in the frame and on its size there (moving a face by a fifth of the frame
        moved the fitted yaw or pitch by 4–7°), which is not head pose; in a normalised view
        those are constant, and the views differ only by resampling, so their mean is steady.
        Each sample: yaw from `fitted_yaw`, pitch from the landmarker's matrix.
        """
        iod = landmarks_iod(det.landmarks)
        pts = det.landmarks[:, :2]
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        centre = (lo + hi) / 2
        extent = float(max(hi - lo))
        if extent <= 0:
            return None
        side = _POSE_CROP_SIDE
        zoom = side / (extent * _POSE_CROP_MARGIN)  # view px per image px
        source, offset = rgb, np.zeros(2)
        if zoom < 0.5:  # shrink by area first so the warp does not alias fine texture
            half = extent * _POSE_CROP_MARGIN * 0.75  # covers the view at any rotation
            h, w = rgb.shape[:2]
            x0, y0 = int(max(0, centre[0] - half)), int(max(0, centre[1] - half))
            x1, y1 = int(min(w, centre[0] + half + 1)), int(min(h, centre[1] + half + 1))
            f = 2 * zoom
            region = rgb[y0:y1, x0:x1]
            source = cv2.resize(
                region,
                (max(1, round(region.shape[1] * f)), max(1, round(region.shape[0] * f))),
                interpolation=cv2.INTER_AREA,
            )
            fx, fy = source.shape[1] / region.shape[1], source.shape[0] / region.shape[0]
            offset = np.array([x0, y0], dtype=float)
            scale_src = np.array([fx, fy])
        else:
            scale_src = np.array([1.0, 1.0])
        c_src = (centre - offset) * scale_src
        z_src = zoom / float(scale_src.mean())
        level = -roll_from_landmarks(det.landmarks)
        rotations = _POSE_ROTATIONS_DEG if iod >= SMALL_FACE_IOD_PX else _POSE_ROTATIONS_SMALL_DEG
        samples: list[tuple[float, float]] = []
        for k, angle in enumerate(rotations):
            m = cv2.getRotationMatrix2D((float(c_src[0]), float(c_src[1])), level + angle, z_src)
            m[:, 2] += side / 2 - c_src
            view = cv2.warpAffine(
                source, m, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
            )
            match = None
            for d in self.detect(view):
                c = d.landmarks[:, :2]
                c = (c.min(axis=0) + c.max(axis=0)) / 2
                near = np.linalg.norm(c - side / 2) < 0.5 * iod * zoom
                if near and abs(landmarks_iod(d.landmarks) / (iod * zoom) - 1) < 0.35:
                    match = d
                    break
            if match is None:
                if k == 0:
                    return None
                continue
            if match.matrix is not None:
                yaw, pitch = matrix_pose(match.matrix)
                try:
                    yaw = fitted_yaw(
                        match.landmarks, side / 2, side / _POSE_CROP_MARGIN, self.model_path
                    )
                except (CanonicalFaceUnavailable, cv2.error):
                    pass  # no canonical face to fit, or a degenerate fit: the matrix's yaw
                samples.append((yaw, pitch))
        return samples

    def _confirm(self, rgb: np.ndarray, det: Detection) -> Detection | None:
        """Re-detect on a crop centred on a candidate face; None when it is not found again."""
        iod = landmarks_iod(det.landmarks)
        pts = det.landmarks[:, :2]
        centre = pts.mean(axis=0)
        half = max(pts.max(axis=0) - pts.min(axis=0)) * 1.1
        h, w = rgb.shape[:2]
        x0, y0 = int(max(0, centre[0] - half)), int(max(0, centre[1] - half))
        x1, y1 = int(min(w, centre[0] + half)), int(min(h, centre[1] + half))
        crop = rgb[y0:y1, x0:x1]
        if crop.size == 0:
            return None
        for d in self._detect_scaled(crop, max(384, max(crop.shape[:2]))):
            c = d.landmarks[:, :2].mean(axis=0) + [x0, y0]
            if np.linalg.norm(c - centre) < 0.5 * iod and abs(landmarks_iod(d.landmarks) / iod - 1) < 0.35:
                d.landmarks[:, 0] += x0
                d.landmarks[:, 1] += y0
                return d
        return None

    def _refine_full_res(
        self, path: str | Path, chosen: Detection, scale: float
    ) -> tuple[Detection, list[tuple[float, float]] | None] | None:
        """Re-run the landmarks on a full-resolution crop around a small face; also the pose
        samples from views of that crop (None when it does not confirm), since the reduced
        copy holds too few pixels of a small face for a steady pose."""
        from photocompare.core.images import load_rgb

        try:
            full = load_rgb(path, limits=self.limits).rgb
        except Exception:
            return None
        pts = chosen.landmarks[:, :2] / scale
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        side = max(x1 - x0, y1 - y0) * 2.2
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        fh, fw = full.shape[:2]
        ax, ay = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
        bx, by = int(min(fw, cx + side / 2)), int(min(fh, cy + side / 2))
        crop = full[ay:by, ax:bx]
        if crop.size == 0:
            return None
        iod_full = landmarks_iod(chosen.landmarks) / scale
        target = int(max(crop.shape[:2]) * min(1.0, _REFINE_TARGET_IOD_PX / max(iod_full, 1e-6)))
        dets = self._detect_scaled(crop, max(target, 256))
        if not dets:
            return None
        centre = np.array([cx - ax, cy - ay])
        best = min(dets, key=lambda d: np.linalg.norm(d.landmarks[:, :2].mean(axis=0) - centre))
        samples = self._pose_samples(crop, best)
        best.landmarks[:, 0] = (best.landmarks[:, 0] + ax) * scale
        best.landmarks[:, 1] = (best.landmarks[:, 1] + ay) * scale
        best.landmarks[:, 2] *= scale
        return best, samples


def landmarks_iod(points: np.ndarray) -> float:
    """Interocular distance of a landmark set, in px of the image it was detected on."""
    right, left = eye_centres(points)
    return float(np.linalg.norm(left - right))


def _choose(found: list[tuple[Detection, str]], w: int, h: int) -> tuple[Detection, str]:
    """Largest, most central face: IOD weighted down by distance from the frame centre."""
    centre = np.array([w / 2, h / 2])
    diag = math.hypot(w, h)

    def score(item: tuple[Detection, str]) -> float:
        pts = item[0].landmarks[:, :2]
        off = np.linalg.norm(pts.mean(axis=0) - centre) / diag
        return landmarks_iod(item[0].landmarks) * math.exp(-((off / 0.35) ** 2))

    return max(found, key=score)


def _dedupe(dets: list[Detection]) -> list[Detection]:
    """Drop repeated detections of one face from overlapping crops (keep the larger)."""
    kept: list[Detection] = []
    for d in sorted(dets, key=lambda d: -landmarks_iod(d.landmarks)):
        c = d.landmarks[:, :2].mean(axis=0)
        if all(
            np.linalg.norm(c - k.landmarks[:, :2].mean(axis=0)) > 0.5 * landmarks_iod(k.landmarks)
            for k in kept
        ):
            kept.append(d)
    return kept


def contrast_stretch(rgb: np.ndarray) -> np.ndarray | None:
    """Percentile stretch + gamma lift of a dark or flat image; None when it would not help."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    lo, hi = np.percentile(grey, [1, 99.5])
    if hi - lo < 1:
        return None
    mean = grey.mean()
    if mean > 90 and hi - lo > 150:
        return None  # well exposed already
    lut = np.clip((np.arange(256, dtype=np.float64) - lo) / (hi - lo), 0, 1)
    gamma = 0.5 if mean < 60 else 0.8
    lut = (255 * lut**gamma).astype(np.uint8)
    return cv2.LUT(rgb, lut)
