"""Comparison sheets: what the PDF says (text), shows (rendered pages) and embeds (images)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from photocompare.core.errors import ExportError
from photocompare.export import sheet
from photocompare.export.sheet_migraine import NO_DIARY_NOTE
from tests.export.conftest import GENERATED, make_sheet

pypdf = pytest.importorskip("pypdf")


def _text(path: Path) -> str:
    """The text a reader copies out of the PDF (spaces must be spaces, not tabs)."""
    reader = pypdf.PdfReader(str(path))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture(scope="module")
def a4_pdf(full_sheet, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sheet") / "sheet.pdf"
    sheet.render_pdf(full_sheet, out, paper="a4")
    return out


def test_pdf_text_holds_patient_dates_checks_and_hand_computed_figures(a4_pdf):
    text = _text(a4_pdf)
    for expected in (
        "Jane Example",
        "ID 0042",
        "Northside Headache Clinic",
        "2026-01-05 09:12",  # before photo, from EXIF
        "2026-04-12 10:03",  # after photo
        "Cycle 2 (treatment 2026-02-07)",
        "Head angle",
        "Lighting",
        "PASS",
        "4 (−71.4 %)",  # cycle 2 headache days per 28 and change (one formatter for all)
        "0 (−100 %)",  # migraine days in cycle 2
        "≥50 %",  # responder
        "2025-12-13 – 2026-01-09",  # baseline dates
        "Brow height (mm)",
        "Fewer migraine days since the second cycle.",
        "Clinician: Dr A. Clinician",
        "Signature and date",
        "Page 1 of 1",
        "PhotoCompare 0.1.0",
    ):
        assert expected in text, f"{expected!r} missing from the PDF text"


def test_table_and_chart_show_the_same_figures(full_sheet):
    rows = {line.label: line for line in full_sheet.migraine_lines}
    assert rows["Baseline"].headache == "14"
    assert rows["Cycle 2"].headache == "4 (−71.4 %)"
    bars = {bar.label: bar.value_text for bar in full_sheet.chart}
    assert bars["Base"] == "14" and bars["C2"] == "4" and bars["C1"] == "7"


def test_lighting_difference_of_the_after_photo_is_reported(full_sheet):
    lighting = next(c for c in full_sheet.checks if c.name == "Lighting")
    assert "exposure diff −1." in lighting.measured  # pixel values × 0.66 ≈ 1.3 stops darker
    assert lighting.status == "fail"
    assert "darker" in lighting.message


def test_fonts_are_embedded_so_text_is_selectable_everywhere(a4_pdf):
    reader = pypdf.PdfReader(str(a4_pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        descendants = font.get("/DescendantFonts")
        descriptor = (descendants[0].get_object() if descendants else font)["/FontDescriptor"]
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def _image_placements(path: Path) -> list[tuple[int, int, float, float]]:
    """(pixel width, pixel height, printed width pt, printed height pt) of each image drawn."""
    reader = pypdf.PdfReader(str(path))
    page = reader.pages[0]
    xobjects = page["/Resources"]["/XObject"]
    found = []

    def visit(op, args, cm, tm):
        if op == b"Do":
            obj = xobjects[args[0]].get_object()
            if obj["/Subtype"] == "/Image":
                found.append((int(obj["/Width"]), int(obj["/Height"]), abs(cm[0]), abs(cm[3])))

    page.extract_text(visitor_operand_before=visit)
    return found


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_photos_are_embedded_at_least_200_dpi_at_printed_size(full_sheet, tmp_path, paper):
    out = tmp_path / f"sheet-{paper}.pdf"
    sheet.render_pdf(full_sheet, out, paper=paper)
    placements = _image_placements(out)
    assert len(placements) == 2  # before and after
    for px_w, px_h, pt_w, pt_h in placements:
        assert pt_w > 100 and pt_h > 100  # a real photo box, not a thumbnail
        assert px_w / (pt_w / 72) >= 200
        assert px_h / (pt_h / 72) >= 200
    media = pypdf.PdfReader(str(out)).pages[0].mediabox
    expected = {"a4": (595, 842), "letter": (612, 792)}[paper]
    assert (round(float(media.width)), round(float(media.height))) == expected
    assert len(pypdf.PdfReader(str(out)).pages) == 1  # one pair fits one page


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
def test_rendered_page_shows_both_photos(a4_pdf, tmp_path):
    from PIL import Image

    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-singlefile", str(a4_pdf), str(tmp_path / "page")],
        check=True,
    )
    page = np.asarray(Image.open(tmp_path / "page.png").convert("L"), dtype=np.float32)
    h, w = page.shape
    # Photo row: below the header, above the tables (roughly 12 %..45 % of the page height).
    band = page[int(0.14 * h) : int(0.40 * h)]
    left, right = band[:, int(0.1 * w) : int(0.45 * w)], band[:, int(0.55 * w) : int(0.9 * w)]
    for half in (left, right):
        assert half.std() > 25  # a photograph, not an empty box
        assert half.mean() < 200
    # The lower part of the page is mostly white paper with text.
    assert page[int(0.6 * h) :].mean() > 200


def test_png_export_renders_the_page_at_the_requested_dpi(full_sheet, tmp_path):
    from PIL import Image

    written = sheet.render_png(full_sheet, tmp_path / "sheet.png", dpi=72, paper="a4")
    assert written == [tmp_path / "sheet.png"]
    with Image.open(written[0]) as img:
        assert img.size == (595, 842)
        grey = np.asarray(img.convert("L"), dtype=np.float32)
    assert grey[int(0.14 * 842) : int(0.40 * 842), 60:270].std() > 25


def test_sheet_without_diary_says_so(pair_result, tmp_path):
    data = make_sheet(pair_result, None)
    assert data.migraine_note == NO_DIARY_NOTE
    out = sheet.render_pdf(data, tmp_path / "nodiary.pdf")
    assert NO_DIARY_NOTE in _text(out)


def test_sheet_for_photos_without_a_face_shows_them_unaligned(analyzer, exif_samples, tmp_path):
    from photocompare.core.pairing import compare_photos

    landscape = exif_samples / "jpg" / "gps" / "DSCN0010.jpg"
    other = exif_samples / "jpg" / "gps" / "DSCN0012.jpg"
    result = compare_photos(landscape, other, analyzer)
    assert result.alignment is None
    data = make_sheet(result, None)
    assert not data.aligned and not data.cropped
    out = sheet.render_pdf(data, tmp_path / "noface.pdf")
    text = _text(out)
    assert "No face found — shown as taken, not aligned" in text
    assert "not aligned" in text
    assert "Side-effect measures need a face in both photos" in text


def test_deidentified_sheet_shows_the_id_but_no_name(pair_result, course_report, tmp_path):
    data = make_sheet(pair_result, course_report, deidentify=True)
    out = sheet.render_pdf(data, tmp_path / "deid.pdf")
    text = _text(out)
    assert "ID 0042" in text and "De-identified" in text
    assert "Jane" not in text and "Example" not in text
    meta = pypdf.PdfReader(str(out)).metadata
    assert "Jane" not in str(meta.title) and "Jane" not in str(meta.author or "")
    assert b"Jane" not in out.read_bytes()


def test_several_pairs_make_one_pdf_with_numbered_pages(full_sheet, tmp_path):
    out = sheet.render_pdf([full_sheet, full_sheet], tmp_path / "two.pdf", paper="letter")
    reader = pypdf.PdfReader(str(out))
    assert len(reader.pages) == 2
    assert "Page 1 of 2" in reader.pages[0].extract_text()
    assert "Page 2 of 2" in reader.pages[1].extract_text()


def test_long_notes_flow_onto_a_second_page(pair_result, tmp_path):
    notes = " ".join(["The patient reports fewer and milder migraine days."] * 120)
    out = sheet.render_pdf(make_sheet(pair_result, None, notes=notes), tmp_path / "long.pdf")
    reader = pypdf.PdfReader(str(out))
    assert len(reader.pages) == 2
    assert "Page 2 of 2" in reader.pages[1].extract_text()


def test_png_export_of_a_two_page_sheet_writes_one_file_per_page(pair_result, tmp_path):
    notes = " ".join(["The patient reports fewer and milder migraine days."] * 120)
    data = make_sheet(pair_result, None, notes=notes)
    written = sheet.render_png(data, tmp_path / "long.png", dpi=40)
    assert written == [tmp_path / "long.png", tmp_path / "long-p2.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long-p2.png", "long.png"]


def test_output_in_a_missing_folder_fails_cleanly(full_sheet, tmp_path):
    with pytest.raises(ExportError):
        sheet.render_pdf(full_sheet, tmp_path / "missing" / "sheet.pdf")
    assert not (tmp_path / "missing").exists()


def test_output_under_a_file_fails_cleanly(full_sheet, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(ExportError):
        sheet.render_pdf(full_sheet, blocker / "sheet.pdf")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_unwritable_folder_fails_cleanly(full_sheet, tmp_path):
    if os.geteuid() == 0:  # root ignores permission bits; /proc refuses new files even to root
        with pytest.raises(ExportError):
            sheet.render_pdf(full_sheet, "/proc/sheet.pdf")
        return
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ExportError):
            sheet.render_pdf(full_sheet, folder / "sheet.pdf")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_failure_while_rendering_leaves_no_file_and_keeps_the_old_one(full_sheet, tmp_path):
    import dataclasses

    out = tmp_path / "sheet.pdf"
    out.write_bytes(b"%PDF-previous")
    broken = dataclasses.replace(full_sheet, before_rgb=np.zeros((0, 0), np.uint8))
    with pytest.raises(Exception):  # noqa: B017 - any failure will do
        sheet.render_pdf(broken, out)
    assert out.read_bytes() == b"%PDF-previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.pdf"]


def test_unknown_paper_is_refused(full_sheet, tmp_path):
    with pytest.raises(ExportError):
        sheet.render_pdf(full_sheet, tmp_path / "x.pdf", paper="a3")
    assert not (tmp_path / "x.pdf").exists()


def test_print_support_renders_onto_a_qprinter(full_sheet, tmp_path):
    """The UI prints through QPrintDialog → QPrinter; a PDF-output printer stands in here."""
    from photocompare.export.qt_env import ensure_gui_application

    ensure_gui_application()
    from PySide6.QtGui import QPageSize
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
    sheet.print_sheets([full_sheet, full_sheet], printer)
    reader = pypdf.PdfReader(str(tmp_path / "printed.pdf"))
    assert len(reader.pages) == 2
    # (Printing to a PDF file bypasses the exporter's space fix: compare words only.)
    assert "Jane Example (ID 0042)" in " ".join(reader.pages[1].extract_text().split())
    assert round(float(reader.pages[0].mediabox.width)) == 612


def test_small_photos_are_flagged_as_low_resolution(tmp_path):
    from photocompare.export.sheet_data import SheetData

    rng = np.random.default_rng(7)
    small = rng.integers(0, 255, (112, 92, 3), dtype=np.uint8)  # an ORL-sized photo
    data = SheetData(
        patient_label="ID 9",
        before_date="2026-01-05",
        after_date="2026-04-12",
        before_rgb=small,
        after_rgb=small,
        aligned=False,
        generated_at=GENERATED,
    )
    text = _text(sheet.render_pdf(data, tmp_path / "small.pdf"))
    assert "Low resolution: the photos print at" in text
    assert "Consistency not assessed" in text
    assert NO_DIARY_NOTE in text


def test_photos_without_exif_dates_show_the_file_date_labelled(analyzer, faces_dir):
    from photocompare.core.pairing import compare_photos

    folder = faces_dir / "face_recognition-examples" / "examples"
    before, after = folder / "obama-240p.jpg", folder / "obama-480p.jpg"
    if not before.exists() or not after.exists():
        pytest.skip("test data missing")
    data = make_sheet(compare_photos(before, after, analyzer), None)
    assert data.before_date.endswith("(file date)") and data.after_date.endswith("(file date)")
    assert data.aligned and data.cropped
