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

This module assembles a report; the rooms it draws on are `core.payer_model` (inputs, results,
the JSON contract), `core.payer_criteria` (each criterion with its source) and
`core.payer_treatments` (the treatment log). Every figure comes from
`core.course.compute_course` and `core.questionnaires`, nothing is recomputed, so a payer report
and the course view can never disagree; the summary sentence shows its figures through
`core.figures_format`, exactly as the tables do. Each criterion is met / not met / not enough
data (True/False/None) with its source; the report informs, it never decides.

A patient without the data a report needs raises `MissingReportData` (one line saying what is
missing); the CLI turns it into exit 2 and writes no file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from photocompare.core import figures_format as ff
from photocompare.core.course import compute_course
from photocompare.core.course_figures import PeriodFigures
from photocompare.core.errors import CourseError
from photocompare.core.payer_criteria import (
    age_criterion,
    default_assessment,
    duration_criterion,
    episodic_criterion,
    frequency_criterion,
    months_before,
    overuse_criterion,
    preventive_criteria,
    questionnaire_criteria,
    recorded_dates,
    reduction_criterion,
)
from photocompare.core.payer_model import (  # re-exported: callers build inputs from here
    Criterion,
    Diagnosis,
    MissingReportData,
    PayerDetails,
    PayerInputs,
    PayerReport,
    PreventiveTrial,
    ReportPhoto,
    TreatmentExtra,
    TreatmentLine,
    all_met,
    any_met,
    met_word,
)
from photocompare.core.payer_rules import PayerProfile
from photocompare.core.payer_treatments import (
    clinician_notes,
    short_interval_notes,
    treatment_lines,
)
from photocompare.core.questionnaires import QuestionnaireResult
from photocompare.settings import CourseSettings, PayerSettings

__all__ = [
    "KINDS",
    "Criterion",
    "Diagnosis",
    "MissingReportData",
    "PayerDetails",
    "PayerInputs",
    "PayerReport",
    "PreventiveTrial",
    "ReportPhoto",
    "TreatmentExtra",
    "TreatmentLine",
    "all_met",
    "any_met",
    "build_initial",
    "build_payer_report",
    "build_renewal",
    "treatment_lines",
]

KINDS = ("initial", "renewal")


def _questionnaires(inputs: PayerInputs, kind: str) -> tuple[QuestionnaireResult, ...]:
    return tuple(sorted((q for q in inputs.questionnaires if q.kind == kind),
                        key=lambda q: q.date))



def build_initial(inputs: PayerInputs, profile: PayerProfile, *, today: dt.date | None = None,
                  course_settings: CourseSettings | None = None,
                  payer_settings: PayerSettings | None = None) -> PayerReport:
    cs = course_settings or CourseSettings()
    ps = payer_settings or PayerSettings()
    recorded = recorded_dates(inputs)
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
    months = months_before(inputs, ref, cs.chronic_min_months_of_data, cs)

    criteria: list[Criterion] = [frequency_criterion(flags, baseline, cs)]
    duration, notes = duration_criterion(months, inputs, ref, cs, ps.assessment_min_coverage)
    criteria.append(duration)
    criteria.append(age_criterion(inputs.birth_year, ref, profile))
    criteria += preventive_criteria(inputs, profile, ref)
    criteria.append(overuse_criterion(flags, baseline))
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
        clinician_notes=clinician_notes(inputs, (baseline,), ()),
        display_name=inputs.display_name, birth_year=inputs.birth_year)


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
        assessment = default_assessment(course, ps.assessment_min_coverage)
        if assessment is None:
            raise MissingReportData(
                f"patient {inputs.patient_id}: no treatment cycle has diary coverage of at least "
                f"{ff.fmt_share(ps.assessment_min_coverage)} — record the diary or choose a "
                "period with --period")

    reduction = reduction_criterion(profile, baseline, assessment)
    midas = _questionnaires(inputs, "midas")
    hit6 = _questionnaires(inputs, "hit6")
    questionnaire = questionnaire_criteria(profile, midas, hit6, treats[0].session_date,
                                            assessment.end, ps)
    criteria = [reduction, *questionnaire]
    response = any_met([reduction.met, *(c.met for c in questionnaire)])
    if profile.episodic_rule:
        episodic = episodic_criterion(course, cs)
        criteria.append(episodic)
        met = all_met([response, episodic.met])
    else:
        met = response

    lines = treatment_lines(treats, inputs.treatment_extras, ps)
    notes = short_interval_notes(lines, ps)
    if assessment.coverage < ps.assessment_min_coverage:
        notes.append(f"{assessment.label}: only {ff.fmt_share(assessment.coverage)} of days "
                     "recorded; its figures may be unreliable.")

    summary = _renewal_summary(profile, baseline, assessment, reduction, met)
    return PayerReport(
        kind="renewal", patient_id=inputs.patient_id, profile=profile,
        reference_date=treats[0].session_date, course=course, flags=course.flags,
        baseline=baseline, assessment=assessment, periods=course.periods,
        criteria=tuple(criteria), met=met, midas=midas, hit6=hit6, treatments=lines,
        preventives=tuple(sorted(inputs.preventives, key=lambda p: p.start)),
        diagnosis=inputs.diagnosis, payer=inputs.payer, summary=summary, notes=tuple(notes),
        clinician_notes=clinician_notes(inputs, course.periods, treats),
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


def _renewal_summary(profile: PayerProfile, baseline: PeriodFigures, assessment: PeriodFigures,
                     reduction: Criterion, met: bool | None) -> str:
    """One plain sentence; its figures are formatted exactly as in the report's tables, so
    the sentence can never say "34 % fewer" beside a table showing −33.3 %."""
    before = getattr(baseline, f"{profile.measure}_per_28")
    after = getattr(assessment, f"{profile.measure}_per_28")
    change = reduction.value if isinstance(reduction.value, float | int) else None
    shown = None if change is None else ff.shown_value(float(change))
    if shown is None:
        trend = ""
    elif shown == 0:
        trend = " (no change)"
    else:
        trend = f" ({ff.fmt_pct_size(shown)} {'fewer' if shown < 0 else 'more'})"
    return (f"Under {profile.name}, {profile.measure_label} went from {ff.fmt_per28(before)} "
            f"per 28 days at baseline to {ff.fmt_per28(after)} in {assessment.label}{trend}: "
            f"continuation criteria {met_word(met)}.")
