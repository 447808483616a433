""""Fully decoded" means it, for every format: our verdict agrees with a full Pillow decode.

The corpus is Pillow's own `Tests/images` (~1,060 real corrupt, truncated and unusual files),
fetched in test set-up with pip from the sdist of the installed Pillow (never committed; cached
beside pytest's temporary folders so later runs do not download it again). For every file:

* a full Pillow decode (open + load() of the first frame, the only frame the app reads) that
  fails means we must refuse the file — never an accepted photo with rows of zeros;
* a file Pillow decodes must be accepted, unless our policy refuses it on purpose for a stated
  reason: a format that is not a photo format (GIF, JPEG 2000, PSD, ... named in the reason),
  floating-point PFM, JPEG XL, camera RAW, or over the pixel limit (decompression bombs);
* every accepted file also loads as RGB pixels.

`PHOTOCOMPARE_PILLOW_SDIST` may name an already downloaded `pillow-X.tar.gz` (offline machines).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import warnings
from collections import Counter
from pathlib import Path

import PIL
import pytest
from PIL import Image

from photocompare.core import images
from photocompare.core.errors import UnreadablePhoto
from photocompare.core.raw_files import RAW_REASON
from tests.conftest import IN_CI, shared_path

#: Reasons for refusing a file Pillow can decode: policy, not damage. Each is asserted by name.
POLICY_REASONS = (
    re.compile(r"not a supported photo format \((?P<fmt>[A-Za-z0-9_]+)\)$"),
    re.compile(r"not a supported photo format \(PFM floating-point image\)$"),
    re.compile(r"JPEG XL is not a supported format$"),
    re.compile(re.escape(RAW_REASON) + "$"),
    re.compile(r"image is .* over the .* MP limit"),
)


def _pillow_sdist(cache: Path) -> Path:
    explicit = os.environ.get("PHOTOCOMPARE_PILLOW_SDIST")
    if explicit:
        return Path(explicit)
    version = PIL.__version__
    found = sorted(cache.glob(f"pillow-{version}.tar.gz"))
    if found:
        return found[0]
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
           f"pillow=={version}", "-d", str(cache), "--quiet"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    found = sorted(cache.glob(f"pillow-{version}.tar.gz"))
    if proc.returncode != 0 or not found:
        message = f"could not download the Pillow {version} sdist: {proc.stderr.strip()[-300:]}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found[0]


@pytest.fixture(scope="session")
def pillow_corpus(tmp_path_factory) -> Path:
    """Pillow's Tests/images for the installed Pillow, extracted once per cache."""
    cache = tmp_path_factory.getbasetemp().parent / "photocompare-pillow-sdist"
    sdist = _pillow_sdist(cache)
    target = cache / f"images-{PIL.__version__}"
    done = target / ".complete"
    if not done.exists():
        with tarfile.open(sdist) as tar:
            members = [m for m in tar.getmembers() if "/Tests/images/" in m.name and m.isfile()]
            for member in members:
                member.name = member.name.split("/Tests/images/", 1)[1]
            tar.extractall(target, members=members, filter="data")
        done.write_text("ok")
    return target


