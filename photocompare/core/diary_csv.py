"""Headache-diary CSV files: read tolerantly, report every bad row, write the same format back.

Daily diary (one row per day)::

    date,headache,migraine,hours,intensity,medication,medication_class,note
    2024-03-01,yes,yes,6,7,yes,triptan,woke up with it
    2024-03-02,no,no,,,no,,

* ``date`` (required): ISO ``2024-03-01`` (also ``2024/03/01``), or day-first ``01.03.2024``;
  ``01/03/2024`` and ``01-03-2024`` are read day-first only when the file shows it (some day
  > 12 in the first place and none in the second); otherwise such a row is reported as ambiguous.
* ``headache`` (required column): yes/no (also y/n, true/false, 1/0, x). An empty cell marks
  the day as *not recorded* (e.g. a day with only a note) and is allowed only when the row has
  no migraine, medication, hours or intensity.
* ``migraine``, ``medication``: yes/no, empty = no. A migraine day is a headache day.
* ``hours`` (0-24, decimal point or, with ``;`` separators, decimal comma), ``intensity``
  (peak, whole number 0-10), both empty when unknown and 0/empty on a headache-free day.
* ``medication_class``: simple_analgesic, triptan, ergot, opioid, combination, gepant_other
  (spaces/hyphens/case are ignored; a class implies medication = yes).
* ``note``: free text (quote it when it holds the separator).

Monthly summaries (patients who bring counts only; ranges inclusive, not overlapping)::

    start,end,headache_days,migraine_days,acute_med_days
    2024-01-01,2024-01-31,18,9,12

Both: the header may come in any order and any case, a UTF-8 BOM is fine, the separator may be
``,`` ``;`` or a tab, blank lines and lines starting with ``#`` are skipped; unknown columns are
ignored (and listed in ``warnings``). A file is bounded by ``CourseSettings.max_csv_bytes``,
``max_csv_rows`` and ``max_csv_columns``. Text is UTF-8, UTF-16 with a BOM (spreadsheets'
"Unicode text") or Windows-1252 (bytes with no Windows-1252 character are warned about with
their line number). A quote that is never closed (or only after more than
``max_csv_note_line_breaks`` line breaks, or once the next dated row has begun), or that closes
in the middle of a note, is a bad row; the lines after it are read as rows of their own. A note
written as ``'=...`` (a spreadsheet formula neutralised on export, see `csv_cells`) is read back
as ``=...``. Every bad row is returned with its line number and reason, including a
duplicate date (the first occurrence is kept); the caller imports nothing unless it chooses to
skip the bad rows.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from photocompare.core.course_figures import DiaryDay, MedicationClass, MonthlySummary
from photocompare.core.csv_cells import neutralise, restore
from photocompare.core.errors import CourseError
from photocompare.settings import CourseSettings

DIARY_COLUMNS = ("date", "headache", "migraine", "hours", "intensity", "medication",
                 "medication_class", "note")
SUMMARY_COLUMNS = ("start", "end", "headache_days", "migraine_days", "acute_med_days")

_ALIASES = {
    "day": "date", "headache_day": "headache", "migraine_day": "migraine",
    "headache_hours": "hours", "duration_hours": "hours", "pain": "intensity",
    "peak_intensity": "intensity", "acute_medication": "medication", "meds": "medication",
    "medication_taken": "medication", "class": "medication_class",
    "notes": "note", "comment": "note", "from": "start", "to": "end",
    "acute_medication_days": "acute_med_days", "medication_days": "acute_med_days",
}
_TRUE = {"yes", "y", "true", "t", "1", "x", "ja", "oui"}
_FALSE = {"no", "n", "false", "f", "0", "nein", "non"}
_CLASS_ALIASES = {
    "simple": "simple_analgesic", "analgesic": "simple_analgesic", "nsaid": "simple_analgesic",
    "paracetamol": "simple_analgesic", "ibuprofen": "simple_analgesic",
    "triptans": "triptan", "ergots": "ergot", "ergotamine": "ergot", "opioids": "opioid",
    "combination_analgesic": "combination", "gepant": "gepant_other", "gepants": "gepant_other",
    "other": "gepant_other", "gepant_or_other": "gepant_other",
}
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_SLASHED = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$")


@dataclass
class DiaryParse:
    """What a diary file holds: good entries/summaries and every bad row (line, reason)."""

    entries: list[DiaryDay] = field(default_factory=list)
    summaries: list[MonthlySummary] = field(default_factory=list)
    bad_rows: list[tuple[int, str]] = field(default_factory=list)
    duplicates: list[tuple[int, str]] = field(default_factory=list)  # also in bad_rows
    warnings: list[str] = field(default_factory=list)
    kind: str = "diary"  # "diary" | "summary"

    @property
    def ok(self) -> bool:
        return not self.bad_rows

    def bad_rows_text(self, name: str = "") -> list[str]:
        prefix = f"{name}: " if name else ""
        return [f"{prefix}line {line}: {reason}" for line, reason in self.bad_rows]


def _norm_header(name: str) -> str:
    key = re.sub(r"[\s\-/]+", "_", name.strip().lower()).strip("_")
    return _ALIASES.get(key, key)


#: Bytes with no character in Windows-1252; decoding turns them into U+FFFD.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def _decode(name: str, data: bytes) -> tuple[str, list[str]]:
    """(text, warnings): UTF-16 with a BOM (spreadsheets' "Unicode text"), UTF-8, else cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise CourseError(f"{name}: not a readable UTF-16 text file (damaged characters)"
                              ) from None
        if "\x00" in text:
            raise CourseError(f"{name}: not a CSV text file (binary content)")
        return text.lstrip("\ufeff"), []
    if b"\x00" in data:
        raise CourseError(f"{name}: not a CSV text file (binary content)")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    warnings = []
    if _CP1252_UNDEFINED & set(data):
        for number, raw in enumerate(_LINE_BREAK.split(data.decode("latin-1")), start=1):
            bad = sorted({f"0x{ord(ch):02X}" for ch in raw if ord(ch) in _CP1252_UNDEFINED})
            if bad:
                warnings.append(f"line {number}: byte {', '.join(bad)} is not a character in "
                                "Windows-1252 text; it was read as \ufffd")
    return data.decode("cp1252", errors="replace"), warnings


