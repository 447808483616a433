"""The drawing vocabulary of a comparison sheet: page geometry, fonts, colours, primitives.

The layout (`export.sheet_layout`, `export.sheet_sections`) produces these frozen records with
positions in millimetres and fonts in points; the painter (`export.sheet_paint`) replays them on
a QPainter. No Qt here. Text is measured through `TextMetrics`, which the painting module
implements with the output device's font metrics, so what is measured is what is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

MARGIN_MM = 14.0
FOOTER_MM = 8.0
GAP_MM = 3.5
IMAGE_BOX_MAX_MM = 112.0
IMAGE_BOX_MIN_MM = 55.0

# Font sizes (points) and fixed heights (mm)
TITLE_PT = 15
H2_PT = 10
BODY_PT = 8.0
SMALL_PT = 7.0
ROW_PAD_MM = 0.9
LOGO_MAX_H_MM = 14.0
LOGO_MAX_W_MM = 32.0
LOGO_DPI = 300  # the logo is small; this keeps it crisp on paper without bloating the PDF
CHART_H_MM = 32.0
NOTES_FRACTION = 0.6  # notes box width; the clinician's name and signature take the rest
SIGN_MIN_MM = 15.0

STATUS_COLOURS = {
    "pass": "#2e7d32",
    "warn": "#b26a00",
    "fail": "#c62828",
}
INK = "#1a1a1a"
MUTED = "#5f6368"
RULE = "#c7c9cc"
HEADER_FILL = "#eef1f4"
HIGHLIGHT = "#1f5fa8"
BAR = "#9fb4cc"
PHOTO_BACKGROUND = "#f4f5f6"


def content_box(
    paper_mm: tuple[float, float], footer_mm: float = FOOTER_MM
) -> tuple[float, float, float, float]:
    """x, y, width, height (mm) of a page's area inside the margins, above its footer."""
    return (
        MARGIN_MM,
        MARGIN_MM,
        paper_mm[0] - 2 * MARGIN_MM,
        paper_mm[1] - 2 * MARGIN_MM - footer_mm,
    )


class TextMetrics(Protocol):
    """Measures text as the output device will draw it (sizes in mm, fonts in points)."""

    def text_height(
        self, text: str, width_mm: float, size_pt: float, bold: bool = False, italic: bool = False
    ) -> float:
        """Height of `text` word-wrapped into `width_mm`; 0 for empty text."""
        ...

    def text_width(self, text: str, size_pt: float, bold: bool = False) -> float:
        """Advance width of `text` on one line."""
        ...


# ---------------------------------------------------------------------------- primitives


@dataclass(frozen=True)
class TextRun:
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float  # the wrapped height as measured; the painter draws into this box
    text: str
    size_pt: float
    bold: bool = False
    italic: bool = False
    colour: str = INK
    align: str = "left"  # "left" | "right" | "center"


@dataclass(frozen=True, eq=False)
class PhotoBox:
    """A photo fitted (aspect kept) at its printed size, with the pixels to embed."""

    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    pixels: np.ndarray = field(repr=False)  # RGB, as in the sheet data
    embed_width_px: int  # scaled to this before drawing (never up)
    embed_height_px: int

    @property
    def embedded_dpi(self) -> float:
        """Pixels per printed inch of the embedded copy (the lower of the two axes)."""
        return min(
            self.embed_width_px / (self.width_mm / 25.4),
            self.embed_height_px / (self.height_mm / 25.4),
        )


@dataclass(frozen=True)
class LogoBox:
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    path: str
    embed_width_px: int
    embed_height_px: int


@dataclass(frozen=True)
class Fill:
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    colour: str


@dataclass(frozen=True)
class Rule:
    x1_mm: float
    y1_mm: float
    x2_mm: float
    y2_mm: float
    colour: str = RULE
    width_mm: float = 0.25
    dashed: bool = False


@dataclass(frozen=True)
class Frame:
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    colour: str = RULE
    line_width_mm: float = 0.25


Primitive = TextRun | PhotoBox | LogoBox | Fill | Rule | Frame


class Recorder:
    """Collects primitives in drawing order; text is measured as it is placed."""

    def __init__(self, metrics: TextMetrics) -> None:
        self.m = metrics
        self.items: list[Primitive] = []

    def text(
        self, x, y, w, text, size=BODY_PT, *, bold=False, italic=False, colour=INK, align="left"
    ) -> float:
        if not text:
            return 0.0
        height = self.m.text_height(text, w, size, bold, italic)
        self.items.append(TextRun(x, y, w, height, text, size, bold, italic, colour, align))
        return height

    def line(self, x1, y1, x2, y2, colour=RULE, width_mm=0.25, dash=False) -> None:
        self.items.append(Rule(x1, y1, x2, y2, colour, width_mm, dash))

    def fill(self, x, y, w, h, colour) -> None:
        self.items.append(Fill(x, y, w, h, colour))

    def frame(self, x, y, w, h, colour=RULE, width_mm=0.25) -> None:
        self.items.append(Frame(x, y, w, h, colour, width_mm))
