"""Files that are not whole photos within ImageLimits are refused with one line naming the file,
before any large allocation (zero bytes, not an image, too big, too many pixels, folders)."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from photocompare.core.errors import UnreadablePhoto
from photocompare.core.images import load_rgb, read_info, sha256_file
from photocompare.settings import ImageLimits


def _png_header_only(path, width: int, height: int) -> None:
    """A PNG that declares a huge size but holds (almost) no pixel data: a bomb shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def _reason(path, limits=None) -> str:
    with pytest.raises(UnreadablePhoto) as err:
        read_info(path, limits)
    message = str(err.value)
    assert message.startswith(path.name + ": ") and "\n" not in message
    return err.value.reason


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    assert _reason(path) == "empty file (0 bytes)"


def test_text_file_is_not_an_image(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("this is not a photo\n")
    assert _reason(path) == "not an image file"


def test_missing_file_and_folder_are_refused(tmp_path):
    assert _reason(tmp_path / "gone.jpg") == "file not found"
    assert _reason(tmp_path) == "is a folder, not a file"


def test_pixel_limit_is_configurable(tmp_path):
    path = tmp_path / "wide.png"
    Image.fromarray(np.zeros((1000, 2000, 3), np.uint8)).save(path)
    assert read_info(path).width == 2000
    assert _reason(path, ImageLimits(max_pixels=1_000_000)) == "image is 2 MP, over the 1 MP limit"
    with pytest.raises(UnreadablePhoto, match="over the 1 MP limit"):
        load_rgb(path, max_side=100, limits=ImageLimits(max_pixels=1_000_000))


def test_declared_120_megapixels_is_refused_without_decoding(tmp_path):
    path = tmp_path / "bomb.png"
    _png_header_only(path, 12_000, 10_000)
    assert _reason(path) == "image is 120 MP, over the 100 MP limit"


def test_declared_size_beyond_pillows_own_bomb_limit_gets_the_same_message(tmp_path):
    path = tmp_path / "huge.png"
    _png_header_only(path, 40_000, 40_000)
    assert _reason(path) == "image is 1600 MP, over the 100 MP limit"


def test_file_size_limit(tmp_path, bad_images):
    reason = _reason(bad_images / "hopper.jpg", ImageLimits(max_file_bytes=1000))
    assert reason == "file is 0.0064 MB, over the 0.001 MB limit"


def test_png_with_garbage_pixels_is_refused(tmp_path):
    path = tmp_path / "garbage.png"
    _png_header_only(path, 300, 200)  # IDAT holds far fewer bytes than 300x200 needs
    assert "truncated" in _reason(path) or "damaged" in _reason(path)


def test_sha256_matches_hashlib(bad_images):
    import hashlib

    path = bad_images / "hopper.jpg"
    assert sha256_file(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    assert read_info(path).sha256 == sha256_file(path)


def test_unsupported_formats_are_named(exif_samples, bad_images):
    assert _reason(exif_samples / "jxl" / "test_0001.jxl") == "JPEG XL is not a supported format"
    dng = exif_samples / "raw" / "nikon_z_9_high_efficiency_compressed_dx_cropped_max_overexposed.dng"
    assert _reason(dng).startswith("RAW camera files are not supported")
