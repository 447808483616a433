"""Benchmark inputs made from a real face photo: camera-sized JPEGs with unique bytes.

The source is a real photo (`faces/face_recognition-examples/examples/obama-1080p.jpg` from
../shared/data when present, else the bundled public-domain `resources/demo/astronaut.jpg`),
cropped to 4:3 and upscaled to the target size. An upscaled photo is smoother than a real camera
file and would decode unrealistically fast, so mild Gaussian "sensor" noise (σ = 3 grey levels)
is added: the result compresses like a phone photo (about 3–4 bits per pixel at quality 92,
i.e. ~5 MB for 12 MP). Each variant is shifted by a few pixels and carries a distinct noise
patch, so every file has different bytes (the importer deduplicates by SHA-256), and an EXIF
block with camera make/model and DateTimeOriginal, as camera files do.
"""

from __future__ import annotations

import os
import struct
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED_FACE = ("faces", "face_recognition-examples", "examples", "obama-1080p.jpg")
TWELVE_MP = (4000, 3000)
NOISE_SIGMA = 5.0
JPEG_QUALITY = 92


def shared_data_dir() -> Path:
    return Path(os.environ.get("PHOTOCOMPARE_SHARED_DATA", ROOT.parent / "shared" / "data"))


def source_face() -> Path:
    shared = shared_data_dir().joinpath(*SHARED_FACE)
    if shared.is_file():
        return shared
    return ROOT / "resources" / "demo" / "astronaut.jpg"


def camera_like_rgb(size: tuple[int, int] = TWELVE_MP, seed: int = 0) -> np.ndarray:
    """The source face cropped to the target aspect, upscaled, with sensor-like noise (RGB)."""
    import cv2

    bgr = cv2.imread(str(source_face()), cv2.IMREAD_COLOR)
    if bgr is None:
        raise RuntimeError(f"cannot read {source_face()}")
    width, height = size
    h, w = bgr.shape[:2]
    aspect = width / height
    if w / h > aspect:  # too wide: crop the sides
        new_w = int(round(h * aspect))
        x0 = (w - new_w) // 2
        bgr = bgr[:, x0 : x0 + new_w]
    else:
        new_h = int(round(w / aspect))
        y0 = (h - new_h) // 2
        bgr = bgr[y0 : y0 + new_h]
    big = cv2.resize(bgr, (width, height), interpolation=cv2.INTER_CUBIC)
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, NOISE_SIGMA, size=(height, width, 3)).astype(np.float32)
    noisy = np.clip(big.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    return cv2.cvtColor(noisy, cv2.COLOR_BGR2RGB)


def exif_app1(index: int) -> bytes:
    """An APP1 EXIF segment: camera make/model and a capture date (one minute per index)."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "BenchCam"  # Make
    exif[0x0110] = "Synthetic 12MP"  # Model
    exif[0x0112] = 1  # Orientation
    minute = index % 60
    hour = 9 + (index // 60) % 9
    day = 1 + (index // 540) % 28
    exif.get_ifd(0x8769)[0x9003] = f"2026:01:{day:02d} {hour:02d}:{minute:02d}:00"
    payload = exif.tobytes()
    if not payload.startswith(b"Exif\x00\x00"):
        payload = b"Exif\x00\x00" + payload
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def encode_jpeg(rgb: np.ndarray, path: Path, index: int = 0, quality: int = JPEG_QUALITY) -> Path:
    import cv2

    ok, buf = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:
        raise RuntimeError(f"cannot encode {path}")
    data = buf.tobytes()
    path.write_bytes(data[:2] + exif_app1(index) + data[2:])
    return path


def write_photo(path: Path, size: tuple[int, int] = TWELVE_MP, seed: int = 0) -> Path:
    return encode_jpeg(camera_like_rgb(size, seed), path, seed)


def rotated_copy(rgb: np.ndarray, degrees: float, shift_px: tuple[float, float] = (0, 0),
                 scale: float = 1.0) -> np.ndarray:
    """The photo turned about its centre (counter-clockwise on screen), shifted and scaled."""
    import cv2

    h, w = rgb.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, scale)
    matrix[:, 2] += shift_px
    return cv2.warpAffine(rgb, matrix, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT)


_BASE: dict[tuple[int, int], np.ndarray] = {}


def _variant(args: tuple[Path, int, tuple[int, int]]) -> str:
    path, index, size = args
    base = _BASE.get(size)
    if base is None:
        base = _BASE[size] = camera_like_rgb(size, seed=12345)
    rng = np.random.default_rng(index)
    dx, dy = int(rng.integers(-12, 13)), int(rng.integers(-12, 13))
    rgb = np.roll(base, (dy, dx), axis=(0, 1))
    patch = rng.integers(0, 256, size=(48, 48, 3), dtype=np.uint8)
    rgb[8:56, 8:56] = patch  # a unique corner patch: different bytes for every file
    encode_jpeg(rgb, path, index)
    return str(path)


def make_variants(folder: Path, count: int, size: tuple[int, int], workers: int = 2) -> list[Path]:
    """`count` distinct camera-like JPEGs of `size` in `folder` (made in parallel)."""
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(folder / f"IMG_{i:04d}.jpg", i, size) for i in range(count)]
    if workers <= 1 or count < 8:
        return [Path(_variant(job)) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [Path(p) for p in pool.map(_variant, jobs, chunksize=max(1, count // (workers * 4)))]
