"""Save, edit, delete and load the payer data of a patient, keeping the history of every change.

Diagnosis (ICD-10 code, onset date), prior preventive treatments, the patient's insurer, and the
site count / follow-the-pain units of sessions entered without site-by-site units. Like the
course (library/course_repo.py): every function takes the open `Library` and a patient as its
internal id or external ID; each call is one transaction; every insert/update/delete writes a
`course_history` row (who, when, old and new values) and an audit-log line (`payer_data_edited`,
without names or member numbers); edits take an optional `expected_version` and raise
`ConcurrentEditError` when another workstation changed the record meanwhile. Values come back
as frozen `Stored` rows.

`load_payer_inputs` gathers everything core.payer_report needs for one patient.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from photocompare.core.errors import CourseError, LibraryError
from photocompare.core.payer_report import (
    Diagnosis,
    PayerDetails,
    PayerInputs,
    PreventiveTrial,
    ReportPhoto,
    TreatmentExtra,
)
from photocompare.library import audit
from photocompare.library.audit import current_user
from photocompare.library.course_models import TreatmentRecord
from photocompare.library.course_records import (
    PatientRef,
    Stored,
    apply_values,
    check_version,
    resolve_patient_id,
    snapshot,
    touch,
    write_history,
)
from photocompare.library.course_repo import (
    load_diary,
    load_notes,
    load_questionnaires,
    load_summaries,
    load_treatments,
)
from photocompare.library.models import Patient
from photocompare.library.payer_models import (
    DiagnosisRecord,
    PatientPayerRecord,
    PreventiveRecord,
    TreatmentExtraRecord,
)

ICD10_MAX = 16


# --------------------------------------------------------------------------- helpers


def _history(session: Session, pid: int, record: Any, action: str,
             old: dict[str, Any] | None, new: dict[str, Any] | None, user: str) -> None:
    write_history(session, pid, record, action, old, new, user)
    # The audit line says what kind of record changed, never its content (a member ID or a
    # drug is health data the log must not repeat).
    audit.record(session, audit.PAYER_DATA_EDITED, patient_id=pid,
                 details={"table": record.__tablename__, "record": record.id, "change": action},
                 user=user)


def _save(session: Session, pid: int, record: Any | None, make: Any, values: dict[str, Any],
          user: str, expected_version: int | None) -> tuple[Any, str]:
    """Insert `make(**values)` when `record` is None, else edit it; history for either."""
    if record is None:
        record = make(patient_id=pid, **values)
        touch(record, user)
        session.add(record)
        session.flush()
        _history(session, pid, record, "insert", None, snapshot(record), user)
        return record, "inserted"
    check_version(record, expected_version)
    old = snapshot(record)
    if not apply_values(record, values):
        return record, "unchanged"
    touch(record, user)
    session.flush()
    _history(session, pid, record, "update", old, snapshot(record), user)
    return record, "updated"


def _delete(session: Session, record: Any, user: str, expected_version: int | None) -> None:
    check_version(record, expected_version)
    _history(session, record.patient_id, record, "delete", snapshot(record), None, user)
    session.delete(record)


def _stored(record: Any, value: Any) -> Stored:
    return Stored(record.id, value, record.row_version, record.updated_at, record.updated_by)


def _text(value: str | None, what: str, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise CourseError(f"{what} is longer than {limit} characters")
    return text


# --------------------------------------------------------------------------- diagnosis


def set_diagnosis(library, patient: PatientRef, diagnosis: Diagnosis, *,
                  user: str | None = None, expected_version: int | None = None) -> int:
    """Record (or change) the patient's diagnosis; returns the record id."""
    code = _text(diagnosis.icd10_code, "the ICD-10 code", ICD10_MAX).upper()
    if not code or not code[0].isalpha() or not code[1:3].isdigit():
        raise CourseError(f"ICD-10 code {diagnosis.icd10_code!r} does not look like one "
                          "(a letter and two digits, e.g. G43.7)")
    user = user or current_user()
    with library.session(write=True) as session:
        pid = resolve_patient_id(session, patient)
        if diagnosis.onset_date is not None and diagnosis.onset_date > dt.date.today():
            raise CourseError(f"onset {diagnosis.onset_date.isoformat()} is in the future")
        rec = session.scalar(sa.select(DiagnosisRecord).where(DiagnosisRecord.patient_id == pid))
        rec, _ = _save(session, pid, rec, DiagnosisRecord,
                       {"icd10_code": code, "onset_date": diagnosis.onset_date}, user,
                       expected_version)
        return rec.id


