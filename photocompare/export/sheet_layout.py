"""Where everything on a comparison sheet goes: a pure function of the sheet data and the paper.

`layout_sheets(sheets, paper_mm, metrics, ...)` decides the pages, the blocks on each page
(header, photos, checks, migraine figures, measures, notes and signature, footer) and every
primitive to draw — text runs, photos, fills, rules and frames — with positions in millimetres
and font sizes in points. Painting (`export.sheet_paint`) only replays those primitives on a
QPainter, so PDF, PNG and paper come from one layout, and a test can check the geometry
(inside the printable area, photos sharp enough, nothing overlapping, page count) without
drawing anything.

No Qt here: text is measured through a `TextMetrics` object that the caller passes in. The
painting module provides one backed by the output device's font metrics, so what is measured
here is exactly what is drawn there. What each block holds is in `export.sheet_sections`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from photocompare.export.sheet_data import SheetData
from photocompare.export.sheet_primitives import (
    GAP_MM,
    IMAGE_BOX_MIN_MM,
    Fill,
    Frame,
    LogoBox,
    PhotoBox,
    Primitive,
    Recorder,
    Rule,
    TextMetrics,
    TextRun,
    content_box,
)
from photocompare.export.sheet_sections import (
    BLOCK_KINDS,
    footer_box,
    image_box_cap,
    image_note,
    measure,
    printed_dpi,
    record,
    record_footer,
    record_images,
)

__all__ = [
    "BLOCK_KINDS",
    "Block",
    "Fill",
    "Frame",
    "LogoBox",
    "PageLayout",
    "PhotoBox",
    "Primitive",
    "Rule",
    "SheetLayout",
    "TextMetrics",
    "TextRun",
    "content_box",
    "layout_sheets",
]


@dataclass(frozen=True)
class Block:
    """One section of a sheet and the box it may use on its page."""

    kind: str  # one of BLOCK_KINDS, or "footer"
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float


@dataclass(frozen=True, eq=False)
class PageLayout:
    sheet: SheetData = field(repr=False)
    number: int  # 1-based, over the whole document
    blocks: tuple[Block, ...]
    items: tuple[Primitive, ...]  # in drawing order


@dataclass(frozen=True, eq=False)
class SheetLayout:
    paper_mm: tuple[float, float]
    content_mm: tuple[float, float, float, float]  # x, y, width, height above the footer
    pages: tuple[PageLayout, ...]


def layout_sheets(
    sheets: Sequence[SheetData],
    paper_mm: tuple[float, float],
    metrics: TextMetrics,
    *,
    image_dpi: float,
    min_print_dpi: float,
) -> SheetLayout:
    """Every page of the document: each sheet starts a new page and flows onto more pages
    when its notes or tables do not fit. Photos are embedded at up to `image_dpi` at printed
    size; their boxes shrink so they print at `min_print_dpi` or better when the pixels allow."""
    paginated = _paginate(list(sheets), metrics, paper_mm, min_print_dpi)
    x0, _y0, width, _height = content_box(paper_mm)
    pages = []
    for index, (sheet, blocks) in enumerate(paginated):
        rec = Recorder(metrics)
        placed = []
        for kind, y, h, note in blocks:
            placed.append(Block(kind, x0, y, width, h))
            if kind == "images":
                record_images(rec, sheet, x0, y, width, h, image_dpi, note)
            else:
                record(kind, rec, sheet, x0, y, width, h)
        placed.append(Block("footer", *footer_box(paper_mm)))
        record_footer(rec, sheet, paper_mm, index, len(paginated))
        pages.append(PageLayout(sheet, index + 1, tuple(placed), tuple(rec.items)))
    return SheetLayout(tuple(paper_mm), content_box(paper_mm), tuple(pages))


# ---------------------------------------------------------------------------- pagination

# A page's blocks: (kind, top y in mm, height in mm, the note under the photos or None)
_Placed = tuple[str, float, float, str | None]


def _paginate(
    sheets: list[SheetData], m: TextMetrics, paper_mm, min_dpi: float
) -> list[tuple[SheetData, list[_Placed]]]:
    _x0, y0, width, height = content_box(paper_mm)
    pages: list[tuple[SheetData, list[_Placed]]] = []
    for sheet in sheets:
        heights = {kind: measure(kind, sheet, m, width) for kind in BLOCK_KINDS}
        # The photos take the room the text leaves, within limits, so a pair fits one page.
        fixed = sum(h for k, h in heights.items() if k != "images") + GAP_MM * (
            len(BLOCK_KINDS) - 1
        )
        label_h = heights["images"]
        cap = image_box_cap(sheet, width, min_dpi)
        box = max(IMAGE_BOX_MIN_MM, min(cap, height - fixed - label_h))
        note = image_note(sheet)
        dpi = printed_dpi(sheet, width, box)
        if dpi < min_dpi:  # say so: the photos themselves have too few pixels
            note += f" Low resolution: the photos print at {dpi:.0f} dpi."
            label_h = measure("images", sheet, m, width, note=note)
        heights["images"] = label_h + box
        page: list[_Placed] = []
        y = y0
        for kind in BLOCK_KINDS:
            h = heights[kind]
            if page and y + h > y0 + height + 0.01:
                pages.append((sheet, page))
                page = []
                y = y0
            page.append((kind, y, h, note if kind == "images" else None))
            y += h + GAP_MM
        pages.append((sheet, page))
    return pages
