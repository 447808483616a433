"""A full disk never leaves a truncated output that looks like success.

The disk is "full" for a child process by RLIMIT_FSIZE (with SIGXFSZ ignored, a write past the
limit fails with EFBIG, exactly as a write to a full disk fails with ENOSPC): Qt's PDF and PNG
writers carry on regardless, so only the read-back in export/atomic.py can catch it. Expected:
exit 2, ONE stderr line, no output file and no temporary file left, no audit entry.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from photocompare.core.errors import ExportError
from photocompare.export.atomic import atomic_output
from tests.conftest import ROOT, shared_path

LIMIT_BYTES = 60_000  # the disk fills after this many bytes of any one file


def _full_disk() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT_BYTES, LIMIT_BYTES))


def run_on_full_disk(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(home),
           "XDG_STATE_HOME": str(home / "state"), "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_DATA_HOME": str(home / "data")}
    return subprocess.run([sys.executable, "-m", "photocompare", *args], capture_output=True,
                          text=True, timeout=300, cwd=ROOT, env=env, preexec_fn=_full_disk)


def _photos():
    examples = shared_path("faces", "face_recognition-examples", "examples")
    return str(examples / "obama-480p.jpg"), str(examples / "obama-720p.jpg")


@pytest.mark.parametrize("name", ["sheet.pdf", "sheet.png"])
def test_sheet_on_a_full_disk_exits_2_with_one_line_and_no_file(tmp_path, name):
    before, after = _photos()
    out = tmp_path / "out"
    out.mkdir()
    proc = run_on_full_disk("sheet", before, after, "-o", str(out / name), home=tmp_path)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"photocompare: {name}") or f"/{name}:" in lines[0], lines[0]
    assert proc.stdout.strip() == ""  # no path printed as if it had been written
    assert list(out.iterdir()) == []  # neither the output nor a temporary file


def test_the_same_sheet_is_written_when_there_is_room(tmp_path):
    before, after = _photos()
    out = tmp_path / "ok.pdf"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "photocompare", "sheet", before, after, "-o",
                           str(out)], capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > LIMIT_BYTES  # so the full-disk run above really was cut short


@pytest.mark.parametrize(("suffix", "content"), [
    (".pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"),  # no xref/trailer: cut short
    (".png", None),
    (".jpg", None),
    (".zip", b"PK\x03\x04" + b"\x00" * 40),
    (".csv", b"date,headache\n2024-01-01,ye"),
])
def test_atomic_output_refuses_an_incomplete_file_of_each_format(tmp_path, suffix, content):
    if content is None:
        from PIL import Image

        whole = tmp_path / f"whole{suffix}"
        Image.new("RGB", (200, 200), (30, 90, 200)).save(whole)
        content = whole.read_bytes()[: len(whole.read_bytes()) // 2]
    target = tmp_path / f"out{suffix}"
    with pytest.raises(ExportError, match="incomplete"):
        with atomic_output(target) as tmp:
            tmp.write_bytes(content)
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