def get_diagnosis(library, patient: PatientRef) -> Stored[Diagnosis] | None:
    with library.session() as session:
        pid = resolve_patient_id(session, patient)
        rec = session.scalar(sa.select(DiagnosisRecord).where(DiagnosisRecord.patient_id == pid))
        return None if rec is None else _stored(rec, Diagnosis(rec.icd10_code, rec.onset_date))


def clear_diagnosis(library, patient: PatientRef, *, user: str | None = None,
                    expected_version: int | None = None) -> bool:
    user = user or current_user()
    with library.session(write=True) as session:
        pid = resolve_patient_id(session, patient)
        rec = session.scalar(sa.select(DiagnosisRecord).where(DiagnosisRecord.patient_id == pid))
        if rec is None:
            return False
        _delete(session, rec, user, expected_version)
        return True


# --------------------------------------------------------------------------- preventives


def _preventive_values(p: PreventiveTrial) -> dict[str, Any]:
    p = p.checked()
    return {"drug": _text(p.drug, "the drug name", 120), "drug_class": p.drug_class,
            "dose": _text(p.dose, "the dose", 120), "start_date": p.start,
            "stop_date": p.stop, "outcome": p.outcome, "note": (p.note or "").strip()}


def save_preventive(library, patient: PatientRef, preventive: PreventiveTrial, *,
                    preventive_id: int | None = None, user: str | None = None,
                    expected_version: int | None = None) -> int:
    """Insert a preventive trial, or edit the one with ``preventive_id``; returns its id."""
    values = _preventive_values(preventive)
    user = user or current_user()
    with library.session(write=True) as session:
        pid = resolve_patient_id(session, patient)
        rec = None
        if preventive_id is not None:
            rec = session.get(PreventiveRecord, preventive_id)
            if rec is None or rec.patient_id != pid:
                raise LibraryError(f"no preventive {preventive_id} for this patient")
        rec, _ = _save(session, pid, rec, PreventiveRecord, values, user, expected_version)
        return rec.id


def delete_preventive(library, preventive_id: int, *, user: str | None = None,
                      expected_version: int | None = None) -> bool:
    user = user or current_user()
    with library.session(write=True) as session:
        rec = session.get(PreventiveRecord, preventive_id)
        if rec is None:
            return False
        _delete(session, rec, user, expected_version)
        return True


def _to_preventive(r: PreventiveRecord) -> PreventiveTrial:
    return PreventiveTrial(r.drug, r.drug_class, r.start_date, r.stop_date, r.dose or "",
                           r.outcome, r.note or "")


def load_preventives(library, patient: PatientRef) -> list[Stored[PreventiveTrial]]:
    with library.session() as session:
        pid = resolve_patient_id(session, patient)
        recs = session.scalars(sa.select(PreventiveRecord).where(PreventiveRecord.patient_id == pid)
                               .order_by(PreventiveRecord.start_date, PreventiveRecord.id)).all()
        return [_stored(r, _to_preventive(r)) for r in recs]


# --------------------------------------------------------------------------- the patient's payer


def set_payer(library, patient: PatientRef, payer: PayerDetails, *, user: str | None = None,
              expected_version: int | None = None) -> int:
    name = _text(payer.payer_name, "the payer's name", 200)
    if not name:
        raise CourseError("the payer needs a name")
    values = {"payer_name": name, "plan": _text(payer.plan, "the plan", 200),
              "member_id": _text(payer.member_id, "the member ID", 64),
              "authorisation_number": _text(payer.authorisation_number,
                                            "the authorisation number", 64)}
    user = user or current_user()
    with library.session(write=True) as session:
        pid = resolve_patient_id(session, patient)
        rec = session.scalar(sa.select(PatientPayerRecord)
                             .where(PatientPayerRecord.patient_id == pid))
        rec, _ = _save(session, pid, rec, PatientPayerRecord, values, user, expected_version)
        return rec.id


def get_payer(library, patient: PatientRef) -> Stored[PayerDetails] | None:
    with library.session() as session:
        pid = resolve_patient_id(session, patient)
        rec = session.scalar(sa.select(PatientPayerRecord)
                             .where(PatientPayerRecord.patient_id == pid))
        if rec is None:
            return None
        return _stored(rec, PayerDetails(rec.payer_name, rec.plan, rec.member_id,
                                         rec.authorisation_number))


def clear_payer(library, patient: PatientRef, *, user: str | None = None,
                expected_version: int | None = None) -> bool:
    user = user or current_user()
    with library.session(write=True) as session:
        pid = resolve_patient_id(session, patient)
        rec = session.scalar(sa.select(PatientPayerRecord)
                             .where(PatientPayerRecord.patient_id == pid))
        if rec is None:
            return False
        _delete(session, rec, user, expected_version)
        return True


# --------------------------------------------------------------------------- session extras


