"""Fixtures for the capture tests: real face photos, exact exposure changes, one landmark model."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shared_path


@pytest.fixture(scope="session")
def face_photo() -> Path:
    """A real frontal face (1280x720 video frame)."""
    return shared_path("faces", "face_recognition-examples", "examples", "obama-720p.jpg")


@pytest.fixture(scope="session")
def face_rgb(face_photo) -> np.ndarray:
    from PIL import Image

    with Image.open(face_photo) as img:
        return np.asarray(img.convert("RGB"))


@pytest.fixture(scope="session")
def face_analyzer():
    from photocompare.core.face import FaceAnalyzer

    analyzer = FaceAnalyzer()
    yield analyzer
    analyzer.close()


def save_jpeg(rgb: np.ndarray, path: Path, quality: int = 95) -> Path:
    from PIL import Image

    Image.fromarray(rgb).save(path, quality=quality)
    return path


class LineReader:
    """Reads a subprocess's stdout on a thread so the test can wait for a line with a timeout."""

    def __init__(self, stream) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.all: list[str] = []
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put("")  # end of stream

    def next_json(self, timeout: float) -> dict | None:
        line = self.lines.get(timeout=timeout)
        if line == "":
            return None
        self.all.append(line)
        return json.loads(line)


def start_cli(*args: str) -> tuple[subprocess.Popen, LineReader]:
    env = dict(os.environ)
    proc = subprocess.Popen(
        [sys.executable, "-m", "photocompare", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    return proc, LineReader(proc.stdout)
