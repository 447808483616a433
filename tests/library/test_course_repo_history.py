"""The migraine course in the library: save/edit/delete keep history; CSV import all-or-nothing.

Runs on SQLite and (when the throwaway server is available) PostgreSQL via `library_url`."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from photocompare.core.course_figures import DiaryDay, MedicationClass, MonthlySummary, Treatment
from photocompare.core.errors import ConcurrentEditError, CourseError, LibraryError
from photocompare.core.preempt import compare_with_protocol, protocol_units
from photocompare.core.questionnaires import hit6, midas
from photocompare.library import course_repo as repo
from photocompare.library.course_models import COURSE_TABLES, DiaryEntryRecord
from photocompare.library.db import Library
from photocompare.library.migrations import current_revision

D = dt.date


@pytest.fixture
def lib(library_url, library_store):
    library = Library.open(library_url, store=library_store)
    library.add_patient("P-100", display_name="Test Patient")
    yield library
    library.close()


def test_migration_creates_the_course_tables(lib):
    with lib.engine.connect() as conn:
        assert current_revision(conn) >= 2
        tables = set(sa.inspect(conn).get_table_names())
    assert set(COURSE_TABLES) <= tables


def test_migrated_course_schema_matches_the_orm(lib):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from photocompare.library.models import Base

    def tables_of(diff) -> set[str]:
        items = diff if isinstance(diff, list) else [diff]
        names = set()
        for item in items:
            for obj in item[1:]:
                table = getattr(obj, "table", None)
                names.add(getattr(table, "name", None) or getattr(obj, "name", None) or obj)
        return {n for n in names if isinstance(n, str)}

    with lib.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ours = [d for d in diffs if tables_of(d) & set(COURSE_TABLES)]
    assert ours == []


def test_diary_edit_and_delete_keep_who_when_old_and_new(lib):
    day = DiaryDay(D(2024, 3, 1), True, True, 5.0, 7, True, MedicationClass.TRIPTAN, "first")
    assert repo.save_diary_day(lib, "P-100", day, user="dr.a") == "inserted"
    assert repo.save_diary_day(lib, "P-100", day, user="dr.a") == "unchanged"
    edited = DiaryDay(D(2024, 3, 1), True, False, 5.0, 6, True, MedicationClass.TRIPTAN, "typo")
    assert repo.save_diary_day(lib, "P-100", edited, user="dr.b") == "updated"
    assert repo.load_diary(lib, "P-100") == [edited]
    assert repo.delete_diary_day(lib, "P-100", D(2024, 3, 1), user="dr.c") is True
    assert repo.delete_diary_day(lib, "P-100", D(2024, 3, 1)) is False
    assert repo.load_diary(lib, "P-100") == []

    trail = repo.history(lib, "P-100", table="course_diary_entries")
    assert [(h.action, h.changed_by) for h in trail] == [
        ("insert", "dr.a"), ("update", "dr.b"), ("delete", "dr.c")]
    assert trail[0].old is None and trail[0].new["intensity"] == 7
    assert (trail[1].old["migraine"], trail[1].new["migraine"]) == (True, False)
    assert (trail[1].old["intensity"], trail[1].new["intensity"]) == (7, 6)
    assert trail[2].old["note"] == "typo" and trail[2].new is None
    assert all(isinstance(h.changed_at, dt.datetime) for h in trail)


def test_default_user_is_the_login_name(lib):
    import getpass

    repo.save_diary_day(lib, "P-100", DiaryDay(D(2024, 3, 2), False))
    assert repo.history(lib, "P-100")[-1].changed_by == getpass.getuser()


def test_stale_version_is_refused_and_nothing_changes(lib):
    repo.save_diary_day(lib, "P-100", DiaryDay(D(2024, 3, 1), True, intensity=5))
    stored = repo.load_diary_records(lib, "P-100")[0]
    repo.save_diary_day(lib, "P-100", DiaryDay(D(2024, 3, 1), True, intensity=6),
                        expected_version=stored.row_version)  # another workstation
    with pytest.raises(ConcurrentEditError):
        repo.save_diary_day(lib, "P-100", DiaryDay(D(2024, 3, 1), True, intensity=9),
                            expected_version=stored.row_version)
    assert repo.load_diary(lib, "P-100")[0].intensity == 6


def test_treatment_with_sites_edit_and_delete(lib):
    sites = protocol_units()
    t = Treatment(D(2024, 1, 29), "onabotulinumtoxinA", "C1234", D(2025, 6, 30), "Dr A", 155, sites)
    tid = repo.save_treatment(lib, "P-100", t, user="dr.a")
    loaded = repo.load_treatment_records(lib, "P-100")[0]
    assert loaded.id == tid and loaded.value == t and len(loaded.value.sites) == 31
    assert compare_with_protocol(loaded.value.sites, loaded.value.total_units) == []
    # a deviation is stored as given (shown, not refused)
    changed = dict(sites, frontalis_R1=2.5)
    t2 = Treatment(D(2024, 1, 29), "onabotulinumtoxinA", "C1234", D(2025, 6, 30), "Dr A", 152.5, changed)
    repo.save_treatment(lib, "P-100", t2, treatment_id=tid, user="dr.b",
                        expected_version=loaded.row_version)
    reloaded = repo.load_treatment_records(lib, "P-100")[0]
    assert reloaded.value.sites["frontalis_R1"] == 2.5
    assert reloaded.row_version == loaded.row_version + 1
    assert [d.site_id for d in compare_with_protocol(reloaded.value.sites, 152.5)] == ["frontalis_R1"]
    with pytest.raises(CourseError, match="already recorded"):
        repo.save_treatment(lib, "P-100", Treatment(D(2024, 1, 29)))
    with pytest.raises(CourseError, match="units"):
        repo.save_treatment(lib, "P-100", Treatment(D(2024, 4, 22), sites={"procerus_M1": -5}))
    assert repo.delete_treatment(lib, tid, user="dr.c")
    trail = repo.history(lib, "P-100", table="course_treatments")
    assert [h.action for h in trail] == ["insert", "update", "delete"]
    assert trail[1].old["sites"]["frontalis_R1"] == 5.0 and trail[1].new["sites"]["frontalis_R1"] == 2.5
    assert trail[2].old["lot"] == "C1234"
    with lib.session() as s:  # the sites went with the session
        assert s.scalar(sa.text("SELECT count(*) FROM course_treatment_sites")) == 0


def test_summaries_questionnaires_and_notes(lib):
    sid = repo.save_summary(lib, "P-100", MonthlySummary(D(2024, 1, 1), D(2024, 1, 31), 18, 9, 12))
    # same range again = an edit of it
    assert repo.save_summary(lib, "P-100", MonthlySummary(D(2024, 1, 1), D(2024, 1, 31), 17, 9, 12)) == sid
    with pytest.raises(CourseError, match="overlaps"):
        repo.save_summary(lib, "P-100", MonthlySummary(D(2024, 1, 20), D(2024, 2, 10), 5))
    assert repo.load_summaries(lib, "P-100")[0].headache_days == 17

    qid = repo.save_questionnaire(lib, "P-100", midas(D(2024, 1, 15), [3, 4, 5, 6, 7]))
    repo.save_questionnaire(lib, "P-100", hit6(D(2024, 1, 15), score=64))
    stored = repo.load_questionnaires(lib, "P-100")
    assert [(q.value.kind, q.value.score, q.value.grade) for q in stored] == [
        ("midas", 25, "IV"), ("hit6", 64, "severe impact")]
    assert repo.delete_questionnaire(lib, qid)

    repo.save_note(lib, "P-100", "period:cycle 1", "better since March", user="dr.a")
    repo.save_note(lib, "P-100", "period:cycle 1", "much better since March", user="dr.b")
    assert repo.load_notes(lib, "P-100") == {"period:cycle 1": "much better since March"}
    repo.save_note(lib, "P-100", "period:cycle 1", "")
    assert repo.load_notes(lib, "P-100") == {}
    actions = [(h.table, h.action) for h in repo.history(lib, "P-100")]
    assert ("course_monthly_summaries", "update") in actions
    assert ("course_questionnaires", "delete") in actions
    assert [a for t, a in actions if t == "course_notes"] == ["insert", "update", "delete"]


def test_load_course_from_the_library(lib):
    # baseline 2024-01-01..01-28: 20 headache of 28; cycle 1: 8 of 28 -> -60 %
    days = [DiaryDay(D(2024, 1, 1) + dt.timedelta(days=i), headache=i < 20, migraine=i < 10)
            for i in range(28)]
    days += [DiaryDay(D(2024, 1, 29) + dt.timedelta(days=i), headache=i < 8) for i in range(28)]
    counts = repo.save_diary_days(lib, "P-100", days)
    assert counts == repo.SaveCounts(inserted=56)
    repo.save_treatment(lib, "P-100", Treatment(D(2024, 1, 29), total_units=155,
                                                sites=protocol_units()))
    report = repo.load_course(lib, "P-100")
    base, cycle = report.periods
    assert (base.headache_days_per_28, cycle.headache_days_per_28) == (20.0, 8.0)
    assert cycle.headache_change_pct == -60.0 and cycle.responder_50 is True
    # by internal id too
    with lib.session() as s:
        pid = s.scalar(sa.text("SELECT id FROM patients WHERE external_id = 'P-100'"))
    assert repo.load_course(lib, pid).to_json() == report.to_json()
    with pytest.raises(LibraryError, match="no patient"):
        repo.load_course(lib, "P-999")


def test_csv_with_bad_rows_imports_nothing_unless_skipping(lib, tmp_path):
    path = tmp_path / "diary.csv"
    path.write_text("date,headache,intensity\n2024-03-01,yes,5\n2024-03-02,perhaps,\n"
                    "2024-03-03,no,\n2024-03-01,no,\n", encoding="utf-8")
    result = repo.import_diary_csv(lib, "P-100", path)
    assert not result.applied and [line for line, _ in result.bad_rows] == [3, 5]
    with lib.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(DiaryEntryRecord)) == 0
    result = repo.import_diary_csv(lib, "P-100", path, skip_bad_rows=True)
    assert result.applied and (result.inserted, result.skipped_bad_rows) == (2, 2)
    assert [d.date for d in repo.load_diary(lib, "P-100")] == [D(2024, 3, 1), D(2024, 3, 3)]
    # importing a corrected file edits the stored day (with history) and adds the new one
    path.write_text("date,headache,intensity\n2024-03-01,yes,6\n2024-03-02,no,\n2024-03-03,no,\n",
                    encoding="utf-8")
    result = repo.import_diary_csv(lib, "P-100", path)
    assert (result.inserted, result.updated, result.unchanged) == (1, 1, 1)
    # export writes the same format back
    out = tmp_path / "export.csv"
    assert repo.export_diary_csv(lib, "P-100", out) == 3
    assert out.read_text(encoding="utf-8").splitlines()[1] == "2024-03-01,yes,no,,6,no,,"


def test_a_failing_batch_leaves_the_library_unchanged(lib):
    repo.save_diary_day(lib, "P-100", DiaryDay(D(2024, 3, 1), True, intensity=4))
    batch = [DiaryDay(D(2024, 3, 1), True, intensity=8), DiaryDay(D(2024, 3, 2), True, intensity=11)]
    with pytest.raises(CourseError, match="intensity 11"):
        repo.save_diary_days(lib, "P-100", batch)
    assert repo.load_diary(lib, "P-100") == [DiaryDay(D(2024, 3, 1), True, intensity=4)]
    assert len(repo.history(lib, "P-100")) == 1
