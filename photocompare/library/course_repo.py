"""Save, edit, delete and load a patient's migraine course, keeping the history of every change.

Every function takes the open `Library` (library/db.py) and a patient given as the internal id
(int) or the external ID (str, e.g. the clinic's MRN). Each call is one transaction: it either
applies completely or not at all. Every change is versioned and written to the course history
by library/course_records.py (who, when, old and new values; `expected_version` guards against
a concurrent edit from another workstation).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from photocompare.core.course import CourseReport, compute_course
from photocompare.core.course_figures import DiaryDay, MedicationClass, MonthlySummary, Treatment
from photocompare.core.diary_csv import (
    DiaryParse,
    parse_diary_csv,
    write_diary_csv,
    write_summary_csv,
)
from photocompare.core.errors import CourseError
from photocompare.core.questionnaires import QuestionnaireResult, score_questionnaire
from photocompare.library.audit import current_user
from photocompare.library.course_models import (
    CourseHistory,
    CourseNoteRecord,
    DiaryEntryRecord,
    MonthlySummaryRecord,
    QuestionnaireRecord,
    TreatmentRecord,
    TreatmentSiteRecord,
)
from photocompare.library.course_records import (
    PatientRef,
    Stored,
    apply_values,
    audit_edit,
    check_version,
    delete_by_id,
    insert_record,
    load_stored,
    patients_record,
    record_updated,
    resolve_patient_id,
    snapshot,
    touch,
    write_history,
)
from photocompare.settings import CourseSettings


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    table: str
    record_id: int
    action: str  # "insert" | "update" | "delete"
    changed_at: dt.datetime  # naive UTC
    changed_by: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None


@dataclass(frozen=True)
class SaveCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class CsvImportResult:
    """What `import_diary_csv` did. `applied` is False when bad rows stopped the import."""

    path: str
    kind: str  # "diary" | "summary"
    applied: bool
    inserted: int
    updated: int
    unchanged: int
    skipped_bad_rows: int
    bad_rows: tuple[tuple[int, str], ...]
    warnings: tuple[str, ...] = ()



# --------------------------------------------------------------------------- diary


def _diary_values(day: DiaryDay) -> dict[str, Any]:
    if day.intensity is not None and not 0 <= day.intensity <= 10:
        raise CourseError(f"{day.date.isoformat()}: intensity {day.intensity} is not 0-10")
    if day.hours is not None and not 0 <= day.hours <= 24:
        raise CourseError(f"{day.date.isoformat()}: hours {day.hours:g} is outside 0-24")
    cls = None if day.medication_class is None else MedicationClass(day.medication_class).value
    return {"headache": day.headache, "migraine": bool(day.migraine), "hours": day.hours,
            "intensity": day.intensity, "medication": bool(day.medication or cls),
            "medication_class": cls, "note": day.note or ""}


def _save_day(session: Session, pid: int, day: DiaryDay, user: str,
              expected_version: int | None = None) -> str:
    values = _diary_values(day)
    rec = session.scalar(sa.select(DiaryEntryRecord).where(
        DiaryEntryRecord.patient_id == pid, DiaryEntryRecord.day == day.date))
    if rec is None:
        insert_record(session, pid, DiaryEntryRecord(patient_id=pid, day=day.date, **values), user)
        return "inserted"
    check_version(rec, expected_version)
    old = snapshot(rec)
    if not apply_values(rec, values):
        return "unchanged"
    record_updated(session, pid, rec, old, user)
    return "updated"


def _save_days(session: Session, pid: int, days: Iterable[DiaryDay], user: str) -> dict[str, int]:
    """Insert/edit many days with one query for what is stored and one flush (fast imports)."""
    existing = {r.day: r for r in session.scalars(
        sa.select(DiaryEntryRecord).where(DiaryEntryRecord.patient_id == pid))}
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    inserted: list[DiaryEntryRecord] = []
    updated: list[tuple[DiaryEntryRecord, dict[str, Any]]] = []
    for day in days:
        values = _diary_values(day)
        rec = existing.get(day.date)
        if rec is None:
            rec = DiaryEntryRecord(patient_id=pid, day=day.date, **values)
            touch(rec, user)
            session.add(rec)
            existing[day.date] = rec
            inserted.append(rec)
            continue
        old = snapshot(rec)
        if apply_values(rec, values):
            touch(rec, user)
            updated.append((rec, old))
        else:
            counts["unchanged"] += 1
    session.flush()
    for rec in inserted:
        write_history(session, pid, rec, "insert", None, snapshot(rec), user)
    for rec, old in updated:
        write_history(session, pid, rec, "update", old, snapshot(rec), user)
    counts["inserted"], counts["updated"] = len(inserted), len(updated)
    return counts


def save_diary_day(library, patient: PatientRef, day: DiaryDay, *, user: str | None = None,
                   expected_version: int | None = None) -> str:
    """Insert or edit the entry for ``day.date``; returns "inserted" | "updated" | "unchanged"."""
    user = user or current_user()
    with library.session(write=True) as session:
        pid = resolve_patient_id(session, patient)
        outcome = _save_day(session, pid, day, user, expected_version)
        if outcome != "unchanged":
            audit_edit(session, pid, {"diary_day": day.date.isoformat(), "change": outcome}, user)
        return outcome


def save_diary_days(library, patient: PatientRef, days: Iterable[DiaryDay], *,
                    user: str | None = None) -> SaveCounts:
    """Insert or edit many days in one transaction (all or nothing)."""
    user = user or current_user()
    days = list(days)
    seen: set[dt.date] = set()
    for d in days:
        if d.date in seen:
            raise CourseError(f"two diary entries for {d.date.isoformat()}")
        seen.add(d.date)
    with library.session(write=True) as session:
        pid = resolve_patient_id(session, patient)
        counts = _save_days(session, pid, days, user)
        if counts["inserted"] or counts["updated"]:
            audit_edit(session, pid, {"diary_days_inserted": counts["inserted"],
                                  "diary_days_updated": counts["updated"]}, user)
    return SaveCounts(**counts)


def delete_diary_day(library, patient: PatientRef, day: dt.date, *, user: str | None = None,
                     expected_version: int | None = None) -> bool:
    """Delete the entry of one day (the day becomes "not recorded"); False if there was none."""
    user = user or current_user()
    with library.session(write=True) as session:
        pid = resolve_patient_id(session, patient)
        rec = session.scalar(sa.select(DiaryEntryRecord).where(
            DiaryEntryRecord.patient_id == pid, DiaryEntryRecord.day == day))
        if rec is None:
            return False
        check_version(rec, expected_version)
        write_history(session, pid, rec, "delete", snapshot(rec), None, user)
        session.delete(rec)
        audit_edit(session, pid, {"diary_day": day.isoformat(), "change": "deleted"}, user)
        return True


def _to_day(rec: DiaryEntryRecord) -> DiaryDay:
    cls = MedicationClass(rec.medication_class) if rec.medication_class else None
    return DiaryDay(rec.day, rec.headache, bool(rec.migraine), rec.hours, rec.intensity,
                    bool(rec.medication), cls, rec.note or "")


def load_diary_records(library, patient: PatientRef) -> list[Stored[DiaryDay]]:
    return load_stored(library, patient, DiaryEntryRecord, DiaryEntryRecord.day, _to_day)


def load_diary(library, patient: PatientRef) -> list[DiaryDay]:
    return [s.value for s in load_diary_records(library, patient)]


# --------------------------------------------------------------------------- monthly summaries


def _summary_values(s: MonthlySummary) -> dict[str, Any]:
    if s.end < s.start:
        raise CourseError(f"monthly summary {s.start.isoformat()}: ends before it starts")
    if not 0 <= s.migraine_days <= s.headache_days <= s.days or not 0 <= s.acute_med_days <= s.days:
        raise CourseError(f"monthly summary {s.start.isoformat()}..{s.end.isoformat()}: counts "
                          "must satisfy 0 <= migraine <= headache <= days")
    return {"start_date": s.start, "end_date": s.end, "headache_days": s.headache_days,
            "migraine_days": s.migraine_days, "acute_med_days": s.acute_med_days,
            "note": s.note or ""}


def _save_summary(session: Session, pid: int, summary: MonthlySummary, summary_id: int | None,
                  user: str, expected_version: int | None = None) -> tuple[int, str]:
    values = _summary_values(summary)
    if summary_id is None:  # same range as a stored one = an edit of it
        found = session.scalar(sa.select(MonthlySummaryRecord.id).where(
            MonthlySummaryRecord.patient_id == pid,
            MonthlySummaryRecord.start_date == summary.start,
            MonthlySummaryRecord.end_date == summary.end))
        summary_id = found
    clash = session.scalar(sa.select(MonthlySummaryRecord).where(
        MonthlySummaryRecord.patient_id == pid,
        MonthlySummaryRecord.start_date <= summary.end,
        MonthlySummaryRecord.end_date >= summary.start,
        MonthlySummaryRecord.id != (summary_id or -1)))
    if clash is not None:
        raise CourseError(f"monthly summary {summary.start.isoformat()}..{summary.end.isoformat()} "
                          f"overlaps the stored {clash.start_date.isoformat()}.."
                          f"{clash.end_date.isoformat()}")
    if summary_id is None:
        rec = MonthlySummaryRecord(patient_id=pid, **values)
        insert_record(session, pid, rec, user)
        return rec.id, "inserted"
    rec = patients_record(session, MonthlySummaryRecord, summary_id, pid, "monthly summary")
    check_version(rec, expected_version)
    old = snapshot(rec)
    if not apply_values(rec, values):
        return rec.id, "unchanged"
    record_updated(session, pid, rec, old, user)
    return rec.id, "updated"


def save_summary(library, patient: PatientRef, summary: MonthlySummary, *,
                 summary_id: int | None = None, user: str | None = None,
                 expected_version: int | None = None) -> int:
    """Insert (or, with ``summary_id`` or the same date range, edit) a monthly summary."""
    user = user or current_user()
    with library.session(write=True) as session:
        pid = resolve_patient_id(session, patient)
        sid, outcome = _save_summary(session, pid, summary, summary_id, user, expected_version)
        if outcome != "unchanged":
            audit_edit(session, pid, {"monthly_summary": sid, "change": outcome}, user)
        return sid


def delete_summary(library, summary_id: int, *, user: str | None = None,
                   expected_version: int | None = None) -> bool:
    return delete_by_id(library, MonthlySummaryRecord, summary_id, user, expected_version,
                         "monthly_summary")


def _to_summary(r: MonthlySummaryRecord) -> MonthlySummary:
    return MonthlySummary(r.start_date, r.end_date, r.headache_days, r.migraine_days,
                          r.acute_med_days, r.note or "")


def load_summary_records(library, patient: PatientRef) -> list[Stored[MonthlySummary]]:
    return load_stored(library, patient, MonthlySummaryRecord, MonthlySummaryRecord.start_date,
                 _to_summary)


def load_summaries(library, patient: PatientRef) -> list[MonthlySummary]:
    return [s.value for s in load_summary_records(library, patient)]


# --------------------------------------------------------------------------- treatments


def save_treatment(library, patient: PatientRef, treatment: Treatment, *,
                   treatment_id: int | None = None, user: str | None = None,
                   expected_version: int | None = None) -> int:
    """Insert or edit a treatment session with its units per site. Protocol deviations are
    stored as given (core.preempt.compare_with_protocol shows them); negative units are refused."""
    user = user or current_user()
    for site_id, units in treatment.sites.items():
        if units is None or float(units) < 0:
            raise CourseError(f"{site_id}: units {units!r} must be a number >= 0")
    if treatment.total_units is not None and float(treatment.total_units) < 0:
        raise CourseError(f"total units {treatment.total_units!r} must be >= 0")
    values = {"session_date": treatment.session_date, "product": treatment.product or "",
              "lot": treatment.lot or "", "expiry": treatment.expiry,
              "injector": treatment.injector or "",
              "total_units": None if treatment.total_units is None else float(treatment.total_units),
              "note": treatment.note or "",
              "session_time": treatment.session_time}
    sites = {str(k): float(v) for k, v in treatment.sites.items()}
    with library.session(write=True) as session:
        pid = resolve_patient_id(session, patient)
        other = session.scalar(sa.select(TreatmentRecord.id).where(
            TreatmentRecord.patient_id == pid,
            TreatmentRecord.session_date == treatment.session_date))
        if other is not None and other != treatment_id:
            raise CourseError(f"a treatment on {treatment.session_date.isoformat()} is already "
                              "recorded for this patient")
        if treatment_id is None:
            rec = TreatmentRecord(patient_id=pid, **values)
            rec.sites = [TreatmentSiteRecord(site_id=k, units=v) for k, v in sorted(sites.items())]
            insert_record(session, pid, rec, user)
            audit_edit(session, pid, {"treatment": rec.id, "change": "inserted"}, user)
            return rec.id
        rec = patients_record(session, TreatmentRecord, treatment_id, pid, "treatment")
        check_version(rec, expected_version)
        old = snapshot(rec)
        sites_changed = {s.site_id: s.units for s in rec.sites} != sites
        changed = apply_values(rec, values) or sites_changed
        if changed:
            touch(rec, user)  # the row itself changes, so its version is bumped once
            if sites_changed:
                rec.sites.clear()
                session.flush()
                rec.sites.extend(TreatmentSiteRecord(site_id=k, units=v)
                                 for k, v in sorted(sites.items()))
            session.flush()
            write_history(session, pid, rec, "update", old, snapshot(rec), user)
            audit_edit(session, pid, {"treatment": rec.id, "change": "updated"}, user)
        return rec.id


def delete_treatment(library, treatment_id: int, *, user: str | None = None,
                     expected_version: int | None = None) -> bool:
    return delete_by_id(library, TreatmentRecord, treatment_id, user, expected_version,
                         "treatment")


def _to_treatment(r: TreatmentRecord) -> Treatment:
    return Treatment(r.session_date, r.product, r.lot, r.expiry, r.injector, r.total_units,
                     {s.site_id: s.units for s in r.sites}, r.note or "",
                     session_time=r.session_time)


def load_treatment_records(library, patient: PatientRef) -> list[Stored[Treatment]]:
    return load_stored(library, patient, TreatmentRecord, TreatmentRecord.session_date, _to_treatment)


def load_treatments(library, patient: PatientRef) -> list[Treatment]:
    return [s.value for s in load_treatment_records(library, patient)]


# --------------------------------------------------------------------------- questionnaires


def save_questionnaire(library, patient: PatientRef, result: QuestionnaireResult, *,
                       note: str = "", questionnaire_id: int | None = None,
                       user: str | None = None, expected_version: int | None = None) -> int:
    user = user or current_user()
    # re-score so a stored result is always consistent with its answers
    checked = score_questionnaire(result.kind, result.date, result.items,
                                  None if result.items else result.score)
    values = {"kind": checked.kind, "taken_on": checked.date, "score": checked.score,
              "items_json": json.dumps(list(checked.items)), "note": note or ""}
    with library.session(write=True) as session:
        pid = resolve_patient_id(session, patient)
        if questionnaire_id is None:
            rec = QuestionnaireRecord(patient_id=pid, **values)
            insert_record(session, pid, rec, user)
            return rec.id
        rec = patients_record(session, QuestionnaireRecord, questionnaire_id, pid,
                               "questionnaire")
        check_version(rec, expected_version)
        old = snapshot(rec)
        if apply_values(rec, values):
            record_updated(session, pid, rec, old, user)
        return rec.id


def delete_questionnaire(library, questionnaire_id: int, *, user: str | None = None) -> bool:
    return delete_by_id(library, QuestionnaireRecord, questionnaire_id, user, None, None)


def _to_questionnaire(r: QuestionnaireRecord) -> QuestionnaireResult:
    items = json.loads(r.items_json or "[]")
    return score_questionnaire(r.kind, r.taken_on, items, None if items else r.score)


def load_questionnaires(library, patient: PatientRef) -> list[Stored[QuestionnaireResult]]:
    return load_stored(library, patient, QuestionnaireRecord, QuestionnaireRecord.taken_on,
                 _to_questionnaire)


# --------------------------------------------------------------------------- notes


def save_note(library, patient: PatientRef, scope: str, text: str, *, user: str | None = None,
              expected_version: int | None = None) -> int | None:
    """Set the note of a period ("period:cycle 2") or pair ("pair:12:34"); empty text deletes."""
    user = user or current_user()
    scope = scope.strip()
    if not scope:
        raise CourseError("a note needs a scope (period or pair)")
    with library.session(write=True) as session:
        pid = resolve_patient_id(session, patient)
        rec = session.scalar(sa.select(CourseNoteRecord).where(
            CourseNoteRecord.patient_id == pid, CourseNoteRecord.scope == scope))
        if rec is None:
            if not text.strip():
                return None
            rec = CourseNoteRecord(patient_id=pid, scope=scope, text=text)
            insert_record(session, pid, rec, user)
            return rec.id
        check_version(rec, expected_version)
        old = snapshot(rec)
        if not text.strip():
            write_history(session, pid, rec, "delete", old, None, user)
            session.delete(rec)
            return None
        if apply_values(rec, {"text": text}):
            record_updated(session, pid, rec, old, user)
        return rec.id


def load_notes(library, patient: PatientRef) -> dict[str, str]:
    with library.session() as session:
        pid = resolve_patient_id(session, patient)
        recs = session.scalars(sa.select(CourseNoteRecord).where(
            CourseNoteRecord.patient_id == pid).order_by(CourseNoteRecord.scope)).all()
        return {r.scope: r.text for r in recs}


# --------------------------------------------------------------------------- history, course


def history(library, patient: PatientRef, table: str | None = None) -> list[HistoryEntry]:
    """Every recorded change of the patient's course records, oldest first."""
    with library.session() as session:
        pid = resolve_patient_id(session, patient)
        query = sa.select(CourseHistory).where(CourseHistory.patient_id == pid)
        if table:
            query = query.where(CourseHistory.table_name == table)
        recs = session.scalars(query.order_by(CourseHistory.id)).all()
        return [HistoryEntry(r.id, r.table_name, r.record_id, r.action, r.changed_at,
                             r.changed_by, None if r.old_json is None else json.loads(r.old_json),
                             None if r.new_json is None else json.loads(r.new_json))
                for r in recs]


