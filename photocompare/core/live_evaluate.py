"""One live frame judged against the baseline, as `check` would judge the pair.

Kept apart from the pipeline so the rule that decides `ready` — and therefore what is captured
automatically — can be read, tested and changed in one place, without threads or a camera:
the pair measures on reduced copies, the slow parts taken at a lower rate, the identity
computed once per tracked face, and the readiness rule.

What a frame costs, and why it is cheaper than `check` without checking less:
* per frame only what the pair checks read is measured on the frame itself (pose, framing,
  expression from the landmarks); the per-photo lighting and sharpness measures `check` prints
  for each photo are not needed: lighting and sharpness are judged on the aligned pair;
* the pair measures (`core.pair_measures.measure_pair`, the function `check` calls) run on
  copies reduced to `CaptureSettings.live_pair_max_iod_px` between the eyes, aligned by the
  landmark fit refined at a small working scale (starting from the frame before's correction of
  that fit, `_Registration.refine`); the baseline's copy, and its half of the measure
  (`pair_measures.prepare_before`), are made once, before the first frame; exposure and colour
  are measured on every frame, in a canonical frame of `live_photometry_iod_px` between the
  eyes (a median ratio does not depend on the resolution), the two slow parts (the blur ladder
  and the relighting plane) on every frame that could be `ready` and otherwise on every
  `live_slow_measures_every_frames`-th frame (carried between: they only colour the statuses
  of frames that are off for another reason), so `ready`, and what is captured, always rests
  on the frame's own measures; the blur ladder is searched by galloping from the rungs that
  bracketed the last frame's crossing (`measure_pair(blur_search="gallop", blur_memo=...)`,
  the same σ as the walk), at a comparison size rounded to `live_blur_iod_step_px` so the
  baseline's blurred rungs are made once per size (`blur_iod_step_px`);
* the identity descriptor (~20 ms) is computed once when a face appears and again only
  after the tracking was lost (no face, or the face jumped), never per frame; its similarity
  enters every frame's checks.

Readiness: every check `check` makes must pass, with one documented exception: a sharpness
WARN is accepted (`CaptureSettings.live_ready_accepts_sharpness_warn`; a FAIL still blocks),
because a webcam frame is rarely as crisp as a DSLR baseline and the captured photo is checked
again in full at import. When the identity model is missing, identity is "not checked" (a warn,
said once in the log and shown as the check's message): the frame is then never `ready`, so
nothing is captured automatically without knowing it is the same patient; the capture key
still works.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from photocompare.core.align import similarity_from_matrix
from photocompare.core.checks import PASS, WARN, PairCheck, check_sharpness, grade, pair_checks
from photocompare.core.errors import ModelMissing
from photocompare.core.face import PhotoMeasures
from photocompare.core.live_baseline import (
    Baseline,
    _homogeneous,
    _reduce_around,
    frame_to_baseline,
)
from photocompare.core.pair_measures import PHOTO_IOD_PX, PairMeasures, measure_pair
from photocompare.settings import CaptureSettings, CheckThresholds

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FrameGuidance:
    """The frame against the baseline: differences (frame − baseline), statuses, readiness."""

    index: int
    face: bool
    yaw_diff_deg: float | None
    pitch_diff_deg: float | None
    roll_diff_deg: float | None
    scale_ratio: float | None
    offset_iod: float | None
    exposure_diff_ev: float | None
    ready: bool
    offset_x_iod: float | None = None  # face centre moved right (+) on screen, in baseline IODs
    offset_y_iod: float | None = None  # ... moved down (+)
    statuses: dict[str, str] = field(default_factory=dict)  # check name -> pass/warn/fail
    messages: dict[str, str] = field(default_factory=dict)  # check name -> check's message
    # 2x3 matrix taking baseline full-resolution px to frame full-resolution px (the ghost)
    ghost_matrix: tuple[tuple[float, ...], ...] | None = None
    frame_size: tuple[int, int] = (0, 0)

    def to_json(self) -> dict[str, Any]:
        """The `guide --json` "frame" line (the contract's keys only)."""
        return {
            "event": "frame",
            "index": self.index,
            "face": self.face,
            "yaw_diff_deg": _r(self.yaw_diff_deg),
            "pitch_diff_deg": _r(self.pitch_diff_deg),
            "roll_diff_deg": _r(self.roll_diff_deg),
            "scale_ratio": _r(self.scale_ratio),
            "offset_iod": _r(self.offset_iod),
            "exposure_diff_ev": _r(self.exposure_diff_ev),
            "ready": self.ready,
        }


def _r(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), 4)


