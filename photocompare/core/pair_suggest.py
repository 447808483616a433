"""Suggested before/after pairs: same view and expression, a baseline photo vs a photo of the
chosen period. Which period a photo belongs to is the core's one rule
(`core.course.period_for_date`, through `core.course_format.period_for`).

Without a migraine course, "baseline" is the first photo date and the target is a later date.
The photos are the library API's rows (`library.rows.PhotoRow`); only their fields are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from photocompare.core.course_format import main_periods, pair_periods, period_for
from photocompare.core.labels import VIEW_LABELS

if TYPE_CHECKING:
    from photocompare.library.rows import PhotoRow

__all__ = ["SuggestedPair", "main_periods", "period_label", "suggest_pairs", "targets"]


@dataclass(frozen=True)
class SuggestedPair:
    before: PhotoRow
    after: PhotoRow
    view: str | None
    expression: str | None
    before_period: Any = None
    after_period: Any = None

    @property
    def title(self) -> str:
        kind = " / ".join(x for x in (self.view, self.expression) if x) or "unlabelled"
        return f"{kind}: {self.before.date_text} → {self.after.date_text}"


def period_label(period: Any) -> str | None:
    return getattr(period, "label", None) if period is not None else None


def targets(photos: list[PhotoRow], report: Any) -> list[tuple[str, Any]]:
    """What the user can compare the baseline with: (title, key) — cycles, or photo dates."""
    periods = main_periods(report)
    if periods:
        return [(str(p.label), p.label) for p in periods if p.label != "baseline"]
    days = sorted({p.taken_date for p in photos if p.taken_date})
    return [(d.isoformat(), d) for d in days[1:]]


def suggest_pairs(photos: list[PhotoRow], report: Any, target: Any) -> list[SuggestedPair]:
    """One pair per (view, expression) with a photo on both sides, closest in time to the
    target's start (latest baseline photo, earliest target photo)."""
    if target is None:
        return []
    periods = {p.label: p for p in main_periods(report)}
    before_side: list[PhotoRow] = []
    after_side: list[PhotoRow] = []
    if periods:
        for ph in photos:
            label = period_label(period_for(report, ph.taken_date))
            if label == "baseline":
                before_side.append(ph)
            elif label == target:
                after_side.append(ph)
    else:
        days = sorted({p.taken_date for p in photos if p.taken_date})
        if not days or not isinstance(target, date):
            return []
        before_side = [p for p in photos if p.taken_date == days[0]]
        after_side = [p for p in photos if p.taken_date == target]
    groups: dict[tuple[str | None, str | None], tuple[list[PhotoRow], list[PhotoRow]]] = {}
    for ph in before_side:
        groups.setdefault((ph.view_label, ph.expression_label), ([], []))[0].append(ph)
    for ph in after_side:
        groups.setdefault((ph.view_label, ph.expression_label), ([], []))[1].append(ph)
    out = []
    order = {v: i for i, v in enumerate(VIEW_LABELS)}
    for (view, expr), (b, a) in sorted(
        groups.items(), key=lambda kv: (order.get(kv[0][0] or "", 9), kv[0][1] or "")
    ):
        if not b or not a:
            continue
        before = max(b, key=lambda p: (p.taken_at is not None, p.taken_date or date.min, p.id))
        after = min(a, key=lambda p: (p.taken_date or date.max, p.id))
        before_period, after_period = pair_periods(report, before.taken_date, after.taken_date)
        out.append(
            SuggestedPair(
                before=before,
                after=after,
                view=view,
                expression=expr,
                before_period=before_period,
                after_period=after_period,
            )
        )
    return out
