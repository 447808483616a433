"""What a payer report is made of: its inputs (read from the library or built in a test) and its
result (criteria, treatment log, the `report --json` object). No logic beyond validation and
the JSON mapping, so the criteria, the treatment log and the report assembly can each import it
without importing one another.

Figures in the JSON follow the `course --json` rule (`core.figures_format.json_value`: two
decimals, never rounded up to a whole number the figure has not reached).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from photocompare.core import figures_format as ff
from photocompare.core.course import CourseReport
from photocompare.core.course_figures import DiaryDay, MonthlySummary, PeriodFigures, Treatment
from photocompare.core.course_flags import CourseFlags
from photocompare.core.errors import CourseError
from photocompare.core.payer_rules import OUTCOMES, PREVENTIVE_CLASSES, PayerProfile
from photocompare.core.questionnaires import QuestionnaireResult


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
        value = self.value
        if isinstance(value, float):
            value = ff.json_value(value)
        return {"name": self.name, "threshold": self.threshold, "value": value, "met": self.met}


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
        units = None if self.units is None else ff.json_value(self.units)
        return {"date": self.date.isoformat(), "units": units, "sites": self.sites,
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


def met_word(met: bool | None) -> str:
    return {True: "met", False: "not met", None: "not enough data"}[met]
