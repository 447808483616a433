"""The sheet's layout checked as geometry, without painting: every primitive inside the
printable area and inside its own block, blocks that do not overlap, photos at least 200 dpi at
printed size, the page count, and that the layout modules load without Qt."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from photocompare.export import sheet
from photocompare.export.sheet_data import SheetData
from photocompare.export.sheet_layout import (
    Frame,
    LogoBox,
    PhotoBox,
    Rule,
    SheetLayout,
    TextRun,
    layout_sheets,
)
from photocompare.export.sheet_primitives import GAP_MM, MARGIN_MM
from photocompare.settings import ExportSettings, Paper
from tests.export.conftest import GENERATED, make_sheet

SLACK_MM = 0.01  # float rounding only


class MonospaceMetrics:
    """Text measured as a fixed-pitch font would be, in plain Python: every glyph 0.6 em wide,
    lines 1.2 em apart, greedy word wrap. Exact, so heights and breaks can be worked out."""

    @staticmethod
    def em_mm(size_pt: float) -> float:
        return size_pt * 25.4 / 72.0

    def text_width(self, text: str, size_pt: float, bold: bool = False) -> float:
        return len(text) * 0.6 * self.em_mm(size_pt)

    def lines(self, text: str, width_mm: float, size_pt: float) -> int:
        per_line = max(1, math.floor(width_mm / (0.6 * self.em_mm(size_pt))))
        count = 0
        for paragraph in text.split("\n"):
            used, count = 0, count + 1
            for word in paragraph.split(" "):
                need = len(word) if used == 0 else used + 1 + len(word)
                if need <= per_line:
                    used = need
                else:
                    count += max(1, math.ceil(len(word) / per_line)) - (used == 0)
                    used = len(word) % per_line or per_line
        return count

    def text_height(self, text, width_mm, size_pt, bold=False, italic=False) -> float:
        if not text:
            return 0.0
        return self.lines(text, width_mm, size_pt) * 1.2 * self.em_mm(size_pt)


def _bbox(item) -> tuple[float, float, float, float]:
    """x0, y0, x1, y1 in mm of a primitive."""
    if isinstance(item, Rule):
        return (
            min(item.x1_mm, item.x2_mm),
            min(item.y1_mm, item.y2_mm),
            max(item.x1_mm, item.x2_mm),
            max(item.y1_mm, item.y2_mm),
        )
    return item.x_mm, item.y_mm, item.x_mm + item.width_mm, item.y_mm + item.height_mm


def _inside(inner, outer, slack=SLACK_MM) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def _assert_well_formed(layout: SheetLayout) -> None:
    width, height = layout.paper_mm
    printable = (MARGIN_MM, MARGIN_MM, width - MARGIN_MM, height - MARGIN_MM)
    for page in layout.pages:
        assert page.items, f"page {page.number} is empty"
        boxes = [
            (b.kind, (b.x_mm, b.y_mm, b.x_mm + b.width_mm, b.y_mm + b.height_mm))
            for b in page.blocks
        ]
        for kind, box in boxes:
            assert _inside(box, printable), f"page {page.number}: {kind} block {box} off the page"
        ordered = sorted(boxes, key=lambda kb: kb[1][1])
        for (upper, a), (lower, b) in zip(ordered, ordered[1:], strict=False):
            # Content blocks keep a gap; the footer may touch the last one (it has its own
            # padding above its rule) but never overlap it.
            gap = 0.0 if lower == "footer" else GAP_MM
            assert a[3] + gap <= b[1] + SLACK_MM, f"{upper} overlaps {lower}"
        for item in page.items:
            box = _bbox(item)
            assert _inside(box, printable), f"page {page.number}: {item!r} off the page"
            assert any(_inside(box, b) for _k, b in boxes), f"{item!r} outside every block"


@pytest.mark.parametrize("paper", list(Paper))
def test_full_sheet_fits_one_page_inside_the_printable_area(full_sheet, paper):
    layout = sheet.layout_for_paper(full_sheet, paper)  # the PDF's font metrics; no painting
    _assert_well_formed(layout)
    assert layout.paper_mm == paper.size_mm
    assert len(layout.pages) == 1
    page = layout.pages[0]
    assert [b.kind for b in page.blocks] == [
        "header",
        "images",
        "checks",
        "migraine",
        "measures",
        "closing",
        "footer",
    ]
    photos = [item for item in page.items if isinstance(item, PhotoBox)]
    assert len(photos) == 2
    settings = ExportSettings()
    for photo in photos:
        # At least the minimum print resolution, never more than the embedding cap.
        assert settings.sheet_min_print_dpi <= photo.embedded_dpi <= settings.sheet_image_dpi + 1
    texts = " ".join(item.text for item in page.items if isinstance(item, TextRun))
    assert "Jane Example (ID 0042)" in texts and "Page 1 of 1" in texts
    assert "Consistency of the two photos" in texts


def test_long_notes_move_the_closing_block_to_a_second_page(pair_result):
    notes = "Patient reports fewer attacks since the second cycle. " * 60
    layout = sheet.layout_for_paper(make_sheet(pair_result, None, notes=notes))
    _assert_well_formed(layout)
    assert [[b.kind for b in p.blocks] for p in layout.pages] == [
        ["header", "images", "checks", "migraine", "measures", "footer"],
        ["closing", "footer"],
    ]
    closing = layout.pages[1].blocks[0]
    assert closing.y_mm == pytest.approx(MARGIN_MM)  # a new page starts at the top margin
    footers = [item.text for p in layout.pages for item in p.items if isinstance(item, TextRun)]
    assert "Page 1 of 2" in footers and "Page 2 of 2" in footers


def test_several_sheets_each_start_a_page_and_the_count_matches(full_sheet):
    layout = sheet.layout_for_paper([full_sheet, full_sheet, full_sheet], Paper.LETTER)
    _assert_well_formed(layout)
    assert [p.number for p in layout.pages] == [1, 2, 3]
    assert sheet.sheet_page_count([full_sheet] * 3, "letter") == 3


def _small_sheet(**kw) -> SheetData:
    rng = np.random.default_rng(11)
    photo = rng.integers(0, 255, (300, 240, 3), dtype=np.uint8)
    values = dict(
        patient_label="ID 9",
        before_date="2026-01-05",
        after_date="2026-04-12",
        before_rgb=photo,
        after_rgb=photo.copy(),
        aligned=True,
        generated_at=GENERATED,
    )
    values.update(kw)
    return SheetData(**values)


def test_layout_runs_on_plain_python_metrics_with_exact_photo_geometry():
    """300 x 240 px photos on A4: the box cannot shrink below 55 mm, so they print at
    25.4 / (55 mm / 300 px) = 138.5 dpi; the layout says so and keeps their pixels."""
    layout = layout_sheets(
        [_small_sheet()], Paper.A4.size_mm, MonospaceMetrics(), image_dpi=250, min_print_dpi=200
    )
    _assert_well_formed(layout)
    page = layout.pages[0]
    photos = [item for item in page.items if isinstance(item, PhotoBox)]
    assert len(photos) == 2
    box_w = (210.0 - 2 * MARGIN_MM - GAP_MM) / 2  # 89.25 mm per photo column
    images = next(b for b in page.blocks if b.kind == "images")
    for column, photo in enumerate(photos):
        assert photo.height_mm == pytest.approx(55.0)
        assert photo.width_mm == pytest.approx(55.0 * 240 / 300)  # 44 mm, aspect kept
        column_x = images.x_mm + column * (box_w + GAP_MM)
        assert photo.x_mm == pytest.approx(column_x + (box_w - 44.0) / 2)  # centred
        assert (photo.embed_width_px, photo.embed_height_px) == (240, 300)  # never scaled up
        assert photo.embedded_dpi == pytest.approx(25.4 * 300 / 55.0)
    notes = [i.text for i in page.items if isinstance(i, TextRun) and "Low resolution" in i.text]
    assert len(notes) == 1 and notes[0].endswith("Low resolution: the photos print at 139 dpi.")


def test_big_photos_are_embedded_at_the_configured_dpi_not_their_full_size():
    rng = np.random.default_rng(3)
    photo = rng.integers(0, 255, (3000, 2400, 3), dtype=np.uint8)
    data = _small_sheet(before_rgb=photo, after_rgb=photo)
    layout = layout_sheets(
        [data], Paper.A4.size_mm, MonospaceMetrics(), image_dpi=250, min_print_dpi=200
    )
    _assert_well_formed(layout)
    for item in layout.pages[0].items:
        if isinstance(item, PhotoBox):
            assert item.embed_height_px == round(item.height_mm / 25.4 * 250)
            assert item.embed_height_px < 3000
            assert item.embedded_dpi == pytest.approx(250, abs=1.5)


def test_unreadable_logo_leaves_no_logo_box(tmp_path):
    broken = tmp_path / "logo.png"
    broken.write_bytes(b"not an image")
    layout = layout_sheets(
        [_small_sheet(clinic_logo=str(broken))],
        Paper.A4.size_mm,
        MonospaceMetrics(),
        image_dpi=250,
        min_print_dpi=200,
    )
    assert not any(isinstance(i, LogoBox) for i in layout.pages[0].items)


def test_logo_is_fitted_within_its_limits(tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (400, 100), "navy").save(logo)  # wide: the 32 mm width limit applies
    layout = layout_sheets(
        [_small_sheet(clinic_logo=str(logo))],
        Paper.A4.size_mm,
        MonospaceMetrics(),
        image_dpi=250,
        min_print_dpi=200,
    )
    _assert_well_formed(layout)
    (box,) = [i for i in layout.pages[0].items if isinstance(i, LogoBox)]
    assert (box.width_mm, box.height_mm) == pytest.approx((32.0, 8.0))
    assert (box.x_mm, box.y_mm) == pytest.approx((MARGIN_MM, MARGIN_MM))
    frames = [i for i in layout.pages[0].items if isinstance(i, Frame)]
    assert len(frames) == 3  # two photo frames and the notes box


def test_export_modules_other_than_painting_load_without_qt():
    """The export package is core: only its painting module is a Qt module. Importing every
    other module (the sheet's entry points included) in a fresh interpreter starts no Qt."""
    import pkgutil

    import photocompare.export

    names = sorted(
        m.name
        for m in pkgutil.iter_modules(photocompare.export.__path__, "photocompare.export.")
        if m.name != "photocompare.export.sheet_paint"
    )
    assert "photocompare.export.sheet_layout" in names and "photocompare.export.sheet" in names
    code = (
        "import importlib, sys\n"
        f"for name in {names + ['photocompare.logs', 'photocompare.selftest']!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "[]"
