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

Counting rules (so a figure on a sheet can be explained)
    * Dates are calendar dates; a period's ``days`` counts calendar days, so a DST change or a
      leap day needs no special care (2024-02-29 is just one more day).
    * A day with no diary entry is *not recorded*, never "headache-free". A diary day counts as
      recorded when ``headache`` is True or False (``None`` = not recorded).
    * ``*_per_28`` = days * 28 / recorded days (not period days), so gaps do not look like
      improvement. ``coverage`` = recorded days / period days, with a warning below
      ``coverage_warn_below`` (80 %).
    * Monthly summaries (patients who only bring counts) contribute to every period they overlap,
      prorated by the overlapping days that have no diary entry: a summary of L days with H
      headache days adds ``H * u / L`` headache days and ``u`` recorded days for ``u`` such days
      (likewise migraine and acute-medication days). Medication classes are unknown for those
      days, so per-class figures use diary days only (``days_recorded_diary``).
    * ``mean_intensity``: mean peak intensity (0-10) over headache days that have one.
    * ``*_change_pct`` = (period per-28 - baseline per-28) / baseline per-28 * 100 (negative =
      fewer days); null for the baseline or when the baseline has no recorded day or zero days.
      ``responder_30``/``responder_50``: headache days per 28 fell by at least 30 % / 50 %.

Clinical flags are information for the clinician, never a decision: ICHD-3 chronic migraine at
baseline, medication overuse per class, the stopping rule after two cycles, and an episodic
pattern for 3 consecutive 28-day months after the first treatment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

from photocompare.core import figures_format as ff
from photocompare.core.errors import CourseError
from photocompare.settings import CourseSettings

DAYS_PER_MONTH = 28  # every "per month" figure is per 28 days (4 weeks), as in PREEMPT
TREATMENT_DAY_PERIODS = ("before", "after")  # CourseSettings.treatment_day_photo_period values


class MedicationClass(StrEnum):
    """Acute-medication classes (ICHD-3 medication-overuse groups)."""

    SIMPLE_ANALGESIC = "simple_analgesic"
    TRIPTAN = "triptan"
    ERGOT = "ergot"
    OPIOID = "opioid"
    COMBINATION = "combination"
    GEPANT_OTHER = "gepant_other"

    @property
    def label(self) -> str:
        return {
            "simple_analgesic": "simple analgesic",
            "gepant_other": "gepant/other",
        }.get(self.value, self.value)


@dataclass(frozen=True)
class DiaryDay:
    """One diary day. ``headache=None`` means the day is not recorded (e.g. only a note)."""

    date: dt.date
    headache: bool | None
    migraine: bool = False
    hours: float | None = None  # hours of headache
    intensity: int | None = None  # peak intensity 0-10
    medication: bool = False  # acute medication taken
    medication_class: MedicationClass | None = None
    note: str = ""

    @property
    def recorded(self) -> bool:
        return self.headache is not None


@dataclass(frozen=True)
class MonthlySummary:
    """Counts for a date range (inclusive) from a patient who does not keep a daily diary."""

    start: dt.date
    end: dt.date
    headache_days: int
    migraine_days: int = 0
    acute_med_days: int = 0
    note: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Treatment:
    """One injection session; ``sites`` maps a PREEMPT site id (core.preempt) to units."""

    session_date: dt.date
    product: str = ""
    lot: str = ""
    expiry: dt.date | None = None
    injector: str = ""
    total_units: float | None = None
    sites: Mapping[str, float] = field(default_factory=dict)
    note: str = ""
    session_time: dt.time | None = None  # local wall-clock time of the injections, when known

    @property
    def units(self) -> float | None:
        """Total units: as recorded, else the sum of sites, else None."""
        if self.total_units is not None:
            return float(self.total_units)
        return float(sum(self.sites.values())) if self.sites else None


@dataclass(frozen=True)
class PeriodFigures:
    """Figures for one period. The first fields are exactly the CLI JSON contract."""

    label: str  # "baseline" | "cycle 1" | ... | "28 days before treatment 2"
    start: dt.date
    end: dt.date
    days: int
    days_recorded: int
    coverage: float  # recorded / period days, 0..1 (3 decimals)
    headache_days: float
    migraine_days: float
    acute_med_days: float
    headache_days_per_28: float | None
    migraine_days_per_28: float | None
    acute_med_days_per_28: float | None
    mean_intensity: float | None
    headache_change_pct: float | None
    responder_30: bool | None
    responder_50: bool | None
    # --- details (Python API and `--json --details`)
    kind: str = "cycle"  # "baseline" | "cycle" | "pre_treatment"
    number: int = 0  # cycle number / treatment number; 0 for the baseline
    coverage_warning: bool = False
    days_recorded_diary: int = 0
    days_from_summaries: int = 0
    migraine_change_pct: float | None = None
    acute_med_change_pct: float | None = None
    medication_class_days: dict[str, int] = field(default_factory=dict)
    medication_class_days_per_28: dict[str, float | None] = field(default_factory=dict)
    mean_hours: float | None = None

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