def live_pair_measures(
    baseline: Baseline,
    frame: PhotoMeasures,
    frame_rgb: np.ndarray,
    to_baseline: np.ndarray,
    thresholds: CheckThresholds,
    max_iod_px: float,
    slow: LiveSlowMeasures | None = None,
    index: int = 0,
    blur_iod_step_px: float = 0.0,
    photometry_iod_px: float = PHOTO_IOD_PX,
) -> PairMeasures:
    """`measure_pair` of the baseline and the frame, as `check` runs it, on reduced copies.

    `frame_rgb` is the frame's analysed copy; `to_baseline` (2x3) takes frame full-resolution
    px to baseline full-resolution px (`frame_to_baseline`). With `slow`, the blur and the
    relighting are measured only when due (`LiveSlowMeasures`), their last figures used between."""
    assert frame.face is not None and baseline.measures.face is not None
    bc, prepared = baseline.pair_copy(max_iod_px, thresholds, photometry_iod_px)
    fs = frame.analysis_scale
    fc = _reduce_around(frame_rgb, frame.face.landmarks_px[:, :2] * fs, max_iod_px)
    a2b = (
        bc.from_analysed()
        @ np.diag([baseline.scale, baseline.scale, 1.0])
        @ _homogeneous(to_baseline)
        @ np.diag([1 / fs, 1 / fs, 1.0])
        @ np.linalg.inv(fc.from_analysed())
    )
    b_iod = baseline.measures.face.interocular_px
    args = (bc.rgb, bc.points, fc.rgb, fc.points, a2b, b_iod, thresholds)
    if slow is None or slow.due(index):
        memo = slow.blur_memo if slow is not None else None
        pm = measure_pair(
            *args, before=prepared, blur_search="gallop", blur_memo=memo,
            blur_iod_step_px=blur_iod_step_px,
        )
        if slow is not None:
            slow.store(index, pm, _slow_parts_pass(pm, thresholds, slow.accept_sharpness_warn))
        return pm
    pm = measure_pair(*args, blur=False, relight=False, before=prepared)
    return dataclasses.replace(pm, **slow.figures)


def _slow_parts_pass(pm: PairMeasures, t: CheckThresholds, accept_sharpness_warn: bool) -> bool:
    """True when the relighting and the blur of a full measure do not stand in the way of
    `ready` (relighting passes; sharpness passes, or warns where a warn is accepted)."""
    relight = grade(pm.relight_ev_per_iod, t.relight_warn_ev_per_iod) == PASS and grade(
        pm.relight_spread_ev, t.relight_spread_warn_ev
    ) == PASS
    sharp = check_sharpness(pm, t).status
    return relight and (sharp == PASS or (sharp == WARN and accept_sharpness_warn))


class LiveSlowMeasures:
    """The slow parts of a frame's pair measures (the blur ladder and the relighting plane):
    taken on the first frame of a face, every `every` frames after, and whenever `force()`
    asks (`evaluate_frame` does for every frame that would be ready with carried figures);
    frames in between carry the last figures — only ever ones that do not block `ready`:
    while they would, every frame is measured in full."""

    FIELDS = (
        "relight_ev_per_iod", "relight_u_ev_per_iod", "relight_v_ev_per_iod",
        "relight_spread_ev", "blur_sigma_iod", "blur_sigma_px", "blurrier",
        "blur_compared_iod_px",
    )

    def __init__(self, every: int, accept_sharpness_warn: bool = True) -> None:
        self.every = max(1, int(every))
        self.accept_sharpness_warn = accept_sharpness_warn
        self.figures: dict[str, Any] = {}
        self.measured_index: int | None = None
        self._forced = False
        # The frame before was ready: the next one most likely is too, and would be measured
        # twice (with carried figures, then its own) — measure it in full at once.
        self.previous_ready = False
        # Where the blur ladder crossed last time (`measure_pair(blur_memo=...)`): the next
        # frame's search starts there.
        self.blur_memo: dict[str, Any] = {}
        # The last frame's correction of its landmark fit (`_Registration.refine`).
        self.registration_track: dict[str, Any] = {}

    def due(self, index: int) -> bool:
        last = self.measured_index
        return (
            self._forced or self.previous_ready or last is None
            or index - last >= self.every or index < last
        )

    def store(self, index: int, pm: PairMeasures, passed: bool = True) -> None:
        """Keep the figures of a frame measured in full. Figures that do not pass are never
        carried to later frames: the next frame is measured in full again (`passed=False`)."""
        self.figures = {name: getattr(pm, name) for name in self.FIELDS}
        self.measured_index, self._forced = index, not passed

    def force(self) -> None:
        self._forced = True

    def reset(self) -> None:
        """The face was lost: the next face is measured in full on its first frame."""
        self.measured_index = None
        self.previous_ready = False
        self.blur_memo.clear()
        self.registration_track.clear()


