"""The PREEMPT injection paradigm for chronic migraine, as data.

Fixed sites: 155 U at 31 sites in 7 head/neck muscle areas, 5 U per site (corrugator 2 sites,
procerus 1, frontalis 4, temporalis 8, occipitalis 6, cervical paraspinal 4, trapezius 6).
Optional follow-the-pain (FTP) sites add up to 40 U at 8 more sites (temporalis 2, occipitalis
2, trapezius 4), for at most 195 U at 39 sites.

Each site carries a position on a schematic head diagram so the desktop app can draw it:

- ``view``: ``"front"``, ``"side"`` or ``"back"``.
- ``x``, ``y``: normalised to the diagram (0..1, origin top-left, y downwards).
  * front: the patient faces the viewer, so the patient's right side is at the left (x < 0.5).
  * back: the viewer looks at the back of the head, so the patient's right is at the right.
  * side: a profile of the site's own side with the face towards x = 0 (the back of the head
    towards x = 1); draw one profile per side (mirror it for a face-right layout).

A session's units per site are compared with the protocol by ``compare_with_protocol``; the
deviations are information to show, never a reason to refuse a session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

UNITS_PER_SITE = 5.0
PROTOCOL_TOTAL_UNITS = 155.0
PROTOCOL_SITE_COUNT = 31
MAX_TOTAL_UNITS = 195.0  # with all follow-the-pain sites
MAX_SITE_COUNT = 39

MUSCLE_LABELS = {
    "corrugator": "Corrugator",
    "procerus": "Procerus",
    "frontalis": "Frontalis",
    "temporalis": "Temporalis",
    "occipitalis": "Occipitalis",
    "cervical_paraspinal": "Cervical paraspinal",
    "trapezius": "Trapezius",
}


@dataclass(frozen=True)
class InjectionSite:
    """One injection point of the paradigm (units in U of onabotulinumtoxinA)."""

    site_id: str  # stable identifier stored with a session, e.g. "frontalis_R2"
    muscle: str  # key of MUSCLE_LABELS
    side: str  # "right" | "left" | "midline" (the patient's side)
    units: float  # protocol dose at this site
    view: str  # "front" | "side" | "back"
    x: float  # normalised diagram position, see the module docstring
    y: float
    follow_the_pain: bool = False

    @property
    def label(self) -> str:
        side = {"right": " right", "left": " left", "midline": ""}[self.side]
        extra = " (follow-the-pain)" if self.follow_the_pain else ""
        number = self.site_id.rsplit("_", 1)[-1].lstrip("RLM") if "_" in self.site_id else ""
        return f"{MUSCLE_LABELS[self.muscle]}{side} {number}".rstrip() + extra


def _pair(muscle: str, view: str, right_xy: list[tuple[float, float]], ftp: bool = False,
          first: int = 1) -> list[InjectionSite]:
    """Right and left sites of one muscle; left positions mirror right ones where the view needs it."""
    sites = []
    for side, code in (("right", "R"), ("left", "L")):
        for i, (x, y) in enumerate(right_xy, start=first):
            if view == "side":  # each side is drawn on its own profile: same coordinates
                px = x
            elif view == "front":  # patient's right at image left
                px = x if side == "right" else 1.0 - x
            else:  # back: patient's right at image right
                px = x if side == "right" else 1.0 - x
            sites.append(InjectionSite(f"{muscle}_{code}{i}", muscle, side, UNITS_PER_SITE, view,
                                       round(px, 3), y, ftp))
    return sites


PREEMPT_SITES: tuple[InjectionSite, ...] = tuple(
    _pair("corrugator", "front", [(0.43, 0.37)])
    + [InjectionSite("procerus_M1", "procerus", "midline", UNITS_PER_SITE, "front", 0.5, 0.41)]
    + _pair("frontalis", "front", [(0.42, 0.22), (0.31, 0.25)])
    + _pair("temporalis", "side", [(0.52, 0.24), (0.62, 0.22), (0.50, 0.33), (0.62, 0.31)])
    + _pair("occipitalis", "back", [(0.58, 0.40), (0.67, 0.34), (0.69, 0.45)])
    + _pair("cervical_paraspinal", "back", [(0.55, 0.58), (0.55, 0.66)])
    + _pair("trapezius", "back", [(0.66, 0.80), (0.76, 0.83), (0.86, 0.86)])
)

FOLLOW_THE_PAIN_SITES: tuple[InjectionSite, ...] = tuple(
    _pair("temporalis", "side", [(0.72, 0.27)], ftp=True, first=5)
    + _pair("occipitalis", "back", [(0.77, 0.40)], ftp=True, first=4)
    + _pair("trapezius", "back", [(0.71, 0.76), (0.81, 0.79)], ftp=True, first=4)
)

ALL_SITES: dict[str, InjectionSite] = {s.site_id: s for s in PREEMPT_SITES + FOLLOW_THE_PAIN_SITES}


def protocol_units() -> dict[str, float]:
    """The fixed-site protocol as a session's ``sites`` mapping (site_id -> units)."""
    return {s.site_id: s.units for s in PREEMPT_SITES}


