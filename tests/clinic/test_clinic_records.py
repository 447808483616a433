"""Consent, the append-only audit log and the trash — on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv

import pytest
import sqlalchemy as sa

from photocompare.core.errors import ConsentMissing, LibraryError
from photocompare.library import audit, consent, trash
from photocompare.library.migrations import head_revision
from photocompare.library.models import Photo


def test_schema_reaches_revision_3_on_both_back_ends(clinic_library):
    assert head_revision() >= 3
    with clinic_library.engine.connect() as conn:
        revisions = {r for (r,) in conn.execute(sa.text("SELECT revision FROM schema_version"))}
        columns = {c["name"] for c in sa.inspect(conn).get_columns("photos")}
    assert {1, 2, 3} <= revisions
    assert {"row_version", "deleted_at", "deleted_by"} <= columns


# -- audit ---------------------------------------------------------------------------------------


def test_audit_entries_record_who_where_when_and_ids_not_names(library_with_photos):
    lib, ids = library_with_photos
    patient = lib.get_patient("P-7")
    audit.record(lib, audit.PATIENT_OPENED, patient_id=patient.id)
    audit.record(lib, audit.SHEET_EXPORTED, patient_id=patient.id, photo_id=ids[0],
                 details={"format": "pdf", "file": "sheet.pdf"})
    rows = audit.entries(lib, patient_id=patient.id)
    assert [r.action for r in rows] == [audit.PATIENT_OPENED, audit.SHEET_EXPORTED]
    first = rows[0]
    assert first.user == audit.current_user() and first.workstation == audit.current_workstation()
    assert first.patient_external_id == "P-7"
    assert first.at_utc.tzinfo is not None
    assert abs((audit.utc_now() - first.at_utc).total_seconds()) < 120
    assert all("Erika" not in (r.details + (r.patient_external_id or "")) for r in rows)


def test_audit_refuses_names_in_details_and_unknown_actions(library_with_photos):
    lib, _ = library_with_photos
    with pytest.raises(LibraryError, match="must not hold names"):
        audit.record(lib, audit.PATIENT_OPENED, details={"display_name": "Erika Mustermann"})
    with pytest.raises(LibraryError, match="unknown audit action"):
        audit.record(lib, "looked_around")


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"])
def test_audit_log_is_append_only_in_the_database_itself(library_with_photos, statement):
    lib, _ = library_with_photos
    audit.record(lib, audit.PATIENT_OPENED, patient_external_id="P-7")
    before = audit.entries(lib)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with lib.engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert audit.entries(lib) == before


def test_audit_log_cannot_be_truncated_on_postgres(library_with_photos):
    lib, _ = library_with_photos
    if lib.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    audit.record(lib, audit.PATIENT_OPENED, patient_external_id="P-7")
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with lib.engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE audit_log"))
    assert len(audit.entries(lib)) == 1


def test_audit_csv_export_has_a_header_and_every_entry(library_with_photos, tmp_path):
    lib, ids = library_with_photos
    patient = lib.get_patient("P-7")
    audit.record(lib, audit.REVIEW_MODE_ENTERED, patient_id=patient.id)
    audit.record(lib, audit.DICOM_EXPORTED, patient_id=patient.id, photo_id=ids[1],
                 details={"file": "a, \"quoted\".dcm"})
    out = tmp_path / "audit.csv"
    assert audit.export_csv(lib, out) == 2
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(audit.CSV_COLUMNS)
    assert [r["action"] for r in rows] == [audit.REVIEW_MODE_ENTERED, audit.DICOM_EXPORTED]
    assert rows[1]["patient_external_id"] == "P-7" and rows[1]["photo_id"] == str(ids[1])
    assert "quoted" in rows[1]["details"]


# -- consent ---------------------------------------------------------------------------------------


def test_export_without_consent_is_refused_naming_photo_patient_and_use(library_with_photos):
    lib, ids = library_with_photos
    consent.record_consent(lib, ids[:2], [consent.CLINICAL_RECORD, consent.TEACHING])
    consent.require_consent(lib, ids[:2], consent.TEACHING)  # granted: no error
    with pytest.raises(ConsentMissing) as err:
        consent.require_consent(lib, ids[:2], consent.INSURER)
    photo = lib.photo(ids[0])
    assert f"photo {photo.original_name} (patient P-7) has no consent for insurer" in str(err.value)
    with pytest.raises(ConsentMissing, match="has no consent for marketing"):
        consent.require_consent(lib, [ids[2]], consent.MARKETING)
    refused = audit.entries(lib, action=audit.EXPORT_REFUSED)
    assert len(refused) == 2 and '"insurer"' in refused[0].details


def test_revoked_consent_refuses_and_keeps_who_granted_and_who_revoked(library_with_photos):
    lib, ids = library_with_photos
    consent.record_consent(lib, [ids[0]], [consent.MARKETING], user="dr.a")
    assert consent.revoke_consent(lib, [ids[0]], [consent.MARKETING], user="dr.b") == 1
    state = {s.use: s for s in consent.consent_states(lib, ids[0])}[consent.MARKETING]
    assert not state.granted and state.recorded_by == "dr.a" and state.revoked_by == "dr.b"
    assert state.revoked_at is not None and state.recorded_at <= state.revoked_at
    with pytest.raises(ConsentMissing, match="consent for marketing was revoked"):
        consent.require_consent(lib, [ids[0]], consent.MARKETING)
    actions = [e.action for e in audit.entries(lib, action=None) if e.photo_id == ids[0]]
    assert actions[:2] == [audit.CONSENT_RECORDED, audit.CONSENT_REVOKED]


def test_unknown_use_is_refused(library_with_photos):
    lib, ids = library_with_photos
    with pytest.raises(LibraryError, match="unknown consent use"):
        consent.record_consent(lib, ids, ["advertising"])


def test_trashed_photo_cannot_be_exported_even_with_consent(library_with_photos):
    lib, ids = library_with_photos
    consent.record_consent(lib, [ids[0]], [consent.PATIENT_SHARING])
    trash.delete(lib, ids[0])
    with pytest.raises(ConsentMissing, match="is in the trash"):
        consent.require_consent(lib, [ids[0]], consent.PATIENT_SHARING)


# -- trash ---------------------------------------------------------------------------------------


def test_delete_restore_purge_round_trip_is_audited_and_purge_removes_the_file(library_with_photos):
    lib, ids = library_with_photos
    photo = lib.photo(ids[0])
    stored = lib.store.path_for(photo.sha256)
    consent.record_consent(lib, [ids[0]], [consent.CLINICAL_RECORD])

    trash.delete(lib, ids[0])
    listed = trash.list_trash(lib)
    assert [t.photo_id for t in listed] == [ids[0]] and listed[0].patient_external_id == "P-7"
    assert stored.is_file()  # in the trash, nothing is lost
    with pytest.raises(LibraryError, match="already in the trash"):
        trash.delete(lib, ids[0])

    trash.restore(lib, ids[0])
    assert trash.list_trash(lib) == [] and lib.photo(ids[0]).deleted_at is None

    with pytest.raises(LibraryError, match="not in the trash"):
        trash.purge(lib, ids[0])  # purge is explicit: only from the trash
    trash.delete(lib, ids[0])
    assert trash.purge(lib, ids[0]) is True
    assert lib.photo(ids[0]) is None and not stored.exists()
    assert len(lib.photos("P-7")) == 3
    actions = [e.action for e in audit.entries(lib) if e.photo_id == ids[0]]
    assert actions == [audit.CONSENT_RECORDED, audit.PHOTO_DELETED, audit.PHOTO_RESTORED,
                       audit.PHOTO_DELETED, audit.PHOTO_PURGED]
    # the consent row went with the photo
    with lib.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(consent.PhotoConsent)
                        .where(consent.PhotoConsent.photo_id == ids[0])) == 0


def test_purge_removes_only_that_photos_file_and_thumbnails(library_with_photos):
    """Rows are unique per SHA-256 (the database refuses a second row with the same content),
    so purging one photo must leave every other original and thumbnail alone."""
    lib, ids = library_with_photos
    gone, kept = lib.photo(ids[1]), lib.photo(ids[2])
    thumb_gone, thumb_kept = lib.thumbnail(gone), lib.thumbnail(kept)
    with pytest.raises(sa.exc.IntegrityError):
        with lib.session(write=True) as s:
            s.get(Photo, kept.id).sha256 = gone.sha256
    trash.delete(lib, ids[1])
    assert trash.purge(lib, ids[1]) is True
    assert not lib.store.path_for(gone.sha256).exists() and not thumb_gone.exists()
    assert lib.store.path_for(kept.sha256).is_file() and thumb_kept.is_file()


@pytest.mark.postgres
def test_a_plain_postgresql_url_opens_with_psycopg3(pg_url, tmp_path):
    from photocompare.library.db import Library

    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    lib = Library.open(plain, store=tmp_path / "store")
    try:
        assert lib.engine.dialect.driver == "psycopg"
        lib.add_patient("P-1")
        assert [p.external_id for p in lib.patients()] == ["P-1"]
    finally:
        lib.close()
