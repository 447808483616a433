"""A small mutation fuzzer for the readers that take files from outside (images, EXIF, diary CSV).

Seeds are real files from ../shared/data (camera JPEGs, Pillow's corrupt-file corpus, PGM faces,
TIFF/PNG/GIF/HEIF/AVIF). Each case is a seed mutated a few times (bit flips, byte runs set to
0x00/0xFF/random, truncation, chunk deletion/duplication/insertion, splicing two seeds,
"interesting" integers written over length fields). The loop runs in a child process
(`python -m tests.clinic.fuzzing TARGET SEED COUNT WORKDIR`) so that a crash (segfault) or a
hang in native code is observed from outside: the child re-arms `faulthandler` with the per-case
time bound before every case (a hang dumps the stack and exits), and writes each case to
`WORKDIR/current.bin` before running it, so the failing input is on disk for the report.
"""

from __future__ import annotations

import json
import os
import random
import struct
import sys
import time
import traceback
from pathlib import Path

INTERESTING = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]
MARKERS = [b"\xff\xd8", b"\xff\xd9", b"\xff\xe1", b"\xff\xc0", b"\xff\xda", b"Exif\x00\x00",
           b"II*\x00", b"MM\x00*", b"\x89PNG", b"IHDR", b"IDAT", b"IEND", b"GIF89a", b"ftyp"]
SEED_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".tif", ".tiff", ".pgm", ".heic", ".heif",
                 ".avif", ".mpo", ".webp", ".bmp"}


def seed_files(data_root: Path, max_bytes: int = 200_000) -> list[Path]:
    """Small real files from every image set (sorted, so runs are reproducible)."""
    seeds = []
    for sub in ("bad-images", "exif-samples", "faces/orl"):
        root = data_root / sub
        if not root.exists():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix.lower() in SEED_SUFFIXES and path.stat().st_size <= max_bytes:
                seeds.append(path)
    # keep the ORL faces from dominating (50 near-identical PGMs)
    pgm = [p for p in seeds if p.suffix.lower() == ".pgm"][:8]
    return [p for p in seeds if p.suffix.lower() != ".pgm"] + pgm


def mutate(data: bytes, rng: random.Random, other: bytes | None = None) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 3, 5, 8))):
        if not buf:
            buf = bytearray(rng.randbytes(rng.randint(1, 64)))
            continue
        op = rng.randrange(10)
        pos = rng.randrange(len(buf))
        if op == 0:  # bit flips
            for _ in range(rng.randint(1, 8)):
                p = rng.randrange(len(buf))
                buf[p] ^= 1 << rng.randrange(8)
        elif op == 1:  # byte run to a constant
            n = rng.randint(1, 64)
            buf[pos : pos + n] = bytes([rng.choice((0, 0xFF, rng.randrange(256)))]) * len(buf[pos : pos + n])
        elif op == 2:  # random bytes
            n = rng.randint(1, 32)
            buf[pos : pos + n] = rng.randbytes(len(buf[pos : pos + n]))
        elif op == 3:  # truncate
            del buf[rng.randrange(len(buf)) :]
        elif op == 4:  # delete a chunk
            del buf[pos : pos + rng.randint(1, 512)]
        elif op == 5:  # duplicate a chunk
            n = rng.randint(1, 512)
            buf[pos:pos] = buf[pos : pos + n] * rng.randint(1, 4)
        elif op == 6:  # interesting integer over a (probable) length/offset field
            value = rng.choice(INTERESTING)
            fmt = rng.choice((">H", "<H", ">I", "<I"))
            packed = struct.pack(fmt, value & (0xFFFF if fmt[1] == "H" else 0xFFFFFFFF))
            buf[pos : pos + len(packed)] = packed
        elif op == 7:  # insert a marker
            buf[pos:pos] = rng.choice(MARKERS)
        elif op == 8 and other:  # splice with another seed
            cut = rng.randrange(len(other))
            buf = buf[:pos] + bytearray(other[cut : cut + rng.randint(16, 4096)]) + buf[pos:]
        else:  # append junk
            buf += rng.randbytes(rng.randint(1, 256))
    return bytes(buf)


# -- structured mutations of real photos in every supported format -----------------------------


