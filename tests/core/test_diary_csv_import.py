"""Diary CSV: tolerant reading, every bad row with its line number, bounds, round trip."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from photocompare.core.course_figures import DiaryDay, MedicationClass, MonthlySummary
from photocompare.core.diary_csv import (
    DIARY_COLUMNS,
    parse_diary_csv,
    write_diary_csv,
    write_summary_csv,
)
from photocompare.core.errors import CourseError
from photocompare.settings import CourseSettings

D = dt.date


def write(tmp_path: Path, text: str, name: str = "diary.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_documented_format_reads_every_field(tmp_path):
    path = write(tmp_path, (
        "date,headache,migraine,hours,intensity,medication,medication_class,note\n"
        "2024-03-01,yes,yes,6,7,yes,triptan,woke up with it\n"
        "2024-03-02,no,no,,,no,,\n"
        '2024-03-03,yes,no,1.5,3,yes,simple_analgesic,"ibuprofen, 400 mg"\n'
    ))
    parsed = parse_diary_csv(path)
    assert parsed.ok and parsed.kind == "diary" and parsed.summaries == []
    assert parsed.entries == [
        DiaryDay(D(2024, 3, 1), True, True, 6.0, 7, True, MedicationClass.TRIPTAN, "woke up with it"),
        DiaryDay(D(2024, 3, 2), False, False, None, None, False, None, ""),
        DiaryDay(D(2024, 3, 3), True, False, 1.5, 3, True, MedicationClass.SIMPLE_ANALGESIC,
                 "ibuprofen, 400 mg"),
    ]


def test_variants_bom_semicolons_header_order_booleans_day_first(tmp_path):
    # BOM, ';' separator, decimal comma, header in another order and case, dotted day-first
    # dates, yes/no written as 1/0/true/FALSE/ja, class with spaces and capitals, CRLF lines
    text = ("\ufeff# exported by a headache app\r\n"
            "Note;Medication Class;Date;Headache;Migraine;Intensity;Hours;Medication\r\n"
            ";Triptan;01.03.2024;1;true;8;2,5;1\r\n"
            "x;;02.03.2024;0;FALSE;;;0\r\n"
            ";simple analgesic;2024/03/03;ja;no;4;1;yes\r\n"
            "\r\n"
            ";;2024-03-04;no;;;;\r\n")
    parsed = parse_diary_csv(write(tmp_path, text))
    assert parsed.bad_rows == []
    assert [e.date for e in parsed.entries] == [D(2024, 3, 1), D(2024, 3, 2), D(2024, 3, 3),
                                                 D(2024, 3, 4)]
    first = parsed.entries[0]
    assert (first.headache, first.migraine, first.intensity, first.hours, first.medication,
            first.medication_class) == (True, True, 8, 2.5, True, MedicationClass.TRIPTAN)
    assert parsed.entries[1].note == "x" and parsed.entries[1].headache is False
    assert parsed.entries[2].medication_class == MedicationClass.SIMPLE_ANALGESIC


def test_comment_lines_are_skipped_but_a_hash_note_is_kept(tmp_path):
    text = "# my diary\ndate,headache,note\n# March\n2024-03-01,yes,ok\n"
    parsed = parse_diary_csv(write(tmp_path, text, "a.csv"))
    assert parsed.ok and len(parsed.entries) == 1
    text = "note,date,headache\n#2 bad week,2024-03-01,yes\n"
    assert parse_diary_csv(write(tmp_path, text, "b.csv")).entries[0].note == "#2 bad week"


def test_slashed_day_first_dates_only_when_the_file_shows_it(tmp_path):
    # 25/03/2024 proves the file is day-first, so 04/03/2024 is the 4th of March
    clear = write(tmp_path, "date,headache\n25/03/2024,yes\n04/03/2024,no\n", "clear.csv")
    parsed = parse_diary_csv(clear)
    assert parsed.ok and [e.date for e in parsed.entries] == [D(2024, 3, 4), D(2024, 3, 25)]
    # nothing tells 04/03 from 03/04: reported, not guessed
    vague = write(tmp_path, "date,headache\n04/03/2024,yes\n05/03/2024,no\n", "vague.csv")
    parsed = parse_diary_csv(vague)
    assert parsed.entries == []
    assert parsed.bad_rows[0][0] == 2 and "ambiguous" in parsed.bad_rows[0][1]
    # a month-first file (03/25/2024) is refused row by row
    us = write(tmp_path, "date,headache\n03/25/2024,yes\n", "us.csv")
    assert "month-first" in parse_diary_csv(us).bad_rows[0][1]


def test_every_bad_row_is_reported_with_its_line_number(tmp_path):
    text = ("date,headache,migraine,hours,intensity,medication,medication_class,note\n"  # 1
            "2024-03-01,yes,yes,6,7,yes,triptan,\n"  # 2 good
            "2024-02-30,yes,no,,,no,,\n"  # 3 no such day
            "2024-03-03,maybe,no,,,no,,\n"  # 4 not yes/no
            "2024-03-04,yes,no,,11,no,,\n"  # 5 intensity > 10
            "2024-03-05,yes,no,25,5,no,,\n"  # 6 hours > 24
            "2024-03-06,no,yes,,,no,,\n"  # 7 migraine without headache
            "2024-03-07,yes,no,,,no,triptan,\n"  # 8 class but medication no
            "2024-03-08,yes,no,,,yes,aspirin pill,\n"  # 9 unknown class
            "2024-03-01,no,no,,,no,,\n"  # 10 duplicate of line 2
            "2024-03-10,no,no,,3,no,,\n"  # 11 intensity on a headache-free day
            "2024-03-11,yes,no,,7.5,no,,\n"  # 12 intensity not whole
            "\n"  # 13 blank: skipped
            "2024-03-12,yes,no,,,no,,\n")  # 14 good
    parsed = parse_diary_csv(write(tmp_path, text))
    lines = [line for line, _ in parsed.bad_rows]
    assert lines == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    reasons = dict(parsed.bad_rows)
    assert "not a valid calendar date" in reasons[3]
    assert "'maybe' is not yes/no" in reasons[4]
    assert "intensity 11 is outside 0-10" in reasons[5]
    assert "hours 25 is outside 0-24" in reasons[6]
    assert "migraine is yes but headache is no" in reasons[7]
    assert "medication is no" in reasons[8]
    assert "is not one of" in reasons[9]
    assert reasons[10] == "duplicate date 2024-03-01 (first on line 2)"
    assert parsed.duplicates == [(10, reasons[10])]
    assert [e.date for e in parsed.entries] == [D(2024, 3, 1), D(2024, 3, 12)]
    assert parsed.bad_rows_text("diary.csv")[0] == "diary.csv: line 3: date '2024-02-30' is not a valid calendar date"


def test_quoted_multiline_note_keeps_line_numbers_right(tmp_path):
    text = ('date,headache,note\n'
            '2024-03-01,yes,"line one\nline two"\n'  # lines 2-3
            '2024-03-02,sometimes,\n')  # line 4
    parsed = parse_diary_csv(write(tmp_path, text))
    assert parsed.entries[0].note == "line one\nline two"
    assert parsed.bad_rows == [(4, "headache 'sometimes' is not yes/no")]


def test_leap_day_and_unknown_columns(tmp_path):
    parsed = parse_diary_csv(write(tmp_path, "date,headache,weather\n2024-02-29,yes,rain\n"
                                              "2023-02-29,yes,sun\n"))
    assert [e.date for e in parsed.entries] == [D(2024, 2, 29)]
    assert parsed.bad_rows[0][0] == 3
    assert parsed.warnings == ["ignored column(s): weather"]


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty file"),
    (b"   \n\n", "empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"foo,bar\n1,2\n", "header must name the columns"),
    (b"date,migraine\n2024-01-01,yes\n", "missing column(s) headache"),
    (b"date,headache,Headache\n2024-01-01,yes,no\n", "column headache appears twice"),
])
def test_unusable_files_raise_one_line_naming_the_file(tmp_path, content, message):
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    with pytest.raises(CourseError, match=re.escape(message)) as info:
        parse_diary_csv(path)
    assert str(info.value).startswith("broken.csv: ") and "\n" not in str(info.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(CourseError, match="nothere.csv: cannot read"):
        parse_diary_csv(tmp_path / "nothere.csv")
    with pytest.raises(CourseError, match="not a file"):
        parse_diary_csv(tmp_path)


def test_bounded_by_rows_and_bytes(tmp_path):
    rows = "".join(f"{D(2020, 1, 1) + dt.timedelta(days=i)},no\n" for i in range(11))
    path = write(tmp_path, "date,headache\n" + rows)
    with pytest.raises(CourseError, match="11 rows is more than the 10"):
        parse_diary_csv(path, CourseSettings(max_csv_rows=10))
    assert len(parse_diary_csv(path, CourseSettings(max_csv_rows=11)).entries) == 11
    with pytest.raises(CourseError, match="larger than the 100 bytes"):
        parse_diary_csv(path, CourseSettings(max_csv_bytes=100))


def test_latin1_file_is_read(tmp_path):
    path = write(tmp_path, "date;headache;note\n01.03.2024;ja;Kopfschmerz nach Kaffee, müde\n",
                 encoding="cp1252")
    assert parse_diary_csv(path).entries[0].note == "Kopfschmerz nach Kaffee, müde"


def test_diary_round_trip(tmp_path):
    entries = [
        DiaryDay(D(2024, 2, 28), True, True, 6.5, 8, True, MedicationClass.TRIPTAN, "bad, long day"),
        DiaryDay(D(2024, 2, 29), False, False, None, None, False, None, ""),
        DiaryDay(D(2024, 3, 1), True, False, None, 4, True, MedicationClass.GEPANT_OTHER, 'said "ok"'),
        DiaryDay(D(2024, 3, 2), None, False, None, None, False, None, "away, no diary"),
        DiaryDay(D(2024, 3, 3), True, False, 24.0, 10, True, MedicationClass.COMBINATION, "line1\nline2"),
    ]
    path = tmp_path / "out.csv"
    write_diary_csv(path, reversed(entries))
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(DIARY_COLUMNS)
    parsed = parse_diary_csv(path)
    assert parsed.ok and parsed.entries == entries
    # and once more: the second write is byte-identical to the first
    again = tmp_path / "again.csv"
    write_diary_csv(again, parsed.entries)
    assert again.read_bytes() == path.read_bytes()


def test_monthly_summaries_read_validate_and_round_trip(tmp_path):
    text = ("start;end;headache_days;migraine_days;acute_med_days\n"
            "01.01.2024;31.01.2024;18;9;12\n"
            "2024-02-01,2024-02-29,10,4,6\n".replace(",", ";")
            + "2024-03-01;2024-03-31;32;0;0\n"  # more headache days than days
            + "2024-04-01;2024-03-31;1;0;0\n"  # ends before it starts
            + "2024-02-15;2024-03-14;5;6;0\n"  # migraine > headache
            + "2024-02-10;2024-02-20;5;1;0\n")  # overlaps line 3
    parsed = parse_diary_csv(write(tmp_path, text, "counts.csv"))
    assert parsed.kind == "summary" and parsed.entries == []
    assert parsed.summaries == [MonthlySummary(D(2024, 1, 1), D(2024, 1, 31), 18, 9, 12),
                                MonthlySummary(D(2024, 2, 1), D(2024, 2, 29), 10, 4, 6)]
    assert [line for line, _ in parsed.bad_rows] == [4, 5, 6, 7]
    assert "overlaps the range on line 3" in dict(parsed.bad_rows)[7]
    out = tmp_path / "counts_out.csv"
    write_summary_csv(out, parsed.summaries)
    assert parse_diary_csv(out).summaries == parsed.summaries


_NOTE = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85")
                | st.sampled_from([",", ";", '"', "\n", "#"]), max_size=30).map(str.strip)


@st.composite
def _diary_day(draw, day: dt.date) -> DiaryDay:
    headache = draw(st.sampled_from([True, False, None]))
    note = draw(_NOTE)
    if headache is None:
        return DiaryDay(day, None, note=note)
    med_class = draw(st.none() | st.sampled_from(list(MedicationClass)))
    medication = med_class is not None or draw(st.booleans())
    if not headache:
        return DiaryDay(day, False, False, None, None, medication, med_class, note)
    hours = draw(st.none() | st.floats(0, 24, allow_nan=False))
    intensity = draw(st.none() | st.integers(0, 10))
    return DiaryDay(day, True, draw(st.booleans()), hours, intensity, medication, med_class, note)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_round_trip_property(tmp_path, data):
    offsets = data.draw(st.lists(st.integers(0, 3000), min_size=1, max_size=25, unique=True))
    entries = sorted((data.draw(_diary_day(D(2020, 1, 1) + dt.timedelta(days=o))) for o in offsets),
                     key=lambda e: e.date)
    path = tmp_path / "prop.csv"
    write_diary_csv(path, entries)
    parsed = parse_diary_csv(path)
    assert parsed.bad_rows == [] and parsed.entries == entries
