"""Open any supported photo: validated metadata (`read_info`) and oriented pixels (`load_rgb`).

This is the one place where image files are decoded and where the EXIF orientation is applied,
so every caller (import, thumbnails, face analysis, export) sees the same upright pixels. Every
failure — missing, empty, truncated, garbage, zero-size, over the pixel limit, a decompression
bomb — becomes `UnreadablePhoto(path, one-line reason)`; nothing else escapes.

Bounded work per file: the file size, the pixel count and the metadata read are all capped by
`ImageLimits` before any pixel is decoded, and only the first frame of multi-frame files is read.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import stat
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, ImageFile, UnidentifiedImageError

from photocompare.core.errors import UnreadablePhoto
from photocompare.core.exif import ExifSummary, parse_exif_datetime, read_exif
from photocompare.core.metadata_blocks import EXIF, XMP, HiddenRangesReader, find_oversize_metadata
from photocompare.core.quiet import native_stderr_silenced
from photocompare.core.raw_files import RAW_REASON, RAW_SUFFIXES, is_raw_file
from photocompare.settings import ImageLimits

pillow_heif.register_heif_opener()

# A truncated file must be refused, never half-decoded with grey padding.
ImageFile.LOAD_TRUNCATED_IMAGES = False
# Pillow's own warnings about odd-but-readable files ("Corrupt EXIF data", "malformed MPO
# file", bomb warnings below our own limit) must not reach the CLI's stderr; what matters is
# reported through UnreadablePhoto or absent fields.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
warnings.filterwarnings("ignore", module=r"PIL(\..*)?$")
warnings.filterwarnings("ignore", module=r"pillow_heif(\..*)?$")

#: Pillow format names accepted as photos (MPO is a JPEG with extra frames; we read the first).
#: PPM is Pillow's name for the whole Netpbm family (PBM/PGM/PPM): small greyscale face photos
#: (e.g. research face sets) come as PGM; floating-point PFM is refused in _require_photo_format.
PHOTO_FORMATS = frozenset({"JPEG", "MPO", "PNG", "TIFF", "WEBP", "BMP", "HEIF", "AVIF", "PPM"})
#: Suffixes of files that look like pictures but are not supported photos: a folder walk picks
#: them up too, so the user is told why they were refused instead of them being skipped.
OTHER_IMAGE_SUFFIXES = frozenset({".gif", ".jxl", ".svg"}) | RAW_SUFFIXES
#: File-name suffixes the importer picks up when walking a folder.
PHOTO_SUFFIXES = frozenset(
    {
        ".jpg",
        ".jpeg",
        ".jpe",
        ".jfif",
        ".mpo",
        ".png",
        ".tif",
        ".tiff",
        ".webp",
        ".bmp",
        ".heic",
        ".heif",
        ".hif",
        ".avif",
        ".pgm",
        ".ppm",
        ".pnm",
        ".pbm",
    }
)

# EXIF orientation -> the transpose that makes the pixels upright (as ImageOps.exif_transpose).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)


@dataclass(frozen=True)
class PhotoInfo:
    """What the library records about a photo file (width/height are after orientation)."""

    path: str
    format: str
    width: int
    height: int
    orientation: int | None
    taken_at: datetime | None
    date_source: str  # "exif" | "file"
    camera_make: str | None
    camera_model: str | None
    sha256: str
    exif: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadedImage:
    """Upright RGB pixels, possibly reduced; `scale` maps them back to full-resolution pixels."""

    rgb: np.ndarray  # (H, W, 3) uint8, orientation applied
    scale: float  # rgb width / full oriented width (1.0 at full resolution)
    full_width: int  # oriented, full resolution
    full_height: int


def sha256_file(path: str | Path, chunk_bytes: int = 1024 * 1024) -> str:
    """Hex SHA-256 of the file's bytes (the library's content address)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def read_info(path: str | Path, limits: ImageLimits | None = None) -> PhotoInfo:
    """Validate that `path` is a supported photo that fully decodes, and describe it.

    Raises UnreadablePhoto (one-line reason) for anything that is not a whole, readable photo
    within `limits`. Broken metadata is not an error: those fields are simply None/absent.
    """
    path = Path(path)
    limits = limits or ImageLimits()
    with _opened(path, limits) as img:
        _require_photo_format(img, path)
        stored_w, stored_h = img.size
        # Decoding the whole bitstream is what proves the file is complete; for JPEG the
        # DCT-domain reduction decodes every coefficient but skips most of the inverse transform.
        # It must come before anything that reads metadata: PNG's getexif() loads the pixels
        # itself, and a second load() after a failed one returns silently with zero rows.
        if img.format in ("JPEG", "MPO"):
            img.draft(None, (max(1, stored_w // 8), max(1, stored_h // 8)))
        _decode(img, path)
        applied, reported = _orientation(img, path, limits)
        exif = read_exif(path, limits.max_metadata_bytes)
        format_name = "JPEG" if img.format == "MPO" else img.format
        pil_fields = _pillow_exif_fields(img)

    width, height = (stored_h, stored_w) if applied in (5, 6, 7, 8) else (stored_w, stored_h)
    fields = dict(exif.fields)
    for key, value in pil_fields.items():
        fields.setdefault(key, value)
    taken_at, date_source = _capture_date(path, exif, pil_fields)
    return PhotoInfo(
        path=str(path),
        format=format_name,
        width=width,
        height=height,
        orientation=reported,
        taken_at=taken_at,
        date_source=date_source,
        camera_make=exif.camera_make or _clean(pil_fields.get("Make")),
        camera_model=exif.camera_model or _clean(pil_fields.get("Model")),
        sha256=sha256_file(path),
        exif=fields,
    )


def load_rgb(
    path: str | Path, *, max_side: int | None = None, limits: ImageLimits | None = None
) -> LoadedImage:
    """Decode `path` to upright RGB uint8, reduced so the longer side is at most `max_side`.

    JPEGs are reduced in the DCT domain (Pillow `draft`, 1/2..1/8) before the final resize, so
    a thumbnail of a 24 MP photo decodes only a fraction of the pixels. Raises UnreadablePhoto.
    """
    path = Path(path)
    limits = limits or ImageLimits()
    with _opened(path, limits) as img:
        _require_photo_format(img, path)
        stored_w, stored_h = img.size
        if max_side is not None and max_side < 1:
            raise ValueError("max_side must be >= 1")
        target = 1.0
        if max_side is not None and max(stored_w, stored_h) > max_side:
            target = max_side / max(stored_w, stored_h)
            if img.format in ("JPEG", "MPO"):
                img.draft(
                    None,
                    (max(1, math.ceil(stored_w * target)), max(1, math.ceil(stored_h * target))),
                )
        _decode(img, path)
        # Only after the decode (see read_info): reading the orientation may load the pixels.
        applied, _reported = _orientation(img, path, limits)
        rgb_img = _to_rgb(img, path)
        if target < 1.0:
            size = (max(1, round(stored_w * target)), max(1, round(stored_h * target)))
            if rgb_img.size != size:
                rgb_img = rgb_img.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        if applied in _TRANSPOSE:
            rgb_img = rgb_img.transpose(_TRANSPOSE[applied])
        rgb = np.array(rgb_img, dtype=np.uint8)

    full_w, full_h = (stored_h, stored_w) if applied in (5, 6, 7, 8) else (stored_w, stored_h)
    if rgb.ndim != 3 or rgb.shape[2] != 3:  # pragma: no cover - _to_rgb guarantees RGB
        raise UnreadablePhoto(path, "could not convert the pixels to RGB")
    return LoadedImage(
        rgb=np.ascontiguousarray(rgb),
        scale=rgb.shape[1] / full_w,
        full_width=full_w,
        full_height=full_h,
    )


def check_file(path: Path, limits: ImageLimits) -> int:
    """Cheap checks before opening: exists, regular file, not empty, not over the size limit."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise UnreadablePhoto(path, "file not found") from None
    except OSError as exc:
        raise UnreadablePhoto(path, f"cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise UnreadablePhoto(path, "is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise UnreadablePhoto(path, "not a regular file")
    if st.st_size == 0:
        raise UnreadablePhoto(path, "empty file (0 bytes)")
    if st.st_size > limits.max_file_bytes:
        raise UnreadablePhoto(
            path,
            f"file is {_megabytes(st.st_size)}, over the {_megabytes(limits.max_file_bytes)} limit",
        )
    return st.st_size


@contextmanager
def _opened(path: Path, limits: ImageLimits) -> Iterator[Image.Image]:
    """Image.open with every failure turned into UnreadablePhoto and the pixel limit enforced."""
    check_file(path, limits)
    if is_raw_file(path):
        raise UnreadablePhoto(path, RAW_REASON)
    # Pillow refuses images over 2 x MAX_IMAGE_PIXELS on open; keep that at least as lenient as
    # our configurable limit, which is then checked below with a clear message.
    if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < limits.max_pixels:
        Image.MAX_IMAGE_PIXELS = limits.max_pixels
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    oversize = find_oversize_metadata(path, limits.max_metadata_bytes)
    try:
        if oversize.hidden_ranges:
            # The decoder reads a view without the over-size blocks: never read, never kept.
            view = io.BufferedReader(HiddenRangesReader(path, oversize.hidden_ranges))
            try:
                img = Image.open(view)
            except BaseException:
                view.close()
                raise
            img._photocompare_view = view  # type: ignore[attr-defined] - closed below
        else:
            img = Image.open(path)
    except Image.DecompressionBombError as exc:
        pixels = _pixels_from_message(str(exc))
        raise UnreadablePhoto(path, _over_limit(pixels, limits)) from None
    except UnidentifiedImageError:
        raise UnreadablePhoto(path, _unidentified_reason(path)) from None
    except FileNotFoundError:
        raise UnreadablePhoto(path, "file not found") from None
    except PermissionError:
        raise UnreadablePhoto(path, "permission denied") from None
    except MemoryError:
        raise UnreadablePhoto(path, "not enough memory to open the file") from None
    except Exception as exc:  # noqa: BLE001 - any decoder failure is "unreadable"
        raise UnreadablePhoto(path, _damaged_reason(exc)) from None
    try:
        if oversize:
            _drop_metadata(img, oversize.kinds)
        width, height = img.size
        if width <= 0 or height <= 0:
            raise UnreadablePhoto(path, f"image has zero width or height ({width}x{height})")
        if width * height > limits.max_pixels:
            raise UnreadablePhoto(path, _over_limit(width * height, limits))
        yield img
    finally:
        img.close()
        view = getattr(img, "_photocompare_view", None)
        if view is not None:
            view.close()


def _require_photo_format(img: Image.Image, path: Path) -> None:
    """Refuse formats that are not photos (or that the app cannot show faithfully), by name."""
    if img.format not in PHOTO_FORMATS:
        raise UnreadablePhoto(path, f"not a supported photo format ({img.format})")
    if img.format == "PPM" and img.mode == "F":
        # PFM holds floating-point (HDR) samples with no fixed white: not a photo of a face.
        raise UnreadablePhoto(path, "not a supported photo format (PFM floating-point image)")


def _drop_metadata(img: Image.Image, kinds: frozenset[str]) -> None:
    """Forget metadata of the over-size `kinds` that Pillow read anyway (e.g. WebP chunks)."""
    keys = {EXIF: ("exif", "Raw profile type exif"), XMP: ("xmp", "XML:com.adobe.xmp")}
    for kind in kinds:
        for key in keys.get(kind, ()):
            img.info.pop(key, None)
    img._exif = None  # getexif() re-reads from what is left (no orientation from a dropped XMP)


def _decode(img: Image.Image, path: Path) -> None:
    """Decode every pixel of the first frame; truncation and corruption become UnreadablePhoto."""
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    # libtiff prints its own complaints ("LZWDecode: ...") straight to fd 2 before Pillow
    # raises; the user gets our one line instead.
    quiet_native = native_stderr_silenced() if img.format == "TIFF" else nullcontext()
    try:
        with quiet_native:
            img.load()
    except MemoryError:
        raise UnreadablePhoto(path, "not enough memory to decode the image") from None
    except Image.DecompressionBombError as exc:
        raise UnreadablePhoto(path, _over_limit(_pixels_from_message(str(exc)), None)) from None
    except Exception as exc:  # noqa: BLE001
        raise UnreadablePhoto(path, _damaged_reason(exc)) from None


def _damaged_reason(exc: BaseException) -> str:
    message = " ".join(str(exc).split())
    if "truncated" in message.lower() or isinstance(exc, EOFError):
        return "file ends early (truncated)"
    if not message:
        message = type(exc).__name__
    return f"image data is damaged ({message[:120]})"


def _unidentified_reason(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            head = fh.read(32)
    except OSError:
        head = b""
    size = _declared_size(head)
    if size is not None and 0 in size:
        return f"image has zero width or height ({size[0]}x{size[1]})"
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return f"damaged {name} header (cannot be decoded)"
    if head.startswith(b"\xff\x0a") or head[4:12] == b"JXL \r\n\x87\n":
        return "JPEG XL is not a supported format"
    if head[4:8] == b"ftyp":
        return "not a supported image (an ISO media file such as a video, or a damaged HEIC)"
    return "not an image file"


def _megabytes(n: int) -> str:
    return f"{n / 1e6:.0f} MB" if n >= 10e6 else f"{n / 1e6:.2g} MB"


def _declared_size(head: bytes) -> tuple[int, int] | None:
    """Width and height from a GIF or PNG header, to explain why Pillow refused it."""
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        return int.from_bytes(head[6:8], "little"), int.from_bytes(head[8:10], "little")
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR" and len(head) >= 24:
        return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    return None


def _pixels_from_message(message: str) -> int | None:
    match = re.search(r"\((\d+) pixels\)", message)
    return int(match.group(1)) if match else None


def _over_limit(pixels: int | None, limits: ImageLimits | None) -> str:
    limit = (limits or ImageLimits()).max_pixels
    limit_text = f"{limit / 1e6:g} MP"
    if pixels is None:
        return f"image is over the {limit_text} limit (decompression bomb)"
    shown = f"{pixels / 1e6:.0f}" if pixels >= 10e6 else f"{pixels / 1e6:.2g}"
    return f"image is {shown} MP, over the {limit_text} limit"


def _orientation(
    img: Image.Image, path: Path, limits: ImageLimits
) -> tuple[int | None, int | None]:
    """(orientation to apply to the decoded pixels, orientation to report).

    Pillow's reading of the EXIF orientation is what we apply (it also finds it in PNG eXIf,
    ImageMagick raw profiles and AVIF XMP); when Pillow cannot parse the EXIF, exifread's value
    is used. pillow-heif already applies HEIF transforms while decoding and keeps the file's
    own value in info["original_orientation"], which is what we report for HEIF.
    """
    try:
        pil_value = _valid_orientation(img.getexif().get(0x0112))
    except Exception:  # noqa: BLE001 - broken EXIF: orientation unknown
        pil_value = None
    if img.format == "HEIF":
        reported = _valid_orientation(img.info.get("original_orientation")) or pil_value
        return pil_value, reported
    if pil_value is None:
        pil_value = read_exif(path, limits.max_metadata_bytes).orientation
    return pil_value, pil_value


def _valid_orientation(value: object) -> int | None:
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 8 else None


def _to_rgb(img: Image.Image, path: Path) -> Image.Image:
    try:
        if img.mode == "RGB":
            return img
        if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
            arr = np.asarray(img, dtype=np.float64)
            peak = float(arr.max()) if arr.size else 0.0
            if peak > 255:
                arr = arr * (255.0 / (65535.0 if peak <= 65535 else peak))
            grey = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
            return Image.fromarray(np.dstack([grey, grey, grey]))
        if img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
            img.mode == "P" and "transparency" in img.info
        ):
            rgba = img.convert("RGBA")
            background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            return Image.alpha_composite(background, rgba).convert("RGB")
        return img.convert("RGB")
    except Exception as exc:  # noqa: BLE001
        raise UnreadablePhoto(path, f"unsupported colour mode {img.mode} ({exc})") from None


_PIL_TAGS = {0x010F: "Make", 0x0110: "Model", 0x0132: "DateTime"}
_PIL_EXIF_IFD_TAGS = {
    0x9003: "DateTimeOriginal",
    0x9004: "DateTimeDigitized",
    0x9010: "OffsetTime",
    0x9011: "OffsetTimeOriginal",
    0x9012: "OffsetTimeDigitized",
}


def _pillow_exif_fields(img: Image.Image) -> dict[str, str]:
    """The few fields Pillow can read when exifread could not (a second, independent parser)."""
    out: dict[str, str] = {}
    try:
        exif = img.getexif()
        for tag, name in _PIL_TAGS.items():
            _put_text(out, name, exif.get(tag))
        ifd = exif.get_ifd(0x8769)
        for tag, name in _PIL_EXIF_IFD_TAGS.items():
            _put_text(out, name, ifd.get(tag))
    except Exception:  # noqa: BLE001 - broken EXIF: whatever was read so far
        pass
    return out


def _put_text(out: dict[str, str], name: str, value: object) -> None:
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    if isinstance(value, str):
        text = value.replace("\x00", "").strip()
        if text:
            out[name] = text[:200]


def _clean(text: str | None) -> str | None:
    if not text:
        return None
    cleaned = "".join(ch for ch in text if ch.isprintable()).strip()
    return cleaned or None


def _capture_date(
    path: Path, exif: ExifSummary, pil_fields: dict[str, str]
) -> tuple[datetime | None, str]:
    """EXIF DateTimeOriginal (+offset), then Digitized, then DateTime; else the file's mtime."""
    if exif.taken_at is not None:
        return exif.taken_at, "exif"
    for tag, offset_tag in (
        ("DateTimeOriginal", "OffsetTimeOriginal"),
        ("DateTimeDigitized", "OffsetTimeDigitized"),
        ("DateTime", "OffsetTime"),
    ):
        value = parse_exif_datetime(pil_fields.get(tag), pil_fields.get(offset_tag))
        if value is not None:
            return value, "exif"
    try:
        mtime = os.stat(path).st_mtime
        return datetime.fromtimestamp(mtime).astimezone(), "file"
    except (OSError, OverflowError, ValueError):
        return None, "file"