def live_ready(checks: dict[str, PairCheck], capture: CaptureSettings | None = None) -> bool:
    """Every check passes; a sharpness WARN is accepted when the settings say so (see the
    module docstring: the captured photo is checked again, sharpness included, at import)."""
    capture = capture or CaptureSettings()
    for name, check in checks.items():
        if check.status == PASS:
            continue
        if name == "sharpness" and check.status == WARN and capture.live_ready_accepts_sharpness_warn:
            continue
        return False
    return True


def evaluate_frame(
    index: int,
    baseline: Baseline,
    frame: PhotoMeasures,
    thresholds: CheckThresholds | None = None,
    frame_rgb: np.ndarray | None = None,
    *,
    identity_similarity: float | None = None,
    identity_note: str | None = None,
    capture: CaptureSettings | None = None,
    slow: LiveSlowMeasures | None = None,
) -> FrameGuidance:
    """Compare one measured frame with the baseline using the pair checks of `check`.

    `frame_rgb` is the analysed (reduced) copy of the frame: the pair measures (exposure,
    colour, light direction, blur) are taken on it, and the roll difference comes from the
    intensity-refined alignment, as in `check`. `identity_similarity` comes from
    `LiveIdentity` (computed once per tracked face); None means "not checked" and
    `identity_note` then says why (e.g. the identity model is missing). `slow` (see
    `LiveSlowMeasures`) takes blur and relighting at a lower rate; without it, every frame."""
    thresholds = thresholds or CheckThresholds()
    capture = capture or CaptureSettings()
    size = (frame.width, frame.height)
    b = baseline.measures
    if frame.face is None or b.face is None:
        if slow is not None:
            slow.reset()
        return FrameGuidance(index, False, None, None, None, None, None, None, False, frame_size=size)
    if frame_rgb is None:
        raise ValueError("evaluate_frame needs the frame's analysed copy for the pair measures")
    track = slow.registration_track if slow is not None else None
    to_baseline = frame_to_baseline(baseline, frame, frame_rgb, track)  # frame px -> baseline px
    rotation_deg, _scale = similarity_from_matrix(to_baseline)
    roll_diff = -rotation_deg

    def measured_checks() -> dict[str, PairCheck]:
        pair = live_pair_measures(
            baseline, frame, frame_rgb, to_baseline, thresholds, capture.live_pair_max_iod_px,
            slow, index, capture.live_blur_iod_step_px, capture.live_photometry_iod_px,
        )
        checks = pair_checks(
            b, frame, thresholds, roll_diff_deg=roll_diff, pair=pair,
            identity_similarity=identity_similarity,
        )
        if identity_similarity is None and identity_note:
            checks["identity"] = PairCheck(WARN, identity_note, checks["identity"].numbers)
        return checks

    checks = measured_checks()
    if slow is not None and slow.measured_index != index and live_ready(checks, capture):
        # Carried blur and relighting figures never make a frame ready: measure its own.
        slow.force()
        checks = measured_checks()
    ready = live_ready(checks, capture)
    if slow is not None:
        slow.previous_ready = ready
    angle, framing, lighting = checks["angle"].numbers, checks["framing"].numbers, checks["lighting"].numbers
    fb, fa = b.face.framing, frame.face.framing
    iod = max(b.face.interocular_px, 1e-9)
    dx = (fa.centre_x_rel - fb.centre_x_rel) * b.width / iod
    dy = (fa.centre_y_rel - fb.centre_y_rel) * b.height / iod
    to_frame = np.linalg.inv(np.vstack([to_baseline, [0.0, 0.0, 1.0]]))[:2]
    return FrameGuidance(
        index=index,
        face=True,
        yaw_diff_deg=angle["yaw_diff_deg"],
        pitch_diff_deg=angle["pitch_diff_deg"],
        roll_diff_deg=angle["roll_diff_deg"],
        scale_ratio=framing["scale_ratio"],
        offset_iod=framing["offset_iod"],
        exposure_diff_ev=lighting["exposure_diff_ev"],
        ready=ready,
        offset_x_iod=float(dx),
        offset_y_iod=float(dy),
        statuses={name: c.status for name, c in checks.items()},
        messages={name: c.message for name, c in checks.items()},
        ghost_matrix=tuple(tuple(float(v) for v in row) for row in to_frame),
        frame_size=size,
    )



