"""An import killed at any point leaves a consistent library: a photo is either fully there
(row + original) or not at all, and the next open cleans what the dead process left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from photocompare.library.db import Library
from photocompare.library.importer import import_paths
from photocompare.library.models import Photo

IMPORT_SCRIPT = (
    "import sys\n"
    "from photocompare.library.db import Library\n"
    "from photocompare.library.importer import import_paths\n"
    "lib = Library.open(sys.argv[1])\n"
    "import_paths(lib, sys.argv[3:], sys.argv[2])\n"
)


def run_import(library_dir, patient, *files, crash_at=None, wait=True):
    env = dict(os.environ)
    env.pop("PHOTOCOMPARE_TEST_CRASH_AT", None)
    if crash_at:
        env["PHOTOCOMPARE_TEST_CRASH_AT"] = crash_at
    args = [sys.executable, "-c", IMPORT_SCRIPT, str(library_dir), patient, *map(str, files)]
    if not wait:
        return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)


def photo_count(lib: Library) -> int:
    with lib.session() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(Photo))


def assert_consistent(lib: Library) -> None:
    report = lib.store.verify(lib.referenced_hashes())
    assert not report.missing and not report.corrupt and not report.unreferenced, report
    assert not any(lib.store.tmp_dir.iterdir())
    assert not any(lib.store.pending_dir.iterdir())


def test_killed_after_store_before_commit_leaves_no_half_photo(tmp_path, bad_images):
    lib_dir = tmp_path / "lib"
    with Library.open(lib_dir) as lib:
        import_paths(lib, [bad_images / "hopper.png"], "P-1")
    done = run_import(lib_dir, "P-1", bad_images / "hopper.jpg", crash_at="after_store")
    assert done.returncode == 70, done.stderr
    # what the dead process left: the original in the store, a pending marker, no row
    orphan_markers = list((lib_dir / "store" / "pending").iterdir())
    assert len(orphan_markers) == 1
    sha = orphan_markers[0].name.split(".")[0]
    assert (lib_dir / "store" / sha[:2] / sha[2:]).is_file()

    with Library.open(lib_dir) as lib:
        assert lib.cleanup_report.removed_originals == 1
        assert photo_count(lib) == 1
        assert_consistent(lib)
        again = import_paths(lib, [bad_images / "hopper.jpg"], "P-1")
        assert again.counts()["imported"] == 1  # not mistaken for a duplicate
        assert_consistent(lib)


def test_killed_while_copying_leaves_only_a_temp_file_that_is_cleaned(tmp_path, bad_images):
    lib_dir = tmp_path / "lib"
    done = run_import(lib_dir, "P-1", bad_images / "hopper.jpg", crash_at="after_tmp_write")
    assert done.returncode == 70, done.stderr
    assert len(list((lib_dir / "store" / "tmp").iterdir())) == 1
    with Library.open(lib_dir) as lib:
        assert lib.cleanup_report.removed_tmp == 1
        assert photo_count(lib) == 0
        assert_consistent(lib)


def test_killed_after_commit_keeps_the_photo(tmp_path, bad_images):
    lib_dir = tmp_path / "lib"
    done = run_import(lib_dir, "P-1", bad_images / "hopper.jpg", crash_at="after_commit")
    assert done.returncode == 70, done.stderr
    with Library.open(lib_dir) as lib:
        assert lib.cleanup_report.resolved_markers == 1
        assert lib.cleanup_report.removed_originals == 0
        assert photo_count(lib) == 1
        assert_consistent(lib)


def test_markers_of_a_live_import_are_left_alone(tmp_path, bad_images):
    """Opening the library while another process imports must not delete its files."""
    with Library.open(tmp_path / "lib") as lib:
        marker = lib.store.mark_pending("ab" * 32)  # this (live) process
        with Library.open(tmp_path / "lib") as second:
            assert second.cleanup_report.resolved_markers == 0
        assert marker.exists()


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_sigkill_in_the_middle_of_a_folder_import(tmp_path, exif_samples):
    lib_dir = tmp_path / "lib"
    Library.open(lib_dir).close()
    proc = run_import(lib_dir, "P-1", exif_samples / "jpg", wait=False)
    deadline = time.monotonic() + 20
    db = lib_dir / "library.sqlite3"
    # kill once a few photos are in, i.e. in the middle of the import
    while time.monotonic() < deadline and proc.poll() is None:
        with Library.open(lib_dir, cleanup=False) as peek:
            if photo_count(peek) >= 5:
                break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert db.exists()
    with Library.open(lib_dir) as lib:
        assert 0 < photo_count(lib)
        assert_consistent(lib)
        for photo in lib.photos("P-1"):
            assert lib.original_path(photo).is_file()
