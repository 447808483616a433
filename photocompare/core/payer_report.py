"""Payer reports for onabotulinumtoxinA: the evidence an insurer asks for, from the library's data.

Two kinds:

* ``initial`` (prior authorisation): the ICHD-3 chronic-migraine evidence computed from the
  diary — frequency in the 28 days before treatment and in each of the three 28-day months before
  it —, adult age, failed or unsuitable prior preventives by class, medication-overuse status.
  The reference date is the first treatment, or, before any treatment, the day after the last
  recorded day (or after ``today``).
* ``renewal`` (continuation): baseline against the assessment period (by default the last cycle
  whose diary coverage is at least ``PayerSettings.assessment_min_coverage``), every cycle, the
  payer profile's criteria, MIDAS/HIT-6 against the profile's cut-offs, the treatment log with
  intervals (those under ``PayerSettings.min_treatment_interval_days`` flagged).

Every figure comes from `core.course.compute_course` (periods, per-28-day rates, flags) and
`core.questionnaires`; nothing is recomputed here, so a payer report and the course view can never
disagree. Each criterion is met / not met / not enough data (True/False/None) with its source;
the report informs, it never decides.

A patient without the data a report needs raises `MissingReportData` (one line saying what is
missing); the CLI turns it into exit 2 and writes no file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from photocompare.core.course import (
    DAYS_PER_MONTH,
    CourseFlags,
    CourseReport,
    DiaryDay,
    MonthlySummary,
    PeriodFigures,
    Treatment,
    compute_course,
)
from photocompare.core.errors import CourseError
from photocompare.core.payer_rules import (
    FAILED_OUTCOMES,
    OUTCOMES,
    PREVENTIVE_CLASS_LABELS,
    PREVENTIVE_CLASSES,
    PayerProfile,
)
from photocompare.core.preempt import ALL_SITES
from photocompare.core.questionnaires import QuestionnaireResult
from photocompare.settings import CourseSettings, PayerSettings

KINDS = ("initial", "renewal")
ICHD3_SOURCE = "ICHD-3 (2018) 1.3 Chronic migraine, criteria A and C"
ICHD3_DURATION_SOURCE = "ICHD-3 (2018) 1.3 Chronic migraine, criterion A: for > 3 months"
OVERUSE_SOURCE = "ICHD-3 (2018) 8.2 Medication-overuse headache; NICE TA260 1.1"
AGE_SOURCE = "Licensed indication: adults (18 years or older); NICE TA260 1.1"
INTERVAL_SOURCE = "PREEMPT paradigm: re-treatment every 12 weeks (84 days)"


class MissingReportData(CourseError):
    """The patient lacks what this report needs (the message says what)."""


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class PreventiveTrial:
    """One prior (or current) preventive treatment."""

    drug: str
    drug_class: str  # one of payer_rules.PREVENTIVE_CLASSES
    start: dt.date
    stop: dt.date | None
    dose: str
    outcome: str  # one of payer_rules.OUTCOMES
    note: str = ""

    def trial_days(self, until: dt.date) -> int:
        """Days tried (start to stop, or to ``until`` while it is ongoing), both days counted."""
        end = self.stop or until
        return max(0, (end - self.start).days + 1)

    def checked(self) -> PreventiveTrial:
        if not self.drug.strip():
            raise CourseError("a preventive needs the drug's name")
        if self.drug_class not in PREVENTIVE_CLASSES:
            raise CourseError(f"preventive {self.drug}: class {self.drug_class!r} is not one of "
                              f"{', '.join(PREVENTIVE_CLASSES)}")
        if self.outcome not in OUTCOMES:
            raise CourseError(f"preventive {self.drug}: outcome {self.outcome!r} is not one of "
                              f"{', '.join(OUTCOMES)}")
        if self.stop is not None and self.stop < self.start:
            raise CourseError(f"preventive {self.drug}: stops ({self.stop.isoformat()}) before "
                              f"it starts ({self.start.isoformat()})")
        return self


@dataclass(frozen=True)
class Diagnosis:
    icd10_code: str  # e.g. "G43.709" / "G43.7"
    onset_date: dt.date | None = None


@dataclass(frozen=True)
class PayerDetails:
    """The patient's insurer; printed only for the ``insurer`` use with that consent."""

    payer_name: str
    plan: str = ""
    member_id: str = ""
    authorisation_number: str = ""


