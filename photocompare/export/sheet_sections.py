"""What each block of a comparison sheet holds, and how tall it is.

For every block kind (header, images, checks, migraine, measures, closing) and the footer: its
height for a given width (`measure`), and its content as primitives placed from a top-left
corner (`record`, `record_images`, `record_footer`). The tables, notes and chart are worked out
here from the sheet data's already-formatted strings. No Qt here.
"""

from __future__ import annotations

import numpy as np

from photocompare import APP_NAME
from photocompare.export.sheet_data import SheetData
from photocompare.export.sheet_migraine import NO_DIARY_NOTE, ChartBar
from photocompare.export.sheet_primitives import (
    BAR,
    BODY_PT,
    CHART_H_MM,
    FOOTER_MM,
    GAP_MM,
    H2_PT,
    HEADER_FILL,
    HIGHLIGHT,
    IMAGE_BOX_MAX_MM,
    IMAGE_BOX_MIN_MM,
    INK,
    LOGO_DPI,
    LOGO_MAX_H_MM,
    LOGO_MAX_W_MM,
    MARGIN_MM,
    MUTED,
    NOTES_FRACTION,
    PHOTO_BACKGROUND,
    ROW_PAD_MM,
    SIGN_MIN_MM,
    SMALL_PT,
    STATUS_COLOURS,
    TITLE_PT,
    LogoBox,
    PhotoBox,
    Recorder,
    TextMetrics,
)

BLOCK_KINDS = ("header", "images", "checks", "migraine", "measures", "closing")


def _measures_note(s: SheetData) -> str | None:
    return s.measures_note or (None if s.measures else "No side-effect measures")


def _migraine_note(s: SheetData) -> str | None:
    return s.migraine_note or (None if s.migraine_lines else NO_DIARY_NOTE)


def printed_dpi(s: SheetData, width: float, box_h: float) -> float:
    """Pixels per printed inch of the less detailed photo, fitted in a box `box_h` tall."""
    box_w = (width - GAP_MM) / 2
    dpis = []
    for rgb in (s.before_rgb, s.after_rgb):
        ih, iw = rgb.shape[:2]
        mm_per_px = min(box_w / max(iw, 1), box_h / max(ih, 1))
        dpis.append(25.4 / mm_per_px)
    return min(dpis)


def measure(
    kind: str, s: SheetData, m: TextMetrics, width: float, note: str | None = None
) -> float:
    if kind == "header":
        return _header_height(m, s, width, logo_size_mm(s))[1]
    if kind == "images":
        # Only the labels above and the note below; the box height is decided by _paginate.
        h = m.text_height("X", width, BODY_PT, True) + 1.5
        h += m.text_height(note or image_note(s), width, SMALL_PT, italic=True) + 1.5
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
        _chart_w, table_w = _measures_split(width, s)
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


def _section_title_h(m: TextMetrics, width: float) -> float:
    return m.text_height("X", width, H2_PT, True) + 1.2


def image_box_cap(s: SheetData, width: float, min_dpi: float) -> float:
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


def image_note(s: SheetData) -> str:
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


def _row_heights(m: TextMetrics, table: Table, width: float) -> list[float]:
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


def _table_height(m: TextMetrics, table: Table, width: float) -> float:
    return sum(_row_heights(m, table, width))


# ---------------------------------------------------------------------------- header


def logo_size_mm(s: SheetData) -> tuple[float, float] | None:
    """Printed logo size: at most LOGO_MAX_H_MM tall and LOGO_MAX_W_MM wide, aspect kept.
    None when there is no logo or its file cannot be read (the header then has no logo)."""
    if not s.clinic_logo:
        return None
    from PIL import Image

    try:
        with Image.open(s.clinic_logo) as image:  # reads the header only, no decode
            width_px, height_px = image.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    if width_px < 1 or height_px < 1:
        return None
    scale = min(LOGO_MAX_H_MM / height_px, LOGO_MAX_W_MM / width_px)
    return width_px * scale, height_px * scale


def _header_columns(logo: tuple[float, float] | None, width: float) -> tuple[float, float, float]:
    """(logo column incl. gap, title column, patient column) widths in mm; `logo` is
    `logo_size_mm` (read once per header by the caller)."""
    logo_w = logo[0] + 4.0 if logo else 0.0
    patient_w = width * 0.36
    return logo_w, width - patient_w - logo_w - 2.0, patient_w


