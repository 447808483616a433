"""The treatment log of a payer report: sessions with units, sites, lots and the interval since
the previous session, flagged when shorter than the PREEMPT re-treatment interval (payers refuse
to pay for a session given too early); and the clinician's notes printed beside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from photocompare.core.course_figures import PeriodFigures, Treatment
from photocompare.core.payer_model import PayerInputs, TreatmentExtra, TreatmentLine
from photocompare.core.preempt import ALL_SITES
from photocompare.settings import PayerSettings

INTERVAL_SOURCE = "PREEMPT paradigm: re-treatment every 12 weeks (84 days)"


def treatment_lines(treatments: Sequence[Treatment], extras: Mapping[dt.date, TreatmentExtra],
                     settings: PayerSettings) -> tuple[TreatmentLine, ...]:
    """The sessions in date order, each with its interval since the previous one."""
    lines = []
    previous: dt.date | None = None
    for t in sorted(treatments, key=lambda t: t.session_date):
        extra = extras.get(t.session_date, TreatmentExtra())
        if t.sites:
            sites: int | None = sum(1 for u in t.sites.values() if u)
            ftp: float | None = sum(u for k, u in t.sites.items()
                                    if (s := ALL_SITES.get(k)) and s.follow_the_pain)
        else:
            sites, ftp = extra.site_count, extra.follow_the_pain_units
        interval = None if previous is None else (t.session_date - previous).days
        lines.append(TreatmentLine(
            t.session_date, t.units, ftp, sites, t.lot, t.expiry, t.injector, interval,
            interval is not None and interval < settings.min_treatment_interval_days, t.note))
        previous = t.session_date
    return tuple(lines)


def clinician_notes(inputs: PayerInputs, periods: Sequence[PeriodFigures],
                    treatments: Sequence[Treatment]) -> tuple[tuple[str, str], ...]:
    """(what, text) for each period note and session note, in the report's order."""
    out = []
    for p in periods:
        text = inputs.notes.get(f"period:{p.label}", "").strip()
        if text:
            out.append((p.label, text))
    for t in treatments:
        if t.note.strip():
            out.append((f"session {t.session_date.isoformat()}", t.note.strip()))
    return tuple(out)


def short_interval_notes(lines: Sequence[TreatmentLine], settings: PayerSettings) -> list[str]:
    """One sentence per session that came sooner than the re-treatment interval."""
    return [f"Session {t.date.isoformat()} came {t.interval_days} days after the previous one "
            f"(< {settings.min_treatment_interval_days}; {INTERVAL_SOURCE})."
            for t in lines if t.short_interval]
