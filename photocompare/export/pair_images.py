"""The aligned before/after pair as pixels: for sheets (at print size) and as image files.

Photos are decoded reduced (core.images.load_rgb with max_side, JPEG DCT-domain draft) to the
size the output needs, and the alignment (estimated at full resolution by core.pairing) is
rescaled to those reduced pixels before core.align.warp_to_before maps AFTER into BEFORE's frame.
Without an alignment (no face in either photo) both are shown as taken.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from photocompare.core.errors import ExportError
from photocompare.export.atomic import atomic_output
from photocompare.export.deidentify import require_no_metadata, save_rgb_image
from photocompare.settings import ImageLimits

NOT_ALIGNED_NOTE = "No face found — shown as taken, not aligned"
# Face crop for sheets: width = face box width × FACE_CROP_WIDTH (or height-led), aspect w/h.
FACE_CROP_WIDTH = 1.8
FACE_CROP_HEIGHT = 1.9
FACE_CROP_ASPECT = 0.85
FACE_CROP_RAISE = 0.12  # centre moved up by this fraction of the box height (forehead)
OUTSIDE_PHOTO_RGB = (232, 233, 235)  # fill where the aligned AFTER photo has no pixels
SIDE_BY_SIDE_GAP_FRACTION = 0.02  # white gap between the two photos, relative to width


@dataclass(frozen=True)
class PairImages:
    """Before and after pixels ready to show; `after_rgb` is in BEFORE's frame when aligned."""

    before_rgb: np.ndarray
    after_rgb: np.ndarray
    aligned: bool
    note: str | None  # shown under the pair (e.g. why it is not aligned)
    before_scale: float = 1.0  # before_rgb px per full-resolution px of the BEFORE photo
    cropped: bool = False


def load_pair(
    before_path: str | Path,
    after_path: str | Path,
    alignment,
    *,
    max_side: int | None | tuple[int | None, int | None],
    limits: ImageLimits | None = None,
    before_image=None,
    after_image=None,
    face_box: tuple[float, float, float, float] | None = None,
) -> PairImages:
    """Decode both photos (reduced to `max_side` when given) and warp AFTER onto BEFORE.

    `before_image`/`after_image`: already decoded `LoadedImage`s to reuse (e.g. the reduced
    copies core.pairing analysed), used when they are at least `max_side` long.
    `face_box` (BEFORE's face, full-res px): for an aligned pair, return both cropped to the
    same rectangle around the face (see `face_crop_rect`); only that rectangle is warped.
    """
    from photocompare.core.images import load_rgb

    limits = limits or ImageLimits()
    b_side, a_side = max_side if isinstance(max_side, tuple) else (max_side, max_side)
    before = _reuse(before_image, b_side) or load_rgb(before_path, max_side=b_side, limits=limits)
    after = _reuse(after_image, a_side) or load_rgb(after_path, max_side=a_side, limits=limits)
    if alignment is None:
        return PairImages(
            before.rgb, after.rgb, aligned=False, note=NOT_ALIGNED_NOTE, before_scale=before.scale
        )
    from photocompare.core.align import warp_with_coverage

    before_rgb = before.rgb
    rect = None
    if face_box is not None:
        img_h, img_w = before_rgb.shape[:2]
        rect = face_crop_rect(tuple(v * before.scale for v in face_box), img_w, img_h)
    if rect is not None:
        left, top, right, bottom = rect
        before_rgb = before_rgb[top:bottom, left:right]
        # Warp straight into the crop: shift the full-resolution transform by the crop origin.
        matrix = np.array(alignment.matrix, dtype=np.float64)
        matrix[:, 2] -= (left / before.scale, top / before.scale)
        alignment = dataclasses.replace(alignment, matrix=tuple(map(tuple, matrix)))
    scales = {"after_scale": after.scale, "before_scale": before.scale}
    # Where the warped photo has no pixels, show a neutral grey rather than black.
    warped = warp_with_coverage(
        after.rgb, alignment, before_rgb.shape, **scales, outside_rgb=OUTSIDE_PHOTO_RGB
    ).rgb
    return PairImages(
        np.ascontiguousarray(before_rgb),
        warped,
        aligned=True,
        note=None,
        before_scale=before.scale,
        cropped=rect is not None,
    )


def crop_pair_to_face(pair: PairImages, face_box: tuple[float, float, float, float]) -> PairImages:
    """Crop an ALIGNED pair to the same rectangle around BEFORE's face (box in full-res px)."""
    if not pair.aligned:
        return pair
    img_h, img_w = pair.before_rgb.shape[:2]
    rect = face_crop_rect(tuple(v * pair.before_scale for v in face_box), img_w, img_h)
    if rect is None:
        return pair
    left, top, right, bottom = rect
    return PairImages(
        np.ascontiguousarray(pair.before_rgb[top:bottom, left:right]),
        np.ascontiguousarray(pair.after_rgb[top:bottom, left:right]),
        aligned=True,
        note=pair.note,
        before_scale=pair.before_scale,
        cropped=True,
    )


