"""The demo library: patient DEMO-001 "Demo Patient" with dated photos across a baseline and
four treatment cycles, so a new user sees a real comparison (and real checks) at once.

The photos are made at demo-creation time from the public-domain portrait in
`resources/demo/astronaut.jpg`: the original as the baseline, then copies with known changes
(a slight head tilt, darker, shifted and closer, ...) so the checks and the alignment have
something to show. A made-up migraine diary and treatment sessions come from
`photocompare.demo_course`. Everything is written through the library API. The demo lives in its own folder and never touches
the user's real library.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from photocompare import APP_NAME

log = logging.getLogger(__name__)

DEMO_PATIENT_ID = "DEMO-001"
DEMO_PATIENT_NAME = "Demo Patient"
ROOT = Path(__file__).resolve().parents[1]
CYCLE_DAYS = 84  # must match demo_course's PREEMPT cycle length


@dataclass(frozen=True)
class DemoPhoto:
    name: str
    days_after_baseline: int
    rotate_deg: float = 0.0
    exposure_ev: float = 0.0
    shift_px: tuple[int, int] = (0, 0)
    scale: float = 1.0
    view: str = "frontal"
    expression: str = "neutral"


# Baseline photo on day 0; the first treatment is the next day (demo_course's convention), so
# photo k falls ~10 weeks into cycle k.
DEMO_PHOTOS = (
    DemoPhoto("baseline.jpg", 0),
    DemoPhoto("cycle1-tilted.jpg", 1 + 70, rotate_deg=3.0),
    DemoPhoto("cycle2-darker.jpg", 1 + CYCLE_DAYS + 70, exposure_ev=-0.8),
    DemoPhoto("cycle3-closer.jpg", 1 + 2 * CYCLE_DAYS + 70, shift_px=(18, -10), scale=1.08),
    DemoPhoto("cycle4-tilted-darker.jpg", 1 + 3 * CYCLE_DAYS + 60, rotate_deg=-2.0, exposure_ev=-0.3),
)


def default_demo_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "demo"


def source_photo() -> Path:
    return ROOT / "resources" / "demo" / "astronaut.jpg"


def perturb(rgb: np.ndarray, p: DemoPhoto) -> np.ndarray:
    """The photo with a known rotation / scale / shift and exposure change (edges replicated)."""
    import cv2

    h, w = rgb.shape[:2]
    out = rgb
    if p.rotate_deg or p.scale != 1.0 or p.shift_px != (0, 0):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), p.rotate_deg, p.scale)
        m[:, 2] += p.shift_px
        out = cv2.warpAffine(out, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    if p.exposure_ev:
        lin = (out.astype(np.float32) / 255.0) ** 2.2 * (2.0**p.exposure_ev)
        out = np.clip(np.round(np.clip(lin, 0, 1) ** (1 / 2.2) * 255), 0, 255).astype(np.uint8)
    return out


def _save_with_date(rgb: np.ndarray, path: Path, taken: dt.datetime) -> None:
    img = Image.fromarray(rgb)
    exif = Image.Exif()
    stamp = taken.strftime("%Y:%m:%d %H:%M:%S")
    exif[0x0132] = stamp  # DateTime
    exif[0x010F] = "PhotoCompare demo"  # Make
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0x9003] = stamp  # DateTimeOriginal
    exif_ifd[0x9004] = stamp  # DateTimeDigitized
    img.save(path, quality=92, exif=exif)
    ts = taken.timestamp()
    os.utime(path, (ts, ts))


def make_demo_photos(folder: Path, today: dt.date | None = None) -> list[Path]:
    """Write the demo photos, dated so the last one is a few weeks before `today`."""
    today = today or dt.date.today()
    baseline = today - dt.timedelta(days=DEMO_PHOTOS[-1].days_after_baseline + 21)
    rgb = np.asarray(Image.open(source_photo()).convert("RGB"))
    paths = []
    for p in DEMO_PHOTOS:
        day = baseline + dt.timedelta(days=p.days_after_baseline)
        path = folder / p.name
        _save_with_date(perturb(rgb, p), path, dt.datetime.combine(day, dt.time(10, 30)))
        paths.append(path)
    return paths


def create_demo_library(directory: str | Path, today: dt.date | None = None):
    """Create (once) the demo library in `directory`; returns nothing. Safe to call again:
    an existing demo patient with photos is left as it is."""
    from photocompare.demo_course import add_demo_course
    from photocompare.library import api
    from photocompare.library.db import Library
    from photocompare.library.importer import import_paths

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    library = Library.open(directory)
    try:
        existing = api.find_patient(library, DEMO_PATIENT_ID)
        if existing is not None and api.list_photos(library, existing.id):
            return
        with tempfile.TemporaryDirectory(prefix="photocompare-demo-") as tmp:
            paths = make_demo_photos(Path(tmp), today)
            summary = import_paths(library, paths, DEMO_PATIENT_ID, display_name=DEMO_PATIENT_NAME)
        if summary.rejected:
            log.warning("demo photos rejected: %s", summary.rejected)
        patient = api.find_patient(library, DEMO_PATIENT_ID)
        if patient is None:
            return
        by_name = {p.name: p for p in DEMO_PHOTOS}
        for path, photo_id in summary.imported:
            spec = by_name.get(Path(path).name)
            if spec is not None:
                api.update_photo(library, photo_id, view_label=spec.view, expression_label=spec.expression)
        add_demo_course(library, patient.id, today=today)
    finally:
        library.close()
