"""`photocompare treatment/questionnaire/preventive/diagnosis/payer/report` as a user runs them:
the JSON contract, the PDF's text (pypdf), consent for payer details and photos, de-identification,
the audit entry, and exit 2 with one line and no file when data is missing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from photocompare.library import audit
from photocompare.library import course_repo as crepo
from photocompare.library.db import Library
from tests import payer_scenarios as sc
from tests.conftest import shared_path


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "photocompare", *args], capture_output=True,
                          text=True, timeout=180)


@pytest.fixture
def library(tmp_path) -> str:
    """P-200 with the responder diary and questionnaires (sessions are added by the CLI);
    P-201 with nothing recorded."""
    location = str(tmp_path / "lib")
    inputs = sc.responder_30_not_50()
    with Library.open(location) as lib:
        lib.add_patient("P-200", display_name="Anna Beispiel")
        lib.add_patient("P-201", display_name="Otto Leer")
        crepo.save_diary_days(lib, "P-200", inputs.diary)
        for q in inputs.questionnaires:
            crepo.save_questionnaire(lib, "P-200", q)
    return location


def add_everything(lib: str) -> None:
    cmds = [
        ["treatment", "add", "--patient", "P-200", "--date", "2024-04-01", "--units", "155",
         "--sites", "31", "--lot", "C1234", "--expiry", "2025-01-31", "--injector", "Dr Weiss"],
        ["treatment", "add", "--patient", "P-200", "--date", "2024-06-24", "--units", "155",
         "--sites", "35", "--follow-the-pain-units", "20", "--lot", "C2345"],
        ["preventive", "add", "--patient", "P-200", "--drug", "Topiramate", "--class",
         "antiepileptic", "--start", "2022-01-01", "--stop", "2022-03-31", "--dose", "50 mg bid",
         "--outcome", "ineffective"],
        ["diagnosis", "set", "--patient", "P-200", "--icd10", "G43.709", "--onset", "2015-05-01"],
        ["payer", "set", "--patient", "P-200", "--name", "AOK Bayern", "--plan", "Standard",
         "--member-id", "A123456789", "--authorisation", "AUTH-77"],
    ]
    for cmd in cmds:
        done = run(*cmd, "--library", lib)
        assert done.returncode == 0, done.stderr


def pdf_text(path: Path) -> str:
    """The PDF's text with runs of whitespace (line wraps in table cells) as one space."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(str(path)).pages).split())


def test_editors_and_renewal_report_json_and_pdf(library, tmp_path):
    add_everything(library)
    listed = run("treatment", "list", "--patient", "P-200", "--json", "--library", library)
    rows = json.loads(listed.stdout)
    assert [(r["date"], r["units"], r["sites"], r["interval_days"]) for r in rows] == [
        ("2024-04-01", 155.0, 31, None), ("2024-06-24", 175.0, 35, 84)]
    assert rows[1]["follow_the_pain_units"] == 20.0

    done = run("report", "renewal", "--patient", "P-200", "--payer", "nice", "--json",
               "--library", library)
    assert done.returncode == 0, done.stderr
    js = json.loads(done.stdout)
    assert js["kind"] == "renewal" and js["met"] is True
    assert js["assessment"]["label"] == "cycle 2"
    assert js["assessment"]["headache_change_pct"] == -33.33
    assert js["criteria"][0]["met"] is True and js["criteria"][0]["value"] == -33.33
    assert js["preventives"][0]["drug"] == "Topiramate"
    assert js["treatments"][1] == {"date": "2024-06-24", "units": 175.0, "sites": 35,
                                   "lot": "C2345", "interval_days": 84}
    ahs = json.loads(run("report", "renewal", "--patient", "P-200", "--payer", "ahs", "--json",
                         "--library", library).stdout)
    assert ahs["met"] is False  # -33 % < 50 %, MIDAS -3, HIT-6 -2

    out = tmp_path / "renewal.pdf"
    done = run("report", "renewal", "--patient", "P-200", "-o", str(out), "--library", library)
    assert done.returncode == 0, done.stderr
    assert "payer details left out" in done.stderr  # no insurer consent on record
    reader = PdfReader(str(out))
    assert 1 <= len(reader.pages) <= 2
    text = pdf_text(out)
    for expected in ("continuation (renewal)", "Patient ID P-200", "Anna Beispiel",
                     "ICD-10 G43.709", "NICE TA260", "−33.3 %", "84/84 (100 %)",
                     "24 → 16 per 28", "C2345", "175 U (incl. 20 U",
                     "Topiramate", "MIDAS: 2024-03-29 15 (grade III)", "it does not decide"):
        assert expected in text, expected
    assert "A123456789" not in text and "AOK Bayern" not in text
    with Library.open(library, create=False) as lib:
        entries = audit.entries(lib, action=audit.PAYER_REPORT_EXPORTED)
    assert len(entries) == 1
    details = json.loads(entries[0].details)
    assert details["file"] == "renewal.pdf" and details["profile"] == "nice"