@dataclass(frozen=True)
class TreatmentExtra:
    """What the CLI records beside a session when site-by-site units are not entered."""

    site_count: int | None = None
    follow_the_pain_units: float | None = None


@dataclass(frozen=True)
class ReportPhoto:
    """A photo printed on a report (only with the patient's consent for an insurer)."""

    photo_id: int
    taken_on: dt.date | None
    rgb: Any  # numpy uint8 array, H x W x 3, upright


@dataclass(frozen=True)
class PayerInputs:
    """Everything a report is computed from (read from the library, or built in a test)."""

    patient_id: str  # the clinic's patient ID (never the name)
    diary: tuple[DiaryDay, ...] = ()
    summaries: tuple[MonthlySummary, ...] = ()
    treatments: tuple[Treatment, ...] = ()
    questionnaires: tuple[QuestionnaireResult, ...] = ()
    preventives: tuple[PreventiveTrial, ...] = ()
    diagnosis: Diagnosis | None = None
    payer: PayerDetails | None = None
    birth_year: int | None = None
    display_name: str = ""
    treatment_extras: Mapping[dt.date, TreatmentExtra] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)  # course notes by scope


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class Criterion:
    name: str
    threshold: str
    value: float | int | str | None
    met: bool | None  # None = not enough data (or not applicable)
    source: str = ""
    note: str = ""  # why it is None, or what the value is made of

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "threshold": self.threshold, "value": self.value,
                "met": self.met}


@dataclass(frozen=True)
class TreatmentLine:
    date: dt.date
    units: float | None  # total, follow-the-pain included
    follow_the_pain_units: float | None
    sites: int | None
    lot: str
    expiry: dt.date | None
    injector: str
    interval_days: int | None  # days since the previous session
    short_interval: bool  # interval below PayerSettings.min_treatment_interval_days
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "units": self.units, "sites": self.sites,
                "lot": self.lot, "interval_days": self.interval_days}