def load_course(library, patient_id: PatientRef, today: dt.date | None = None,
                settings: CourseSettings | None = None) -> CourseReport:
    """The patient's course report from what is stored (see core.course.compute_course)."""
    settings = settings or CourseSettings()
    with library.session() as session:
        pid = resolve_patient_id(session, patient_id)
    return compute_course(load_diary(library, pid), load_summaries(library, pid),
                          load_treatments(library, pid), today=today, settings=settings)


# --------------------------------------------------------------------------- CSV


def import_diary_csv(library, patient: PatientRef, path: str | Path, *,
                     skip_bad_rows: bool = False, user: str | None = None,
                     settings: CourseSettings | None = None) -> CsvImportResult:
    """Import a diary or monthly-summary CSV (core.diary_csv) into a patient's course.

    With bad rows and ``skip_bad_rows=False`` nothing is imported (``applied`` False, the rows
    listed). Days already stored are edited (with history) when the file differs; the import is
    one transaction.
    """
    settings = settings or CourseSettings()
    parsed: DiaryParse = parse_diary_csv(path, settings)
    bad = tuple(parsed.bad_rows)
    name = str(path)
    if bad and not skip_bad_rows:
        return CsvImportResult(name, parsed.kind, False, 0, 0, 0, 0, bad, tuple(parsed.warnings))
    user = user or current_user()
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    with library.session(write=True) as session:
        pid = resolve_patient_id(session, patient)
        if parsed.kind == "diary":
            counts = _save_days(session, pid, parsed.entries, user)
        else:
            for summary in parsed.summaries:
                counts[_save_summary(session, pid, summary, None, user)[1]] += 1
        if counts["inserted"] or counts["updated"]:
            audit_edit(session, pid, {"csv_import": Path(path).name, "kind": parsed.kind,
                                  "inserted": counts["inserted"], "updated": counts["updated"]},
                   user)
    return CsvImportResult(name, parsed.kind, True, counts["inserted"], counts["updated"],
                           counts["unchanged"], len(bad), bad, tuple(parsed.warnings))


def export_diary_csv(library, patient: PatientRef, path: str | Path, *,
                     summaries: bool = False) -> int:
    """Write the patient's diary (or, with ``summaries=True``, monthly summaries) as CSV in the
    import format; returns the number of rows written."""
    if summaries:
        items = load_summaries(library, patient)
        write_summary_csv(path, items)
    else:
        items = load_diary(library, patient)
        write_diary_csv(path, items)
    return len(items)
