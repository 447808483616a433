"""The course's inputs and the figures of one period: the counting rules in one place.

Diary days, monthly summaries and treatments come in; ``PeriodFigures`` come out. The rules
live apart from the report and the flags (core.course, core.course_flags) so a figure on a sheet
can be explained from this module alone.

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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from photocompare.core import figures_format as ff
from photocompare.settings import CourseSettings

DAYS_PER_MONTH = 28  # every "per month" figure is per 28 days (4 weeks), as in PREEMPT


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



# --------------------------------------------------------------------------- computation


def json_round(x: float | None) -> float | None:
    """Stored figures keep the JSON precision (core.figures_format: never across a threshold)."""
    return ff.json_value(x)


def _count(x: float) -> float:
    """Whole counts stay ints in the JSON; prorated ones keep the JSON precision."""
    return ff.json_count(x)


def per_28(days: float, recorded: int) -> float | None:
    return days * DAYS_PER_MONTH / recorded if recorded else None


def _change(value: float | None, base: float | None) -> float | None:
    if value is None or base is None or base == 0:
        return None
    return (value - base) / base * 100.0


def _daterange(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    for i in range((end - start).days + 1):
        yield start + dt.timedelta(days=i)


@dataclass
class RawFigures:
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


def raw_figures(start: dt.date, end: dt.date, diary: Mapping[dt.date, DiaryDay],
                 summaries: Sequence[MonthlySummary]) -> RawFigures:
    raw = RawFigures((end - start).days + 1, 0, 0, 0.0, 0.0, 0.0,
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


def period_figures(label: str, kind: str, number: int, start: dt.date, end: dt.date, raw: RawFigures,
             base: RawFigures | None, settings: CourseSettings) -> PeriodFigures:
    rec = raw.recorded
    h28, m28, a28 = (per_28(raw.headache, rec), per_28(raw.migraine, rec), per_28(raw.med, rec))
    if base is not None:
        bh, bm, ba = (per_28(base.headache, base.recorded), per_28(base.migraine, base.recorded),
                      per_28(base.med, base.recorded))
        hc, mc, ac = _change(h28, bh), _change(m28, bm), _change(a28, ba)
    else:
        hc = mc = ac = None
    coverage = rec / raw.days if raw.days else 0.0
    return PeriodFigures(
        label=label, start=start, end=end, days=raw.days, days_recorded=rec,
        coverage=round(coverage, 3),
        headache_days=_count(raw.headache), migraine_days=_count(raw.migraine),
        acute_med_days=_count(raw.med),
        headache_days_per_28=json_round(h28), migraine_days_per_28=json_round(m28),
        acute_med_days_per_28=json_round(a28),
        mean_intensity=json_round(sum(raw.intensities) / len(raw.intensities)) if raw.intensities else None,
        headache_change_pct=json_round(hc),
        responder_30=None if hc is None else hc <= -30.0 + 1e-9,
        responder_50=None if hc is None else hc <= -50.0 + 1e-9,
        kind=kind, number=number,
        coverage_warning=coverage < settings.coverage_warn_below,
        days_recorded_diary=raw.recorded_diary, days_from_summaries=raw.recorded_summary,
        migraine_change_pct=json_round(mc), acute_med_change_pct=json_round(ac),
        medication_class_days=dict(raw.class_days),
        medication_class_days_per_28={k: json_round(per_28(v, raw.recorded_diary))
                                      for k, v in raw.class_days.items()},
        mean_hours=json_round(sum(raw.hours) / len(raw.hours)) if raw.hours else None,
    )
