"""Side-effect changes of a pair (brow height, eyelid opening, MRD1) with their measurement noise.

A single photo's brow or lid position comes from a handful of landmarks; re-encoding or re-taking
the same face moves them by a fraction of a pixel to about a pixel, i.e. by several tenths of a
millimetre at ordinary eye distances. So each change carries `noise_mm`, and counts as a finding
(`beyond_noise`) only when it is larger.

How the noise is measured (figures in `docs/validation.md`): the same face was re-measured under
changes that leave the anatomy untouched — JPEG re-encoding (quality 70–95), rescaling
(0.85–1.15), in-plane rotation (±4–8°) and exposure (±0.3 EV) — on 8 real photos with 31 to
183 px between the eyes. The spread is mostly a fraction of the eye distance (the mesh fit
moves as a whole) plus a pixel-level jitter that matters for small faces, so a photo's noise is
σ = √(floor_iod² + (jitter_px / IOD_px)²) eye distances (constants in `CheckThresholds`), and
the noise of a change is 2·√(σ_before² + σ_after²) (a 95 % band), converted at the stated 63 mm
eye distance.

A change is withheld (`reliable = False`, with the reason) when the pair is not comparable or
the photos may not show the same person: a difference between two people, or between two
different poses, is not a side effect.

`side_effect_rows` / `side_effect_sentences` are the Qt-free texts every view shows (compare
view, review mode, sheets), so they all round and withhold the same way.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from photocompare.core.measures import MEAN_IOD_MM
from photocompare.settings import CheckThresholds

# measure key -> (label for clinicians, SideEffects field, noise kind)
MEASURES: tuple[tuple[str, str, str, str], ...] = (
    ("brow_height_right_mm", "Brow height, right", "brow_height_right_mm", "brow"),
    ("brow_height_left_mm", "Brow height, left", "brow_height_left_mm", "brow"),
    ("eyelid_aperture_right_mm", "Eyelid opening, right", "eyelid_aperture_right_mm", "lid"),
    ("eyelid_aperture_left_mm", "Eyelid opening, left", "eyelid_aperture_left_mm", "lid"),
    ("mrd1_right_mm", "MRD1 (lid to pupil), right", "mrd1_right_mm", "lid"),
    ("mrd1_left_mm", "MRD1 (lid to pupil), left", "mrd1_left_mm", "lid"),
)


@dataclass(frozen=True)
class SideEffectChange:
    before_mm: float
    after_mm: float
    change_mm: float  # after − before
    noise_mm: float  # 95 % band of the change from measurement noise alone
    beyond_noise: bool


@dataclass(frozen=True)
class PairSideEffects:
    reliable: bool
    reason: str | None
    measures: dict[str, SideEffectChange]

    def to_json(self) -> dict[str, Any]:
        def r(x: float) -> float | None:
            return round(x, 2) if math.isfinite(x) else None

        return {
            "reliable": self.reliable,
            "reason": self.reason,
            "measures": {
                key: {
                    k: (r(v) if isinstance(v, float) else v) for k, v in asdict(change).items()
                }
                for key, change in self.measures.items()
            },
        }


def photo_noise_iod(iod_analysed_px: float, kind: str, t: CheckThresholds) -> float:
    """One photo's measurement SD of a brow/lid measure, in eye distances."""
    if kind == "brow":
        jitter, floor = t.side_effect_brow_jitter_px, t.side_effect_brow_floor_iod
    else:
        jitter, floor = t.side_effect_lid_jitter_px, t.side_effect_lid_floor_iod
    return math.hypot(floor, jitter / max(iod_analysed_px, 1e-6))


def pair_side_effects(
    before: Any, after: Any, checks: dict[str, Any], noise: CheckThresholds | None = None
) -> PairSideEffects | None:
    """The pair's side-effect changes, or None when either photo has no face."""
    t = noise or CheckThresholds()
    fb, fa = before.face, after.face
    if fb is None or fa is None:
        return None
    iod_b = fb.interocular_px * before.analysis_scale
    iod_a = fa.interocular_px * after.analysis_scale
    measures = {}
    for key, _label, attr, kind in MEASURES:
        b = float(getattr(fb.side_effects, attr))
        a = float(getattr(fa.side_effects, attr))
        sd = math.hypot(photo_noise_iod(iod_b, kind, t), photo_noise_iod(iod_a, kind, t))
        noise_mm = 2.0 * sd * MEAN_IOD_MM
        change = a - b
        measures[key] = SideEffectChange(
            before_mm=b,
            after_mm=a,
            change_mm=change,
            noise_mm=noise_mm,
            beyond_noise=bool(math.isfinite(change) and abs(change) > noise_mm),
        )
    reason = _withhold_reason(checks)
    return PairSideEffects(reliable=reason is None, reason=reason, measures=measures)


