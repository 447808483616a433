"""Crash safety: SIGKILL the importing process at many points; the library stays consistent.

A library holding patient P-0's photos is copied for every run; a child process
(tests/clinic/crash_child.py) imports a folder of 18 real photos (4 of them already in the
library) for P-1 and is killed — at deterministic points (half-written copy, before/after the
atomic rename, before/after the commit, around the pending-marker journal, before an fsync,
and the PHOTOCOMPARE_TEST_CRASH_AT hooks) and after random delays. After each kill the library is
reopened (as the app would) and must be consistent:

- every photo row has its original in the store with the right SHA-256 (verify_library);
- no half-written or unreferenced file is visible (tmp/ and pending/ are empty, every stored
  file hashes to its name, every stored file has a row);
- nothing imported earlier is lost (P-0's rows and files unchanged);
- the library still works: importing the folder again completes it (checked every third run).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from photocompare.library.db import Library
from photocompare.library.importer import import_paths
from photocompare.library.models import Patient, Photo
from photocompare.library.verify import verify_library
from tests.clinic.conftest import folder_of
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

DETERMINISTIC = [
    "pending:1", "pending:7", "midcopy:1", "midcopy:13", "midcopy:14", "fsync:1", "fsync:4",
    "fsync:21", "replace:1", "replace:9", "replaced:1", "replaced:14", "commit:1", "commit:2",
    "commit:8", "committed:1", "committed:2", "committed:12", "clear:1", "clear:10",
    "hook:after_tmp_write", "hook:after_store", "hook:after_commit",
]
RANDOM_RUNS = {"sqlite": 12, "postgres": 6}
DETERMINISTIC_ON = {"sqlite": DETERMINISTIC, "postgres": DETERMINISTIC[::3]}


class Baseline:
    """A library with P-0's photos, cloned cheaply for every run."""

    def __init__(self, backend: str, root: Path, pg_cluster, photos: list[Path]):
        self.backend = backend
        self.root = root
        self.pg_cluster = pg_cluster
        self.store = root / "baseline-store"
        if backend == "sqlite":
            self.location = str(root / "baseline-lib")
        else:
            self.location = pg_cluster.create_database("crashbase")
        lib = Library.open(self.location, store=self.store)
        summary = import_paths(lib, [folder_of(photos, root / "p0")], "P-0")
        assert len(summary.imported) == len(photos)
        self.rows = self.snapshot(lib)
        lib.close()

    @staticmethod
    def snapshot(lib) -> dict[int, tuple[str, str, int]]:
        with lib.session() as s:
            return {
                pid: (sha, ext, size)
                for pid, sha, ext, size in s.execute(
                    sa.select(Photo.id, Photo.sha256, Patient.external_id, Photo.file_bytes)
                    .join(Patient, Patient.id == Photo.patient_id)
                )
            }

    def clone(self, run: int) -> tuple[str, Path]:
        store = self.root / f"run{run}-store"
        shutil.copytree(self.store, store)
        if self.backend == "sqlite":
            location = self.root / f"run{run}-lib"
            shutil.copytree(self.location, location, ignore=shutil.ignore_patterns("store"))
            return str(location), store
        name = f"crash_{run}_{os.getpid()}"
        base = sa.make_url(self.location).database
        admin = sa.create_engine(self.pg_cluster.url("postgres"), isolation_level="AUTOCOMMIT",
                                 poolclass=sa.NullPool)
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{base}"'))
        admin.dispose()
        return self.pg_cluster.url(name).render_as_string(hide_password=False), store


def run_child(location: str, store: Path, folder: Path, kill: str | None,
              delay: float | None) -> tuple[str, int, float]:
    """Run the importer; returns its output, exit code and seconds from "ready" to exit."""
    argv = [sys.executable, "-m", "tests.clinic.crash_child", location, str(store), str(folder),
            "P-1"]
    env = dict(os.environ)
    env.pop("PHOTOCOMPARE_TEST_CRASH_AT", None)
    if kill and kill.startswith("hook:"):
        env["PHOTOCOMPARE_TEST_CRASH_AT"] = kill.split(":", 1)[1]
    elif kill:
        argv.append(kill)
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    ready = proc.stdout.readline()
    t_ready = time.perf_counter()
    if delay is not None and ready.startswith("ready"):
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    return ready + out + err[-1500:], proc.returncode, time.perf_counter() - t_ready


