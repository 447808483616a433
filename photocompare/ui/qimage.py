"""Arrays to QImage, once for every view: the core hands out (H, W, 3) RGB arrays and the
screen wants QImages that own their pixels (the array may be freed or reused by the worker)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def qimage_from_rgb(rgb: np.ndarray) -> QImage:
    """A QImage that owns a copy of an (H, W, 3+) uint8 array (extra channels are dropped)."""
    arr = np.ascontiguousarray(rgb[:, :, :3], dtype=np.uint8)
    h, w = arr.shape[:2]
    return QImage(arr.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
