"""The PDF text-map fix: spaces extract as spaces, the file keeps its length (offsets stay valid)
and nothing outside a ToUnicode map changes."""

from __future__ import annotations

import pytest

from photocompare.export.pdf_textmap import fix_space_in_text_maps, fix_text_map_bytes

CMAP = (
    b"stream\n/CIDInit /ProcSet findresource begin\nbegincmap\n"
    b"3 beginbfchar\n<0003> <0009>\n<0004> <0041>\n<0005> <0009>\nendbfchar\n"
    b"3 beginbfrange\n<0010> <0010> <0009>\n<0011> <0013> <0009>\n"
    b"<0020> <0022> [<0041> <0009> <0042>]\nendbfrange\n"
    b"endcmap\nend\nendstream\n"
)


def test_tab_destinations_become_spaces_where_they_stand_for_one_glyph():
    fixed = fix_text_map_bytes(CMAP)
    assert len(fixed) == len(CMAP)
    assert b"<0003> <0020>\n<0004> <0041>\n<0005> <0020>" in fixed  # single characters
    assert b"<0010> <0010> <0020>" in fixed  # a one-glyph range
    # A range with one destination counts up from it (TAB, LF, VT...): left alone.
    assert b"<0011> <0013> <0009>" in fixed
    assert b"<0020> <0022> [<0041> <0020> <0042>]" in fixed  # arrays list each glyph


def test_text_outside_the_maps_is_untouched():
    page = b"BT /F1 8 Tf (<0009>) Tj ET\n"
    assert fix_text_map_bytes(page + CMAP + page).startswith(page)
    assert fix_text_map_bytes(page) == page


def test_the_file_is_rewritten_in_place_only_when_something_changes(tmp_path):
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + CMAP)
    fix_space_in_text_maps(pdf)
    assert pdf.read_bytes() == b"%PDF-1.4\n" + fix_text_map_bytes(CMAP)
    clean = tmp_path / "clean.pdf"
    clean.write_bytes(b"%PDF-1.4\nno maps here\n")
    before = clean.stat().st_mtime_ns
    fix_space_in_text_maps(clean)
    assert clean.stat().st_mtime_ns == before


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_rendered_sheet_copies_out_spaces_not_tabs(full_sheet, tmp_path, paper):
    pypdf = pytest.importorskip("pypdf")
    from photocompare.export import sheet

    out = sheet.render_pdf(full_sheet, tmp_path / "sheet.pdf", paper=paper)
    text = pypdf.PdfReader(str(out)).pages[0].extract_text()
    assert "\t" not in text
    assert "Consistency of the two photos" in text
