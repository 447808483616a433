"""Clinical flags on a migraine course, read from the period figures (core.course_figures).

Clinical flags are information for the clinician, never a decision: ICHD-3 chronic migraine at
baseline, medication overuse per class, the stopping rule after two cycles, and an episodic
pattern for 3 consecutive 28-day months after the first treatment. They live apart from the
counting rules because they only read figures already computed (plus a month-by-month walk for
the episodic run) and put them in words for the clinician.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from photocompare.core import figures_format as ff
from photocompare.core.course_figures import (
    DAYS_PER_MONTH,
    DiaryDay,
    MedicationClass,
    MonthlySummary,
    PeriodFigures,
    Treatment,
    json_round,
    per_28,
    raw_figures,
)
from photocompare.settings import CourseSettings


@dataclass(frozen=True)
class OveruseFlag:
    period: str
    medication_class: str  # a MedicationClass value, or "multiple"
    days_per_28: float
    threshold_days_per_28: float
    message: str


@dataclass(frozen=True)
class StoppingRule:
    """The usual stopping rule: < 30 % fewer headache days after two cycles (cycle 2)."""

    evaluated_on: str
    headache_change_pct: float | None
    threshold_pct: float
    met: bool | None  # True = reduction below the threshold (the rule would suggest stopping)
    cycle_complete: bool
    message: str


@dataclass(frozen=True)
class EpisodicRun:
    """Consecutive 28-day months after the first treatment with < 15 headache days per 28."""

    start: dt.date
    end: dt.date
    months: int
    headache_days_per_28: tuple[float, ...]
    message: str


@dataclass(frozen=True)
class CourseFlags:
    chronic_migraine_baseline: bool | None
    medication_overuse: tuple[OveruseFlag, ...] = ()
    stopping_rule: StoppingRule | None = None
    episodic_3_months: EpisodicRun | None = None
    notes: tuple[str, ...] = ()


def fmt_figure(x: float | None) -> str:
    """A figure in a flag's or note's words: the one screen format (core.figures_format)."""
    return "-" if x is None else ff.fmt_num(x)


def _overuse_thresholds(settings: CourseSettings) -> dict[str, float]:
    specific = settings.overuse_days_specific
    return {
        MedicationClass.SIMPLE_ANALGESIC.value: settings.overuse_days_simple_analgesic,
        MedicationClass.TRIPTAN.value: specific,
        MedicationClass.ERGOT.value: specific,
        MedicationClass.OPIOID.value: specific,
        MedicationClass.COMBINATION.value: specific,
    }


def compute_flags(periods: list[PeriodFigures], diary: Mapping[dt.date, DiaryDay],
           summaries: Sequence[MonthlySummary], treats: Sequence[Treatment], last_end: dt.date,
           recorded_dates: list[dt.date], settings: CourseSettings) -> CourseFlags:
    notes: list[str] = []
    base = periods[0]
    first_t = treats[0].session_date

    # ICHD-3 chronic migraine at baseline
    chronic: bool | None
    if not base.days_recorded:
        chronic = None
        notes.append("No diary days recorded in the baseline: chronic migraine at baseline "
                     "cannot be assessed.")
    else:
        chronic = (base.headache_days_per_28 >= settings.chronic_headache_days
                   and base.migraine_days_per_28 >= settings.chronic_migraine_days)
        verdict = "meets" if chronic else "does not meet"
        notes.append(
            f"Baseline {verdict} the ICHD-3 frequency criterion for chronic migraine "
            f"(≥ {fmt_figure(settings.chronic_headache_days)} headache days with ≥ "
            f"{fmt_figure(settings.chronic_migraine_days)} migraine days per month): "
            f"{fmt_figure(base.headache_days_per_28)} headache and {fmt_figure(base.migraine_days_per_28)} "
            "migraine days per 28 days.")
        before = [d for d in recorded_dates if d < first_t] + [
            s.start for s in summaries if s.start < first_t]
        span = (first_t - min(before)).days if before else 0
        if span < settings.chronic_min_months_of_data * DAYS_PER_MONTH:
            notes.append(
                f"Only {span} days of data before the first treatment: ICHD-3 asks for more "
                f"than {settings.chronic_min_months_of_data} months, which cannot be verified here.")
    for p in periods:
        if p.coverage_warning:
            notes.append(f"{p.label}: only {ff.fmt_share(p.coverage)} of days recorded "
                         f"(< {ff.fmt_share(settings.coverage_warn_below)}); figures may "
                         "be unreliable.")
        if p.days_from_summaries:
            notes.append(f"{p.label}: {p.days_from_summaries} days come from monthly summaries, "
                         "prorated by overlap; medication classes are unknown for them.")

    # Medication overuse per class
    overuse: list[OveruseFlag] = []
    limits = _overuse_thresholds(settings)
    for p in periods:
        flagged = False
        for cls, limit in limits.items():
            rate = p.medication_class_days_per_28.get(cls)
            if rate is not None and rate >= limit:
                flagged = True
                label = MedicationClass(cls).label
                overuse.append(OveruseFlag(p.label, cls, rate, limit,
                                           f"{p.label}: {label} on {fmt_figure(rate)} days per 28 "
                                           f"(ICHD-3 overuse threshold {fmt_figure(limit)})"))
        used = [c for c in limits if p.medication_class_days.get(c)]
        total = sum(p.medication_class_days.get(c, 0) for c in limits)
        rate = per_28(total, p.days_recorded_diary)
        if not flagged and len(used) > 1 and rate is not None \
                and rate >= settings.overuse_days_multiple_classes:
            rate = json_round(rate)
            overuse.append(OveruseFlag(p.label, "multiple", rate,
                                       settings.overuse_days_multiple_classes,
                                       f"{p.label}: several acute-medication classes on "
                                       f"{fmt_figure(rate)} days per 28 together (ICHD-3 threshold "
                                       f"{fmt_figure(settings.overuse_days_multiple_classes)})"))
        if p.days_from_summaries and (p.acute_med_days_per_28 or 0) >= settings.overuse_days_specific:
            notes.append(f"{p.label}: acute medication on {fmt_figure(p.acute_med_days_per_28)} days per "
                         "28, partly from monthly counts without classes: check for overuse.")
    if overuse:
        notes.append("Medication overuse flags show the frequency criterion only; ICHD-3 also "
                     "requires regular overuse for more than 3 months.")

    # Stopping rule after two cycles
    stopping = None
    cycle2 = next((p for p in periods if p.kind == "cycle" and p.number == 2), None)
    if cycle2 is not None:
        complete = len(treats) >= 3
        change = cycle2.headache_change_pct
        threshold = settings.stopping_rule_min_reduction_pct
        met = None if change is None else change > -threshold
        if met is None:
            msg = "Stopping rule after two cycles cannot be evaluated (no baseline or cycle 2 data)."
        elif met:
            msg = (f"After two cycles headache days changed by {fmt_figure(change)} %: less than "
                   f"{fmt_figure(threshold)} % reduction (the usual stopping rule).")
        else:
            msg = (f"After two cycles headache days changed by {fmt_figure(change)} %: at least "
                   f"{fmt_figure(threshold)} % reduction.")
        if not complete:
            msg += " Cycle 2 is still running."
        stopping = StoppingRule("cycle 2", change, threshold, met, complete, msg)
        notes.append(msg)

    episodic = _episodic_run(diary, summaries, first_t, last_end, settings)
    if episodic is not None:
        notes.append(episodic.message)
    return CourseFlags(chronic, tuple(overuse), stopping, episodic, tuple(notes))


def _episodic_run(diary: Mapping[dt.date, DiaryDay], summaries: Sequence[MonthlySummary],
                  first_t: dt.date, last_end: dt.date, settings: CourseSettings
                  ) -> EpisodicRun | None:
    """First run of >= N consecutive 28-day months (from the first treatment) that are episodic
    (< 15 headache days per 28) with adequate coverage; an under-recorded month breaks a run."""
    run: list[tuple[dt.date, dt.date, float]] = []
    best: list[tuple[dt.date, dt.date, float]] = []
    start = first_t
    while start + dt.timedelta(days=DAYS_PER_MONTH - 1) <= last_end:
        end = start + dt.timedelta(days=DAYS_PER_MONTH - 1)
        raw = raw_figures(start, end, diary, summaries)
        rate = per_28(raw.headache, raw.recorded)
        ok = (raw.recorded / raw.days >= settings.coverage_warn_below and rate is not None
              and rate < settings.episodic_below_days)
        if ok:
            run.append((start, end, json_round(rate)))
            if len(run) > len(best):
                best = list(run)
        else:
            if len(best) >= settings.episodic_consecutive_months:
                break
            run = []
        start = end + dt.timedelta(days=1)
    if len(best) < settings.episodic_consecutive_months:
        return None
    rates = tuple(r for _, _, r in best)
    msg = (f"Episodic (< {fmt_figure(settings.episodic_below_days)} headache days per 28) for "
           f"{len(best)} consecutive months from {best[0][0].isoformat()} to "
           f"{best[-1][1].isoformat()}: {', '.join(fmt_figure(r) for r in rates)} days per 28.")
    return EpisodicRun(best[0][0], best[-1][1], len(best), rates, msg)