@dataclass(frozen=True)
class PayerReport:
    kind: str  # "initial" | "renewal"
    patient_id: str
    profile: PayerProfile
    reference_date: dt.date  # first treatment (or planned one for an initial report)
    course: CourseReport  # what the flags and periods come from
    flags: CourseFlags
    baseline: PeriodFigures | None
    assessment: PeriodFigures | None
    periods: tuple[PeriodFigures, ...]
    criteria: tuple[Criterion, ...]
    met: bool | None
    midas: tuple[QuestionnaireResult, ...]
    hit6: tuple[QuestionnaireResult, ...]
    treatments: tuple[TreatmentLine, ...]
    preventives: tuple[PreventiveTrial, ...]
    diagnosis: Diagnosis | None
    payer: PayerDetails | None
    summary: str
    notes: tuple[str, ...] = ()  # report-level remarks (too-short diary, short intervals...)
    clinician_notes: tuple[tuple[str, str], ...] = ()  # (what, text): period notes, session notes
    display_name: str = ""
    birth_year: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The `report --json` contract; periods and flags through CourseReport.to_json."""

        def periods_json(periods: Iterable[PeriodFigures]) -> list[dict[str, Any]]:
            return CourseReport(tuple(periods), self.flags).to_json()["periods"]

        course_json = CourseReport(self.periods, self.flags).to_json()
        return {
            "kind": self.kind,
            "patient_id": self.patient_id,
            "payer_profile": {"name": self.profile.name,
                              "threshold_pct": self.profile.threshold_pct,
                              "measure": self.profile.measure,
                              "after_cycles": self.profile.after_cycles,
                              "source": self.profile.source},
            "baseline": periods_json([self.baseline])[0] if self.baseline else None,
            "assessment": periods_json([self.assessment])[0] if self.assessment else None,
            "periods": course_json["periods"],
            "criteria": [c.to_json() for c in self.criteria],
            "met": self.met,
            "questionnaires": {
                "midas": [{"date": q.date.isoformat(), "score": q.score, "grade": q.grade}
                          for q in self.midas],
                "hit6": [{"date": q.date.isoformat(), "score": q.score} for q in self.hit6],
            },
            "treatments": [t.to_json() for t in self.treatments],
            "preventives": [{"drug": p.drug, "class": p.drug_class, "dose": p.dose,
                             "start": p.start.isoformat(),
                             "stop": p.stop.isoformat() if p.stop else None,
                             "outcome": p.outcome} for p in self.preventives],
            "flags": course_json["flags"],
            "summary": self.summary,
        }


# --------------------------------------------------------------------------- helpers


def _fmt(x: float | None, nd: int = 1) -> str:
    if x is None:
        return "-"
    return f"{x:.0f}" if abs(x - round(x)) < 0.05 else f"{x:.{nd}f}"


def all_met(values: Iterable[bool | None]) -> bool | None:
    """AND with not-enough-data: any False -> False; all True -> True; otherwise None."""
    values = list(values)
    if any(v is False for v in values):
        return False
    return True if values and all(v is True for v in values) else None


def any_met(values: Iterable[bool | None]) -> bool | None:
    """OR with not-enough-data: any True -> True; all False -> False; otherwise None."""
    values = list(values)
    if any(v is True for v in values):
        return True
    return False if values and all(v is False for v in values) else None


def _word(met: bool | None) -> str:
    return {True: "met", False: "not met", None: "not enough data"}[met]


def _recorded_dates(inputs: PayerInputs) -> list[dt.date]:
    return [d.date for d in inputs.diary if d.recorded] + [s.end for s in inputs.summaries]


def treatment_lines(treatments: Sequence[Treatment], extras: Mapping[dt.date, TreatmentExtra],
                     settings: PayerSettings) -> tuple[TreatmentLine, ...]:

    lines = []
    previous: dt.date | None = None
    for t in sorted(treatments, key=lambda t: t.session_date):
        extra = extras.get(t.session_date, TreatmentExtra())
        if t.sites:
            sites: int | None = sum(1 for u in t.sites.values() if u)
            ftp: float | None = sum(u for k, u in t.sites.items()
                                    if (s := ALL_SITES.get(k)) and s.follow_the_pain)
        else:
            sites, ftp = extra.site_count, extra.follow_the_pain_units
        interval = None if previous is None else (t.session_date - previous).days
        lines.append(TreatmentLine(
            t.session_date, t.units, ftp, sites, t.lot, t.expiry, t.injector, interval,
            interval is not None and interval < settings.min_treatment_interval_days, t.note))
        previous = t.session_date
    return tuple(lines)


def _questionnaires(inputs: PayerInputs, kind: str) -> tuple[QuestionnaireResult, ...]:
    return tuple(sorted((q for q in inputs.questionnaires if q.kind == kind),
                        key=lambda q: q.date))


def _clinician_notes(inputs: PayerInputs, periods: Sequence[PeriodFigures],
                     treatments: Sequence[Treatment]) -> tuple[tuple[str, str], ...]:
    out = []
    for p in periods:
        text = inputs.notes.get(f"period:{p.label}", "").strip()
        if text:
            out.append((p.label, text))
    for t in treatments:
        if t.note.strip():
            out.append((f"session {t.session_date.isoformat()}", t.note.strip()))
    return tuple(out)


# --------------------------------------------------------------------------- initial


def _months_before(inputs: PayerInputs, ref: dt.date, months: int,
                   settings: CourseSettings) -> tuple[PeriodFigures, ...]:
    """The `months` 28-day months before `ref`, computed by compute_course with one period
    boundary per month (the figures are exactly those of the course view)."""
    bounds = [ref - dt.timedelta(days=DAYS_PER_MONTH * i) for i in range(months, -1, -1)]
    diary = [d for d in inputs.diary if d.date < ref]
    course = compute_course(diary, inputs.summaries, bounds, today=ref, settings=settings)
    out = []
    for p in course.periods:
        if p.kind == "cycle" and p.number <= months:
            out.append(replace(
                p, label=f"month {p.number} of {months} before treatment", kind="pre_treatment",
                headache_change_pct=None, migraine_change_pct=None, acute_med_change_pct=None,
                responder_30=None, responder_50=None))
    return tuple(out)


def _duration_criterion(months: Sequence[PeriodFigures], inputs: PayerInputs, ref: dt.date,
                        course_settings: CourseSettings, min_coverage: float
                        ) -> tuple[Criterion, list[str]]:
    notes = []
    n = len(months)
    threshold = (f">= {_fmt(course_settings.chronic_headache_days)} headache and >= "
                 f"{_fmt(course_settings.chronic_migraine_days)} migraine days per 28 in each "
                 f"of the {n} 28-day months before treatment")
    recorded = [d for d in _recorded_dates(inputs) if d < ref] + [
        s.start for s in inputs.summaries if s.start < ref]
    span = (ref - min(recorded)).days if recorded else 0
    values = []
    verdicts: list[bool | None] = []
    for m in months:
        values.append("no diary" if m.headache_days_per_28 is None else
                      f"{_fmt(m.headache_days_per_28)}/{_fmt(m.migraine_days_per_28)}")
        if m.headache_days_per_28 is None or m.coverage < min_coverage:
            verdicts.append(None)
        else:
            verdicts.append(m.headache_days_per_28 >= course_settings.chronic_headache_days
                            and m.migraine_days_per_28 >= course_settings.chronic_migraine_days)
    met = all_met(verdicts)
    note = ""
    if span < n * DAYS_PER_MONTH:
        note = (f"The diary is too short to show more than {n} months: it covers {span} days "
                f"before {ref.isoformat()} ({n * DAYS_PER_MONTH} needed).")
        notes.append(note)
        if met is True:
            met = None
    elif None in verdicts and met is not False:
        note = (f"Some months are recorded on fewer than {round(min_coverage * 100)} % of days.")
        notes.append(note)
    value = "headache/migraine days per 28: " + ", ".join(values)
    return Criterion("ICHD-3 chronic migraine for more than 3 months", threshold, value, met,
                     ICHD3_DURATION_SOURCE, note), notes


def _age_criterion(birth_year: int | None, ref: dt.date, profile: PayerProfile) -> Criterion:
    threshold = f">= {profile.min_age_years} years"
    if birth_year is None:
        return Criterion("Adult", threshold, None, None, AGE_SOURCE, "no birth year recorded")
    youngest, oldest = ref.year - birth_year - 1, ref.year - birth_year
    value = f"{youngest}-{oldest} years (born {birth_year})"
    if youngest >= profile.min_age_years:
        met: bool | None = True
    elif oldest < profile.min_age_years:
        met = False
    else:
        met = None
    return Criterion("Adult", threshold, value, met, AGE_SOURCE,
                     "" if met is not None else "the birth year alone does not settle it")


def failed_preventives(preventives: Sequence[PreventiveTrial], profile: PayerProfile,
                       until: dt.date) -> list[PreventiveTrial]:
    """The trials that count as failed or unsuitable: not tolerated, contraindicated, or
    ineffective after at least ``profile.adequate_trial_days``."""
    out = []
    for p in preventives:
        if p.outcome not in FAILED_OUTCOMES:
            continue
        if p.outcome == "ineffective" and p.trial_days(until) < profile.adequate_trial_days:
            continue
        out.append(p)
    return out


def _preventive_criteria(inputs: PayerInputs, profile: PayerProfile, ref: dt.date
                         ) -> list[Criterion]:
    out = []
    failed = failed_preventives(inputs.preventives, profile, ref)
    short = [p for p in inputs.preventives if p.outcome == "ineffective" and p not in failed]
    note = ""
    if short:
        note = ("tried for less than the adequate "
                f"{profile.adequate_trial_days} days: " + ", ".join(p.drug for p in short))
    drugs = sorted({p.drug.strip().lower() for p in failed})
    classes = sorted({p.drug_class for p in failed if p.drug_class != "other"})
    none_recorded = not inputs.preventives
    if profile.min_failed_preventives:
        met: bool | None = None if none_recorded else len(drugs) >= profile.min_failed_preventives
        out.append(Criterion(
            "Failed or unsuitable prior preventives",
            f">= {profile.min_failed_preventives} drugs"
            + (f" (ineffective after >= {profile.adequate_trial_days} days)"
               if profile.adequate_trial_days else ""),
            len(drugs), met, profile.preventive_source,
            "no preventive history recorded" if none_recorded else note))
    if profile.min_failed_classes:
        met = None if none_recorded else len(classes) >= profile.min_failed_classes
        out.append(Criterion(
            "Preventive classes failed or unsuitable",
            f">= {profile.min_failed_classes} classes", len(classes), met,
            profile.preventive_source,
            "no preventive history recorded" if none_recorded
            else ", ".join(PREVENTIVE_CLASS_LABELS[c] for c in classes)))
    return out


def _overuse_criterion(flags: CourseFlags, baseline: PeriodFigures) -> Criterion:
    found = [f for f in flags.medication_overuse if f.period == baseline.label]
    threshold = "no acute-medication class at or above the ICHD-3 overuse frequency at baseline"
    if found:
        return Criterion("Medication overuse managed", threshold,
                         "; ".join(f.message for f in found), False, OVERUSE_SOURCE,
                         "overuse in the baseline: document how it was managed")
    if not baseline.days_recorded_diary:
        return Criterion("Medication overuse managed", threshold, None, None, OVERUSE_SOURCE,
                         "no diary days with medication classes in the baseline")
    return Criterion("Medication overuse managed", threshold, "none flagged", True,
                     OVERUSE_SOURCE)


def build_initial(inputs: PayerInputs, profile: PayerProfile, *, today: dt.date | None = None,
                  course_settings: CourseSettings | None = None,
                  payer_settings: PayerSettings | None = None) -> PayerReport:
    cs = course_settings or CourseSettings()
    ps = payer_settings or PayerSettings()
    recorded = _recorded_dates(inputs)
    if not recorded:
        raise MissingReportData(
            f"patient {inputs.patient_id}: no diary days or monthly summaries recorded — an "
            "initial report needs the headache diary before treatment")
    treats = sorted(inputs.treatments, key=lambda t: t.session_date)
    if treats:
        ref = treats[0].session_date
    else:
        ref = (today or max(recorded)) + dt.timedelta(days=1)
    if not any(d < ref for d in recorded) and not any(s.start < ref for s in inputs.summaries):
        raise MissingReportData(
            f"patient {inputs.patient_id}: no diary days recorded before "
            f"{ref.isoformat()} — an initial report needs the diary before treatment")
    diary_before = [d for d in inputs.diary if d.date < ref]
    course = compute_course(diary_before, inputs.summaries, [ref], today=ref, settings=cs)
    baseline = course.baseline
    # Keep the flags of the pre-treatment data only (the one-day "cycle 1" is an artefact).
    flags = replace(course.flags,
                    medication_overuse=tuple(f for f in course.flags.medication_overuse
                                             if f.period == "baseline"),
                    stopping_rule=None, episodic_3_months=None,
                    notes=tuple(n for n in course.flags.notes if not n.startswith("cycle ")))
    months = _months_before(inputs, ref, cs.chronic_min_months_of_data, cs)

    criteria: list[Criterion] = []
    chronic = flags.chronic_migraine_baseline
    criteria.append(Criterion(
        "ICHD-3 chronic migraine frequency at baseline",
        f">= {_fmt(cs.chronic_headache_days)} headache days with >= "
        f"{_fmt(cs.chronic_migraine_days)} migraine days per 28",
        None if baseline.headache_days_per_28 is None else
        f"{_fmt(baseline.headache_days_per_28)} headache / "
        f"{_fmt(baseline.migraine_days_per_28)} migraine days per 28",
        chronic, ICHD3_SOURCE))
    duration, notes = _duration_criterion(months, inputs, ref, cs, ps.assessment_min_coverage)
    criteria.append(duration)
    criteria.append(_age_criterion(inputs.birth_year, ref, profile))
    criteria += _preventive_criteria(inputs, profile, ref)
    criteria.append(_overuse_criterion(flags, baseline))
    met = all_met(c.met for c in criteria)

    counts = {v: sum(1 for c in criteria if c.met is v) for v in (True, False, None)}
    summary = (f"Initial criteria under {profile.name}: {counts[True]} of {len(criteria)} met, "
               f"{counts[False]} not met, {counts[None]} without enough data — "
               f"{'all met' if met else 'not all met' if met is False else 'not enough data'}.")
    lines = treatment_lines(treats, inputs.treatment_extras, ps)
    return PayerReport(
        kind="initial", patient_id=inputs.patient_id, profile=profile, reference_date=ref,
        course=course, flags=flags, baseline=baseline, assessment=None, periods=months,
        criteria=tuple(criteria), met=met, midas=_questionnaires(inputs, "midas"),
        hit6=_questionnaires(inputs, "hit6"), treatments=lines,
        preventives=tuple(sorted(inputs.preventives, key=lambda p: p.start)),
        diagnosis=inputs.diagnosis, payer=inputs.payer, summary=summary, notes=tuple(notes),
        clinician_notes=_clinician_notes(inputs, (baseline,), ()),
        display_name=inputs.display_name, birth_year=inputs.birth_year)


# --------------------------------------------------------------------------- renewal


def _default_assessment(course: CourseReport, min_coverage: float) -> PeriodFigures | None:
    cycles = [p for p in course.periods if p.kind == "cycle" and p.coverage >= min_coverage]
    return cycles[-1] if cycles else None


def _cycle_of(period: PeriodFigures) -> int:
    """The treatment cycle a period judges (a pre-treatment window judges the cycle before)."""
    if period.kind == "pre_treatment":
        return period.number - 1
    return period.number


def _reduction_criterion(profile: PayerProfile, base: PeriodFigures, period: PeriodFigures
                         ) -> Criterion:
    measure = profile.measure
    change = (period.headache_change_pct if measure == "headache_days"
              else period.migraine_change_pct)
    before = getattr(base, f"{measure}_per_28")
    after = getattr(period, f"{measure}_per_28")
    threshold = (f">= {_fmt(profile.threshold_pct)} % fewer {profile.measure_label} per 28 "
                 f"than baseline, from cycle {profile.after_cycles}")
    name = f"Reduction in {profile.measure_label}"
    cycle = _cycle_of(period)
    if cycle < profile.after_cycles:
        return Criterion(name, threshold, change, None, profile.reduction_source,
                         f"{period.label} is before cycle {profile.after_cycles}: too early "
                         "to judge under this profile")
    if change is None:
        return Criterion(name, threshold, None, None, profile.reduction_source,
                         "no baseline or period figures to compare")
    met = change <= -profile.threshold_pct + 1e-9
    return Criterion(name, threshold, change, met, profile.reduction_source,
                     f"{_fmt(before)} -> {_fmt(after)} per 28")


def _episodic_criterion(course: CourseReport, cs: CourseSettings) -> Criterion:
    name = "Still chronic (not episodic for 3 consecutive months)"
    threshold = (f"no {cs.episodic_consecutive_months} consecutive 28-day months with "
                 f"< {_fmt(cs.episodic_below_days)} headache days")
    source = "NICE TA260 1.2"
    run = course.flags.episodic_3_months
    if run is not None:
        return Criterion(name, threshold, run.message, False, source,
                         "the profile's rule would suggest stopping")
    first = course.treatments[0].session_date
    last = course.periods[-1].end
    if (last - first).days + 1 < cs.episodic_consecutive_months * DAYS_PER_MONTH:
        return Criterion(name, threshold, None, None, source,
                         f"fewer than {cs.episodic_consecutive_months} months since the first "
                         "treatment")
    return Criterion(name, threshold, "no episodic run found", True, source)


def _latest(results: Sequence[QuestionnaireResult], lo: dt.date | None, hi: dt.date,
            strict_lo: bool) -> QuestionnaireResult | None:
    found = [q for q in results if q.date <= hi and (
        lo is None or (q.date > lo if strict_lo else q.date >= lo))]
    return found[-1] if found else None


def _questionnaire_criteria(profile: PayerProfile, midas: Sequence[QuestionnaireResult],
                            hit6: Sequence[QuestionnaireResult], first: dt.date,
                            period_end: dt.date, ps: PayerSettings) -> list[Criterion]:
    out = []
    source = profile.questionnaire_source or profile.source
    hi = period_end + dt.timedelta(days=ps.questionnaire_grace_days)
    if profile.midas_drop_points is not None or profile.midas_drop_pct is not None:
        base = _latest(midas, None, first, False)
        after = _latest(midas, first, hi, True)
        threshold = (f"-{_fmt(profile.midas_drop_points)} points (baseline 11-20) or "
                     f"-{_fmt(profile.midas_drop_pct)} % (baseline > 20)")
        if base is None or after is None:
            missing = "before the first treatment" if base is None else "after it"
            out.append(Criterion("MIDAS improvement", threshold, None, None, source,
                                 f"no MIDAS {missing}"))
        else:
            drop = base.score - after.score
            value = f"{base.score} -> {after.score}"
            if base.score <= 10:
                out.append(Criterion("MIDAS improvement", threshold, value, None, source,
                                     "baseline MIDAS 0-10: the profile sets no cut-off"))
            elif base.score <= 20:
                ok = (None if profile.midas_drop_points is None
                      else drop >= profile.midas_drop_points)
                out.append(Criterion("MIDAS improvement", threshold, value, ok, source,
                                     f"{-drop:+d} points"))
            else:
                pct = drop / base.score * 100
                ok = None if profile.midas_drop_pct is None else pct >= profile.midas_drop_pct - 1e-9
                out.append(Criterion("MIDAS improvement", threshold, value, ok, source,
                                     f"{-pct:+.1f} %"))
    if profile.hit6_drop_points is not None:
        base = _latest(hit6, None, first, False)
        after = _latest(hit6, first, hi, True)
        threshold = f"-{_fmt(profile.hit6_drop_points)} points"
        if base is None or after is None:
            missing = "before the first treatment" if base is None else "after it"
            out.append(Criterion("HIT-6 improvement", threshold, None, None, source,
                                 f"no HIT-6 {missing}"))
        else:
            drop = base.score - after.score
            out.append(Criterion("HIT-6 improvement", threshold, f"{base.score} -> {after.score}",
                                 drop >= profile.hit6_drop_points, source,
                                 f"{-drop:+d} points"))
    return out


def build_renewal(inputs: PayerInputs, profile: PayerProfile, *, period: str | None = None,
                  today: dt.date | None = None, course_settings: CourseSettings | None = None,
                  payer_settings: PayerSettings | None = None) -> PayerReport:
    cs = course_settings or CourseSettings()
    ps = payer_settings or PayerSettings()
    treats = sorted(inputs.treatments, key=lambda t: t.session_date)
    if not treats:
        raise MissingReportData(f"patient {inputs.patient_id}: no treatment recorded — a renewal "
                                "report needs at least one treatment session")
    course = compute_course(inputs.diary, inputs.summaries, treats, today=today, settings=cs)
    baseline = course.baseline
    if baseline is None or not baseline.days_recorded:
        first = treats[0].session_date
        raise MissingReportData(
            f"patient {inputs.patient_id}: no diary days in the baseline "
            f"({(first - dt.timedelta(days=cs.baseline_days)).isoformat()} to "
            f"{(first - dt.timedelta(days=1)).isoformat()}) — a renewal compares with it")
    if period:
        assessment = course.period(period.strip())
        if assessment is None or assessment.kind == "baseline":
            labels = [p.label for p in course.periods if p.kind == "cycle"]
            raise MissingReportData(f"patient {inputs.patient_id}: no period {period!r} "
                                    f"(choose one of: {', '.join(labels)})")
    else:
        assessment = _default_assessment(course, ps.assessment_min_coverage)
        if assessment is None:
            raise MissingReportData(
                f"patient {inputs.patient_id}: no treatment cycle has diary coverage of at least "
                f"{round(ps.assessment_min_coverage * 100)} % — record the diary or choose a "
                "period with --period")

    reduction = _reduction_criterion(profile, baseline, assessment)
    midas = _questionnaires(inputs, "midas")
    hit6 = _questionnaires(inputs, "hit6")
    questionnaire = _questionnaire_criteria(profile, midas, hit6, treats[0].session_date,
                                            assessment.end, ps)
    criteria = [reduction, *questionnaire]
    response = any_met([reduction.met, *(c.met for c in questionnaire)])
    if profile.episodic_rule:
        episodic = _episodic_criterion(course, cs)
        criteria.append(episodic)
        met = all_met([response, episodic.met])
    else:
        met = response

    lines = treatment_lines(treats, inputs.treatment_extras, ps)
    notes = []
    for t in lines:
        if t.short_interval:
            notes.append(f"Session {t.date.isoformat()} came {t.interval_days} days after the "
                         f"previous one (< {ps.min_treatment_interval_days}; {INTERVAL_SOURCE}).")
    if assessment.coverage < ps.assessment_min_coverage:
        notes.append(f"{assessment.label}: only {round(assessment.coverage * 100)} % of days "
                     "recorded; its figures may be unreliable.")

    measure = profile.measure_label
    before = getattr(baseline, f"{profile.measure}_per_28")
    after = getattr(assessment, f"{profile.measure}_per_28")
    change = reduction.value if isinstance(reduction.value, float | int) else None
    trend = "" if change is None else f" ({abs(change):.0f} % {'fewer' if change < 0 else 'more'})"
    summary = (f"Under {profile.name}, {measure} went from {_fmt(before)} per 28 days at baseline "
               f"to {_fmt(after)} in {assessment.label}{trend}: continuation criteria "
               f"{_word(met)}.")
    return PayerReport(
        kind="renewal", patient_id=inputs.patient_id, profile=profile,
        reference_date=treats[0].session_date, course=course, flags=course.flags,
        baseline=baseline, assessment=assessment, periods=course.periods,
        criteria=tuple(criteria), met=met, midas=midas, hit6=hit6, treatments=lines,
        preventives=tuple(sorted(inputs.preventives, key=lambda p: p.start)),
        diagnosis=inputs.diagnosis, payer=inputs.payer, summary=summary, notes=tuple(notes),
        clinician_notes=_clinician_notes(inputs, course.periods, treats),
        display_name=inputs.display_name, birth_year=inputs.birth_year)


def build_payer_report(kind: str, inputs: PayerInputs, profile: PayerProfile, *,
                       period: str | None = None, today: dt.date | None = None,
                       course_settings: CourseSettings | None = None,
                       payer_settings: PayerSettings | None = None) -> PayerReport:
    """An ``initial`` or ``renewal`` report (pure function of its arguments)."""
    if kind == "initial":
        if period:
            raise CourseError("--period goes with a renewal report")
        return build_initial(inputs, profile, today=today, course_settings=course_settings,
                             payer_settings=payer_settings)
    if kind == "renewal":
        return build_renewal(inputs, profile, period=period, today=today,
                             course_settings=course_settings, payer_settings=payer_settings)
    raise CourseError(f"unknown report kind {kind!r} (initial or renewal)")
