"""Each sub-command imports only what it needs: `photocompare info FILE --json` answers without
loading the database layer, Qt, OpenCV or MediaPipe, so describing a photo stays quick.

The imports are read from the interpreter itself (`-X importtime` lists every module it
loaded, on stderr), in a fresh subprocess as a user would run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("sqlalchemy", "PySide6", "shiboken6", "cv2", "mediapipe", "psycopg", "alembic")


def loaded_modules(*args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run `python -X importtime -m photocompare ARGS`; its result and the top-level packages
    it imported."""
    env = dict(os.environ)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "photocompare", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    packages = set()
    other_lines = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:"):
            name = line.rsplit("|", 1)[-1].strip()
            packages.add(name.split(".")[0])
        else:
            other_lines.append(line)
    proc.stderr = "\n".join(other_lines)
    return proc, packages


def test_info_json_loads_no_database_qt_opencv_or_mediapipe(exif_samples):
    path = exif_samples / "heic" / "mobile" / "iphone_13_pro_max.heic"
    proc, packages = loaded_modules("info", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    data = json.loads(proc.stdout)
    assert (data["width"], data["height"]) == (3024, 4032)  # it really read the photo
    assert "photocompare" in packages and "PIL" in packages  # the listing is complete
    assert sorted(set(HEAVY) & packages) == []


def test_info_without_json_loads_no_heavy_module_either(bad_images):
    proc, packages = loaded_modules("info", str(bad_images / "hopper.jpg"))
    assert proc.returncode == 0, proc.stderr
    assert "hopper.jpg" in proc.stdout
    assert sorted(set(HEAVY) & packages) == []


@pytest.mark.parametrize("args", [("--help",), ("info", "--help"), ("consent", "set", "--help")])
def test_help_loads_no_heavy_module(args):
    proc, packages = loaded_modules(*args)
    assert proc.returncode == 0, proc.stderr
    assert "usage: photocompare" in proc.stdout
    assert sorted(set(HEAVY) & packages) == []


def test_a_library_command_does_load_the_database_layer(tmp_path):
    """The check above can see SQLAlchemy: a command that opens a library loads it."""
    proc, packages = loaded_modules("patients", "--library", str(tmp_path / "none"), "--json")
    assert proc.returncode == 2  # no library there: one line, exit 2
    assert "no library at" in proc.stderr
    assert "sqlalchemy" in packages
