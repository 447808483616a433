"""The library API of the migraine course: diary, monthly summaries, treatment sessions,
questionnaires and notes, over the course repository (`photocompare.library.course_repo`).

Thin pass-throughs plus the few read helpers the widgets share (a stored session's date, lot,
units and protocol deviations — the last two computed by the core, not here). Keeping the calls
in one module means a change in the repository's signatures touches one file. Writes run inside
`library.errors.mapped_errors`, so a database failure reaches the user as one sentence, like
every other write of the library API.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from photocompare.core import preempt
from photocompare.core.course import CourseReport
from photocompare.core.course_figures import DiaryDay, MonthlySummary, Treatment
from photocompare.core.dates import as_date  # noqa: F401  (re-exported for the editors)
from photocompare.library import api, course_repo
from photocompare.library.errors import mapped_errors

_ALIASES = {"date": "session_date", "lot_number": "lot"}


def get(obj: Any, name: str, default: Any = None) -> Any:
    """A field of a stored record (`course_records.Stored`) or of a plain value; None-safe."""
    if obj is None:
        return default
    if name in ("id", "row_version") and hasattr(obj, "value"):
        return getattr(obj, name, default)
    value = getattr(obj, "value", obj)
    name = _ALIASES.get(name, name) if not hasattr(value, name) else name
    return getattr(value, name, default)


# --- course -------------------------------------------------------------------------------------
def load_report(
    library: Any, patient_id: int | str, *, today: dt.date | None = None, settings: Any = None
) -> CourseReport:
    """The patient's course computed by the core (`patient_id`: internal id or external ID)."""
    return course_repo.load_course(library, patient_id, today=today, settings=settings)


def patient_title(library: Any, patient_id: int) -> str:
    row = api.get_patient(library, patient_id)
    return row.label if row is not None else f"Patient {patient_id}"


# --- diary --------------------------------------------------------------------------------------
def load_diary(library: Any, patient_id: int) -> list[DiaryDay]:
    return course_repo.load_diary(library, patient_id)


def save_day(library: Any, patient_id: int, day: DiaryDay) -> str:
    with mapped_errors("saving the diary day"):
        return course_repo.save_diary_day(library, patient_id, day)


def delete_day(library: Any, patient_id: int, day: dt.date) -> bool:
    with mapped_errors("deleting the diary day"):
        return course_repo.delete_diary_day(library, patient_id, day)


def load_summaries(library: Any, patient_id: int) -> list[Any]:
    """Stored monthly summaries (`.id`, `.value` = MonthlySummary)."""
    return course_repo.load_summary_records(library, patient_id)


def save_summary(library: Any, patient_id: int, summary: MonthlySummary) -> int:
    with mapped_errors("saving the monthly summary"):
        return course_repo.save_summary(library, patient_id, summary)


def delete_summary(library: Any, stored: Any) -> bool:
    with mapped_errors("deleting the monthly summary"):
        return course_repo.delete_summary(library, stored.id, expected_version=stored.row_version)


def import_csv(library: Any, patient_id: int, path: str | Path, *, skip_bad_rows: bool) -> Any:
    """`course_repo.import_diary_csv`: all or nothing unless bad rows are to be skipped."""
    with mapped_errors("importing the diary"):
        return course_repo.import_diary_csv(library, patient_id, path, skip_bad_rows=skip_bad_rows)


def export_csv(library: Any, patient_id: int | str, path: str | Path, *, summaries: bool) -> int:
    """Write the diary (or the monthly summaries) as CSV in the import format; rows written."""
    return course_repo.export_diary_csv(library, patient_id, path, summaries=summaries)


# --- treatment sessions -------------------------------------------------------------------------
def list_sessions(library: Any, patient_id: int) -> list[Any]:
    """Stored treatment sessions (`.id`, `.row_version`, `.value` = Treatment), by date."""
    return course_repo.load_treatment_records(library, patient_id)


def session_date(stored: Any) -> dt.date:
    return get(stored, "session_date") or dt.date.min


def session_lot(stored: Any) -> str:
    return get(stored, "lot") or ""


def session_sites(stored: Any) -> dict[str, float]:
    return dict(get(stored, "sites") or {})


def session_units(stored: Any) -> float | None:
    value = getattr(stored, "value", stored)
    return value.units if isinstance(value, Treatment) else None


def session_deviations(stored: Any) -> list[preempt.Deviation]:
    return preempt.compare_with_protocol(session_sites(stored), get(stored, "total_units"))


def save_session(
    library: Any, patient_id: int, values: dict[str, Any], *, session: Any | None = None
) -> int:
    """Insert (session None) or edit a treatment session; returns its id."""
    treatment = Treatment(
        session_date=values["date"],
        product=values.get("product", ""),
        lot=values.get("lot_number", ""),
        expiry=values.get("expiry"),
        injector=values.get("injector", ""),
        total_units=values.get("total_units"),
        sites=dict(values.get("sites", {})),
        note=values.get("note", ""),
        session_time=values.get("session_time"),
    )
    with mapped_errors("saving the treatment session"):
        return course_repo.save_treatment(
            library,
            patient_id,
            treatment,
            treatment_id=get(session, "id"),
            expected_version=get(session, "row_version"),
        )


# --- questionnaires, notes ----------------------------------------------------------------------
def list_questionnaires(library: Any, patient_id: int) -> list[Any]:
    return course_repo.load_questionnaires(library, patient_id)


def save_questionnaire(library: Any, patient_id: int, result: Any, *, note: str = "") -> int:
    """Store a scored MIDAS / HIT-6 (`core.questionnaires.QuestionnaireResult`); returns its id."""
    with mapped_errors("saving the questionnaire"):
        return course_repo.save_questionnaire(library, patient_id, result, note=note)


def questionnaire_text(stored: Any) -> str:
    q = getattr(stored, "value", stored)
    name = {"midas": "MIDAS", "hit6": "HIT-6"}.get(q.kind, q.kind)
    grade = f"grade {q.grade}" if q.kind == "midas" else q.grade
    return f"{q.date.isoformat()}  {name} {q.score} — {grade}" + (
        f" ({q.description})" if q.description and q.description != q.grade else ""
    )


def get_note(library: Any, patient_id: int, scope: str) -> str:
    return course_repo.load_notes(library, patient_id).get(scope, "")


def set_note(library: Any, patient_id: int, scope: str, text: str) -> None:
    with mapped_errors("saving the note"):
        course_repo.save_note(library, patient_id, scope, text)
