"""Stores and databases that fail under an import, missing originals, killed backups.

Real failures, each with an exact expectation: a store folder deleted between two files, an
SQLite database that cannot grow (`max_page_count`, SQLite's own "database or disk is full"),
a library folder on a read-only mount (a private mount namespace where the platform allows,
else file permissions), a backup child killed with SIGKILL or stopped with SIGTERM.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from photocompare.library.db import Library
from photocompare.library.importer import import_paths
from tests.conftest import ROOT, shared_path


def photos(n: int = 4) -> list[Path]:
    examples = shared_path("faces", "face_recognition-examples", "examples")
    files = sorted(p for p in examples.iterdir() if p.suffix in (".jpg", ".png"))
    assert len(files) >= n
    return files[:n]


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "photocompare", *args], capture_output=True,
                          text=True, timeout=300, cwd=ROOT, env={**os.environ, **(env or {})})


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- 7. a store that vanishes, a database that fills up ----------------------------------------


def test_a_store_vanishing_mid_import_reports_what_was_imported_and_stops(tmp_path):
    files = photos(4)
    with Library.open(tmp_path / "lib", tmp_path / "store") as lib:

        def progress(done, _total, _path):
            if done == 2:  # the share drops after the second photo
                shutil.rmtree(tmp_path / "store")

        summary = import_paths(lib, files, "P-1", progress=progress)
        assert [Path(p).name for p, _ in summary.imported] == [f.name for f in files[:2]]
        assert summary.stopped and "store folder" in summary.stopped and "gone" in summary.stopped
        assert summary.not_tried == 2
        assert summary.rejected == []  # the remaining photos are not blamed for the store


def test_a_full_database_mid_import_keeps_and_reports_the_photos_already_imported(tmp_path):
    # camera JPEGs carry EXIF, so each row takes room and the database fills part-way
    files = photos(8) + sorted(shared_path("exif-samples", "jpg").rglob("*.jpg"))[:30]
    with Library.open(tmp_path / "lib") as lib:
        with lib.engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

        @event.listens_for(lib.engine, "connect")
        def _cap(dbapi_conn, _record):  # the database file may not grow past a few pages
            dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 1}")

        lib.engine.dispose()
        summary = import_paths(lib, files, "P-1")
        assert summary.stopped is not None and "database is full" in summary.stopped, summary
        imported = len(summary.imported)
        assert 0 < imported < len(files)
        assert summary.not_tried == len(files) - imported
        with lib.session() as s:
            count = s.scalar(sa.text("SELECT count(*) FROM photos"))
        assert count == imported
        for _path, photo_id in summary.imported:
            assert photo_id > 0
        # every photo recorded has its original; nothing unreferenced is left in the store
        report = lib.store.verify(lib.referenced_hashes())
        assert report.missing == [] and report.unreferenced == []


def _read_only_runner(lib_dir: Path):
    """A way to run a command with `lib_dir` read-only, or None (then the test skips)."""
    if os.geteuid() != 0:
        return "chmod"
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind -o ro {lib_dir} {lib_dir}"],
                           capture_output=True, text=True)
    return "mount" if probe.returncode == 0 else None


def run_read_only(lib_dir: Path, mode: str, *args: str) -> subprocess.CompletedProcess:
    if mode == "chmod":
        for p in [lib_dir, *lib_dir.rglob("*")]:
            p.chmod(p.stat().st_mode & ~0o222)
        try:
            return cli(*args)
        finally:
            for p in [lib_dir, *lib_dir.rglob("*")]:
                p.chmod(p.stat().st_mode | 0o200)
    script = (f"mount --bind -o ro {lib_dir} {lib_dir} && exec {sys.executable} -m photocompare "
              + " ".join(f"'{a}'" for a in args))
    return subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env=os.environ)


def test_a_read_only_library_is_named_read_only_and_read_only_commands_work(tmp_path):
    lib_dir = tmp_path / "lib"
    files = photos(3)
    assert cli("import", *map(str, files[:2]), "--patient", "P-1", "--library",
               str(lib_dir)).returncode == 0
    mode = _read_only_runner(lib_dir)
    if mode is None:
        pytest.skip("no way to make a folder read-only here (not root, no mount namespace)")
    for command in (["patients"], ["photos", "--patient", "P-1"], ["verify"],
                    ["course", "--patient", "P-1"], ["audit"]):
        proc = run_read_only(lib_dir, mode, *command, "--library", str(lib_dir))
        assert proc.returncode == 0, (command, proc.stderr)
        assert proc.stderr == "", (command, proc.stderr)
    proc = run_read_only(lib_dir, mode, "backup", str(tmp_path / "b.zip"), "--library",
                         str(lib_dir))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "b.zip").is_file()
    for command in (["import", str(files[2]), "--patient", "P-1"], ["patient", "add", "P-2"],
                    ["consent", "set", "1", "--use", "teaching"]):
        proc = run_read_only(lib_dir, mode, *command, "--library", str(lib_dir))
        assert proc.returncode == 2, (command, proc.stdout)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "read-only" in lines[0] and "unexpected" not in lines[0], lines


def test_a_read_only_store_stops_the_import_in_one_plain_line(tmp_path):
    store = tmp_path / "store"
    files = photos(2)
    assert cli("import", str(files[0]), "--patient", "P-1", "--library", str(tmp_path / "lib"),
               "--store", str(store)).returncode == 0
    mode = _read_only_runner(store)
    if mode is None:
        pytest.skip("no way to make a folder read-only here")
    proc = run_read_only(store, mode, "import", str(files[1]), "--patient", "P-1", "--library",
                         str(tmp_path / "lib"), "--store", str(store))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0] == f"photocompare: the store folder {store} is read-only (nothing can be added)"


# -- 8. missing store and missing originals ----------------------------------------------------


def test_import_refuses_a_missing_store_of_an_existing_library(tmp_path):
    files = photos(2)
    lib = tmp_path / "lib"
    assert cli("import", str(files[0]), "--patient", "P-1", "--library", str(lib)).returncode == 0
    typo = tmp_path / "stroe"
    proc = cli("import", str(files[1]), "--patient", "P-1", "--library", str(lib), "--store",
               str(typo))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"photocompare: no store at {typo} (check --store; the library " \
                                  f"at {lib} already exists)"
    assert not typo.exists()


def test_reimporting_a_photo_whose_original_is_missing_puts_it_back(tmp_path):
    file = photos(1)[0]
    with Library.open(tmp_path / "lib") as lib:
        first = import_paths(lib, [file], "P-1")
        photo_id = first.imported[0][1]
        stored = lib.store.path_for(sha(file))
        stored.chmod(0o600)
        stored.unlink()
        assert lib.store.verify(lib.referenced_hashes()).missing == [sha(file)]
        again = import_paths(lib, [file], "P-1")
        result = again.results[0]
        assert result.status == "duplicate" and result.photo_id == photo_id
        assert "missing original was put back" in result.reason
        assert stored.is_file() and sha(stored) == sha(file)
        assert lib.store.verify(lib.referenced_hashes()).missing == []


# -- non-photo files in a folder are listed as skipped, with the reason ----------------------------


def test_non_photo_files_in_a_folder_are_listed_as_skipped_and_do_not_change_the_exit_code(
    tmp_path,
):
    folder = tmp_path / "visit"
    folder.mkdir()
    shutil.copy(photos(1)[0], folder / "face.jpg")
    shutil.copy(shared_path("faces", "orl", "s1", "1.pgm"), folder / "orl.pgm")
    (folder / "notes.txt").write_text("pre-treatment photos")
    (folder / "README").write_text("x")
    (folder / ".DS_Store").write_bytes(b"\x00")
    proc = cli("import", str(folder), "--patient", "P-1", "--library", str(tmp_path / "lib"))
    assert proc.returncode == 0, proc.stderr
    assert f"skipped    {folder / 'notes.txt'}: not a photo file (.txt)" in proc.stdout
    assert f"skipped    {folder / 'README'}: not a photo file (no file-name extension)" in proc.stdout
    assert "2 imported" in proc.stdout and "2 skipped" in proc.stdout
    assert ".DS_Store" not in proc.stdout
    assert "orl.pgm (photo" in proc.stdout  # small greyscale PGM photos are imported


# -- 5. killed backups -------------------------------------------------------------------------


def _backup_child(lib: Path, out: Path) -> tuple[subprocess.Popen, Path]:
    child = subprocess.Popen([sys.executable, "-m", "photocompare", "backup", str(out),
                              "--library", str(lib)], cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        parts = list(out.parent.glob(f".{out.name}.*.part"))
        if parts:
            child.send_signal(signal.SIGSTOP)  # hold it while the partial file exists
            return child, parts[0]
        if child.poll() is not None:
            break
        time.sleep(0.002)
    child.kill()
    pytest.fail("the backup finished before its partial file was seen")


@pytest.fixture
def big_library(tmp_path):
    lib = tmp_path / "lib"
    examples = shared_path("faces", "face_recognition-examples", "examples")
    files = [p for p in examples.rglob("*") if p.suffix in (".jpg", ".png")]
    proc = cli("import", *map(str, files), "--patient", "P-1", "--library", str(lib))
    assert proc.returncode in (0, 1), proc.stderr
    return lib


def test_a_backup_killed_with_sigkill_leaves_a_partial_that_the_next_run_removes(
    tmp_path, big_library
):
    out = tmp_path / "clinic.zip"
    child, part = _backup_child(big_library, out)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert part.exists()  # SIGKILL allows no clean-up: the partial file is left
    proc = cli("backup", str(out), "--library", str(big_library))
    assert proc.returncode == 0, proc.stderr
    assert not part.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "lib") == ["clinic.zip"]


def test_a_backup_stopped_with_sigterm_removes_its_partial_file(tmp_path, big_library):
    out = tmp_path / "clinic.zip"
    child, part = _backup_child(big_library, out)
    child.send_signal(signal.SIGTERM)
    child.send_signal(signal.SIGCONT)
    child.wait(timeout=60)
    assert child.returncode != 0
    assert not part.exists() and not out.exists()


def test_a_partial_file_of_a_running_backup_is_left_alone(tmp_path):
    from photocompare.library.backup import remove_dead_partials

    out = tmp_path / "x.zip"
    live = tmp_path / f".x.zip.{os.getppid()}.part"
    live.write_bytes(b"PK")
    dead_pid = subprocess.run([sys.executable, "-c", "import os;print(os.getpid())"],
                              capture_output=True, text=True).stdout.strip()
    dead = tmp_path / f".x.zip.{dead_pid}.part"
    dead.write_bytes(b"PK")
    assert remove_dead_partials(out) == 1
    assert live.exists() and not dead.exists()
