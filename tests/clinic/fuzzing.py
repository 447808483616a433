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
    for i in range(count):
        k = rng.randrange(len(blobs))
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
    }


def main(argv: list[str]) -> int:
    target, seed, count, workdir, data_root, limit = argv[:6]
    result = run(target, int(seed), int(count), Path(workdir), Path(data_root), float(limit),
                 [Path(p) for p in argv[6:]] or None)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.exit(main(sys.argv[1:]))
