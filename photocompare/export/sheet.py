"""The comparison sheet: render to PDF (QPdfWriter), PNG (QImage) or a printer.

The entry points callers use. Three rooms do the work:
- `export.sheet_data` — what the sheet says (plain data, no Qt), its diary rows and chart from
  `export.sheet_migraine`;
- `export.sheet_layout` — where everything goes (a pure function of the data and the paper);
- `export.sheet_paint` — QPainter drawing of that layout (the only Qt module of the three),
  with `export.pdf_textmap` making the PDF's spaces searchable.

Importing this module does not start Qt: the CLI and the self-test import it cheaply, and the
painting module is loaded when something is rendered (after a QGuiApplication exists).
Outputs are written to a temporary name in the same folder and renamed when complete.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

from photocompare import APP_NAME
from photocompare.core.errors import ExportError
from photocompare.export.atomic import atomic_output
from photocompare.export.pdf_textmap import fix_space_in_text_maps
from photocompare.export.qt_env import ensure_gui_application
from photocompare.export.sheet_data import (  # re-exported: the sheet's data model
    CheckLine,
    MeasureLine,
    SheetData,
    build_sheet_data,
)
from photocompare.export.sheet_layout import SheetLayout, TextMetrics, layout_sheets
from photocompare.export.sheet_migraine import (  # re-exported: the sheet's data model
    NO_DIARY_NOTE,
    ChartBar,
    MigraineLine,
)
from photocompare.settings import ExportSettings, Paper

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
    "sheet_page_count",
    "layout_for_paper",
    "IMAGE_DPI",
]

# Defaults from settings.ExportSettings (each render function takes an ExportSettings).
IMAGE_DPI = ExportSettings().sheet_image_dpi  # photos embedded at up to this at printed size
MIN_PRINT_DPI = ExportSettings().sheet_min_print_dpi  # boxes shrink so photos print this sharp
PDF_RESOLUTION = 1200  # device units per inch of the PDF writer (layout precision only)


def render_pdf(
    sheets: SheetData | Sequence[SheetData],
    path: str | Path,
    paper: Paper | str | None = None,
    settings: ExportSettings | None = None,
) -> Path:
    """Write the sheet(s) as one PDF (each sheet starts a new page); returns `path`."""
    settings = settings or ExportSettings()
    items = _as_list(sheets)
    chosen = _paper(paper or settings.default_paper)
    paint = _painting()
    target = Path(path)
    with atomic_output(target) as tmp:
        writer = paint.pdf_writer(
            str(tmp),
            chosen,
            PDF_RESOLUTION,
            creator=f"{APP_NAME} {items[0].app_version}",
            title=_document_title(items),
        )
        metrics = paint.QtTextMetrics(writer, writer.logicalDpiY())
        layout = _layout(items, chosen.size_mm, metrics, settings.sheet_image_dpi, settings)
        paint.paint_document(writer, layout, metrics, writer.newPage)
        del writer  # flushes and closes the file
        fix_space_in_text_maps(tmp)
    return target


def render_png(
    sheets: SheetData | Sequence[SheetData],
    path: str | Path,
    dpi: int = 150,
    paper: Paper | str | None = None,
    settings: ExportSettings | None = None,
) -> list[Path]:
    """Write each page as a PNG at `dpi`: page 1 at `path`, further pages as `<stem>-p2.png`..."""
    settings = settings or ExportSettings()
    items = _as_list(sheets)
    if not 30 <= dpi <= 600:
        raise ExportError(f"PNG resolution {dpi} dpi is outside 30–600")
    paper_mm = _paper(paper or settings.default_paper).size_mm
    paint = _painting()
    first = paint.blank_page(paper_mm, dpi)
    metrics = paint.QtTextMetrics(first, dpi)
    layout = _layout(items, paper_mm, metrics, dpi, settings)
    images = []
    for index, page in enumerate(layout.pages):
        image = first if index == 0 else paint.blank_page(paper_mm, dpi)
        paint.paint_onto_image(image, page, paint.QtTextMetrics(image, dpi))
        images.append(image)
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
    items = _as_list(sheets)
    paint = _painting()
    rect = printer.pageLayout().fullRectPoints()
    paper_mm = (rect.width() * 25.4 / 72.0, rect.height() * 25.4 / 72.0)
    printer.setFullPage(True)
    dpi = min(printer.resolution(), 600)
    image_dpi = max(settings.sheet_image_dpi, dpi)
    metrics = paint.QtTextMetrics(printer, printer.logicalDpiY())
    layout = _layout(items, paper_mm, metrics, image_dpi, settings)
    paint.paint_document(printer, layout, metrics, printer.newPage)


def sheet_page_count(sheets: SheetData | Sequence[SheetData], paper: Paper | str = Paper.A4) -> int:
    """How many pages the PDF will have (layout only, nothing drawn)."""
    return len(layout_for_paper(sheets, paper).pages)


def layout_for_paper(
    sheets: SheetData | Sequence[SheetData],
    paper: Paper | str = Paper.A4,
    settings: ExportSettings | None = None,
) -> SheetLayout:
    """The layout `render_pdf` draws, measured with the PDF's own font metrics; nothing is
    painted (for a page count, or to check the geometry)."""
    settings = settings or ExportSettings()
    items = _as_list(sheets)
    paper_mm = _paper(paper).size_mm
    metrics = _painting().probe_metrics(PDF_RESOLUTION)
    return _layout(items, paper_mm, metrics, settings.sheet_image_dpi, settings)


# ============================================================================ internals


def _painting():
    """The Qt painting module, after a QGuiApplication exists (fonts need one)."""
    ensure_gui_application()
    from photocompare.export import sheet_paint

    return sheet_paint


def _layout(
    items: list[SheetData],
    paper_mm: tuple[float, float],
    metrics: TextMetrics,
    image_dpi: float,
    settings: ExportSettings,
) -> SheetLayout:
    return layout_sheets(
        items,
        paper_mm,
        metrics,
        image_dpi=image_dpi,
        min_print_dpi=settings.sheet_min_print_dpi,
    )


def _as_list(sheets) -> list[SheetData]:
    items = [sheets] if isinstance(sheets, SheetData) else list(sheets)
    if not items:
        raise ExportError("nothing to export: no comparison given")
    return items


def _paper(paper: Paper | str) -> Paper:
    try:
        return Paper.parse(paper)
    except ValueError as exc:
        raise ExportError(str(exc)) from None


def _document_title(sheets: list[SheetData]) -> str:
    first = sheets[0]
    # The patient label is already ID-only for a de-identified sheet.
    return f"{first.title} — {first.patient_label}"
