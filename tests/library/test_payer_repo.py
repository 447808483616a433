"""Payer data in the library (migration m0005): diagnosis, preventives, payer, session extras —
every change audited and kept in the course history; frozen rows back; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from photocompare.core.course_figures import Treatment
from photocompare.core.errors import ConcurrentEditError, CourseError, LibraryError
from photocompare.core.payer_report import (
    Diagnosis,
    PayerDetails,
    PreventiveTrial,
    TreatmentExtra,
    build_payer_report,
)
from photocompare.core.payer_rules import NICE
from photocompare.library import audit
from photocompare.library import course_repo as crepo
from photocompare.library import payer_repo as repo
from photocompare.library.db import Library
from photocompare.library.migrations import current_revision
from photocompare.library.payer_models import PAYER_TABLES
from tests import payer_scenarios as sc

D = dt.date


@pytest.fixture
def lib(library_url, library_store):
    library = Library.open(library_url, store=library_store)
    library.add_patient("P-200", display_name="Anna Beispiel")
    yield library
    library.close()


def test_migration_5_creates_tables_matching_the_orm(lib):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from photocompare.library.models import Base

    with lib.engine.connect() as conn:
        assert current_revision(conn) >= 5
        assert set(PAYER_TABLES) <= set(sa.inspect(conn).get_table_names())
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    text = repr(diffs)
    assert not any(t in text for t in PAYER_TABLES), text


def test_round_trip_with_history_audit_and_versions(lib):
    trial = PreventiveTrial("Topiramate", "antiepileptic", D(2022, 1, 1), D(2022, 3, 31),
                            "50 mg twice daily", "ineffective", "no effect at 100 mg/day")
    pid = repo.save_preventive(lib, "P-200", trial, user="dr_a")
    stored = repo.load_preventives(lib, "P-200")
    assert [s.value for s in stored] == [trial]
    with pytest.raises(AttributeError):
        stored[0].value.drug = "x"  # frozen rows
    repo.save_preventive(lib, "P-200", PreventiveTrial(
        "Topiramate", "antiepileptic", D(2022, 1, 1), D(2022, 4, 30), "50 mg twice daily",
        "ineffective"), preventive_id=pid, user="dr_b", expected_version=stored[0].row_version)
    with pytest.raises(ConcurrentEditError):
        repo.save_preventive(lib, "P-200", trial, preventive_id=pid,
                             expected_version=stored[0].row_version)
    assert repo.delete_preventive(lib, pid, user="dr_c")
    assert repo.load_preventives(lib, "P-200") == []

    repo.set_diagnosis(lib, "P-200", Diagnosis("g43.7", D(2015, 5, 1)), user="dr_a")
    repo.set_diagnosis(lib, "P-200", Diagnosis("G43.709", D(2015, 5, 1)), user="dr_a")
    assert repo.get_diagnosis(lib, "P-200").value == Diagnosis("G43.709", D(2015, 5, 1))
    repo.set_payer(lib, "P-200", PayerDetails("AOK Bayern", "Standard", "A123456789", "AUTH-9"))
    assert repo.get_payer(lib, "P-200").value.member_id == "A123456789"

    hist = crepo.history(lib, "P-200", table="payer_preventives")
    assert [(h.action, h.changed_by) for h in hist] == [
        ("insert", "dr_a"), ("update", "dr_b"), ("delete", "dr_c")]
    assert hist[1].old["stop_date"] == "2022-03-31" and hist[1].new["stop_date"] == "2022-04-30"
    assert hist[2].new is None and hist[2].old["drug"] == "Topiramate"
    diag = crepo.history(lib, "P-200", table="payer_diagnoses")
    assert [h.action for h in diag] == ["insert", "update"]
    assert diag[0].new["icd10_code"] == "G43.7"

    entries = audit.entries(lib, action=audit.PAYER_DATA_EDITED)
    assert len(entries) == 3 + 2 + 1
    # the log says which kind of record changed, never the member ID, drug or name
    joined = json.dumps([e.details for e in entries])
    assert "A123456789" not in joined and "Topiramate" not in joined and "Anna" not in joined


def test_bad_values_are_refused_with_nothing_stored(lib):
    with pytest.raises(CourseError, match="class 'statin' is not one of"):
        repo.save_preventive(lib, "P-200", PreventiveTrial(
            "Simvastatin", "statin", D(2022, 1, 1), None, "", "ineffective"))
    with pytest.raises(CourseError, match="stops .* before it starts"):
        repo.save_preventive(lib, "P-200", PreventiveTrial(
            "Topiramate", "antiepileptic", D(2022, 1, 1), D(2021, 1, 1), "", "ineffective"))
    with pytest.raises(CourseError, match="does not look like one"):
        repo.set_diagnosis(lib, "P-200", Diagnosis("migraine"))
    with pytest.raises(LibraryError, match="no patient"):
        repo.set_payer(lib, "P-999", PayerDetails("AOK"))
    assert repo.load_preventives(lib, "P-200") == []
    assert repo.get_diagnosis(lib, "P-200") is None
    assert crepo.history(lib, "P-200") == []


def test_report_from_the_library_equals_the_report_from_memory(lib):
    inputs = sc.responder_30_not_50()
    crepo.save_diary_days(lib, "P-200", inputs.diary)
    for t in inputs.treatments:
        crepo.save_treatment(lib, "P-200", t)
    for q in inputs.questionnaires:
        crepo.save_questionnaire(lib, "P-200", q)
    repo.save_treatment_extra(lib, "P-200", sc.T1, TreatmentExtra(31, 0.0))
    loaded = repo.load_payer_inputs(lib, "P-200")
    assert loaded.treatment_extras == {sc.T1: TreatmentExtra(31, 0.0)}
    report = build_payer_report("renewal", loaded, NICE)
    expected = build_payer_report("renewal", inputs, NICE)
    got, want = report.to_json(), expected.to_json()
    assert got["treatments"][0]["sites"] == 31 and want["treatments"][0]["sites"] is None
    got["treatments"][0]["sites"] = None
    assert got == want
    # deleting the treatment takes its extras with it (ON DELETE CASCADE)
    tid = crepo.load_treatment_records(lib, "P-200")[0].id
    crepo.delete_treatment(lib, tid)
    assert repo.load_treatment_extras(lib, "P-200") == {}


def test_treatment_extra_needs_a_session_that_day(lib):
    crepo.save_treatment(lib, "P-200", Treatment(D(2024, 4, 1)))
    with pytest.raises(LibraryError, match="no treatment on 2024-04-02"):
        repo.save_treatment_extra(lib, "P-200", D(2024, 4, 2), TreatmentExtra(31))
