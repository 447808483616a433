"""The CLI contract of info, import, patients and photos, run as a real subprocess:
exact JSON keys, exit codes, one stderr line per problem naming the file, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

INFO_KEYS = {
    "path",
    "format",
    "width",
    "height",
    "orientation",
    "taken_at",
    "date_source",
    "camera",
    "sha256",
}


def run_cli(*args, env_extra=None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("PHOTOCOMPARE_TEST_CRASH_AT", None)
    env.update(env_extra or {})
    proc = subprocess.run(
        [sys.executable, "-m", "photocompare", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def run_many(arg_lists):
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda a: run_cli(*a), arg_lists))


def test_info_json_contract_for_an_iphone_heic(exif_samples):
    path = exif_samples / "heic" / "mobile" / "iphone_13_pro_max.heic"
    proc = run_cli("info", path, "--json")
    assert proc.returncode == 0 and proc.stderr == ""
    data = json.loads(proc.stdout)
    assert set(data) == INFO_KEYS
    assert data["path"] == str(path)
    assert data["format"] == "HEIF"
    assert (data["width"], data["height"], data["orientation"]) == (3024, 4032, 6)
    assert data["taken_at"] == "2022-02-16T12:55:41+01:00"
    assert data["date_source"] == "exif"
    assert data["camera"] == {"make": "Apple", "model": "iPhone 13 Pro Max"}
    assert len(data["sha256"]) == 64


def test_info_json_without_exif_uses_file_date_and_null_orientation(bad_images):
    data = json.loads(run_cli("info", bad_images / "hopper.jpg", "--json").stdout)
    assert data["orientation"] is None and data["date_source"] == "file"
    assert data["taken_at"] is not None and data["camera"] == {"make": None, "model": None}


REJECTED = [
    "broken.png",
    "decompression_bomb.gif",
    "zero_width.gif",
    "truncated_image.png",
    "truncated_jpeg.jpg",
]
# readable files whose metadata makes Pillow or exifread complain: the user sees nothing of it
NOISY_BUT_GOOD = [
    "hopper_bad_exif.jpg",
    "sugarshack_bad_mpo_header.jpg",
    "exif_gps_typeerror.jpg",
    "multiple_exif.jpg",
    "exif-ifd-offset.jpg",
    "photoshop-200dpi-broken.jpg",
    "truncated_app14.jpg",
]


def test_info_on_unreadable_files_exits_2_with_one_line_naming_the_file(bad_images, tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    paths = [bad_images / n for n in REJECTED] + [empty, tmp_path / "missing.jpg", tmp_path]
    for path, proc in zip(paths, run_many([("info", p, "--json") for p in paths]), strict=True):
        assert proc.returncode == 2, path
        assert proc.stdout == ""
        lines = proc.stderr.splitlines()
        assert len(lines) == 1, proc.stderr
        assert lines[0].startswith(f"photocompare: {path.name}: ")
    assert "empty file (0 bytes)" in run_cli("info", empty).stderr


def test_info_on_files_with_broken_metadata_is_quiet(bad_images):
    for name, proc in zip(
        NOISY_BUT_GOOD, run_many([("info", bad_images / n, "--json") for n in NOISY_BUT_GOOD]), strict=True
    ):
        assert proc.returncode == 0, name
        assert proc.stderr == "", (name, proc.stderr)
        assert set(json.loads(proc.stdout)) == INFO_KEYS


def test_import_exit_codes_json_and_listing(tmp_path, bad_images, exif_samples, cli):
    lib = tmp_path / "lib"
    good = [exif_samples / "jpg" / "Canon_40D.jpg", bad_images / "hopper.jpg"]

    proc = cli("import", *good, "--patient", "MRN-1", "--name", "Ann Test", "--library", lib, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["summary"] == {"imported": 2, "duplicates": 0, "rejected": 0, "skipped": 0}
    assert [f["status"] for f in data["files"]] == ["imported", "imported"]
    assert set(data["files"][0]) == {"path", "status", "reason", "photo_id", "sha256"}
    assert data["patient"]["external_id"] == "MRN-1"

    # duplicates only: still exit 0; the reason names the original and its patient
    proc = cli("import", good[1], "--patient", "MRN-2", "--library", lib, "--json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["files"][0]["reason"] == "duplicate of hopper.jpg (patient MRN-1)"

    # some rejected: exit 1, the others imported, one stderr line per rejected file
    mixed = [bad_images / "truncated_jpeg.jpg", bad_images / "exif-ifd-offset.jpg", bad_images / "broken.png"]
    proc = cli("import", *mixed, "--patient", "MRN-1", "--library", lib, "--json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["summary"] == {"imported": 1, "duplicates": 0, "rejected": 2, "skipped": 0}
    assert [f["status"] for f in data["files"]] == ["rejected", "imported", "rejected"]
    assert data["files"][0]["reason"] == "file ends early (truncated)"
    errors = proc.stderr.splitlines()
    assert len(errors) == 2 and "truncated_jpeg.jpg: file ends early (truncated)" in errors[0]

    proc = cli("patients", "--library", lib, "--json")
    assert proc.returncode == 0
    patients = json.loads(proc.stdout)["patients"]
    # MRN-2 only brought a duplicate, so it was never created
    assert [(p["external_id"], p["display_name"], p["photos"]) for p in patients] == [
        ("MRN-1", "Ann Test", 3),
    ]

    proc = cli("photos", "--patient", "MRN-1", "--library", lib, "--json")
    assert proc.returncode == 0
    photos = json.loads(proc.stdout)["photos"]
    assert [p["original_name"] for p in photos] == ["Canon_40D.jpg", "exif-ifd-offset.jpg", "hopper.jpg"]
    canon = photos[0]
    assert canon["taken_at"] == "2008-05-30T15:56:01" and canon["date_source"] == "exif"
    assert canon["camera"] == {"make": "Canon", "model": "Canon EOS 40D"}
    assert os.path.isfile(canon["path"])

    text = cli("photos", "--patient", "MRN-1", "--library", lib)
    assert text.returncode == 0 and "Canon_40D.jpg" in text.stdout


def test_library_from_environment_and_human_output(tmp_path, bad_images):
    env = {"PHOTOCOMPARE_LIBRARY": str(tmp_path / "envlib")}
    proc = run_cli("import", bad_images / "hopper.jpg", "--patient", "P", env_extra=env)
    assert proc.returncode == 0 and "1 imported" in proc.stdout
    listing = run_cli("patients", env_extra=env)
    assert listing.returncode == 0 and listing.stdout.startswith("P ")


@pytest.mark.parametrize(
    "args",
    [
        ("import", "x.jpg"),  # --patient missing
        ("photos",),  # --patient missing
        ("info",),  # FILE missing
    ],
)
def test_bad_arguments_exit_2(args):
    proc = run_cli(*args)
    assert proc.returncode == 2 and "usage:" in proc.stderr


def test_unusable_library_or_unknown_patient_exits_2(tmp_path, bad_images):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run_cli("import", bad_images / "hopper.jpg", "--patient", "P", "--library", blocker / "lib")
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1
    proc = run_cli("import", tmp_path / "nothing-here", "--patient", "P", "--library", tmp_path / "l")
    assert proc.returncode == 1  # a named file that is not there is a rejected file
    proc = run_cli("photos", "--patient", "NOPE", "--library", tmp_path / "l")
    assert proc.returncode == 2 and "no patient NOPE" in proc.stderr
    proc = run_cli("patients", "--library", "postgresql+psycopg://u@127.0.0.1:1/x")
    assert proc.returncode == 2 and "needs --store" in proc.stderr
