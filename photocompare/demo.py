"""The demo library: patient DEMO-001 "Demo Patient" with dated photos across a baseline and
four treatment cycles, so a new user sees at once what the product does.

The photos are made at demo-creation time from the public-domain portrait in
`resources/demo/astronaut.jpg` (the only face the app ships), each with a known change:

* ``baseline.jpg`` — the morning of the first treatment, before injecting: a baseline photo
  (photos on a treatment day belong to the period before it);
* ``cycle1-left-brow-lower.jpg`` — four weeks later, taken the same way (small tilt, framing and
  light differences that alignment and the checks accept): the pair PASSES and shows a real
  side-effect change, the patient's left brow about 2 mm lower (brow ptosis), as the note on
  cycle 1 says;
* ``cycle2-darker.jpg`` — 1.3 stops darker: the pair FAILS for a plain reason ("the after photo
  is 1.3 stops darker"), so its side-effect changes must be withheld, not read as findings;
* ``cycle3-closer.jpg`` — taken closer, the face 35 % larger: FAILS (framing);
* ``cycle4-comparable.jpg`` — taken the same way again: PASSES, the brow back where it was.

A made-up migraine diary, four treatment sessions (figures for four cycles), questionnaires and
period notes come from `photocompare.demo_course`; everything is written through the library API. The demo lives in its own folder and never
touches the user's real library.
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
    left_brow_drop_px: float = 0.0  # the patient's left brow moved down (brow ptosis)
    time_of_day: dt.time = dt.time(10, 30)
    expect: str = ""  # what the pair with the baseline shows (documentation and tests)


# The patient's left brow in the source photo (its landmarks' mean, px) and the spread of the
# local warp that lowers it; 5 px is about 2 mm at this face's eye distance (~42 px = 63 mm).
LEFT_BROW_CENTRE_PX = (251.0, 91.0)
BROW_WARP_SIGMA_PX = (14.0, 7.0)

# The first treatment is on the baseline photo's day (photographed before injecting, so the
# photo is the baseline's; demo_course's convention), then every CYCLE_DAYS.
DEMO_PHOTOS = (
    DemoPhoto("baseline.jpg", 0, time_of_day=dt.time(9, 30), expect="baseline"),
    DemoPhoto("cycle1-left-brow-lower.jpg", 28, rotate_deg=2.0, exposure_ev=-0.1,
              shift_px=(6, -4), scale=1.03, left_brow_drop_px=5.0,
              expect="passes; left brow about 2 mm lower"),
    DemoPhoto("cycle2-darker.jpg", CYCLE_DAYS + 70, exposure_ev=-1.3,
              expect="fails: 1.3 stops darker"),
    DemoPhoto("cycle3-closer.jpg", 2 * CYCLE_DAYS + 70, shift_px=(-20, 30), scale=1.35,
              expect="fails: face 35 % larger (closer)"),
    DemoPhoto("cycle4-comparable.jpg", 3 * CYCLE_DAYS + 60, rotate_deg=-1.5, exposure_ev=0.1,
              scale=0.97, expect="passes; brow as at baseline"),
)


def default_demo_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "demo"


def source_photo() -> Path:
    return ROOT / "resources" / "demo" / "astronaut.jpg"


def lower_left_brow(rgb: np.ndarray, drop_px: float) -> np.ndarray:
    """The patient's left brow moved down by `drop_px` (a smooth local warp; the eye below it
    and the rest of the face stay where they are)."""
    import cv2

    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    (cx, cy), (sx, sy) = LEFT_BROW_CENTRE_PX, BROW_WARP_SIGMA_PX
    weight = np.exp(-((xx - cx) ** 2 / (2 * sx * sx) + (yy - cy) ** 2 / (2 * sy * sy)))
    return cv2.remap(rgb, xx, yy - np.float32(drop_px) * weight, cv2.INTER_CUBIC,
                     borderMode=cv2.BORDER_REPLICATE)


def perturb(rgb: np.ndarray, p: DemoPhoto) -> np.ndarray:
    """The photo with a known brow change, rotation / scale / shift and exposure change."""
    import cv2

    h, w = rgb.shape[:2]
    out = lower_left_brow(rgb, p.left_brow_drop_px) if p.left_brow_drop_px else rgb
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
        _save_with_date(perturb(rgb, p), path, dt.datetime.combine(day, p.time_of_day))
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
