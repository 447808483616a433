"""The support log carries internal patient numbers only, on every path.

A real library with a patient whose clinic ID and name are distinctive; sessions that hit
refusals and errors (a consent refusal in a GUI background task, exactly as the export does; CLI
imports with rejected files, refused exports, a failing library); then the log file is scanned
for the ID and the name.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from photocompare.core.errors import PhotoCompareError
from photocompare.library import consent, log_privacy
from photocompare.library.db import Library
from photocompare.library.importer import import_paths
from tests.conftest import ROOT, shared_path

MRN = "MRN-1042"
NAME = "Jane Example"


def _photo() -> Path:
    return shared_path("faces", "face_recognition-examples", "examples", "obama-240p.jpg")


@pytest.fixture
def file_log(tmp_path):
    """The root logger writes to a file, as the app's log does."""
    path = tmp_path / "photocompare.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield path
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


def test_redact_replaces_ids_and_names_by_the_internal_number():
    log_privacy.remember(7, "MRN-77", "Ann Lee")
    assert log_privacy.redact("photo a.jpg (patient MRN-77) of Ann Lee") == \
        "photo a.jpg (patient patient #7) of patient #7"
    assert log_privacy.redact("MRN-770 and XMRN-77") == "MRN-770 and XMRN-77"  # whole words only


def test_a_worker_refusal_naming_a_patient_is_logged_by_number_only(qtbot, tmp_path, file_log):
    from photocompare.ui.workers import run_task

    with Library.open(tmp_path / "lib") as lib:
        lib.add_patient(MRN, NAME)
        photo_id = import_paths(lib, [_photo()], MRN).imported[0][1]
        patient_id = lib.get_patient(MRN).id

    # A new process's view: the library is opened again (as the app does at start-up).
    library = Library.open(tmp_path / "lib")
    failures: list[BaseException] = []

    def export(_ctx):
        consent.require_consent(library, [photo_id], "marketing")

    def crash(_ctx):
        raise RuntimeError(f"unexpected trouble with {NAME} ({MRN})")

    try:
        run_task(export, on_error=failures.append)
        qtbot.waitUntil(lambda: len(failures) == 1, timeout=10_000)
        run_task(crash, on_error=failures.append)
        qtbot.waitUntil(lambda: len(failures) == 2, timeout=10_000)
    finally:
        library.close()
    assert isinstance(failures[0], PhotoCompareError) and MRN in str(failures[0])  # on screen
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = file_log.read_text(encoding="utf-8")
    assert "no consent" in text and "unexpected trouble" in text  # both were logged ...
    assert MRN not in text and NAME not in text, text  # ... by internal number only
    assert f"patient #{patient_id}" in text


def test_cli_sessions_with_refusals_and_errors_leave_no_patient_id_in_the_log(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "QT_QPA_PLATFORM": "offscreen"}
    lib = tmp_path / "lib"
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(_photo().read_bytes()[:3000])

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "photocompare", *args], capture_output=True,
                              text=True, timeout=300, cwd=ROOT, env=env)

    assert cli("patient", "add", MRN, "--name", NAME, "--library", str(lib)).returncode == 0
    assert cli("import", str(_photo()), str(bad), "--patient", MRN, "--library",
               str(lib)).returncode == 1
    refused = cli("sheet", "--patient", MRN, "-o", str(tmp_path / "s.pdf"), "--library", str(lib))
    assert refused.returncode == 2
    # a database that fails under a command: an unexpected error, logged with its traceback
    (lib / "library.sqlite3").chmod(0o600)
    with open(lib / "library.sqlite3", "r+b") as fh:
        fh.seek(100)
        fh.write(b"\xff" * 4000)
    broken = cli("photos", "--patient", MRN, "--library", str(lib))
    assert broken.returncode != 0
    logs = list((tmp_path / "state").rglob("*.log*"))
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in logs)
    assert MRN not in text and NAME not in text, text
