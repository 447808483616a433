"""Small JPEG previews made fast: JPEG DCT-domain reduced decoding (Pillow `draft`) via
`images.load_rgb(max_side=...)`, so the orientation is applied exactly as everywhere else.

Pure function of the file: callers with a UI run it off the GUI thread (`ui.workers.run_task`);
the library caches the bytes (`Store.thumbnail_path`, `Library.thumbnail`).
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from photocompare.core.images import load_rgb
from photocompare.settings import ImageLimits

THUMBNAIL_QUALITY = 85


def make_thumbnail(
    path: str | Path, px: int | None = None, limits: ImageLimits | None = None
) -> bytes:
    """JPEG bytes of the upright photo with its longer side at most `px` (raises UnreadablePhoto)."""
    limits = limits or ImageLimits()
    loaded = load_rgb(path, max_side=px or limits.thumbnail_px, limits=limits)
    buffer = io.BytesIO()
    Image.fromarray(loaded.rgb).save(
        buffer, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True
    )
    return buffer.getvalue()
