"""The migraine course: diary, treatment cycles, per-period frequency and response.

Periods
    * ``baseline``: the ``CourseSettings.baseline_days`` (28) days before the first treatment.
    * ``cycle N``: from treatment N to the day before treatment N+1; the latest cycle runs to
      ``today`` when given, otherwise to the last recorded day (diary or monthly summary).
    * pre-treatment windows (``report.windows``): the 28 days before each treatment, which
      guidelines use to judge the cycle that ends there.

Photos on a treatment day (``period_for_date``, the one rule every screen, sheet and the CLI use)
    Clinicians photograph just before injecting, so by default a photo taken on a treatment day
    belongs to the period *before* it (the baseline for the first treatment).
    ``CourseSettings.treatment_day_photo_period = "after"`` changes that; and when the session's
    time is recorded (``Treatment.session_time``) and the photo's time is known, a photo before
    that time belongs to the period before, one at or after it to the new cycle. Diary figures
    are unaffected: cycle N's figures still start on treatment day N.

The counting rules and the input types live in core.course_figures, the clinical flags in
core.course_flags; this module holds the report, its entry point (``compute_course``) and the
one rule for photos (``period_for_date``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from photocompare.core import figures_format as ff
from photocompare.core.course_figures import (
    CONTRACT_PERIOD_KEYS,
    DAYS_PER_MONTH,
    DiaryDay,
    MonthlySummary,
    PeriodFigures,
    Treatment,
    period_figures,
    raw_figures,
)
from photocompare.core.course_flags import CourseFlags, compute_flags, fmt_figure
from photocompare.core.errors import CourseError
from photocompare.settings import CourseSettings

TREATMENT_DAY_PERIODS = ("before", "after")  # CourseSettings.treatment_day_photo_period values


@dataclass(frozen=True)
class CourseReport:
    periods: tuple[PeriodFigures, ...]  # baseline, cycle 1, cycle 2, ...
    flags: CourseFlags
    windows: tuple[PeriodFigures, ...] = ()  # the 28 days before each treatment
    treatments: tuple[Treatment, ...] = ()
    # Where a photo taken on a treatment day belongs ("before" | "after"), from CourseSettings.
    treatment_day_photo_period: str = "before"

    @property
    def baseline(self) -> PeriodFigures | None:
        return next((p for p in self.periods if p.kind == "baseline"), None)

    def period(self, label: str) -> PeriodFigures | None:
        return next((p for p in self.periods + self.windows if p.label == label), None)

    def to_json(self, details: bool = False) -> dict[str, Any]:
        """The CLI contract exactly; ``details=True`` adds the extra figures."""
        out: dict[str, Any] = {
            "periods": [_period_json(p, details) for p in self.periods],
            "flags": {
                "chronic_migraine_baseline": self.flags.chronic_migraine_baseline,
                "medication_overuse": [_plain(f) for f in self.flags.medication_overuse],
                "stopping_rule": _plain(self.flags.stopping_rule),
                "notes": list(self.flags.notes),
            },
        }
        if details:
            out["flags"]["episodic_3_months"] = _plain(self.flags.episodic_3_months)
            out["pre_treatment_windows"] = [_period_json(p, True) for p in self.windows]
        return out


def _plain(value: Any) -> Any:
    """A dataclass/enum/date tree as JSON-ready values."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    return str(value)


def _period_json(p: PeriodFigures, details: bool) -> dict[str, Any]:
    full = _plain(p)
    if details:
        return full
    return {k: full[k] for k in CONTRACT_PERIOD_KEYS}


# --------------------------------------------------------------------------- computation


def _as_treatment(t: Treatment | dt.date) -> Treatment:
    if isinstance(t, Treatment):
        return t
    if isinstance(t, dt.datetime):
        return Treatment(session_date=t.date())
    if isinstance(t, dt.date):
        return Treatment(session_date=t)
    raise CourseError(f"not a treatment or a date: {t!r}")


