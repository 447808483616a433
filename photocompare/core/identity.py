"""Same person or not: a 128-number face descriptor per photo and a pair check on their distance.

The descriptor is dlib's face-recognition ResNet (``dlib_face_recognition_resnet_model_v1.dat``,
CC0, shipped in ``resources/models/`` by ``packaging/fetch_model.py`` from the PyPI sdist
``face-recognition-models==0.3.0`` and checked by SHA-256; never downloaded at run time). The face
chip the network needs is cut by the ``dlib-bin`` wheels (``dlib.get_face_chip``, with the
MediaPipe landmarks the analysis already found — eye corners and the base of the nose, mapped
onto dlib's five-point layout — so no second face detector runs).

The network itself runs here in NumPy (`ResNetDescriptor`), reading the same weights from the
same file: the ``dlib-bin`` wheels are built without BLAS, so dlib's own forward pass takes
0.15–0.25 s a face, while the same arithmetic through NumPy's OpenBLAS (one thread) takes ~20 ms,
gives the same descriptor to within 1e-6 and, unlike dlib, lets other threads run meanwhile.

Scale: ``similarity = 1 − d`` where d is the Euclidean distance between the two descriptors
(dlib's own decision boundary for "same person" is d = 0.6, i.e. similarity 0.4). Higher is more
alike; identical photos give 1.0. Thresholds: `settings.CheckThresholds.identity_*`.

Descriptors are computed once per photo: callers with a library pass a `DescriptorCache`
(``library.descriptors`` keeps them per photo SHA-256), so this module stays library-free.
"""

from __future__ import annotations

