"""De-identification: who the patient is, and what image files carry besides their pixels.

Two separate concerns, both applied to every export:
- the patient label on sheets, in PDF metadata and in suggested file names: name (and birth
  year) only when the export is identified; the library's patient ID otherwise;
- image metadata: an exported JPEG/PNG is written from pixels alone (no EXIF, XMP, IPTC, GPS,
  camera/lens serial numbers, maker notes, owner name, ICC profile, comments) unless the user
  chose to keep the metadata. `identifying_metadata(path)` reads an output back at the byte
  level and lists whatever metadata blocks it still holds; exporters call it before renaming a
  de-identified output into place, so a stripped export is checked, not assumed.
"""

from __future__ import annotations

import re
import struct
import unicodedata
from datetime import date, datetime
from pathlib import Path

import numpy as np
from PIL import Image

from photocompare.core.errors import ExportError
from photocompare.settings import ExportSettings

EXIF_ORIENTATION_TAG = 0x0112
JPEG_QUALITY = ExportSettings().image_jpeg_quality


def patient_label(patient_id: str | None, patient_name: str | None, deidentify: bool) -> str:
    """What a sheet prints as the patient: ID only when de-identified, else name and ID."""
    pid = (patient_id or "").strip()
    name = (patient_name or "").strip()
    if deidentify or not name:
        return f"ID {pid}" if pid else "ID not given"
    return f"{name} (ID {pid})" if pid else name


def safe_filename_part(text: str, max_len: int = 40) -> str:
    """ASCII letters, digits, '-' and '_' only: portable across Windows, macOS and Linux."""
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    norm = re.sub(r"[^A-Za-z0-9_-]+", "-", norm).strip("-_")
    return norm[:max_len] or "unnamed"


def suggested_filename(
    kind: str,
    extension: str,
    *,
    patient_id: str | None,
    patient_name: str | None = None,
    deidentify: bool = False,
    on: date | datetime | None = None,
) -> str:
    """A default output name, e.g. ``sheet_ID-0042_2026-04-12.pdf``; no name when de-identified."""
    parts = [safe_filename_part(kind)]
    if patient_name and not deidentify:
        parts.append(safe_filename_part(patient_name))
    parts.append("ID-" + safe_filename_part(patient_id or "unknown"))
    if on is not None:
        parts.append((on.date() if isinstance(on, datetime) else on).isoformat())
    return "_".join(parts) + "." + extension.lstrip(".")


# --------------------------------------------------------------------------------------------
# Writing images with or without metadata


def save_rgb_image(
    rgb: np.ndarray,
    path: str | Path,
    *,
    image_format: str | None = None,
    keep_metadata_from: str | Path | None = None,
    quality: int = JPEG_QUALITY,
) -> None:
    """Write RGB pixels as JPEG or PNG (format from `image_format` or the suffix of `path`).

    Without `keep_metadata_from` the file carries pixels only. With it, the source photo's EXIF
    (orientation reset to 1, since the pixels are already upright) and ICC profile are copied.
    """
    fmt = (image_format or _format_from_suffix(Path(path))).upper()
    image = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    params: dict[str, object] = {}
    if keep_metadata_from is not None:
        params.update(_source_metadata(Path(keep_metadata_from)))
    if fmt == "JPEG":
        image.save(path, "JPEG", quality=quality, optimize=False, **params)
    elif fmt == "PNG":
        image.save(path, "PNG", compress_level=3, **params)
    else:
        raise ExportError(f"{Path(path).name}: unsupported image format {fmt}")


def _format_from_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jpg", ".jpeg"):
        return "JPEG"
    if suffix == ".png":
        return "PNG"
    raise ExportError(f"{path.name}: use .jpg, .jpeg or .png")


def _source_metadata(source: Path) -> dict[str, object]:
    try:
        with Image.open(source) as src:
            exif = src.getexif()
            icc = src.info.get("icc_profile")
    except Exception:  # noqa: BLE001 - the source was readable before; metadata is optional
        return {}
    params: dict[str, object] = {}
    if len(exif):
        if EXIF_ORIENTATION_TAG in exif:
            exif[EXIF_ORIENTATION_TAG] = 1
        try:
            params["exif"] = exif.tobytes()
        except Exception:  # noqa: BLE001 - malformed EXIF cannot be re-encoded; drop it
            pass
    if icc:
        params["icc_profile"] = icc
    return params


# --------------------------------------------------------------------------------------------
# Reading an output back: which metadata blocks does it hold?

_JPEG_APP_NAMES = {
    b"Exif\x00\x00": "EXIF",
    b"http://ns.adobe.com/xap/1.0/\x00": "XMP",
    b"http://ns.adobe.com/xmp/extension/\x00": "XMP",
    b"Photoshop 3.0\x00": "IPTC/Photoshop",
    b"ICC_PROFILE\x00": "ICC profile",
    b"MPF\x00": "MPF",
}
_PNG_METADATA_CHUNKS = {
    b"eXIf": "EXIF",
    b"tEXt": "text",
    b"iTXt": "text/XMP",
    b"zTXt": "text",
    b"iCCP": "ICC profile",
    b"tIME": "time",
}


def identifying_metadata(path: str | Path) -> list[str]:
    """Metadata blocks found in a JPEG or PNG file (empty list: pixels and layout only).

    JPEG: any APP1..APP15 segment (EXIF, XMP, IPTC, ICC, maker data) and COM comments; the
    JFIF APP0 header (pixel density only) is allowed. PNG: eXIf, tEXt/iTXt/zTXt, iCCP, tIME.
    """
    data = Path(path).read_bytes()
    if data.startswith(b"\xff\xd8"):
        return _jpeg_metadata(data)
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png_metadata(data)
    raise ExportError(f"{Path(path).name}: not a JPEG or PNG file")


def _jpeg_metadata(data: bytes) -> list[str]:
    found: list[str] = []
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        if marker == 0xDA or marker == 0xD9:  # start of scan: no metadata after this point
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        payload = data[pos + 4 : pos + 2 + length]
        if 0xE1 <= marker <= 0xEF:
            name = next((v for k, v in _JPEG_APP_NAMES.items() if payload.startswith(k)), None)
            found.append(name or f"APP{marker - 0xE0}")
        elif marker == 0xE0 and not payload.startswith(b"JFIF\x00"):
            found.append("APP0")
        elif marker == 0xFE:
            found.append("comment")
        pos += 2 + length
    # Anything after the end-of-image marker (e.g. trailing maker data, a second image).
    eoi = data.rfind(b"\xff\xd9")
    if eoi != -1 and len(data) - (eoi + 2) > 16:
        found.append("data after end of image")
    return found


def _png_metadata(data: bytes) -> list[str]:
    found: list[str] = []
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind in _PNG_METADATA_CHUNKS:
            found.append(_PNG_METADATA_CHUNKS[kind])
        if kind == b"IEND":
            break
        pos += 12 + length
    return found


def require_no_metadata(path: str | Path, shown_name: str) -> None:
    """Raise ExportError when a de-identified output still holds metadata (before it is renamed)."""
    left = identifying_metadata(path)
    if left:
        raise ExportError(f"{shown_name}: metadata left after stripping ({', '.join(left)})")
