"""The criteria of a payer report, each evaluated to met / not met / not enough data with its
source: the ICHD-3 chronic-migraine evidence, age, failed preventives and medication overuse
for an initial report; the payer profile's reduction, questionnaire and episodic rules for a
renewal. Every figure comes from `core.course.compute_course`, so the course view and the
report agree, and every figure written into a criterion's text goes through
`core.figures_format` (typographic minus, the one rounding rule).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from photocompare.core import figures_format as ff
from photocompare.core.course import CourseReport, compute_course
from photocompare.core.course_figures import DAYS_PER_MONTH, PeriodFigures
from photocompare.core.course_flags import CourseFlags
from photocompare.core.payer_model import Criterion, PayerInputs, PreventiveTrial, all_met
from photocompare.core.payer_rules import FAILED_OUTCOMES, PREVENTIVE_CLASS_LABELS, PayerProfile
from photocompare.core.questionnaires import QuestionnaireResult
from photocompare.settings import CourseSettings, PayerSettings

ICHD3_SOURCE = "ICHD-3 (2018) 1.3 Chronic migraine, criteria A and C"
ICHD3_DURATION_SOURCE = "ICHD-3 (2018) 1.3 Chronic migraine, criterion A: for > 3 months"
OVERUSE_SOURCE = "ICHD-3 (2018) 8.2 Medication-overuse headache; NICE TA260 1.1"
AGE_SOURCE = "Licensed indication: adults (18 years or older); NICE TA260 1.1"
ARROW = "→"


def _num(x) -> str:
    return ff.fmt_num(x)


def _points(change: int) -> str:
    """A change in questionnaire points with its sign ("−3 points", "+2 points")."""
    sign = ff.MINUS if change < 0 else "+" if change > 0 else ""
    return f"{sign}{abs(change)} points"


def recorded_dates(inputs: PayerInputs) -> list[dt.date]:
    return [d.date for d in inputs.diary if d.recorded] + [s.end for s in inputs.summaries]



def months_before(inputs: PayerInputs, ref: dt.date, months: int,
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


def frequency_criterion(flags: CourseFlags, baseline: PeriodFigures, cs: CourseSettings
                        ) -> Criterion:
    """ICHD-3 chronic-migraine frequency in the baseline (the course's own verdict)."""
    value = None
    if baseline.headache_days_per_28 is not None:
        value = (f"{ff.fmt_per28(baseline.headache_days_per_28)} headache / "
                 f"{ff.fmt_per28(baseline.migraine_days_per_28)} migraine days per 28")
    return Criterion(
        "ICHD-3 chronic migraine frequency at baseline",
        f"≥ {_num(cs.chronic_headache_days)} headache days with ≥ "
        f"{_num(cs.chronic_migraine_days)} migraine days per 28",
        value, flags.chronic_migraine_baseline, ICHD3_SOURCE)


def duration_criterion(months: Sequence[PeriodFigures], inputs: PayerInputs, ref: dt.date,
                       course_settings: CourseSettings, min_coverage: float
                        ) -> tuple[Criterion, list[str]]:
    notes = []
    n = len(months)
    threshold = (f"≥ {_num(course_settings.chronic_headache_days)} headache and ≥ "
                 f"{_num(course_settings.chronic_migraine_days)} migraine days per 28 in each "
                 f"of the {n} 28-day months before treatment")
    recorded = [d for d in recorded_dates(inputs) if d < ref] + [
        s.start for s in inputs.summaries if s.start < ref]
    span = (ref - min(recorded)).days if recorded else 0
    values = []
    verdicts: list[bool | None] = []
    for m in months:
        values.append("no diary" if m.headache_days_per_28 is None else
                      f"{_num(m.headache_days_per_28)}/{_num(m.migraine_days_per_28)}")
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
        note = f"Some months are recorded on fewer than {ff.fmt_share(min_coverage)} of days."
        notes.append(note)
    value = "headache/migraine days per 28: " + ", ".join(values)
    return Criterion("ICHD-3 chronic migraine for more than 3 months", threshold, value, met,
                     ICHD3_DURATION_SOURCE, note), notes


def age_criterion(birth_year: int | None, ref: dt.date, profile: PayerProfile) -> Criterion:
    threshold = f"≥ {profile.min_age_years} years"
    if birth_year is None:
        return Criterion("Adult", threshold, None, None, AGE_SOURCE, "no birth year recorded")
    youngest, oldest = ref.year - birth_year - 1, ref.year - birth_year
    value = f"{youngest}–{oldest} years (born {birth_year})"
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


def preventive_criteria(inputs: PayerInputs, profile: PayerProfile, ref: dt.date
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
            f"≥ {profile.min_failed_preventives} drugs"
            + (f" (ineffective after ≥ {profile.adequate_trial_days} days)"
               if profile.adequate_trial_days else ""),
            len(drugs), met, profile.preventive_source,
            "no preventive history recorded" if none_recorded else note))
    if profile.min_failed_classes:
        met = None if none_recorded else len(classes) >= profile.min_failed_classes
        out.append(Criterion(
            "Preventive classes failed or unsuitable",
            f"≥ {profile.min_failed_classes} classes", len(classes), met,
            profile.preventive_source,
            "no preventive history recorded" if none_recorded
            else ", ".join(PREVENTIVE_CLASS_LABELS[c] for c in classes)))
    return out


