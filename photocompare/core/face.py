"""Face landmarks and head pose (MediaPipe FaceLandmarker, 478 points) for one photo.

`FaceAnalyzer` holds the landmark model (load it once per process, pass it around, `close()` it
or use it as a context manager). `analyzer.analyze(path_or_LoadedImage)` returns a frozen
`PhotoMeasures`; `.face` is None when no face was found (that is a result, not an error).

Work is done on a reduced copy of the photo (`ImageLimits.analysis_max_side_px`, decoded in the
JPEG DCT domain by `core.images.load_rgb`); every position and length in the result is mapped
back to FULL-RESOLUTION pixels of the oriented photo.

Robustness, in order: small images (e.g. 92x112 greyscale) are upscaled before detection; an
under-exposed photo is retried after a contrast stretch; a small face in a large frame is found
by detecting on overlapping crops; when the face is small in the reduced copy, the landmarks are
refined on a crop of the full-resolution photo. With several faces, the largest and most central
one is measured and `faces_found` reports how many there were. The chosen face must be found
again on a rotated crop around its mesh (a mesh fitted to a lens of sunglasses is not), else the
next candidate is tried, then a 1.5× enlarged copy; that re-fit also steadies yaw and pitch.

Conventions (all angles in degrees, as seen by the camera / on screen, patient facing the camera):

* ``roll_deg``: counter-clockwise tilt of the eye line as seen on screen (the line from the
  patient's right eye centre — image left — to the left eye centre). Measured directly from the
  2-D landmarks; positive = the patient's left eye (image right) is higher.
* ``yaw_deg``: positive = head turned towards the patient's LEFT (the nose points towards the
  image's right side). Messages say "Head turned 7° further to the patient's left".
* ``pitch_deg``: positive = chin up (the nose points upwards).
* Yaw and pitch come from MediaPipe's facial transformation matrix R (canonical face model →
  camera), decomposed as R = Rz(roll) · Ry(yaw) · Rx(pitch) so that an in-plane rotation of the
  image changes only roll, leaving yaw and pitch unchanged (this is what the tests verify).
  Why the matrix: solvePnP (SQPNP) needs MediaPipe's canonical mesh, which the wheel does not
  ship; the alternative we measured — anatomical axes from the 3-D landmarks (symmetric pairs
  for the lateral axis, forehead→subnasale for the vertical) — was no steadier: under in-plane
  rotations of ±15° and scales 0.8–1.2 of four real photos the RMS change was yaw 0.5–1.0° /
  pitch 0.8–0.9° for the matrix vs yaw 0.4–1.5° / pitch 0.5–1.05° for the axes.
* In a pair, the roll difference is taken from the intensity-refined alignment when there is
  one (more precise than the two eye lines: within 0.03° on synthetic tilts).

Landmark indices used (MediaPipe face mesh numbering; "right"/"left" are the patient's):
right eye corners 33 (outer) / 133 (inner), left eye corners 362 (inner) / 263 (outer); iris
centres 468 (right) / 473 (left); see `core.measures` for the rest.
"""

from __future__ import annotations

import atexit
import math
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from photocompare.core import quiet
from photocompare.core.measures import (
    Expression,
    Framing,
    Lighting,
    SideEffects,
    canonical_face,
    eye_centres,
    face_box,
    measure_expression,
    measure_framing,
    measure_lighting,
    measure_sharpness,
    measure_side_effects,
    roll_from_landmarks,
)
from photocompare.settings import ImageLimits

# Detection tuning (not clinical thresholds, hence not in settings).
_MIN_DETECT_SIDE = 480  # images smaller than this (long side) are upscaled before detection
_DETECT_MAX_SIDE = 1280
_SMALL_FACE_IOD_PX = 48.0  # below this IOD in the reduced copy, refine on a full-res crop
_REFINE_TARGET_IOD_PX = 160.0
_MAX_FACES = 6
_MIN_IOD_PX = 6.0  # a "face" with the eyes closer than this (in the detector's input) is noise
_MIN_CROP_SEARCH_SIDE = 640  # search overlapping crops only in images at least this large
# Head pose: re-fits on a crop around the face (this long side) rotated by these angles.
_POSE_CROP_SIDE = 192
_POSE_ROTATIONS_DEG = (8.0,)
_POSE_ROTATIONS_SMALL_DEG = (8.0, -8.0, 4.0)  # small faces fit more noisily; cheap to re-fit