CONTRACT_PERIOD_KEYS = (
    "label", "start", "end", "days", "days_recorded", "coverage", "headache_days",
    "migraine_days", "acute_med_days", "headache_days_per_28", "migraine_days_per_28",
    "acute_med_days_per_28", "mean_intensity", "headache_change_pct", "responder_30",
    "responder_50",
)


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


def _round(x: float | None) -> float | None:
    """Stored figures keep the JSON precision (core.figures_format: never across a threshold)."""
    return ff.json_value(x)


def _count(x: float) -> float:
    """Whole counts stay ints in the JSON; prorated ones keep the JSON precision."""
    return ff.json_count(x)


def _per28(days: float, recorded: int) -> float | None:
    return days * DAYS_PER_MONTH / recorded if recorded else None


def _change(value: float | None, base: float | None) -> float | None:
    if value is None or base is None or base == 0:
        return None
    return (value - base) / base * 100.0


def _daterange(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    for i in range((end - start).days + 1):
        yield start + dt.timedelta(days=i)


@dataclass
class _Raw:
    """Unrounded figures of one period (changes are computed from these)."""

    days: int
    recorded_diary: int
    recorded_summary: int
    headache: float
    migraine: float
    med: float
    class_days: dict[str, int]
    intensities: list[int]
    hours: list[float]

    @property
    def recorded(self) -> int:
        return self.recorded_diary + self.recorded_summary


def _overlapping(summaries: Sequence[MonthlySummary], start: dt.date, end: dt.date
                 ) -> Sequence[MonthlySummary]:
    """Summaries touching [start, end]; `summaries` is sorted and non-overlapping, so their
    ends are sorted too and a binary search finds the first one."""
    lo, hi = 0, len(summaries)
    while lo < hi:
        mid = (lo + hi) // 2
        if summaries[mid].end < start:
            lo = mid + 1
        else:
            hi = mid
    out = []
    for s in summaries[lo:]:
        if s.start > end:
            break
        out.append(s)
    return out


def _raw_figures(start: dt.date, end: dt.date, diary: Mapping[dt.date, DiaryDay],
                 summaries: Sequence[MonthlySummary]) -> _Raw:
    raw = _Raw((end - start).days + 1, 0, 0, 0.0, 0.0, 0.0,
               {c.value: 0 for c in MedicationClass}, [], [])
    for day in _daterange(start, end):
        entry = diary.get(day)
        if entry is None or not entry.recorded:
            continue
        raw.recorded_diary += 1
        is_headache = bool(entry.headache) or bool(entry.migraine)
        raw.headache += is_headache
        raw.migraine += bool(entry.migraine)
        raw.med += bool(entry.medication)
        if entry.medication and entry.medication_class is not None:
            raw.class_days[MedicationClass(entry.medication_class).value] += 1
        if is_headache and entry.intensity is not None:
            raw.intensities.append(entry.intensity)
        if is_headache and entry.hours is not None:
            raw.hours.append(entry.hours)
    for s in _overlapping(summaries, start, end):
        lo, hi = max(s.start, start), min(s.end, end)
        uncovered = sum(1 for d in _daterange(lo, hi) if not (d in diary and diary[d].recorded))
        if not uncovered:
            continue
        share = uncovered / s.days
        raw.recorded_summary += uncovered
        raw.headache += s.headache_days * share
        raw.migraine += s.migraine_days * share
        raw.med += s.acute_med_days * share
    return raw


def _figures(label: str, kind: str, number: int, start: dt.date, end: dt.date, raw: _Raw,
             base: _Raw | None, settings: CourseSettings) -> PeriodFigures:
    rec = raw.recorded
    h28, m28, a28 = (_per28(raw.headache, rec), _per28(raw.migraine, rec), _per28(raw.med, rec))
    if base is not None:
        bh, bm, ba = (_per28(base.headache, base.recorded), _per28(base.migraine, base.recorded),
                      _per28(base.med, base.recorded))
        hc, mc, ac = _change(h28, bh), _change(m28, bm), _change(a28, ba)
    else:
        hc = mc = ac = None
    coverage = rec / raw.days if raw.days else 0.0
    return PeriodFigures(
        label=label, start=start, end=end, days=raw.days, days_recorded=rec,
        coverage=round(coverage, 3),
        headache_days=_count(raw.headache), migraine_days=_count(raw.migraine),
        acute_med_days=_count(raw.med),
        headache_days_per_28=_round(h28), migraine_days_per_28=_round(m28),
        acute_med_days_per_28=_round(a28),
        mean_intensity=_round(sum(raw.intensities) / len(raw.intensities)) if raw.intensities else None,
        headache_change_pct=_round(hc),
        responder_30=None if hc is None else hc <= -30.0 + 1e-9,
        responder_50=None if hc is None else hc <= -50.0 + 1e-9,
        kind=kind, number=number,
        coverage_warning=coverage < settings.coverage_warn_below,
        days_recorded_diary=raw.recorded_diary, days_from_summaries=raw.recorded_summary,
        migraine_change_pct=_round(mc), acute_med_change_pct=_round(ac),
        medication_class_days=dict(raw.class_days),
        medication_class_days_per_28={k: _round(_per28(v, raw.recorded_diary))
                                      for k, v in raw.class_days.items()},
        mean_hours=_round(sum(raw.hours) / len(raw.hours)) if raw.hours else None,
    )


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
    base_raw = _raw_figures(base_start, base_end, by_date, summaries)
    base_ref = base_raw if base_raw.recorded else None
    periods = [_figures("baseline", "baseline", 0, base_start, base_end, base_raw, None, settings)]
    for i, t in enumerate(treats):
        start = t.session_date
        end = treats[i + 1].session_date - dt.timedelta(days=1) if i + 1 < len(treats) else last_end
        raw = _raw_figures(start, end, by_date, summaries)
        periods.append(_figures(f"cycle {i + 1}", "cycle", i + 1, start, end, raw, base_ref, settings))
    windows = []
    for i, t in enumerate(treats):
        start, end = t.session_date - dt.timedelta(days=DAYS_PER_MONTH), t.session_date - dt.timedelta(days=1)
        raw = _raw_figures(start, end, by_date, summaries)
        windows.append(_figures(f"28 days before treatment {i + 1}", "pre_treatment", i + 1,
                                start, end, raw, base_ref, settings))

    flags = _flags(periods, by_date, summaries, treats, last_end, recorded_dates, settings)
    return CourseReport(tuple(periods), flags, tuple(windows), tuple(treats),
                        settings.treatment_day_photo_period)


# --------------------------------------------------------------------------- flags


def _fmt(x: float | None) -> str:
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


def _flags(periods: list[PeriodFigures], diary: Mapping[dt.date, DiaryDay],
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
            f"(>= {_fmt(settings.chronic_headache_days)} headache days with >= "
            f"{_fmt(settings.chronic_migraine_days)} migraine days per month): "
            f"{_fmt(base.headache_days_per_28)} headache and {_fmt(base.migraine_days_per_28)} "
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
                                           f"{p.label}: {label} on {_fmt(rate)} days per 28 "
                                           f"(ICHD-3 overuse threshold {_fmt(limit)})"))
        used = [c for c in limits if p.medication_class_days.get(c)]
        total = sum(p.medication_class_days.get(c, 0) for c in limits)
        rate = _per28(total, p.days_recorded_diary)
        if not flagged and len(used) > 1 and rate is not None \
                and rate >= settings.overuse_days_multiple_classes:
            rate = _round(rate)
            overuse.append(OveruseFlag(p.label, "multiple", rate,
                                       settings.overuse_days_multiple_classes,
                                       f"{p.label}: several acute-medication classes on "
                                       f"{_fmt(rate)} days per 28 together (ICHD-3 threshold "
                                       f"{_fmt(settings.overuse_days_multiple_classes)})"))
        if p.days_from_summaries and (p.acute_med_days_per_28 or 0) >= settings.overuse_days_specific:
            notes.append(f"{p.label}: acute medication on {_fmt(p.acute_med_days_per_28)} days per "
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
            msg = (f"After two cycles headache days changed by {_fmt(change)} %: less than "
                   f"{_fmt(threshold)} % reduction (the usual stopping rule).")
        else:
            msg = (f"After two cycles headache days changed by {_fmt(change)} %: at least "
                   f"{_fmt(threshold)} % reduction.")
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
        raw = _raw_figures(start, end, diary, summaries)
        rate = _per28(raw.headache, raw.recorded)
        ok = (raw.recorded / raw.days >= settings.coverage_warn_below and rate is not None
              and rate < settings.episodic_below_days)
        if ok:
            run.append((start, end, _round(rate)))
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
    msg = (f"Episodic (< {_fmt(settings.episodic_below_days)} headache days per 28) for "
           f"{len(best)} consecutive months from {best[0][0].isoformat()} to "
           f"{best[-1][1].isoformat()}: {', '.join(_fmt(r) for r in rates)} days per 28.")
    return EpisodicRun(best[0][0], best[-1][1], len(best), rates, msg)


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
    now = _fmt(period.headache_days_per_28)
    if period.kind == "baseline":
        return f"Before treatment: {now} headache days per 28 days{coverage}."
    if base is None or base.headache_days_per_28 is None:
        return f"{period.label.capitalize()}: {now} headache days per 28 days{coverage}; no baseline to compare with."
    was = _fmt(base.headache_days_per_28)
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