def overuse_criterion(flags: CourseFlags, baseline: PeriodFigures) -> Criterion:
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



def default_assessment(course: CourseReport, min_coverage: float) -> PeriodFigures | None:
    cycles = [p for p in course.periods if p.kind == "cycle" and p.coverage >= min_coverage]
    return cycles[-1] if cycles else None


def _cycle_of(period: PeriodFigures) -> int:
    """The treatment cycle a period judges (a pre-treatment window judges the cycle before)."""
    if period.kind == "pre_treatment":
        return period.number - 1
    return period.number


def reduction_criterion(profile: PayerProfile, base: PeriodFigures, period: PeriodFigures
                         ) -> Criterion:
    measure = profile.measure
    change = (period.headache_change_pct if measure == "headache_days"
              else period.migraine_change_pct)
    before = getattr(base, f"{measure}_per_28")
    after = getattr(period, f"{measure}_per_28")
    threshold = (f"≥ {_num(profile.threshold_pct)} % fewer {profile.measure_label} per 28 "
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
                     f"{ff.fmt_per28(before)} {ARROW} {ff.fmt_per28(after)} per 28")


def episodic_criterion(course: CourseReport, cs: CourseSettings) -> Criterion:
    name = "Still chronic (not episodic for 3 consecutive months)"
    threshold = (f"no {cs.episodic_consecutive_months} consecutive 28-day months with "
                 f"< {_num(cs.episodic_below_days)} headache days")
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


def questionnaire_criteria(profile: PayerProfile, midas: Sequence[QuestionnaireResult],
                            hit6: Sequence[QuestionnaireResult], first: dt.date,
                            period_end: dt.date, ps: PayerSettings) -> list[Criterion]:
    out = []
    source = profile.questionnaire_source or profile.source
    hi = period_end + dt.timedelta(days=ps.questionnaire_grace_days)
    if profile.midas_drop_points is not None or profile.midas_drop_pct is not None:
        base = _latest(midas, None, first, False)
        after = _latest(midas, first, hi, True)
        threshold = (f"{ff.MINUS}{_num(profile.midas_drop_points)} points (baseline 11–20) or "
                     f"{ff.MINUS}{_num(profile.midas_drop_pct)} % (baseline > 20)")
        if base is None or after is None:
            missing = "before the first treatment" if base is None else "after it"
            out.append(Criterion("MIDAS improvement", threshold, None, None, source,
                                 f"no MIDAS {missing}"))
        else:
            drop = base.score - after.score
            value = f"{base.score} {ARROW} {after.score}"
            if base.score <= 10:
                out.append(Criterion("MIDAS improvement", threshold, value, None, source,
                                     "baseline MIDAS 0–10: the profile sets no cut-off"))
            elif base.score <= 20:
                ok = (None if profile.midas_drop_points is None
                      else drop >= profile.midas_drop_points)
                out.append(Criterion("MIDAS improvement", threshold, value, ok, source,
                                     _points(-drop)))
            else:
                pct = drop / base.score * 100
                ok = None if profile.midas_drop_pct is None else pct >= profile.midas_drop_pct - 1e-9
                out.append(Criterion("MIDAS improvement", threshold, value, ok, source,
                                     ff.fmt_pct(-pct)))
    if profile.hit6_drop_points is not None:
        base = _latest(hit6, None, first, False)
        after = _latest(hit6, first, hi, True)
        threshold = f"{ff.MINUS}{_num(profile.hit6_drop_points)} points"
        if base is None or after is None:
            missing = "before the first treatment" if base is None else "after it"
            out.append(Criterion("HIT-6 improvement", threshold, None, None, source,
                                 f"no HIT-6 {missing}"))
        else:
            drop = base.score - after.score
            out.append(Criterion("HIT-6 improvement", threshold, f"{base.score} {ARROW} {after.score}",
                                 drop >= profile.hit6_drop_points, source,
                                 _points(-drop)))
    return out
