"""Painting a sheet layout with QPainter: onto a PDF writer, a QImage (PNG) or a printer.

A Qt module. `export.sheet_layout` decides where everything goes; this module measures text for
it (`QtTextMetrics`, the device's own font metrics, so what is measured is what is drawn) and
replays its primitives on a paint device. Positions are millimetres converted to device units,
fonts are points (Qt converts them with the device's resolution), so PDF, PNG and paper look
the same.

Photos are scaled once to the pixel size the layout chose before drawing, so the PDF embeds
exactly that many pixels (Qt stores them as DCT/JPEG). Text is real text with embedded font
subsets: selectable and searchable.

A QGuiApplication must exist before fonts are made (`export.qt_env.ensure_gui_application`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6 import QtCore, QtGui

from photocompare.core.errors import ExportError
from photocompare.export.sheet_layout import (
    Fill,
    Frame,
    LogoBox,
    PageLayout,
    PhotoBox,
    Rule,
    SheetLayout,
    TextRun,
)
from photocompare.settings import Paper

FONT_FAMILIES = ["DejaVu Sans", "Noto Sans", "Liberation Sans", "Arial", "Helvetica", "sans-serif"]

_ALIGN = {
    "left": QtCore.Qt.AlignmentFlag.AlignLeft,
    "right": QtCore.Qt.AlignmentFlag.AlignRight,
    "center": QtCore.Qt.AlignmentFlag.AlignHCenter,
}


def no_ligatures(font: QtGui.QFont) -> None:
    """Searching a PDF for "diff" must find it: no ﬀ/ﬁ ligature glyphs in the text layer."""
    tag_type = getattr(QtGui.QFont, "Tag", None)
    if tag_type is None or not hasattr(font, "setFeature"):  # Qt < 6.7
        return
    for name in ("liga", "clig"):
        font.setFeature(tag_type(name), 0)


class QtTextMetrics:
    """Text measurement in mm for one paint device at `dpi` (the layout's `TextMetrics`)."""

    def __init__(self, device: QtGui.QPaintDevice, dpi: float) -> None:
        self.device = device
        self.dpu = dpi / 25.4  # device units per millimetre
        self._fonts: dict[tuple[float, bool, bool], QtGui.QFont] = {}

    def u(self, mm: float) -> float:
        return mm * self.dpu

    def font(self, size_pt: float, bold: bool = False, italic: bool = False) -> QtGui.QFont:
        key = (size_pt, bold, italic)
        font = self._fonts.get(key)
        if font is None:
            font = QtGui.QFont()
            font.setFamilies(FONT_FAMILIES)
            font.setPointSizeF(size_pt)
            font.setBold(bold)
            font.setItalic(italic)
            font.setHintingPreference(QtGui.QFont.HintingPreference.PreferNoHinting)
            no_ligatures(font)
            self._fonts[key] = font
        return font

    def text_height(
        self, text: str, width_mm: float, size_pt: float, bold: bool = False, italic: bool = False
    ) -> float:
        if not text:
            return 0.0
        fm = QtGui.QFontMetricsF(self.font(size_pt, bold, italic), self.device)
        rect = fm.boundingRect(
            QtCore.QRectF(0, 0, self.u(width_mm), 1e7),
            int(QtCore.Qt.TextFlag.TextWordWrap),
            text,
        )
        return rect.height() / self.dpu

    def text_width(self, text: str, size_pt: float, bold: bool = False) -> float:
        fm = QtGui.QFontMetricsF(self.font(size_pt, bold), self.device)
        return fm.horizontalAdvance(text) / self.dpu


def probe_metrics(dpi: int) -> QtTextMetrics:
    """Metrics of a tiny image at `dpi`: for laying out without an output device yet."""
    probe = QtGui.QImage(8, 8, QtGui.QImage.Format.Format_RGB32)
    dpm = round(dpi / 0.0254)
    probe.setDotsPerMeterX(dpm)
    probe.setDotsPerMeterY(dpm)
    return QtTextMetrics(probe, dpi)


_PAGE_SIZE_IDS = {
    Paper.A4: QtGui.QPageSize.PageSizeId.A4,
    Paper.LETTER: QtGui.QPageSize.PageSizeId.Letter,
}


def pdf_writer(path: str, paper: Paper, resolution: int, creator: str, title: str):
    """A PDF writer for `paper`, portrait, no device margins (the layout keeps its own)."""
    writer = QtGui.QPdfWriter(path)
    writer.setResolution(resolution)
    writer.setPageLayout(
        QtGui.QPageLayout(
            QtGui.QPageSize(_PAGE_SIZE_IDS[paper]),
            QtGui.QPageLayout.Orientation.Portrait,
            QtCore.QMarginsF(0, 0, 0, 0),
            QtGui.QPageLayout.Unit.Millimeter,
        )
    )
    writer.setCreator(creator)
    writer.setTitle(title)
    return writer


def blank_page(paper_mm: tuple[float, float], dpi: int) -> QtGui.QImage:
    """A white page image at `dpi` with that resolution recorded (PNG pHYs)."""
    image = QtGui.QImage(
        round(paper_mm[0] / 25.4 * dpi),
        round(paper_mm[1] / 25.4 * dpi),
        QtGui.QImage.Format.Format_RGB32,
    )
    dpm = round(dpi / 0.0254)
    image.setDotsPerMeterX(dpm)
    image.setDotsPerMeterY(dpm)
    image.fill(QtGui.QColor("white"))
    return image


def paint_document(
    device: QtGui.QPaintDevice,
    layout: SheetLayout,
    metrics: QtTextMetrics,
    new_page: Callable[[], object],
) -> None:
    """All pages onto one multi-page device (PDF writer, printer)."""
    painter = QtGui.QPainter()
    if not painter.begin(device):
        raise ExportError("could not start drawing the sheet (output not writable?)")
    try:
        _setup(painter)
        for index, page in enumerate(layout.pages):
            if index:
                new_page()
            paint_page(painter, page, metrics)
    finally:
        painter.end()


def paint_onto_image(image: QtGui.QImage, page: PageLayout, metrics: QtTextMetrics) -> None:
    painter = QtGui.QPainter(image)
    try:
        _setup(painter)
        paint_page(painter, page, metrics)
    finally:
        painter.end()


def _setup(painter: QtGui.QPainter) -> None:
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
    painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)


