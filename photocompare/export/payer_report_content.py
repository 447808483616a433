"""What a payer report says, as text and tables: the words and figures of each block, no
positions. No Qt.

Every figure goes through `core.figures_format` (one rounding rule, typographic minus), so the
criteria table, the diary table and the summary sentence show a change with the same digits.
`export.payer_report_layout` places these blocks on pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from photocompare.core import figures_format as ff
from photocompare.core.payer_report import PayerReport, ReportPhoto
from photocompare.core.payer_rules import PREVENTIVE_CLASS_LABELS
from photocompare.export.sheet_primitives import INK
from photocompare.settings import PayerSettings, Prescriber

NONE = "–"  # an empty cell (en dash, as figures_format shows a missing figure)
STATUS = {True: ("met", "#2e7d32"), False: ("not met", "#c62828"),
          None: ("not enough data", "#b26a00")}
DISCLAIMER = ("This report informs the clinician and the payer; it does not decide. "
              "Figures are computed from the patient's headache diary per 28 days.")
ATTESTATION = ("I attest that the information in this report is taken from the patient's "
               "clinical record and headache diary and is accurate to the best of my knowledge.")


@dataclass(frozen=True)
class ReportOptions:
    """What the caller chose for this copy of the report."""

    prescriber: Prescriber = Prescriber()
    deidentify: bool = False
    include_payer: bool = False  # only with the patient's consent for an insurer
    photos: tuple[ReportPhoto, ...] = ()
    max_cycles: int = PayerSettings().report_max_cycles_shown


@dataclass(frozen=True)
class Cell:
    text: str
    bold: bool = False
    colour: str = INK
    small: str = ""  # a second, smaller line (a criterion's source, a trial's note)


@dataclass(frozen=True)
class Table:
    widths: tuple[float, ...]  # fractions of the width
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    highlight: tuple[int, ...] = ()  # row indexes drawn on a tinted background


def title(report: PayerReport) -> str:
    if report.kind == "initial":
        return "OnabotulinumtoxinA for chronic migraine — prior authorisation"
    return "OnabotulinumtoxinA for chronic migraine — continuation (renewal)"


def _value_text(value) -> str:
    if value is None:
        return NONE
    if isinstance(value, float):
        return ff.fmt_num(value)
    return str(value)


def criteria_table(report: PayerReport) -> Table:
    rows = []
    for c in report.criteria:
        word, colour = STATUS[c.met]
        if c.value is None:
            detail = c.note or NONE
        else:
            shown = (ff.fmt_pct(c.value) if isinstance(c.value, float) and "Reduction" in c.name
                     else _value_text(c.value))
            detail = shown + (f" — {c.note}" if c.note else "")
        rows.append((Cell(c.name, True, small=c.source), Cell(c.threshold), Cell(detail),
                     Cell(word, True, colour)))
    return Table((0.30, 0.27, 0.29, 0.14), ("Criterion", "Threshold", "Value", "Status"),
                 tuple(rows))


def shown_periods(report: PayerReport, max_cycles: int) -> tuple[list, int]:
    """(periods for the table, number of earlier cycles left out). An initial report's last
    month before treatment is its baseline, so the baseline is not repeated there."""
    periods = list(report.periods)
    if report.kind != "renewal":
        return periods, 0
    cycles = [p for p in periods if p.kind == "cycle"]
    keep = cycles[-max_cycles:]
    if report.assessment is not None and report.assessment not in keep:
        keep = [report.assessment, *keep[1:]] if keep else [report.assessment]
    kept = [p for p in periods if p.kind != "cycle" or p in keep]
    return kept, len(periods) - len(kept)


def periods_table(report: PayerReport, max_cycles: int) -> Table:
    periods, _hidden = shown_periods(report, max_cycles)
    rows, highlight = [], []
    for i, p in enumerate(periods):
        if report.assessment is not None and p.label == report.assessment.label:
            highlight.append(i)
        cover = f"{p.days_recorded}/{p.days} ({ff.fmt_share(p.coverage)})"
        if p.coverage_warning:
            cover += " !"
        label = p.label + ("  (assessed)" if i in highlight else "")
        rows.append((Cell(label, i in highlight),
                     Cell(f"{p.start.isoformat()} – {p.end.isoformat()}"), Cell(cover),
                     Cell(ff.fmt_per28(p.headache_days_per_28)),
                     Cell(ff.fmt_per28(p.migraine_days_per_28)),
                     Cell(ff.fmt_per28(p.acute_med_days_per_28)),
                     Cell(ff.fmt_pct(p.headache_change_pct)),
                     Cell(ff.fmt_pct(p.migraine_change_pct))))
    return Table((0.19, 0.20, 0.13, 0.09, 0.09, 0.09, 0.105, 0.105),
                 ("Period", "Dates", "Recorded", "Headache /28", "Migraine /28",
                  "Acute med /28", "Headache change", "Migraine change"),
                 tuple(rows), tuple(highlight))


def treatment_table(report: PayerReport, max_cycles: int) -> Table:
    rows = []
    for t in report.treatments[-(max_cycles + 1):]:
        units = NONE if t.units is None else f"{ff.fmt_num(t.units)} U"
        if t.follow_the_pain_units:
            units += f" (incl. {ff.fmt_num(t.follow_the_pain_units)} U follow-the-pain)"
        interval = NONE if t.interval_days is None else f"{t.interval_days} days"
        colour = STATUS[False][1] if t.short_interval else INK
        if t.short_interval:
            interval += " (< 84)"
        rows.append((Cell(t.date.isoformat()), Cell(units), Cell(ff.fmt_num(t.sites)),
                     Cell(t.lot or NONE), Cell(t.expiry.isoformat() if t.expiry else NONE),
                     Cell(t.injector or NONE), Cell(interval, t.short_interval, colour)))
    return Table((0.13, 0.22, 0.08, 0.13, 0.12, 0.17, 0.15),
                 ("Date", "Units", "Sites", "Lot", "Expiry", "Injector", "Interval"),
                 tuple(rows))


def preventive_table(report: PayerReport) -> Table:
    rows = []
    for p in report.preventives:
        stop = p.stop.isoformat() if p.stop else "ongoing"
        days = (p.stop - p.start).days + 1 if p.stop else None
        rows.append((Cell(p.drug, True),
                     Cell(PREVENTIVE_CLASS_LABELS.get(p.drug_class, p.drug_class)),
                     Cell(p.dose or NONE), Cell(f"{p.start.isoformat()} – {stop}"),
                     Cell(ff.fmt_num(days)), Cell(p.outcome.replace("-", " "), small=p.note)))
    return Table((0.17, 0.19, 0.18, 0.24, 0.07, 0.15),
                 ("Drug", "Class", "Dose", "Dates", "Days", "Outcome"), tuple(rows))


def questionnaire_text(report: PayerReport) -> str:
    p = report.profile
    parts = []
    if report.midas:
        parts.append("MIDAS: " + "; ".join(f"{q.date.isoformat()} {q.score} (grade {q.grade})"
                                           for q in report.midas))
    if report.hit6:
        parts.append("HIT-6: " + "; ".join(f"{q.date.isoformat()} {q.score} ({q.grade})"
                                           for q in report.hit6))
    if not parts:
        parts.append("No MIDAS or HIT-6 recorded.")
    if p.questionnaires_used:
        m = ff.MINUS
        parts.append(f"Cut-offs of {p.name}: MIDAS {m}{ff.fmt_num(p.midas_drop_points)} points "
                     f"(baseline 11–20) or {m}{ff.fmt_num(p.midas_drop_pct)} % (baseline > 20); "
                     f"HIT-6 {m}{ff.fmt_num(p.hit6_drop_points)} points.")
    else:
        parts.append(f"{p.name} sets no questionnaire cut-off; scores are shown for information.")
    return "\n".join(parts)


def flag_lines(report: PayerReport) -> list[str]:
    lines = list(report.notes)
    flags = report.flags
    if flags.medication_overuse:
        lines += [f"Medication overuse: {f.message}" for f in flags.medication_overuse]
    else:
        lines.append("Medication overuse: none flagged by the ICHD-3 frequency thresholds.")
    lines += [n for n in flags.notes if n not in lines]
    return lines


def patient_lines(report: PayerReport, options: ReportOptions) -> list[str]:
    """Who the report is about; a de-identified copy names the patient by ID only."""
    who = f"Patient ID {report.patient_id}"
    if options.deidentify:
        who += "  ·  de-identified: ID only"
    else:
        if report.display_name:
            who += f"  ·  {report.display_name}"
        if report.birth_year:
            who += f"  ·  born {report.birth_year}"
    lines = [who]
    if report.diagnosis is not None:
        onset = (f", onset {report.diagnosis.onset_date.isoformat()}"
                 if report.diagnosis.onset_date else "")
        lines.append(f"Diagnosis: ICD-10 {report.diagnosis.icd10_code}{onset}")
    else:
        lines.append("Diagnosis: not recorded")
    if report.payer is not None and options.include_payer:
        payer = report.payer
        text = f"Insurer: {payer.payer_name}"
        if payer.plan:
            text += f", plan {payer.plan}"
        if not options.deidentify:
            if payer.member_id:
                text += f"  ·  member ID {payer.member_id}"
            if payer.authorisation_number:
                text += f"  ·  authorisation {payer.authorisation_number}"
        lines.append(text)
    elif report.payer is not None:
        lines.append("Insurer details not included (no consent for an insurer on record).")
    first = report.reference_date.isoformat()
    lines.append(("First treatment: " if report.treatments else "Planned first treatment: ")
                 + first)
    return lines


def clinic_text(p: Prescriber) -> str:
    who = ", ".join(x for x in (p.name.strip(), p.specialty.strip()) if x)
    return "\n".join(x for x in (who, p.clinic_address.strip()) if x)


def signature_text(p: Prescriber) -> str:
    who = ", ".join(v for v in (p.name, p.specialty) if v) or "Prescriber (name, specialty)"
    ident = f"Provider ID {p.provider_id}" if p.provider_id else "Provider ID"
    return f"Signature · {who}\n{ident}"


def photo_label(index: int, photo: ReportPhoto) -> str:
    return ("Before" if index == 0 else "After") + (
        f" · {photo.taken_on.isoformat()}" if photo.taken_on else "")


def clinician_note_text(report: PayerReport) -> str:
    return "\n".join(f"{what}: {body}" for what, body in report.clinician_notes)


def hidden_cycles_text(hidden: int) -> str:
    return (f"{hidden} earlier cycles (and their sessions) are left out here to keep the report "
            "short; every period is in the course report and the JSON.")


def photos_of(options: ReportOptions) -> Sequence[ReportPhoto]:
    return options.photos[:2]
