"""Face landmarks and head pose (MediaPipe FaceLandmarker, 478 points) for one photo.

`FaceAnalyzer` holds the landmark model (load it once per process, pass it around, `close()` it
or use it as a context manager). `analyzer.analyze(path_or_LoadedImage)` returns a frozen
`PhotoMeasures`; `.face` is None when no face was found (that is a result, not an error).

Work is done on a reduced copy of the photo (`ImageLimits.analysis_max_side_px`, decoded in the
JPEG DCT domain by `core.images.load_rgb`); every position and length in the result is mapped
back to FULL-RESOLUTION pixels of the oriented photo.

How the face to measure is found and confirmed (upscaling, contrast stretch, crops, several
faces, the re-fits on normalised views that reject false meshes and measure the pose) is
`core.face_detect.FaceFinder`, which `FaceAnalyzer` extends with the model and the measures.

Conventions (all angles in degrees, as seen by the camera / on screen, patient facing the camera):

* ``roll_deg``: counter-clockwise tilt of the eye line as seen on screen (the line from the
  patient's right eye centre — image left — to the left eye centre). Measured directly from the
  2-D landmarks; positive = the patient's left eye (image right) is higher.
* ``yaw_deg``: positive = head turned towards the patient's LEFT (the nose points towards the
  image's right side). Messages say "Head turned 7° further to the patient's left".
* ``pitch_deg``: positive = chin up (the nose points upwards).
* Yaw and pitch are measured on normalised views of the chosen face (levelled, centred, always
  the same size in pixels; `core.face_detect.FaceFinder._pose_samples`), averaged over a few
  views turned in the image plane — which leaves yaw and pitch unchanged — so where the face
  sits in the frame, its size and the photo's resolution do not move them. Pitch comes from
  MediaPipe's facial transformation matrix R (canonical face model → camera), decomposed as
  R = Rz(roll) · Ry(yaw) · Rx(pitch); yaw from a PnP fit of MediaPipe's canonical face model
  (`core.canonical_face`, read from the shipped model file) to the rigid landmarks, because the
  matrix reads yaw about 20 % short on faces rendered at known angles (docs/validation.md).
* In a pair, the roll difference is taken from the intensity-refined alignment when there is
  one (more precise than the two eye lines: within 0.03° on synthetic tilts).

Landmark indices used (MediaPipe face mesh numbering; "right"/"left" are the patient's):
right eye corners 33 (outer) / 133 (inner), left eye corners 362 (inner) / 263 (outer); iris
centres 468 (right) / 473 (left); see `core.measures` for the rest.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from photocompare.core import quiet
from photocompare.core.face_detect import (
    SMALL_FACE_IOD_PX,
    Detection,
    FaceFinder,
    landmarks_iod,
    matrix_pose,
)
from photocompare.core.measures import (
    Expression,
    Framing,
    Lighting,
    SideEffects,
    canonical_face,
    face_box,
    measure_expression,
    measure_framing,
    measure_lighting,
    measure_sharpness,
    measure_side_effects,
    roll_from_landmarks,
)
from photocompare.settings import ImageLimits

# Detector tuning (not clinical thresholds, hence not in settings).
_MAX_FACES = 6
_MIN_IOD_PX = 6.0  # a "face" with the eyes closer than this (in the detector's input) is noise


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


class FaceAnalyzer(FaceFinder):
    """The landmark model, loaded once. Thread-safe (calls are serialised). Where to look and
    which face to trust is `core.face_detect.FaceFinder`; this class runs the model and measures."""

    def __init__(self, limits: ImageLimits | None = None, model_path: str | Path | None = None):
        from photocompare.core.model_file import find_model

        self.limits = limits or ImageLimits()
        path = Path(model_path) if model_path else find_model()
        self.model_path = path
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
        rgb = as_rgb_uint8(rgb)
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
                iod = landmarks_iod(chosen.landmarks)
                if iod < SMALL_FACE_IOD_PX and path is not None and scale < 0.999:
                    refined = self._refine_full_res(path, chosen, scale)
                    if refined is not None:
                        chosen, refined_poses = refined
                        how += "+refined"
                        poses = refined_poses or poses
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
    def detect(self, rgb: np.ndarray) -> list[Detection]:
        """All faces MediaPipe finds in this exact image (px of this image)."""
        import mediapipe as mp

        if self._landmarker is None:
            raise RuntimeError("FaceAnalyzer is closed")
        h, w = rgb.shape[:2]
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        with self._lock, quiet.native_stderr_silenced():
            result = self._landmarker.detect(image)
        out: list[Detection] = []
        for i, points in enumerate(result.face_landmarks):
            arr = np.array([(p.x * w, p.y * h, p.z * w) for p in points], dtype=np.float64)
            mats = result.facial_transformation_matrixes
            matrix = np.array(mats[i], dtype=float) if mats and i < len(mats) else None
            if landmarks_iod(arr) >= _MIN_IOD_PX:
                out.append(Detection(arr, matrix))
        return out


    # -- measures -------------------------------------------------------------------------------
    def _measure(
        self,
        rgb: np.ndarray,
        det: Detection,
        how: str,
        count: int,
        scale: float,
        full_size: tuple[int, int],
        poses: list[tuple[float, float]] | None = None,
    ) -> FaceMeasures:
        pts = det.landmarks  # analysed-copy px
        if poses:
            yaw = float(np.mean([p[0] for p in poses]))
            pitch = float(np.mean([p[1] for p in poses]))
        else:
            yaw, pitch = matrix_pose(det.matrix)
        canon = canonical_face(rgb, pts)
        return landmark_measures(
            pts,
            rgb.shape[:2],
            count,
            scale,
            full_size,
            yaw_deg=yaw,
            pitch_deg=pitch,
            lighting=measure_lighting(rgb, pts, canon),
            sharpness=measure_sharpness(rgb, pts, canon),
            detection=how,
        )


def landmark_measures(
    pts: np.ndarray,
    size_hw: tuple[int, int],
    count: int,
    scale: float,
    full_size: tuple[int, int],
    *,
    yaw_deg: float,
    pitch_deg: float,
    lighting: Lighting,
    sharpness: float,
    detection: str,
) -> FaceMeasures:
    """A face's measures from its landmarks (`pts`, px of an image of `size_hw` that is `scale`
    × the full-resolution `full_size`), with the pose, lighting and sharpness measured by the
    caller: a photo and a video frame measure those differently, the rest the same way."""
    h, w = size_hw
    full = pts.copy()
    full[:, :3] /= scale
    bx, by, bw, bh = face_box(full, full_size)
    return FaceMeasures(
        faces_found=count,
        box=(bx, by, bw, bh),
        interocular_px=float(landmarks_iod(pts) / scale),
        yaw_deg=float(yaw_deg),
        pitch_deg=float(pitch_deg),
        roll_deg=float(roll_from_landmarks(pts)),
        framing=measure_framing(pts, w, h),
        lighting=lighting,
        sharpness=float(sharpness),
        expression=measure_expression(pts),
        side_effects=measure_side_effects(pts),
        detection=detection,
        landmarks_px=full,
    )


# ----------------------------------------------------------------------------------------------
def as_rgb_uint8(rgb: np.ndarray) -> np.ndarray:
    """Contiguous 3-channel uint8 RGB of a grey, RGB or RGBA array (what the models take)."""
    arr = np.asarray(rgb)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    elif arr.shape[2] == 4:
        arr = arr[:, :, :3]
    if arr.dtype != np.uint8:
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(arr)


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
