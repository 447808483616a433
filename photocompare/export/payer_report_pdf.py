"""The payer report as a one- or two-page PDF (QPdfWriter), page images for a preview, or print.

The same machinery as the comparison sheet (export/sheet.py): QtGui only, so it renders on the
offscreen platform from the CLI; positions in millimetres, fonts in points; real, searchable
text (no ligatures, and the sheet's fix that makes spaces extract as spaces); the file written
under a temporary name and renamed when complete, so a failure leaves nothing behind.

Layout, top to bottom: clinic header (logo, clinic address, prescriber) and the report title;
the patient line (ID only when de-identified), diagnosis and insurer; the payer profile with its
source; the criteria table (met / not met / not enough data, each with its source) and the
one-sentence summary; the diary figures per period; MIDAS/HIT-6; the treatment log (intervals
under 84 days flagged); prior preventives; flags and notes; an optional before/after photo pair;
the attestation and signature block. Blocks flow onto a second page when needed and every page
carries a footer saying that the report informs and never decides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from photocompare import APP_NAME, __version__
from photocompare.core.errors import ExportError
from photocompare.core.payer_report import PayerReport, ReportPhoto
from photocompare.core.payer_rules import PREVENTIVE_CLASS_LABELS
from photocompare.export.atomic import atomic_output
from photocompare.export.pdf_textmap import fix_space_in_text_maps
from photocompare.export.qt_env import ensure_gui_application
from photocompare.export.sheet import PDF_RESOLUTION
from photocompare.settings import Paper, PayerSettings, Prescriber

MARGIN_MM = 14.0
FOOTER_MM = 9.0
GAP_MM = 3.0
TITLE_PT = 13.0
H2_PT = 9.5
BODY_PT = 8.0
SMALL_PT = 6.8
PAD_MM = 0.8
LOGO_MAX_H_MM = 16.0
LOGO_MAX_W_MM = 40.0
PHOTO_BOX_H_MM = 55.0

INK = "#1a1a1a"
MUTED = "#5f6368"
RULE = "#c7c9cc"
HEADER_FILL = "#eef1f4"
HIGHLIGHT_FILL = "#fff6d6"
STATUS = {True: ("met", "#2e7d32"), False: ("not met", "#c62828"),
          None: ("not enough data", "#b26a00")}
DISCLAIMER = ("This report informs the clinician and the payer; it does not decide. "
              "Figures are computed from the patient's headache diary per 28 days.")
ATTESTATION = ("I attest that the information in this report is taken from the patient's "
               "clinical record and headache diary and is accurate to the best of my knowledge.")


def _qt():
    ensure_gui_application()
    from PySide6 import QtCore, QtGui

    return QtCore, QtGui


# ============================================================================ public


def render_payer_pdf(report: PayerReport, path: str | Path, *, prescriber: Prescriber | None = None,
                     deidentify: bool = False, include_payer: bool = False,
                     photos: Sequence[ReportPhoto] | None = None, paper: str = "a4") -> Path:
    """Write the report as a PDF at `path` (atomically); returns `path`."""
    paper_mm = _paper(paper)
    QtCore, QtGui = _qt()
    target = Path(path)
    with atomic_output(target) as tmp:
        writer = QtGui.QPdfWriter(str(tmp))
        writer.setResolution(PDF_RESOLUTION)
        writer.setPageLayout(QtGui.QPageLayout(
            QtGui.QPageSize(QtGui.QPageSize.PageSizeId.A4 if paper.lower() == "a4"
                            else QtGui.QPageSize.PageSizeId.Letter),
            QtGui.QPageLayout.Orientation.Portrait, QtCore.QMarginsF(0, 0, 0, 0),
            QtGui.QPageLayout.Unit.Millimeter))
        writer.setCreator(f"{APP_NAME} {__version__}")
        writer.setTitle(f"{_title(report)} — {report.patient_id}")
        _render(report, writer, writer.newPage, paper_mm,
                _Options(prescriber or Prescriber(), deidentify, include_payer, tuple(photos or ())))
        del writer  # flushes and closes the file
        fix_space_in_text_maps(tmp)
    return target


def render_payer_images(report: PayerReport, *, dpi: int = 80,
                        prescriber: Prescriber | None = None, deidentify: bool = False,
                        include_payer: bool = False,
                        photos: Sequence[ReportPhoto] | None = None, paper: str = "a4") -> list:
    """The pages as QImages (for a preview); same layout as the PDF."""
    if not 30 <= dpi <= 300:
        raise ExportError(f"preview resolution {dpi} dpi is outside 30-300")
    paper_mm = _paper(paper)
    QtCore, QtGui = _qt()
    images: list = []

    def new_image():
        image = QtGui.QImage(round(paper_mm[0] / 25.4 * dpi), round(paper_mm[1] / 25.4 * dpi),
                             QtGui.QImage.Format.Format_RGB32)
        dpm = round(dpi / 0.0254)
        image.setDotsPerMeterX(dpm)
        image.setDotsPerMeterY(dpm)
        image.fill(QtGui.QColor("white"))
        images.append(image)
        return image

    options = _Options(prescriber or Prescriber(), deidentify, include_payer, tuple(photos or ()))
    first = new_image()
    pages = _layout(report, _Metrics(first, dpi), paper_mm, options)
    for index, page in enumerate(pages):
        image = first if index == 0 else new_image()
        painter = QtGui.QPainter(image)
        try:
            _setup(painter, QtGui)
            _draw_page(_Draw(painter, _Metrics(image, dpi)), page, index, len(pages), paper_mm,
                       options)
        finally:
            painter.end()
    return images


def print_payer_report(report: PayerReport, printer, **options) -> None:
    """Render onto a configured QPrinter (after QPrintDialog); uses its paper size."""
    QtCore, QtGui = _qt()
    rect = printer.pageLayout().fullRectPoints()
    paper_mm = (rect.width() * 25.4 / 72.0, rect.height() * 25.4 / 72.0)
    printer.setFullPage(True)
    opts = _Options(options.get("prescriber") or Prescriber(), options.get("deidentify", False),
                    options.get("include_payer", False), tuple(options.get("photos") or ()))
    _render(report, printer, printer.newPage, paper_mm, opts)


def payer_page_count(report: PayerReport, **options) -> int:
    QtCore, QtGui = _qt()
    probe = QtGui.QImage(8, 8, QtGui.QImage.Format.Format_RGB32)
    dpm = round(PDF_RESOLUTION / 0.0254)
    probe.setDotsPerMeterX(dpm)
    probe.setDotsPerMeterY(dpm)
    opts = _Options(options.get("prescriber") or Prescriber(), options.get("deidentify", False),
                    options.get("include_payer", False), tuple(options.get("photos") or ()))
    return len(_layout(report, _Metrics(probe, PDF_RESOLUTION), _paper("a4"), opts))


# ============================================================================ internals


@dataclass(frozen=True)
class _Options:
    prescriber: Prescriber
    deidentify: bool
    include_payer: bool
    photos: tuple[ReportPhoto, ...]
    max_cycles: int = PayerSettings().report_max_cycles_shown


def _paper(paper: Paper | str) -> tuple[float, float]:
    try:
        return Paper.parse(paper).size_mm
    except ValueError:
        raise ExportError(f"unknown paper size {paper!r} (use a4 or letter)") from None


def _title(report: PayerReport) -> str:
    if report.kind == "initial":
        return "OnabotulinumtoxinA for chronic migraine — prior authorisation"
    return "OnabotulinumtoxinA for chronic migraine — continuation (renewal)"


def _setup(painter, QtGui) -> None:
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
    painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)


def _render(report, device, new_page: Callable, paper_mm, options: _Options) -> None:
    QtCore, QtGui = _qt()
    metrics = _Metrics(device, device.logicalDpiY())
    pages = _layout(report, metrics, paper_mm, options)
    painter = QtGui.QPainter()
    if not painter.begin(device):
        raise ExportError("could not start drawing the payer report (output not writable?)")
    try:
        _setup(painter, QtGui)
        for index, page in enumerate(pages):
            if index:
                new_page()
            _draw_page(_Draw(painter, metrics), page, index, len(pages), paper_mm, options)
    finally:
        painter.end()


class _Metrics:
    def __init__(self, device, dpi: float) -> None:
        QtCore, QtGui = _qt()
        self.QtCore, self.QtGui = QtCore, QtGui
        self.device = device
        self.dpu = dpi / 25.4
        self._fonts: dict = {}

    def u(self, mm: float) -> float:
        return mm * self.dpu

    def font(self, size_pt: float, bold: bool = False, italic: bool = False):
        key = (size_pt, bold, italic)
        font = self._fonts.get(key)
        if font is None:
            from photocompare.export import sheet_paint

            font = self.QtGui.QFont()
            font.setFamilies(sheet_paint.FONT_FAMILIES)
            font.setPointSizeF(size_pt)
            font.setBold(bold)
            font.setItalic(italic)
            font.setHintingPreference(self.QtGui.QFont.HintingPreference.PreferNoHinting)
            sheet_paint.no_ligatures(font)
            self._fonts[key] = font
        return font

    def text_height(self, text: str, width_mm: float, size_pt: float, bold=False,
                    italic=False) -> float:
        if not text:
            return 0.0
        fm = self.QtGui.QFontMetricsF(self.font(size_pt, bold, italic), self.device)
        rect = fm.boundingRect(self.QtCore.QRectF(0, 0, self.u(width_mm), 1e7),
                               int(self.QtCore.Qt.TextFlag.TextWordWrap), text)
        return rect.height() / self.dpu


class _Draw:
    def __init__(self, painter, m: _Metrics) -> None:
        self.p, self.m = painter, m
        self.QtCore, self.QtGui = m.QtCore, m.QtGui

    def rect(self, x, y, w, h):
        u = self.m.u
        return self.QtCore.QRectF(u(x), u(y), u(w), u(h))

    def text(self, x, y, w, text, size=BODY_PT, *, bold=False, italic=False, colour=INK,
             align="left") -> float:
        if not text:
            return 0.0
        Qt = self.QtCore.Qt
        flags = Qt.TextFlag.TextWordWrap | {"left": Qt.AlignmentFlag.AlignLeft,
                                            "right": Qt.AlignmentFlag.AlignRight,
                                            "center": Qt.AlignmentFlag.AlignHCenter}[align]
        height = self.m.text_height(text, w, size, bold, italic)
        self.p.setFont(self.m.font(size, bold, italic))
        self.p.setPen(self.QtGui.QColor(colour))
        self.p.drawText(self.rect(x, y, w, height + 0.5), int(flags), text)
        return height

    def line(self, x1, y1, x2, y2, colour=RULE, width_mm=0.25):
        pen = self.QtGui.QPen(self.QtGui.QColor(colour))
        pen.setWidthF(self.m.u(width_mm))
        self.p.setPen(pen)
        u = self.m.u
        self.p.drawLine(self.QtCore.QPointF(u(x1), u(y1)), self.QtCore.QPointF(u(x2), u(y2)))

    def fill(self, x, y, w, h, colour):
        self.p.fillRect(self.rect(x, y, w, h), self.QtGui.QColor(colour))


# ---------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class _Cell:
    text: str
    bold: bool = False
    colour: str = INK
    small: str = ""  # a second, smaller line (a criterion's source)


@dataclass(frozen=True)
class _Table:
    widths: tuple[float, ...]  # fractions of the width
    header: tuple[str, ...]
    rows: tuple[tuple[_Cell, ...], ...]
    highlight: tuple[int, ...] = ()  # row indexes drawn on a tinted background


@dataclass
class _Block:
    kind: str  # "title" | "text" | "table" | "photos" | "signature" | "header"
    height: float
    payload: object = None
    title: str = ""


@dataclass
class _Page:
    blocks: list[tuple[_Block, float]]


def _fmt(x, nd=1, suffix="") -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return (f"{x:.0f}" if abs(x - round(x)) < 0.05 else f"{x:.{nd}f}") + suffix
    return f"{x}{suffix}"


def _cell_height(m: _Metrics, cell: _Cell, w: float) -> float:
    h = m.text_height(cell.text or " ", w - 2 * PAD_MM, BODY_PT, cell.bold)
    if cell.small:
        h += m.text_height(cell.small, w - 2 * PAD_MM, SMALL_PT, italic=True)
    return h + 2 * PAD_MM


def _row_height(m: _Metrics, cells: Sequence[_Cell], widths: Sequence[float]) -> float:
    return max(_cell_height(m, c, w) for c, w in zip(cells, widths, strict=True))


def _table_height(m: _Metrics, t: _Table, width: float) -> float:
    widths = [f * width for f in t.widths]
    header = _row_height(m, [_Cell(h, True) for h in t.header], widths)
    return header + sum(_row_height(m, r, widths) for r in t.rows)


def _criteria_table(report: PayerReport) -> _Table:
    rows = []
    for c in report.criteria:
        word, colour = STATUS[c.met]
        value = c.value
        if isinstance(value, float):
            value = f"{value:+.1f} %" if "Reduction" in c.name else _fmt(value)
        if value is None:
            detail = c.note or "-"
        else:
            detail = f"{_fmt(value)}" + (f" — {c.note}" if c.note else "")
        rows.append((_Cell(c.name, True, small=c.source), _Cell(c.threshold),
                     _Cell(detail), _Cell(word, True, colour)))
    return _Table((0.30, 0.27, 0.29, 0.14), ("Criterion", "Threshold", "Value", "Status"),
                  tuple(rows))


def _shown_periods(report: PayerReport, max_cycles: int) -> tuple[list, int]:
    """(periods for the table, number of earlier cycles left out). An initial report's last
    month before treatment is its baseline, so the baseline is not repeated there."""
    periods = list(report.periods)
    if report.kind != "renewal":
        return periods, 0
    cycles = [p for p in periods if p.kind == "cycle"]
    keep = cycles[-max_cycles:]
    if report.assessment is not None and report.assessment not in keep:
        keep = [report.assessment, *keep[1:]] if keep else [report.assessment]
    kept = [p for p in periods if p.kind != "cycle" or p in keep]
    return kept, len(periods) - len(kept)


def _periods_table(report: PayerReport, max_cycles: int) -> _Table:
    periods, _hidden = _shown_periods(report, max_cycles)
    rows, highlight = [], []
    for i, p in enumerate(periods):
        if report.assessment is not None and p.label == report.assessment.label:
            highlight.append(i)
        cover = f"{p.days_recorded}/{p.days} ({p.coverage * 100:.0f} %)"
        if p.coverage_warning:
            cover += " !"
        change = "-" if p.headache_change_pct is None else f"{p.headache_change_pct:+.1f} %"
        mchange = "-" if p.migraine_change_pct is None else f"{p.migraine_change_pct:+.1f} %"
        label = p.label + ("  (assessed)" if i in highlight else "")
        rows.append((_Cell(label, i in highlight),
                     _Cell(f"{p.start.isoformat()} – {p.end.isoformat()}"), _Cell(cover),
                     _Cell(_fmt(p.headache_days_per_28)), _Cell(_fmt(p.migraine_days_per_28)),
                     _Cell(_fmt(p.acute_med_days_per_28)), _Cell(change), _Cell(mchange)))
    return _Table((0.19, 0.20, 0.13, 0.09, 0.09, 0.09, 0.105, 0.105),
                  ("Period", "Dates", "Recorded", "Headache /28", "Migraine /28",
                   "Acute med /28", "Headache change", "Migraine change"),
                  tuple(rows), tuple(highlight))


def _treatment_table(report: PayerReport, max_cycles: int) -> _Table:
    rows = []
    for t in report.treatments[-(max_cycles + 1):]:
        units = _fmt(t.units, suffix=" U")
        if t.follow_the_pain_units:
            units += f" (incl. {_fmt(t.follow_the_pain_units)} U follow-the-pain)"
        interval = "-" if t.interval_days is None else f"{t.interval_days} days"
        colour = STATUS[False][1] if t.short_interval else INK
        if t.short_interval:
            interval += " (< 84)"
        rows.append((_Cell(t.date.isoformat()), _Cell(units), _Cell(_fmt(t.sites)),
                     _Cell(t.lot or "-"), _Cell(t.expiry.isoformat() if t.expiry else "-"),
                     _Cell(t.injector or "-"), _Cell(interval, t.short_interval, colour)))
    return _Table((0.13, 0.22, 0.08, 0.13, 0.12, 0.17, 0.15),
                  ("Date", "Units", "Sites", "Lot", "Expiry", "Injector", "Interval"),
                  tuple(rows))


def _preventive_table(report: PayerReport) -> _Table:
    rows = []
    for p in report.preventives:
        stop = p.stop.isoformat() if p.stop else "ongoing"
        days = (p.stop - p.start).days + 1 if p.stop else None
        rows.append((_Cell(p.drug, True), _Cell(PREVENTIVE_CLASS_LABELS.get(p.drug_class,
                                                                             p.drug_class)),
                     _Cell(p.dose or "-"), _Cell(f"{p.start.isoformat()} – {stop}"),
                     _Cell(_fmt(days)), _Cell(p.outcome.replace("-", " "), small=p.note)))
    return _Table((0.17, 0.19, 0.18, 0.24, 0.07, 0.15),
                  ("Drug", "Class", "Dose", "Dates", "Days", "Outcome"), tuple(rows))


def _questionnaire_text(report: PayerReport) -> str:
    p = report.profile
    parts = []
    if report.midas:
        parts.append("MIDAS: " + "; ".join(f"{q.date.isoformat()} {q.score} (grade {q.grade})"
                                           for q in report.midas))
    if report.hit6:
        parts.append("HIT-6: " + "; ".join(f"{q.date.isoformat()} {q.score} ({q.grade})"
                                           for q in report.hit6))
    if not parts:
        parts.append("No MIDAS or HIT-6 recorded.")
    if p.questionnaires_used:
        parts.append(f"Cut-offs of {p.name}: MIDAS -{_fmt(p.midas_drop_points)} points "
                     f"(baseline 11-20) or -{_fmt(p.midas_drop_pct)} % (baseline > 20); "
                     f"HIT-6 -{_fmt(p.hit6_drop_points)} points.")
    else:
        parts.append(f"{p.name} sets no questionnaire cut-off; scores are shown for information.")
    return "\n".join(parts)


def _flag_lines(report: PayerReport) -> list[str]:
    lines = list(report.notes)
    flags = report.flags
    if flags.medication_overuse:
        lines += [f"Medication overuse: {f.message}" for f in flags.medication_overuse]
    else:
        lines.append("Medication overuse: none flagged by the ICHD-3 frequency thresholds.")
    lines += [n for n in flags.notes if n not in lines]
    return lines


def _patient_lines(report: PayerReport, options: _Options) -> list[str]:
    who = f"Patient ID {report.patient_id}"
    if options.deidentify:
        who += "  ·  de-identified: ID only"
    else:
        if report.display_name:
            who += f"  ·  {report.display_name}"
        if report.birth_year:
            who += f"  ·  born {report.birth_year}"
    lines = [who]
    if report.diagnosis is not None:
        onset = (f", onset {report.diagnosis.onset_date.isoformat()}"
                 if report.diagnosis.onset_date else "")
        lines.append(f"Diagnosis: ICD-10 {report.diagnosis.icd10_code}{onset}")
    else:
        lines.append("Diagnosis: not recorded")
    if report.payer is not None and options.include_payer:
        payer = report.payer
        text = f"Insurer: {payer.payer_name}"
        if payer.plan:
            text += f", plan {payer.plan}"
        if not options.deidentify:
            if payer.member_id:
                text += f"  ·  member ID {payer.member_id}"
            if payer.authorisation_number:
                text += f"  ·  authorisation {payer.authorisation_number}"
        lines.append(text)
    elif report.payer is not None:
        lines.append("Insurer details not included (no consent for an insurer on record).")
    first = report.reference_date.isoformat()
    lines.append(("First treatment: " if report.treatments else "Planned first treatment: ")
                 + first)
    return lines


def _blocks(report: PayerReport, m: _Metrics, width: float, options: _Options) -> list[_Block]:
    out: list[_Block] = []

    def section(title: str) -> None:
        out.append(_Block("title", m.text_height(title, width, H2_PT, True) + 1.2, title=title))

    def text(body: str, size=BODY_PT, bold=False, italic=False) -> None:
        h = m.text_height(body, width, size, bold, italic)
        out.append(_Block("text", h + 1.0, (body, size, bold, italic)))

    def table(t: _Table) -> None:
        out.append(_Block("table", _table_height(m, t, width) + 1.5, t))

    out.append(_Block("header", _header_height(m, report, width, options), report))
    prof = report.profile
    text(f"Payer profile: {prof.name}. Source: {prof.source}.", SMALL_PT, italic=True)
    section("Criteria")
    table(_criteria_table(report))
    text(report.summary, BODY_PT, bold=True)
    section("Headache diary per period (per 28 days)" if report.kind == "renewal"
            else "Headache diary before treatment (ICHD-3 evidence, per 28 days)")
    table(_periods_table(report, options.max_cycles))
    hidden = _shown_periods(report, options.max_cycles)[1]
    if hidden:
        text(f"{hidden} earlier cycles (and their sessions) are left out here to keep the report "
             "short; every period is in the course report and the JSON.", SMALL_PT, italic=True)
    if report.kind == "initial":
        section("Prior preventive treatments")
        if report.preventives:
            table(_preventive_table(report))
        else:
            text("No prior preventive treatment recorded.")
    section("Disability questionnaires")
    text(_questionnaire_text(report))
    if report.treatments:
        section("Treatment log")
        table(_treatment_table(report, options.max_cycles))
    if report.kind == "renewal" and report.preventives:
        section("Prior preventive treatments")
        table(_preventive_table(report))
    section("Flags and notes")
    text("\n".join(f"• {line}" for line in _flag_lines(report)), SMALL_PT + 0.4)
    if report.clinician_notes:
        section("Clinician notes and adverse events")
        text("\n".join(f"{what}: {body}" for what, body in report.clinician_notes))
    if options.photos:
        section("Before / after photographs (with the patient's consent for an insurer)")
        out.append(_Block("photos", PHOTO_BOX_H_MM + 6.0, options.photos))
    out.append(_Block("signature", _signature_height(m, width, options), options.prescriber))
    return out


def _layout(report: PayerReport, m: _Metrics, paper_mm, options: _Options) -> list[_Page]:
    width = paper_mm[0] - 2 * MARGIN_MM
    bottom = paper_mm[1] - MARGIN_MM - FOOTER_MM
    pages = [_Page([])]
    y = MARGIN_MM
    blocks = _blocks(report, m, width, options)
    for i, block in enumerate(blocks):
        need = block.height
        if block.kind == "title" and i + 1 < len(blocks):
            # Keep a title with what follows it (tables are not split across pages).
            need += min(blocks[i + 1].height, bottom - MARGIN_MM - block.height)
        if y + need > bottom and pages[-1].blocks:
            pages.append(_Page([]))
            y = MARGIN_MM
        pages[-1].blocks.append((block, y))
        y += block.height + (0.5 if block.kind == "title" else GAP_MM * 0.6)
    return pages


def _logo_size(QtGui, path: str) -> tuple[float, float] | None:
    if not path or not Path(path).is_file():
        return None
    size = QtGui.QImageReader(path).size()
    if not size.isValid() or size.width() < 1 or size.height() < 1:
        return None
    scale = min(LOGO_MAX_H_MM / size.height(), LOGO_MAX_W_MM / size.width())
    return size.width() * scale, size.height() * scale


def _clinic_text(p: Prescriber) -> str:
    who = ", ".join(x for x in (p.name.strip(), p.specialty.strip()) if x)
    return "\n".join(x for x in (who, p.clinic_address.strip()) if x)


def _header_height(m: _Metrics, report: PayerReport, width: float, options: _Options) -> float:
    logo = _logo_size(m.QtGui, options.prescriber.logo_path)
    left_w = width * 0.42
    left = m.text_height(_clinic_text(options.prescriber), left_w - (logo[0] + 3 if logo else 0),
                         SMALL_PT + 0.5)
    left = max(left, logo[1] if logo else 0.0)
    right = m.text_height(_title(report), width - left_w, TITLE_PT, True)
    top = max(left, right) + 2.0
    patient = "\n".join(_patient_lines(report, options))
    return top + m.text_height(patient, width, BODY_PT) + 3.0


def _signature_height(m: _Metrics, width: float, options: _Options) -> float:
    return m.text_height(ATTESTATION, width, BODY_PT, italic=True) + 22.0


# ---------------------------------------------------------------------------- drawing


def _draw_page(d: _Draw, page: _Page, index: int, count: int, paper_mm,
               options: _Options) -> None:
    width = paper_mm[0] - 2 * MARGIN_MM
    x = MARGIN_MM
    for block, y in page.blocks:
        if block.kind == "header":
            _draw_header(d, block.payload, x, y, width, block.height, options)
        elif block.kind == "title":
            d.text(x, y, width, block.title, H2_PT, bold=True)
            d.line(x, y + block.height - 0.8, x + width, y + block.height - 0.8)
        elif block.kind == "text":
            body, size, bold, italic = block.payload
            d.text(x, y, width, body, size, bold=bold, italic=italic)
        elif block.kind == "table":
            _draw_table(d, block.payload, x, y, width)
        elif block.kind == "photos":
            _draw_photos(d, block.payload, x, y, width)
        elif block.kind == "signature":
            _draw_signature(d, block.payload, x, y, width)
    foot_y = paper_mm[1] - MARGIN_MM - FOOTER_MM + 3.0
    d.line(x, foot_y - 1.0, x + width, foot_y - 1.0)
    d.text(x, foot_y, width * 0.8, DISCLAIMER, SMALL_PT, colour=MUTED)
    d.text(x + width * 0.8, foot_y, width * 0.2,
           f"{APP_NAME} {__version__} · page {index + 1} of {count}", SMALL_PT, colour=MUTED,
           align="right")


def _draw_header(d: _Draw, report: PayerReport, x, y, w, h, options: _Options) -> None:
    p = options.prescriber
    logo = _logo_size(d.QtGui, p.logo_path)
    left_w = w * 0.42
    tx = x
    if logo:
        image = d.QtGui.QImage(p.logo_path)
        if not image.isNull():
            d.p.drawImage(d.rect(x, y, logo[0], logo[1]), image)
            tx = x + logo[0] + 3.0
    left = d.text(tx, y, x + left_w - tx, _clinic_text(p), SMALL_PT + 0.5, colour=MUTED)
    left = max(left, logo[1] if logo else 0.0)
    right = d.text(x + left_w, y, w - left_w, _title(report), TITLE_PT, bold=True, align="right")
    top = y + max(left, right) + 1.0
    d.line(x, top, x + w, top, colour=INK, width_mm=0.4)
    d.text(x, top + 1.2, w, "\n".join(_patient_lines(report, options)), BODY_PT)


def _draw_table(d: _Draw, t: _Table, x, y, w) -> None:
    widths = [f * w for f in t.widths]
    header = [_Cell(hd, True) for hd in t.header]
    hh = _row_height(d.m, header, widths)
    d.fill(x, y, w, hh, HEADER_FILL)
    cx = x
    for cell, cw in zip(header, widths, strict=True):
        d.text(cx + PAD_MM, y + PAD_MM, cw - 2 * PAD_MM, cell.text, BODY_PT - 0.5, bold=True)
        cx += cw
    y += hh
    for i, row in enumerate(t.rows):
        rh = _row_height(d.m, row, widths)
        if i in t.highlight:
            d.fill(x, y, w, rh, HIGHLIGHT_FILL)
        cx = x
        for cell, cw in zip(row, widths, strict=True):
            th = d.text(cx + PAD_MM, y + PAD_MM, cw - 2 * PAD_MM, cell.text or "-", BODY_PT,
                        bold=cell.bold, colour=cell.colour)
            if cell.small:
                d.text(cx + PAD_MM, y + PAD_MM + th, cw - 2 * PAD_MM, cell.small, SMALL_PT,
                       italic=True, colour=MUTED)
            cx += cw
        y += rh
        d.line(x, y, x + w, y)


def _draw_photos(d: _Draw, photos: Sequence[ReportPhoto], x, y, w) -> None:
    QtCore, QtGui = d.QtCore, d.QtGui
    box_w = (w - GAP_MM) / 2
    for i, photo in enumerate(photos[:2]):
        bx = x + i * (box_w + GAP_MM)
        label = ("Before" if i == 0 else "After") + (
            f" · {photo.taken_on.isoformat()}" if photo.taken_on else "")
        d.text(bx, y, box_w, label, BODY_PT, bold=True)
        rgb = photo.rgb
        height, width_px = rgb.shape[:2]
        scale = min(box_w / width_px, PHOTO_BOX_H_MM / height)
        pw, ph = width_px * scale, height * scale
        # Embed at about 200 dpi of printed size: sharp on paper, small in the file.
        px_w, px_h = max(1, round(pw / 25.4 * 200)), max(1, round(ph / 25.4 * 200))
        data = rgb.copy(order="C")
        image = QtGui.QImage(data.data, width_px, height, 3 * width_px,
                             QtGui.QImage.Format.Format_RGB888).copy()
        image = image.scaled(px_w, px_h, QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
                             QtCore.Qt.TransformationMode.SmoothTransformation)
        d.p.drawImage(d.rect(bx + (box_w - pw) / 2, y + 5.0, pw, ph), image)


def _draw_signature(d: _Draw, p: Prescriber, x, y, w) -> None:
    y += d.text(x, y + 1.0, w, ATTESTATION, BODY_PT, italic=True) + 8.0
    half = (w - 10.0) / 2
    d.line(x, y, x + half, y, colour=INK)
    d.line(x + half + 10.0, y, x + w, y, colour=INK)
    who = ", ".join(v for v in (p.name, p.specialty) if v) or "Prescriber (name, specialty)"
    ident = f"Provider ID {p.provider_id}" if p.provider_id else "Provider ID"
    d.text(x, y + 1.0, half, f"Signature · {who}\n{ident}", SMALL_PT + 0.5)
    d.text(x + half + 10.0, y + 1.0, half, "Date", SMALL_PT + 0.5)