def test_insurer_consent_adds_payer_details_and_photos_deidentify_drops_name(library, tmp_path):
    from photocompare.library.consent import INSURER, record_consent
    from photocompare.library.importer import import_paths

    add_everything(library)
    photos = shared_path("exif-samples", "jpg")
    with Library.open(library, create=False) as lib:
        summary = import_paths(lib, [photos / "Canon_40D.jpg", photos / "Nikon_D70.jpg"],
                               "P-200")
        ids = [pid for _, pid in summary.imported]
    assert len(ids) == 2
    pair = f"{ids[0]},{ids[1]}"
    refused = tmp_path / "refused.pdf"
    done = run("report", "renewal", "--patient", "P-200", "-o", str(refused), "--photos", pair,
               "--library", library)
    assert done.returncode == 2 and "no consent for insurer" in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2 and not refused.exists()

    with Library.open(library, create=False) as lib:
        record_consent(lib, ids, [INSURER])
    full = tmp_path / "full.pdf"
    done = run("report", "renewal", "--patient", "P-200", "-o", str(full), "--photos", pair,
               "--library", library)
    assert done.returncode == 0, done.stderr
    text = pdf_text(full)
    assert "AOK Bayern" in text and "member ID A123456789" in text and "AUTH-77" in text
    images = [img for page in PdfReader(str(full)).pages for img in page.images]
    assert len(images) >= 2
    deid = tmp_path / "deid.pdf"
    done = run("report", "renewal", "--patient", "P-200", "-o", str(deid), "--deidentify",
               "--library", library)
    assert done.returncode == 0, done.stderr
    text = pdf_text(deid)
    assert "Patient ID P-200" in text and "de-identified" in text
    assert "Anna" not in text and "A123456789" not in text and "AUTH-77" not in text


def test_initial_report_text_and_missing_data_exit_2(library, tmp_path):
    add_everything(library)
    out = tmp_path / "initial.pdf"
    done = run("report", "initial", "--patient", "P-200", "--payer", "ahs", "-o", str(out),
               "--json", "--library", library)
    assert done.returncode == 0, done.stderr
    js = json.loads(done.stdout)
    assert js["kind"] == "initial" and js["assessment"] is None
    # only 28 days of diary before the first treatment: the duration cannot be shown
    duration = [c for c in js["criteria"] if c["name"].startswith("ICHD-3 chronic migraine for")]
    assert duration[0]["met"] is None
    text = pdf_text(out)
    assert "prior authorisation" in text and "too short" in text
    assert "American Headache Society" in text

    for args, message in [
        (["report", "initial", "--patient", "P-201"], "no diary days or monthly summaries"),
        (["report", "renewal", "--patient", "P-201"], "no treatment recorded"),
        (["report", "renewal", "--patient", "P-200", "--period", "cycle 7"], "no period 'cycle 7'"),
        (["report", "renewal", "--patient", "P-200", "--payer", "bupa"], "unknown payer profile"),
        (["report", "renewal", "--patient", "P-404"], "no patient P-404"),
    ]:
        target = tmp_path / "missing.pdf"
        done = run(*args, "-o", str(target), "--library", library)
        assert done.returncode == 2, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (args, done.stderr)
        assert not target.exists()
        assert not list(tmp_path.glob(".missing*"))  # no temporary left either


def test_bad_editor_input_is_one_line_and_nothing_stored(library):
    for args, message in [
        (["questionnaire", "add", "--patient", "P-200", "--date", "2024-05-01",
          "--hit6", "never,rarely,often,always,always,never"], "'often' is not one of"),
        (["questionnaire", "add", "--patient", "P-200", "--date", "2024-05-01",
          "--midas", "1,2,3"], "MIDAS needs 5 answers"),
        (["preventive", "add", "--patient", "P-200", "--drug", "X", "--class", "antiepileptic",
          "--start", "2022-05-01", "--stop", "2022-01-01", "--outcome", "ineffective"],
         "before it starts"),
        (["diagnosis", "set", "--patient", "P-200", "--icd10", "migraine"], "does not look"),
        (["treatment", "add", "--patient", "P-200", "--date", "2024-04-01", "--expiry",
          "2024-03-01"], "expired lot"),
    ]:
        done = run(*args, "--library", library)
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    with Library.open(library, create=False) as lib:
        assert len(crepo.load_questionnaires(lib, "P-200")) == 4
        assert crepo.load_treatments(lib, "P-200") == []
        assert crepo.history(lib, "P-200", table="payer_preventives") == []


def test_prescriber_options_sign_the_pdf_and_a_missing_logo_is_one_line(library, tmp_path):
    """The CLI cannot read the app's own settings, so who signs the report comes from options;
    without them the signature block stays a blank to fill in by hand."""
    add_everything(library)
    out = tmp_path / "signed.pdf"
    done = run("report", "renewal", "--patient", "P-200", "-o", str(out), "--library", library,
               "--prescriber", "Dr. Jana Weiss", "--specialty", "Neurology",
               "--provider-id", "LANR 123456701", "--clinic-address",
               "Kopfschmerzzentrum\\nHauptstr. 1, 80331 München")
    assert done.returncode == 0, done.stderr
    text = pdf_text(out)
    for expected in ("Dr. Jana Weiss, Neurology", "Provider ID LANR 123456701",
                     "Kopfschmerzzentrum", "Hauptstr. 1, 80331 München"):
        assert expected in text, expected

    unsigned = tmp_path / "unsigned.pdf"
    assert run("report", "renewal", "--patient", "P-200", "-o", str(unsigned),
               "--library", library).returncode == 0
    assert "Prescriber (name, specialty)" in pdf_text(unsigned)

    nologo = tmp_path / "nologo.pdf"
    done = run("report", "renewal", "--patient", "P-200", "-o", str(nologo), "--library", library,
               "--logo", str(tmp_path / "missing.png"))
    assert done.returncode == 2 and not nologo.exists()
    assert done.stderr.strip().splitlines() == [
        f"photocompare: {tmp_path / 'missing.png'}: logo file not found"]
