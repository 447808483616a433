"""Live guidance in words: what the person at the camera should change, most important first.

Kept apart from the evaluation because it only reads a finished `FrameGuidance` (both
`photocompare guide` and the Capture window print or show these words) and is worded for
clinicians, not computed.
"""

from __future__ import annotations

import math

from photocompare.core.checks import PASS
from photocompare.core.live_evaluate import FrameGuidance
from photocompare.settings import CheckThresholds


def _amount(deg: float) -> str:
    return f"{abs(deg):.0f}°" if abs(deg) >= 1.95 else f"{abs(deg):.1f}°"


def _stops(ev: float) -> str:
    text = f"{abs(ev):.1f}".rstrip("0").rstrip(".")
    return f"{text} stop" if text == "1" else f"{text} stops"


def guidance_words(g: FrameGuidance, thresholds: CheckThresholds | None = None) -> list[str]:
    """What to change, in words for the person at the camera, most important first.

    Directions are the patient's (as in `check`): a head turned further to the patient's left
    than in the baseline must turn back to the patient's right.
    """
    t = thresholds or CheckThresholds()
    if not g.face:
        return ["no face in view"]
    words: list[str] = []
    if g.yaw_diff_deg is not None and abs(g.yaw_diff_deg) > t.yaw_warn_deg:
        side = "right" if g.yaw_diff_deg > 0 else "left"
        words.append(f"turn {_amount(g.yaw_diff_deg)} to the patient's {side}")
    if g.pitch_diff_deg is not None and abs(g.pitch_diff_deg) > t.pitch_warn_deg:
        way = "down" if g.pitch_diff_deg > 0 else "up"
        words.append(f"chin {way} {_amount(g.pitch_diff_deg)}")
    if g.roll_diff_deg is not None and abs(g.roll_diff_deg) > t.roll_fail_deg:
        way = "clockwise" if g.roll_diff_deg > 0 else "counter-clockwise"
        words.append(f"straighten the head {_amount(g.roll_diff_deg)} {way}")
    if g.scale_ratio is not None and not math.isnan(g.scale_ratio):
        if g.scale_ratio < t.scale_warn_low:
            words.append("move closer")
        elif g.scale_ratio > t.scale_warn_high:
            words.append("move back")
    if g.offset_iod is not None and g.offset_iod > t.offset_warn_iod:
        dx, dy = g.offset_x_iod or 0.0, g.offset_y_iod or 0.0
        way = ("left" if dx > 0 else "right") if abs(dx) >= abs(dy) else ("up" if dy > 0 else "down")
        words.append(f"move the face {way} in the frame ({g.offset_iod:.1f} eye-distances)")
    if g.exposure_diff_ev is not None and abs(g.exposure_diff_ev) > t.exposure_warn_ev:
        words.append(f"{_stops(g.exposure_diff_ev)} too {'bright' if g.exposure_diff_ev > 0 else 'dark'}")
    for name in ("identity", "lighting", "expression", "sharpness", "framing"):
        if g.statuses.get(name, PASS) != PASS and not _covered(name, g, t):
            words.append(_live(g.messages[name]))
    return words or ["matches the baseline"]


def _live(message: str) -> str:
    """A pair-check message reworded for the live picture (the "after photo" is the frame)."""
    return (
        message.replace("The after photo is blurrier", "The picture is blurrier than the baseline")
        .replace(" in the after photo", " than in the baseline")
        .replace("the after photo is", "the picture is")
        .replace("The after photo", "The picture")
    )


def _covered(name: str, g: FrameGuidance, t: CheckThresholds) -> bool:
    """True when the words above already say what this failing check is about."""
    if name == "lighting":
        msg = g.messages.get(name, "")
        return ";" not in msg and "stops" in msg and "side" not in msg and "direction" not in msg and "colour" not in msg.lower()
    if name == "framing":
        msg = g.messages.get(name, "")
        return "cut off" not in msg
    return False

