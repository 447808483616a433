"""Find EXIF/XMP blocks over `ImageLimits.max_metadata_bytes` without reading them.

Pillow reads every JPEG APPn segment into memory while opening (and concatenates EXIF
segments), and PNG/WebP text and metadata chunks likewise; a crafted photo can carry hundreds
of megabytes of "metadata". Before any decoder sees the file, its container structure is walked
here by seeking over the payloads (only segment headers are read). Blocks of a kind (EXIF,
XMP) whose total is over the limit are then ignored consistently: hidden from Pillow through
`HiddenRangesReader` (JPEG, PNG), removed from what Pillow reports otherwise, and not given to
exifread — the pixels are still imported.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from pathlib import Path

EXIF = "exif"
XMP = "xmp"

_JPEG_XMP_PREFIXES = (
    b"http://ns.adobe.com/xap/1.0/\x00",
    b"http://ns.adobe.com/xmp/extension/\x00",
)
_PREFIX_PEEK = 36
_MAX_BLOCKS = 100_000  # far more than any real file; bounds the walk on a crafted one


@dataclass(frozen=True)
class OversizeMetadata:
    """Kinds of metadata over the limit and the byte ranges [start, end) that hold them."""

    kinds: frozenset[str] = frozenset()
    hidden_ranges: tuple[tuple[int, int], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.kinds)


def find_oversize_metadata(path: Path, limit: int) -> OversizeMetadata:
    """Walk `path`'s JPEG/PNG/WebP structure; report EXIF/XMP totals over `limit` bytes."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
            fh.seek(0)
            hideable = True
            if head.startswith(b"\xff\xd8"):
                blocks = _jpeg_blocks(fh)
            elif head.startswith(b"\x89PNG\r\n\x1a\n"):
                blocks = _png_blocks(fh)
            elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
                blocks = _webp_blocks(fh)
                hideable = False
            else:
                return OversizeMetadata()
    except OSError:
        return OversizeMetadata()
    totals: dict[str, int] = {}
    for kind, start, end in blocks:
        totals[kind] = totals.get(kind, 0) + (end - start)
    over = frozenset(kind for kind, total in totals.items() if total > limit)
    # WebP is decoded from the whole file by libwebp (its RIFF sizes must stay whole): its
    # chunks are dropped after opening instead of hidden.
    ranges = (
        ()
        if hideable is False
        else tuple((start, end) for kind, start, end in blocks if kind in over)
    )
    return OversizeMetadata(over, ranges)


def _jpeg_blocks(fh: io.BufferedReader) -> list[tuple[str, int, int]]:
    """(kind, start, end) of every APP1 EXIF/XMP segment before the image data."""
    blocks: list[tuple[str, int, int]] = []
    fh.seek(2)
    for _ in range(_MAX_BLOCKS):
        start = fh.tell()
        marker = fh.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            break
        code = marker[1]
        if code == 0xFF:  # fill byte
            fh.seek(start + 1)
            continue
        if code in (0xD9, 0xDA):  # end of image / start of scan: metadata comes before
            break
        if 0xD0 <= code <= 0xD7 or code == 0x01:
            continue
        length_bytes = fh.read(2)
        if len(length_bytes) < 2:
            break
        (length,) = struct.unpack(">H", length_bytes)
        end = start + 2 + length
        if code == 0xE1:
            prefix = fh.read(min(_PREFIX_PEEK, max(0, length - 2)))
            if prefix.startswith(b"Exif\x00\x00"):
                blocks.append((EXIF, start, end))
            elif prefix.startswith(_JPEG_XMP_PREFIXES):
                blocks.append((XMP, start, end))
        fh.seek(end)
    return blocks


def _png_blocks(fh: io.BufferedReader) -> list[tuple[str, int, int]]:
    blocks: list[tuple[str, int, int]] = []
    fh.seek(8)
    for _ in range(_MAX_BLOCKS):
        start = fh.tell()
        header = fh.read(8)
        if len(header) < 8:
            break
        length, chunk_type = struct.unpack(">I4s", header)
        end = start + 12 + length
        if chunk_type in (b"IDAT", b"IEND"):
            break
        if chunk_type == b"eXIf":
            blocks.append((EXIF, start, end))
        elif chunk_type in (b"iTXt", b"tEXt", b"zTXt"):
            key = fh.read(min(length, 80)).split(b"\x00", 1)[0]
            if key == b"XML:com.adobe.xmp":
                blocks.append((XMP, start, end))
            elif key == b"Raw profile type exif":
                blocks.append((EXIF, start, end))
        fh.seek(end)
    return blocks


def _webp_blocks(fh: io.BufferedReader) -> list[tuple[str, int, int]]:
    blocks: list[tuple[str, int, int]] = []
    fh.seek(12)
    for _ in range(_MAX_BLOCKS):
        start = fh.tell()
        header = fh.read(8)
        if len(header) < 8:
            break
        chunk_type, length = struct.unpack("<4sI", header)
        end = start + 8 + length + (length & 1)
        if chunk_type == b"EXIF":
            blocks.append((EXIF, start, end))
        elif chunk_type == b"XMP ":
            blocks.append((XMP, start, end))
        fh.seek(end)
    return blocks


class HiddenRangesReader(io.RawIOBase):
    """A read-only view of a file with some byte ranges cut out (for JPEG segments, PNG chunks).

    Offsets are those of the view; the decoder never sees, and so never reads, the hidden bytes.
    """

    def __init__(self, path: Path, hidden: tuple[tuple[int, int], ...]) -> None:
        super().__init__()
        self._fh = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._fh.seek(0, io.SEEK_END)
        real_size = self._fh.tell()
        # Map of the view: (view start, real start, length) for each kept piece.
        self._pieces: list[tuple[int, int, int]] = []
        real = view = 0
        for start, end in sorted(hidden):
            start, end = max(start, real), min(end, real_size)
            if start > real:
                self._pieces.append((view, real, start - real))
                view += start - real
            real = max(real, end)
        if real < real_size:
            self._pieces.append((view, real, real_size - real))
            view += real_size - real
        self._size = view
        self._pos = 0
        self.name = str(path)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self._pos
        elif whence == io.SEEK_END:
            offset += self._size
        if offset < 0:
            raise OSError("negative seek position")
        self._pos = offset
        return self._pos

    def readinto(self, buffer) -> int:
        out = memoryview(buffer).cast("B")
        done = 0
        while done < len(out) and self._pos < self._size:
            piece = self._piece_at(self._pos)
            view_start, real_start, length = piece
            inside = self._pos - view_start
            count = min(len(out) - done, length - inside)
            self._fh.seek(real_start + inside)
            data = self._fh.read(count)
            if not data:
                break
            out[done : done + len(data)] = data
            done += len(data)
            self._pos += len(data)
        return done

    def _piece_at(self, pos: int) -> tuple[int, int, int]:
        low, high = 0, len(self._pieces) - 1
        while low < high:
            mid = (low + high + 1) // 2
            if self._pieces[mid][0] <= pos:
                low = mid
            else:
                high = mid - 1
        return self._pieces[low]

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()