import re
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
    """The descriptor network, loaded once per process (thread-safe).

    dlib (which cuts the face chip) is only ever called on the model's own Python thread; the
    network runs in NumPy on the caller's thread, so two callers can compute at once.
    """

    _shared: IdentityModel | None = None
    _shared_lock = threading.Lock()

    def __init__(self, model_path: str | Path | None = None):
        import dlib

        path = Path(model_path) if model_path else find_identity_model()
        # dlib's Python binding takes the interpreter lock in a way that deadlocks (or crashes)
        # on threads Python did not start itself, such as Qt's worker pool. So every dlib call
        # runs, and its results are read, on one Python thread of its own; callers wait for it.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="identity-model")
        self._dlib = dlib
        self._net = ResNetDescriptor(path)

    @classmethod
    def shared(cls) -> IdentityModel:
        """One model per process (loading takes ~0.1 s)."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def describe(self, rgb: np.ndarray, landmarks_px: np.ndarray) -> np.ndarray:
        """Descriptor (128 float32) of the face whose MediaPipe landmarks (px of `rgb`) are given."""
        # Here, not at the top: the library imports this module for its constants alone and
        # should not pull in OpenCV with it.
        from photocompare.core.face import as_rgb_uint8

        pts = np.asarray(landmarks_px, dtype=float)[:, :2].copy()
        # Hand dlib only the face and its surroundings (it copies the whole array it gets).
        h, w = np.asarray(rgb).shape[:2]
        span = float(max(pts.max(axis=0) - pts.min(axis=0)))
        cx0, cy0 = np.maximum(np.floor(pts.min(axis=0) - span).astype(int), 0)
        cx1, cy1 = np.minimum(np.ceil(pts.max(axis=0) + span).astype(int), [w, h])
        crop = as_rgb_uint8(np.asarray(rgb)[cy0:cy1, cx0:cx1])
        pts -= [cx0, cy0]
        chip = self._thread.submit(self._chip, crop, pts).result()
        return self._net.describe_chip(chip)

    def _chip(self, img: np.ndarray, pts: np.ndarray) -> np.ndarray:
        # Runs on the model's thread: the 150×150 chip dlib's network was trained on, cut the
        # way dlib's own compute_face_descriptor cuts it (padding 0.25).
        dlib = self._dlib
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        rect = dlib.rectangle(int(x0), int(y0), int(x1), int(y1))
        parts = [dlib.point(int(round(pts[i, 0])), int(round(pts[i, 1]))) for i in _FIVE_POINTS]
        shape = dlib.full_object_detection(rect, parts)
        return np.array(dlib.get_face_chip(img, shape, CHIP_SIZE_PX, CHIP_PADDING), dtype=np.uint8)


CHIP_SIZE_PX = 150
CHIP_PADDING = 0.25

# The network's layout (dlib's ``dlib_face_recognition_resnet_model_v1``): a 7×7/2 convolution,
# a 3×3/2 max pool, then residual blocks of two 3×3 convolutions (filters, first stride), and a
# 128×256 projection of the average over the last map. A block with stride 2 adds the 2×2 average
# pool of its input instead of the input itself.
_BLOCKS = (
    ((32, 1),) * 3
    + ((64, 2),) + ((64, 1),) * 3
    + ((128, 2),) + ((128, 1),) * 2
    + ((256, 2),) + ((256, 1),) * 2
    + ((256, 2),)
)


class ResNetDescriptor:
    """dlib's face-recognition ResNet evaluated with NumPy, weights read from dlib's model file.

    dlib's file is a stream of its own serialisation: integers as a length byte (bit 7 = sign)
    plus little-endian bytes, tensors as version 2, four dimensions and raw float32. Only the
    records that carry weights are read (``input_rgb_image_sized`` channel means, ``con_4``,
    ``affine_``, ``fc_2``); the layout above is checked against every shape read, so a file of
    another network is refused instead of giving wrong descriptors.
    """

    def __init__(self, path: str | Path):
        path = Path(path)
        try:
            self._load(path.read_bytes())
        except (ValueError, IndexError, KeyError, StopIteration) as exc:
            raise ModelMissing(
                f"identity model {path} cannot be read as dlib's face-recognition network "
                f"({exc}); {RESTORE_HINT}"
            ) from None
        self._blas = None

    # -- reading dlib's file -------------------------------------------------------------------
    def _load(self, buf: bytes) -> None:
        name = b"input_rgb_image_sized"
        at = buf.index(bytes([1, len(name)]) + name) + 2 + len(name)
        means = []
        for _ in range(3):
            value, at = _dlib_float(buf, at)
            means.append(value)
        self._mean_rgb = np.array(means, dtype=np.float32)
        convs: list[tuple[np.ndarray, np.ndarray, int, int, int]] = []
        affines: list[tuple[np.ndarray, np.ndarray]] = []
        fc = None
        for m in re.finditer(rb"\x01\x05con_4|\x01\x07affine_|\x01\x04fc_2", buf):
            kind, at = m.group()[2:], m.end()
            if kind == b"con_4":
                params, at = _dlib_tensor(buf, at)
                n, rows, cols, stride_y, stride_x, pad_y, pad_x = _dlib_ints(buf, at, 7)[0]
                if rows != cols or stride_y != stride_x or pad_y != pad_x:
                    raise ValueError("non-square convolution")
                size = n * rows * cols
                k = (params.size - n) // size
                w = params[: size * k].reshape(n, k, rows, cols)
                # im2col below orders a patch as (row, column, channel): weights to match.
                convs.append((w.transpose(2, 3, 1, 0).reshape(-1, n),
                              params[size * k : size * k + n], rows, stride_y, pad_y))
            elif kind == b"affine_":
                params, at = _dlib_tensor(buf, at)
                half = params.size // 2
                affines.append((params[:half], params[half:]))
            else:
                (outputs, inputs), at = _dlib_ints(buf, at, 2)
                params, at = _dlib_tensor(buf, at)
                fc = params[: inputs * outputs].reshape(inputs, outputs)
        expected = 1 + 2 * len(_BLOCKS)
        if len(convs) != expected or len(affines) != expected or fc is None:
            raise ValueError(f"{len(convs)} convolutions, {len(affines)} affine layers")
        # Fold each affine (inference batch-norm) layer into the convolution before it.
        layers = []
        for (w, b, size, stride, pad), (gamma, beta) in zip(convs, affines, strict=True):
            if gamma.size != w.shape[1]:
                raise ValueError("affine layer does not match its convolution")
            layers.append((np.ascontiguousarray(w * gamma, dtype=np.float32),
                           (b * gamma + beta).astype(np.float32), size, stride, pad))
        channels = 3
        shapes = [(32, 7, 2)] + [s for n, st in _BLOCKS for s in ((n, 3, st), (n, 3, 1))]
        for (w, _b, size, stride, _pad), (n, want_size, want_stride) in zip(layers, shapes, strict=True):
            if w.shape != (channels * size * size, n) or (size, stride) != (want_size, want_stride):
                raise ValueError(f"unexpected layer shape {w.shape}")
            channels = n
        if fc.shape != (channels, DESCRIPTOR_LENGTH):
            raise ValueError(f"unexpected projection shape {fc.shape}")
        self._layers = layers
        self._fc = np.ascontiguousarray(fc, dtype=np.float32)

    # -- the forward pass ----------------------------------------------------------------------
    def describe_chip(self, chip: np.ndarray) -> np.ndarray:
        """Descriptor (128 float32) of a 150×150 RGB uint8 face chip."""
        chip = np.asarray(chip)
        if chip.shape != (CHIP_SIZE_PX, CHIP_SIZE_PX, 3):
            raise ValueError(f"face chip must be {CHIP_SIZE_PX}×{CHIP_SIZE_PX}×3, got {chip.shape}")
        # The network's matrices are small: BLAS threads cost more in hand-over than they gain,
        # and on a busy machine far more (on 2 loaded cores: 0.15–0.59 s with two BLAS threads,
        # 0.02–0.03 s with one).
        with self._one_blas_thread():
            return self._forward(chip)

    def _one_blas_thread(self) -> Any:
        import contextlib

        if self._blas is None:
            try:
                from threadpoolctl import ThreadpoolController

                self._blas = ThreadpoolController()
            except Exception:  # noqa: BLE001 — without it the pass is only slower
                self._blas = False
        if self._blas is False:
            return contextlib.nullcontext()
        return self._blas.limit(limits=1, user_api="blas")

    def _forward(self, chip: np.ndarray) -> np.ndarray:
        x = (chip.astype(np.float32) - self._mean_rgb) * np.float32(1 / 256)
        layers = iter(self._layers)
        x = np.maximum(_conv(x, *next(layers)), 0)
        x = _pool(x, 3, np.max)
        for _filters, stride in _BLOCKS:
            y = np.maximum(_conv(x, *next(layers)), 0)
            y = _conv(y, *next(layers))
            shortcut = _pool(x, 2, np.mean) if stride == 2 else x
            x = np.maximum(_add_padded(y, shortcut), 0)
        return (x.mean(axis=(0, 1)) @ self._fc).astype(np.float32)


def _conv(x: np.ndarray, w: np.ndarray, b: np.ndarray, size: int, stride: int, pad: int
          ) -> np.ndarray:
    """Cross-correlation of an H×W×C map (dlib's convolution), by im2col and one matrix product."""
    from numpy.lib.stride_tricks import sliding_window_view

    if pad:
        x = np.pad(x, ((pad, pad), (pad, pad), (0, 0)))
    # Channels last and innermost: the patch copy moves whole runs of channels at a time.
    patches = sliding_window_view(x, (size, size), axis=(0, 1))[::stride, ::stride]
    rows, cols = patches.shape[:2]
    patches = patches.transpose(0, 1, 3, 4, 2).reshape(rows * cols, -1)
    return (patches @ w + b).reshape(rows, cols, -1)


def _pool(x: np.ndarray, size: int, reduce: Callable[..., np.ndarray]) -> np.ndarray:
    """dlib's size×size pooling with stride 2 and no padding."""
    from numpy.lib.stride_tricks import sliding_window_view

    return reduce(sliding_window_view(x, (size, size), axis=(0, 1))[::2, ::2], axis=(3, 4))


def _add_padded(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """dlib's add_prev: the sum over the larger of each dimension, the smaller map zero-padded."""
    if a.shape == b.shape:
        return a + b
    out = np.zeros(np.maximum(a.shape, b.shape), dtype=np.float32)
    out[: a.shape[0], : a.shape[1], : a.shape[2]] += a
    out[: b.shape[0], : b.shape[1], : b.shape[2]] += b
    return out


def _dlib_int(buf: bytes, at: int) -> tuple[int, int]:
    head = buf[at]
    n = head & 0x0F
    if n > 8:
        raise ValueError(f"bad integer at byte {at}")
    value = int.from_bytes(buf[at + 1 : at + 1 + n], "little")
    return (-value if head & 0x80 else value), at + 1 + n


def _dlib_ints(buf: bytes, at: int, count: int) -> tuple[list[int], int]:
    values = []
    for _ in range(count):
        value, at = _dlib_int(buf, at)
        values.append(value)
    return values, at


def _dlib_float(buf: bytes, at: int) -> tuple[float, int]:
    """dlib's portable float: an integer mantissa and a base-2 exponent."""
    (mantissa, exponent), at = _dlib_ints(buf, at, 2)
    if exponent >= 32000:  # dlib's markers for inf/nan
        raise ValueError("non-finite value")
    return float(mantissa) * 2.0**exponent, at


def _dlib_tensor(buf: bytes, at: int) -> tuple[np.ndarray, int]:
    """A dlib tensor (version 2): four dimensions, then raw little-endian float32."""
    (version, *dims), at = _dlib_ints(buf, at, 5)
    if version != 2 or min(dims) < 0:
        raise ValueError(f"unsupported tensor record at byte {at}")
    count = int(np.prod(dims))
    values = np.frombuffer(buf, dtype="<f4", count=count, offset=at).astype(np.float32)
    return values, at + 4 * count


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