def _withhold_reason(checks: dict[str, Any]) -> str | None:
    ident = checks.get("identity")
    if ident is not None and ident.status != "pass":
        if ident.status == "fail":
            return "The photos appear to show two different people: changes are not shown."
        return "It is not certain that both photos show the same person: changes are not shown."
    failing = [name for name, c in checks.items() if c.status == "fail"]
    if failing:
        return (
            "The photos are not comparable (" + ", ".join(failing) + " failed): "
            "changes are not shown."
        )
    return None


def _decimals(noise_mm: float) -> int:
    """Round a change to what its noise allows: 1 decimal when the noise is under 1 mm."""
    return 1 if noise_mm < 1.0 else 0


def side_effect_rows(result: Any) -> list[dict[str, Any]]:
    """Rows to show for a `PairResult`: label, before, after and change as text, and whether
    the change is a finding. Empty when there is nothing to show (no face); when the pair's
    changes are withheld, the change column reads "withheld"."""
    side = getattr(result, "side_effects", None)
    if side is None:
        return []
    rows = []
    for key, label, _attr, _kind in MEASURES:
        c = side.measures[key]
        d = _decimals(c.noise_mm)
        if not side.reliable:
            change = "withheld"
            finding = False
        elif not c.beyond_noise:
            change = f"within noise (±{c.noise_mm:.1f} mm)"
            finding = False
        else:
            change = f"{c.change_mm:+.{d}f} mm (noise ±{c.noise_mm:.1f} mm)".replace("-", "−")
            finding = True
        rows.append(
            {
                "key": key,
                "label": label,
                "before": f"{c.before_mm:.{d}f} mm",
                "after": f"{c.after_mm:.{d}f} mm",
                "change": change,
                "finding": finding,
            }
        )
    return rows


def side_effect_sentences(result: Any) -> list[str]:
    """Plain sentences for sheets and summaries: the reason when withheld, else one sentence
    per change beyond noise (or one saying there is none)."""
    side = getattr(result, "side_effects", None)
    if side is None:
        return ["Brow and eyelid changes: not measured (no face found in one of the photos)."]
    if not side.reliable:
        return [f"Brow and eyelid changes: {side.reason}"]
    out = []
    for row in side_effect_rows(result):
        if row["finding"]:
            out.append(f"{row['label']}: {row['before']} → {row['after']} ({row['change']}).")
    if not out:
        out.append("Brow and eyelid: no change beyond measurement noise.")
    out.append(f"Millimetres assume {MEAN_IOD_MM:.0f} mm between the eyes.")
    return out


def side_effect_note(result: Any) -> str:
    """One line under a side-effect table: why changes are withheld, or how to read them."""
    side = getattr(result, "side_effects", None)
    if side is None:
        return "Brow and eyelid measures need a face in both photos."
    basis = (
        f"R / L: the patient's right / left; mm assume {MEAN_IOD_MM:.0f} mm between the eyes; "
        f"a change counts only beyond its measurement noise. {noise_summary(result)} "
        "MRD1 = ptosis proxy."
    )
    return basis if side.reliable else f"{side.reason} {basis}"


# (row label, right measure, left measure) for a compact table: one row per measure, "R / L".
COMPACT_ROWS = (
    ("Brow height (mm)", "brow_height_right_mm", "brow_height_left_mm"),
    ("Eyelid aperture (mm)", "eyelid_aperture_right_mm", "eyelid_aperture_left_mm"),
    ("MRD1 (mm)", "mrd1_right_mm", "mrd1_left_mm"),
)


def compact_side_effect_rows(result: Any) -> list[tuple[str, str, str, str]]:
    """(label, before, after, change) with each cell "right / left" — for printed sheets.

    A change reads "withheld" for a pair whose changes are withheld, "within noise" when it is
    not beyond its noise, else the signed change rounded to what the noise allows."""
    side = getattr(result, "side_effects", None)
    if side is None:
        return []
    out = []
    for label, right, left in COMPACT_ROWS:
        cr, cl = side.measures[right], side.measures[left]
        d = _decimals(max(cr.noise_mm, cl.noise_mm))

        def change(c: SideEffectChange, d: int = d) -> str:
            if not side.reliable:
                return "withheld"
            if not c.beyond_noise:
                return "within noise"
            return f"{c.change_mm:+.{d}f}".replace("-", "−")

        out.append(
            (
                label,
                f"{cr.before_mm:.{d}f} / {cl.before_mm:.{d}f}",
                f"{cr.after_mm:.{d}f} / {cl.after_mm:.{d}f}",
                f"{change(cr)} / {change(cl)}",
            )
        )
    return out


def noise_summary(result: Any) -> str:
    """ "Noise ±1.6 mm (brow), ±1.7 mm (lids)" for a table footnote; empty without a pair."""
    side = getattr(result, "side_effects", None)
    if side is None:
        return ""
    brow = max(side.measures[k].noise_mm for k in ("brow_height_right_mm", "brow_height_left_mm"))
    lid = max(
        side.measures[k].noise_mm
        for k in ("eyelid_aperture_right_mm", "eyelid_aperture_left_mm", "mrd1_right_mm", "mrd1_left_mm")
    )
    return f"Measurement noise ±{brow:.1f} mm (brows), ±{lid:.1f} mm (lids)."
