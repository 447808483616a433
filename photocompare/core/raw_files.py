"""Recognise camera RAW files before any decoder sees them.

Most RAW formats (DNG, Sony ARW, Canon CR2, Nikon NEF, ...) are TIFF containers: Pillow either
fails on them with a misleading "damaged TIFF" error or decodes only an embedded preview. They
are recognised by suffix and by content (TIFF magic variants, DNG/maker private tags, a camera
maker's IFD0 that is only a preview), reading at most a small header.
"""

from __future__ import annotations

import struct
from pathlib import Path

RAW_REASON = "RAW camera files are not supported — export a JPEG or TIFF from the camera software"

RAW_SUFFIXES = frozenset(
    {
        ".dng", ".arw", ".srf", ".sr2", ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".orf",
        ".rw2", ".rwl", ".raf", ".pef", ".srw", ".3fr", ".iiq", ".x3f", ".erf", ".mos",
        ".mrw", ".kdc", ".dcr",
    }
)  # fmt: skip

_HEADER_BYTES = 64 * 1024
_MAX_IFD_ENTRIES = 1000
_TAG_NEW_SUBFILE_TYPE = 0x00FE
_TAG_MAKE = 0x010F
_TAG_SUB_IFDS = 0x014A
_TAG_DNG_VERSION = 0xC612
_TAG_DNG_PRIVATE_DATA = 0xC634  # written by Sony, Pentax, Samsung... into their RAW files
_CAMERA_MAKERS = (
    "SONY", "CANON", "NIKON", "PENTAX", "RICOH", "FUJIFILM", "OLYMPUS", "OM DIGITAL",
    "PANASONIC", "LEICA", "SAMSUNG", "HASSELBLAD", "PHASE ONE", "MINOLTA", "KONICA",
    "SIGMA", "KODAK", "MAMIYA", "EPSON",
)  # fmt: skip


def is_raw_file(path: Path) -> bool:
    """True when `path` is a camera RAW file (by suffix, or by content for renamed files)."""
    if path.suffix.lower() in RAW_SUFFIXES:
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEADER_BYTES)
    except OSError:
        return False
    return is_raw_header(head)


def is_raw_header(head: bytes) -> bool:
    """True when the first bytes of a file are those of a camera RAW file."""
    if head.startswith(b"FUJIFILMCCD-RAW"):
        return True
    if head[4:8] == b"ftyp" and head[8:12] == b"crx ":  # Canon CR3
        return True
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR", b"IIU\x00"):  # Olympus ORF, Panasonic RW2
        return True
    if head[:4] not in (b"II*\x00", b"MM\x00*"):
        return False
    if head[8:10] == b"CR":  # Canon CR2
        return True
    return _tiff_ifd0_is_raw(head)


def _tiff_ifd0_is_raw(head: bytes) -> bool:
    endian = "<" if head[:2] == b"II" else ">"
    try:
        (offset,) = struct.unpack_from(endian + "I", head, 4)
        (count,) = struct.unpack_from(endian + "H", head, offset)
    except struct.error:
        return False
    tags: dict[int, tuple[int, int, int]] = {}
    for index in range(min(count, _MAX_IFD_ENTRIES)):
        at = offset + 2 + 12 * index
        if at + 12 > len(head):
            break
        tag, kind, n, value = struct.unpack_from(endian + "HHII", head, at)
        tags[tag] = (kind, n, value)
    if _TAG_DNG_VERSION in tags or _TAG_DNG_PRIVATE_DATA in tags:
        return True
    make = _ascii_value(head, endian, tags.get(_TAG_MAKE)).upper()
    if not make.startswith(_CAMERA_MAKERS):
        return False
    # A camera maker's TIFF whose first image is only a preview (or that carries sub-images)
    # is the camera's RAW; a TIFF exported from the camera software has neither.
    preview_first = tags.get(_TAG_NEW_SUBFILE_TYPE, (0, 0, 0))[2] & 1 == 1
    return preview_first or _TAG_SUB_IFDS in tags


def _ascii_value(head: bytes, endian: str, entry: tuple[int, int, int] | None) -> str:
    if entry is None or entry[0] != 2:
        return ""
    _kind, n, value = entry
    if n <= 4:
        raw = struct.pack(endian + "I", value)[:n]
    else:
        raw = head[value : value + min(n, 64)]
    return raw.split(b"\x00", 1)[0].decode("latin-1").strip()
