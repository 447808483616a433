"""Exported images carry no metadata unless asked: read them back and prove it.

Real camera files from exifread's corpus: GPS positions (jpg/gps/DSCN0010.jpg), a camera body
serial number with GPS (jpg/tests/87_OSError.jpg), an owner name in the maker notes
(jpg/Canon_DIGITAL_IXUS_400.jpg) and XMP (jpg/xmp/no_exif.jpg).
"""

from __future__ import annotations

import exifread
import numpy as np
import pytest
from PIL import Image

from photocompare.core.errors import ExportError, UnreadablePhoto
from photocompare.export.deidentify import (
    identifying_metadata,
    patient_label,
    save_rgb_image,
    suggested_filename,
)
from photocompare.export.pair_images import export_pair
from tests.export.conftest import exif_sample

GPS = ("jpg", "gps", "DSCN0010.jpg")
SERIAL = ("jpg", "tests", "87_OSError.jpg")
SERIAL_TEXT = b"-1000f46"
OWNER = ("jpg", "Canon_DIGITAL_IXUS_400.jpg")
OWNER_TEXT = b"Jean-Pierre"
XMP = ("jpg", "xmp", "no_exif.jpg")


def _assert_clean(path):
    data = path.read_bytes()
    assert identifying_metadata(path) == []
    with open(path, "rb") as fh:
        assert exifread.process_file(fh, details=True) == {}
    with Image.open(path) as img:
        assert len(img.getexif()) == 0
        assert "icc_profile" not in img.info and "xmp" not in img.info
    for needle in (b"GPS", b"Exif", b"http://ns.adobe.com", SERIAL_TEXT, OWNER_TEXT, b"NIKON"):
        assert needle not in data, needle


def test_originals_do_hold_the_identifying_metadata():
    """The test files really carry what the exports must drop (so the tests can fail)."""
    assert "EXIF" in identifying_metadata(exif_sample(GPS))
    assert SERIAL_TEXT in exif_sample(SERIAL).read_bytes()
    assert OWNER_TEXT in exif_sample(OWNER).read_bytes()
    assert "XMP" in identifying_metadata(exif_sample(XMP))
    with open(exif_sample(GPS), "rb") as fh:
        assert any(k.startswith("GPS") for k in exifread.process_file(fh, details=False))


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_pair_export_strips_gps_serial_and_owner(tmp_path, suffix):
    written = export_pair(
        exif_sample(GPS), exif_sample(SERIAL), tmp_path / f"pair{suffix}", None
    )
    assert [p.name for p in written] == [f"pair-before{suffix}", f"pair-after{suffix}"]
    for path in written:
        _assert_clean(path)
    written = export_pair(
        exif_sample(OWNER),
        exif_sample(XMP),
        tmp_path / f"sbs{suffix}",
        None,
        side_by_side_layout=True,
    )
    assert len(written) == 1
    _assert_clean(written[0])


def test_side_by_side_holds_both_photos_at_full_height(tmp_path):
    before = exif_sample(GPS)
    after = exif_sample(("jpg", "gps", "DSCN0012.jpg"))
    (out,) = export_pair(before, after, tmp_path / "sbs.png", None, side_by_side_layout=True)
    with Image.open(before) as b:
        b_w, b_h = b.size
    with Image.open(out) as img:
        assert img.height == b_h
        assert img.width > 2 * b_w * 0.9
        pixels = np.asarray(img.convert("L"), dtype=np.float32)
    assert pixels[:, : b_w // 2].std() > 10  # the before photo is there
    assert pixels[:, -b_w // 2 :].std() > 10  # and the after photo


def test_keep_metadata_copies_exif_with_upright_orientation(tmp_path):
    written = export_pair(
        exif_sample(GPS),
        exif_sample(SERIAL),
        tmp_path / "kept.jpg",
        None,
        keep_metadata=True,
    )
    with open(written[0], "rb") as fh:
        tags = exifread.process_file(fh, details=False)
    assert any(k.startswith("GPS") for k in tags)  # kept by choice
    with Image.open(written[0]) as img:
        assert img.getexif().get(0x0112, 1) == 1


def test_aligned_pair_export_of_a_face_is_clean(face_pair, pair_result, tmp_path):
    written = export_pair(*face_pair, tmp_path / "aligned.jpg", pair_result.alignment)
    for path in written:
        _assert_clean(path)
        assert b"SN-4417" not in path.read_bytes()
    with Image.open(written[0]) as b, Image.open(written[1]) as a:
        assert a.size == b.size  # AFTER is in BEFORE's frame


def test_unreadable_input_writes_nothing(bad_images, tmp_path):
    good = exif_sample(GPS)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UnreadablePhoto):
        export_pair(good, tmp_path / "missing.jpg", out / "x.jpg", None)
    with pytest.raises(UnreadablePhoto):
        export_pair(good, bad_images / "truncated_jpeg.jpg", out / "y.jpg", None)
    with pytest.raises(UnreadablePhoto):
        export_pair(good, bad_images / "zero_width.gif", out / "z.png", None)
    assert list(out.iterdir()) == []


def test_wrong_output_type_is_refused(tmp_path):
    with pytest.raises(ExportError):
        export_pair(
            exif_sample(GPS), exif_sample(GPS), tmp_path / "x.gif", None
        )


def test_identifying_metadata_lists_what_a_file_still_holds(tmp_path):
    rgb = np.full((16, 16, 3), 128, np.uint8)
    exif = Image.Exif()
    exif[0x013B] = "Jane Example"  # Artist
    Image.fromarray(rgb).save(tmp_path / "with.jpg", exif=exif.tobytes(), comment=b"hello")
    assert identifying_metadata(tmp_path / "with.jpg") == ["EXIF", "comment"]
    save_rgb_image(rgb, tmp_path / "clean.jpg")
    assert identifying_metadata(tmp_path / "clean.jpg") == []


def test_patient_label_and_file_names_hide_the_name_when_deidentified():
    assert patient_label("0042", "Jane Example", deidentify=False) == "Jane Example (ID 0042)"
    assert patient_label("0042", "Jane Example", deidentify=True) == "ID 0042"
    name = suggested_filename(
        "sheet", "pdf", patient_id="0042", patient_name="Jane Example", deidentify=True
    )
    assert "Jane" not in name and "0042" in name and name.endswith(".pdf")
    assert "Jane-Example" in suggested_filename(
        "sheet", "pdf", patient_id="0042", patient_name="Jane Example"
    )
