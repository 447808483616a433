"""Pair checks: two photos' measures → pass / warn / fail with numbers and a plain message.

All differences are AFTER − BEFORE. Thresholds come from `settings.CheckThresholds` (documented
defaults there). A pair is consistent when no check fails. Messages speak of the patient's left
and right (see `core.face` for the angle conventions) and of photographic stops.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from photocompare.core.face import FaceMeasures, PhotoMeasures
from photocompare.settings import CheckThresholds

PASS, WARN, FAIL = "pass", "warn", "fail"
_ORDER = {PASS: 0, WARN: 1, FAIL: 2}
CHECK_NAMES = ("angle", "framing", "lighting", "expression", "sharpness")


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
        return None if math.isnan(value) else round(value, 4)
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


def _angle_diff(a: float, b: float) -> float:
    return (a - b + 180.0) % 360.0 - 180.0


def _direction_words(deg: float) -> str:
    names = [
        (0, "the patient's left"),
        (90, "above"),
        (180, "the patient's right"),
        (-90, "below"),
        (-180, "the patient's right"),
    ]
    return min(names, key=lambda n: abs(_angle_diff(deg, n[0])))[1]


def check_lighting(b: FaceMeasures, a: FaceMeasures, t: CheckThresholds) -> PairCheck:
    lb, la = b.lighting, a.lighting
    dev = la.exposure_ev - lb.exposure_ev
    s_exp = grade(abs(dev), t.exposure_warn_ev, t.exposure_fail_ev)
    dbal = la.balance_ev - lb.balance_ev
    s_bal = grade(abs(dbal), t.balance_warn_ev, t.balance_fail_ev)
    ddir = _angle_diff(la.light_direction_deg, lb.light_direction_deg)
    clear = (
        min(la.light_gradient_ev_per_iod, lb.light_gradient_ev_per_iod)
        >= t.direction_min_gradient_ev_per_iod
    )
    s_dir = grade(abs(ddir), t.direction_warn_deg, t.direction_fail_deg) if clear else PASS
    d_rg = la.skin_log2_r_over_g - lb.skin_log2_r_over_g
    d_bg = la.skin_log2_b_over_g - lb.skin_log2_b_over_g
    dcol = math.hypot(d_rg, d_bg)
    s_col = grade(dcol, t.color_warn, t.color_fail)
    parts = []
    if s_exp != PASS:
        parts.append(
            f"The after photo is {abs(dev):.1f} stops {'brighter' if dev > 0 else 'darker'}"
        )
    if s_bal != PASS:
        side = "left" if dbal > 0 else "right"
        parts.append(
            f"The patient's {side} side is {abs(dbal):.1f} stops brighter, relative to the other side, "
            "in the after photo"
        )
    if s_dir != PASS:
        parts.append(
            f"Light comes from a different direction ({abs(ddir):.0f}° apart: from "
            f"{_direction_words(lb.light_direction_deg)} before, {_direction_words(la.light_direction_deg)} after)"
        )
    if s_col != PASS:
        parts.append(
            f"Skin colour differs: the after photo is {_colour_words(d_rg, d_bg)} ({dcol:.2f})"
        )
    msg = (
        "; ".join(parts)
        if parts
        else (f"Lighting matches ({abs(dev):.2f} stops apart, colour difference {dcol:.2f})")
    )
    return PairCheck(
        worst(s_exp, s_bal, s_dir, s_col),
        msg,
        {
            "exposure_diff_ev": dev,
            "direction_diff_deg": ddir,
            "color_diff": dcol,
            "balance_diff_ev": dbal,
            "contrast_diff_ev": la.contrast_ev - lb.contrast_ev,
            "red_green_diff": d_rg,
            "blue_green_diff": d_bg,
        },
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


def check_sharpness(b: FaceMeasures, a: FaceMeasures, t: CheckThresholds) -> PairCheck:
    sb, sa = b.sharpness, a.sharpness
    ratio = sa / sb if sb > 0 else float("nan")
    low = min(ratio, 1 / ratio) if ratio > 0 else 0.0
    status = (
        FAIL if low < t.sharpness_fail_ratio else WARN if low < t.sharpness_warn_ratio else PASS
    )
    if status == PASS:
        msg = f"Sharpness matches (detail ratio {ratio:.2f})"
    else:
        which = "after" if ratio < 1 else "before"
        msg = f"The {which} photo is blurrier (facial detail {(1 - low) * 100:.0f}% lower)"
    return PairCheck(
        status, msg, {"sharpness_before": sb, "sharpness_after": sa, "sharpness_ratio": ratio}
    )


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
    "lighting": ("exposure_diff_ev", "direction_diff_deg", "color_diff"),
    "expression": (),
    "sharpness": (),
}


def pair_checks(
    before: PhotoMeasures,
    after: PhotoMeasures,
    thresholds: CheckThresholds | None = None,
    roll_diff_deg: float | None = None,
) -> dict[str, PairCheck]:
    """All five checks; every check fails (numbers null) when either photo has no face."""
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
    return {
        "angle": check_angle(b, a, thresholds, roll_diff_deg),
        "framing": check_framing(b, a, before, after, thresholds),
        "lighting": check_lighting(b, a, thresholds),
        "expression": check_expression(b, a, thresholds),
        "sharpness": check_sharpness(b, a, thresholds),
    }
