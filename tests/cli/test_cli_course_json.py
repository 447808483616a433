"""`photocompare course` / `diary` as a user runs them: JSON contract, exit codes, bad rows."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

CONTRACT_KEYS = ["label", "start", "end", "days", "days_recorded", "coverage", "headache_days",
                 "migraine_days", "acute_med_days", "headache_days_per_28", "migraine_days_per_28",
                 "acute_med_days_per_28", "mean_intensity", "headache_change_pct", "responder_30",
                 "responder_50"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "photocompare", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd)


@pytest.fixture
def diary_csv(tmp_path) -> Path:
    """Baseline 2024-01-01..01-28: 20 headache days (10 migraine, intensity 7), 6 triptan days;
    cycle 1 2024-01-29..2024-03-03 (35 days): 14 headache days -> 14 * 28 / 35 = 11.2 per 28."""
    lines = ["date;headache;migraine;hours;intensity;medication;medication_class;note"]
    start = dt.date(2024, 1, 1)
    for i in range(28 + 35):
        day = start + dt.timedelta(days=i)
        headache = i < 20 if i < 28 else i - 28 < 14
        migraine = i < 10
        med = "ja;triptan" if i < 6 else "nein;"
        lines.append(f"{day:%d.%m.%Y};{'ja' if headache else 'nein'};{'ja' if migraine else 'nein'};"
                     f"{'3,5' if headache else ''};{'7' if headache else ''};{med};")
    path = tmp_path / "diary.csv"
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_json_output_follows_the_contract(diary_csv):
    proc = run("course", "--diary", str(diary_csv), "--treatment", "2024-01-29",
               "--treatment", "2024-03-04", "--today", "2024-03-10", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert list(data) == ["periods", "flags"]
    assert [p["label"] for p in data["periods"]] == ["baseline", "cycle 1", "cycle 2"]
    assert all(list(p) == CONTRACT_KEYS for p in data["periods"])
    base, c1, c2 = data["periods"]
    assert base == {
        "label": "baseline", "start": "2024-01-01", "end": "2024-01-28", "days": 28,
        "days_recorded": 28, "coverage": 1.0, "headache_days": 20, "migraine_days": 10,
        "acute_med_days": 6, "headache_days_per_28": 20.0, "migraine_days_per_28": 10.0,
        "acute_med_days_per_28": 6.0, "mean_intensity": 7.0, "headache_change_pct": None,
        "responder_30": None, "responder_50": None}
    # 14 * 28 / 35 = 11.2 per 28; (11.2 - 20) / 20 = -44 %
    assert (c1["start"], c1["end"], c1["days"]) == ("2024-01-29", "2024-03-03", 35)
    assert (c1["headache_days_per_28"], c1["headache_change_pct"]) == (11.2, -44.0)
    assert (c1["responder_30"], c1["responder_50"]) == (True, False)
    # cycle 2 runs to --today (7 days) but no diary day is recorded in it
    assert (c2["days"], c2["days_recorded"], c2["headache_days_per_28"]) == (7, 0, None)
    flags = data["flags"]
    assert list(flags) == ["chronic_migraine_baseline", "medication_overuse", "stopping_rule", "notes"]
    assert flags["chronic_migraine_baseline"] is True
    assert flags["medication_overuse"] == []
    assert flags["stopping_rule"]["met"] is None  # cycle 2 has no data yet
    assert any("cannot be verified" in n for n in flags["notes"])


def test_text_output_is_readable(diary_csv):
    proc = run("course", "--diary", str(diary_csv), "--treatment", "2024-01-29")
    assert proc.returncode == 0, proc.stderr
    assert "Headache days went from 20 to 11.2 per 28 days — 44 % fewer." in proc.stdout
    assert "Chronic migraine at baseline (ICHD-3 frequency): yes" in proc.stdout
    assert "never a decision" in proc.stdout


def test_bad_rows_exit_2_listed_one_per_line_unless_skipped(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("date,headache,intensity\n2024-01-01,yes,5\n2024-01-02,yes,12\n"
                    "2024-01-01,no,\n2024-01-04,no,\n", encoding="utf-8")
    proc = run("course", "--diary", str(path), "--treatment", "2024-01-03", "--json")
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert lines[0] == "photocompare: bad.csv: line 3: intensity 12 is outside 0-10"
    assert lines[1] == "photocompare: bad.csv: line 4: duplicate date 2024-01-01 (first on line 2)"
    assert len(lines) == 3 and "skip-bad-rows" in lines[2]
    proc = run("course", "--diary", str(path), "--treatment", "2024-01-03", "--json",
               "--skip-bad-rows")
    assert proc.returncode == 0, proc.stderr
    assert "skipped line 3" in proc.stderr
    data = json.loads(proc.stdout)
    assert data["periods"][0]["days_recorded"] == 1  # only 2024-01-01 before the treatment


@pytest.mark.parametrize("args", [
    ["--diary", "{missing}", "--treatment", "2024-01-03"],
    ["--diary", "{binary}", "--treatment", "2024-01-03"],
    ["--diary", "{good}", "--treatment", "2024-02-30"],
    ["--diary", "{good}"],
    ["--treatment", "2024-01-03"],
])
def test_unreadable_file_or_bad_arguments_exit_2_with_one_line(tmp_path, args, capsys):
    """In-process through the same dispatcher as the installed command (argparse exits 2)."""
    from photocompare.cli import main

    good = tmp_path / "good.csv"
    good.write_text("date,headache\n2024-01-01,yes\n", encoding="utf-8")
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    names = {"missing": str(tmp_path / "missing.csv"), "binary": str(binary), "good": str(good)}
    try:
        code = main(["course", *[a.format(**names) for a in args]])
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    message = [ln for ln in err.splitlines() if ln.startswith("photocompare")]
    assert len(message) == 1, err


def test_library_patient_import_course_export(tmp_path, diary_csv, capsys):
    library = tmp_path / "lib"
    from photocompare.core.course_figures import Treatment
    from photocompare.core.preempt import protocol_units
    from photocompare.library.course_repo import save_treatment
    from photocompare.library.db import Library

    with Library.open(library) as lib:
        lib.add_patient("P-7")
        save_treatment(lib, "P-7", Treatment(dt.date(2024, 1, 29), total_units=155,
                                             sites=protocol_units()))
    proc = run("diary", "import", str(diary_csv), "--patient", "P-7", "--library", str(library))
    assert proc.returncode == 0, proc.stderr
    assert "63 days added" in proc.stdout
    proc = run("course", "--patient", "P-7", "--library", str(library), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [p["label"] for p in data["periods"]] == ["baseline", "cycle 1"]
    assert data["periods"][1]["headache_days_per_28"] == 11.2
    out = tmp_path / "out.csv"
    proc = run("diary", "export", str(out), "--patient", "P-7", "--library", str(library))
    assert proc.returncode == 0 and out.read_text(encoding="utf-8").count("\n") == 64
    from photocompare.cli import main

    capsys.readouterr()
    assert main(["course", "--patient", "NOPE", "--library", str(library)]) == 2
    assert capsys.readouterr().err == "photocompare: no patient with ID 'NOPE'\n"


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_report_reaches_a_stream_without_the_symbols(diary_csv, encoding):
    """Redirected on a Windows workstation stdout takes the code page (cp1252 has no "≥"): the
    report is still printed whole, the symbols in a plain form, and the command exits 0."""
    import os

    env = dict(os.environ, PYTHONIOENCODING=encoding)
    proc = subprocess.run(
        [sys.executable, "-m", "photocompare", "course", "--diary", str(diary_csv),
         "--treatment", "2024-01-29", "--today", "2024-03-10"],
        capture_output=True, timeout=120, env=env)
    out, err = proc.stdout.decode(encoding), proc.stderr.decode(encoding)
    assert proc.returncode == 0, err
    assert "criterion for chronic migraine (>= 15 headache days with >= 8 migraine days" in out
    assert ">=30%" in out and "Traceback" not in err and "unexpected error" not in err
