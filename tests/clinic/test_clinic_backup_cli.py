"""verify / backup / restore / audit / consent / trash from the command line, on both back ends;
and nothing identifying (a patient's name) ends up in the log file."""

from __future__ import annotations

import csv
import json
import logging
import os
import stat
import zipfile

import pytest
import sqlalchemy as sa

from photocompare.cli import main
from photocompare.core.errors import LibraryError
from photocompare.library import audit, backup, consent, trash
from photocompare.library.db import Library
from photocompare.library.models import Photo
from photocompare.library.verify import verify_library


def lib_args(library_url, library_store) -> list[str]:
    return ["--library", library_url, "--store", str(library_store)]


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- verify ---------------------------------------------------------------------------------------


def test_verify_passes_on_a_healthy_library_and_fails_on_a_damaged_original(
    library_with_photos, library_url, library_store, capsys
):
    lib, ids = library_with_photos
    code, out, err = run_cli(capsys, "verify", *lib_args(library_url, library_store), "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["photos"] == 4 and report["originals_ok"] == 4

    damaged = lib.photo(ids[1])
    path = lib.store.path_for(damaged.sha256)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit
    path.write_bytes(bytes(data))
    lib.store.path_for(lib.photo(ids[2]).sha256).unlink()

    code, out, err = run_cli(capsys, "verify", *lib_args(library_url, library_store))
    assert code == 1
    assert f"error: photo {ids[1]} ({damaged.original_name}): original" in out
    assert "no longer matches its SHA-256" in out and "is missing from the store" in out
    assert "2 error(s)" in out.splitlines()[0]


# -- backup / restore -------------------------------------------------------------------------


def _fill(lib, ids):
    consent.record_consent(lib, ids[:2], [consent.CLINICAL_RECORD, consent.TEACHING])
    trash.delete(lib, ids[3])
    audit.record(lib, audit.PATIENT_OPENED, patient_external_id="P-7")
    import datetime as dt

    from photocompare.core.course_figures import DiaryDay
    from photocompare.library import course_repo

    course_repo.save_diary_day(lib, "P-7", DiaryDay(date=dt.date(2024, 3, 1), headache=True,
                                                    migraine=True, hours=5.5, intensity=7,
                                                    medication=True, note="aura"))


def _content(lib) -> dict:
    """Everything a restore must bring back, independent of ids order quirks."""
    with lib.session() as s:
        photos = sorted(
            (p.sha256, p.original_name, p.width, p.height, p.deleted_at is not None, p.row_version)
            for p in s.scalars(sa.select(Photo))
        )
        consents = sorted(
            (c.photo_id, c.use, c.granted, c.recorded_by)
            for c in s.scalars(sa.select(consent.PhotoConsent))
        )
        from photocompare.library.course_models import DiaryEntryRecord

        diary = sorted(
            (d.day, d.headache, d.migraine, d.hours, d.intensity, d.note, d.updated_by)
            for d in s.scalars(sa.select(DiaryEntryRecord))
        )
    return {"photos": photos, "consents": consents, "diary": diary}


def test_backup_and_restore_round_trip_verified_by_hashes(
    library_with_photos, library_url, library_store, tmp_path, capsys
):
    lib, ids = library_with_photos
    _fill(lib, ids)
    before = _content(lib)
    out_file = tmp_path / "clinic-backup.zip"
    code, out, err = run_cli(capsys, "backup", out_file, *lib_args(library_url, library_store))
    assert code == 0, err
    assert "4 originals" in out
    with zipfile.ZipFile(out_file) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert set(manifest["originals"]) == {p[0] for p in before["photos"]}
    assert backup.check_backup(out_file)["schema_revision"] == manifest["schema_revision"]

    target = tmp_path / "restored"
    code, out, err = run_cli(capsys, "restore", out_file, "--library", target)
    assert code == 0, err
    restored = Library.open(target)
    try:
        assert _content(restored) == before
        assert verify_library(restored).ok
        for sha, *_ in before["photos"]:
            assert restored.store.path_for(sha).is_file()
        actions = [e.action for e in audit.entries(restored)]
        assert audit.PATIENT_OPENED in actions and actions[-1] == audit.LIBRARY_RESTORED
        # the restored library works: new rows get fresh ids
        restored.add_patient("P-8")
    finally:
        restored.close()

    code, out, err = run_cli(capsys, "restore", out_file, "--library", target)
    assert code == 2 and "not empty" in err


@pytest.mark.postgres
def test_backups_move_between_sqlite_and_postgres(camera_jpegs, tmp_path, pg_cluster):
    from photocompare.library.importer import import_paths

    sqlite_lib = Library.open(tmp_path / "desk")
    summary = import_paths(sqlite_lib, camera_jpegs[:4], "P-7")
    ids = [pid for _, pid in summary.imported]
    _fill(sqlite_lib, ids)
    before = _content(sqlite_lib)
    backup.backup(sqlite_lib, tmp_path / "to-server.zip")
    sqlite_lib.close()

    server = Library.open(pg_cluster.create_database(), store=tmp_path / "server-store")
    try:
        backup.restore(tmp_path / "to-server.zip", server)
        assert _content(server) == before
        server.add_patient("P-99")  # sequences were moved past the restored ids
        audit.record(server, audit.PATIENT_OPENED, patient_external_id="P-99")
        backup.backup(server, tmp_path / "from-server.zip")
    finally:
        server.close()
    back = Library.open(tmp_path / "desk-again")
    try:
        backup.restore(tmp_path / "from-server.zip", back)
        after = _content(back)
        assert after["photos"] == before["photos"] and after["diary"] == before["diary"]
        assert [p.external_id for p in back.patients()] == ["P-7", "P-99"]
    finally:
        back.close()


def test_damaged_backup_is_refused_and_the_target_stays_empty(library_with_photos, tmp_path):
    lib, _ = library_with_photos
    good = tmp_path / "good.zip"
    backup.backup(lib, good)
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        damaged = 0
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("originals/") and not damaged:
                data = data[:-10] + b"0123456789"  # a damaged original, CRC rewritten to match
                damaged += 1
            dst.writestr(item, data)
        assert damaged == 1
    target = Library.open(tmp_path / "target")
    try:
        with pytest.raises(LibraryError, match="does not match its SHA-256"):
            backup.restore(bad, target)
        assert target.patients() == [] and list(target.store.iter_originals()) == []
    finally:
        target.close()


# -- audit / consent / trash commands --------------------------------------------------------------


def test_consent_trash_and_audit_commands(library_with_photos, library_url, library_store,
                                          tmp_path, capsys):
    lib, ids = library_with_photos
    args = lib_args(library_url, library_store)
    code, out, _ = run_cli(capsys, "consent", "set", "--patient", "P-7", "--use", "clinical_record",
                           "--use", "insurer", *args)
    assert code == 0 and "on 4 photo(s)" in out
    code, out, _ = run_cli(capsys, "consent", "set", ids[0], "--use", "insurer", "--revoke", *args)
    assert code == 0 and "revoked" in out
    code, out, _ = run_cli(capsys, "consent", "show", ids[0], ids[1], "--json", *args)
    shown = {row["photo_id"]: row["uses"] for row in json.loads(out)}
    assert shown[ids[0]]["insurer"]["granted"] is False and shown[ids[1]]["insurer"]["granted"]
    assert shown[ids[0]]["marketing"]["granted"] is False

    code, out, _ = run_cli(capsys, "trash", "delete", ids[2], *args)
    assert code == 0
    code, out, _ = run_cli(capsys, "trash", "list", "--json", *args)
    assert [t["photo_id"] for t in json.loads(out)] == [ids[2]]
    code, out, err = run_cli(capsys, "trash", "purge", ids[1], *args)
    assert code == 2 and "not in the trash" in err
    code, out, _ = run_cli(capsys, "trash", "restore", ids[2], *args)
    assert code == 0
    run_cli(capsys, "trash", "delete", ids[3], *args)
    code, out, _ = run_cli(capsys, "trash", "purge", "--all", *args)
    assert code == 0 and "1 photo(s) purged" in out
    code, out, _ = run_cli(capsys, "verify", *args)
    assert code == 0

    csv_path = tmp_path / "audit.csv"
    code, out, _ = run_cli(capsys, "audit", "--csv", csv_path, *args)
    assert code == 0
    with open(csv_path, newline="", encoding="utf-8") as fh:
        actions = [row["action"] for row in csv.DictReader(fh)]
    assert actions.count(audit.CONSENT_RECORDED) == 8 and audit.CONSENT_REVOKED in actions
    assert actions[-4:] == [audit.PHOTO_DELETED, audit.PHOTO_RESTORED, audit.PHOTO_DELETED,
                            audit.PHOTO_PURGED]
    code, out, _ = run_cli(capsys, "audit", "--patient", "P-7", "--action", "photo_purged", *args)
    assert code == 0 and len(out.strip().splitlines()) == 1 and "patient P-7 photo" in out


def test_server_library_without_store_is_a_one_line_error(capsys, pg_url):
    code, out, err = run_cli(capsys, "verify", "--library", pg_url)
    assert code == 2 and "--store" in err and len(err.strip().splitlines()) == 1


# -- nothing identifying in logs ----------------------------------------------------------------


NAME = "Zyxwvut Qwertyson"


def test_a_patients_name_never_reaches_the_log_file(camera_jpegs, tmp_path, capsys):
    from photocompare.ui.app import setup_logging

    log_file = setup_logging(tmp_path / "logs")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        library = tmp_path / "lib"
        args = ["--library", str(library)]
        assert main(["import", str(camera_jpegs[0]), str(camera_jpegs[1]), "--patient", "P-42",
                     "--name", NAME, *args]) == 0
        assert main(["patient", "add", "P-43", "--name", NAME, *args]) == 0
        assert main(["patient", "add", "P-43", "--name", NAME, *args]) == 2  # duplicate id
        lib = Library.open(library)
        photo_ids = [p.id for p in lib.photos("P-42")]
        # a database error carrying the name in its parameters must not echo it
        with pytest.raises(sa.exc.IntegrityError) as err:
            with lib.session(write=True) as s:
                from photocompare.library.models import Patient

                s.add(Patient(external_id="P-42", display_name=NAME, notes=""))
        assert NAME not in str(err.value)
        logging.getLogger("photocompare.test").exception("logged database error: %s", err.value)
        lib.close()
        main(["sheet", "-o", str(tmp_path / "s.pdf"), "--patient", "P-42", "--use", "insurer",
              *args])  # refused for lack of consent: the refusal is audited
        assert main(["trash", "delete", str(photo_ids[0]), *args]) == 0
        assert main(["audit", "--csv", str(tmp_path / "audit.csv"), *args]) == 0
        assert main(["verify", *args]) == 0
        capsys.readouterr()
    finally:
        root.setLevel(level)
        for handler in list(root.handlers):
            if getattr(handler, "baseFilename", None) == str(log_file):
                handler.flush()
                root.removeHandler(handler)
                handler.close()
    text = log_file.read_text(encoding="utf-8")
    assert "logged database error" in text  # the log really captured what went on
    for needle in (NAME, "Zyxwvut", "Qwertyson"):
        assert needle not in text
        assert needle not in (tmp_path / "audit.csv").read_text(encoding="utf-8")


def test_library_commands_take_library_and_store_on_both_back_ends(
    library_url, library_store, camera_jpegs, capsys
):
    args = lib_args(library_url, library_store)
    code, out, err = run_cli(capsys, "import", camera_jpegs[0], camera_jpegs[1], "--patient", "P-5",
                             *args, "--json")
    assert code == 0, err
    code, out, err = run_cli(capsys, "photos", "--patient", "P-5", *args, "--json")
    assert code == 0, err
    listed = json.loads(out)
    photos = listed["photos"] if isinstance(listed, dict) else listed
    assert len(photos) == 2
    assert all(str(library_store) in p.get("path", str(library_store)) for p in photos)
    code, out, err = run_cli(capsys, "verify", *args)
    assert code == 0 and "2 originals re-hashed, 2 intact" in out