def _header_height(
    m: TextMetrics, s: SheetData, width: float, logo: tuple[float, float] | None
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


def _header(d: Recorder, s: SheetData, x, y, w, h) -> None:
    logo_size = logo_size_mm(s)
    logo_w, title_w, patient_w = _header_columns(logo_size, w)
    if logo_size and s.clinic_logo:
        lw, lh = logo_size
        d.items.append(
            LogoBox(
                x,
                y,
                lw,
                lh,
                str(s.clinic_logo),
                max(1, round(lw / 25.4 * LOGO_DPI)),
                max(1, round(lh / 25.4 * LOGO_DPI)),
            )
        )
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


# ---------------------------------------------------------------------------- photos


def record_images(d: Recorder, s: SheetData, x, y, w, h, image_dpi, note: str | None) -> None:
    m = d.m
    label_h = m.text_height("X", w, BODY_PT, True)
    note = note or image_note(s)
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
        _photo(d, rgb, bx, y + label_h + 1.5, box_w, box_h, image_dpi)
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


def _photo(d: Recorder, rgb: np.ndarray, x, y, w, h, image_dpi) -> None:
    """Fit the photo in the box (aspect kept, centred) at `image_dpi` pixels per printed inch."""
    ih, iw = rgb.shape[:2]
    scale = min(w / iw, h / ih)
    pw, ph = iw * scale, ih * scale
    px, py = x + (w - pw) / 2, y + (h - ph) / 2
    d.fill(x, y, w, h, PHOTO_BACKGROUND)
    # Scale down to `image_dpi` at printed size; never up (a small photo keeps its pixels).
    target_w = min(iw, max(1, round(pw / 25.4 * image_dpi)))
    target_h = min(ih, max(1, round(ph / 25.4 * image_dpi)))
    d.items.append(PhotoBox(px, py, pw, ph, rgb, target_w, target_h))
    d.frame(px, py, pw, ph)


# ---------------------------------------------------------------------------- sections


def _section_title(d: Recorder, x, y, w, title) -> float:
    return d.text(x, y, w, title, H2_PT, bold=True) + 1.2


def _table(d: Recorder, table: Table, x, y, w) -> float:
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


def _checks(d: Recorder, s: SheetData, x, y, w, h) -> None:
    colour = STATUS_COLOURS["pass"] if s.consistent else STATUS_COLOURS["fail"]
    if s.consistent is None:
        colour = MUTED
    # The verdict sits on the title line, right-aligned, so the table keeps the room.
    title_h = _section_title(d, x, y, w * 0.5, "Consistency of the two photos")
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
    _table(d, _check_table(s), x, y + title_h, w)


def _migraine(d: Recorder, s: SheetData, x, y, w, h) -> None:
    y += _section_title(d, x, y, w, "Migraine frequency (days per 28 days; % change vs baseline)")
    table = _migraine_table(s)
    if table[1]:
        y += _table(d, table, x, y, w)
    if note := _migraine_note(s):
        d.text(x, y + 1.0, w, note, BODY_PT, italic=True, colour=MUTED)


def _measures(d: Recorder, s: SheetData, x, y, w, h) -> None:
    chart_w, table_w = _measures_split(w, s)
    title_h = _section_title_h(d.m, w)
    if s.chart:
        _section_title(d, x, y, chart_w, "Headache days per 28 days")
        _chart(d, s.chart, x, y + title_h, chart_w, h - title_h)
    tx = x + (chart_w + 6.0 if s.chart else 0.0)
    _section_title(d, tx, y, table_w, "Side-effect measures")
    ty = y + title_h
    if s.measures:
        ty += _table(d, _measure_table(s), tx, ty, table_w)
    if note := _measures_note(s):
        d.text(tx, ty + 1.0, table_w, note, SMALL_PT, italic=True, colour=MUTED)


def _chart(d: Recorder, bars: tuple[ChartBar, ...], x, y, w, h) -> None:
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
            d.text(cx - slot / 2, axis_y - bh - 3.3, slot, value, SMALL_PT - 1, align="center")
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


def _closing(d: Recorder, s: SheetData, x, y, w, h) -> None:
    """Notes (left) and the clinician's name with a signature line (right)."""
    notes_w = w * NOTES_FRACTION
    title_h = _section_title(d, x, y, notes_w, "Notes")
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


_SECTIONS = {  # the images block is placed by layout_sheets itself (it also takes the note)
    "header": _header,
    "checks": _checks,
    "migraine": _migraine,
    "measures": _measures,
    "closing": _closing,
}


def footer_box(paper_mm) -> tuple[float, float, float, float]:
    x = MARGIN_MM
    w = paper_mm[0] - 2 * MARGIN_MM
    y = paper_mm[1] - MARGIN_MM - FOOTER_MM
    return x, y, w, FOOTER_MM


def record_footer(d: Recorder, s: SheetData, paper_mm, index: int, count: int) -> None:
    x, y, w, _h = footer_box(paper_mm)
    y += 2.5
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


def record(kind: str, d: Recorder, s: SheetData, x, y, w, h) -> None:
    """Place block `kind` (not the images, see `record_images`) in the box x, y, w, h (mm)."""
    _SECTIONS[kind](d, s, x, y, w, h)