@dataclass(frozen=True)
class FaceMeasures:
    """Everything measured on the chosen face; lengths in full-resolution pixels."""

    faces_found: int
    box: tuple[int, int, int, int]  # x, y, w, h of the landmark hull
    interocular_px: float  # distance between the eye centres (corner midpoints)
    yaw_deg: float
    pitch_deg: float
    roll_deg: float
    framing: Framing
    lighting: Lighting
    sharpness: float  # contrast-invariant fine/coarse detail ratio at a fixed IOD; ~0.3-0.6 sharp
    expression: Expression
    side_effects: SideEffects
    detection: str  # how it was found: "direct", "upscaled", "contrast", "crops", "+refined",
    # "+likeness" (among several faces, the one most like the other photo of the pair)
    landmarks_px: np.ndarray = field(repr=False, compare=False)  # (478, 3): x, y full-res px; z

    @property
    def exposure_ev(self) -> float:
        return self.lighting.exposure_ev

    def summary(self) -> dict[str, Any]:
        """The contract's PHOTO.face object."""
        return {
            "box": [int(v) for v in self.box],
            "interocular_px": round(self.interocular_px, 2),
            "yaw_deg": round(self.yaw_deg, 2),
            "pitch_deg": round(self.pitch_deg, 2),
            "roll_deg": round(self.roll_deg, 2),
            "faces_found": self.faces_found,
        }


@dataclass(frozen=True)
class PhotoMeasures:
    path: str | None
    width: int  # full resolution, after orientation
    height: int
    taken_at: datetime | None
    analysis_scale: float  # analysed copy width / full width
    face: FaceMeasures | None

    def summary(self) -> dict[str, Any]:
        """The contract's PHOTO object."""
        return {
            "path": self.path,
            "width": self.width,
            "height": self.height,
            "taken_at": self.taken_at.isoformat() if self.taken_at else None,
            "face": self.face.summary() if self.face else None,
        }


@dataclass
class _Detection:
    landmarks: np.ndarray  # (478, 3) in px of the image it was detected on (z in px too)
    matrix: np.ndarray | None  # 4x4 facial transformation matrix


