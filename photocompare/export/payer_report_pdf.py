"""The payer report as a one- or two-page PDF, page images for a preview, or print.

The comparison sheet's machinery does the work: `export.payer_report_layout` places the report
as primitives (no Qt), `export.sheet_paint` measures text with the output device's own font
metrics and paints them (same fonts, no ligatures), `export.pdf_textmap` makes spaces extract
as spaces so phrases in the PDF can be searched, and `export.atomic` writes under a temporary
name renamed when complete, so a failure leaves nothing behind.

Importing this module does not start Qt; the first render does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from photocompare import APP_NAME, __version__
from photocompare.core.errors import ExportError
from photocompare.core.payer_report import PayerReport, ReportPhoto
from photocompare.export.atomic import atomic_output
from photocompare.export.payer_report_content import ReportOptions, title
from photocompare.export.payer_report_layout import ReportLayout, layout_payer_report
from photocompare.export.pdf_textmap import fix_space_in_text_maps
from photocompare.export.qt_env import ensure_gui_application
from photocompare.export.sheet import PDF_RESOLUTION
from photocompare.settings import Paper, Prescriber

__all__ = ["payer_page_count", "print_payer_report", "render_payer_images", "render_payer_pdf"]


def render_payer_pdf(report: PayerReport, path: str | Path, *, prescriber: Prescriber | None = None,
                     deidentify: bool = False, include_payer: bool = False,
                     photos: Sequence[ReportPhoto] | None = None,
                     paper: Paper | str = Paper.A4) -> Path:
    """Write the report as a PDF at `path` (atomically); returns `path`."""
    paper_ = _paper(paper)
    paint = _painting()
    options = _options(prescriber, deidentify, include_payer, photos)
    target = Path(path)
    with atomic_output(target) as tmp:
        writer = paint.pdf_writer(str(tmp), paper_, PDF_RESOLUTION, f"{APP_NAME} {__version__}",
                                  f"{title(report)} — {report.patient_id}")
        metrics = paint.QtTextMetrics(writer, writer.logicalDpiY())
        layout = layout_payer_report(report, paper_.size_mm, metrics, options)
        paint.paint_document(writer, layout, metrics, writer.newPage)
        del writer  # flushes and closes the file
        fix_space_in_text_maps(tmp)
    return target


def render_payer_images(report: PayerReport, *, dpi: int = 80,
                        prescriber: Prescriber | None = None, deidentify: bool = False,
                        include_payer: bool = False, photos: Sequence[ReportPhoto] | None = None,
                        paper: Paper | str = Paper.A4) -> list:
    """The pages as QImages (for a preview); the same layout as the PDF."""
    if not 30 <= dpi <= 300:
        raise ExportError(f"preview resolution {dpi} dpi is outside 30–300")
    paper_ = _paper(paper)
    paint = _painting()
    metrics = paint.probe_metrics(dpi)
    layout = layout_payer_report(report, paper_.size_mm, metrics,
                                 _options(prescriber, deidentify, include_payer, photos))
    images = []
    for page in layout.pages:
        image = paint.blank_page(paper_.size_mm, dpi)
        paint.paint_onto_image(image, page, metrics)
        images.append(image)
    return images


def print_payer_report(report: PayerReport, printer, *, prescriber: Prescriber | None = None,
                       deidentify: bool = False, include_payer: bool = False,
                       photos: Sequence[ReportPhoto] | None = None) -> None:
    """Render onto a configured QPrinter (after QPrintDialog), on its paper size."""
    paint = _painting()
    rect = printer.pageLayout().fullRectPoints()
    paper_mm = (rect.width() * 25.4 / 72.0, rect.height() * 25.4 / 72.0)
    printer.setFullPage(True)
    metrics = paint.QtTextMetrics(printer, printer.logicalDpiY())
    layout = layout_payer_report(report, paper_mm, metrics,
                                 _options(prescriber, deidentify, include_payer, photos))
    paint.paint_document(printer, layout, metrics, printer.newPage)


def payer_layout(report: PayerReport, *, paper: Paper | str = Paper.A4,
                 prescriber: Prescriber | None = None, deidentify: bool = False,
                 include_payer: bool = False,
                 photos: Sequence[ReportPhoto] | None = None) -> ReportLayout:
    """The layout as the PDF would place it (measured at the PDF's resolution)."""
    paint = _painting()
    return layout_payer_report(report, _paper(paper).size_mm,
                               paint.probe_metrics(PDF_RESOLUTION),
                               _options(prescriber, deidentify, include_payer, photos))


def payer_page_count(report: PayerReport, **options) -> int:
    return len(payer_layout(report, **options).pages)


def _painting():
    """The QPainter module, with the GUI application fonts need (started on first use)."""
    ensure_gui_application()
    from photocompare.export import sheet_paint

    return sheet_paint


def _options(prescriber, deidentify, include_payer, photos) -> ReportOptions:
    return ReportOptions(prescriber or Prescriber(), bool(deidentify), bool(include_payer),
                         tuple(photos or ()))


def _paper(paper: Paper | str) -> Paper:
    try:
        return Paper.parse(paper)
    except ValueError:
        raise ExportError(f"unknown paper size {paper!r} (use a4 or letter)") from None
