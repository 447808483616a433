"""Pair checks: two photos' measures → pass / warn / fail with numbers and a plain message.

Lighting and sharpness are judged on the aligned pair (`core.pair_measures`), identity on the
face descriptors (`core.identity`); angle, framing and expression on each photo's landmarks.

All differences are AFTER − BEFORE. Thresholds come from `settings.CheckThresholds` (documented
defaults there). A pair is consistent when no check fails. Messages speak of the patient's left
and right (see `core.face` for the angle conventions) and of photographic stops.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from photocompare.core.face import FaceMeasures, PhotoMeasures
from photocompare.core.pair_measures import PairMeasures
from photocompare.settings import CheckThresholds

PASS, WARN, FAIL = "pass", "warn", "fail"
_ORDER = {PASS: 0, WARN: 1, FAIL: 2}
CHECK_NAMES = ("angle", "framing", "lighting", "expression", "sharpness", "identity")


@dataclass(frozen=True)
class PairCheck:
    status: str  # "pass" | "warn" | "fail"
    message: str
    numbers: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "message": self.message}
        for key, value in self.numbers.items():
            out[key] = _round(value)
        return out


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    if isinstance(value, (list, tuple)):
        return [_round(v) for v in value]
    return value


def worst(*statuses: str) -> str:
    return max(statuses, key=_ORDER.__getitem__) if statuses else PASS


def grade(value: float, warn: float, fail: float | None = None) -> str:
    """Status of an absolute difference against its thresholds (strictly greater fails/warns);
    a difference that could not be measured (NaN) warns."""
    if math.isnan(value):
        return WARN
    if fail is not None and value > fail:
        return FAIL
    return WARN if value > warn else PASS


def _deg(x: float) -> str:
    return f"{abs(x):.0f}°" if abs(x) >= 1.95 else f"{abs(x):.1f}°"


# -- the checks ---------------------------------------------------------------------------------
def check_angle(
    b: FaceMeasures, a: FaceMeasures, t: CheckThresholds, roll_diff_deg: float | None = None
) -> PairCheck:
    """`roll_diff_deg`, when given, replaces the landmark roll difference (the pair's
    intensity-refined alignment measures the relative tilt more precisely)."""
    dyaw, dpitch = a.yaw_deg - b.yaw_deg, a.pitch_deg - b.pitch_deg
    droll = a.roll_deg - b.roll_deg if roll_diff_deg is None else roll_diff_deg
    s_yaw = grade(abs(dyaw), t.yaw_warn_deg, t.yaw_fail_deg)
    s_pitch = grade(abs(dpitch), t.pitch_warn_deg, t.pitch_fail_deg)
    s_roll = FAIL if abs(droll) > t.roll_fail_deg else PASS
    parts = []
    if s_yaw != PASS:
        side = "left" if dyaw > 0 else "right"
        parts.append(f"Head turned {_deg(dyaw)} further to the patient's {side} in the after photo")
    if s_pitch != PASS:
        way = "up (chin raised)" if dpitch > 0 else "down (chin lowered)"
        parts.append(f"Head tipped {_deg(dpitch)} further {way} in the after photo")
    if s_roll != PASS:
        way = "counter-clockwise" if droll > 0 else "clockwise"
        parts.append(f"Head tilted {_deg(droll)} {way} in the after photo — too much to correct")
    if not parts:
        msg = (
            f"Head angle matches (turn {abs(dyaw):.1f}°, nod {abs(dpitch):.1f}° apart; "
            f"tilt of {abs(droll):.1f}° is corrected by alignment)"
        )
    else:
        msg = "; ".join(parts)
    return PairCheck(
        worst(s_yaw, s_pitch, s_roll),
        msg,
        {"yaw_diff_deg": dyaw, "pitch_diff_deg": dpitch, "roll_diff_deg": droll},
    )


def check_framing(
    b: FaceMeasures, a: FaceMeasures, bp: PhotoMeasures, ap: PhotoMeasures, t: CheckThresholds
) -> PairCheck:
    ratio = a.framing.size_rel / b.framing.size_rel if b.framing.size_rel > 0 else float("nan")
    if ratio < t.scale_fail_low or ratio > t.scale_fail_high:
        s_scale = FAIL
    elif ratio < t.scale_warn_low or ratio > t.scale_warn_high:
        s_scale = WARN
    else:
        s_scale = PASS
    # Offset of the face centre relative to the frame, expressed in BEFORE's IODs.
    dx = (a.framing.centre_x_rel - b.framing.centre_x_rel) * bp.width
    dy = (a.framing.centre_y_rel - b.framing.centre_y_rel) * bp.height
    offset = math.hypot(dx, dy) / max(b.interocular_px, 1e-9)
    s_offset = grade(offset, t.offset_warn_iod, t.offset_fail_iod)
    cut_b, cut_a = set(b.framing.cut_off), set(a.framing.cut_off)
    s_cut = PASS
    parts = []
    if s_scale != PASS:
        more = "larger" if ratio > 1 else "smaller"
        parts.append(
            f"The face is {abs(ratio - 1) * 100:.0f}% {more} in the after photo (relative to the frame)"
        )
    if s_offset != PASS:
        parts.append(
            f"The face sits {offset:.1f} eye-distances away from its place in the before photo"
        )
    for part in sorted(cut_a - cut_b):
        parts.append(f"{part.capitalize()} cut off in the after photo")
        s_cut = worst(s_cut, FAIL if part == "forehead" else WARN)
    for part in sorted(cut_b - cut_a):
        parts.append(f"{part.capitalize()} cut off in the before photo")
        s_cut = worst(s_cut, FAIL if part == "forehead" else WARN)
    if "forehead" in cut_a & cut_b:
        parts.append("Forehead cut off in both photos")
        s_cut = worst(s_cut, FAIL)
    msg = (
        "; ".join(parts)
        if parts
        else (f"Framing matches (face size {ratio:.2f}×, offset {offset:.1f} eye-distances)")
    )
    return PairCheck(
        worst(s_scale, s_offset, s_cut),
        msg,
        {
            "scale_ratio": ratio,
            "offset_iod": offset,
            "cut_off_before": sorted(cut_b),
            "cut_off_after": sorted(cut_a),
        },
    )


def _stops(x: float) -> str:
    return f"{abs(x):.2f}" if abs(x) < 0.95 else f"{abs(x):.1f}"


def check_lighting(pm: PairMeasures, t: CheckThresholds) -> PairCheck:
    """Exposure, colour and light direction of the aligned pair (see `core.pair_measures`)."""
    dev = pm.exposure_diff_ev
    numbers: dict[str, Any] = {
        "exposure_diff_ev": dev,
        "exposure_low_ev": pm.exposure_low_ev,
        "exposure_high_ev": pm.exposure_high_ev,
        "color_diff": math.hypot(pm.red_green_diff, pm.blue_green_diff),
        "red_green_diff": pm.red_green_diff,
        "blue_green_diff": pm.blue_green_diff,
        "relight_ev_per_iod": pm.relight_ev_per_iod,
        "relight_spread_ev": pm.relight_spread_ev,
        "usable_skin_fraction": pm.usable_pixels / max(pm.skin_pixels, 1),
        "clipped_fraction_before": pm.clipped_before_fraction,
        "clipped_fraction_after": pm.clipped_after_fraction,
    }
    if math.isnan(dev):
        return _lighting_unmeasured(pm, t, numbers)
    s_exp = grade(abs(dev), t.exposure_warn_ev, t.exposure_fail_ev)
    dcol = numbers["color_diff"]
    s_col = grade(dcol, t.color_warn, t.color_fail)
    s_tilt = grade(pm.relight_ev_per_iod, t.relight_warn_ev_per_iod, t.relight_fail_ev_per_iod)
    s_shadow = grade(pm.relight_spread_ev, t.relight_spread_warn_ev, t.relight_spread_fail_ev)
    s_rel = worst(s_tilt, s_shadow)
    parts = []
    if s_exp != PASS:
        parts.append(f"The after photo is {_stops(dev)} stops {'brighter' if dev > 0 else 'darker'}")
    if s_tilt != PASS:
        parts.append(
            "The light comes from a different direction: in the after photo "
            f"{_shading_words(pm.relight_u_ev_per_iod, pm.relight_v_ev_per_iod)} "
            f"(by {pm.relight_ev_per_iod:.1f} stops per eye distance)"
        )
    elif s_shadow != PASS:
        parts.append(
            "The light comes from a different direction: shadows and highlights on the face "
            f"have moved (by {pm.relight_spread_ev:.2f} stops typically)"
        )
    if s_col != PASS:
        parts.append(
            f"Skin colour differs: the after photo is "
            f"{_colour_words(pm.red_green_diff, pm.blue_green_diff)} ({dcol:.2f} stops)"
        )
    msg = (
        "; ".join(parts)
        if parts
        else f"Lighting matches ({abs(dev):.2f} stops apart, colour difference {dcol:.2f})"
    )
    return PairCheck(worst(s_exp, s_col, s_rel), msg, numbers)


def _lighting_unmeasured(pm: PairMeasures, t: CheckThresholds, numbers: dict[str, Any]) -> PairCheck:
    """Too little skin is unclipped in both photos: give the bound, never a wrong number."""
    low, high = pm.exposure_low_ev, pm.exposure_high_ev
    blown = max(pm.bright_clipped_before_fraction, pm.bright_clipped_after_fraction)
    which = (
        "after" if pm.bright_clipped_after_fraction >= pm.bright_clipped_before_fraction else "before"
    )
    if blown >= t.clipped_fail_fraction:
        msg = (
            f"The skin is blown out (pure white) over {blown * 100:.0f}% of the face in the "
            f"{which} photo: exposure cannot be compared"
        )
        if math.isfinite(low) and low > 0:
            msg += f" (the after photo is at least {_stops(low)} stops brighter)"
        elif math.isfinite(high) and high < 0:
            msg += f" (the after photo is at least {_stops(high)} stops darker)"
        return PairCheck(FAIL, msg, numbers)
    status = FAIL if (math.isfinite(low) and low > t.exposure_fail_ev) or (
        math.isfinite(high) and high < -t.exposure_fail_ev
    ) else WARN
    if math.isfinite(low) and math.isfinite(high):
        bound = f"between {low:+.1f} and {high:+.1f} stops"
    elif math.isfinite(low):
        bound = f"at least {low:+.1f} stops"
    elif math.isfinite(high):
        bound = f"at most {high:+.1f} stops"
    else:
        bound = "unknown"
    msg = (
        "Too little of the skin is correctly exposed in both photos to measure the lighting "
        f"(exposure difference {bound})"
    )
    return PairCheck(status, msg, numbers)


def _shading_words(gu: float, gv: float) -> str:
    """Where the after photo is relatively brighter (u: patient's left, v: up)."""
    if abs(gu) >= abs(gv):
        side = "left" if gu > 0 else "right"
        return f"the patient's {side} side is brighter relative to the other side"
    return "the upper face is brighter relative to the lower face" if gv > 0 else (
        "the lower face is brighter relative to the upper face"
    )


def _colour_words(d_rg: float, d_bg: float) -> str:
    """Name the cast from per-channel log gains relative to their mean (R, G, B)."""
    gains = [d_rg, 0.0, d_bg]
    mean = sum(gains) / 3
    dev = [g - mean for g in gains]
    hi = max(range(3), key=lambda i: dev[i])
    lo = min(range(3), key=lambda i: dev[i])
    if dev[hi] >= -dev[lo]:
        return ("redder", "greener", "bluer")[hi]
    return ("more cyan (less red)", "more magenta (less green)", "more yellow (less blue)")[lo]


def check_sharpness(pm: PairMeasures, t: CheckThresholds) -> PairCheck:
    """Equivalent Gaussian blur of the softer photo (see `core.pair_measures`)."""
    sigma, px = pm.blur_sigma_iod, pm.blur_sigma_px
    numbers = {"blur_sigma_iod": sigma, "blur_sigma_px": px, "blurrier": pm.blurrier}
    if math.isnan(sigma):
        return PairCheck(WARN, "Sharpness could not be compared (too little of the face)", numbers)
    status = grade(sigma, t.blur_warn_iod, t.blur_fail_iod)
    if sigma * pm.blur_compared_iod_px <= t.blur_min_px:
        status = PASS  # below what resampling and content differences produce at this size
    if status == PASS:
        msg = f"Sharpness matches (difference equals a blur of {px:.1f} px)"
    else:
        msg = (
            f"The {pm.blurrier} photo is blurrier: as if blurred by {px:.1f} px "
            f"({sigma * 100:.1f}% of the eye distance)"
        )
    return PairCheck(status, msg, numbers)


def check_identity(similarity: float | None, t: CheckThresholds) -> PairCheck:
    """Same person or not, from the face-descriptor similarity (`core.identity`)."""
    if similarity is None or math.isnan(similarity):
        return PairCheck(
            WARN, "Could not check that both photos show the same person", {"similarity": None}
        )
    numbers = {"similarity": similarity}
    if similarity < t.identity_fail_below:
        return PairCheck(
            FAIL,
            f"These photos appear to show two different people (similarity {similarity:.2f})",
            numbers,
        )
    if similarity < t.identity_warn_below:
        return PairCheck(
            WARN,
            f"These may not be the same person — please check (similarity {similarity:.2f})",
            numbers,
        )
    return PairCheck(PASS, f"Same person (similarity {similarity:.2f})", numbers)


def check_expression(b: FaceMeasures, a: FaceMeasures, t: CheckThresholds) -> PairCheck:
    eb, ea = b.expression, a.expression
    d_mouth = ea.mouth_open_iod - eb.mouth_open_iod
    d_smile = ea.smile_width_iod - eb.smile_width_iod
    d_eye = ea.eye_open_iod - eb.eye_open_iod
    d_brow = ea.brow_raise_iod - eb.brow_raise_iod
    statuses = [
        grade(abs(d_mouth), t.mouth_open_warn_iod, t.mouth_open_fail_iod),
        grade(abs(d_smile), t.smile_width_warn_iod, t.smile_width_fail_iod),
        grade(abs(d_eye), t.eye_open_warn_iod),
        grade(abs(d_brow), t.brow_raise_warn_iod),
    ]
    parts = []
    if statuses[0] != PASS:
        parts.append(f"Mouth {'more open' if d_mouth > 0 else 'more closed'} in the after photo")
    if statuses[1] != PASS:
        parts.append(f"{'Wider' if d_smile > 0 else 'Narrower'} mouth (smile) in the after photo")
    if statuses[2] != PASS:
        parts.append(f"Eyes {'wider open' if d_eye > 0 else 'more closed'} in the after photo")
    if statuses[3] != PASS:
        parts.append(
            f"Brows {'higher' if d_brow > 0 else 'lower'} in the after photo "
            "(expression or treatment effect)"
        )
    msg = "; ".join(parts) if parts else "Expression matches"
    return PairCheck(
        worst(*statuses),
        msg,
        {
            "mouth_open_diff_iod": d_mouth,
            "smile_width_diff_iod": d_smile,
            "eye_open_diff_iod": d_eye,
            "brow_raise_diff_iod": d_brow,
        },
    )


_NULL_NUMBERS = {
    "angle": ("yaw_diff_deg", "pitch_diff_deg", "roll_diff_deg"),
    "framing": ("scale_ratio", "offset_iod"),
    "lighting": ("exposure_diff_ev", "color_diff"),
    "expression": (),
    "sharpness": (),
    "identity": ("similarity",),
}


def pair_checks(
    before: PhotoMeasures,
    after: PhotoMeasures,
    thresholds: CheckThresholds | None = None,
    roll_diff_deg: float | None = None,
    pair: PairMeasures | None = None,
    identity_similarity: float | None = None,
) -> dict[str, PairCheck]:
    """All six checks; every check fails (numbers null) when either photo has no face.

    `pair` (the aligned pair's photometry, `core.pair_measures.measure_pair`) and
    `identity_similarity` (`core.identity`) are computed by `core.pairing.compare_photos`."""
    thresholds = thresholds or CheckThresholds()
    if before.face is None or after.face is None:
        missing = " and ".join(
            n for n, p in (("before", before), ("after", after)) if p.face is None
        )
        msg = f"No face found in the {missing} photo" + ("s" if " and " in missing else "")
        return {
            name: PairCheck(FAIL, msg, {k: None for k in _NULL_NUMBERS[name]})
            for name in CHECK_NAMES
        }
    b, a = before.face, after.face
    if pair is None:
        raise ValueError("pair_checks needs the pair measures (core.pair_measures.measure_pair)")
    return {
        "angle": check_angle(b, a, thresholds, roll_diff_deg),
        "framing": check_framing(b, a, before, after, thresholds),
        "lighting": check_lighting(pair, thresholds),
        "expression": check_expression(b, a, thresholds),
        "sharpness": check_sharpness(pair, thresholds),
        "identity": check_identity(identity_similarity, thresholds),
    }


# -- figures for people -------------------------------------------------------------------------
def _signed_unit(unit: str, digits: int) -> Any:
    def fmt(v: float) -> str:
        v = round(v, digits) + 0.0  # no "−0.00"
        return (f"{v:+.{digits}f}" if v else f"{0:.{digits}f}").replace("-", "−") + unit

    return fmt


def _plain_unit(unit: str, digits: int) -> Any:
    return lambda v: f"{v:.{digits}f}{unit}"


# check -> [(number key, words, formatter)]: what a clinician can act on, in words and units.
CLINICAL_FIGURES: dict[str, tuple[tuple[str, str, Any], ...]] = {
    "angle": (
        ("yaw_diff_deg", "turn", _signed_unit("°", 1)),
        ("pitch_diff_deg", "nod", _signed_unit("°", 1)),
        ("roll_diff_deg", "tilt (corrected)", _signed_unit("°", 1)),
    ),
    "framing": (
        ("scale_ratio", "face size ×", _plain_unit("", 2)),
        ("offset_iod", "shift", _plain_unit(" eye distances", 1)),
    ),
    "lighting": (
        ("exposure_diff_ev", "exposure", _signed_unit(" stops", 2)),
        ("color_diff", "colour", _plain_unit(" stops", 2)),
        ("relight_ev_per_iod", "light direction change", _plain_unit(" stops per eye distance", 2)),
    ),
    "expression": (
        ("mouth_open_diff_iod", "mouth opening", _signed_unit(" eye distances", 2)),
        ("smile_width_diff_iod", "smile width", _signed_unit(" eye distances", 2)),
    ),
    "sharpness": (("blur_sigma_px", "blur difference", _plain_unit(" px", 1)),),
    "identity": (("similarity", "similarity (same person ≥ 0.5)", _plain_unit("", 2)),),
}


def check_figures(name: str, check: PairCheck) -> str:
    """The few figures of a check a clinician can act on, e.g. "turn +1.2°, nod −0.4°"."""
    numbers = getattr(check, "numbers", {}) or {}
    parts = []
    for key, words, fmt in CLINICAL_FIGURES.get(name, ()):
        value = numbers.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            parts.append(f"{words} {fmt(float(value))}")
    return ", ".join(parts)
