"""Orientation is applied once, in `core.images`, for every EXIF value 1..8; reduced loading
(JPEG draft) keeps the same upright picture and reports its scale."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, JpegImagePlugin

from photocompare.core.images import load_rgb, read_info

# hopper_orientation_N.jpg are re-encoded JPEGs of hopper.jpg, so upright pixels match within
# JPEG noise, not exactly: measured mean |diff| 4.65-4.86 levels (max 47-53) against hopper.jpg,
# while a wrong orientation gives 59-82.
HOPPER_MEAN_TOLERANCE = 6.0


def _mean_abs(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def _same_shape_alternatives(rgb: np.ndarray) -> list[np.ndarray]:
    """The other dihedral transforms that keep the shape: mirror, flip, rotate 180."""
    return [rgb[:, ::-1], rgb[::-1, :], rgb[::-1, ::-1]]


@pytest.mark.parametrize("n", range(2, 9))
def test_hopper_orientation_n_loads_upright_like_hopper(bad_images, n):
    reference = load_rgb(bad_images / "hopper.jpg").rgb
    loaded = load_rgb(bad_images / f"hopper_orientation_{n}.jpg")
    assert loaded.rgb.shape == reference.shape
    error = _mean_abs(loaded.rgb, reference)
    assert error < HOPPER_MEAN_TOLERANCE
    # hopper is square, so also rule out every other way of holding it
    for alt in [*_same_shape_alternatives(loaded.rgb), np.rot90(loaded.rgb), np.rot90(loaded.rgb, 3)]:
        assert _mean_abs(alt, reference) > 5 * error
    assert read_info(bad_images / f"hopper_orientation_{n}.jpg").orientation == n


@pytest.mark.parametrize("kind", ["landscape", "portrait"])
@pytest.mark.parametrize("n", range(1, 9))
def test_camera_corpus_orientation_1_to_8_is_upright(exif_samples, kind, n):
    folder = exif_samples / "jpg" / "orientation"
    reference = load_rgb(folder / f"{kind}_1.jpg", max_side=160).rgb
    path = folder / f"{kind}_{n}.jpg"
    info = read_info(path)
    loaded = load_rgb(path, max_side=160)
    assert info.orientation == n
    assert loaded.rgb.shape == reference.shape  # 5..8 swap width and height back
    assert (info.width, info.height) == (loaded.full_width, loaded.full_height)
    expected_size = (600, 450) if kind == "landscape" else (450, 600)
    assert (info.width, info.height) == expected_size
    error = _mean_abs(loaded.rgb, reference)
    # each file carries its own digit, so "upright" = far closer than any mirror or flip
    assert error < 25
    for alt in _same_shape_alternatives(loaded.rgb):
        assert _mean_abs(alt, reference) > 1.8 * error


def test_two_by_one_with_orientation_8_becomes_one_by_two(bad_images):
    loaded = load_rgb(bad_images / "orientation_rectangle.jpg")
    assert loaded.rgb.shape[:2] == (2, 1)
    assert (loaded.full_width, loaded.full_height) == (1, 2)


def test_iphone_heic_is_upright_and_reports_its_orientation(exif_samples):
    path = exif_samples / "heic" / "mobile" / "iphone_13_pro_max.heic"
    info = read_info(path)
    assert info.format == "HEIF"
    assert info.orientation == 6
    assert (info.width, info.height) == (3024, 4032)  # portrait once rotated
    loaded = load_rgb(path, max_side=200)
    assert loaded.rgb.shape == (200, 150, 3)
    assert loaded.scale == pytest.approx(150 / 3024)
    assert info.camera_model == "iPhone 13 Pro Max"
    assert info.taken_at is not None and info.taken_at.utcoffset().total_seconds() == 3600


def test_reduced_jpeg_uses_dct_draft_and_keeps_the_picture(exif_samples, monkeypatch):
    path = exif_samples / "jpg" / "tests" / "42_IndexError.jpg"  # 4032 x 3024
    requested = []
    original_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = original_draft(self, mode, size)
        requested.append((size, self.size))
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    small = load_rgb(path, max_side=500)
    assert requested, "load_rgb did not ask for DCT-domain reduction"
    (_asked, decoded_size) = requested[-1]
    assert max(decoded_size) < 4032  # the decoder produced fewer pixels than the full image
    assert max(small.rgb.shape[:2]) == 500
    assert small.full_width == 4032 and small.full_height == 3024
    assert small.scale == pytest.approx(500 / 4032)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", original_draft)
    full = load_rgb(path)
    assert full.scale == 1.0 and full.rgb.shape == (3024, 4032, 3)
    downsized = np.asarray(
        Image.fromarray(full.rgb).resize(small.rgb.shape[1::-1], Image.Resampling.LANCZOS)
    )
    assert _mean_abs(downsized, small.rgb) < 3.0


def test_load_rgb_never_enlarges_and_returns_writable_arrays(bad_images):
    loaded = load_rgb(bad_images / "hopper.jpg", max_side=4096)
    assert loaded.rgb.shape == (128, 128, 3) and loaded.scale == 1.0
    loaded.rgb[0, 0] = 0  # callers may draw on their copy


def test_sixteen_bit_and_alpha_images_become_8_bit_rgb(tmp_path):
    ramp = (np.arange(256 * 64, dtype=np.uint32).reshape(64, 256) * 4).astype(np.uint16)
    Image.fromarray(ramp).save(tmp_path / "sixteen.png")
    rgb = load_rgb(tmp_path / "sixteen.png").rgb
    assert rgb.dtype == np.uint8 and rgb.shape == (64, 256, 3)
    assert rgb.max() > 200 and rgb.min() < 10  # scaled, not clipped to white
    rgba = np.zeros((10, 10, 4), np.uint8)  # fully transparent black -> white background
    Image.fromarray(rgba).save(tmp_path / "alpha.png")
    assert load_rgb(tmp_path / "alpha.png").rgb.min() == 255
