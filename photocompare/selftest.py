"""`--self-test`: prove an installation works end to end, frozen bundle or source checkout.

Steps, one line each: the face model is present and intact; Qt starts (offscreen when there is
no display) and can decode the bundled icon; the bundled public-domain face
(`resources/demo/astronaut.jpg`) is analysed and its head pose is sane; a throwaway SQLite
library is created (migrations run) and the face imported into it; a pair check of that face
against a copy rotated by a known angle aligns it back; a comparison sheet (PDF) is rendered into a
temporary folder. Exit 0 when every step passed, otherwise 1 after naming what failed.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROTATION_DEG = 5.0  # the known rotation of the pair check's "after" copy
POSE_LIMIT_DEG = 30.0  # the demo face is near-frontal; anything beyond this is a broken model
ROTATION_TOLERANCE_DEG = 1.5


class StepFailed(Exception):
    """A self-test step found something wrong (the message says what)."""


def _demo_face() -> Path:
    from photocompare.core.model_file import resources_dir

    path = resources_dir() / "demo" / "astronaut.jpg"
    if not path.is_file():
        raise StepFailed(f"demo face missing: {path}")
    return path


def _field(obj: object, name: str) -> object:
    """A measure by name, on the measures themselves or on their `.face` part."""
    if hasattr(obj, name):
        return getattr(obj, name)
    face = getattr(obj, "face", None)
    if face is not None and hasattr(face, name):
        return getattr(face, name)
    raise StepFailed(f"analysis result has no {name}")


def step_model(state: dict) -> str:
    from photocompare.core.model_file import find_model

    path = find_model(verify=True)
    state["model"] = path
    return f"{path} ({path.stat().st_size / 1e6:.1f} MB, SHA-256 ok)"


def step_qt(state: dict) -> str:
    from photocompare.core.quiet import drop_cv2_qt_environment

    drop_cv2_qt_environment()
    if sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM"):
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtGui import QGuiApplication, QImage

    app = QGuiApplication.instance() or QGuiApplication(["photocompare-self-test"])
    state["qt_app"] = app
    from photocompare.core.model_file import resources_dir

    icon = resources_dir() / "icons" / "photocompare-256.png"
    detail = f"platform {app.platformName()}"
    if icon.is_file():
        image = QImage(str(icon))
        if image.isNull():
            raise StepFailed(f"Qt cannot decode {icon} (image format plugins missing?)")
        detail += f", icon {image.width()}x{image.height()}"
    demo = QImage(str(_demo_face()))
    if demo.isNull():
        raise StepFailed("Qt cannot decode the JPEG demo face (qjpeg plugin missing?)")
    import PySide6.QtPrintSupport  # noqa: F401  (the app's widgets and printing must load)
    import PySide6.QtWidgets  # noqa: F401

    return detail


def step_analyse(state: dict) -> str:
    from photocompare.core.face import FaceAnalyzer

    analyzer = FaceAnalyzer()
    state["analyzer"] = analyzer
    started = time.perf_counter()
    measures = analyzer.analyze(str(_demo_face()))
    seconds = time.perf_counter() - started
    if getattr(measures, "face", None) is None:
        raise StepFailed("no face found in the demo face image")
    pose = {}
    for name in ("yaw_deg", "pitch_deg", "roll_deg"):
        value = _field(measures, name)
        if value is None or not abs(float(value)) <= POSE_LIMIT_DEG:
            raise StepFailed(f"implausible head pose {name}={value} (limit ±{POSE_LIMIT_DEG:g}°)")
        pose[name] = float(value)
    iod = float(_field(measures, "interocular_px"))
    if not iod > 10:
        raise StepFailed(f"implausible interocular distance {iod:.1f} px")
    return (
        f"face found, yaw {pose['yaw_deg']:+.1f}°, pitch {pose['pitch_deg']:+.1f}°, "
        f"roll {pose['roll_deg']:+.1f}°, interocular {iod:.0f} px ({seconds * 1000:.0f} ms)"
    )


def step_library(state: dict) -> str:
    """A throwaway SQLite library: migrations run, the demo face is imported and found again."""
    from photocompare.library.db import Library
    from photocompare.library.importer import import_paths

    folder = Path(state["tmp"]) / "library"
    library = Library.open(folder)
    try:
        summary = import_paths(library, [_demo_face()], "SELF-TEST")
        if len(summary.imported) != 1:
            reasons = "; ".join(reason for _path, reason in summary.rejected) or "no reason given"
            raise StepFailed(f"the demo face was not imported: {reasons}")
    finally:
        library.close()
    library = Library.open(folder)  # reopened: the record and the stored original persist
    try:
        patient = library.get_patient("SELF-TEST")
        if patient is None:
            raise StepFailed("the imported patient is missing after reopening the library")
    finally:
        library.close()
    # A clinic library is PostgreSQL: the driver and its libpq must load (no server needed).
    import psycopg
    from sqlalchemy.dialects import registry

    registry.load("postgresql.psycopg")
    libpq = psycopg.pq.version()
    return (
        "SQLite library created, migrated, demo face imported and found after reopening; "
        f"PostgreSQL driver psycopg {psycopg.__version__} ({psycopg.pq.__impl__} libpq "
        f"{libpq // 10000}.{libpq % 100}) loads"
    )


def _rotated_copy(source: Path, target: Path, degrees: float) -> None:
    from PIL import Image

    with Image.open(source) as image:
        # PIL rotates counter-clockwise as seen on screen; same size, black corners.
        image.convert("RGB").rotate(degrees, resample=Image.Resampling.BICUBIC).save(
            target, quality=95
        )


def step_pair(state: dict) -> str:
    from photocompare.core.pairing import compare_photos

    analyzer = state.get("analyzer")
    if analyzer is None:
        raise StepFailed("skipped: the analysis step failed")
    after = Path(state["tmp"]) / "astronaut-rotated.jpg"
    _rotated_copy(_demo_face(), after, ROTATION_DEG)
    state["after"] = after
    result = compare_photos(str(_demo_face()), str(after), analyzer)
    state["pair"] = result
    alignment = getattr(result, "alignment", None)
    if alignment is None:
        raise StepFailed("the pair check found no alignment for a rotated copy")
    rotation = float(alignment.rotation_deg)
    if abs(abs(rotation) - ROTATION_DEG) > ROTATION_TOLERANCE_DEG:
        raise StepFailed(
            f"alignment rotation {rotation:+.2f}°, expected ±{ROTATION_DEG:g}° "
            f"(±{ROTATION_TOLERANCE_DEG:g}°)"
        )
    checks = getattr(result, "checks", {}) or {}
    statuses = ", ".join(f"{name} {getattr(c, 'status', c)}" for name, c in checks.items())
    return f"aligned rotation {rotation:+.2f}° (copy rotated {ROTATION_DEG:g}°); {statuses}"


def _render_sheet(pair: object, before: Path, after: Path, out: Path) -> None:
    """Render with the export module: the same code the app and `photocompare sheet` use, so a
    bundle missing a piece of it fails here rather than in front of a clinician."""
    from photocompare.export.sheet import render_pdf
    from photocompare.export.sheet_data import build_sheet_data

    data = build_sheet_data(
        pair,
        before_path=before,
        after_path=after,
        patient_id="SELF-TEST",
        notes="PhotoCompare self-test",
    )
    render_pdf(data, out)


def step_sheet(state: dict) -> str:
    after = state.get("after")
    if after is None:
        raise StepFailed("skipped: the pair step failed")
    out = Path(state["tmp"]) / "self-test-sheet.pdf"
    started = time.perf_counter()
    _render_sheet(state["pair"], _demo_face(), after, out)
    seconds = time.perf_counter() - started
    if not out.is_file():
        raise StepFailed(f"no PDF written at {out}")
    data = out.read_bytes()
    if not data.startswith(b"%PDF") or len(data) < 1024:
        raise StepFailed(f"{out} is not a PDF ({len(data)} bytes)")
    return f"PDF {len(data) / 1024:.0f} KB in a temporary folder ({seconds:.2f} s)"


STEPS: list[tuple[str, Callable[[dict], str]]] = [
    ("model", step_model),
    ("qt", step_qt),
    ("analyse", step_analyse),
    ("library", step_library),
    ("pair", step_pair),
    ("sheet", step_sheet),
]


def run_self_test(out=None) -> int:
    """Run every step; print one line each; 0 when all passed, else 1."""
    out = out or sys.stdout
    frozen = bool(getattr(sys, "frozen", False))
    from photocompare import __version__

    print(
        f"self-test: PhotoCompare {__version__} ({'frozen bundle' if frozen else 'from source'},"
        f" Python {sys.version.split()[0]}, {sys.platform})",
        file=out,
        flush=True,
    )
    failed: list[str] = []
    state: dict = {}
    with tempfile.TemporaryDirectory(prefix="photocompare-selftest-") as tmp:
        state["tmp"] = tmp
        try:
            for name, step in STEPS:
                try:
                    detail = step(state)
                except Exception as exc:  # each step reports, the next still runs
                    message = str(exc) or type(exc).__name__
                    if not isinstance(exc, StepFailed):
                        message = f"{type(exc).__name__}: {message}"
                        if os.environ.get("PHOTOCOMPARE_DEBUG"):
                            traceback.print_exc()
                    print(f"self-test: {name:8s} FAILED: {message}", file=out, flush=True)
                    failed.append(name)
                else:
                    print(f"self-test: {name:8s} ok: {detail}", file=out, flush=True)
        finally:
            analyzer = state.pop("analyzer", None)
            if analyzer is not None and hasattr(analyzer, "close"):
                analyzer.close()
    if failed:
        print(f"self-test: FAILED ({', '.join(failed)})", file=out, flush=True)
        return 1
    print("self-test: all steps passed", file=out, flush=True)
    return 0
