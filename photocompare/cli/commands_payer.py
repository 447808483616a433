"""CLI sub-commands for payer reports (prior authorisation and renewal of onabotulinumtoxinA).

    photocompare treatment add --patient P --date D [--units 155] [--sites 31]
                               [--follow-the-pain-units N] [--lot L] [--expiry D] [--injector NAME]
    photocompare treatment list --patient P [--json]
    photocompare questionnaire add --patient P --date D (--midas N1,...,N5 | --hit6 P1,...,P6)
    photocompare preventive add --patient P --drug NAME --class CLASS --start D [--stop D]
                               [--dose TEXT] --outcome OUTCOME [--note TEXT]
    photocompare preventive list --patient P [--json]
    photocompare diagnosis set --patient P --icd10 CODE [--onset D]
    photocompare payer set --patient P --name NAME [--plan P] [--member-id M] [--authorisation A]
    photocompare report initial|renewal --patient P [--payer nice|ehf|ahs|FILE.toml]
                               [--period LABEL] -o OUT.pdf [--json] [--deidentify]
                               [--photos BEFORE_ID,AFTER_ID]

Every command takes --library/--store. Exit codes: 0 done; 2 bad arguments, unknown patient, or a
patient without the data the report needs (one line saying what is missing; no file written).
Treatments and questionnaires go through library/course_repo.py, the same functions as the
app's session and questionnaire editors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from photocompare.cli.commands_library import add_library_arguments, open_library, require_patient
from photocompare.settings import Prescriber

OUTCOME_CHOICES = ("ineffective", "not-tolerated", "contraindicated", "ongoing")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must be 0 or more")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must be 0 or more")
    return value


def _patient_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--patient", required=True, metavar="ID", help="the patient's ID (MRN)")
    add_library_arguments(p)


def register(sub: argparse._SubParsersAction) -> None:
    """Add treatment, questionnaire, preventive, diagnosis, payer and report."""
    from photocompare.core.payer_rules import PREVENTIVE_CLASSES

    t = sub.add_parser("treatment", help="record or list onabotulinumtoxinA sessions")
    tsub = t.add_subparsers(dest="treatment_command", metavar="ACTION", required=True)
    p = tsub.add_parser("add", help="record an injection session")
    _patient_arg(p)
    p.add_argument("--date", required=True, type=_date, metavar="D")
    p.add_argument("--units", type=_number, metavar="U",
                   help="units at the fixed sites (155 by the PREEMPT paradigm)")
    p.add_argument("--sites", type=_count, metavar="N", help="number of injection sites")
    p.add_argument("--follow-the-pain-units", type=_number, metavar="N",
                   help="extra units at follow-the-pain sites (added to the total)")
    p.add_argument("--lot", default="", metavar="L")
    p.add_argument("--expiry", type=_date, metavar="D")
    p.add_argument("--injector", default="", metavar="NAME")
    p.set_defaults(func=run_treatment_add)
    p = tsub.add_parser("list", help="list a patient's sessions with their intervals")
    _patient_arg(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_treatment_list)

    q = sub.add_parser("questionnaire", help="record a MIDAS or HIT-6 questionnaire")
    qsub = q.add_subparsers(dest="questionnaire_command", metavar="ACTION", required=True)
    p = qsub.add_parser("add", help="score and store a questionnaire")
    _patient_arg(p)
    p.add_argument("--date", required=True, type=_date, metavar="D")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--midas", metavar="N1,N2,N3,N4,N5", help="the 5 answers in days")
    which.add_argument("--hit6", metavar="P1,...,P6",
                       help="the 6 answers as points (6, 8, 10, 11, 13) or words "
                            "(never, rarely, sometimes, very often, always)")
    p.set_defaults(func=run_questionnaire_add)

    v = sub.add_parser("preventive", help="record or list prior preventive treatments")
    vsub = v.add_subparsers(dest="preventive_command", metavar="ACTION", required=True)
    p = vsub.add_parser("add", help="record a preventive treatment")
    _patient_arg(p)
    p.add_argument("--drug", required=True, metavar="NAME")
    p.add_argument("--class", dest="drug_class", required=True, choices=PREVENTIVE_CLASSES,
                   metavar="CLASS", help=", ".join(PREVENTIVE_CLASSES))
    p.add_argument("--start", required=True, type=_date, metavar="D")
    p.add_argument("--stop", type=_date, metavar="D")
    p.add_argument("--dose", default="", metavar="TEXT")
    p.add_argument("--outcome", required=True, choices=OUTCOME_CHOICES)
    p.add_argument("--note", default="", metavar="TEXT")
    p.set_defaults(func=run_preventive_add)
    p = vsub.add_parser("list", help="list a patient's preventive treatments")
    _patient_arg(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_preventive_list)

    g = sub.add_parser("diagnosis", help="set the patient's diagnosis (ICD-10, onset)")
    gsub = g.add_subparsers(dest="diagnosis_command", metavar="ACTION", required=True)
    p = gsub.add_parser("set", help="record or change the diagnosis")
    _patient_arg(p)
    p.add_argument("--icd10", required=True, metavar="CODE", help="e.g. G43.7")
    p.add_argument("--onset", type=_date, metavar="D", help="date of onset")
    p.set_defaults(func=run_diagnosis_set)

    y = sub.add_parser("payer", help="set the patient's insurer")
    ysub = y.add_subparsers(dest="payer_command", metavar="ACTION", required=True)
    p = ysub.add_parser("set", help="record or change the insurer")
    _patient_arg(p)
    p.add_argument("--name", required=True, metavar="NAME", help="insurer")
    p.add_argument("--plan", default="", metavar="PLAN")
    p.add_argument("--member-id", default="", metavar="ID")
    p.add_argument("--authorisation", default="", metavar="NUMBER")
    p.set_defaults(func=run_payer_set)

    r = sub.add_parser("report", help="payer report (initial approval or renewal) as PDF/JSON")
    r.add_argument("kind", choices=("initial", "renewal"))
    _patient_arg(r)
    r.add_argument("--payer", default="nice", metavar="nice|ehf|ahs|FILE.toml",
                   help="payer profile (default nice)")
    r.add_argument("--period", metavar="LABEL",
                   help="renewal: the period to assess, e.g. 'cycle 2' (default: the last "
                        "cycle with diary coverage of at least 80 %%)")
    r.add_argument("-o", "--output", metavar="OUT.pdf", help="the PDF to write")
    r.add_argument("--json", action="store_true", help="print one JSON object")
    r.add_argument("--deidentify", action="store_true",
                   help="ID only: no name, birth year or payer member number")
    r.add_argument("--photos", metavar="BEFORE_ID,AFTER_ID",
                   help="add this before/after photo pair (needs the patient's insurer consent)")
    r.add_argument("--today", type=_date, metavar="D",
                   help="end of the latest cycle (default: the last recorded day)")
    signer = r.add_argument_group("who signs the PDF (the app keeps these in its settings)")
    signer.add_argument("--prescriber", default="", metavar="NAME")
    signer.add_argument("--specialty", default="", metavar="TEXT")
    signer.add_argument("--provider-id", default="", metavar="ID",
                        help="national provider ID (NPI, GMC number, LANR...)")
    signer.add_argument("--clinic-address", default="", metavar="TEXT",
                        help="'\\n' starts a new line")
    signer.add_argument("--logo", default="", metavar="FILE", help="clinic logo (PNG/JPEG)")
    r.set_defaults(func=run_report)


def _prescriber(args: argparse.Namespace) -> Prescriber:
    """Who signs the report, from the options (the CLI does not read the app's own settings)."""
    return Prescriber(name=args.prescriber.strip(), specialty=args.specialty.strip(),
                      provider_id=args.provider_id.strip(),
                      clinic_address=args.clinic_address.replace("\\n", "\n").strip(),
                      logo_path=args.logo.strip())


def _fail(message: str) -> int:
    print(f"photocompare: {message}", file=sys.stderr)
    return 2


# --------------------------------------------------------------------------- editors


def run_treatment_add(args) -> int:
    from photocompare.core.course_figures import Treatment
    from photocompare.core.payer_report import TreatmentExtra
    from photocompare.library.course_repo import save_treatment
    from photocompare.library.payer_repo import save_treatment_extra

    if args.expiry and args.expiry < args.date:
        return _fail(f"--expiry {args.expiry} is before the session ({args.date}): expired lot")
    total = None
    if args.units is not None or args.follow_the_pain_units is not None:
        total = (args.units or 0.0) + (args.follow_the_pain_units or 0.0)
    with open_library(args) as library:
        patient = require_patient(library, args.patient)
        save_treatment(library, patient.id, Treatment(
            args.date, product="onabotulinumtoxinA", lot=args.lot.strip(), expiry=args.expiry,
            injector=args.injector.strip(), total_units=total))
        if args.sites is not None or args.follow_the_pain_units is not None:
            save_treatment_extra(library, patient.id, args.date,
                                 TreatmentExtra(args.sites, args.follow_the_pain_units))
    from photocompare.core.figures_format import fmt_num

    units = "" if total is None else f", {fmt_num(total)} U"
    print(f"treatment {args.date.isoformat()} recorded for {args.patient}{units}")
    return 0


def run_treatment_list(args) -> int:
    from photocompare.core.figures_format import fmt_num, json_value
    from photocompare.core.payer_report import treatment_lines
    from photocompare.library.course_repo import load_treatments
    from photocompare.library.payer_repo import load_treatment_extras
    from photocompare.settings import PayerSettings

    with open_library(args) as library:
        patient = require_patient(library, args.patient)
        lines = treatment_lines(load_treatments(library, patient.id),
                                 load_treatment_extras(library, patient.id), PayerSettings())
    if args.json:
        out = [{**t.to_json(), "follow_the_pain_units": json_value(t.follow_the_pain_units),
                "expiry": t.expiry.isoformat() if t.expiry else None, "injector": t.injector,
                "short_interval": t.short_interval} for t in lines]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if not lines:
        print(f"no treatment recorded for {args.patient}")
        return 0
    for t in lines:
        interval = "" if t.interval_days is None else f"  after {t.interval_days} days"
        flag = "  (short interval)" if t.short_interval else ""
        units = "–" if t.units is None else f"{fmt_num(t.units)} U"
        sites = "" if t.sites is None else f"  {t.sites} sites"
        lot = f"  lot {t.lot}" if t.lot else ""
        print(f"{t.date.isoformat()}  {units}{sites}{lot}{interval}{flag}")
    return 0


def _items(text: str) -> list[str]:
    return [x.strip() for x in text.split(",")]


def run_questionnaire_add(args) -> int:
    from photocompare.core.errors import CourseError
    from photocompare.core.questionnaires import hit6, midas
    from photocompare.library.course_repo import save_questionnaire

    try:
        if args.midas is not None:
            values = []
            for i, x in enumerate(_items(args.midas), start=1):
                if not x.isdigit():
                    return _fail(f"--midas answer {i}: {x!r} is not a whole number of days")
                values.append(int(x))
            result = midas(args.date, values)
        else:
            answers: list[int | str] = [int(x) if x.isdigit() else x for x in _items(args.hit6)]
            result = hit6(args.date, answers)
    except CourseError as exc:
        return _fail(str(exc))
    with open_library(args) as library:
        patient = require_patient(library, args.patient)
        save_questionnaire(library, patient.id, result)
    kind = "MIDAS" if result.kind == "midas" else "HIT-6"
    grade = f" (grade {result.grade})" if result.kind == "midas" else f" ({result.grade})"
    print(f"{kind} {args.date.isoformat()} recorded for {args.patient}: {result.score}{grade}")
    return 0


def run_preventive_add(args) -> int:
    from photocompare.core.payer_report import PreventiveTrial
    from photocompare.library.payer_repo import save_preventive

    trial = PreventiveTrial(args.drug.strip(), args.drug_class, args.start, args.stop,
                            args.dose.strip(), args.outcome, args.note.strip())
    with open_library(args) as library:
        patient = require_patient(library, args.patient)
        save_preventive(library, patient.id, trial)
    print(f"preventive {trial.drug} ({trial.drug_class}, {trial.outcome}) recorded for "
          f"{args.patient}")
    return 0


def run_preventive_list(args) -> int:
    from photocompare.library.payer_repo import load_preventives

    with open_library(args) as library:
        patient = require_patient(library, args.patient)
        rows = load_preventives(library, patient.id)
    if args.json:
        print(json.dumps([{"id": s.id, "drug": s.value.drug, "class": s.value.drug_class,
                           "dose": s.value.dose, "start": s.value.start.isoformat(),
                           "stop": s.value.stop.isoformat() if s.value.stop else None,
                           "outcome": s.value.outcome, "note": s.value.note} for s in rows],
                         indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print(f"no preventive recorded for {args.patient}")
    for s in rows:
        p = s.value
        stop = p.stop.isoformat() if p.stop else "ongoing"
        dose = f"  {p.dose}" if p.dose else ""
        print(f"{p.drug} ({p.drug_class}){dose}  {p.start.isoformat()}..{stop}  {p.outcome}")
    return 0


def run_diagnosis_set(args) -> int:
    from photocompare.core.payer_report import Diagnosis
    from photocompare.library.payer_repo import set_diagnosis

    with open_library(args) as library:
        patient = require_patient(library, args.patient)
        set_diagnosis(library, patient.id, Diagnosis(args.icd10, args.onset))
    print(f"diagnosis {args.icd10.strip().upper()} recorded for {args.patient}")
    return 0


def run_payer_set(args) -> int:
    from photocompare.core.payer_report import PayerDetails
    from photocompare.library.payer_repo import set_payer

    with open_library(args) as library:
        patient = require_patient(library, args.patient)
        set_payer(library, patient.id, PayerDetails(args.name, args.plan, args.member_id,
                                                     args.authorisation))
    print(f"payer {args.name.strip()} recorded for {args.patient}")
    return 0


# --------------------------------------------------------------------------- report


def _photo_ids(text: str | None) -> list[int] | None:
    if not text:
        return None
    parts = _items(text)
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"--photos {text!r}: give two photo ids, BEFORE,AFTER (e.g. 12,57)")
    return [int(p) for p in parts]


def run_report(args) -> int:
    from photocompare.core.payer_report import build_payer_report
    from photocompare.core.payer_rules import get_profile
    from photocompare.library import audit
    from photocompare.library.payer_repo import (
        has_insurer_consent,
        load_payer_inputs,
        load_report_photos,
    )

    if not args.output and not args.json:
        return _fail("report needs -o OUT.pdf (or --json)")
    output = Path(args.output) if args.output else None
    if output is not None and output.suffix.lower() != ".pdf":
        return _fail(f"{output.name}: the output must end in .pdf")
    if output is not None and not output.parent.is_dir():
        return _fail(f"{output}: folder {output.parent} does not exist")
    if args.logo and not Path(args.logo).is_file():
        return _fail(f"{args.logo}: logo file not found")
    try:
        photo_ids = _photo_ids(args.photos)
    except ValueError as exc:
        return _fail(str(exc))
    profile = get_profile(args.payer)
    with open_library(args) as library:
        patient = require_patient(library, args.patient)
        inputs = load_payer_inputs(library, patient.id)
        report = build_payer_report(args.kind, inputs, profile, period=args.period,
                                    today=args.today)
        include_payer = False
        if report.payer is not None and output is not None:
            include_payer = has_insurer_consent(library, patient.id)
            if not include_payer:
                print(f"photocompare: patient {args.patient}: payer details left out — no "
                      "consent for an insurer on record (photocompare consent set ... --use "
                      "insurer)", file=sys.stderr)
        photos = None
        if photo_ids is not None and output is not None:
            photos = load_report_photos(library, patient.id, photo_ids)  # checks consent
        if output is not None:
            from photocompare.export.payer_report_pdf import render_payer_pdf
            render_payer_pdf(report, output, prescriber=_prescriber(args),
                             deidentify=args.deidentify, include_payer=include_payer,
                             photos=photos)
            audit.record(library, audit.PAYER_REPORT_EXPORTED, patient_id=patient.id, details={
                "file": output.name, "kind": report.kind, "profile": profile.key,
                "deidentified": bool(args.deidentify), "payer_details": include_payer,
                "photo_ids": photo_ids or [], "use": "insurer"})
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        print(output)
    return 0
