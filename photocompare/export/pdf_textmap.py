"""Make the spaces of a Qt-written PDF extract as spaces, so phrases in it can be searched.

Qt's PDF engine builds each font's ToUnicode map by asking which code point first maps to a
glyph; fonts map TAB (U+0009) to the space glyph, so every space would be copied out of the PDF
as a TAB and a search for "head angle" would find nothing. The maps are written uncompressed;
only the *destination* values <0009> are rewritten to <0020> — same length, so the
cross-reference offsets stay valid. Qt-free: it works on the file's bytes.
"""

from __future__ import annotations

import re
from pathlib import Path

from photocompare.core.errors import ExportError

_CMAP_RE = re.compile(rb"begincmap(.*?)endcmap", re.S)
_RANGE_LINE = re.compile(rb"^(<[0-9A-Fa-f]+>\s+<[0-9A-Fa-f]+>\s+)(.*)$")
_CHAR_LINE = re.compile(rb"^(<[0-9A-Fa-f]+>\s+)(<[0-9A-Fa-f]+>)$")


def fix_text_map_bytes(data: bytes) -> bytes:
    """`data` with every space glyph's text mapped to U+0020 (same length as `data`)."""

    def fix_map(match: re.Match) -> bytes:
        lines = match.group(1).split(b"\n")
        for i, line in enumerate(lines):
            ranged = _RANGE_LINE.match(line)
            if ranged:
                lo, hi = ranged.group(1).split()[:2]
                dst = ranged.group(2)
                # An array lists one destination per glyph; a single destination counts up
                # from lo, so it is only safe to rewrite when the range is one glyph.
                if dst.startswith(b"[") or (dst == b"<0009>" and lo == hi):
                    lines[i] = ranged.group(1) + dst.replace(b"<0009>", b"<0020>")
                continue
            single = _CHAR_LINE.match(line)
            if single and single.group(2) == b"<0009>":
                lines[i] = single.group(1) + b"<0020>"
        return b"begincmap" + b"\n".join(lines) + b"endcmap"

    return _CMAP_RE.sub(fix_map, data)


def fix_space_in_text_maps(path: Path) -> None:
    """Rewrite the PDF at `path` in place (it is still the temporary output, not yet renamed)."""
    data = path.read_bytes()
    fixed = fix_text_map_bytes(data)
    if fixed != data:
        if len(fixed) != len(data):  # pragma: no cover - same-length edits only
            raise ExportError(f"{path.name}: internal error fixing the PDF text map")
        path.write_bytes(fixed)