def _read_text(path: Path, settings: CourseSettings) -> tuple[str, list[str]]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CourseError(f"{path.name}: cannot read ({exc.strerror or exc})") from exc
    if not path.is_file():
        raise CourseError(f"{path.name}: not a file")
    if size > settings.max_csv_bytes:
        raise CourseError(f"{path.name}: {size} bytes is larger than the "
                          f"{settings.max_csv_bytes} bytes a diary file may have")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CourseError(f"{path.name}: cannot read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise CourseError(f"{path.name}: empty file")
    text, warnings = _decode(path.name, data)
    if not text.strip():
        raise CourseError(f"{path.name}: empty file")
    return text, warnings


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _bool(value: str, column: str, empty: bool | None) -> bool | None:
    v = value.strip().lower()
    if not v:
        if empty is None:
            raise ValueError(f"{column} is empty (expected yes or no)")
        return empty
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ValueError(f"{column} {value.strip()!r} is not yes/no")


def _number(value: str, column: str, decimal_comma: bool) -> float | None:
    v = value.strip()
    if not v:
        return None
    if decimal_comma:
        v = v.replace(",", ".")
    try:
        x = float(v)
    except ValueError:
        raise ValueError(f"{column} {value.strip()!r} is not a number") from None
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError(f"{column} {value.strip()!r} is not a number")
    return x


def _int_field(value: str, column: str, lo: int, hi: int | None) -> int | None:
    x = _number(value, column, False)
    if x is None:
        return None
    if not float(x).is_integer():
        raise ValueError(f"{column} {value.strip()!r} is not a whole number")
    n = int(x)
    if n < lo or (hi is not None and n > hi):
        limit = f"{lo}-{hi}" if hi is not None else f"≥ {lo}"
        raise ValueError(f"{column} {n} is outside {limit}")
    return n


def _med_class(value: str) -> MedicationClass | None:
    v = re.sub(r"[\s\-/]+", "_", value.strip().lower()).strip("_")
    if not v:
        return None
    v = _CLASS_ALIASES.get(v, v)
    try:
        return MedicationClass(v)
    except ValueError:
        allowed = ", ".join(c.value for c in MedicationClass)
        raise ValueError(f"medication_class {value.strip()!r} is not one of {allowed}") from None


class _DateReader:
    """ISO and dotted day-first always; slashed/dashed day-first only when the file shows it."""

    def __init__(self, raw_dates: Iterable[str]) -> None:
        day_first = month_first = False
        for raw in raw_dates:
            m = _SLASHED.match(raw.strip())
            if m:
                a, b = int(m.group(1)), int(m.group(2))
                day_first |= a > 12
                month_first |= b > 12
        self.day_first_evidence = day_first and not month_first
        self.month_first_evidence = month_first

    def parse(self, value: str, column: str = "date") -> dt.date:
        v = value.strip()
        if not v:
            raise ValueError(f"{column} is empty")
        if "T" in v and _ISO.match(v.split("T", 1)[0]):
            v = v.split("T", 1)[0]
        m = _ISO.match(v)
        if m:
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        elif (m := _DOTTED.match(v)):
            d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        elif (m := _SLASHED.match(v)):
            a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if self.month_first_evidence:
                raise ValueError(f"{column} {v!r} looks month-first; write dates as YYYY-MM-DD")
            if not self.day_first_evidence and a != b and a <= 12 and b <= 12:
                raise ValueError(f"{column} {v!r} is ambiguous (day-first or month-first?); "
                                 "write dates as YYYY-MM-DD")
            d, mo = a, b
        else:
            raise ValueError(f"{column} {v!r} is not a date (use YYYY-MM-DD)")
        try:
            return dt.date(y, mo, d)
        except ValueError:
            raise ValueError(f"{column} {v!r} is not a valid calendar date") from None


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ROW_START = re.compile(r"\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{4})\s*$")


def _physical_lines(text: str) -> list[str]:
    """The file's lines with their line breaks (only CR/LF end a line, as for the csv module)."""
    lines, pos = [], 0
    for m in _LINE_BREAK.finditer(text):
        lines.append(text[pos : m.end()])
        pos = m.end()
    if pos < len(text):
        lines.append(text[pos:])
    return lines


def _scan_quotes(line: str, delimiter: str, in_quotes: bool) -> tuple[bool, bool]:
    """(quoted field still open at the end of `line`, a quote closed in mid-field).

    csv's default dialect: a quote opens a field only at its start and ``""`` inside a quoted
    field is a quote. A closing quote followed by more text (``"said "no" more``) is malformed:
    the csv module would silently drop those quotes, so it is reported instead.
    """
    if '"' not in line:
        return in_quotes, False
    at_start = not in_quotes
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if in_quotes:
            if ch == '"':
                if i + 1 < n and line[i + 1] == '"':
                    i += 2
                    continue
                in_quotes = False
                if i + 1 < n and line[i + 1] != delimiter and line[i + 1] not in "\r\n":
                    return False, True
            i += 1
            continue
        if at_start and ch == '"':
            in_quotes = True
        at_start = ch == delimiter or ch in "\r\n"
        i += 1
    return in_quotes, False


def _starts_a_row(line: str, delimiter: str) -> bool:
    """A line that begins with a date and a separator is a diary row, never a note's middle."""
    first = line.split(delimiter, 1)
    return len(first) == 2 and bool(_ROW_START.match(first[0]))


def _records(text: str, delimiter: str, max_breaks: int, bad: list[tuple[int, str]]
             ) -> Iterable[tuple[int, list[str]]]:
    """(first line number, fields) of each CSV record.

    A quoted field may hold line breaks (a note over several lines), but only a few: a quote
    that is still open after `max_breaks` line breaks, at the end of the file, or when the next
    line starts like a new dated row was never meant to be closed. That record is a bad row
    (with its line number) and reading goes on with the following line, so one stray quote
    cannot swallow the rest of the diary into a note.
    """
    lines = _physical_lines(text)
    i, n = 0, len(lines)
    while i < n:
        j = i
        open_quote, malformed = _scan_quotes(lines[i], delimiter, False)
        while open_quote and j + 1 < n and j - i < max_breaks and not _starts_a_row(
                lines[j + 1], delimiter):
            j += 1
            open_quote, malformed = _scan_quotes(lines[j], delimiter, True)
        if open_quote or malformed:
            what = "is never closed" if open_quote else "closes in the middle of a note"
            bad.append((i + 1, f'a quote (") in this line {what}; a note that holds quotes or '
                               'the separator is written in quotes, with quotes inside it '
                               'doubled ("")'))
            i += 1  # the lines it would have swallowed are read as rows of their own
            continue
        record = "".join(lines[i : j + 1])
        rows = list(csv.reader(io.StringIO(record, newline=""), delimiter=delimiter))
        row = [c for r in rows for c in r] if len(rows) > 1 else (rows[0] if rows else [])
        if row and any(c.strip() for c in row):
            yield i + 1, row
        i = j + 1


def _is_comment(row: list[str]) -> bool:
    return bool(row) and row[0].lstrip().startswith("#")


def parse_diary_csv(path: str | Path, settings: CourseSettings | None = None) -> DiaryParse:
    """Read a daily diary or a monthly-summary CSV (chosen by its header).

    Raises CourseError (one line, naming the file) for a file that cannot be used at all
    (unreadable, empty, binary, too large, too many rows, no usable header); bad rows are
    returned in ``bad_rows`` instead.
    """
    settings = settings or CourseSettings()
    path = Path(path)
    text, encoding_warnings = _read_text(path, settings)
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
    delimiter = _sniff_delimiter(first)
    # The header bounds every later row; a header of thousands of columns is refused before any
    # per-column work (which would otherwise grow with columns x rows).
    if first.count(delimiter) + 1 > settings.max_csv_columns:
        raise CourseError(f"{path.name}: the header has {first.count(delimiter) + 1} columns, more "
                          f"than the {settings.max_csv_columns} a diary file may have")
    quote_rows: list[tuple[int, str]] = []
    try:
        rows = list(_records(text, delimiter, settings.max_csv_note_line_breaks, quote_rows))
    except csv.Error as exc:
        raise CourseError(f"{path.name}: not a readable CSV file ({exc})") from exc
    while rows and _is_comment(rows[0][1]):
        rows.pop(0)
    if not rows:
        raise CourseError(f"{path.name}: empty file")
    header_line, header = rows[0]
    quote_rows = [(line, reason) for line, reason in quote_rows if line > header_line]
    body = rows[1:]
    if len(body) + len(quote_rows) > settings.max_csv_rows:
        raise CourseError(f"{path.name}: {len(body) + len(quote_rows)} rows is more than the "
                          f"{settings.max_csv_rows} a diary file may have")
    if len(header) > settings.max_csv_columns:
        raise CourseError(f"{path.name}: line {header_line}: the header has {len(header)} "
                          f"columns, more than the {settings.max_csv_columns} a diary file "
                          "may have")
    columns = [_norm_header(h) for h in header]
    if columns and columns[0] != "note":  # "#..." in a first note column is a note, not a comment
        body = [(line, row) for line, row in body if not _is_comment(row)]
    result = DiaryParse()
    result.warnings.extend(encoding_warnings)
    result.bad_rows.extend(quote_rows)
    if "date" in columns:
        result.kind = "diary"
        required, known = ("date", "headache"), DIARY_COLUMNS
    elif "start" in columns and "end" in columns:
        result.kind = "summary"
        required, known = ("start", "end", "headache_days"), SUMMARY_COLUMNS
    else:
        raise CourseError(
            f"{path.name}: line {header_line}: header must name the columns "
            f"({','.join(DIARY_COLUMNS)}) or ({','.join(SUMMARY_COLUMNS)})")
    missing = [c for c in required if c not in columns]
    if missing:
        raise CourseError(f"{path.name}: line {header_line}: missing column(s) {', '.join(missing)}")
    dupes = sorted(c for c, k in Counter(columns).items() if c and k > 1)
    if dupes:
        raise CourseError(f"{path.name}: line {header_line}: column {dupes[0]} appears twice")
    unknown = [h for h, c in zip(header, columns, strict=True) if c not in known and c]
    if unknown:
        result.warnings.append(f"ignored column(s): {', '.join(unknown)}")
    index = {c: i for i, c in enumerate(columns) if c in known}

    def cell(row: list[str], name: str) -> str:
        i = index.get(name)
        return row[i] if i is not None and i < len(row) else ""

    date_cols = ("date",) if result.kind == "diary" else ("start", "end")
    dates = _DateReader(cell(r, c) for _, r in body for c in date_cols)
    decimal_comma = delimiter != ","
    if result.kind == "diary":
        _parse_diary_rows(body, cell, dates, decimal_comma, len(columns), result)
    else:
        _parse_summary_rows(body, cell, dates, len(columns), result)
    result.bad_rows.sort()
    return result


def _parse_diary_rows(body, cell, dates: _DateReader, decimal_comma: bool, width: int,
                      result: DiaryParse) -> None:
    seen: dict[dt.date, int] = {}
    for line, row in body:
        try:
            if len(row) > width and any(c.strip() for c in row[width:]):
                raise ValueError(f"{len(row)} fields but the header has {width} "
                                 "(quote a note that holds the separator)")
            day = dates.parse(cell(row, "date"))
            headache_cell = cell(row, "headache")
            headache = _bool(headache_cell, "headache", False) if headache_cell.strip() else None
            migraine = _bool(cell(row, "migraine"), "migraine", False)
            medication_cell = cell(row, "medication")
            med_class = _med_class(cell(row, "medication_class"))
            medication = _bool(medication_cell, "medication", med_class is not None)
            if med_class is not None and not medication:
                raise ValueError(f"medication_class {med_class.value} but medication is no")
            hours = _number(cell(row, "hours"), "hours", decimal_comma)
            if hours is not None and not 0 <= hours <= 24:
                raise ValueError(f"hours {hours:g} is outside 0-24")
            intensity = _int_field(cell(row, "intensity"), "intensity", 0, 10)
            if migraine and headache is False:
                raise ValueError("migraine is yes but headache is no")
            if headache is None and (migraine or medication or hours or intensity):
                raise ValueError("headache is empty (yes or no) but the day has other values")
            if headache is False and (hours or intensity):
                raise ValueError("hours/intensity given but headache is no")
        except ValueError as exc:
            result.bad_rows.append((line, str(exc)))
            continue
        if day in seen:
            reason = f"duplicate date {day.isoformat()} (first on line {seen[day]})"
            result.bad_rows.append((line, reason))
            result.duplicates.append((line, reason))
            continue
        seen[day] = line
        result.entries.append(DiaryDay(day, headache, migraine, hours, intensity, medication,
                                       med_class, restore(cell(row, "note").strip())))
    result.entries.sort(key=lambda e: e.date)


def _overlap(ranges: list[tuple[dt.date, dt.date, int]], start: dt.date, end: dt.date
             ) -> tuple[dt.date, dt.date, int] | None:
    """An accepted range overlapping [start, end] (accepted ranges never overlap each other)."""
    i = bisect.bisect_right(ranges, (end, dt.date.max, 1 << 62))
    if i and ranges[i - 1][1] >= start:
        return ranges[i - 1]
    return None


def _parse_summary_rows(body, cell, dates: _DateReader, width: int, result: DiaryParse) -> None:
    accepted: list[tuple[int, MonthlySummary]] = []
    ranges: list[tuple[dt.date, dt.date, int]] = []  # accepted (start, end, line), sorted
    for line, row in body:
        try:
            if len(row) > width and any(c.strip() for c in row[width:]):
                raise ValueError(f"{len(row)} fields but the header has {width}")
            start = dates.parse(cell(row, "start"), "start")
            end = dates.parse(cell(row, "end"), "end")
            if end < start:
                raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
            days = (end - start).days + 1
            h = _int_field(cell(row, "headache_days"), "headache_days", 0, days)
            if h is None:
                raise ValueError("headache_days is empty")
            m = _int_field(cell(row, "migraine_days"), "migraine_days", 0, days) or 0
            a = _int_field(cell(row, "acute_med_days"), "acute_med_days", 0, days) or 0
            if m > h:
                raise ValueError(f"migraine_days {m} is more than headache_days {h}")
            clash = _overlap(ranges, start, end)
            if clash is not None:
                reason = f"{start.isoformat()}..{end.isoformat()} overlaps the range on line {clash[2]}"
                if clash[:2] == (start, end):
                    result.duplicates.append((line, reason))
                raise ValueError(reason)
        except ValueError as exc:
            result.bad_rows.append((line, str(exc)))
            continue
        accepted.append((line, MonthlySummary(start, end, h, m, a)))
        bisect.insort(ranges, (start, end, line))
    result.summaries = sorted((s for _, s in accepted), key=lambda s: s.start)


# --------------------------------------------------------------------------- writing


def _clean_note(text: str) -> str:
    """NUL would make the file look binary on the way back in; surrounding spaces are not kept."""
    return (text or "").replace("\x00", "").strip()


def _hours(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _yes(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _atomic_write(path: Path, rows: list[list[str]]) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_diary_csv(path: str | Path, entries: Iterable[DiaryDay]) -> None:
    """Write a daily diary in the documented format (ISO dates, yes/no), sorted by date."""
    rows = [list(DIARY_COLUMNS)]
    for e in sorted(entries, key=lambda e: e.date):
        rows.append([
            e.date.isoformat(), _yes(e.headache), _yes(e.migraine),
            "" if e.hours is None else _hours(e.hours),
            "" if e.intensity is None else str(e.intensity), _yes(e.medication),
            "" if e.medication_class is None else MedicationClass(e.medication_class).value,
            neutralise(_clean_note(e.note)),  # the one free-text cell; the rest is data
        ])
    try:
        _atomic_write(Path(path), rows)
    except OSError as exc:
        raise CourseError(f"{Path(path).name}: cannot write ({exc.strerror or exc})") from exc


def write_summary_csv(path: str | Path, summaries: Iterable[MonthlySummary]) -> None:
    """Write monthly summaries in the documented format."""
    rows = [list(SUMMARY_COLUMNS)]
    for s in sorted(summaries, key=lambda s: s.start):
        rows.append([s.start.isoformat(), s.end.isoformat(), str(s.headache_days),
                     str(s.migraine_days), str(s.acute_med_days)])
    try:
        _atomic_write(Path(path), rows)
    except OSError as exc:
        raise CourseError(f"{Path(path).name}: cannot write ({exc.strerror or exc})") from exc
