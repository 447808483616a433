"""One paper vocabulary: the same Paper values in settings, the CLI, the export dialog and the
sheet, whatever capitalisation an older stored setting or a user typed."""

from __future__ import annotations

import pytest

from photocompare.settings import ExportSettings, Paper


@pytest.mark.parametrize(
    ("text", "paper"),
    [("a4", Paper.A4), ("A4", Paper.A4), (" letter ", Paper.LETTER), ("Letter", Paper.LETTER)],
)
def test_stored_or_typed_text_reads_as_one_paper(text, paper):
    assert Paper.parse(text) is paper


def test_unknown_paper_names_the_sizes_there_are():
    with pytest.raises(ValueError, match=r"unknown paper size 'A3' \(use a4 or letter\)"):
        Paper.parse("A3")


def test_sizes_are_iso_a4_and_us_letter_in_millimetres():
    assert Paper.A4.size_mm == (210.0, 297.0)
    assert Paper.LETTER.size_mm == pytest.approx((8.5 * 25.4, 11 * 25.4))
    assert [p.label for p in Paper] == ["A4", "Letter"]
    assert ExportSettings().default_paper is Paper.A4


def test_cli_offers_exactly_the_paper_values():
    from photocompare.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._subparsers._group_actions if a.choices)
    paper = next(a for a in sub.choices["sheet"]._actions if a.dest == "paper")
    assert list(paper.choices) == [p.value for p in Paper]
    assert paper.default == Paper.A4.value


@pytest.mark.parametrize(
    ("stored", "paper"), [("Letter", Paper.LETTER), ("A3", Paper.A4), (None, Paper.A4)]
)
def test_a_stored_setting_from_another_version_never_stops_the_app(stored, paper):
    assert Paper.from_setting(stored) is paper
