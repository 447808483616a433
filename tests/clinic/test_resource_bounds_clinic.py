"""Every way input comes in is bounded, with a clear one-line message when a bound is hit."""

from __future__ import annotations

import struct
import time
import zlib

import pytest

from photocompare.core.errors import CourseError, UnreadablePhoto
from photocompare.core.exif import read_exif
from photocompare.core.images import load_rgb, read_info
from photocompare.settings import CourseSettings, ImageLimits


def _png_header_only(path, width, height):
    """A tiny PNG whose header claims width x height pixels (a decompression bomb's shape)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data  # noqa: E731
                                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize("reader", [read_info, lambda p: load_rgb(p, max_side=256)])
def test_pixel_limit_refuses_huge_images_quickly_with_a_clear_message(tmp_path, bad_images, reader):
    bomb = _png_header_only(tmp_path / "bomb.png", 50_000, 50_000)
    t0 = time.perf_counter()
    with pytest.raises(UnreadablePhoto) as err:
        reader(bomb)
    assert time.perf_counter() - t0 < 2.0
    assert str(err.value).startswith("bomb.png: ") and "limit" in str(err.value)
    with pytest.raises(UnreadablePhoto, match="decompression_bomb.gif: .*"):
        reader(bad_images / "decompression_bomb.gif")


def test_file_size_limit_has_a_clear_message(camera_jpegs):
    photo = camera_jpegs[-1]  # about 0.6 MB
    with pytest.raises(UnreadablePhoto, match=r"over the .* limit"):
        read_info(photo, ImageLimits(max_file_bytes=100_000))


def test_metadata_budget_bounds_the_exif_reader(camera_jpegs):
    photo = camera_jpegs[8]  # Canon 40D: full EXIF
    assert read_exif(photo).camera_make
    starved = read_exif(photo, max_metadata_bytes=64)  # over budget: fields absent, no error
    assert starved.camera_make is None and starved.taken_at is None


def _diary(path, rows):
    lines = ["date,headache"] + [f"2024-01-{1 + i % 28:02d},yes" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_csv_row_and_size_limits_have_clear_messages(tmp_path):
    from photocompare.core.diary_csv import parse_diary_csv

    with pytest.raises(CourseError, match=r"diary.csv: 40 rows is more than the 30"):
        parse_diary_csv(_diary(tmp_path / "diary.csv", 40), CourseSettings(max_csv_rows=30))
    with pytest.raises(CourseError, match=r"big.csv: \d+ bytes is larger than the 200 bytes"):
        parse_diary_csv(_diary(tmp_path / "big.csv", 40), CourseSettings(max_csv_bytes=200))


def test_backup_of_a_non_backup_file_is_a_clear_error(tmp_path):
    from photocompare.core.errors import LibraryError
    from photocompare.library.backup import check_backup

    junk = tmp_path / "holiday.zip"
    junk.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(LibraryError, match="holiday.zip: cannot open the backup"):
        check_backup(junk)