def _full_pillow_decode(path: Path) -> tuple[str | None, str | None]:
    """(format, error) of a plain Pillow open + load(): the reference verdict."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # warnings are neither errors nor noise here
            with Image.open(path) as img:
                fmt = img.format
                img.load()
                return fmt, None
    except Exception as exc:  # noqa: BLE001 - any failure is "does not decode"
        return None, f"{type(exc).__name__}: {exc}"[:120]


def _ours(path: Path) -> tuple[bool, str]:
    try:
        info = images.read_info(path)
    except UnreadablePhoto as exc:
        return False, exc.reason
    return True, info.format


def test_every_pillow_test_image_gets_the_verdict_of_a_full_decode(pillow_corpus):
    files = sorted(p for p in pillow_corpus.rglob("*") if p.is_file() and p.name != ".complete")
    assert len(files) > 1000, f"expected Pillow's ~1,060 test images, found {len(files)}"
    disagreements: list[str] = []
    tally: Counter[str] = Counter()
    for path in files:
        name = path.relative_to(pillow_corpus).as_posix()
        ref_format, ref_error = _full_pillow_decode(path)
        accepted, detail = _ours(path)
        if accepted and ref_error is not None:
            disagreements.append(f"{name}: accepted as {detail}, but Pillow fails: {ref_error}")
        elif not accepted and ref_error is None:
            policy = next((m for rx in POLICY_REASONS if (m := rx.match(detail))), None)
            if policy is None:
                disagreements.append(f"{name}: refused ({detail}) though {ref_format} decodes")
            elif policy.groupdict().get("fmt") in images.PHOTO_FORMATS:
                disagreements.append(f"{name}: a supported format {ref_format} refused: {detail}")
            tally["refused by policy"] += 1
        elif accepted:
            try:
                images.load_rgb(path, max_side=64)
            except UnreadablePhoto as exc:
                disagreements.append(f"{name}: accepted but its pixels do not load: {exc.reason}")
            tally["accepted"] += 1
        else:
            tally["refused, does not decode"] += 1
    print(f"Pillow corpus: {len(files)} files, {dict(tally)}, {len(disagreements)} disagreements")
    assert not disagreements, "\n".join(disagreements)
    # The corpus reaches every outcome (a corpus that stopped decoding would pass vacuously).
    assert tally["accepted"] > 500 and tally["refused, does not decode"] > 100


def _png_chunks(data: bytes) -> list[tuple[int, bytes, int]]:
    """(offset of the chunk's data, type, length) for each chunk of a PNG."""
    out, pos = [], 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        out.append((pos + 8, data[pos + 4 : pos + 8], length))
        pos += 12 + length
    return out


def test_a_png_with_one_flipped_pixel_bit_is_refused_exactly_when_pillow_cannot_decode_it(
    tmp_path,
):
    """One flipped bit in the compressed pixels: Pillow's own decode decides, we follow it.

    Before, PNG getexif() ran the decode first, its error was swallowed and the second load()
    returned silently with zero rows, so damaged PNGs were imported as photos.
    """
    seed = shared_path("bad-images", "hopper.png").read_bytes()
    offset, _kind, length = next(c for c in _png_chunks(seed) if c[1] == b"IDAT")
    refused = accepted = 0
    for i, pos in enumerate(range(offset + 2, offset + length, max(1, length // 60))):
        data = bytearray(seed)
        data[pos] ^= 1 << (i % 8)
        case = tmp_path / f"flip-{pos}.png"
        case.write_bytes(bytes(data))
        _fmt, ref_error = _full_pillow_decode(case)
        ours, detail = _ours(case)
        assert ours == (ref_error is None), f"byte {pos}: ours {detail!r}, Pillow {ref_error!r}"
        if not ours:
            refused += 1
            with pytest.raises(UnreadablePhoto):
                images.load_rgb(case)
        else:
            accepted += 1
    assert refused > 0  # the flips do reach damaged data


def test_a_png_cut_inside_its_pixel_data_is_refused(tmp_path):
    seed = shared_path("bad-images", "hopper.png").read_bytes()
    offset, _kind, length = next(c for c in _png_chunks(seed) if c[1] == b"IDAT")
    case = tmp_path / "cut.png"
    case.write_bytes(seed[: offset + length // 2])
    _fmt, ref_error = _full_pillow_decode(case)
    assert ref_error is not None
    with pytest.raises(UnreadablePhoto):
        images.read_info(case)


def test_small_greyscale_netpbm_photos_are_accepted(tmp_path):
    """PGM face photos (the ORL set) are a supported input; PPM too; float PFM is not a photo."""
    orl = sorted(shared_path("faces", "orl").rglob("*.pgm"))[:3]
    assert orl
    for path in orl:
        info = images.read_info(path)
        assert info.format == "PPM" and info.width > 0
        loaded = images.load_rgb(path)
        assert loaded.rgb.shape == (info.height, info.width, 3)
    rgb = Image.new("RGB", (7, 5), (10, 200, 30))
    ppm = tmp_path / "small.ppm"
    rgb.save(ppm)
    assert images.read_info(ppm).width == 7
    assert (images.load_rgb(ppm).rgb[2, 3] == (10, 200, 30)).all()
    pfm = tmp_path / "hdr.pfm"
    pfm.write_bytes(b"Pf\n2 2\n-1.0\n" + b"\x00\x00\x80\x3f" * 4)
    with pytest.raises(UnreadablePhoto, match="PFM"):
        images.read_info(pfm)
    for suffix in (".pgm", ".ppm", ".pnm", ".pbm"):
        assert suffix in images.PHOTO_SUFFIXES
