"""Over-size metadata is ignored (never read unbounded) and RAW files are named as such."""

from __future__ import annotations

import struct
import tracemalloc
from pathlib import Path

import pytest

from photocompare.core.errors import UnreadablePhoto
from photocompare.core.exif import read_exif
from photocompare.core.images import load_rgb, read_info
from photocompare.settings import ImageLimits
from tests.conftest import shared_path

XMP_MAIN = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXTENSION = b"http://ns.adobe.com/xmp/extension/\x00"
RAW_MESSAGE = "RAW camera files are not supported — export a JPEG or TIFF from the camera software"


def _app1(payload: bytes) -> bytes:
    assert len(payload) + 2 <= 0xFFFF
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _inject_before_image_data(jpeg: bytes, segments: bytes) -> bytes:
    """Insert `segments` after the file's own APPn segments (before DQT/SOF/SOS)."""
    pos = 2
    while jpeg[pos] == 0xFF and 0xE0 <= jpeg[pos + 1] <= 0xEF:
        (length,) = struct.unpack(">H", jpeg[pos + 2 : pos + 4])
        pos += 2 + length
    return jpeg[:pos] + segments + jpeg[pos:]


def _orientation_xmp(pad_to: int) -> bytes:
    packet = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    return XMP_MAIN + packet + b" " * max(0, pad_to - len(packet))