def check_consistent(baseline: Baseline, location: str, store: Path, expected_shas: set[str],
                     stats: dict, finish: bool = True) -> None:
    leftovers = len(list((store / "tmp").glob("*"))) + len(list((store / "pending").glob("*")))
    stats["leftovers_before_reopen"] += leftovers
    lib = Library.open(location, store=store)  # what the app does next: cleanup runs here
    try:
        report = verify_library(lib)
        assert report.ok, report.lines()
        assert not report.problems, report.lines()  # no unreferenced or temp files either
        assert list(lib.store.tmp_dir.iterdir()) == []
        assert list(lib.store.pending_dir.iterdir()) == []
        files = lib.store.verify(expected=None)  # every file in the store, re-hashed
        assert not files.corrupt, files.corrupt
        rows = baseline.snapshot(lib)
        for pid, row in baseline.rows.items():  # nothing imported earlier lost or changed
            assert rows.get(pid) == row
        new = {pid: r for pid, r in rows.items() if pid not in baseline.rows}
        assert {sha for sha, _, _ in new.values()} <= expected_shas
        assert all(ext == "P-1" for _, ext, _ in new.values())
        for _, sha, size in [(p, r[0], r[2]) for p, r in new.items()]:
            assert lib.store.path_for(sha).stat().st_size == size
        assert set(lib.store.iter_originals()) == {r[0] for r in rows.values()}
        stats["rows_at_kill"].append(len(new))
        if not finish:
            return
        # still usable: finishing the import gives every photo exactly once
        summary = import_paths(lib, [stats["folder"]], "P-1")
        assert not summary.rejected, summary.rejected
        final = baseline.snapshot(lib)
        assert {r[0] for r in final.values()} == expected_shas | {r[0] for r in baseline.rows.values()}
        assert verify_library(lib).ok
    finally:
        lib.close()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_import_killed_at_many_points_leaves_a_consistent_library(backend, request, camera_jpegs,
                                                                 tmp_path):
    pg = request.getfixturevalue("pg_cluster") if backend == "postgres" else None
    baseline = Baseline(backend, tmp_path, pg, camera_jpegs[:4])
    incoming = folder_of(camera_jpegs, tmp_path / "incoming")  # 18 photos, 4 already in
    from photocompare.core.images import sha256_file

    expected = {sha256_file(p) for p in incoming.iterdir()}
    stats = {"leftovers_before_reopen": 0, "rows_at_kill": [], "folder": incoming, "killed": 0}

    # a clean run first: how long an import takes (and that it works at all)
    location, store = baseline.clone(0)
    out, code, import_s = run_child(location, store, incoming, None, None)
    assert code == 0 and "done 14 4 0" in out, out
    check_consistent(baseline, location, store, expected, stats)

    rng = random.Random(20261125 + (backend == "postgres"))
    plan = [(k, None) for k in DETERMINISTIC_ON[backend]]
    plan += [(None, rng.uniform(0.0, 0.8 * import_s)) for _ in range(RANDOM_RUNS[backend])]
    for run, (kill, delay) in enumerate(plan, start=1):
        location, store = baseline.clone(run)
        out, code, _ = run_child(location, store, incoming, kill, delay)
        killed = code in (-signal.SIGKILL, 70)
        stats["killed"] += killed
        if kill:
            assert killed, f"kill point {kill} never reached: {out}"
        else:
            assert killed or code == 0, out
        check_consistent(baseline, location, store, expected, stats, finish=run % 3 == 0)
        if backend == "sqlite":
            shutil.rmtree(location, ignore_errors=True)
        shutil.rmtree(store, ignore_errors=True)
    print(
        f"\ncrash-import[{backend}]: {len(plan)} runs, {stats['killed']} killed mid-import, "
        f"rows committed at kill {sorted(stats['rows_at_kill'])}, "
        f"{stats['leftovers_before_reopen']} leftover tmp/marker files cleaned on reopen"
    )
    random_killed = stats["killed"] - len(DETERMINISTIC_ON[backend])
    assert random_killed >= RANDOM_RUNS[backend] // 2  # most random delays land mid-import
    assert len(set(stats["rows_at_kill"])) >= 5  # kills landed at many different stages
