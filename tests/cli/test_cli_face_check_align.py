"""`photocompare check` and `photocompare align`: the CLI contract, run for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photocompare.cli import main
from tests.conftest import ROOT, shared_path


def _examples() -> Path:
    return shared_path("faces", "face_recognition-examples", "examples")


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("PHOTOCOMPARE_DEBUG_NATIVE", None)
    return subprocess.run(
        [sys.executable, "-m", "photocompare", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=120,
    )


def test_check_json_is_one_clean_object_and_stderr_stays_silent():
    ex = _examples()
    proc = _run("check", str(ex / "obama-720p.jpg"), str(ex / "obama-1080p.jpg"), "--json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no TensorFlow Lite / absl / OpenCV chatter, no exit traceback
    out = json.loads(proc.stdout)
    assert out["consistent"] is True
    assert out["before"]["width"] == 1280 and out["after"]["width"] == 1920
    assert out["after"]["face"]["faces_found"] == 1
    assert out["alignment"]["scale"] == pytest.approx(1280 / 1920, rel=0.01)
    assert {c["status"] for c in out["checks"].values()} == {"pass"}


def test_check_unreadable_file_is_exit_2_with_one_line():
    ex = _examples()
    proc = _run(
        "check", str(ex / "obama-720p.jpg"), str(shared_path("bad-images", "truncated_jpeg.jpg"))
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "truncated_jpeg.jpg" in lines[0]
    assert "Traceback" not in proc.stderr


def test_check_readable_report_names_the_problem(capsys, astronaut_rgb, tmp_path):
    from tests.core.face_synth import exposed

    before, after = tmp_path / "before.png", tmp_path / "after.png"
    Image.fromarray(astronaut_rgb).save(before)
    Image.fromarray(exposed(astronaut_rgb, -1.3)).save(after)
    assert main(["check", str(before), str(after)]) == 0
    out = capsys.readouterr().out
    assert "FAIL  lighting" in out
    assert "The after photo is 1.3 stops darker" in out
    assert "Comparable: NO (lighting failed)" in out
    assert "Alignment:" in out


def test_check_faceless_photo_exits_0_with_null_alignment(capsys, astronaut_jpeg):
    landscape = shared_path("exif-samples", "jpg", "orientation", "landscape_1.jpg")
    assert main(["check", str(astronaut_jpeg), str(landscape), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["alignment"] is None and out["after"]["face"] is None and out["consistent"] is False


def test_check_batch_goes_on_after_a_bad_pair_and_exits_1(capsys, tmp_path):
    ex = _examples()
    csv_path = tmp_path / "pairs.csv"
    csv_path.write_text(
        "before,after\n"
        f"{ex / 'obama-720p.jpg'},{ex / 'obama-1080p.jpg'}\n"
        f"{ex / 'obama-720p.jpg'},{shared_path('bad-images', 'truncated_jpeg.jpg')}\n"
        f"{ex / 'obama-480p.jpg'},{ex / 'obama-720p.jpg'}\n"
    )
    assert main(["check", "--batch", str(csv_path), "--json"]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    rows = [json.loads(line) for line in lines]
    assert rows[0]["error"] is None and rows[0]["consistent"] is True
    assert "truncated_jpeg.jpg" in rows[1]["error"] and rows[1]["checks"] is None
    assert rows[2]["error"] is None and rows[2]["before"]["path"].endswith("obama-480p.jpg")


def test_check_batch_all_good_exits_0_and_bad_header_exits_2(capsys, tmp_path):
    ex = _examples()
    good = tmp_path / "good.csv"
    good.write_text(f"before,after\n{ex / 'obama-720p.jpg'},{ex / 'obama-1080p.jpg'}\n")
    assert main(["check", "--batch", str(good)]) == 0
    assert "Comparable: yes" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("first,second\na.jpg,b.jpg\n")
    assert main(["check", "--batch", str(bad)]) == 2
    assert "before,after" in capsys.readouterr().err


def test_align_writes_the_aligned_after_and_the_side_by_side(tmp_path, astronaut_rgb):
    from tests.core.face_synth import similarity, warped

    before, after = tmp_path / "before.png", tmp_path / "after.jpg"
    Image.fromarray(astronaut_rgb).save(before)
    moved = warped(astronaut_rgb, similarity((256, 200), 9.0, 0.85, (14, -9)))
    Image.fromarray(moved).save(after, quality=95)
    out = tmp_path / "aligned.png"
    assert main(["align", str(before), str(after), "-o", str(out)]) == 0
    aligned = np.asarray(Image.open(out).convert("RGB")).astype(float)
    assert aligned.shape == astronaut_rgb.shape
    face = (slice(90, 260), slice(150, 300))  # the astronaut's face region
    err_aligned = np.abs(aligned[face] - astronaut_rgb[face]).mean()
    err_raw = np.abs(moved[face].astype(float) - astronaut_rgb[face]).mean()
    assert err_aligned < err_raw / 3
    sbs = tmp_path / "pair.jpg"
    assert main(["align", str(before), str(after), "-o", str(sbs), "--side-by-side"]) == 0
    assert Image.open(sbs).size == (512 * 2 + 8, 512)


def test_align_batch_and_bad_output(capsys, tmp_path, astronaut_jpeg):
    landscape = shared_path("exif-samples", "jpg", "orientation", "landscape_1.jpg")
    jobs = tmp_path / "jobs.csv"
    jobs.write_text(
        "before,after,output\n"
        f"{astronaut_jpeg},{astronaut_jpeg},same.png\n"
        f"{astronaut_jpeg},{landscape},noface.png\n"
    )
    assert main(["align", "--batch", str(jobs)]) == 1
    out = capsys.readouterr().out
    assert (tmp_path / "same.png").exists()  # relative output lands beside the CSV
    assert not (tmp_path / "noface.png").exists()
    assert "no face found" in out
    assert (
        main(["align", str(astronaut_jpeg), str(astronaut_jpeg), "-o", str(tmp_path / "x.gif")])
        == 2
    )
    assert "png or .jpg" in capsys.readouterr().err