def _photo_with_huge_xmp(tmp_path: Path, extension_bytes: int) -> Path:
    """A real photo (no EXIF orientation) carrying an XMP that says "rotated" plus padding."""
    source = shared_path("faces", "face_recognition-examples", "examples", "obama-480p.jpg")
    chunk = 65_000
    segments = _app1(_orientation_xmp(60_000))
    segments += b"".join(
        _app1(XMP_EXTENSION + b"0" * 32 + b"\x00" * 8 + b"x" * chunk)
        for _ in range(extension_bytes // chunk + 1)
    )
    path = tmp_path / "huge_xmp.jpg"
    path.write_bytes(_inject_before_image_data(source.read_bytes(), segments))
    return path


def test_over_size_xmp_is_ignored_and_the_pixels_are_imported(tmp_path):
    path = _photo_with_huge_xmp(tmp_path, extension_bytes=5 * 1024 * 1024)  # over 4 MiB
    info = read_info(path)
    assert info.orientation is None  # the dropped XMP's "rotated" is not applied
    assert (info.width, info.height) == (853, 480)
    assert load_rgb(path).rgb.shape == (480, 853, 3)


def test_xmp_over_a_configured_limit_is_ignored(tmp_path):
    source = shared_path("faces", "face_recognition-examples", "examples", "obama-480p.jpg")
    path = tmp_path / "xmp_60k.jpg"
    path.write_bytes(
        _inject_before_image_data(source.read_bytes(), _app1(_orientation_xmp(60_000)))
    )
    assert read_info(path).orientation == 6  # within the default limit: the XMP is honoured
    small = ImageLimits(max_metadata_bytes=16 * 1024)
    info = read_info(path, small)
    assert info.orientation is None
    assert (info.width, info.height) == (853, 480)
    assert load_rgb(path, limits=small).rgb.shape == (480, 853, 3)


def test_over_size_xmp_is_never_held_in_memory(tmp_path):
    path = _photo_with_huge_xmp(tmp_path, extension_bytes=24 * 1024 * 1024)
    tracemalloc.start()
    try:
        info = read_info(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.width == 853
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB: the XMP segments were read"


def test_exif_over_the_limit_is_dropped_by_every_reader(exif_samples):
    path = exif_samples / "jpg" / "Canon_40D.jpg"
    assert read_info(path).camera_make == "Canon"
    small = ImageLimits(max_metadata_bytes=1024)
    info = read_info(path, small)  # Pillow's second parser must not bring the fields back
    assert info.camera_make is None and info.camera_model is None
    assert info.date_source == "file"
    assert "Make" not in info.exif
    assert read_exif(path, 1024).camera_make is None


def test_over_size_xmp_does_not_hide_good_exif(tmp_path, exif_samples):
    source = exif_samples / "jpg" / "Canon_40D.jpg"
    segments = b"".join(
        _app1(XMP_EXTENSION + b"0" * 32 + b"\x00" * 8 + b"x" * 65_000) for _ in range(80)
    )
    path = tmp_path / "canon_huge_xmp.jpg"
    path.write_bytes(_inject_before_image_data(source.read_bytes(), segments))
    info = read_info(path)
    assert info.camera_make == "Canon" and info.date_source == "exif"


@pytest.mark.parametrize(
    "name",
    [
        "sony_alpha_a7iii_raw_image.ARW",
        "nikon_z_9_high_efficiency_compressed_dx_cropped_max_overexposed.dng",
    ],
)
def test_raw_files_are_named_as_raw_by_suffix_and_by_content(tmp_path, name):
    raw = shared_path("exif-samples", "raw", name)
    with pytest.raises(UnreadablePhoto) as by_suffix:
        read_info(raw)
    assert by_suffix.value.reason == RAW_MESSAGE
    renamed = tmp_path / "renamed.tif"
    renamed.write_bytes(raw.read_bytes())
    with pytest.raises(UnreadablePhoto) as by_content:
        load_rgb(renamed)
    assert by_content.value.reason == RAW_MESSAGE


def test_an_ordinary_camera_tiff_is_not_taken_for_raw(tmp_path, exif_samples):
    from PIL import Image

    with Image.open(exif_samples / "jpg" / "Canon_40D.jpg") as img:
        exif = img.getexif()
        path = tmp_path / "export.tif"
        img.save(path, exif=exif)
    assert read_info(path).format == "TIFF"


def test_capture_order_note_compares_naive_aware_and_plain_dates():
    from datetime import UTC, date, datetime, timedelta, timezone

    from photocompare.core.pairing import capture_order_notes

    early, late = datetime(2026, 1, 5, 9, 12), datetime(2026, 4, 12, 10, 3)
    assert capture_order_notes(early, late) == ()
    assert capture_order_notes(None, early) == () and capture_order_notes(late, None) == ()
    (note,) = capture_order_notes(late, early)
    assert note.startswith("The after photo was taken before the before photo")
    # Aware times are compared as instants: 10:00+02:00 is before 09:00 UTC.
    plus2 = timezone(timedelta(hours=2))
    assert capture_order_notes(
        datetime(2026, 1, 5, 9, 0, tzinfo=UTC), datetime(2026, 1, 5, 10, 0, tzinfo=plus2)
    )
    assert capture_order_notes(late.replace(tzinfo=UTC), early) != ()  # mixed: wall clock
    assert capture_order_notes(date(2026, 4, 12), early) != ()
    assert capture_order_notes(date(2026, 1, 5), early) == ()  # same day: no note


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_xmp_over_the_limit_is_ignored_in_png_and_webp(tmp_path, bad_images, fmt):
    from PIL import Image

    with Image.open(bad_images / "hopper.jpg") as img:
        rgb = img.convert("RGB")
    path = tmp_path / f"xmp.{fmt.lower()}"
    xmp = _orientation_xmp(60_000)[len(XMP_MAIN) :]
    if fmt == "PNG":
        from PIL.PngImagePlugin import PngInfo

        text = PngInfo()
        text.add_itxt("XML:com.adobe.xmp", xmp.decode())
        rgb.save(path, format=fmt, pnginfo=text)
    else:
        rgb.save(path, format=fmt, xmp=xmp)
    assert read_info(path).orientation == 6  # within the default limit: honoured
    small = ImageLimits(max_metadata_bytes=16 * 1024)
    info = read_info(path, small)
    assert info.orientation is None and (info.width, info.height) == rgb.size
    assert load_rgb(path, limits=small).rgb.shape == (rgb.size[1], rgb.size[0], 3)
