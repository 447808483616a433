"""Suggested before/after pairs: same view and expression, a baseline photo vs a photo of the
chosen period. Which period a photo belongs to is the core's one rule
(`core.course.period_for_date`, through `core.course_format.period_for`).

Without a migraine course, "baseline" is the first photo date and the target is a later date;
a lone photo dated long before all the others (a camera whose clock was never set) is not
taken as that baseline, and the reason is given (`baseline_notice`).

Which pair is suggested first is decided by the pair checks (`rank_pairs`): passing pairs first,
then fewest warnings, then the closest head pose; the checks run on a worker in the app (the
scores are handed in here, so this module stays free of the face model). When there is no pair,
`no_pair_reason` says why in the clinic's words ("No photo in cycle 2 yet").
The photos are the library API's rows (`library.rows.PhotoRow`); only their fields are read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from photocompare.core.course_format import main_periods, pair_periods, period_for
from photocompare.core.labels import VIEW_LABELS
from photocompare.settings import CompareSettings

# defaults from the settings (the app hands in the user's values)
_GAP_DAYS = CompareSettings().suggest_outlier_gap_days
_MAX_PER_GROUP = CompareSettings().suggest_max_candidates_per_group

if TYPE_CHECKING:
    from photocompare.library.rows import PhotoRow

__all__ = [
    "PairScore",
    "SuggestedPair",
    "baseline_notice",
    "candidate_pairs",
    "main_periods",
    "no_pair_reason",
    "period_label",
    "rank_pairs",
    "score_checks",
    "suggest_pairs",
    "targets",
]


@dataclass(frozen=True)
class PairScore:
    """How a pair fares in the pair checks (`core.checks`), for ordering suggestions."""

    failed: tuple[str, ...]  # names of the failing checks
    warnings: int  # how many checks warn
    pose_diff_deg: float  # |Δyaw| + |Δpitch| + |Δroll|; inf when not measured
    unreadable: str = ""  # why the pair could not be checked (a photo that cannot be analysed)

    @property
    def passes(self) -> bool:
        return not self.failed and not self.unreadable

    def rank(self) -> tuple[int, int, int, int, float]:
        """Smaller is better: checked before unreadable, passing before failing, then fewer
        failures, fewer warnings, closer pose."""
        return (
            1 if self.unreadable else 0,
            0 if self.passes else 1,
            len(self.failed),
            self.warnings,
            self.pose_diff_deg,
        )

    @property
    def summary(self) -> str:
        if self.unreadable:
            return "cannot be checked"
        if self.failed:
            return "fails: " + ", ".join(self.failed)
        if self.warnings:
            return f"passes, {self.warnings} warning{'s' if self.warnings != 1 else ''}"
        return "passes"


def score_checks(checks: dict[str, Any], before_face: Any = None, after_face: Any = None) -> PairScore:
    """The PairScore of a pair from its checks (`core.checks.pair_checks`) and both faces."""
    failed = tuple(name for name, c in checks.items() if getattr(c, "status", None) == "fail")
    warnings = sum(1 for c in checks.values() if getattr(c, "status", None) == "warn")
    pose = math.inf
    if before_face is not None and after_face is not None:
        diffs = [
            abs(float(getattr(after_face, k)) - float(getattr(before_face, k)))
            for k in ("yaw_deg", "pitch_deg", "roll_deg")
        ]
        if all(math.isfinite(d) for d in diffs):
            pose = sum(diffs)
    return PairScore(failed=failed, warnings=warnings, pose_diff_deg=pose)


@dataclass(frozen=True)
class SuggestedPair:
    before: PhotoRow
    after: PhotoRow
    view: str | None
    expression: str | None
    before_period: Any = None
    after_period: Any = None
    score: PairScore | None = None  # None until the pair checks have run

    @property
    def key(self) -> tuple[int, int]:
        return (self.before.id, self.after.id)

    @property
    def group(self) -> tuple[str | None, str | None]:
        return (self.view, self.expression)

    @property
    def title(self) -> str:
        kind = " / ".join(x for x in (self.view, self.expression) if x) or "unlabelled"
        text = f"{kind}: {self.before.date_text} → {self.after.date_text}"
        return text + (f" — {self.score.summary}" if self.score is not None else "")


def period_label(period: Any) -> str | None:
    return getattr(period, "label", None) if period is not None else None


def _dated(photos: list[PhotoRow]) -> list[PhotoRow]:
    return [p for p in photos if p.taken_date is not None]


def outlier_photos(photos: list[PhotoRow], report: Any, gap_days: int = _GAP_DAYS) -> list[PhotoRow]:
    """Without treatments recorded: the photos of the earliest date when that date holds a
    single photo taken more than `gap_days` before every other photo (a camera whose clock was
    never set). They are not made the "baseline" (see `baseline_notice`). With a course, the
    periods decide instead (a photo before the baseline belongs to no period)."""
    if main_periods(report):
        return []
    days = sorted({p.taken_date for p in _dated(photos)})
    if len(days) < 3:  # with two dates there is nothing to tell the odd one from
        return []
    first = [p for p in photos if p.taken_date == days[0]]
    if len(first) == 1 and (days[1] - days[0]).days > gap_days:
        return first
    return []


def _usable(photos: list[PhotoRow], report: Any, gap_days: int) -> list[PhotoRow]:
    odd = {p.id for p in outlier_photos(photos, report, gap_days)}
    return [p for p in photos if p.id not in odd]


def baseline_notice(photos: list[PhotoRow], report: Any, gap_days: int = _GAP_DAYS) -> str:
    """What a clinician must know about the baseline side before trusting a suggestion: photos
    outside the diary periods that are therefore not used. "" when there is nothing to say."""
    odd = outlier_photos(photos, report, gap_days)
    if odd:
        p = odd[0]
        return (
            f"{p.original_name} ({p.date_text}) is outside the diary periods: it is dated long "
            "before the other photos and before any treatment was recorded, so it is not used as "
            "the baseline. Correct its date if the camera's clock was wrong."
        )
    days = sorted({p.taken_date for p in _dated(photos)})
    if not main_periods(report) and len(days) == 2 and (days[1] - days[0]).days > gap_days:
        first = [p for p in photos if p.taken_date == days[0]]
        if len(first) == 1:  # two dates only: it stays the baseline, but not silently
            p = first[0]
            return (
                f"The baseline photo {p.original_name} ({p.date_text}) is dated "
                f"{(days[1] - days[0]).days} days before the next photo and no treatment is "
                "recorded: check its date if the camera's clock may have been wrong."
            )
    if main_periods(report):
        outside = [p for p in _dated(photos) if period_for(report, p.taken_at or p.taken_date) is None]
        if outside:
            n = len(outside)
            return (
                f"{n} photo{'s are' if n != 1 else ' is'} outside the diary periods (taken before "
                "the baseline began) and not suggested."
            )
    return ""


def targets(photos: list[PhotoRow], report: Any, gap_days: int = _GAP_DAYS) -> list[tuple[str, Any]]:
    """What the user can compare the baseline with: (title, key) — cycles, or photo dates."""
    periods = main_periods(report)
    if periods:
        return [(str(p.label), p.label) for p in periods if p.label != "baseline"]
    days = sorted({p.taken_date for p in _usable(photos, report, gap_days) if p.taken_date})
    return [(d.isoformat(), d) for d in days[1:]]


def _sides(
    photos: list[PhotoRow], report: Any, target: Any, gap_days: int
) -> tuple[list[PhotoRow], list[PhotoRow]]:
    """(baseline photos, photos of the target) by the one period rule, or by dates."""
    before_side: list[PhotoRow] = []
    after_side: list[PhotoRow] = []
    if main_periods(report):
        for ph in photos:
            # the capture time is kept: on a treatment day a recorded session time decides
            label = period_label(period_for(report, ph.taken_at or ph.taken_date))
            if label == "baseline":
                before_side.append(ph)
            elif label == target:
                after_side.append(ph)
        return before_side, after_side
    usable = _usable(photos, report, gap_days)
    days = sorted({p.taken_date for p in usable if p.taken_date})
    if not days or not isinstance(target, date):
        return [], []
    return [p for p in usable if p.taken_date == days[0]], [p for p in usable if p.taken_date == target]


def _groups(before_side: list[PhotoRow], after_side: list[PhotoRow]):
    groups: dict[tuple[str | None, str | None], tuple[list[PhotoRow], list[PhotoRow]]] = {}
    for ph in before_side:
        groups.setdefault((ph.view_label, ph.expression_label), ([], []))[0].append(ph)
    for ph in after_side:
        groups.setdefault((ph.view_label, ph.expression_label), ([], []))[1].append(ph)
    order = {v: i for i, v in enumerate(VIEW_LABELS)}
    return sorted(groups.items(), key=lambda kv: (order.get(kv[0][0] or "", 9), kv[0][1] or ""))


def _latest_first(p: PhotoRow) -> tuple:
    return (p.taken_at is None, -(p.taken_date or date.min).toordinal(), -_seconds(p), -p.id)


def _earliest_first(p: PhotoRow) -> tuple:
    return ((p.taken_date or date.max).toordinal(), _seconds(p), p.id)


def _seconds(p: PhotoRow) -> int:
    t = getattr(p, "taken_at", None)
    return t.hour * 3600 + t.minute * 60 + t.second if t is not None and hasattr(t, "hour") else 0


def candidate_pairs(
    photos: list[PhotoRow], report: Any, target: Any, max_per_group: int = _MAX_PER_GROUP, gap_days: int = _GAP_DAYS
) -> list[SuggestedPair]:
    """Every (baseline photo, target photo) pair with the same view and expression, nearest in
    time first within each group (latest baseline photo, earliest target photo), at most
    `max_per_group` per group; groups in view order."""
    if target is None:
        return []
    before_side, after_side = _sides(photos, report, target, gap_days)
    out: list[SuggestedPair] = []
    for (view, expr), (b, a) in _groups(before_side, after_side):
        if not b or not a:
            continue
        bs, as_ = sorted(b, key=_latest_first), sorted(a, key=_earliest_first)
        # nearest first: the i-th latest baseline photo with the j-th earliest target photo,
        # by i + j (the pair nearest the boundary between the periods comes first)
        combos = sorted(((i, j) for i in range(len(bs)) for j in range(len(as_))), key=lambda ij: (sum(ij), ij))
        for i, j in combos[: max(1, max_per_group)]:
            before, after = bs[i], as_[j]
            before_period, after_period = pair_periods(
                report, before.taken_at or before.taken_date, after.taken_at or after.taken_date
            )
            out.append(
                SuggestedPair(
                    before=before, after=after, view=view, expression=expr,
                    before_period=before_period, after_period=after_period,
                )
            )
    return out


def suggest_pairs(photos: list[PhotoRow], report: Any, target: Any, gap_days: int = _GAP_DAYS) -> list[SuggestedPair]:
    """One pair per (view, expression) with a photo on both sides, closest in time to the
    target's start (latest baseline photo, earliest target photo) — the order before any check
    has run; `rank_pairs` then puts the best pair by the checks first."""
    seen: set[tuple[str | None, str | None]] = set()
    out = []
    for pair in candidate_pairs(photos, report, target, 1, gap_days):
        if pair.group not in seen:
            seen.add(pair.group)
            out.append(pair)
    return out


def rank_pairs(
    candidates: list[SuggestedPair], scores: dict[tuple[int, int], PairScore]
) -> list[SuggestedPair]:
    """One pair per view and expression — its best by the checks — best group first.

    Passing pairs first, then fewest warnings, then the closest head pose; an unchecked pair
    ranks after checked ones, and among equals the one nearest in time (the candidates' order)
    wins."""
    best: dict[tuple[str | None, str | None], tuple[tuple, SuggestedPair]] = {}
    for i, pair in enumerate(candidates):
        score = scores.get(pair.key)
        rank = ((0,) + score.rank() if score is not None else (1, 0, 0, 0, 0, 0.0)) + (i,)
        scored = replace(pair, score=score)
        if pair.group not in best or rank < best[pair.group][0]:
            best[pair.group] = (rank, scored)
    return [pair for _rank, pair in sorted(best.values(), key=lambda rp: rp[0])]


def no_pair_reason(photos: list[PhotoRow], report: Any, target: Any, gap_days: int = _GAP_DAYS) -> str:
    """Why there is no suggested pair, in the clinic's words (the first cause that applies)."""
    dated = _dated(photos)
    if len({p.taken_date for p in dated}) < 2 and not main_periods(report):
        return "Suggestions appear once the patient has photos from two dates."
    if target is None:
        if main_periods(report):
            return "No treatment cycle yet: suggestions compare the baseline with a cycle."
        return "Suggestions appear once the patient has photos from two dates."
    before_side, after_side = _sides(photos, report, target, gap_days)
    name = str(target) if not isinstance(target, date) else target.isoformat()
    if main_periods(report):
        if not before_side:
            return "No baseline photo: no photo was taken in the baseline period (before the first treatment)."
        if not after_side:
            return f"No photo in {name} yet."
    elif not after_side:
        return f"No photo taken on {name}."
    unlabelled = [p for p in before_side + after_side if not (p.view_label and p.expression_label)]
    if unlabelled:
        return (
            f"No suggestion: {len(unlabelled)} photo(s) have no view or expression label; label "
            "them in the inspector, or select any two photos and press Compare."
        )

    def kinds(side: list[PhotoRow]) -> str:
        return ", ".join(sorted({f"{p.view_label} / {p.expression_label}" for p in side}))

    side_name = "baseline" if main_periods(report) else "the first date"
    return (
        f"No {side_name} photo has the same view and expression as a photo of {name} "
        f"({side_name}: {kinds(before_side)}; {name}: {kinds(after_side)}). Select any two "
        "photos and press Compare."
    )
