"""EXIF is read leniently: real camera files give their date/orientation/camera, broken or
malformed metadata leaves those fields absent and never stops a photo from being read."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone

import pytest

from photocompare.core.exif import parse_exif_datetime, read_exif
from photocompare.core.images import read_info

# -- the date parser ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "offset", "expected"),
    [
        ("2021:04:11 15:47:53", None, datetime(2021, 4, 11, 15, 47, 53)),
        (
            "2021:04:11 15:47:53",
            "-05:00",
            datetime(2021, 4, 11, 15, 47, 53, tzinfo=timezone(timedelta(hours=-5))),
        ),
        # the real malformed value in faces/.../obama2.jpg: junk after the seconds is ignored
        ("2009:09:09 20:27:09.60:04:00", None, datetime(2009, 9, 9, 20, 27, 9)),
        ("2021-04-11T15:47:53+02:00", None,
         datetime(2021, 4, 11, 15, 47, 53, tzinfo=timezone(timedelta(hours=2)))),
        ("2021:04:11 15:47:53\x00", None, datetime(2021, 4, 11, 15, 47, 53)),
        ("2021:04:11", None, datetime(2021, 4, 11)),
        ("0000:00:00 00:00:00", None, None),
        ("    :  :     :  :  ", None, None),
        ("2021:13:40 25:61:00", None, None),
        ("garbage", None, None),
        ("", None, None),
        (None, None, None),
        ("2021:04:11 15:47:53", "+99:00", datetime(2021, 4, 11, 15, 47, 53)),  # bad offset ignored
    ],
)
def test_exif_dates_are_parsed_leniently(text, offset, expected):
    assert parse_exif_datetime(text, offset) == expected


def test_malformed_date_in_real_photo_is_read_leniently(faces_dir):
    path = faces_dir / "face_recognition-examples/examples/knn_examples/train/obama/obama2.jpg"
    info = read_info(path)
    assert info.taken_at == datetime(2009, 9, 9, 20, 27, 9)
    assert info.date_source == "exif"
    assert info.exif["DateTimeOriginal"] == "2009:09:09 20:27:09.60:04:00"
    assert info.camera_model == "Canon EOS 5D Mark II"


def test_offset_time_original_makes_the_date_aware(exif_samples):
    info = read_info(exif_samples / "heic" / "IMG_5195.HEIC")
    assert info.taken_at == datetime(2021, 4, 11, 15, 47, 53, tzinfo=timezone(timedelta(hours=-5)))


def test_no_exif_date_falls_back_to_file_time(exif_samples):
    info = read_info(exif_samples / "jpg" / "invalid" / "image01551.jpg")
    assert info.date_source == "file"
    assert info.taken_at is not None and info.taken_at.tzinfo is not None


def test_date_digitized_and_datetime_are_the_fallbacks(exif_samples):
    summary = read_exif(exif_samples / "jpg" / "tests" / "67-0_length_string.jpg")
    assert summary.taken_at_tag in ("DateTimeDigitized", "DateTime")
    assert summary.taken_at == datetime(2016, 9, 12, 10, 5, 31)


# -- the camera corpus, checked against its manifest ----------------------------------------


def _manifest_rows(exif_samples):
    with open(exif_samples / "MANIFEST.csv", encoding="utf-8", errors="replace", newline="") as fh:
        return [row for row in csv.DictReader(fh) if row["file"].startswith("jpg/")]


def test_camera_jpegs_match_their_manifest(exif_samples):
    rows = _manifest_rows(exif_samples)
    assert len(rows) >= 80
    for row in rows:
        info = read_info(exif_samples / row["file"])
        where = row["file"]
        assert (info.width, info.height) in (
            (int(row["width"]), int(row["height"])),
            (int(row["height"]), int(row["width"])),
        ), where
        if row["datetime_original"]:
            expected = parse_exif_datetime(row["datetime_original"])
            assert info.taken_at.replace(tzinfo=None) == expected, where
            assert info.date_source == "exif", where
        if row["orientation"]:
            assert info.orientation == int(row["orientation"]), where
        if row["make"]:
            assert info.camera_make == row["make"].strip(), where


INVALID = [
    "jpg/invalid/image00971.jpg",
    "jpg/invalid/image01088.jpg",
    "jpg/invalid/image01137.jpg",
    "jpg/invalid/image01551.jpg",
    "jpg/invalid/image01713.jpg",
    "jpg/invalid/image01980.jpg",
    "jpg/invalid/image02206.jpg",
]


@pytest.mark.parametrize("name", INVALID)
def test_invalid_exif_files_are_read_with_exif_fields_absent(exif_samples, name):
    info = read_info(exif_samples / name)
    assert info.camera_make is None and info.camera_model is None
    assert info.date_source == "file"
    assert info.width > 0 and info.height > 0


@pytest.mark.parametrize(
    ("name", "make", "taken"),
    [
        ("jpg/corrupted.jpg", "OLYMPUS IMAGING CORP.", datetime(2015, 9, 8, 11, 2, 17)),
        ("jpg/tests/30-type_error.jpg", None, datetime(2013, 7, 7, 17, 20, 59)),
        ("jpg/tests/33-type_error.jpg", "Canon", datetime(2008, 5, 25, 19, 31, 26)),
        ("jpg/tests/35-empty.jpg", "CASIO COMPUTER CO.,LTD", datetime(2005, 7, 19, 18, 25, 29)),
        ("jpg/tests/36-memory_error.jpg", "CASIO COMPUTER CO.,LTD.", datetime(2002, 4, 21, 0, 30, 33)),
        ("jpg/tests/42_IndexError.jpg", "OLYMPUS IMAGING CORP.", datetime(2014, 8, 23, 13, 5, 43)),
        ("jpg/tests/87_OSError.jpg", "NIKON CORPORATION", datetime(2005, 12, 14, 14, 39, 47)),
        ("jpg/tests/Xiaomi_Mi_9T_KeyError.jpg", "Xiaomi", datetime(2022, 7, 16, 16, 27, 30)),
        ("jpg/tests/nikon_D3100_TypeError.jpg", "NIKON CORPORATION", datetime(2017, 6, 5, 7, 8, 42)),
    ],
)
def test_files_that_once_broke_exifread_give_their_good_fields(exif_samples, name, make, taken):
    info = read_info(exif_samples / name)
    assert info.camera_make == make
    assert info.taken_at == taken


def test_metadata_reading_is_bounded_and_never_raises(exif_samples):
    path = exif_samples / "jpg" / "Canon_40D.jpg"
    assert read_exif(path).camera_make == "Canon"
    starved = read_exif(path, max_metadata_bytes=64)  # budget exhausted: nothing, no error
    assert starved.taken_at is None and starved.fields == {}


def test_exifread_chatter_does_not_reach_stderr(bad_images, capfd):
    read_exif(bad_images / "hopper.png")  # exifread would log "PNG file does not have exif data."
    read_info(bad_images / "hopper_bad_exif.jpg")
    captured = capfd.readouterr()
    assert "exif" not in captured.err.lower()
