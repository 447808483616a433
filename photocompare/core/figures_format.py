"""The one place where course figures are rounded and turned into text (no Qt).

Every screen, sheet, sentence and JSON document shows a figure through this module, so the
table, the chart label, the review-mode sentence and the CLI agree to the last shown digit.

Why not plain rounding: every clinical threshold (≥ 50 % / ≥ 30 % responder, ≥ 15 headache and
≥ 8 migraine days for chronic migraine, ≥ 10 / ≥ 15 overuse days, < 15 episodic, the 30 %
stopping rule) is a whole number, and a figure just short of one must not be *shown* on the
other side of it: −49.96 % next to an unticked "≥ 50 % responder" would read "−50 %". So a
figure is rounded to the nearest shown digit, except when that would carry it up to a whole
number its size has not reached; then it is cut instead (−49.96 → −49.9, 9.96 → 9.9, while
−49.7 stays −49.7 and 6.667 becomes 6.7 on screen and 6.67 in JSON). A figure that reached a
whole number (−50.0, 10.0) shows it. Shown digits: one decimal on screen, at least two in JSON.
"""

from __future__ import annotations

import math
from typing import Any

SCREEN_DIGITS = 1  # decimals shown in tables, charts and sentences
JSON_DIGITS = 2  # decimals in JSON output (the CLI contract asks for at least two)
_NOISE_DIGITS = 9  # floating-point noise (e.g. 49.99999999997 for 50) is removed first

MINUS = "−"  # U+2212, the typographic minus used in every shown change


def shown_value(value: float | None, digits: int = SCREEN_DIGITS) -> float | None:
    """The figure as shown with `digits` decimals, never reaching a whole number it has not
    reached (see the module docstring). None stays None."""
    if value is None:
        return None
    v = round(float(value), _NOISE_DIGITS)
    if not math.isfinite(v):
        return v
    size = abs(v)
    scale = 10 ** digits
    nearest = round(size * scale) / scale
    if nearest > size and float(nearest).is_integer():
        nearest = math.floor(size * scale) / scale  # cut: stay below the whole number
    out = math.copysign(nearest, v) if nearest else 0.0
    return out + 0.0  # no "-0.0"


def json_value(value: float | None) -> float | None:
    """A figure for JSON: `JSON_DIGITS` decimals, by the same rule as the screen."""
    return shown_value(value, JSON_DIGITS)


def json_count(value: float) -> float | int:
    """A day count for JSON: whole counts stay ints, prorated ones keep `JSON_DIGITS` decimals."""
    r = json_value(value)
    return int(r) if r is not None and float(r).is_integer() else r


def fmt_num(value: Any, digits: int = SCREEN_DIGITS) -> str:
    """A figure as text ("6.7", "20", "–" for none); trailing zeros are dropped."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(v):
        return "–"
    s = shown_value(v, digits)
    text = f"{abs(s):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return ("-" if s < 0 else "") + text


def fmt_pct(value: Any, digits: int = SCREEN_DIGITS) -> str:
    """A change in % with its sign ("−49.7 %", "+5 %", "0 %"); None → "–"."""
    if value is None:
        return "–"
    s = shown_value(float(value), digits)
    if s == 0:
        return "0 %"
    sign = MINUS if s < 0 else "+"
    return f"{sign}{fmt_num(abs(s), digits)} %"


def fmt_pct_size(value: float, digits: int = SCREEN_DIGITS) -> str:
    """The size of a change without its sign, for sentences ("49.7 % fewer")."""
    return f"{fmt_num(abs(shown_value(float(value), digits)), digits)} %"


def fmt_per28(value: Any) -> str:
    """A per-28-day figure ("6.7")."""
    return fmt_num(value, SCREEN_DIGITS)


def fmt_share(fraction: Any) -> str:
    """A 0..1 share as whole percent ("79 %"), cut like every figure ("79.96 %" → "79 %")."""
    if fraction is None:
        return "–"
    return f"{fmt_num(float(fraction) * 100, 0)} %"
