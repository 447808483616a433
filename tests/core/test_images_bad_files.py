"""Every file of Pillow's bad-input corpus (../shared/data/bad-images) has an expected outcome:
refused with a one-line reason naming the file, or read with its broken metadata absent."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from PIL import ImageFile

from photocompare.core.errors import UnreadablePhoto
from photocompare.core.images import load_rgb, read_info

# file -> ("rejected", reason substring) | ("ok", {field: expected value})
EXPECTED: dict[str, tuple[str, object]] = {
    "broken.png": ("rejected", "damaged PNG header"),
    "decompression_bomb.gif": ("rejected", "image is 4365 MP, over the 100 MP limit"),
    "zero_width.gif": ("rejected", "image has zero width or height"),
    "truncated_image.png": ("rejected", "file ends early (truncated)"),
    "truncated_jpeg.jpg": ("rejected", "file ends early (truncated)"),
    "broken_exif_dpi.jpg": (
        "ok",
        {"camera_make": "NIKON CORPORATION", "taken_at": datetime(2013, 9, 11, 16, 45, 13)},
    ),
    "empty_gps_ifd.jpg": ("ok", {"orientation": 6, "camera_model": "Redmi Note 9S"}),
    "exif-dpi-zerodivision.jpg": ("ok", {"width": 200, "height": 200}),
    # exifread cannot follow the odd IFD offset; Pillow's parser supplies DateTime.
    "exif-ifd-offset.jpg": ("ok", {"taken_at": datetime(2017, 3, 13, 23, 3, 9)}),
    "exif.png": ("ok", {"format": "PNG", "orientation": 1}),
    "exif_gps_typeerror.jpg": ("ok", {"width": 800, "height": 531}),
    "exif_imagemagick_orientation.png": ("ok", {"orientation": 3}),
    "exif_typeerror.jpg": ("ok", {"width": 800, "height": 531, "orientation": None}),
    "frozenpond.mpo": ("ok", {"format": "JPEG", "camera_make": "Nintendo", "width": 640}),
    "hopper.jpg": ("ok", {"date_source": "file", "orientation": None}),
    "hopper.png": ("ok", {"format": "PNG"}),
    "hopper_16bit_qtables.jpg": ("ok", {"width": 128}),
    "hopper_bad_exif.jpg": ("ok", {"width": 500, "camera_make": None, "date_source": "file"}),
    "hopper_idat_after_image_end.png": ("ok", {"width": 128}),
    "hopper_orientation_2.jpg": ("ok", {"orientation": 2}),
    "hopper_orientation_3.jpg": ("ok", {"orientation": 3}),
    "hopper_orientation_4.jpg": ("ok", {"orientation": 4}),
    "hopper_orientation_5.jpg": ("ok", {"orientation": 5}),
    "hopper_orientation_6.jpg": ("ok", {"orientation": 6}),
    "hopper_orientation_7.jpg": ("ok", {"orientation": 7}),
    "hopper_orientation_8.jpg": ("ok", {"orientation": 8}),
    "icc-after-SOF.jpg": ("ok", {"width": 10}),
    "invalid-exif-without-x-resolution.jpg": (
        "ok",
        {"taken_at": datetime(2016, 12, 3, 11, 17, 43)},
    ),
    "invalid-exif.jpg": ("ok", {"width": 200}),
    "jpeg_ff00_header.jpg": ("ok", {"width": 300, "height": 225}),
    "junk_jpeg_header.jpg": ("ok", {"width": 1024, "height": 768}),
    "multiple_exif.jpg": ("ok", {"width": 1, "height": 1}),
    "orientation_rectangle.jpg": ("ok", {"orientation": 8, "width": 1, "height": 2}),
    "photoshop-200dpi-broken.jpg": ("ok", {"width": 200}),
    "pil_sample_cmyk.jpg": ("ok", {"width": 100}),
    "sugarshack_bad_mpo_header.jpg": ("ok", {"format": "JPEG", "camera_model": "Nintendo 3DS"}),
    "sugarshack_ifd_offset.mpo": ("ok", {"format": "JPEG"}),
    "truncated_app14.jpg": ("ok", {"width": 100}),
    "truncated_exif_dpi.jpg": ("ok", {"width": 480, "height": 640}),
    "avif/hopper.heif": ("ok", {"format": "HEIF", "width": 128}),
    "avif/exif.avif": ("ok", {"format": "AVIF", "orientation": 1}),
    "avif/xmp_tags_orientation.avif": ("ok", {"format": "AVIF", "orientation": 3}),
}
NOT_IMAGES = {"LICENSE_Pillow.txt", "MANIFEST.csv", "SOURCE.txt", "WHAT_EACH_TESTS.csv"}


def test_every_bad_image_file_has_an_expected_outcome(bad_images):
    on_disk = {
        str(p.relative_to(bad_images)) for p in bad_images.rglob("*") if p.is_file()
    } - NOT_IMAGES
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_images_are_refused_with_reason_or_read_with_bad_fields_absent(bad_images, name):
    path = bad_images / name
    outcome, detail = EXPECTED[name]
    if outcome == "rejected":
        with pytest.raises(UnreadablePhoto) as err:
            read_info(path)
        message = str(err.value)
        assert message.startswith(f"{path.name}: ")
        assert detail in message
        assert "\n" not in message
        with pytest.raises(UnreadablePhoto):
            load_rgb(path, max_side=64)
        return
    info = read_info(path)
    for field, expected in detail.items():
        assert getattr(info, field) == expected, field
    assert info.width > 0 and info.height > 0
    assert info.date_source in ("exif", "file")
    assert len(info.sha256) == 64
    loaded = load_rgb(path)
    assert loaded.rgb.dtype == np.uint8 and loaded.rgb.ndim == 3 and loaded.rgb.shape[2] == 3
    assert (loaded.full_width, loaded.full_height) == (info.width, info.height)
    assert loaded.rgb.shape[:2] == (info.height, info.width)


def test_truncated_files_stay_refused_and_pillow_never_loads_truncated_images(bad_images):
    for _ in range(2):  # Pillow's own test: the second load must fail again
        with pytest.raises(UnreadablePhoto, match="truncated"):
            load_rgb(bad_images / "truncated_jpeg.jpg")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_cmyk_jpeg_decodes_to_red_top_left(bad_images):
    rgb = load_rgb(bad_images / "pil_sample_cmyk.jpg").rgb
    r, g, b = (int(v) for v in rgb[:3, :3].reshape(-1, 3).mean(axis=0))
    assert r > 200 and g < 60 and b < 60
