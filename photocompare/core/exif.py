"""Lenient EXIF reading with exifread: capture date, orientation, camera and exposure.

Photos arrive from decades of cameras and phones, and their metadata is often broken (bad
offsets, wrong types, truncated blocks, dates such as ``2009:09:09 20:27:09.60:04:00``). A broken
field is simply absent from the result: nothing here ever raises for bad metadata, and the work
is bounded (exifread reads through a budgeted file wrapper, so a malicious file cannot make it
read or loop for ever).
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

import exifread

from photocompare.core.metadata_blocks import EXIF, HiddenRangesReader, find_oversize_metadata

# exifread logs "PNG file does not have exif data." and similar at WARNING; with no logging
# configured Python prints those to stderr, which the CLI contract forbids. Its findings reach
# the user through our result (absent fields), not through its log.
logging.getLogger("exifread").disabled = True

DEFAULT_MAX_METADATA_BYTES = 4 * 1024 * 1024

# The exifread tag names we summarise, mapped to the short names shown in PhotoInfo.exif.
SUMMARY_TAGS = {
    "Image Make": "Make",
    "Image Model": "Model",
    "Image Orientation": "Orientation",
    "Image DateTime": "DateTime",
    "EXIF DateTimeOriginal": "DateTimeOriginal",
    "EXIF DateTimeDigitized": "DateTimeDigitized",
    "EXIF OffsetTime": "OffsetTime",
    "EXIF OffsetTimeOriginal": "OffsetTimeOriginal",
    "EXIF OffsetTimeDigitized": "OffsetTimeDigitized",
    "EXIF ExposureTime": "ExposureTime",
    "EXIF FNumber": "FNumber",
    "EXIF ISOSpeedRatings": "ISOSpeedRatings",
    "EXIF ExposureBiasValue": "ExposureBiasValue",
    "EXIF FocalLength": "FocalLength",
    "EXIF Flash": "Flash",
    "EXIF LensModel": "LensModel",
    "Image Software": "Software",
}
MAX_SUMMARY_VALUE_CHARS = 200


@dataclass(frozen=True)
class ExifSummary:
    """What the photo's EXIF says, each field None when absent or unreadable."""

    taken_at: datetime | None = None  # aware when an EXIF offset was recorded
    taken_at_tag: str | None = None  # "DateTimeOriginal" | "DateTimeDigitized" | "DateTime"
    orientation: int | None = None  # 1..8
    camera_make: str | None = None
    camera_model: str | None = None
    exposure_time_s: float | None = None
    f_number: float | None = None
    iso: int | None = None
    fields: dict[str, str] = field(default_factory=dict)  # short tag name -> printable value


class _BudgetExceeded(Exception):
    pass


class _BudgetedReader(io.RawIOBase):
    """A read-only file wrapper that refuses to deliver more than `budget` bytes in total.

    exifread seeks around inside the file following offsets taken from the file itself; a
    crafted file could send it reading the same bytes again and again. Counting every byte read
    bounds that work whatever the offsets say.
    """

    def __init__(self, fh: io.BufferedReader, budget: int) -> None:
        super().__init__()
        self._fh = fh
        self._left = budget

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._fh.seek(offset, whence)

    def tell(self) -> int:
        return self._fh.tell()

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._left
        if size > self._left:
            raise _BudgetExceeded
        data = self._fh.read(size)
        self._left -= len(data)
        return data

    def readinto(self, b) -> int:  # pragma: no cover - exifread uses read()
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


def read_exif(
    path: str | Path, max_metadata_bytes: int = DEFAULT_MAX_METADATA_BYTES
) -> ExifSummary:
    """Read the EXIF of `path` leniently; never raises for bad metadata (returns what it could).

    EXIF over `max_metadata_bytes` is ignored (nothing is returned), and other over-size blocks
    (a huge XMP) are cut out of what exifread sees — the same rule the image loader applies.
    """
    oversize = find_oversize_metadata(Path(path), max_metadata_bytes)
    if EXIF in oversize.kinds:
        return ExifSummary()
    try:
        opened = (
            HiddenRangesReader(Path(path), oversize.hidden_ranges)
            if oversize.hidden_ranges
            else open(path, "rb")  # noqa: SIM115 - closed by the with below
        )
        with opened as raw:
            reader = _BudgetedReader(raw, max_metadata_bytes)
            tags = exifread.process_file(
                reader, details=False, extract_thumbnail=False, strict=False
            )
    except OSError:
        return ExifSummary()
    except Exception:  # noqa: BLE001 - any exifread failure means "no usable EXIF"
        return ExifSummary()
    return summarise_tags(tags)


