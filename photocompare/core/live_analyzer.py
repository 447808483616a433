"""The frame analyser of live guidance: MediaPipe's FaceLandmarker in VIDEO mode, one face tracked
from one frame to the next.

Kept apart from the baseline, the per-frame evaluation and the threaded pipeline because it is
the one piece that owns the landmark model: the pipeline's landmark thread calls
`detect_frame`, its measure thread `measure_frame`, and a frame is measured by the same
functions as a photo (`core.face`, `core.measures`) so the pair checks read the same numbers.
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np

from photocompare.core import quiet
from photocompare.core.face import (
    _LIVE,
    FaceAnalyzer,
    FaceMeasures,
    PhotoMeasures,
    landmark_measures,
)
from photocompare.core.face_detect import Detection, frame_pose
from photocompare.core.measures import Lighting
from photocompare.settings import ImageLimits


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
        self.model_path = path
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
            face = _measure_live(
                small_rgb, detections[0], len(detections), scale, full_size, self.model_path
            )
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
    rgb: np.ndarray,
    det: Detection,
    count: int,
    scale: float,
    full_size: tuple[int, int],
    model: Path | None = None,
) -> FaceMeasures:
    """`face.landmark_measures` without the per-photo lighting and sharpness (NaN here).

    The pair checks judge lighting and sharpness on the aligned pair (`measure_pair`), so per
    frame only the landmark measures the checks read are taken (same functions as a photo's)."""
    pts = det.landmarks
    # Not the landmarker's matrix: it moves by several degrees with where the face sits in the
    # frame. The baseline is posed by the same function (`live_baseline.load_baseline`).
    yaw, pitch = frame_pose(pts, det.matrix, model)
    return landmark_measures(
        pts,
        rgb.shape[:2],
        count,
        scale,
        full_size,
        yaw_deg=yaw,
        pitch_deg=pitch,
        lighting=_UNMEASURED_LIGHTING,
        sharpness=float("nan"),
        detection="video",
    )
