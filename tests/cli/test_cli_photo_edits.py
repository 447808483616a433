"""`photocompare photo move|redate` and each photo's `period` in `photos --json`."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from photocompare.core.course_figures import Treatment
from photocompare.library import audit, course_repo
from photocompare.library.db import Library


@pytest.fixture
def lib(tmp_path, exif_samples, bad_images, cli):
    path = tmp_path / "lib"
    files = [exif_samples / "jpg" / "Canon_40D.jpg", exif_samples / "jpg" / "Nikon_D70.jpg",
             bad_images / "hopper.jpg"]
    proc = cli("import", *files, "--patient", "P-1", "--library", path, "--json")
    assert proc.returncode == 0, proc.stderr
    assert cli("patient", "add", "P-2", "--library", path).returncode == 0
    with Library.open(path) as library:
        for day in (dt.date(2026, 1, 29), dt.date(2026, 4, 23)):
            course_repo.save_treatment(library, "P-1", Treatment(day))
    return path


def _photos(cli, lib, patient="P-1"):
    proc = cli("photos", "--patient", patient, "--library", lib, "--json")
    assert proc.returncode == 0, proc.stderr
    return {p["original_name"]: p for p in json.loads(proc.stdout)["photos"]}


def _id(cli, lib, name):
    return _photos(cli, lib)[name]["id"]


def test_photos_json_gives_each_photos_period(cli, lib):
    photos = _photos(cli, lib)
    assert all("period" in p for p in photos.values())
    assert photos["Canon_40D.jpg"]["period"] is None  # 2008: outside the diary periods
    canon, nikon = photos["Canon_40D.jpg"]["id"], photos["Nikon_D70.jpg"]["id"]
    # typed dates are taken as typed: 2026-08-12 is the 12th of August
    assert cli("photo", "redate", canon, "--taken-at", "2026-01-29", "--library", lib).returncode == 0
    assert cli("photo", "redate", nikon, "--taken-at", "2026-04-24T10:00", "--library", lib).returncode == 0
    photos = _photos(cli, lib)
    assert photos["Canon_40D.jpg"]["period"] == "baseline"  # treatment day: the period before
    assert photos["Nikon_D70.jpg"]["period"] == "cycle 2"
    assert cli("photo", "redate", nikon, "--taken-at", "2026-04-23T08:00",
               "--library", lib).returncode == 0
    assert _photos(cli, lib)["Nikon_D70.jpg"]["period"] == "cycle 1"
    assert cli("photo", "redate", nikon, "--taken-at", "2026-02-01", "--library", lib).returncode == 0
    assert _photos(cli, lib)["Nikon_D70.jpg"]["period"] == "cycle 1"


def test_photo_redate_as_typed_with_json(cli, lib):
    canon = _id(cli, lib, "Canon_40D.jpg")
    proc = cli("photo", "redate", canon, "--taken-at", "2026-08-12", "--library", lib, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["taken_at"] == "2026-08-12T15:56:01" and out["date_source"] == "manual"
    assert out["period"] == "cycle 2"
    proc = cli("photo", "redate", canon, "--taken-at", "2026-08-12T09:30+02:00", "--library", lib)
    assert proc.returncode == 0
    assert "taken 2026-08-12T09:30:00 (was 2026-08-12T15:56:01, from manual)" in proc.stdout


@pytest.mark.parametrize(("value", "message"), [
    ("12/08/2026", "not an ISO date"),
    ("2026-13-01", "not an ISO date"),
    ("2099-01-01", "is in the future"),
])
def test_photo_redate_refuses_bad_dates_in_one_line(cli, lib, value, message):
    canon = _id(cli, lib, "Canon_40D.jpg")
    proc = cli("photo", "redate", canon, "--taken-at", value, "--library", lib)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and message in proc.stderr
    assert _photos(cli, lib)["Canon_40D.jpg"]["taken_at"] == "2008-05-30T15:56:01"


def test_photo_move_to_another_patient(cli, lib):
    canon = _id(cli, lib, "Canon_40D.jpg")
    proc = cli("photo", "move", canon, "--patient", "P-2", "--library", lib)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"photo {canon} (Canon_40D.jpg) moved to patient P-2"
    assert list(_photos(cli, lib, "P-2")) == ["Canon_40D.jpg"]
    assert "Canon_40D.jpg" not in _photos(cli, lib, "P-1")
    with Library.open(lib) as library:
        assert len(audit.entries(library, action=audit.PHOTO_MOVED)) == 2
    for args, message in (
        ((canon, "--patient", "NOPE"), "no patient NOPE in the library"),
        ((canon, "--patient", "P-2"), "already belongs to patient P-2"),
        ((9999, "--patient", "P-1"), "no photo with id 9999"),
    ):
        proc = cli("photo", "move", *args, "--library", lib)
        assert proc.returncode == 2 and message in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
