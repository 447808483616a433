"""Read-only commands refuse a mistyped --store and create nothing, commands that add to a
library may create it; `check` and `sheet` note a pair whose after photo was taken first."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import InProcess


@pytest.fixture
def cli(capsys, monkeypatch, tmp_path):
    """`photocompare ARGS` through cli.main in this process (the code path of the command)."""
    monkeypatch.delenv("PHOTOCOMPARE_LIBRARY", raising=False)
    monkeypatch.delenv("PHOTOCOMPARE_STORE", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    return InProcess(capsys)


@pytest.fixture
def library_with_store(cli, tmp_path, bad_images) -> tuple[Path, Path]:
    lib, store = tmp_path / "lib", tmp_path / "store"
    proc = cli("import", bad_images / "hopper.jpg", "--patient", "P1", "--library", lib,
               "--store", store)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return lib, store


@pytest.mark.parametrize(
    "args",
    [
        ("patients",),
        ("photos", "--patient", "P1"),
        ("course", "--patient", "P1"),
        ("sheet", "--patient", "P1", "-o", "out.pdf"),
        ("verify", "--json"),
        ("audit",),
        ("trash", "list"),
    ],
)
def test_read_only_command_refuses_a_mistyped_store_and_creates_nothing(
    cli, library_with_store, tmp_path, args
):
    lib, _store = library_with_store
    typo = tmp_path / "stroe"
    proc = cli(*args, "--library", lib, "--store", typo)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"no store at {typo}" in lines[0], proc.stderr
    assert not typo.exists()
    assert not (tmp_path / "out.pdf").exists()


def test_read_only_command_with_the_right_store_still_works(cli, library_with_store):
    lib, store = library_with_store
    proc = cli("photos", "--patient", "P1", "--library", lib, "--store", store, "--json")
    assert proc.returncode == 0, proc.stderr


def test_import_and_patient_add_may_create_the_store(cli, tmp_path, bad_images):
    store = tmp_path / "new-store"
    proc = cli("patient", "add", "P2", "--library", tmp_path / "lib2", "--store", store)
    assert proc.returncode == 0, proc.stderr
    assert store.is_dir()
    other = tmp_path / "other-store"
    proc = cli("import", bad_images / "hopper.jpg", "--patient", "P3", "--library",
               tmp_path / "lib3", "--store", other)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert other.is_dir()


# -- a pair whose "after" photo was taken before the "before" photo ----------------------------

SWAP_NOTE = "The after photo was taken before the before photo"
CHECK_KEYS = {"before", "after", "checks", "consistent", "alignment"}


def _dated_copy(rgb, path: Path, when: str) -> Path:
    from PIL import Image

    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = when  # DateTimeOriginal
    Image.fromarray(rgb).save(path, quality=92, exif=exif.tobytes())
    return path


@pytest.fixture(scope="module")
def dated_pair(tmp_path_factory, astronaut_rgb) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("dated_pair")
    early = _dated_copy(astronaut_rgb, folder / "early.jpg", "2026:01:05 09:12:00")
    late = _dated_copy(astronaut_rgb[:, ::-1].copy(), folder / "late.jpg", "2026:04:12 10:03:00")
    return early, late


def test_check_notes_an_after_photo_taken_before_the_before_photo(cli, dated_pair):
    import json

    early, late = dated_pair
    proc = cli("check", late, early, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) >= CHECK_KEYS  # the existing contract is unchanged
    assert len(out["notes"]) == 1 and out["notes"][0].startswith(SWAP_NOTE)
    assert "2026-01-05 09:12 vs 2026-04-12 10:03" in out["notes"][0]
    assert "capture_order" not in out["checks"]  # informational, not a check

    readable = cli("check", late, early)
    assert readable.returncode == 0, readable.stderr
    assert f"Note: {SWAP_NOTE}" in readable.stdout

    in_order = json.loads(cli("check", early, late, "--json").stdout)
    assert in_order["notes"] == []
    assert in_order["consistent"] == out["consistent"]  # the note never fails the pair


def test_sheet_shows_the_capture_order_note_under_the_photos(cli, dated_pair, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    early, late = dated_pair
    out = tmp_path / "swapped.pdf"
    proc = cli("sheet", late, early, "-o", out)
    assert proc.returncode == 0, proc.stderr
    text = " ".join(
        " ".join(page.extract_text().split()) for page in pypdf.PdfReader(str(out)).pages
    )
    assert SWAP_NOTE in text
    ok = tmp_path / "in_order.pdf"
    assert cli("sheet", early, late, "-o", ok).returncode == 0
    ok_text = " ".join(page.extract_text() for page in pypdf.PdfReader(str(ok)).pages)
    assert "taken before the before photo" not in " ".join(ok_text.split())