def _check_inputs(diary: Sequence[DiaryDay], summaries: Sequence[MonthlySummary],
                  treatments: Sequence[Treatment]) -> None:
    seen: set[dt.date] = set()
    for d in diary:
        if d.date in seen:
            raise CourseError(f"two diary entries for {d.date.isoformat()}")
        seen.add(d.date)
        if d.intensity is not None and not 0 <= d.intensity <= 10:
            raise CourseError(f"{d.date.isoformat()}: intensity {d.intensity} is not 0-10")
    ordered = sorted(summaries, key=lambda s: s.start)
    for s in ordered:
        if s.end < s.start:
            raise CourseError(f"monthly summary {s.start.isoformat()}: ends before it starts")
        if not 0 <= s.migraine_days <= s.headache_days <= s.days or not 0 <= s.acute_med_days <= s.days:
            raise CourseError(f"monthly summary {s.start.isoformat()}..{s.end.isoformat()}: "
                              "counts must satisfy 0 <= migraine <= headache <= days")
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.start <= a.end:
            raise CourseError(f"monthly summaries {a.start.isoformat()}..{a.end.isoformat()} and "
                              f"{b.start.isoformat()}..{b.end.isoformat()} overlap")
    dates = sorted(t.session_date for t in treatments)
    for a, b in zip(dates, dates[1:], strict=False):
        if a == b:
            raise CourseError(f"two treatments on {a.isoformat()}")


def compute_course(diary: Iterable[DiaryDay], summaries: Iterable[MonthlySummary] = (),
                   treatments: Iterable[Treatment | dt.date] = (), today: dt.date | None = None,
                   settings: CourseSettings | None = None) -> CourseReport:
    """Periods, figures and flags for one patient (pure function of its arguments)."""
    settings = settings or CourseSettings()
    if settings.treatment_day_photo_period not in TREATMENT_DAY_PERIODS:
        raise CourseError(
            f"treatment_day_photo_period must be one of {', '.join(TREATMENT_DAY_PERIODS)}, "
            f"not {settings.treatment_day_photo_period!r}")
    diary = list(diary)
    summaries = sorted(summaries, key=lambda s: s.start)
    treats = sorted((_as_treatment(t) for t in treatments), key=lambda t: t.session_date)
    _check_inputs(diary, summaries, treats)
    if isinstance(today, dt.datetime):
        today = today.date()
    by_date = {d.date: d for d in diary}
    if not treats:
        return CourseReport((), CourseFlags(None, notes=(
            "No treatment recorded yet: periods start with the first treatment.",)), (), (),
            settings.treatment_day_photo_period)

    recorded_dates = [d.date for d in diary if d.recorded] + [s.end for s in summaries]
    first_t = treats[0].session_date
    last_t = treats[-1].session_date
    if today is not None:
        last_end = today
    else:
        last_end = max(recorded_dates) if recorded_dates else last_t
    last_end = max(last_end, last_t)

    base_start = first_t - dt.timedelta(days=settings.baseline_days)
    base_end = first_t - dt.timedelta(days=1)
    base_raw = raw_figures(base_start, base_end, by_date, summaries)
    base_ref = base_raw if base_raw.recorded else None
    periods = [period_figures("baseline", "baseline", 0, base_start, base_end, base_raw, None, settings)]
    for i, t in enumerate(treats):
        start = t.session_date
        end = treats[i + 1].session_date - dt.timedelta(days=1) if i + 1 < len(treats) else last_end
        raw = raw_figures(start, end, by_date, summaries)
        periods.append(period_figures(f"cycle {i + 1}", "cycle", i + 1, start, end, raw, base_ref, settings))
    windows = []
    for i, t in enumerate(treats):
        start, end = t.session_date - dt.timedelta(days=DAYS_PER_MONTH), t.session_date - dt.timedelta(days=1)
        raw = raw_figures(start, end, by_date, summaries)
        windows.append(period_figures(f"28 days before treatment {i + 1}", "pre_treatment", i + 1,
                                start, end, raw, base_ref, settings))

    flags = compute_flags(periods, by_date, summaries, treats, last_end, recorded_dates, settings)
    return CourseReport(tuple(periods), flags, tuple(windows), tuple(treats),
                        settings.treatment_day_photo_period)