def paint_page(painter: QtGui.QPainter, page: PageLayout, m: QtTextMetrics) -> None:
    """Replay one page's primitives in order."""
    for item in page.items:
        if isinstance(item, TextRun):
            _text(painter, m, item)
        elif isinstance(item, Rule):
            pen = QtGui.QPen(QtGui.QColor(item.colour))
            pen.setWidthF(m.u(item.width_mm))
            if item.dashed:
                pen.setStyle(QtCore.Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawLine(
                QtCore.QPointF(m.u(item.x1_mm), m.u(item.y1_mm)),
                QtCore.QPointF(m.u(item.x2_mm), m.u(item.y2_mm)),
            )
        elif isinstance(item, Fill):
            painter.fillRect(_rect(m, item), QtGui.QColor(item.colour))
        elif isinstance(item, Frame):
            pen = QtGui.QPen(QtGui.QColor(item.colour))
            pen.setWidthF(m.u(item.line_width_mm))
            painter.setPen(pen)
            painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            painter.drawRect(_rect(m, item))
        elif isinstance(item, PhotoBox):
            painter.drawImage(_rect(m, item), _photo_image(item))
        elif isinstance(item, LogoBox):
            logo = QtGui.QImage(item.path)
            if not logo.isNull():
                scaled = logo.scaled(
                    item.embed_width_px,
                    item.embed_height_px,
                    QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
                    QtCore.Qt.TransformationMode.SmoothTransformation,
                )
                painter.drawImage(_rect(m, item), scaled)
        else:  # pragma: no cover - every primitive of sheet_layout is handled above
            raise TypeError(f"unknown sheet primitive {type(item).__name__}")


def _rect(m: QtTextMetrics, item) -> QtCore.QRectF:
    return QtCore.QRectF(m.u(item.x_mm), m.u(item.y_mm), m.u(item.width_mm), m.u(item.height_mm))


def _text(painter: QtGui.QPainter, m: QtTextMetrics, run: TextRun) -> None:
    flags = QtCore.Qt.TextFlag.TextWordWrap | _ALIGN[run.align]
    painter.setFont(m.font(run.size_pt, run.bold, run.italic))
    painter.setPen(QtGui.QColor(run.colour))
    # Half a millimetre of slack so rounding in the device never clips the last line.
    box = QtCore.QRectF(m.u(run.x_mm), m.u(run.y_mm), m.u(run.width_mm), m.u(run.height_mm + 0.5))
    painter.drawText(box, int(flags), run.text)


def _photo_image(item: PhotoBox) -> QtGui.QImage:
    """The photo as a QImage of the layout's embed size (scaled down once, never up)."""
    rgb = item.pixels
    ih, iw = rgb.shape[:2]
    pixels = np.ascontiguousarray(rgb[:, :, :3], dtype=np.uint8)
    image = QtGui.QImage(pixels.data, iw, ih, 3 * iw, QtGui.QImage.Format.Format_RGB888)
    # `image` borrows the numpy buffer: the scaled copy owns its pixels, else copy them once.
    if (item.embed_width_px, item.embed_height_px) != (iw, ih):
        return image.scaled(
            item.embed_width_px,
            item.embed_height_px,
            QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
            QtCore.Qt.TransformationMode.SmoothTransformation,
        )
    return image.copy()
