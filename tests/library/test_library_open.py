"""Opening libraries: folder (SQLite), SQLite file or URL, PostgreSQL URL + store; the migrated
schema is the ORM's; unusable locations give one clear LibraryError."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from photocompare.core.errors import LibraryError
from photocompare.library.db import Library
from photocompare.library.importer import import_paths
from photocompare.library.models import Base

OUR_TABLES = {"patients", "visits", "photos"}


def _schema_differences(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)

    def table_of(diff) -> str | None:
        item = diff[0] if isinstance(diff, list) else diff
        for obj in item[1:]:
            name = getattr(obj, "name", None)
            table = getattr(obj, "table", None)
            if table is not None:
                return table.name
            if isinstance(obj, str) and obj in OUR_TABLES:
                return obj
            if name in OUR_TABLES:
                return name
        return None

    return [d for d in diffs if table_of(d) in OUR_TABLES]


def test_migrated_schema_matches_the_orm(library_url, library_store):
    with Library.open(library_url, store=library_store) as lib:
        assert _schema_differences(lib.engine) == []
        assert OUR_TABLES <= set(sa.inspect(lib.engine).get_table_names())


def test_import_duplicate_and_reject_on_each_back_end(library_url, library_store, bad_images):
    with Library.open(library_url, store=library_store) as lib:
        summary = import_paths(
            lib,
            [bad_images / "hopper.jpg", bad_images / "hopper.jpg", bad_images / "truncated_jpeg.jpg"],
            "P-1",
        )
        assert [r.status for r in summary.results] == ["imported", "rejected"] or [
            r.status for r in summary.results
        ] == ["imported", "duplicate", "rejected"]
        (photo,) = lib.photos("P-1")
        assert lib.original_path(photo).read_bytes() == (bad_images / "hopper.jpg").read_bytes()
    # reopening finds the same data (and migrating again is a no-op)
    with Library.open(library_url, store=library_store) as lib:
        assert [p.external_id for p in lib.patients()] == ["P-1"]
        assert lib.photo_counts() == {lib.get_patient("P-1").id: 1}


def test_sqlite_library_uses_wal_and_foreign_keys(tmp_path):
    with Library.open(tmp_path / "lib") as lib:
        with lib.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert lib.db_path == tmp_path / "lib" / "library.sqlite3"
        assert lib.store.root == tmp_path / "lib" / "store"


def test_sqlite_url_and_file_locations(tmp_path):
    with Library.open(f"sqlite:///{tmp_path / 'a' / 'x.sqlite3'}") as lib:
        assert lib.store.root == tmp_path / "a" / "store"
    with Library.open(tmp_path / "a" / "x.sqlite3", store=tmp_path / "elsewhere") as lib:
        assert lib.store.root == tmp_path / "elsewhere"


def test_default_location_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PHOTOCOMPARE_LIBRARY", str(tmp_path / "envlib"))
    with Library.open() as lib:
        assert lib.location == str(tmp_path / "envlib")
    assert (tmp_path / "envlib" / "library.sqlite3").is_file()


def test_server_url_without_store_is_refused():
    with pytest.raises(LibraryError, match="needs --store"):
        Library.open("postgresql+psycopg://nobody@127.0.0.1:1/none")


def test_unreachable_server_is_one_line_error(tmp_path):
    with pytest.raises(LibraryError) as err:
        Library.open("postgresql+psycopg://nobody@127.0.0.1:1/none", store=tmp_path / "s")
    assert "cannot open the library" in str(err.value) and "\n" not in str(err.value)


def test_a_file_that_is_not_a_library_is_refused(tmp_path):
    bogus = tmp_path / "photo.sqlite3"
    bogus.write_text("not a database")
    with pytest.raises(LibraryError, match="not a PhotoCompare library"):
        Library.open(bogus)


def test_a_location_that_cannot_be_created_is_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(LibraryError, match="cannot"):
        Library.open(blocker / "lib")


def test_patients_are_unique_by_external_id(tmp_path):
    with Library.open(tmp_path / "lib") as lib:
        lib.add_patient("MRN-7", "Ann", 1970)
        with pytest.raises(LibraryError, match="already exists"):
            lib.add_patient("MRN-7")
        with pytest.raises(LibraryError, match="not plausible"):
            lib.add_patient("MRN-8", birth_year=1200)
        assert [p.external_id for p in lib.patients()] == ["MRN-7"]