def save_treatment_extra(library, patient: PatientRef, session_date: dt.date,
                         extra: TreatmentExtra, *, user: str | None = None) -> int:
    """Site count / follow-the-pain units of the patient's session on ``session_date``."""
    if extra.site_count is not None and not 0 <= extra.site_count <= 100:
        raise CourseError(f"{extra.site_count} sites is outside 0-100")
    if extra.follow_the_pain_units is not None and extra.follow_the_pain_units < 0:
        raise CourseError("follow-the-pain units must be 0 or more")
    user = user or current_user()
    with library.session(write=True) as session:
        pid = resolve_patient_id(session, patient)
        tid = session.scalar(sa.select(TreatmentRecord.id).where(
            TreatmentRecord.patient_id == pid, TreatmentRecord.session_date == session_date))
        if tid is None:
            raise LibraryError(f"no treatment on {session_date.isoformat()} for this patient")
        rec = session.scalar(sa.select(TreatmentExtraRecord)
                             .where(TreatmentExtraRecord.treatment_id == tid))
        values = {"treatment_id": tid, "site_count": extra.site_count,
                  "follow_the_pain_units": extra.follow_the_pain_units}
        rec, _ = _save(session, pid, rec, TreatmentExtraRecord, values, user, None)
        return rec.id


def load_treatment_extras(library, patient: PatientRef) -> dict[dt.date, TreatmentExtra]:
    with library.session() as session:
        pid = resolve_patient_id(session, patient)
        rows = session.execute(
            sa.select(TreatmentRecord.session_date, TreatmentExtraRecord.site_count,
                      TreatmentExtraRecord.follow_the_pain_units)
            .join(TreatmentExtraRecord, TreatmentExtraRecord.treatment_id == TreatmentRecord.id)
            .where(TreatmentRecord.patient_id == pid)).all()
        return {d: TreatmentExtra(n, f) for d, n, f in rows}


# --------------------------------------------------------------------------- consent, photos


def has_insurer_consent(library, patient: PatientRef) -> bool:
    """Whether the patient agreed to an insurer seeing their records: consent is kept per photo
    and use (library/consent.py), so this is consent for `insurer` in force on at least one of
    the patient's photos that is not in the trash."""
    from photocompare.library.consent import INSURER, has_consent
    from photocompare.library.models import Photo

    with library.session() as session:
        pid = resolve_patient_id(session, patient)
        ids = session.scalars(sa.select(Photo.id).where(Photo.patient_id == pid)).all()
        return any(has_consent(session, i, INSURER) and session.get(Photo, i).deleted_at is None
                   for i in ids)


def load_report_photos(library, patient: PatientRef, photo_ids: list[int],
                       max_side: int = 1600) -> tuple[ReportPhoto, ...]:
    """The before/after photos for a report, refused (ConsentMissing, logged) unless each has
    the patient's consent for an insurer; photos of another patient are refused too."""
    from photocompare.core.images import load_rgb
    from photocompare.library.consent import INSURER, require_consent
    from photocompare.library.models import Photo

    with library.session() as session:
        pid = resolve_patient_id(session, patient)
        rows = []
        for photo_id in photo_ids:
            photo = session.get(Photo, photo_id)
            if photo is None or photo.patient_id != pid:
                raise LibraryError(f"photo id {photo_id} is not a photo of this patient")
            taken = photo.taken_at or photo.imported_at
            rows.append((photo_id, photo.sha256, taken.date() if taken else None))
    require_consent(library, photo_ids, INSURER)
    return tuple(ReportPhoto(i, day, load_rgb(library.store.path_for(sha),
                                              max_side=max_side).rgb)
                 for i, sha, day in rows)


# --------------------------------------------------------------------------- report inputs


def load_payer_inputs(library, patient: PatientRef) -> PayerInputs:
    """Everything core.payer_report needs for one patient, read in a few queries."""
    with library.session() as session:
        pid = resolve_patient_id(session, patient)
        row = session.get(Patient, pid)
        external_id, name, birth_year = row.external_id, row.display_name or "", row.birth_year
    diagnosis = get_diagnosis(library, pid)
    payer = get_payer(library, pid)
    return PayerInputs(
        patient_id=external_id,
        diary=tuple(load_diary(library, pid)),
        summaries=tuple(load_summaries(library, pid)),
        treatments=tuple(load_treatments(library, pid)),
        questionnaires=tuple(s.value for s in load_questionnaires(library, pid)),
        preventives=tuple(s.value for s in load_preventives(library, pid)),
        diagnosis=None if diagnosis is None else diagnosis.value,
        payer=None if payer is None else payer.value,
        birth_year=birth_year, display_name=name,
        treatment_extras=load_treatment_extras(library, pid),
        notes=load_notes(library, pid),
    )
