"""The migraine part of a comparison sheet: the diary rows, the note, the chart bars.

Which diary periods a sheet shows (baseline and the periods the two photos fall in, by the
course's one period rule), each period's per-28-day figures with their change vs baseline,
the responder mark and the headache chart — already formatted, as plain data. Kept apart from
`export.sheet_data` because this is its own subject (diary figures, not photos or checks) and
the rest of the sheet only needs its result. No Qt here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from photocompare.core.course import CourseReport, period_for_date
from photocompare.core.course_figures import PeriodFigures
from photocompare.core.dates import as_date
from photocompare.core.figures_format import fmt_pct, fmt_per28, fmt_share

NO_DIARY_NOTE = "No diary data for these periods"


@dataclass(frozen=True)
class MigraineLine:
    label: str  # "baseline", "cycle 2", ...
    role: str  # "baseline", "before photo", "after photo", "before and after photos"
    dates: str  # "2026-01-04 – 2026-01-31"
    coverage: str  # "93 %"
    coverage_low: bool
    headache: str  # per 28 days, with change vs baseline: "8.0 (−47 %)"
    migraine: str
    acute_med: str
    responder: str  # "≥50 %", "≥30 %", "no", "—"


@dataclass(frozen=True)
class ChartBar:
    label: str
    headache_per_28: float | None
    highlighted: bool
    value_text: str = ""  # the bar's printed figure, formatted like the table's ("9.9")


def _period_dates(period) -> tuple[date | None, date | None]:
    return as_date(getattr(period, "start", None)), as_date(getattr(period, "end", None))


def _find_period(course_report: CourseReport, when: date | None) -> PeriodFigures | None:
    """The baseline or cycle a photo of `when` belongs to: the course's one rule, so the
    sheet and the compare view never disagree (a treatment-day photo opens its cycle)."""
    return None if when is None else period_for_date(course_report, when)


def _num(period, name: str) -> float | None:
    value = getattr(period, name, None)
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _change_pct(value: float | None, baseline: float | None) -> float | None:
    if value is None or baseline is None or baseline <= 0:
        return None
    return (value - baseline) / baseline * 100.0


# The figures of a migraine row: the period's `<kind>_days_per_28` and `<kind>_change_pct`.
MIGRAINE_FIGURES = ("headache", "migraine", "acute_med")


def _figure_texts(period, base_values: dict[str, float | None], is_base: bool) -> list[str]:
    """Each figure with its % change vs baseline: the period's own when the report has it,
    else worked out from the baseline's value (none on the baseline row itself)."""
    texts = []
    for kind in MIGRAINE_FIGURES:
        value = _num(period, f"{kind}_days_per_28")
        change = None if is_base else _num(period, f"{kind}_change_pct")
        if change is None and not is_base:
            change = _change_pct(value, base_values[kind])
        texts.append(_figure(value, change))
    return texts


def period_note_text(period_notes: Mapping[str, str] | None, labels: list[str]) -> str:
    """'Cycle 2: ptosis left, resolved.' for each shown period that has a note."""
    if not period_notes:
        return ""
    by_label = {}
    for key, text in period_notes.items():
        key = str(key)
        if key.startswith("pair:") or not str(text or "").strip():
            continue
        key = key.removeprefix("period:").strip().lower()
        by_label[key] = str(text).strip()
    out = []
    for label in labels:
        text = by_label.get(label.lower())
        if text:
            out.append(f"{label}: {text}" + ("" if text.endswith((".", "!", "?")) else "."))
    return " ".join(out)


def _figure(value: float | None, change: float | None) -> str:
    """"8 (−60 %)": the one formatter (core.figures_format), as on screen and on the chart."""
    if value is None:
        return "—"
    text = fmt_per28(value)
    if change is not None:
        text += f" ({fmt_pct(change)})"
    return text


def migraine_section(course_report, before_day: date | None, after_day: date | None):
    """Rows for baseline and the photos' periods, the note, the chart bars, the cycle label."""
    periods = list(getattr(course_report, "periods", None) or [])
    main_periods = [
        p for p in periods if not str(getattr(p, "label", "")).lower().startswith("4 weeks")
    ]
    if not main_periods:
        return (), NO_DIARY_NOTE, (), None
    baseline = next(
        (p for p in main_periods if str(getattr(p, "label", "")).lower() == "baseline"), None
    )
    before_p = _find_period(course_report, before_day)
    after_p = _find_period(course_report, after_day)
    cycle_label = None
    if after_p is not None:
        start, _end = _period_dates(after_p)
        label = str(after_p.label)
        cycle_label = (
            f"{label.capitalize()} (treatment {start.isoformat()})"
            if label.lower().startswith("cycle") and start
            else label.capitalize()
        )
    elif after_day is not None:
        cycle_label = "After photo outside the diary periods"

    chosen: list[tuple[object, str]] = []
    for period, role in (
        (baseline, "baseline"),
        (before_p, "before photo"),
        (after_p, "after photo"),
    ):
        if period is None:
            continue
        for i, (p, r) in enumerate(chosen):
            if p is period:
                # the baseline row already says "Baseline": no "Baseline · baseline · before photo"
                merged = role if r == "baseline" else f"{r} · {role}"
                chosen[i] = (p, merged if role not in r else r)
                break
        else:
            chosen.append((period, role))

    def recorded(p) -> bool:
        return (_num(p, "days_recorded") or 0) > 0

    if not chosen or not any(recorded(p) for p, _ in chosen):
        note = NO_DIARY_NOTE
    elif after_p is None:
        note = "The after photo was taken outside the diary periods"
    else:
        note = None
    base_values = {
        kind: _num(baseline, f"{kind}_days_per_28") if baseline is not None else None
        for kind in MIGRAINE_FIGURES
    }
    lines = []
    for period, role in chosen:
        start, end = _period_dates(period)
        is_base = period is baseline
        coverage = _num(period, "coverage")
        if is_base or not recorded(period):
            responder = "—"
        elif getattr(period, "responder_50", None):
            responder = "≥50 %"
        elif getattr(period, "responder_30", None):
            responder = "≥30 %"
        elif getattr(period, "responder_30", None) is None:
            responder = "—"
        else:
            responder = "no"
        if not recorded(period):
            h_text = m_text = a_text = "not recorded"
        else:
            h_text, m_text, a_text = _figure_texts(period, base_values, is_base)
        lines.append(
            MigraineLine(
                label=str(getattr(period, "label", "")).capitalize(),
                role=role,
                dates=f"{start.isoformat() if start else '?'} – {end.isoformat() if end else '?'}",
                coverage=fmt_share(coverage) if coverage is not None else "—",
                coverage_low=coverage is not None and coverage < 0.8,
                headache=h_text,
                migraine=m_text,
                acute_med=a_text,
                responder=responder,
            )
        )
    highlighted = {id(p) for p, _ in chosen}
    chart = tuple(
        ChartBar(
            label=_short_label(str(getattr(p, "label", ""))),
            headache_per_28=_num(p, "headache_days_per_28") if recorded(p) else None,
            highlighted=id(p) in highlighted,
            value_text=fmt_per28(_num(p, "headache_days_per_28")) if recorded(p) else "",
        )
        for p in main_periods[-8:]
    )
    return tuple(lines), note, chart, cycle_label


def _short_label(label: str) -> str:
    low = label.lower()
    if low == "baseline":
        return "Base"
    if low.startswith("cycle"):
        return "C" + label.split()[-1]
    return label[:5]
