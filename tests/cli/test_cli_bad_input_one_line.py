"""Every CLI command, used as a clinic's script would, answers bad input in one line.

Each test runs `photocompare` as a real subprocess: a failure is one line on stderr naming the
file or record and the reason, the documented exit code, never a traceback, nothing changed in
the library and no file or folder left behind by a failing command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

PG_UNREACHABLE = "postgresql+psycopg://u:s3cret@127.0.0.1:1/x"


def run_cli(*args, tmp_path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("PHOTOCOMPARE_LIBRARY", None)
    env.pop("PHOTOCOMPARE_STORE", None)
    env["XDG_STATE_HOME"] = str(tmp_path / "state")  # the CLI's log file stays in the test
    proc = subprocess.run(
        [sys.executable, "-m", "photocompare", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "unexpected error" not in proc.stderr, proc.stderr
    return proc


def one_line(proc: subprocess.CompletedProcess) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("photocompare: "), lines[0]
    return lines[0]


@pytest.fixture
def library_with_photo(tmp_path, bad_images) -> Path:
    lib = tmp_path / "lib"
    proc = run_cli("import", bad_images / "hopper.jpg", "--patient", "P1", "--library", lib,
                   tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return lib


@pytest.mark.parametrize(
    "args",
    [
        ("patients",),
        ("photos", "--patient", "P1"),
        ("verify", "--json"),
        ("course", "--patient", "P1"),
        ("sheet", "--patient", "P1", "-o", "out.pdf"),
        ("trash", "list"),
    ],
)
def test_read_only_command_on_a_mistyped_library_says_so_and_creates_nothing(tmp_path, args):
    typo = tmp_path / "typo-lib"
    proc = run_cli(*args, "--library", typo, tmp_path=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert f"no library at {typo}" in one_line(proc)
    assert not typo.exists()
    assert not (tmp_path / "out.pdf").exists()


def test_patient_add_creates_a_new_library_and_patients_then_reads_it(tmp_path):
    lib = tmp_path / "new-lib"
    assert run_cli("patient", "add", "P9", "--library", lib, tmp_path=tmp_path).returncode == 0
    proc = run_cli("patients", "--json", "--library", lib, tmp_path=tmp_path)
    assert proc.returncode == 0
    assert [p["external_id"] for p in json.loads(proc.stdout)["patients"]] == ["P9"]


def test_unreachable_server_is_one_line_quickly_without_password_or_store(tmp_path):
    store = tmp_path / "store"
    start = time.monotonic()
    proc = run_cli("patients", "--library", PG_UNREACHABLE, "--store", store, tmp_path=tmp_path)
    assert time.monotonic() - start < 20
    assert proc.returncode == 2 and proc.stdout == ""
    line = one_line(proc)
    assert "127.0.0.1" in line and "s3cret" not in line
    assert not store.exists()  # a failed open creates no store folder


def test_database_url_without_an_installed_driver_is_one_line(tmp_path):
    proc = run_cli("patients", "--library", "mysql://u@127.0.0.1:1/x", "--store", tmp_path / "s",
                   tmp_path=tmp_path)
    assert proc.returncode == 2
    assert "no database driver for mysql" in one_line(proc)


def test_check_batch_reads_bom_semicolons_and_reports_ragged_rows(tmp_path, faces_dir):
    before = faces_dir / "face_recognition-examples" / "examples" / "obama-480p.jpg"
    after = faces_dir / "face_recognition-examples" / "examples" / "obama-720p.jpg"
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        f"\ufeffbefore;after\n{before};{after}\n{before};{after};extra\nonly-before.jpg\n",
        encoding="utf-8",
    )
    proc = run_cli("check", "--batch", pairs, "--json", tmp_path=tmp_path)
    assert proc.returncode == 1  # one bad row: the batch goes on and exits 1
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["error"] is None for r in results] == [True, True, False]
    assert "pairs.csv: line 4: no after" in results[2]["error"]
    assert one_line(proc) == "photocompare: pairs.csv: line 4: no after"


def test_dicom_refuses_an_unknown_view_and_an_overlong_patient_id(tmp_path, bad_images):
    out = tmp_path / "x.dcm"
    photo = bad_images / "hopper.jpg"
    proc = run_cli("dicom", photo, "-o", out, "--patient-id", "42", "--view", "sideways",
                   tmp_path=tmp_path)
    assert proc.returncode == 2 and "--view 'sideways'" in one_line(proc)
    proc = run_cli("dicom", photo, "-o", out, "--patient-id", "9" * 80, tmp_path=tmp_path)
    assert proc.returncode == 2 and "DICOM allows 64" in one_line(proc)
    assert not out.exists()


def test_restore_of_an_unusable_backup_leaves_no_new_library(tmp_path):
    (tmp_path / "text.zip").write_text("not a zip\n")
    (tmp_path / "folder.zip").mkdir()
    for name, reason in (
        ("missing.zip", "file not found"),
        ("text.zip", "not a zip file"),
        ("folder.zip", "it is a folder"),
    ):
        target = tmp_path / "restored"
        proc = run_cli("restore", tmp_path / name, "--library", target, tmp_path=tmp_path)
        assert proc.returncode == 2
        assert f"{name}: cannot open the backup ({reason})" in one_line(proc)
        assert not target.exists()


def test_backup_and_audit_csv_into_unusable_places_are_one_line(tmp_path, library_with_photo):
    lib = library_with_photo
    proc = run_cli("backup", tmp_path / "nodir" / "b.zip", "--library", lib, tmp_path=tmp_path)
    assert proc.returncode == 2 and "does not exist" in one_line(proc)
    assert not (tmp_path / "nodir").exists()
    (tmp_path / "adir").mkdir()
    for target, reason in (
        ("/proc/x.csv", "No such file or directory"),
        (str(tmp_path / "nodir" / "a.csv"), "does not exist"),
        (str(tmp_path / "adir"), "it is a folder"),
    ):
        proc = run_cli("audit", "--csv", target, "--library", lib, tmp_path=tmp_path)
        assert proc.returncode == 2 and reason in one_line(proc)
    proc = run_cli("audit", "--csv", tmp_path / "a.csv", "--json", "--library", lib,
                   tmp_path=tmp_path)
    assert proc.returncode == 0 and json.loads(proc.stdout)["entries"] >= 0
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_trash_command_with_one_bad_id_changes_nothing(tmp_path, library_with_photo):
    lib = library_with_photo
    proc = run_cli("trash", "delete", "1", "999", "--library", lib, tmp_path=tmp_path)
    assert proc.returncode == 2 and "no photo with id 999" in one_line(proc)
    proc = run_cli("trash", "list", "--json", "--library", lib, tmp_path=tmp_path)
    assert json.loads(proc.stdout) == []  # photo 1 was not moved to the trash


def test_an_output_named_like_an_input_photo_never_overwrites_it(tmp_path, bad_images):
    before = tmp_path / "before.png"
    after = tmp_path / "after.jpg"
    before.write_bytes((bad_images / "hopper.png").read_bytes())
    after.write_bytes((bad_images / "hopper.jpg").read_bytes())
    originals = {p: p.read_bytes() for p in (before, after)}
    for args in (
        ("align", before, after, "-o", after),
        ("export-pair", before, after, "-o", tmp_path / "after.jpg", "--side-by-side"),
        ("sheet", before, after, "-o", before),
    ):
        proc = run_cli(*args, tmp_path=tmp_path)
        assert proc.returncode == 2
        assert "would overwrite an input photo" in one_line(proc)
    # separate files are named OUT-before / OUT-after: -o before.png writes new names
    proc = run_cli("export-pair", before, after, "-o", before, "--no-align", tmp_path=tmp_path)
    assert proc.returncode == 0 and (tmp_path / "before-after.png").is_file()
    assert {p: p.read_bytes() for p in originals} == originals


def test_a_fifo_as_batch_csv_or_backup_is_refused_instead_of_hanging(tmp_path):
    fifo = tmp_path / "pairs.csv"
    os.mkfifo(fifo)
    proc = run_cli("check", "--batch", fifo, tmp_path=tmp_path)
    assert proc.returncode == 2 and "pairs.csv: not a regular file" in one_line(proc)
    proc = run_cli("restore", fifo, "--library", tmp_path / "new", tmp_path=tmp_path)
    assert proc.returncode == 2 and "not a regular file" in one_line(proc)
    assert not (tmp_path / "new").exists()


def test_a_clinic_logo_that_is_not_an_image_is_refused(tmp_path, bad_images):
    logo = tmp_path / "logo.png"
    logo.write_text("not a picture\n")
    out = tmp_path / "sheet.pdf"
    photo = bad_images / "hopper.jpg"
    proc = run_cli("sheet", photo, photo, "-o", out, "--clinic-logo", logo, tmp_path=tmp_path)
    assert proc.returncode == 2 and "logo.png: the clinic logo is not a readable image" in (
        one_line(proc)
    )
    assert not out.exists()


def test_course_today_before_the_first_treatment_is_refused(tmp_path):
    diary = tmp_path / "diary.csv"
    diary.write_text("date,headache\n2024-01-01,yes\n2024-01-20,no\n", encoding="utf-8")
    proc = run_cli("course", "--diary", diary, "--treatment", "2024-01-15", "--today",
                   "2023-01-01", "--json", tmp_path=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "--today 2023-01-01 is before the first treatment (2024-01-15)" in one_line(proc)