# -- identity, once per tracked face --------------------------------------------------------------
_TRACK_JUMP_IOD = 1.0  # a face centre moving further than this between frames is a new face
IDENTITY_MISSING_NOTE = (
    "Same person not checked: the identity model is missing ({reason}); "
    "automatic capture is off until it is restored"
)


class LiveIdentity:
    """Similarity of the live face to the baseline face, computed when a face appears.

    The descriptor network (~20 ms a face) runs on the measure thread when the face
    first appears and again only when tracking was lost (a frame without a face, or the face
    jumping more than an eye distance, as when another person steps in); in between, the
    similarity found is reused for every frame. `model` is an `IdentityModel` or a function
    returning one (default: the shipped model, `IdentityModel.shared`)."""

    def __init__(self, baseline: Baseline, model: Any = None) -> None:
        self._baseline = baseline
        self._model_source = model
        self._model: Any = None
        self._baseline_descriptor: np.ndarray | None = None
        self._last_centre: np.ndarray | None = None
        self.similarity: float | None = None
        self.note: str | None = None  # why identity is not checked (said once in the log)
        self.computed = 0  # descriptors computed for live faces (for tests and diagnostics)

    def prepare(self) -> None:
        """Load the model and describe the baseline face now (a guide does it before its first
        frame), so the first live face costs one descriptor, not two plus the model's load."""
        if self.note is not None:
            return
        try:
            self._ready()
        except (ModelMissing, ImportError) as exc:
            self._missing(exc)

    def restart(self) -> None:
        """A new run: the next face is identified again (the baseline's descriptor is kept)."""
        self._last_centre = None
        self.similarity = None
        self.computed = 0

    def _ready(self) -> None:
        """The model loaded and the baseline face described (each once)."""
        from photocompare.core.identity import IdentityModel, photo_descriptor

        if self._model is None:
            source = self._model_source
            if source is None:
                self._model = IdentityModel.shared()
            else:
                self._model = source() if callable(source) and not isinstance(source, IdentityModel) else source
        if self._baseline_descriptor is None:
            b = self._baseline
            self._baseline_descriptor = photo_descriptor(b.measures, b.rgb, self._model)

    def _missing(self, exc: BaseException) -> None:
        self.note = IDENTITY_MISSING_NOTE.format(reason=str(exc).split(";")[0])
        log.warning("live guidance: %s", self.note)

    def update(self, frame: PhotoMeasures, frame_rgb: np.ndarray) -> float | None:
        """The similarity for this frame (None: not checked; see `note`)."""
        if frame.face is None:
            self._last_centre = None  # tracking lost: the next face is identified again
            self.similarity = None
            return None
        centre = frame.face.landmarks_px[:, :2].mean(axis=0)
        last, self._last_centre = self._last_centre, centre
        if last is not None and np.linalg.norm(centre - last) <= _TRACK_JUMP_IOD * frame.face.interocular_px:
            return self.similarity
        self.similarity = self._compute(frame, frame_rgb)
        return self.similarity

    def _compute(self, frame: PhotoMeasures, frame_rgb: np.ndarray) -> float | None:
        from photocompare.core.identity import photo_descriptor, similarity

        if self.note is not None:
            return None
        try:
            self._ready()
            descriptor = photo_descriptor(frame, frame_rgb, self._model)
        except (ModelMissing, ImportError) as exc:
            self._missing(exc)
            return None
        self.computed += 1
        if self._baseline_descriptor is None or descriptor is None:
            return None
        return similarity(self._baseline_descriptor, descriptor)