def rotation_to_euler(rotation: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees, in this module's conventions, from MediaPipe's 3x3
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


_LIVE: weakref.WeakSet[FaceAnalyzer] = weakref.WeakSet()


@atexit.register
def _close_live_analyzers() -> None:
    """Close forgotten analyzers before interpreter teardown (MediaPipe's own __del__ would
    print a TypeError traceback once its modules are gone)."""
    for analyzer in list(_LIVE):
        try:
            analyzer.close()
        except Exception:
            pass


class FaceAnalyzer:
    """The landmark model, loaded once. Thread-safe (calls are serialised)."""

    def __init__(self, limits: ImageLimits | None = None, model_path: str | Path | None = None):
        from photocompare.core.model_file import find_model

        self.limits = limits or ImageLimits()
        path = Path(model_path) if model_path else find_model()
        self._lock = threading.Lock()
        with quiet.native_stderr_silenced():
            from mediapipe.tasks.python import BaseOptions, vision

            options = vision.FaceLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(path)),
                running_mode=vision.RunningMode.IMAGE,
                num_faces=_MAX_FACES,
                min_face_detection_confidence=0.5,
                min_face_presence_confidence=0.5,
                output_facial_transformation_matrixes=True,
            )
            self._landmarker = vision.FaceLandmarker.create_from_options(options)
        _LIVE.add(self)

    # -- lifetime -------------------------------------------------------------------------------
    def close(self) -> None:
        landmarker, self._landmarker = getattr(self, "_landmarker", None), None
        if landmarker is not None:
            with quiet.native_stderr_silenced():
                landmarker.close()

    def __enter__(self) -> FaceAnalyzer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort at interpreter exit
        try:
            self.close()
        except Exception:
            pass

    # -- public API -----------------------------------------------------------------------------
    def analyze(
        self,
        source: Any,
        *,
        path: str | Path | None = None,
        prefer: Callable[[np.ndarray], float] | None = None,
    ) -> PhotoMeasures:
        """Measure one photo: a path (decoded reduced) or a `core.images.LoadedImage`.

        When given a LoadedImage, pass `path` too so a small face can be refined at full
        resolution and the capture date read. Raises `UnreadablePhoto` for a bad file.
        `prefer` (landmarks in px of the analysed copy → score) replaces the "largest, most
        central" choice among several faces — e.g. the face most like the patient's.
        """
        from photocompare.core.images import load_rgb

        if isinstance(source, (str, Path)):
            path = Path(source)
            loaded = load_rgb(path, max_side=analysis_side(path, self.limits), limits=self.limits)
        else:
            loaded = source
        return self.analyze_array(
            loaded.rgb,
            full_size=(loaded.full_width, loaded.full_height),
            path=path,
            taken_at=_taken_at(path) if path else None,
            prefer=prefer,
        )

    def analyze_array(
        self,
        rgb: np.ndarray,
        *,
        full_size: tuple[int, int] | None = None,
        path: str | Path | None = None,
        taken_at: datetime | None = None,
        prefer: Callable[[np.ndarray], float] | None = None,
    ) -> PhotoMeasures:
        """Measure an RGB uint8 array (the analysed copy of a photo of `full_size`)."""
        rgb = _as_rgb(rgb)
        h, w = rgb.shape[:2]
        full_w, full_h = full_size or (w, h)
        scale = w / full_w  # analysed px per full-res px
        found = self._find_faces(rgb)
        if not found:
            face = None
        else:
            count = len(found)
            chosen, how, poses = self._choose_confirmed(rgb, found, prefer)
            if chosen is None:
                face = None
            else:
                iod = _iod(chosen.landmarks)
                if iod < _SMALL_FACE_IOD_PX and path is not None and scale < 0.999:
                    refined = self._refine_full_res(path, chosen, scale)
                    if refined is not None:
                        chosen, how = refined, how + "+refined"
                face = self._measure(rgb, chosen, how, count, scale, (full_w, full_h), poses)
        return PhotoMeasures(
            path=str(path) if path is not None else None,
            width=int(full_w),
            height=int(full_h),
            taken_at=taken_at,
            analysis_scale=float(scale),
            face=face,
        )

    # -- detection ------------------------------------------------------------------------------
    def detect(self, rgb: np.ndarray) -> list[_Detection]:
        """All faces MediaPipe finds in this exact image (px of this image)."""
        import mediapipe as mp

        if self._landmarker is None:
            raise RuntimeError("FaceAnalyzer is closed")
        h, w = rgb.shape[:2]
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        with self._lock, quiet.native_stderr_silenced():
            result = self._landmarker.detect(image)
        out: list[_Detection] = []
        for i, points in enumerate(result.face_landmarks):
            arr = np.array([(p.x * w, p.y * h, p.z * w) for p in points], dtype=np.float64)
            mats = result.facial_transformation_matrixes
            matrix = np.array(mats[i], dtype=float) if mats and i < len(mats) else None
            if _iod(arr) >= _MIN_IOD_PX:
                out.append(_Detection(arr, matrix))
        return out

    def _detect_scaled(self, rgb: np.ndarray, target_long: int | None = None) -> list[_Detection]:
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

    def _find_faces(self, rgb: np.ndarray) -> list[tuple[_Detection, str]]:
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

    def _detect_in_crops(self, rgb: np.ndarray) -> list[_Detection]:
        """Small face in a large frame: overlapping windows (halves, thirds, fifths, sevenths of
        the frame), each enlarged for the detector; a face found in a window is confirmed — and
        its landmarks re-measured — on a crop centred on it."""
        h, w = rgb.shape[:2]
        for n in (2, 3, 5, 7):
            found: list[_Detection] = []
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
        found: list[tuple[_Detection, str]],
        prefer: Callable[[np.ndarray], float] | None = None,
    ) -> tuple[_Detection | None, str, list[tuple[float, float]]]:
        """The chosen face, confirmed: it must be found again on a crop around its mesh (a
        mesh fitted to one lens of a pair of sunglasses is not). Candidates are tried in the
        order `_choose` prefers them; when none confirms, detection is retried on a copy
        enlarged 1.5× (small faces) and those candidates are tried too.

        Also returns head-pose samples (yaw, pitch): the original fit and the fits on the
        crop rotated by each of `_POSE_ROTATIONS_DEG` (the first of which is the confirmation)
        — in-plane rotation leaves yaw and pitch unchanged, so their mean has less fitting
        noise. Measured on 8 real faces under ±6–12° rotation, 0.8–1.2 scale, shifts, ±0.5 EV,
        half resolution and JPEG q75: RMS change yaw 0.73° → 0.46°, pitch 1.23° → 0.77° with
        one rotated re-fit (three for small faces); two for every face gave 0.35° / 0.64° but
        cost the analysis budget.
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

    def _pose_samples(self, rgb: np.ndarray, det: _Detection) -> list[tuple[float, float]] | None:
        """Yaw/pitch of `det` and of re-fits on a crop around it, rotated; None when the face
        is not found again on the first rotated crop."""
        iod = _iod(det.landmarks)
        pts = det.landmarks[:, :2]
        centre = pts.mean(axis=0)
        half = max(pts.max(axis=0) - pts.min(axis=0)) * 1.1
        h, w = rgb.shape[:2]
        x0, y0 = int(max(0, centre[0] - half)), int(max(0, centre[1] - half))
        x1, y1 = int(min(w, centre[0] + half)), int(min(h, centre[1] + half))
        crop = rgb[y0:y1, x0:x1]
        if crop.size == 0:
            return None
        local = centre - [x0, y0]
        target = max(_POSE_CROP_SIDE, max(crop.shape[:2])) if max(crop.shape[:2]) < 192 else _POSE_CROP_SIDE
        samples: list[tuple[float, float]] = []
        if det.matrix is not None:
            samples.append(rotation_to_euler(det.matrix[:3, :3])[:2])
        rotations = _POSE_ROTATIONS_DEG if iod >= _SMALL_FACE_IOD_PX else _POSE_ROTATIONS_SMALL_DEG
        for k, angle in enumerate(rotations):
            if angle:
                m = cv2.getRotationMatrix2D((float(local[0]), float(local[1])), angle, 1.0)
                image = cv2.warpAffine(crop, m, (crop.shape[1], crop.shape[0]), borderMode=cv2.BORDER_REFLECT)
            else:
                m, image = None, crop
            match = None
            for d in self._detect_scaled(image, target):
                c = d.landmarks[:, :2].mean(axis=0)
                if m is not None:  # back to the unrotated crop
                    c = cv2.invertAffineTransform(m)[:, :2] @ c + cv2.invertAffineTransform(m)[:, 2]
                if np.linalg.norm(c - local) < 0.5 * iod and abs(_iod(d.landmarks) / iod - 1) < 0.35:
                    match = d
                    break
            if match is None:
                if k == 0:
                    return None  # not found again: not a face we can trust
                continue
            if match.matrix is not None:
                samples.append(rotation_to_euler(match.matrix[:3, :3])[:2])
        return samples

    def _confirm(self, rgb: np.ndarray, det: _Detection) -> _Detection | None:
        """Re-detect on a crop centred on a candidate face; None when it is not found again."""
        iod = _iod(det.landmarks)
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
            if np.linalg.norm(c - centre) < 0.5 * iod and abs(_iod(d.landmarks) / iod - 1) < 0.35:
                d.landmarks[:, 0] += x0
                d.landmarks[:, 1] += y0
                return d
        return None

    def _refine_full_res(
        self, path: str | Path, chosen: _Detection, scale: float
    ) -> _Detection | None:
        """Re-run the landmarks on a full-resolution crop around a small face."""
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
        iod_full = _iod(chosen.landmarks) / scale
        target = int(max(crop.shape[:2]) * min(1.0, _REFINE_TARGET_IOD_PX / max(iod_full, 1e-6)))
        dets = self._detect_scaled(crop, max(target, 256))
        if not dets:
            return None
        centre = np.array([cx - ax, cy - ay])
        best = min(dets, key=lambda d: np.linalg.norm(d.landmarks[:, :2].mean(axis=0) - centre))
        best.landmarks[:, 0] = (best.landmarks[:, 0] + ax) * scale
        best.landmarks[:, 1] = (best.landmarks[:, 1] + ay) * scale
        best.landmarks[:, 2] *= scale
        return best

    # -- measures -------------------------------------------------------------------------------
    def _measure(
        self,
        rgb: np.ndarray,
        det: _Detection,
        how: str,
        count: int,
        scale: float,
        full_size: tuple[int, int],
        poses: list[tuple[float, float]] | None = None,
    ) -> FaceMeasures:
        pts = det.landmarks  # analysed-copy px
        iod_a = _iod(pts)
        if poses:
            yaw = float(np.mean([p[0] for p in poses]))
            pitch = float(np.mean([p[1] for p in poses]))
        elif det.matrix is not None:
            yaw, pitch, _ = rotation_to_euler(det.matrix[:3, :3])
        else:  # pragma: no cover - the model always outputs the matrix when asked
            yaw = pitch = float("nan")
        roll = roll_from_landmarks(pts)
        h, w = rgb.shape[:2]
        framing = measure_framing(pts, w, h)
        canon = canonical_face(rgb, pts)
        lighting = measure_lighting(rgb, pts, canon)
        sharp = measure_sharpness(rgb, pts, canon)
        expression = measure_expression(pts)
        side = measure_side_effects(pts)
        full = pts.copy()
        full[:, :3] /= scale
        bx, by, bw, bh = face_box(full, full_size)
        return FaceMeasures(
            faces_found=count,
            box=(bx, by, bw, bh),
            interocular_px=float(iod_a / scale),
            yaw_deg=float(yaw),
            pitch_deg=float(pitch),
            roll_deg=float(roll),
            framing=framing,
            lighting=lighting,
            sharpness=float(sharp),
            expression=expression,
            side_effects=side,
            detection=how,
            landmarks_px=full,
        )


# ----------------------------------------------------------------------------------------------
def _as_rgb(rgb: np.ndarray) -> np.ndarray:
    arr = np.asarray(rgb)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    elif arr.shape[2] == 4:
        arr = arr[:, :, :3]
    if arr.dtype != np.uint8:
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(arr)


def _iod(points: np.ndarray) -> float:
    right, left = eye_centres(points)
    return float(np.linalg.norm(left - right))


def _choose(found: list[tuple[_Detection, str]], w: int, h: int) -> tuple[_Detection, str]:
    """Largest, most central face: IOD weighted down by distance from the frame centre."""
    centre = np.array([w / 2, h / 2])
    diag = math.hypot(w, h)

    def score(item: tuple[_Detection, str]) -> float:
        pts = item[0].landmarks[:, :2]
        off = np.linalg.norm(pts.mean(axis=0) - centre) / diag
        return _iod(item[0].landmarks) * math.exp(-((off / 0.35) ** 2))

    return max(found, key=score)


def _dedupe(dets: list[_Detection]) -> list[_Detection]:
    """Drop repeated detections of one face from overlapping crops (keep the larger)."""
    kept: list[_Detection] = []
    for d in sorted(dets, key=lambda d: -_iod(d.landmarks)):
        c = d.landmarks[:, :2].mean(axis=0)
        if all(
            np.linalg.norm(c - k.landmarks[:, :2].mean(axis=0)) > 0.5 * _iod(k.landmarks)
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


def analysis_side(path: str | Path, limits: ImageLimits | None = None) -> int:
    """Long side for the analysed copy: the largest JPEG DCT reduction (1/1, 1/2, 1/4, 1/8)
    within `limits.analysis_max_side_px`, so the decoder produces it directly and no extra
    resampling pass is needed (a 4000x3000 JPEG is analysed at 1000x750, decoded in ~1/6 of
    the time of a full decode). Other formats: the limit itself."""
    cap = (limits or ImageLimits()).analysis_max_side_px
    try:
        from PIL import Image

        with Image.open(path) as img:
            if img.format not in ("JPEG", "MPO"):
                return cap
            long_side = max(img.size)
    except Exception:
        return cap  # load_rgb will report what is wrong with the file
    if long_side <= cap:
        return cap
    for denom in (2, 4, 8):
        side = -(-long_side // denom)
        if side <= cap:
            return side
    return cap


def _taken_at(path: str | Path) -> datetime | None:
    try:
        from photocompare.core.exif import read_exif

        return read_exif(path).taken_at
    except Exception:
        return None
