"""Exact synthetic perturbations of real photos for the face tests (ground truth known).

Exposure and colour changes are applied in LINEAR light (sRGB decoded, scaled, re-encoded),
so "k stops darker" is exact up to 8-bit rounding; geometric changes are similarity warps
whose inverse is the ground-truth alignment.
"""

from __future__ import annotations

import cv2
import numpy as np

from photocompare.core.images import LoadedImage
from photocompare.core.measures import srgb_to_linear


def loaded(rgb: np.ndarray) -> LoadedImage:
    """A full-resolution LoadedImage wrapping an array (no file involved)."""
    rgb = np.ascontiguousarray(rgb)
    return LoadedImage(rgb=rgb, scale=1.0, full_width=rgb.shape[1], full_height=rgb.shape[0])


def encode_linear(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0.0, 1.0)
    enc = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * np.power(lin, 1 / 2.4) - 0.055)
    return np.clip(np.round(enc * 255), 0, 255).astype(np.uint8)


def exposed(rgb: np.ndarray, ev: float) -> np.ndarray:
    """The photo with its exposure changed by `ev` stops (in linear light)."""
    return encode_linear(srgb_to_linear(rgb) * 2.0**ev)


def colour_cast(rgb: np.ndarray, gains: tuple[float, float, float]) -> np.ndarray:
    return encode_linear(srgb_to_linear(rgb) * np.asarray(gains, dtype=float))


def similarity(
    centre: tuple[float, float], angle_deg: float, scale: float, shift: tuple[float, float]
) -> np.ndarray:
    """2x3 matrix: rotate counter-clockwise on screen by `angle_deg` and scale about `centre`, then shift."""
    m = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle_deg, scale)
    m[:, 2] += shift
    return m


def warped(rgb: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    return cv2.warpAffine(rgb, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def inverse(matrix: np.ndarray) -> np.ndarray:
    return np.linalg.inv(np.vstack([matrix, [0, 0, 1]]))[:2]


def jpeg(rgb: np.ndarray, quality: int = 90) -> np.ndarray:
    """The photo written and read back as a JPEG at `quality` (4:2:0, as cameras write it)."""
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def camera_exposed(rgb: np.ndarray, ev: float, quality: int | None = 90) -> np.ndarray:
    """As a camera would record the scene `ev` stops brighter: linear-light gain, clip at
    full scale, sRGB encode, then (unless `quality` is None) JPEG at `quality`."""
    out = exposed(rgb, ev)
    return out if quality is None else jpeg(out, quality)