def units_by_muscle(sites: Mapping[str, float]) -> dict[str, float]:
    """Total units per muscle area for a session (unknown site ids are skipped)."""
    totals = {m: 0.0 for m in MUSCLE_LABELS}
    for site_id, units in sites.items():
        site = ALL_SITES.get(site_id)
        if site is not None:
            totals[site.muscle] += float(units)
    return totals


@dataclass(frozen=True)
class Deviation:
    """One difference between a session and the protocol (shown to the clinician, not refused)."""

    kind: str  # "dose" | "missed" | "unknown_site" | "too_many_units" | "too_many_sites" | "total"
    site_id: str | None
    expected_units: float | None
    actual_units: float | None
    message: str


def compare_with_protocol(sites: Mapping[str, float], total_units: float | None = None
                          ) -> list[Deviation]:
    """Deviations of a session (site_id -> units) from PREEMPT; empty when it follows it.

    Follow-the-pain sites are part of the protocol (not deviations) as long as the session stays
    within 195 U / 39 sites; a ``total_units`` that differs from the sum of sites is reported too.
    """
    out: list[Deviation] = []
    given = {k: float(v) for k, v in sites.items() if v is not None and float(v) != 0.0}
    for site in PREEMPT_SITES:
        units = given.get(site.site_id)
        if units is None:
            out.append(Deviation("missed", site.site_id, site.units, 0.0,
                                 f"{site.label}: not injected (protocol {site.units:g} U)"))
        elif units != site.units:
            out.append(Deviation("dose", site.site_id, site.units, units,
                                 f"{site.label}: {units:g} U (protocol {site.units:g} U)"))
    for site_id, units in given.items():
        site = ALL_SITES.get(site_id)
        if site is None:
            out.append(Deviation("unknown_site", site_id, None, units,
                                 f"{site_id}: {units:g} U at a site outside the paradigm"))
        elif site.follow_the_pain and units != site.units:
            out.append(Deviation("dose", site_id, site.units, units,
                                 f"{site.label}: {units:g} U (protocol {site.units:g} U)"))
    total = sum(given.values())
    if total > MAX_TOTAL_UNITS:
        out.append(Deviation("too_many_units", None, MAX_TOTAL_UNITS, total,
                             f"{total:g} U in total (at most {MAX_TOTAL_UNITS:g} U with follow-the-pain)"))
    if len(given) > MAX_SITE_COUNT:
        out.append(Deviation("too_many_sites", None, float(MAX_SITE_COUNT), float(len(given)),
                             f"{len(given)} sites (at most {MAX_SITE_COUNT} with follow-the-pain)"))
    if total_units is not None and given and abs(float(total_units) - total) > 1e-9:
        out.append(Deviation("total", None, total, float(total_units),
                             f"total recorded as {float(total_units):g} U but the sites add up to {total:g} U"))
    return out
