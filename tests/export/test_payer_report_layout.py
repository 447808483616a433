"""The payer report's layout checked as geometry and words, without painting: every primitive
inside the printable area and inside its own block, blocks that do not overlap, a section title
never left alone at the foot of a page, photos embedded at no more pixels than they have, the
summary sentence showing the same figure as the tables, and the layout modules load without Qt."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from photocompare.core.payer_report import ReportPhoto, build_payer_report
from photocompare.core.payer_rules import AHS, NICE
from photocompare.export.payer_report_content import ReportOptions
from photocompare.export.payer_report_layout import (
    PHOTO_DPI,
    ReportLayout,
    layout_payer_report,
)
from photocompare.export.sheet_primitives import MARGIN_MM, PhotoBox, Rule, TextRun
from photocompare.settings import Paper
from tests import payer_scenarios as sc
from tests.conftest import shared_path
from tests.export.test_payer_report_pdf import long_course
from tests.export.test_sheet_layout import MonospaceMetrics

SLACK_MM = 0.01


def _bbox(item) -> tuple[float, float, float, float]:
    if isinstance(item, Rule):
        return (min(item.x1_mm, item.x2_mm), min(item.y1_mm, item.y2_mm),
                max(item.x1_mm, item.x2_mm), max(item.y1_mm, item.y2_mm))
    return item.x_mm, item.y_mm, item.x_mm + item.width_mm, item.y_mm + item.height_mm


def _inside(inner, outer) -> bool:
    return (inner[0] >= outer[0] - SLACK_MM and inner[1] >= outer[1] - SLACK_MM
            and inner[2] <= outer[2] + SLACK_MM and inner[3] <= outer[3] + SLACK_MM)


def _assert_well_formed(layout: ReportLayout) -> None:
    width, height = layout.paper_mm
    printable = (MARGIN_MM, MARGIN_MM, width - MARGIN_MM, height - MARGIN_MM)
    for page in layout.pages:
        boxes = [(b.kind, (b.x_mm, b.y_mm, b.x_mm + b.width_mm, b.y_mm + b.height_mm))
                 for b in page.blocks]
        assert boxes[-1][0] == "footer"
        assert boxes[-2][0] != "title", f"page {page.number} ends with a lone section title"
        for kind, box in boxes:
            assert _inside(box, printable), f"page {page.number}: {kind} block {box} off the page"
        for (upper, a), (lower, b) in zip(boxes, boxes[1:], strict=False):
            assert a[3] <= b[1] + SLACK_MM, f"page {page.number}: {upper} overlaps {lower}"
        for item in page.items:
            box = _bbox(item)
            assert _inside(box, printable), f"page {page.number}: {item!r} off the page"
            assert any(_inside(box, b) for _k, b in boxes), f"{item!r} outside every block"


def _texts(layout: ReportLayout) -> list[str]:
    return [i.text for p in layout.pages for i in p.items if isinstance(i, TextRun)]


@pytest.mark.parametrize("paper", list(Paper))
def test_short_renewal_is_one_well_formed_page_whose_summary_matches_the_tables(paper):
    report = build_payer_report("renewal", sc.responder_30_not_50(), NICE)
    layout = layout_payer_report(report, paper.size_mm, MonospaceMetrics())
    _assert_well_formed(layout)
    assert len(layout.pages) == 1
    kinds = [b.kind for b in layout.pages[0].blocks]
    assert kinds[0] == "header" and kinds[-2:] == ["signature", "footer"]
    texts = _texts(layout)
    # (16 − 24) / 24 = −33.33 %: one decimal everywhere, typographic minus, no ASCII arrow.
    assert report.summary == ("Under NICE TA260, headache days went from 24 per 28 days at "
                              "baseline to 16 in cycle 2 (33.3 % fewer): continuation "
                              "criteria met.")
    assert report.summary in texts
    assert "−33.3 % — 24 → 16 per 28" in texts  # the criteria table's value cell
    assert texts.count("−33.3 %") == 1 and "−50 %" in texts  # cycle 2's changes
    # The report's own words; the flag sentences are the course view's, shown as it words them.
    ours = [t for t in texts if not t.startswith("• ")]
    assert not any("->" in t or "-33" in t or ">=" in t for t in ours)
    assert "page 1 of 1" in texts[-1]


def test_long_course_flows_onto_two_pages_and_says_what_is_left_out():
    report = build_payer_report("renewal", long_course(24), AHS)
    layout = layout_payer_report(report, Paper.A4.size_mm, MonospaceMetrics(),
                                 ReportOptions(include_payer=True))
    _assert_well_formed(layout)
    assert len(layout.pages) == 2
    texts = _texts(layout)
    assert any(t.startswith("16 earlier cycles") for t in texts)
    assert "cycle 24  (assessed)" in texts and "cycle 17" in texts and "cycle 16" not in texts
    assert sum("page 1 of 2" in t for t in texts) == 1 and sum("page 2 of 2" in t for t in texts) == 1


def test_deidentified_layout_names_the_patient_by_id_only():
    inputs = dataclasses.replace(sc.responder_30_not_50(), payer=long_course(1).payer)
    report = build_payer_report("renewal", inputs, NICE)
    options = ReportOptions(deidentify=True, include_payer=True)
    joined = " ".join(_texts(layout_payer_report(report, Paper.A4.size_mm, MonospaceMetrics(),
                                                 options)))
    assert "Patient ID P-200" in joined and "AOK" in joined
    assert "Anna" not in joined and "1975" not in joined and "M-1" not in joined


def test_photos_are_fitted_side_by_side_and_never_embedded_above_their_pixels():
    folder = shared_path("faces", "face_recognition-examples", "examples")
    with Image.open(folder / "obama-1080p.jpg") as image:
        rgb = np.asarray(image.convert("RGB"))  # 1920 x 1080: pixels to spare at 200 dpi
    with Image.open(folder / "obama-240p.jpg") as image:
        small = np.asarray(image.convert("RGB"))  # 427 x 240: fewer than 200 dpi printed
    photos = (ReportPhoto(1, None, rgb), ReportPhoto(2, None, small))
    report = build_payer_report("renewal", sc.responder_30_not_50(), NICE)
    layout = layout_payer_report(report, Paper.A4.size_mm, MonospaceMetrics(),
                                 ReportOptions(photos=photos))
    _assert_well_formed(layout)
    boxes = [i for p in layout.pages for i in p.items if isinstance(i, PhotoBox)]
    assert len(boxes) == 2
    before, after = boxes
    assert before.x_mm + before.width_mm < after.x_mm  # side by side, not overlapping
    h, w = rgb.shape[:2]
    assert before.width_mm / before.height_mm == pytest.approx(w / h, rel=1e-6)
    assert before.embed_width_px <= w and before.embedded_dpi <= PHOTO_DPI + 1
    assert before.embedded_dpi >= PHOTO_DPI - 1  # the full photo has pixels to spare
    assert (after.embed_width_px, after.embed_height_px) == (small.shape[1], small.shape[0])


def test_layout_modules_load_without_qt():
    code = ("import sys\n"
            "import photocompare.export.payer_report_layout, photocompare.core.payer_report\n"
            "print(sorted(m for m in sys.modules if m.startswith('PySide6')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