# --------------------------------------------------------------------------- lookups, words


def period_for_date(report: CourseReport, when: dt.date | dt.datetime,
                    treatment_day: str | None = None) -> PeriodFigures | None:
    """The baseline or cycle a photo taken on ``when`` belongs to — the one rule for photos.

    By calendar date (the photo's own local date; a DST change moves nothing). On a treatment
    day the photo belongs to the period before the treatment (it was taken before injecting),
    unless ``treatment_day`` (default: the report's ``treatment_day_photo_period`` setting) is
    "after"; when the session's time is recorded and ``when`` is a datetime, the time decides:
    before the session → the period before, at or after it → the new cycle. A date after the
    latest cycle's end still belongs to the latest cycle (it runs until the next treatment).
    Dates before the baseline give None, as does a report without treatments.
    """
    day = when.date() if isinstance(when, dt.datetime) else when
    if not report.periods:
        return None
    rule = treatment_day or report.treatment_day_photo_period
    if rule not in TREATMENT_DAY_PERIODS:
        raise CourseError(f"treatment_day must be one of {', '.join(TREATMENT_DAY_PERIODS)}")
    main = [p for p in report.periods if p.kind in ("baseline", "cycle")]
    for i, p in enumerate(main):
        if p.kind != "cycle" or p.start != day:
            continue
        treatment = next((t for t in report.treatments if t.session_date == day), None)
        if (treatment is not None and treatment.session_time is not None
                and isinstance(when, dt.datetime)):
            before = when.time().replace(tzinfo=None) < treatment.session_time
        else:
            before = rule == "before"
        return main[i - 1] if before and i > 0 else p
    for p in main:
        if p.contains(day):
            return p
    last = main[-1] if main else None
    if last is not None and last.kind == "cycle" and day > last.end:
        return last
    return None


def pair_periods(report: CourseReport, before_when: dt.date | dt.datetime | None,
                 after_when: dt.date | dt.datetime | None
                 ) -> tuple[PeriodFigures | None, PeriodFigures | None]:
    """The periods of a before photo and an after photo (``period_for_date`` for each; None
    for an unknown date), so a pair's figures, its sheet and its review sentence agree."""
    return (None if before_when is None else period_for_date(report, before_when),
            None if after_when is None else period_for_date(report, after_when))


def summary_sentence(report: CourseReport, period: PeriodFigures | str) -> str:
    """One plain-language sentence for the review mode and the sheets."""
    if isinstance(period, str):
        found = report.period(period)
        if found is None:
            raise CourseError(f"no period called {period!r}")
        period = found
    base = report.baseline
    if period.headache_days_per_28 is None:
        return f"No diary days recorded in {period.label}."
    coverage = ""
    if period.coverage_warning:
        coverage = f" (only {ff.fmt_share(period.coverage)} of days recorded)"
    now = fmt_figure(period.headache_days_per_28)
    if period.kind == "baseline":
        return f"Before treatment: {now} headache days per 28 days{coverage}."
    if base is None or base.headache_days_per_28 is None:
        return f"{period.label.capitalize()}: {now} headache days per 28 days{coverage}; no baseline to compare with."
    was = fmt_figure(base.headache_days_per_28)
    change = period.headache_change_pct
    if change is None:
        tail = ""
    elif abs(change) < 0.5:
        tail = " — about the same"
    elif change < 0:
        tail = f" — {ff.fmt_pct_size(change)} fewer"
    else:
        tail = f" — {ff.fmt_pct_size(change)} more"
    return f"Headache days went from {was} to {now} per 28 days{tail}{coverage}."
