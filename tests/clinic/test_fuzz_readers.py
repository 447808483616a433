"""Fuzzing the readers that take files from outside: no crash, no hang, only the expected errors.

Mutated real files from ../shared/data go through the image importer (read_info, load_rgb), the
EXIF reader and the diary CSV parser, each in a child process (tests/clinic/fuzzing.py) so that a
segfault or a hang in native code is seen from outside and the guilty input is kept. The
diary parser also gets Hypothesis-generated CSVs. Over 10,000 cases in all; the case counts and
the per-case time bound are below. `PHOTOCOMPARE_FUZZ_SCALE=10` runs ten times as many.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, shared_path

pytestmark = pytest.mark.slow

SCALE = float(os.environ.get("PHOTOCOMPARE_FUZZ_SCALE", "1"))
CASE_LIMIT_S = 10.0  # one input may take at most this long (a hang dumps the stack and fails)

CASES = {"read_info": 4000, "load_rgb": 2500, "exif": 2500, "diary_csv": 1500, "photo_agrees": 3000}
SEEDS = {"read_info": 8101, "load_rgb": 8102, "exif": 8103, "diary_csv": 8104, "photo_agrees": 8105}


def run_fuzzer(target: str, workdir: Path, extra_seeds: list[Path] | None = None) -> dict:
    count = int(CASES[target] * SCALE)
    data = shared_path()
    argv = [sys.executable, "-m", "tests.clinic.fuzzing", target, str(SEEDS[target]), str(count),
            str(workdir), str(data), str(CASE_LIMIT_S), *[str(p) for p in extra_seeds or []]]
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300 * SCALE,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    if proc.returncode != 0:
        where = (workdir / "current.json").read_text() if (workdir / "current.json").exists() else "?"
        hang = (workdir / "hang.txt").read_text()[-2000:] if (workdir / "hang.txt").exists() else ""
        pytest.fail(
            f"{target} fuzzer died (exit {proc.returncode}) at {where}; the input is in {workdir}\n"
            f"{hang}\n{proc.stderr[-2000:]}"
        )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"fuzz {target}: {json.dumps({k: v for k, v in result.items() if k != 'failures'})}")
    assert result["cases"] == count
    assert not result["failures"], json.dumps(result["failures"][:3], indent=1)
    return result


def test_image_reader_survives_mutated_real_files(tmp_path):
    result = run_fuzzer("read_info", tmp_path)
    assert result["rejected"] > 0 and result["ok"] > 0  # the mutations reach both outcomes


def test_pixel_loader_survives_mutated_real_files(tmp_path):
    result = run_fuzzer("load_rgb", tmp_path)
    assert result["rejected"] > 0 and result["ok"] > 0


def test_bit_flips_and_chunk_edits_of_real_photos_get_the_verdict_of_a_full_decode(tmp_path):
    """Every supported format, one bit flip or one chunk edit per case: an accepted file always
    decodes fully with Pillow and loads as pixels (a damaged file is never a photo)."""
    result = run_fuzzer("photo_agrees", tmp_path)
    formats = {kind.split()[0] for kind in result["mutations"]}
    assert {".jpg", ".mpo", ".png", ".tiff", ".heif", ".avif", ".pgm", ".webp", ".bmp",
            ".ppm"} <= formats
    assert result["rejected"] > 0 and result["ok"] > 0


def test_exif_reader_never_raises_on_mutated_real_files(tmp_path):
    run_fuzzer("exif", tmp_path)


def _diary_seeds(folder: Path) -> list[Path]:
    """Realistic diary and summary files (comma; semicolon with decimal commas; tab; dotted dates)."""
    import datetime as dt

    folder.mkdir(parents=True, exist_ok=True)
    start = dt.date(2024, 1, 1)
    rows = []
    for i in range(120):
        day = start + dt.timedelta(days=i)
        headache = i % 3 != 0
        migraine = headache and i % 2 == 0
        rows.append(
            [day.isoformat(), "yes" if headache else "no", "yes" if migraine else "no",
             "6.5" if headache else "", str(i % 11) if headache else "",
             "yes" if migraine else "no", "triptan" if migraine else "", f"note {i}, \"quoted\""]
        )
    header = "date,headache,migraine,hours,intensity,medication,medication_class,note"
    seeds = []
    comma = folder / "diary_comma.csv"
    comma.write_text(header + "\n" + "\n".join(",".join(
        f'"{c}"' if ("," in c or '"' in c) and not c.startswith('"') else c for c in
        [r[0], *r[1:7], '"' + r[7].replace('"', '""') + '"']) for r in rows) + "\n")
    seeds.append(comma)
    semi = folder / "diary_semicolon.csv"
    semi.write_text("\ufeff" + header.replace(",", ";") + "\n" + "\n".join(
        ";".join([f"{r[0][8:10]}.{r[0][5:7]}.{r[0][:4]}", *r[1:3], r[3].replace(".", ","), *r[4:7],
                  "x"]) for r in rows) + "\n", encoding="utf-8")
    seeds.append(semi)
    tab = folder / "diary_tab.csv"
    tab.write_text("# exported\nDay\tHeadache day\tMigraine\tPain\n" + "\n".join(
        f"{r[0]}\t{r[1]}\t{r[2]}\t{r[4]}" for r in rows) + "\n")
    seeds.append(tab)
    summary = folder / "summary.csv"
    summary.write_text("start,end,headache_days,migraine_days,acute_med_days\n" + "\n".join(
        f"2023-{m:02d}-01,2023-{m:02d}-28,{10 + m},{m},{m + 2}" for m in range(1, 13)) + "\n")
    seeds.append(summary)
    return seeds


def test_diary_csv_parser_survives_mutated_diaries(tmp_path):
    result = run_fuzzer("diary_csv", tmp_path / "work", _diary_seeds(tmp_path / "seeds"))
    assert result["ok"] > 0 and result["rejected"] > 0


# -- Hypothesis: structurally plausible diaries with hostile cells ----------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

HYPOTHESIS_EXAMPLES = int(1200 * SCALE)

_cell = st.one_of(
    st.sampled_from(["yes", "no", "", "x", "1", "0", "Y", "nein", "6", "6,5", "24.1", "-3", "11",
                     "triptan", "Opioids", "gepant-other", "2024-02-30", "31.12.2024",
                     "03/04/2024", "13/01/2024", "0000-00-00", "nan", "inf", "1e309"]),
    st.text(max_size=30),
    st.text(alphabet=",;\t\"\n\r#\ufeff\x00 ", max_size=8),
)
_header_name = st.sampled_from(
    ["date", "headache", "migraine", "hours", "intensity", "medication", "medication_class",
     "note", "Day", "Pain", "start", "end", "headache_days", "migraine_days", "acute_med_days",
     "DATE", "unknown", ""]
)


@settings(max_examples=HYPOTHESIS_EXAMPLES, deadline=2000,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    header=st.lists(_header_name, min_size=1, max_size=9),
    rows=st.lists(st.lists(_cell, max_size=10), max_size=40),
    sep=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1"]),
)
def test_diary_csv_parser_handles_generated_files(tmp_path, header, rows, sep, encoding):
    from photocompare.core.diary_csv import parse_diary_csv
    from photocompare.core.errors import CourseError

    text = "\n".join(sep.join(r) for r in [header, *rows]) + "\n"
    path = tmp_path / "generated.csv"
    path.write_bytes(text.encode(encoding, errors="replace"))
    try:
        parsed = parse_diary_csv(path)
    except CourseError as exc:
        assert str(exc).startswith("generated.csv")
        return
    for line, reason in parsed.bad_rows:
        assert isinstance(line, int) and reason.strip()