def photo_seeds(data_root: Path, folder: Path) -> list[Path]:
    """One small real photo per supported format (JPEG, MPO, PNG, TIFF, WebP, BMP, HEIF, AVIF,
    PGM, PPM). Formats the data sets only hold as JPEG are re-encoded from a real face photo."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    picked = [
        data_root / "exif-samples" / "jpg" / "Canon_40D.jpg",
        data_root / "bad-images" / "frozenpond.mpo",
        data_root / "bad-images" / "hopper.png",
        data_root / "exif-samples" / "tiff" / "Arbitro.tiff",
        data_root / "exif-samples" / "heic" / "samplefilehub.heif",
        data_root / "exif-samples" / "avif" / "mountains.avif",
        data_root / "faces" / "orl" / "s1" / "1.pgm",
    ]
    seeds = [p for p in picked if p.exists()]
    face = data_root / "faces" / "face_recognition-examples" / "examples" / "obama_small.jpg"
    with Image.open(face) as img:
        small = img.convert("RGB").resize((96, 120))
    for suffix, options in ((".webp", {"quality": 80}), (".bmp", {}), (".ppm", {}),
                            (".png", {}), (".tiff", {"compression": "tiff_lzw"})):
        out = folder / f"face{suffix}"
        small.save(out, **options)
        seeds.append(out)
    return seeds


def _chunks(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of the container's chunks/segments/boxes, as well as they can be found."""
    out: list[tuple[int, int]] = []
    if data.startswith(b"\x89PNG"):
        pos = 8
        while pos + 12 <= len(data):
            end = pos + 12 + int.from_bytes(data[pos : pos + 4], "big")
            out.append((pos, min(end, len(data))))
            pos = end
    elif data.startswith(b"\xff\xd8"):
        pos = 2
        while pos + 4 <= len(data) and data[pos] == 0xFF:
            marker = data[pos + 1]
            end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
            out.append((pos, min(end, len(data))))
            if marker == 0xDA:  # scan data: up to the end-of-image marker
                eoi = data.find(b"\xff\xd9", end)
                out.append((end, eoi if eoi > 0 else len(data)))
                break
            pos = end
    elif data[:4] == b"RIFF":
        pos = 12
        while pos + 8 <= len(data):
            end = pos + 8 + int.from_bytes(data[pos + 4 : pos + 8], "little")
            end += end % 2
            out.append((pos, min(end, len(data))))
            pos = end
    elif data[4:8] == b"ftyp":
        pos = 0
        while pos + 8 <= len(data):
            size = int.from_bytes(data[pos : pos + 4], "big")
            if size < 8:
                break
            out.append((pos, min(pos + size, len(data))))
            pos += size
    if not out:  # TIFF, BMP, PNM, ...: fixed-size slices stand in for strips/rows
        step = max(16, len(data) // 16)
        out = [(i, min(i + step, len(data))) for i in range(0, len(data), step)]
    return out


def mutate_photo(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One bit flip, or one chunk edit (delete, duplicate, swap, truncate inside, zero)."""
    buf = bytearray(data)
    if rng.random() < 0.5:
        pos = rng.randrange(len(buf))
        buf[pos] ^= 1 << rng.randrange(8)
        return bytes(buf), "bitflip"
    chunks = _chunks(data)
    a, b = chunks[rng.randrange(len(chunks))]
    op = rng.randrange(5)
    if op == 0:
        del buf[a:b]
        return bytes(buf), "chunk-delete"
    if op == 1:
        buf[b:b] = data[a:b]
        return bytes(buf), "chunk-duplicate"
    if op == 2 and len(chunks) > 1:
        c, d = chunks[rng.randrange(len(chunks))]
        if (c, d) != (a, b):
            (a, b), (c, d) = sorted([(a, b), (c, d)])
            return data[:a] + data[c:d] + data[b:c] + data[a:b] + data[d:], "chunk-swap"
    if op == 3:
        return data[: rng.randint(a, max(a, b - 1))], "truncate-in-chunk"
    start = rng.randint(a, max(a, b - 1))
    n = rng.randint(1, max(1, b - start))
    buf[start : start + n] = bytes(n)
    return bytes(buf), "chunk-zero"


class Disagreement(Exception):
    """Our verdict and a full Pillow decode differ on a mutated photo."""


def full_pillow_decode(path: Path) -> str | None:
    """None if a plain Pillow open + load() (first frame) succeeds, else the error."""
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as img:
                img.load()
        return None
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"[:120]


# -- the targets -------------------------------------------------------------------------------


def _target(name: str):
    """(function(path), allowed exception types) for a target name."""
    from photocompare.core.errors import CourseError, UnreadablePhoto
    from photocompare.settings import ImageLimits

    limits = ImageLimits(max_pixels=20_000_000, max_file_bytes=8 * 1024 * 1024)
    if name == "read_info":
        from photocompare.core.images import read_info

        return (lambda p: read_info(p, limits)), (UnreadablePhoto,)
    if name == "load_rgb":
        from photocompare.core.images import load_rgb

        return (lambda p: load_rgb(p, max_side=256, limits=limits)), (UnreadablePhoto,)
    if name == "photo_agrees":
        from photocompare.core.images import load_rgb, read_info

        def agrees(p: Path) -> None:
            try:
                read_info(p, limits)
            except UnreadablePhoto:
                raise
            reference = full_pillow_decode(p)
            if reference is not None:
                raise Disagreement(f"accepted, but a full Pillow decode fails: {reference}")
            load_rgb(p, max_side=128, limits=limits)  # an accepted photo's pixels load

        return agrees, (UnreadablePhoto,)
    if name == "exif":
        from photocompare.core.exif import read_exif

        return (lambda p: read_exif(p, 256 * 1024)), ()
    if name == "diary_csv":
        from photocompare.core.diary_csv import parse_diary_csv

        return parse_diary_csv, (CourseError,)
    raise SystemExit(f"unknown target {name}")


def run(target: str, seed: int, count: int, workdir: Path, data_root: Path, case_limit_s: float,
        extra_seeds: list[Path] | None = None) -> dict:
    import faulthandler

    func, allowed = _target(target)
    seeds = extra_seeds if extra_seeds else seed_files(data_root)
    blobs = [p.read_bytes() for p in seeds]
    rng = random.Random(seed)
    workdir.mkdir(parents=True, exist_ok=True)
    suffixes = [p.suffix for p in seeds]
    failures: list[dict] = []
    outcomes = {"ok": 0, "rejected": 0}
    slowest = (0.0, -1)
    crashlog = open(workdir / "hang.txt", "w")  # noqa: SIM115 - lives as long as the process
    kinds: dict[str, int] = {}
    for i in range(count):
        k = rng.randrange(len(blobs))
        if target == "photo_agrees":
            data, kind = mutate_photo(blobs[k], rng)
            kinds[f"{suffixes[k].lower()} {kind}"] = kinds.get(f"{suffixes[k].lower()} {kind}", 0) + 1
        else:
            data = mutate(blobs[k], rng, blobs[rng.randrange(len(blobs))])
        case = workdir / f"current{suffixes[k]}"
        case.write_bytes(data)
        (workdir / "current.json").write_text(json.dumps({"case": i, "seed_file": str(seeds[k])}))
        faulthandler.dump_traceback_later(case_limit_s, exit=True, file=crashlog)
        t0 = time.perf_counter()
        try:
            func(case)
            outcomes["ok"] += 1
        except allowed as exc:
            outcomes["rejected"] += 1
            if not str(exc).strip():
                failures.append({"case": i, "seed_file": str(seeds[k]), "error": "empty message"})
        except Exception as exc:  # noqa: BLE001 - that is what we are looking for
            saved = workdir / f"failure-{i}{suffixes[k]}"
            saved.write_bytes(data)
            failures.append(
                {
                    "case": i,
                    "seed_file": str(seeds[k]),
                    "saved": str(saved),
                    "error": f"{type(exc).__name__}: {exc}"[:300],
                    "traceback": traceback.format_exc()[-1500:],
                }
            )
        finally:
            faulthandler.cancel_dump_traceback_later()
        dt = time.perf_counter() - t0
        if dt > slowest[0]:
            slowest = (dt, i)
    return {
        "target": target,
        "cases": count,
        "seeds": len(seeds),
        **outcomes,
        "failures": failures,
        "slowest_s": round(slowest[0], 3),
        "slowest_case": slowest[1],
        "mutations": kinds,
    }


def main(argv: list[str]) -> int:
    target, seed, count, workdir, data_root, limit = argv[:6]
    extra = [Path(p) for p in argv[6:]] or None
    if target == "photo_agrees" and extra is None:
        extra = photo_seeds(Path(data_root), Path(workdir) / "seeds")
    result = run(target, int(seed), int(count), Path(workdir), Path(data_root), float(limit), extra)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.exit(main(sys.argv[1:]))