def summarise_tags(tags: dict[str, Any]) -> ExifSummary:
    """Turn exifread's tag dictionary into an ExifSummary, dropping every field that is broken."""
    fields: dict[str, str] = {}
    for long_name, short_name in SUMMARY_TAGS.items():
        text = _printable(tags.get(long_name))
        if text:
            fields[short_name] = text[:MAX_SUMMARY_VALUE_CHARS]

    taken_at, taken_tag = None, None
    for tag, offset_tag in (
        ("DateTimeOriginal", "OffsetTimeOriginal"),
        ("DateTimeDigitized", "OffsetTimeDigitized"),
        ("DateTime", "OffsetTime"),
    ):
        value = parse_exif_datetime(fields.get(tag), fields.get(offset_tag))
        if value is not None:
            taken_at, taken_tag = value, tag
            break

    return ExifSummary(
        taken_at=taken_at,
        taken_at_tag=taken_tag,
        orientation=_orientation(tags.get("Image Orientation")),
        camera_make=_clean_text(fields.get("Make")),
        camera_model=_clean_text(fields.get("Model")),
        exposure_time_s=_positive_number(tags.get("EXIF ExposureTime")),
        f_number=_positive_number(tags.get("EXIF FNumber")),
        iso=_iso(tags.get("EXIF ISOSpeedRatings")),
        fields=fields,
    )


_DATE_RE = re.compile(
    r"^\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})"  # date
    r"(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?"  # time
    r"(?:[.,]\d+)?)?"  # sub-seconds: ignored (SubSecTime* tags carry them when they matter)
    r"(?:\s*(Z|[+-]\d{2}:?\d{2}))?"  # offset
)
_OFFSET_RE = re.compile(r"^\s*(Z|[+-])(\d{2}):?(\d{2})?\s*$")


def parse_exif_datetime(text: str | None, offset: str | None = None) -> datetime | None:
    """Parse an EXIF date leniently; None when it cannot be a real date.

    Accepts the standard ``YYYY:MM:DD HH:MM:SS`` and common variants (dashes, a fraction, a
    trailing offset); trailing junk after the seconds — as in ``2009:09:09 20:27:09.60:04:00`` —
    is ignored. Blank dates (``0000:00:00 00:00:00``, spaces) give None. `offset` (the
    OffsetTime* tag, e.g. ``-05:00``) makes the result timezone-aware.
    """
    if not text:
        return None
    match = _DATE_RE.match(text.replace("\x00", " "))
    if not match:
        return None
    year, month, day, hour, minute, second, inline_offset = match.groups()
    try:
        value = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
        )
    except ValueError:
        return None
    if value.year < 1800:
        return None
    tz = parse_exif_offset(offset) or parse_exif_offset(inline_offset)
    return value.replace(tzinfo=tz) if tz else value


def parse_exif_offset(text: str | None) -> timezone | None:
    """``+01:00`` / ``-0500`` / ``Z`` -> a fixed timezone; None for anything else."""
    if not text:
        return None
    match = _OFFSET_RE.match(text)
    if not match:
        return None
    sign, hours, minutes = match.groups()
    if sign == "Z":
        return UTC
    try:
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    except (TypeError, ValueError):
        return None
    if delta > timedelta(hours=14):
        return None
    return timezone(-delta if sign == "-" else delta)


def _first_value(tag: Any) -> Any:
    values = getattr(tag, "values", None)
    if isinstance(values, (list, tuple)):
        return values[0] if values else None
    return values


def _printable(tag: Any) -> str | None:
    if tag is None:
        return None
    try:
        text = str(tag)
    except Exception:  # noqa: BLE001
        return None
    text = text.replace("\x00", "").strip()
    return text or None


def _clean_text(text: str | None) -> str | None:
    if not text:
        return None
    cleaned = "".join(ch for ch in text if ch.isprintable()).strip()
    return cleaned or None


def _orientation(tag: Any) -> int | None:
    try:
        value = int(_first_value(tag))
    except (TypeError, ValueError):
        return None
    return value if 1 <= value <= 8 else None


def _number(value: Any) -> float | None:
    try:
        if hasattr(value, "num") and hasattr(value, "den"):
            if value.den == 0:
                return None
            return float(Fraction(int(value.num), int(value.den)))
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None


def _positive_number(tag: Any) -> float | None:
    value = _number(_first_value(tag))
    if value is None or not (value > 0) or value == float("inf"):
        return None
    return value


def _iso(tag: Any) -> int | None:
    value = _positive_number(tag)
    return int(value) if value is not None else None
