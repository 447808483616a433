"""The comparison sheet: QPainter layout rendered to PDF (QPdfWriter), PNG (QImage) or a printer.

QtGui only, so it renders on the offscreen platform from the CLI; `print_sheets` takes a QPrinter
(QtPrintSupport) that the UI sets up with QPrintDialog. One layout routine draws on all three
devices: positions are in millimetres converted to device units, fonts in points (Qt converts
them with the device's resolution), so PDF, PNG and paper look the same.

Images: each photo is scaled once to the pixel size of its box at `IMAGE_DPI` (≥ 200 dpi at
printed size) before drawing, so the PDF embeds exactly that many pixels (Qt stores them as
DCT/JPEG) and a sheet with two 12 MP photos renders well under a second. Text is real text with
embedded font subsets: selectable and searchable.

Outputs are written to a temporary name in the same folder and renamed when complete.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from photocompare import APP_NAME
from photocompare.core.errors import ExportError
from photocompare.export.atomic import atomic_output
from photocompare.export.qt_env import ensure_gui_application
from photocompare.export.sheet_data import (  # re-exported: the sheet's data model
    NO_DIARY_NOTE,
    ChartBar,
    CheckLine,
    MeasureLine,
    MigraineLine,
    SheetData,
    build_sheet_data,
)
from photocompare.settings import ExportSettings

__all__ = [
    "NO_DIARY_NOTE",
    "ChartBar",
    "CheckLine",
    "MeasureLine",
    "MigraineLine",
    "SheetData",
    "build_sheet_data",
    "render_pdf",
    "render_png",
    "print_sheets",
    "PAPER_SIZES_MM",
    "IMAGE_DPI",
]

PAPER_SIZES_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
# Defaults from settings.ExportSettings (each render function takes an ExportSettings).
IMAGE_DPI = ExportSettings().sheet_image_dpi  # photos embedded at up to this at printed size
MIN_PRINT_DPI = ExportSettings().sheet_min_print_dpi  # boxes shrink so photos print this sharp
PDF_RESOLUTION = 1200  # device units per inch of the PDF writer (layout precision only)
MARGIN_MM = 14.0
FOOTER_MM = 8.0
GAP_MM = 3.5
IMAGE_BOX_MAX_MM = 112.0
IMAGE_BOX_MIN_MM = 55.0

FONT_FAMILIES = ["DejaVu Sans", "Noto Sans", "Liberation Sans", "Arial", "Helvetica", "sans-serif"]

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


def _qt():
    """Import QtGui lazily (the module imports without Qt running; rendering starts it)."""
    ensure_gui_application()
    from PySide6 import QtCore, QtGui

    return QtCore, QtGui


# ============================================================================ public functions


def render_pdf(
    sheets: SheetData | Sequence[SheetData],
    path: str | Path,
    paper: str | None = None,
    settings: ExportSettings | None = None,
) -> Path:
    """Write the sheet(s) as one PDF (each sheet starts a new page); returns `path`."""
    settings = settings or ExportSettings()
    paper = paper or settings.default_paper
    sheets = _as_list(sheets)
    paper_mm = _paper(paper)
    QtCore, QtGui = _qt()
    target = Path(path)
    with atomic_output(target) as tmp:
        writer = QtGui.QPdfWriter(str(tmp))
        writer.setResolution(PDF_RESOLUTION)
        writer.setPageLayout(
            QtGui.QPageLayout(
                QtGui.QPageSize(_page_size_id(QtGui, paper)),
                QtGui.QPageLayout.Orientation.Portrait,
                QtCore.QMarginsF(0, 0, 0, 0),
                QtGui.QPageLayout.Unit.Millimeter,
            )
        )
        writer.setCreator(f"{APP_NAME} {sheets[0].app_version}")
        writer.setTitle(_document_title(sheets))
        _render(sheets, writer, paper_mm, writer.newPage, settings.sheet_image_dpi, settings)
        del writer  # flushes and closes the file
        _fix_space_in_text_maps(tmp)
    return target


def render_png(
    sheets: SheetData | Sequence[SheetData],
    path: str | Path,
    dpi: int = 150,
    paper: str | None = None,
    settings: ExportSettings | None = None,
) -> list[Path]:
    """Write each page as a PNG at `dpi`: page 1 at `path`, further pages as `<stem>-p2.png`..."""
    settings = settings or ExportSettings()
    paper = paper or settings.default_paper
    sheets = _as_list(sheets)
    if not 30 <= dpi <= 600:
        raise ExportError(f"PNG resolution {dpi} dpi is outside 30–600")
    paper_mm = _paper(paper)
    QtCore, QtGui = _qt()
    width_px = round(paper_mm[0] / 25.4 * dpi)
    height_px = round(paper_mm[1] / 25.4 * dpi)
    images: list = []

    def new_image():
        image = QtGui.QImage(width_px, height_px, QtGui.QImage.Format.Format_RGB32)
        dpm = round(dpi / 0.0254)
        image.setDotsPerMeterX(dpm)
        image.setDotsPerMeterY(dpm)
        image.fill(QtGui.QColor("white"))
        images.append(image)
        return image

    _render_images(sheets, paper_mm, new_image, dpi, settings)
    target = Path(path)
    written = []
    # All pages are written to temporary files first and renamed together at the end, so a
    # failure on page 2 leaves neither page behind.
    with contextlib.ExitStack() as stack:
        for index, image in enumerate(images):
            out = target if index == 0 else target.with_name(f"{target.stem}-p{index + 1}.png")
            tmp = stack.enter_context(atomic_output(out))
            if not image.save(str(tmp), "PNG"):
                raise ExportError(f"{out.name}: could not encode PNG")
            written.append(out)
    return written


def print_sheets(
    sheets: SheetData | Sequence[SheetData], printer, settings: ExportSettings | None = None
) -> None:
    """Render onto a configured QPrinter (e.g. after QPrintDialog); uses its paper size."""
    settings = settings or ExportSettings()
    sheets = _as_list(sheets)
    QtCore, QtGui = _qt()
    rect = printer.pageLayout().fullRectPoints()
    paper_mm = (rect.width() * 25.4 / 72.0, rect.height() * 25.4 / 72.0)
    printer.setFullPage(True)
    dpi = min(printer.resolution(), 600)
    image_dpi = max(settings.sheet_image_dpi, dpi)
    _render(sheets, printer, paper_mm, printer.newPage, image_dpi, settings)


def sheet_page_count(sheets: SheetData | Sequence[SheetData], paper: str = "a4") -> int:
    """How many pages the PDF will have (layout only, nothing drawn)."""
    sheets = _as_list(sheets)
    QtCore, QtGui = _qt()
    probe = QtGui.QImage(8, 8, QtGui.QImage.Format.Format_RGB32)
    dpm = round(PDF_RESOLUTION / 0.0254)
    probe.setDotsPerMeterX(dpm)
    probe.setDotsPerMeterY(dpm)
    return len(_paginate(sheets, _Metrics(probe, PDF_RESOLUTION), _paper(paper), MIN_PRINT_DPI))


# ============================================================================ internals


def _no_ligatures(QtGui, font) -> None:
    """Searching a PDF for "diff" must find it: no ﬀ/ﬁ ligature glyphs in the text layer."""
    tag_type = getattr(QtGui.QFont, "Tag", None)
    if tag_type is None or not hasattr(font, "setFeature"):  # Qt < 6.7
        return
    for name in ("liga", "clig"):
        font.setFeature(tag_type(name), 0)


_CMAP_RE = re.compile(rb"begincmap(.*?)endcmap", re.S)
_RANGE_LINE = re.compile(rb"^(<[0-9A-Fa-f]+>\s+<[0-9A-Fa-f]+>\s+)(.*)$")
_CHAR_LINE = re.compile(rb"^(<[0-9A-Fa-f]+>\s+)(<[0-9A-Fa-f]+>)$")


def _fix_space_in_text_maps(path: Path) -> None:
    """Make the space glyph extract as a space, not a TAB, so phrases are searchable.

    Qt's PDF engine builds each font's ToUnicode map by asking which code point first maps to
    a glyph; fonts map TAB (U+0009) to the space glyph, so every space would be copied out of
    the PDF as a TAB. The maps are written uncompressed; only the *destination* values
    <0009> are rewritten to <0020> — same length, so the cross-reference offsets stay valid.
    """
    data = path.read_bytes()

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

    fixed = _CMAP_RE.sub(fix_map, data)
    if fixed != data:
        if len(fixed) != len(data):  # pragma: no cover - same-length edits only
            raise ExportError(f"{path.name}: internal error fixing the PDF text map")
        path.write_bytes(fixed)


def _as_list(sheets) -> list[SheetData]:
    items = [sheets] if isinstance(sheets, SheetData) else list(sheets)
    if not items:
        raise ExportError("nothing to export: no comparison given")
    return items


def _paper(paper: str) -> tuple[float, float]:
    try:
        return PAPER_SIZES_MM[paper.lower()]
    except KeyError:
        raise ExportError(f"unknown paper size {paper!r} (use a4 or letter)") from None


def _page_size_id(QtGui, paper: str):
    return (
        QtGui.QPageSize.PageSizeId.A4
        if paper.lower() == "a4"
        else QtGui.QPageSize.PageSizeId.Letter
    )


def _document_title(sheets: list[SheetData]) -> str:
    first = sheets[0]
    # The patient label is already ID-only for a de-identified sheet.
    return f"{first.title} — {first.patient_label}"


def _render_images(sheets, paper_mm, new_image: Callable, dpi: int, settings) -> None:
    """PNG path: one QImage per page, each painted separately."""
    QtCore, QtGui = _qt()
    first = new_image()
    metrics = _Metrics(first, dpi)
    pages = _paginate(sheets, metrics, paper_mm, settings.sheet_min_print_dpi)
    for index, page in enumerate(pages):
        image = first if index == 0 else new_image()
        painter = QtGui.QPainter(image)
        try:
            _setup_painter(painter, QtGui)
            _draw_page(painter, _Metrics(image, dpi), page, index, len(pages), paper_mm, dpi)
        finally:
            painter.end()


def _render(sheets, device, paper_mm, new_page: Callable, image_dpi: int, settings) -> None:
    QtCore, QtGui = _qt()
    dpi = device.logicalDpiY()
    metrics = _Metrics(device, dpi)
    pages = _paginate(sheets, metrics, paper_mm, settings.sheet_min_print_dpi)
    painter = QtGui.QPainter()
    if not painter.begin(device):
        raise ExportError("could not start drawing the sheet (output not writable?)")
    try:
        _setup_painter(painter, QtGui)
        for index, page in enumerate(pages):
            if index:
                new_page()
            _draw_page(painter, metrics, page, index, len(pages), paper_mm, image_dpi)
    finally:
        painter.end()


def _setup_painter(painter, QtGui) -> None:
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
    painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)


class _Metrics:
    """Millimetre ↔ device-unit conversion and text measurement for one paint device."""

    def __init__(self, device, dpi: float) -> None:
        QtCore, QtGui = _qt()
        self.QtCore, self.QtGui = QtCore, QtGui
        self.device = device
        self.dpu = dpi / 25.4  # device units per millimetre
        self._fonts: dict = {}

    def u(self, mm: float) -> float:
        return mm * self.dpu

    def font(self, size_pt: float, bold: bool = False, italic: bool = False):
        key = (size_pt, bold, italic)
        font = self._fonts.get(key)
        if font is None:
            font = self.QtGui.QFont()
            font.setFamilies(FONT_FAMILIES)
            font.setPointSizeF(size_pt)
            font.setBold(bold)
            font.setItalic(italic)
            font.setHintingPreference(self.QtGui.QFont.HintingPreference.PreferNoHinting)
            _no_ligatures(self.QtGui, font)
            self._fonts[key] = font
        return font

    def text_height(
        self, text: str, width_mm: float, size_pt: float, bold=False, italic=False
    ) -> float:
        """Height in mm of `text` word-wrapped into `width_mm`."""
        if not text:
            return 0.0
        fm = self.QtGui.QFontMetricsF(self.font(size_pt, bold, italic), self.device)
        rect = fm.boundingRect(
            self.QtCore.QRectF(0, 0, self.u(width_mm), 1e7),
            int(self.QtCore.Qt.TextFlag.TextWordWrap),
            text,
        )
        return rect.height() / self.dpu

    def text_width(self, text: str, size_pt: float, bold=False) -> float:
        fm = self.QtGui.QFontMetricsF(self.font(size_pt, bold), self.device)
        return fm.horizontalAdvance(text) / self.dpu


# ---------------------------------------------------------------------------- pagination


@dataclass
class _Block:
    sheet: SheetData
    kind: str
    height_mm: float
    note: str | None = None  # the images block: the line under the photos


@dataclass
class _Page:
    sheet: SheetData
    blocks: list[tuple[_Block, float]]  # block and its top y in mm


def _content_box(paper_mm) -> tuple[float, float, float, float]:
    """x, y, width, height (mm) of the area above the footer."""
    return (
        MARGIN_MM,
        MARGIN_MM,
        paper_mm[0] - 2 * MARGIN_MM,
        paper_mm[1] - 2 * MARGIN_MM - FOOTER_MM,
    )


def _paginate(sheets: list[SheetData], m: _Metrics, paper_mm, min_dpi: float) -> list[_Page]:
    x0, y0, width, height = _content_box(paper_mm)
    pages: list[_Page] = []
    for sheet in sheets:
        blocks = [
            _Block(sheet, kind, _measure(kind, sheet, m, width))
            for kind in ("header", "images", "checks", "migraine", "measures", "closing")
        ]
        # The photos take the room the text leaves, within limits, so a pair fits one page.
        fixed = sum(b.height_mm for b in blocks if b.kind != "images") + GAP_MM * (len(blocks) - 1)
        img = next(b for b in blocks if b.kind == "images")
        label_h = img.height_mm
        cap = _image_box_cap(sheet, width, min_dpi)
        box = max(IMAGE_BOX_MIN_MM, min(cap, height - fixed - label_h))
        img.note = _image_note(sheet)
        dpi = _printed_dpi(sheet, width, box)
        if dpi < min_dpi:  # say so: the photos themselves have too few pixels
            img.note += f" Low resolution: the photos print at {dpi:.0f} dpi."
            label_h = _measure("images", sheet, m, width, note=img.note)
        img.height_mm = label_h + box
        page = _Page(sheet, [])
        y = y0
        for block in blocks:
            if page.blocks and y + block.height_mm > y0 + height + 0.01:
                pages.append(page)
                page = _Page(sheet, [])
                y = y0
            page.blocks.append((block, y))
            y += block.height_mm + GAP_MM
        pages.append(page)
    return pages


# Row heights and font sizes (points)
TITLE_PT = 15
H2_PT = 10
BODY_PT = 8.0
SMALL_PT = 7.0
ROW_PAD_MM = 0.9
LOGO_MAX_H_MM = 14.0
LOGO_MAX_W_MM = 32.0
CHART_H_MM = 32.0
NOTES_FRACTION = 0.6  # notes box width; the clinician's name and signature take the rest
SIGN_MIN_MM = 15.0


def _measures_note(s: SheetData) -> str | None:
    return s.measures_note or (None if s.measures else "No side-effect measures")


def _migraine_note(s: SheetData) -> str | None:
    return s.migraine_note or (None if s.migraine_lines else NO_DIARY_NOTE)


def _printed_dpi(s: SheetData, width: float, box_h: float) -> float:
    """Pixels per printed inch of the less detailed photo, fitted in a box `box_h` tall."""
    box_w = (width - GAP_MM) / 2
    dpis = []
    for rgb in (s.before_rgb, s.after_rgb):
        ih, iw = rgb.shape[:2]
        mm_per_px = min(box_w / max(iw, 1), box_h / max(ih, 1))
        dpis.append(25.4 / mm_per_px)
    return min(dpis)


def _measure(kind: str, s: SheetData, m: _Metrics, width: float, note: str | None = None) -> float:
    if kind == "header":
        return _header_height(m, s, width, _logo_size_mm(m.QtGui, s))[1]
    if kind == "images":
        # Only the labels above and the note below; the box height is decided by _paginate.
        h = m.text_height("X", width, BODY_PT, True) + 1.5
        h += m.text_height(note or _image_note(s), width, SMALL_PT, italic=True) + 1.5
        return h
    if kind == "checks":
        return _section_title_h(m, width) + _table_height(m, _check_table(s), width)
    if kind == "migraine":
        table = _migraine_table(s)
        h = _section_title_h(m, width)
        if table[1]:
            h += _table_height(m, table, width)
        if note := _migraine_note(s):
            h += m.text_height(note, width, BODY_PT, italic=True) + 1.0
        return h
    if kind == "measures":
        chart_w, table_w = _measures_split(width, s)
        h_table = _table_height(m, _measure_table(s), table_w) if s.measures else 0.0
        if note := _measures_note(s):
            h_table += m.text_height(note, table_w, SMALL_PT, italic=True) + 1.0
        h_chart = CHART_H_MM if s.chart else 0.0
        return _section_title_h(m, width) + max(h_table, h_chart)
    if kind == "closing":
        notes_w = width * NOTES_FRACTION
        notes_h = (
            _section_title_h(m, width) + m.text_height(s.notes or "—", notes_w - 4, BODY_PT) + 4.0
        )
        return max(notes_h, SIGN_MIN_MM)
    raise ValueError(kind)


def _section_title_h(m: _Metrics, width: float) -> float:
    return m.text_height("X", width, H2_PT, True) + 1.2


def _image_box_cap(s: SheetData, width: float, min_dpi: float) -> float:
    """No taller than the photos need at the box width (landscape photos need less), and no
    taller than their pixels allow at `min_dpi` (but never below IMAGE_BOX_MIN_MM)."""
    box_w = (width - GAP_MM) / 2
    need = max(rgb.shape[0] / max(1, rgb.shape[1]) * box_w for rgb in (s.before_rgb, s.after_rgb))
    by_pixels = min(rgb.shape[0] for rgb in (s.before_rgb, s.after_rgb)) / min_dpi * 25.4
    return min(IMAGE_BOX_MAX_MM, need, max(IMAGE_BOX_MIN_MM, by_pixels))


def _dates_line(s: SheetData) -> str:
    parts = [f"Before: {s.before_date}", f"After: {s.after_date}"]
    if s.cycle_label:
        parts.append(f"Treatment: {s.cycle_label}")
    if s.view_label:
        parts.append(f"View: {s.view_label}")
    return "   ·   ".join(parts)


def _image_note(s: SheetData) -> str:
    if s.aligned:
        note = (
            "After photo aligned to the before photo on landmarks Botox does not move"
            + ("; both cropped to the same area around the face" if s.cropped else "")
            + "; colours as taken."
        )
    else:
        note = s.image_note or "Shown as taken, not aligned"
    return " ".join((note, *s.pair_notes))


# ---------------------------------------------------------------------------- tables

Table = tuple[list[tuple[str, float]], list[list[str]], list[list[dict]]]  # (cols, rows, styles)


def _check_table(s: SheetData) -> Table:
    cols = [
        ("Check", 0.12),
        ("Status", 0.08),
        ("Measured (after − before)", 0.38),
        ("What it means", 0.42),
    ]
    rows, styles = [], []
    for c in s.checks:
        rows.append([c.name, c.status.upper(), c.measured or "—", c.message])
        styles.append([{}, {"status": c.status}, {}, {}])
    return cols, rows, styles


def _migraine_table(s: SheetData) -> Table:
    cols = [
        ("Period", 0.2),
        ("Dates", 0.21),
        ("Recorded", 0.09),
        ("Headache", 0.125),
        ("Migraine", 0.125),
        ("Acute med.", 0.125),
        ("Responder", 0.125),
    ]
    rows, styles = [], []
    for line in s.migraine_lines:
        rows.append(
            [
                line.label if line.role == "baseline" else f"{line.label} · {line.role}",
                line.dates,
                line.coverage,
                line.headache,
                line.migraine,
                line.acute_med,
                line.responder,
            ]
        )
        styles.append([{}, {}, {"warn": line.coverage_low}, {}, {}, {}, {}])
    return cols, rows, styles


def _measures_split(width: float, s: SheetData) -> tuple[float, float]:
    if not s.chart:
        return 0.0, width
    chart_w = min(70.0, width * 0.38)
    return chart_w, width - chart_w - 6.0


def _measure_table(s: SheetData) -> Table:
    cols = [
        ("Side-effect measure", 0.37),
        ("Before R / L", 0.21),
        ("After R / L", 0.21),
        ("Change", 0.21),
    ]
    rows = [[ml.name, ml.before, ml.after, ml.change] for ml in s.measures]
    return cols, rows, [[{}] * 4 for _ in rows]


def _row_heights(m: _Metrics, table: Table, width: float) -> list[float]:
    cols, rows, _ = table
    heights = [
        max(m.text_height(name, width * frac - 2, SMALL_PT, True) for name, frac in cols)
        + 2 * ROW_PAD_MM
    ]
    for row in rows:
        heights.append(
            max(
                m.text_height(cell, width * frac - 2, BODY_PT) if cell else 0.0
                for cell, (_n, frac) in zip(row, cols, strict=True)
            )
            + 2 * ROW_PAD_MM
        )
    return heights


def _table_height(m: _Metrics, table: Table, width: float) -> float:
    return sum(_row_heights(m, table, width))


# ---------------------------------------------------------------------------- drawing


class _Draw:
    def __init__(self, painter, m: _Metrics) -> None:
        self.p = painter
        self.m = m
        self.QtCore, self.QtGui = m.QtCore, m.QtGui

    def rect(self, x, y, w, h):
        u = self.m.u
        return self.QtCore.QRectF(u(x), u(y), u(w), u(h))

    def text(
        self,
        x,
        y,
        w,
        text,
        size=BODY_PT,
        *,
        bold=False,
        italic=False,
        colour=INK,
        align="left",
        h=None,
    ) -> float:
        if not text:
            return 0.0
        QtCore = self.QtCore
        flags = QtCore.Qt.TextFlag.TextWordWrap
        flags |= {
            "left": QtCore.Qt.AlignmentFlag.AlignLeft,
            "right": QtCore.Qt.AlignmentFlag.AlignRight,
            "center": QtCore.Qt.AlignmentFlag.AlignHCenter,
        }[align]
        height = h if h is not None else self.m.text_height(text, w, size, bold, italic)
        self.p.setFont(self.m.font(size, bold, italic))
        self.p.setPen(self.QtGui.QColor(colour))
        self.p.drawText(self.rect(x, y, w, height + 0.5), int(flags), text)
        return height

    def line(self, x1, y1, x2, y2, colour=RULE, width_mm=0.25, dash=False):
        pen = self.QtGui.QPen(self.QtGui.QColor(colour))
        pen.setWidthF(self.m.u(width_mm))
        if dash:
            pen.setStyle(self.QtCore.Qt.PenStyle.DashLine)
        self.p.setPen(pen)
        u = self.m.u
        self.p.drawLine(self.QtCore.QPointF(u(x1), u(y1)), self.QtCore.QPointF(u(x2), u(y2)))

    def fill(self, x, y, w, h, colour):
        self.p.fillRect(self.rect(x, y, w, h), self.QtGui.QColor(colour))

    def frame(self, x, y, w, h, colour=RULE, width_mm=0.25):
        pen = self.QtGui.QPen(self.QtGui.QColor(colour))
        pen.setWidthF(self.m.u(width_mm))
        self.p.setPen(pen)
        self.p.setBrush(self.QtCore.Qt.BrushStyle.NoBrush)
        self.p.drawRect(self.rect(x, y, w, h))


def _draw_page(
    painter, m: _Metrics, page: _Page, index: int, count: int, paper_mm, image_dpi
) -> None:
    d = _Draw(painter, m)
    x0, _y0, width, _height = _content_box(paper_mm)
    for block, y in page.blocks:
        if block.kind == "images":
            _draw_images(d, page.sheet, x0, y, width, block.height_mm, image_dpi, note=block.note)
        else:
            _DRAWERS[block.kind](d, page.sheet, x0, y, width, block.height_mm, image_dpi)
    _draw_footer(d, page.sheet, paper_mm, index, count)


def _logo_size_mm(QtGui, s: SheetData) -> tuple[float, float] | None:
    """Printed logo size: at most LOGO_MAX_H_MM tall and LOGO_MAX_W_MM wide, aspect kept."""
    if not s.clinic_logo:
        return None
    size = QtGui.QImageReader(s.clinic_logo).size()  # header only, no decode
    if not size.isValid() or size.width() < 1 or size.height() < 1:
        return None
    scale = min(LOGO_MAX_H_MM / size.height(), LOGO_MAX_W_MM / size.width())
    return size.width() * scale, size.height() * scale


def _header_columns(
    logo: tuple[float, float] | None, width: float
) -> tuple[float, float, float]:
    """(logo column incl. gap, title column, patient column) widths in mm; `logo` is
    `_logo_size_mm` (read once per header by the caller)."""
    logo_w = logo[0] + 4.0 if logo else 0.0
    patient_w = width * 0.36
    return logo_w, width - patient_w - logo_w - 2.0, patient_w


def _header_height(
    m: _Metrics, s: SheetData, width: float, logo: tuple[float, float] | None
) -> tuple[float, float]:
    """(height above the rule, total height) in mm."""
    _logo_w, title_w, patient_w = _header_columns(logo, width)
    left = m.text_height(s.title, title_w, TITLE_PT, True)
    if s.clinic_name:
        left += m.text_height(s.clinic_name, title_w, H2_PT, True)
    right = m.text_height(s.patient_label, patient_w, H2_PT + 1, True)
    if s.deidentified:
        right += m.text_height("De-identified: ID only", patient_w, SMALL_PT)
    top = max(left, right, logo[1] if logo else 0.0) + 1.0
    return top, top + 1.5 + m.text_height(_dates_line(s), width, BODY_PT) + 1.0


def _draw_header(d: _Draw, s: SheetData, x, y, w, h, _dpi) -> None:
    logo_size = _logo_size_mm(d.QtGui, s)
    logo_w, title_w, patient_w = _header_columns(logo_size, w)
    if logo_size:
        logo = d.QtGui.QImage(s.clinic_logo)
        if not logo.isNull():
            lw, lh = logo_size
            scaled = logo.scaled(
                max(1, round(lw / 25.4 * 300)),
                max(1, round(lh / 25.4 * 300)),
                d.QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
                d.QtCore.Qt.TransformationMode.SmoothTransformation,
            )
            d.p.drawImage(d.rect(x, y, lw, lh), scaled)
    ty = y
    if s.clinic_name:
        ty += d.text(x + logo_w, ty, title_w, s.clinic_name, H2_PT, bold=True, colour=MUTED)
    d.text(x + logo_w, ty, title_w, s.title, TITLE_PT, bold=True)
    right_x = x + w - patient_w
    ry = y + d.text(right_x, y, patient_w, s.patient_label, H2_PT + 1, bold=True, align="right")
    if s.deidentified:
        d.text(
            right_x, ry, patient_w, "De-identified: ID only", SMALL_PT, colour=MUTED, align="right"
        )
    top = y + _header_height(d.m, s, w, logo_size)[0]
    d.line(x, top, x + w, top, colour=INK, width_mm=0.4)
    d.text(x, top + 1.5, w, _dates_line(s), BODY_PT)


def _draw_images(d: _Draw, s: SheetData, x, y, w, h, image_dpi, note: str | None = None) -> None:
    m = d.m
    label_h = m.text_height("X", w, BODY_PT, True)
    note = note or _image_note(s)
    note_h = m.text_height(note, w, SMALL_PT, italic=True)
    box_h = h - label_h - 1.5 - note_h - 1.5
    box_w = (w - GAP_MM) / 2
    after_label = (
        "AFTER  ·  "
        + s.after_date
        + ("  ·  aligned to before" if s.aligned else "  ·  not aligned")
    )
    for i, (label, rgb) in enumerate(
        ((f"BEFORE  ·  {s.before_date}", s.before_rgb), (after_label, s.after_rgb))
    ):
        bx = x + i * (box_w + GAP_MM)
        d.text(bx, y, box_w, label, BODY_PT, bold=True)
        _draw_photo(d, rgb, bx, y + label_h + 1.5, box_w, box_h, image_dpi)
    d.text(
        x,
        y + label_h + 1.5 + box_h + 1.5,
        w,
        note,
        SMALL_PT,
        italic=True,
        colour=(
            MUTED
            if s.aligned and "Low resolution" not in note and not s.pair_notes
            else STATUS_COLOURS["warn"]
        ),
    )


def _draw_photo(d: _Draw, rgb: np.ndarray, x, y, w, h, image_dpi) -> None:
    """Fit the photo in the box (aspect kept, centred) at `image_dpi` pixels per printed inch."""
    ih, iw = rgb.shape[:2]
    scale = min(w / iw, h / ih)
    pw, ph = iw * scale, ih * scale
    px, py = x + (w - pw) / 2, y + (h - ph) / 2
    d.fill(x, y, w, h, "#f4f5f6")
    # Scale down to `image_dpi` at printed size; never up (a small photo keeps its pixels).
    target_w = min(iw, max(1, round(pw / 25.4 * image_dpi)))
    target_h = min(ih, max(1, round(ph / 25.4 * image_dpi)))
    pixels = np.ascontiguousarray(rgb[:, :, :3], dtype=np.uint8)
    image = d.QtGui.QImage(pixels.data, iw, ih, 3 * iw, d.QtGui.QImage.Format.Format_RGB888)
    # `image` borrows the numpy buffer: the scaled copy owns its pixels, else copy them once.
    if (target_w, target_h) != (iw, ih):
        image = image.scaled(
            target_w,
            target_h,
            d.QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
            d.QtCore.Qt.TransformationMode.SmoothTransformation,
        )
    else:
        image = image.copy()
    d.p.drawImage(d.rect(px, py, pw, ph), image)
    d.frame(px, py, pw, ph)


def _draw_section_title(d: _Draw, x, y, w, title) -> float:
    return d.text(x, y, w, title, H2_PT, bold=True) + 1.2


def _draw_table(d: _Draw, table: Table, x, y, w) -> float:
    cols, rows, styles = table
    heights = _row_heights(d.m, table, w)
    d.fill(x, y, w, heights[0], HEADER_FILL)
    cx = x
    for name, frac in cols:
        d.text(cx + 1, y + ROW_PAD_MM, w * frac - 2, name, SMALL_PT, bold=True, colour=MUTED)
        cx += w * frac
    ry = y + heights[0]
    for row, style, rh in zip(rows, styles, heights[1:], strict=True):
        cx = x
        for cell, st, (_n, frac) in zip(row, style, cols, strict=True):
            cw = w * frac
            status = st.get("status")
            if status in STATUS_COLOURS:
                tw = d.m.text_width(cell, SMALL_PT, True) + 3
                d.fill(
                    cx + 1,
                    ry + ROW_PAD_MM - 0.3,
                    tw,
                    d.m.text_height(cell, cw, SMALL_PT, True) + 0.6,
                    STATUS_COLOURS[status],
                )
                d.text(
                    cx + 2.5, ry + ROW_PAD_MM, cw - 2, cell, SMALL_PT, bold=True, colour="#ffffff"
                )
            else:
                colour = STATUS_COLOURS["warn"] if st.get("warn") else INK
                d.text(cx + 1, ry + ROW_PAD_MM, cw - 2, cell, BODY_PT, colour=colour)
            cx += cw
        d.line(x, ry + rh, x + w, ry + rh)
        ry += rh
    return ry - y


def _draw_checks(d: _Draw, s: SheetData, x, y, w, h, _dpi) -> None:
    colour = STATUS_COLOURS["pass"] if s.consistent else STATUS_COLOURS["fail"]
    if s.consistent is None:
        colour = MUTED
    # The verdict sits on the title line, right-aligned, so the table keeps the room.
    title_h = _draw_section_title(d, x, y, w * 0.5, "Consistency of the two photos")
    d.text(
        x + w * 0.4,
        y + 0.6,
        w * 0.6,
        s.consistency_summary,
        BODY_PT,
        bold=True,
        colour=colour,
        align="right",
    )
    _draw_table(d, _check_table(s), x, y + title_h, w)


def _draw_migraine(d: _Draw, s: SheetData, x, y, w, h, _dpi) -> None:
    y += _draw_section_title(
        d, x, y, w, "Migraine frequency (days per 28 days; % change vs baseline)"
    )
    table = _migraine_table(s)
    if table[1]:
        y += _draw_table(d, table, x, y, w)
    if note := _migraine_note(s):
        d.text(x, y + 1.0, w, note, BODY_PT, italic=True, colour=MUTED)


def _draw_measures(d: _Draw, s: SheetData, x, y, w, h, _dpi) -> None:
    chart_w, table_w = _measures_split(w, s)
    title_h = _section_title_h(d.m, w)
    if s.chart:
        _draw_section_title(d, x, y, chart_w, "Headache days per 28 days")
        _draw_chart(d, s.chart, x, y + title_h, chart_w, h - title_h)
    tx = x + (chart_w + 6.0 if s.chart else 0.0)
    _draw_section_title(d, tx, y, table_w, "Side-effect measures")
    ty = y + title_h
    if s.measures:
        ty += _draw_table(d, _measure_table(s), tx, ty, table_w)
    if note := _measures_note(s):
        d.text(tx, ty + 1.0, table_w, note, SMALL_PT, italic=True, colour=MUTED)


def _draw_chart(d: _Draw, bars: tuple[ChartBar, ...], x, y, w, h) -> None:
    label_h = 4.0
    plot_h = min(h, CHART_H_MM) - label_h - 6
    values = [b.headache_per_28 for b in bars if b.headache_per_28 is not None]
    top = max([28.0 if not values else max(values) * 1.15, 1.0])
    top = min(top, 28.0) if values and max(values) <= 28 else top
    axis_y = y + plot_h
    d.line(x, axis_y, x + w, axis_y, colour=MUTED, width_mm=0.3)
    baseline = bars[0].headache_per_28 if bars and bars[0].label == "Base" else None
    if baseline:  # the ≥ 50 % responder level, dashed, explained under the axis labels
        level_y = axis_y - plot_h * (baseline * 0.5) / top
        green = STATUS_COLOURS["pass"]
        d.line(x, level_y, x + w, level_y, colour=green, width_mm=0.25, dash=True)
        key_y = axis_y + label_h + 2.0
        d.line(x, key_y, x + 6, key_y, colour=green, width_mm=0.25, dash=True)
        d.text(
            x + 7.5,
            key_y - 1.4,
            w - 8,
            "50 % of baseline (≥ 50 % responder level)",
            SMALL_PT - 1,
            colour=green,
        )
    slot = w / max(1, len(bars))
    bar_w = min(9.0, slot * 0.6)
    for i, bar in enumerate(bars):
        cx = x + slot * i + slot / 2
        if bar.headache_per_28 is not None:
            bh = plot_h * bar.headache_per_28 / top
            d.fill(cx - bar_w / 2, axis_y - bh, bar_w, bh, HIGHLIGHT if bar.highlighted else BAR)
            value = bar.value_text or f"{bar.headache_per_28:.0f}"
            tw = d.m.text_width(value, SMALL_PT - 1) + 1.0
            d.fill(cx - tw / 2, axis_y - bh - 3.2, tw, 2.9, "#ffffff")  # readable over the line
            d.text(
                cx - slot / 2,
                axis_y - bh - 3.3,
                slot,
                value,
                SMALL_PT - 1,
                align="center",
                colour=INK,
            )
        else:
            d.text(
                cx - slot / 2, axis_y - 3.5, slot, "n/r", SMALL_PT - 1, align="center", colour=MUTED
            )
        d.text(
            cx - slot / 2,
            axis_y + 0.8,
            slot,
            bar.label,
            SMALL_PT - 0.5,
            align="center",
            bold=bar.highlighted,
            colour=INK if bar.highlighted else MUTED,
        )


def _draw_closing(d: _Draw, s: SheetData, x, y, w, h, _dpi) -> None:
    """Notes (left) and the clinician's name with a signature line (right)."""
    notes_w = w * NOTES_FRACTION
    title_h = _draw_section_title(d, x, y, notes_w, "Notes")
    d.frame(x, y + title_h, notes_w, h - title_h)
    d.text(
        x + 2,
        y + title_h + 2,
        notes_w - 4,
        s.notes or "—",
        BODY_PT,
        colour=INK if s.notes else MUTED,
    )
    sx, sw = x + notes_w + 6, w - notes_w - 6
    label = "Clinician: "
    d.text(sx, y, sw, label + (s.clinician or ""), BODY_PT, bold=True)
    if not s.clinician:
        lx = sx + d.m.text_width(label, BODY_PT, True) + 1
        d.line(lx, y + 3.6, sx + sw, y + 3.6, colour=INK, width_mm=0.3)
    line_y = y + h - 4.0
    d.line(sx, line_y, sx + sw, line_y, colour=INK, width_mm=0.3)
    d.text(sx, line_y + 0.7, sw, "Signature and date", SMALL_PT, colour=MUTED)


_DRAWERS = {  # the images block is drawn by _draw_page itself (it also takes the note)
    "header": _draw_header,
    "checks": _draw_checks,
    "migraine": _draw_migraine,
    "measures": _draw_measures,
    "closing": _draw_closing,
}


def _draw_footer(d: _Draw, s: SheetData, paper_mm, index: int, count: int) -> None:
    x = MARGIN_MM
    w = paper_mm[0] - 2 * MARGIN_MM
    y = paper_mm[1] - MARGIN_MM - FOOTER_MM + 2.5
    d.line(x, y - 1.0, x + w, y - 1.0)
    left = f"Generated {s.generated_text}  ·  {APP_NAME} {s.app_version}"
    if s.deidentified:
        left += "  ·  de-identified"
    d.text(x, y, w * 0.75, left, SMALL_PT, colour=MUTED)
    d.text(
        x + w * 0.75,
        y,
        w * 0.25,
        f"Page {index + 1} of {count}",
        SMALL_PT,
        colour=MUTED,
        align="right",
    )
