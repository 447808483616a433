"""Where everything on a payer report goes: a pure function of the report, the paper and the
text metrics. No Qt.

The report is a column of blocks (header, profile line, criteria table, summary, diary table,
questionnaires, treatment log, preventives, flags, notes, photos, signature). Each block is
recorded once, at the top of an empty column, as the comparison sheet's primitives
(`export.sheet_primitives`: text runs, fills, rules, photo and logo boxes); its height is what
was recorded, so what is measured is exactly what is drawn. Blocks then flow onto pages (a
section title stays with what follows it, tables are not split) and are moved to their place;
every page gets the footer. `export.sheet_paint` replays the primitives on a PDF writer, an
image or a printer, so both exporters share fonts, text metrics and painting, and a test can
check the geometry without painting anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from photocompare import APP_NAME, __version__
from photocompare.core.payer_report import PayerReport
from photocompare.export import payer_report_content as content
from photocompare.export.payer_report_content import Cell, ReportOptions, Table
from photocompare.export.sheet_primitives import (
    HEADER_FILL,
    INK,
    MARGIN_MM,
    MUTED,
    LogoBox,
    PhotoBox,
    Primitive,
    Recorder,
    Rule,
    TextMetrics,
    content_box,
)

FOOTER_MM = 9.0
BLOCK_GAP_MM = 1.8
TITLE_GAP_MM = 0.5
TITLE_PT = 13.0
H2_PT = 9.5
BODY_PT = 8.0
SMALL_PT = 6.8
PAD_MM = 0.8
LOGO_MAX_H_MM = 16.0
LOGO_MAX_W_MM = 40.0
LOGO_DPI = 300
PHOTO_BOX_H_MM = 55.0
PHOTO_DPI = 200  # sharp on paper, small in the file
HIGHLIGHT_FILL = "#fff6d6"


@dataclass(frozen=True)
class ReportBlock:
    """One block of the report, placed on its page."""

    kind: str  # "header" | "text" | "title" | "table" | "photos" | "signature" | "footer"
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float


@dataclass(frozen=True, eq=False)
class ReportPage:
    number: int  # 1-based
    blocks: tuple[ReportBlock, ...]
    items: tuple[Primitive, ...]  # in drawing order (what `sheet_paint.paint_page` replays)


@dataclass(frozen=True, eq=False)
class ReportLayout:
    paper_mm: tuple[float, float]
    content_mm: tuple[float, float, float, float]  # x, y, width, height above the footer
    pages: tuple[ReportPage, ...]


def layout_payer_report(report: PayerReport, paper_mm: tuple[float, float],
                        metrics: TextMetrics, options: ReportOptions | None = None
                        ) -> ReportLayout:
    """Every page of the report, with every primitive to draw (positions in mm)."""
    options = options or ReportOptions()
    x0, y0, width, height = content_box(paper_mm, FOOTER_MM)
    blocks = [(kind, rec.items, h) for kind, rec, h in _blocks(report, metrics, width, options)]
    bottom = y0 + height
    flowed: list[list[tuple[str, tuple[Primitive, ...], float, float]]] = [[]]
    y = y0
    for i, (kind, items, h) in enumerate(blocks):
        need = h
        if kind == "title" and i + 1 < len(blocks):
            # Keep a title with what follows it (tables are not split across pages).
            need += min(blocks[i + 1][2], height - h)
        if y + need > bottom + 0.01 and flowed[-1]:
            flowed.append([])
            y = y0
        flowed[-1].append((kind, items, y, h))
        y += h + (TITLE_GAP_MM if kind == "title" else BLOCK_GAP_MM)
    pages = []
    for index, page in enumerate(flowed):
        placed, items = [], []
        for kind, block_items, top, h in page:
            placed.append(ReportBlock(kind, x0, top, width, h))
            items += [_moved(item, x0, top) for item in block_items]
        footer = Recorder(metrics)
        _footer(footer, paper_mm, index, len(flowed))
        fy = paper_mm[1] - MARGIN_MM - FOOTER_MM
        placed.append(ReportBlock("footer", x0, fy, width, FOOTER_MM))
        items += footer.items
        pages.append(ReportPage(index + 1, tuple(placed), tuple(items)))
    return ReportLayout(tuple(paper_mm), content_box(paper_mm, FOOTER_MM), tuple(pages))


# ---------------------------------------------------------------------------- blocks


def _blocks(report: PayerReport, m: TextMetrics, width: float, options: ReportOptions
            ) -> list[tuple[str, Recorder, float]]:
    """Each block recorded at (0, 0): (kind, its primitives, its height in mm)."""
    out: list[tuple[str, Recorder, float]] = []

    def add(kind: str, draw) -> None:
        rec = Recorder(m)
        out.append((kind, rec, draw(rec)))

    def section(text: str) -> None:
        def draw(rec: Recorder) -> float:
            h = rec.text(0, 0, width, text, H2_PT, bold=True) + 1.2
            rec.line(0, h - 0.8, width, h - 0.8)
            return h
        add("title", draw)

    def text(body: str, size=BODY_PT, bold=False, italic=False) -> None:
        add("text", lambda rec: rec.text(0, 0, width, body, size, bold=bold, italic=italic) + 1.0)

    def table(t: Table) -> None:
        add("table", lambda rec: _table(rec, t, width) + 1.5)

    add("header", lambda rec: _header(rec, report, width, options))
    prof = report.profile
    text(f"Payer profile: {prof.name}. Source: {prof.source}.", SMALL_PT, italic=True)
    section("Criteria")
    table(content.criteria_table(report))
    text(report.summary, BODY_PT, bold=True)
    section("Headache diary per period (per 28 days)" if report.kind == "renewal"
            else "Headache diary before treatment (ICHD-3 evidence, per 28 days)")
    table(content.periods_table(report, options.max_cycles))
    hidden = content.shown_periods(report, options.max_cycles)[1]
    if hidden:
        text(content.hidden_cycles_text(hidden), SMALL_PT, italic=True)
    if report.kind == "initial":
        section("Prior preventive treatments")
        if report.preventives:
            table(content.preventive_table(report))
        else:
            text("No prior preventive treatment recorded.")
    section("Disability questionnaires")
    text(content.questionnaire_text(report))
    if report.treatments:
        section("Treatment log")
        table(content.treatment_table(report, options.max_cycles))
    if report.kind == "renewal" and report.preventives:
        section("Prior preventive treatments")
        table(content.preventive_table(report))
    section("Flags and notes")
    text("\n".join(f"• {line}" for line in content.flag_lines(report)), SMALL_PT + 0.4)
    if report.clinician_notes:
        section("Clinician notes and adverse events")
        text(content.clinician_note_text(report))
    if options.photos:
        section("Before / after photographs (with the patient's consent for an insurer)")
        add("photos", lambda rec: _photos(rec, options, width))
    add("signature", lambda rec: _signature(rec, options, width))
    return out


def _moved(item: Primitive, dx: float, dy: float) -> Primitive:
    if isinstance(item, Rule):
        return replace(item, x1_mm=item.x1_mm + dx, y1_mm=item.y1_mm + dy,
                       x2_mm=item.x2_mm + dx, y2_mm=item.y2_mm + dy)
    return replace(item, x_mm=item.x_mm + dx, y_mm=item.y_mm + dy)


def logo_size_mm(path: str) -> tuple[float, float, int, int] | None:
    """Printed logo size (mm, aspect kept, within the logo box) and the pixels to embed; None
    when there is no logo or its file cannot be read (the header then has no logo)."""
    if not path or not Path(path).is_file():
        return None
    try:
        with Image.open(path) as image:  # reads the header only
            w_px, h_px = image.size
    except (OSError, ValueError):
        return None
    if w_px < 1 or h_px < 1:
        return None
    scale = min(LOGO_MAX_H_MM / h_px, LOGO_MAX_W_MM / w_px)
    w, h = w_px * scale, h_px * scale
    return w, h, min(w_px, round(w / 25.4 * LOGO_DPI)), min(h_px, round(h / 25.4 * LOGO_DPI))


def _header(rec: Recorder, report: PayerReport, w: float, options: ReportOptions) -> float:
    p = options.prescriber
    logo = logo_size_mm(p.logo_path)
    left_w = w * 0.42
    tx = 0.0
    if logo:
        rec.items.append(LogoBox(0, 0, logo[0], logo[1], p.logo_path, max(1, logo[2]),
                                 max(1, logo[3])))
        tx = logo[0] + 3.0
    left = rec.text(tx, 0, left_w - tx, content.clinic_text(p), SMALL_PT + 0.5, colour=MUTED)
    left = max(left, logo[1] if logo else 0.0)
    right = rec.text(left_w, 0, w - left_w, content.title(report), TITLE_PT, bold=True,
                     align="right")
    top = max(left, right) + 1.0
    rec.line(0, top, w, top, colour=INK, width_mm=0.4)
    lines = "\n".join(content.patient_lines(report, options))
    return top + 1.2 + rec.text(0, top + 1.2, w, lines, BODY_PT) + 1.8


def _cell_height(m: TextMetrics, cell: Cell, w: float, size: float) -> float:
    h = m.text_height(cell.text or " ", w - 2 * PAD_MM, size, cell.bold)
    if cell.small:
        h += m.text_height(cell.small, w - 2 * PAD_MM, SMALL_PT, italic=True)
    return h + 2 * PAD_MM


def _table(rec: Recorder, t: Table, w: float) -> float:
    """A table with a tinted header row; returns its height."""
    widths = [f * w for f in t.widths]
    header = [Cell(hd, True) for hd in t.header]
    head_pt = BODY_PT - 0.5
    hh = max(_cell_height(rec.m, c, cw, head_pt) for c, cw in zip(header, widths, strict=True))
    rec.fill(0, 0, w, hh, HEADER_FILL)
    cx = 0.0
    for cell, cw in zip(header, widths, strict=True):
        rec.text(cx + PAD_MM, PAD_MM, cw - 2 * PAD_MM, cell.text, head_pt, bold=True)
        cx += cw
    y = hh
    for i, row in enumerate(t.rows):
        rh = max(_cell_height(rec.m, c, cw, BODY_PT) for c, cw in zip(row, widths, strict=True))
        if i in t.highlight:
            rec.fill(0, y, w, rh, HIGHLIGHT_FILL)
        cx = 0.0
        for cell, cw in zip(row, widths, strict=True):
            th = rec.text(cx + PAD_MM, y + PAD_MM, cw - 2 * PAD_MM, cell.text or content.NONE,
                          BODY_PT, bold=cell.bold, colour=cell.colour)
            if cell.small:
                rec.text(cx + PAD_MM, y + PAD_MM + th, cw - 2 * PAD_MM, cell.small, SMALL_PT,
                         italic=True, colour=MUTED)
            cx += cw
        y += rh
        rec.line(0, y, w, y)
    return y


def _photos(rec: Recorder, options: ReportOptions, w: float) -> float:
    """Before and after side by side, each fitted (aspect kept) in its half of the width."""
    box_w = (w - 3.0) / 2
    for i, photo in enumerate(content.photos_of(options)):
        bx = i * (box_w + 3.0)
        rec.text(bx, 0, box_w, content.photo_label(i, photo), BODY_PT, bold=True)
        height_px, width_px = photo.rgb.shape[:2]
        scale = min(box_w / width_px, PHOTO_BOX_H_MM / height_px)
        pw, ph = width_px * scale, height_px * scale
        embed_w = min(width_px, max(1, round(pw / 25.4 * PHOTO_DPI)))
        embed_h = min(height_px, max(1, round(ph / 25.4 * PHOTO_DPI)))
        rec.items.append(PhotoBox(bx + (box_w - pw) / 2, 5.0, pw, ph, photo.rgb, embed_w,
                                  embed_h))
    return PHOTO_BOX_H_MM + 6.0


def _signature(rec: Recorder, options: ReportOptions, w: float) -> float:
    y = 1.0 + rec.text(0, 1.0, w, content.ATTESTATION, BODY_PT, italic=True) + 8.0
    half = (w - 10.0) / 2
    rec.line(0, y, half, y, colour=INK)
    rec.line(half + 10.0, y, w, y, colour=INK)
    sign = rec.text(0, y + 1.0, half, content.signature_text(options.prescriber), SMALL_PT + 0.5)
    rec.text(half + 10.0, y + 1.0, half, "Date", SMALL_PT + 0.5)
    return y + 1.0 + sign


def _footer(rec: Recorder, paper_mm: Sequence[float], index: int, count: int) -> None:
    x, width = MARGIN_MM, paper_mm[0] - 2 * MARGIN_MM
    foot_y = paper_mm[1] - MARGIN_MM - FOOTER_MM + 3.0
    rec.line(x, foot_y - 1.0, x + width, foot_y - 1.0)
    rec.text(x, foot_y, width * 0.74, content.DISCLAIMER, SMALL_PT, colour=MUTED)
    rec.text(x + width * 0.74, foot_y, width * 0.26,
             f"{APP_NAME} {__version__} · page {index + 1} of {count}", SMALL_PT, colour=MUTED,
             align="right")
