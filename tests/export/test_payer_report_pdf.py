"""The payer report PDF: figures in its text (pypdf), at most two pages even for a long course,
nothing left behind when the folder is unusable."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from pypdf import PdfReader

from photocompare.core.course_figures import Treatment
from photocompare.core.errors import ExportError
from photocompare.core.payer_report import Diagnosis, PayerDetails, build_payer_report
from photocompare.core.payer_rules import AHS, NICE
from photocompare.export.payer_report_pdf import render_payer_images, render_payer_pdf
from tests import payer_scenarios as sc


def text_of(path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(str(path)).pages).split())


def long_course(cycles: int):
    """24 per 28 at baseline, then 18 per 28 (12 migraine -> 8) in every cycle: -25 %."""
    blocks = [sc.Block(24, 12, 4)] + [sc.Block(18, 8, 3)] * 3 * cycles
    treats = tuple(Treatment(sc.T1 + dt.timedelta(days=84 * i), lot=f"L{i}", total_units=155.0)
                   for i in range(cycles))
    return dataclasses.replace(sc.responder_30_not_50(), diary=sc.diary(sc.BASELINE_START, blocks),
                               treatments=treats, preventives=sc.initial_candidate().preventives,
                               diagnosis=Diagnosis("G43.709"),
                               payer=PayerDetails("AOK", "S", "M-1", "A-1"))


def test_long_course_stays_within_two_pages_and_says_what_is_left_out(tmp_path):
    report = build_payer_report("renewal", long_course(24), AHS)
    assert report.assessment.label == "cycle 24"
    out = render_payer_pdf(report, tmp_path / "long.pdf", include_payer=True)
    assert len(PdfReader(str(out)).pages) == 2
    text = text_of(out)
    assert "16 earlier cycles" in text and "cycle 24 (assessed)" in text
    assert "cycle 16 " not in text and "cycle 17 " in text
    assert "−25 %" in text and "−33.3 %" in text  # headache and migraine change
    assert "member ID M-1" in text
    assert len(render_payer_images(report, dpi=40, include_payer=True)) == 2


def test_short_renewal_is_one_page_with_every_figure(tmp_path):
    report = build_payer_report("renewal", sc.responder_30_not_50(), NICE)
    out = render_payer_pdf(report, tmp_path / "r.pdf")
    assert len(PdfReader(str(out)).pages) == 1
    text = text_of(out)
    for expected in ("24 → 16 per 28", "−33.3 %", "−50 %", "28/28 (100 %)", "84/84 (100 %)",
                     "cycle 2 (assessed)", "C1234", "C2345", "84 days", "NICE TA260 1.2",
                     "HIT-6: 2024-03-29 62 (severe impact)", "criteria met"):
        assert expected in text, expected
    assert "Anna Beispiel" in text
    deid = render_payer_pdf(report, tmp_path / "d.pdf", deidentify=True)
    assert "Anna" not in text_of(deid) and "1975" not in text_of(deid)


def test_unusable_folder_is_one_error_and_no_file(tmp_path):
    report = build_payer_report("renewal", sc.responder_30_not_50(), NICE)
    with pytest.raises(ExportError, match="folder does not exist"):
        render_payer_pdf(report, tmp_path / "missing" / "r.pdf")
    assert list(tmp_path.iterdir()) == []
