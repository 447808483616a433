"""Reading and formatting the figures of a `CourseReport` for display (no arithmetic on them).

The core (`photocompare.core.course`) computes every figure; the migraine widgets, the review
mode and pair suggestions only pick the periods to show and turn numbers into text. The
accessors accept a `PeriodFigures` dataclass or the dict of its JSON form, so a widget can be
fed either.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from photocompare.core import figures_format
from photocompare.core.course import CourseReport, period_for_date
from photocompare.core.dates import as_date, as_datetime  # noqa: F401  (the one date rule)


def field(obj: Any, name: str, default: Any = None) -> Any:
    """Attribute or dict item `name` of a period/flags object (dataclass or JSON dict)."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def periods_of(report: Any) -> list[Any]:
    return list(field(report, "periods", []) or [])


def is_main_period(period: Any) -> bool:
    """Baseline and treatment cycles; not the overlapping "4 weeks before treatment N" windows."""
    kind = field(period, "kind")
    if kind is not None:
        return str(kind) in ("baseline", "cycle")
    label = str(field(period, "label", "")).lower()
    return label == "baseline" or label.startswith("cycle")


def main_periods(report: Any) -> list[Any]:
    return [p for p in periods_of(report) if is_main_period(p)]


def baseline_of(report: Any) -> Any | None:
    for p in periods_of(report):
        if str(field(p, "label", "")).lower() == "baseline":
            return p
    return None


def period_for(report: Any | None, day: dt.date | dt.datetime | str | None) -> Any | None:
    """The baseline or cycle a photo of `day` belongs to, or None (no course, no date, before
    the baseline).

    The rule itself is `photocompare.core.course.period_for_date`, the only place that decides
    it, so the compare view, the review mode, pair suggestions and the sheet always agree."""
    if report is None or day is None or not isinstance(report, CourseReport):
        return None
    # A datetime is passed through: where the session time is recorded, the time decides.
    when = day if isinstance(day, dt.date) else as_date(day)
    return None if when is None else period_for_date(report, when)


#: The earlier name, kept for the widgets that call it.
period_containing = period_for


def pair_periods(
    report: Any | None, before_when: Any, after_when: Any
) -> tuple[Any | None, Any | None]:
    """(period of the before photo, period of the after photo) of a comparison."""
    return period_for(report, before_when), period_for(report, after_when)


def treatment_dates(report: Any) -> list[dt.date]:
    """Treatment dates are the starts of the cycles (cycle N begins on treatment N)."""
    out = []
    for p in main_periods(report):
        if str(field(p, "label", "")).lower().startswith("cycle"):
            start = as_date(field(p, "start"))
            if start is not None:
                out.append(start)
    return out


def fmt_num(value: Any, digits: int = 1) -> str:
    """A figure as text — the one formatter (core.figures_format), so no two views disagree."""
    return figures_format.fmt_num(value, digits)


def fmt_pct(value: Any) -> str:
    """A change in % with its sign ("−49.7 %", "+5 %"); None → "–" (core.figures_format)."""
    return figures_format.fmt_pct(value)


def fmt_date(value: Any) -> str:
    d = as_date(value)
    return d.isoformat() if d else "–"


def coverage_warning(period: Any, warn_below: float = 0.80) -> str | None:
    """A short warning text when the core's coverage figure is below the threshold."""
    cov = field(period, "coverage")
    if cov is None:
        return None
    warn = field(period, "coverage_warning")
    if warn is None:
        warn = float(cov) < warn_below
    if not warn:
        return None
    return f"only {figures_format.fmt_share(cov)} of days recorded"


def flags_lines(flags: Any) -> list[str]:
    """The clinical flags as information lines (never a decision), in the core's words.

    The core writes the chronic-migraine, coverage, stopping-rule and episodic findings into
    ``notes``; the per-class medication-overuse findings carry their own messages.
    """
    if flags is None:
        return []
    lines = [_flag_text(item) for item in field(flags, "medication_overuse") or []]
    lines += [_flag_text(note) for note in field(flags, "notes") or []]
    return lines


def _flag_text(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        for key in ("message", "text", "note", "description"):
            if key in item:
                return str(item[key])
        return ", ".join(f"{k}: {v}" for k, v in item.items())
    for key in ("message", "text", "note"):
        if hasattr(item, key):
            return str(getattr(item, key))
    return str(item)