def draft_friendly_side(full_long: int, needed_long: float, tolerance: float = 0.8) -> int:
    """The decode size (long side) for `needed_long` px: a JPEG DCT reduction 1/k of the photo
    when it gives at least `tolerance` × what is needed (decoding at 1/2 instead of 1/1 is ~4×
    faster), else exactly what is needed."""
    for k in (8, 4, 2):
        if full_long / k >= tolerance * needed_long:
            return math.ceil(full_long / k)
    return min(full_long, math.ceil(needed_long))


def face_crop_rect(
    face_box: tuple[float, float, float, float],
    image_w: float,
    image_h: float,
    *,
    width_factor: float = 0.0,
    aspect: float = 0.0,
) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of the sheet's face crop, in the same px as `face_box`.

    The landmark hull stops at the brows, so the rectangle is centred a little above the box
    centre to keep the forehead (frontalis, brows) in view.
    """
    width_factor = width_factor or FACE_CROP_WIDTH
    aspect = aspect or FACE_CROP_ASPECT
    x, y, w, h = (float(v) for v in face_box)
    if w <= 0 or h <= 0:
        return None
    crop_w = max(w * width_factor, h * FACE_CROP_HEIGHT * aspect)
    crop_h = crop_w / aspect
    crop_w, crop_h = min(crop_w, image_w), min(crop_h, image_h)
    cx, cy = x + w / 2, y + h / 2 - FACE_CROP_RAISE * h
    left = int(round(min(max(cx - crop_w / 2, 0), image_w - crop_w)))
    top = int(round(min(max(cy - crop_h / 2, 0), image_h - crop_h)))
    right, bottom = left + int(round(crop_w)), top + int(round(crop_h))
    if right - left < 16 or bottom - top < 16:
        return None
    return left, top, right, bottom


def _reuse(loaded, max_side: int | None):
    """A decoded image good enough for `max_side` (None = full resolution needed)."""
    if loaded is None or getattr(loaded, "rgb", None) is None:
        return None
    long_side = max(loaded.rgb.shape[:2])
    full_long = max(loaded.full_width, loaded.full_height)
    if max_side is None:
        return loaded if long_side >= full_long else None
    return loaded if long_side >= min(max_side, full_long) else None


def side_by_side(pair: PairImages) -> np.ndarray:
    """One image: BEFORE left, AFTER right, same height, a white gap between them."""
    before, after = pair.before_rgb, pair.after_rgb
    height = before.shape[0]
    if after.shape[0] != height:
        after = _resize_to_height(after, height)
    gap = max(4, int(round((before.shape[1] + after.shape[1]) * SIDE_BY_SIDE_GAP_FRACTION)))
    canvas = np.full((height, before.shape[1] + gap + after.shape[1], 3), 255, np.uint8)
    canvas[:, : before.shape[1]] = before
    canvas[:, before.shape[1] + gap :] = after
    return canvas


def _resize_to_height(rgb: np.ndarray, height: int) -> np.ndarray:
    from PIL import Image

    width = max(1, int(round(rgb.shape[1] * height / rgb.shape[0])))
    return np.asarray(Image.fromarray(rgb).resize((width, height), Image.Resampling.LANCZOS))


def export_pair(
    before_path: str | Path,
    after_path: str | Path,
    output: str | Path,
    alignment,
    *,
    side_by_side_layout: bool = False,
    keep_metadata: bool = False,
    limits: ImageLimits | None = None,
) -> list[Path]:
    """Write the aligned pair as JPEG/PNG (format from the suffix); return the files written.

    Side by side: one file `output`. Separately: `<stem>-before<suffix>` and
    `<stem>-after<suffix>`. Metadata is stripped (and the result checked) unless
    `keep_metadata`, which copies each source photo's EXIF/ICC (BEFORE's for the side-by-side).
    Full resolution of BEFORE; each file appears complete or not at all.
    """
    output = Path(output)
    if output.suffix.lower() not in (".jpg", ".jpeg", ".png"):
        raise ExportError(f"{output.name}: use .jpg, .jpeg or .png")
    pair = load_pair(before_path, after_path, alignment, max_side=None, limits=limits)
    if side_by_side_layout:
        jobs = [(output, side_by_side(pair), before_path)]
    else:
        jobs = [
            (
                output.with_name(f"{output.stem}-before{output.suffix}"),
                pair.before_rgb,
                before_path,
            ),
            (output.with_name(f"{output.stem}-after{output.suffix}"), pair.after_rgb, after_path),
        ]
    written: list[Path] = []
    # Both files go to temporary names first and are renamed together: both or neither.
    with contextlib.ExitStack() as stack:
        for target, rgb, source in jobs:
            tmp = stack.enter_context(atomic_output(target))
            save_rgb_image(
                rgb,
                tmp,
                image_format="PNG" if target.suffix.lower() == ".png" else "JPEG",
                keep_metadata_from=source if keep_metadata else None,
            )
            if not keep_metadata:
                require_no_metadata(tmp, target.name)
            written.append(target)
    return written
