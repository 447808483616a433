"""CLI sub-commands for the migraine course.

    photocompare course --diary FILE.csv --treatment DATE [--treatment DATE ...] [--json]
                        [--skip-bad-rows] [--today DATE] [--details]
    photocompare course --patient ID [--library DIR] [--store DIR] [--json] [--today DATE]
    photocompare diary import FILE.csv --patient ID [--library DIR] [--skip-bad-rows]
    photocompare diary export FILE.csv --patient ID [--library DIR] [--summaries]

Exit codes: 0 done; 2 unreadable file, bad arguments, or bad rows (each listed on its own line
on stderr) unless --skip-bad-rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import replace

from photocompare.settings import CourseSettings

DISCLAIMER = "Flags are information for the clinician, never a decision."


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    """Add `course` and `diary` to the `photocompare` parser."""
    p = sub.add_parser("course", help="migraine frequency per period (baseline, cycles) and flags",
                       description="Headache/migraine/acute-medication days per period, per 28 "
                                   "days, change vs baseline, responder and clinical flags.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--diary", metavar="FILE.csv", action="append",
                     help="diary (or monthly-summary) CSV; may be given twice (diary + summaries)")
    src.add_argument("--patient", metavar="ID", help="a patient in the library (external or internal id)")
    p.add_argument("--treatment", metavar="DATE", type=_date, action="append", default=[],
                   help="treatment date YYYY-MM-DD (repeat for each session; with --diary)")
    p.add_argument("--library", metavar="DIR", help="library folder or database URL")
    p.add_argument("--store", metavar="DIR", help="store of originals (for a server library)")
    p.add_argument("--today", metavar="DATE", type=_date,
                   help="end of the latest cycle (default: the last recorded day)")
    p.add_argument("--baseline-days", metavar="N", type=_positive_int,
                   help=f"baseline length before the first treatment (default {CourseSettings().baseline_days})")
    p.add_argument("--skip-bad-rows", action="store_true",
                   help="use the good rows of a file with bad rows (they are listed on stderr)")
    p.add_argument("--json", action="store_true", help="print one JSON object (the documented contract)")
    p.add_argument("--details", action="store_true",
                   help="with --json: add per-class days, other changes, pre-treatment windows")
    p.set_defaults(func=run_course)

    d = sub.add_parser("diary", help="import or export a patient's headache diary (CSV)")
    dsub = d.add_subparsers(dest="diary_command", metavar="ACTION", required=True)
    imp = dsub.add_parser("import", help="import a diary or monthly-summary CSV into a patient")
    imp.add_argument("file", metavar="FILE.csv")
    imp.add_argument("--patient", metavar="ID", required=True)
    imp.add_argument("--library", metavar="DIR")
    imp.add_argument("--store", metavar="DIR")
    imp.add_argument("--skip-bad-rows", action="store_true")
    imp.set_defaults(func=run_diary_import)
    exp = dsub.add_parser("export", help="write a patient's diary as CSV (the import format)")
    exp.add_argument("file", metavar="FILE.csv")
    exp.add_argument("--patient", metavar="ID", required=True)
    exp.add_argument("--library", metavar="DIR")
    exp.add_argument("--store", metavar="DIR")
    exp.add_argument("--summaries", action="store_true", help="write the monthly summaries instead")
    exp.set_defaults(func=run_diary_export)


def _settings(args) -> CourseSettings:
    settings = CourseSettings()
    if getattr(args, "baseline_days", None):
        settings = replace(settings, baseline_days=args.baseline_days)
    return settings


def _report_bad_rows(name: str, bad_rows, skipping: bool) -> None:
    for line, reason in bad_rows:
        prefix = "skipped " if skipping else ""
        print(f"photocompare: {name}: {prefix}line {line}: {reason}", file=sys.stderr)


def run_course(args) -> int:
    from photocompare.core.course import compute_course

    settings = _settings(args)
    if args.diary:
        if not args.treatment:
            print("photocompare: course --diary needs at least one --treatment DATE", file=sys.stderr)
            return 2
        if args.today and args.today < min(args.treatment):
            print(f"photocompare: --today {args.today} is before the first treatment "
                  f"({min(args.treatment)})", file=sys.stderr)
            return 2
        from pathlib import Path

        from photocompare.core.diary_csv import parse_diary_csv

        entries, summaries, all_bad = [], [], False
        for name in args.diary:
            parsed = parse_diary_csv(name, settings)
            for warning in parsed.warnings:
                print(f"photocompare: {Path(name).name}: {warning}", file=sys.stderr)
            if parsed.bad_rows:
                _report_bad_rows(Path(name).name, parsed.bad_rows, args.skip_bad_rows)
                all_bad = True
            entries += parsed.entries
            summaries += parsed.summaries
        if all_bad and not args.skip_bad_rows:
            print("photocompare: nothing used; fix the rows above or pass --skip-bad-rows",
                  file=sys.stderr)
            return 2
        report = compute_course(entries, summaries, args.treatment, today=args.today,
                                settings=settings)
    else:
        if args.treatment:
            print("photocompare: --treatment goes with --diary; a library patient's treatments "
                  "come from the library", file=sys.stderr)
            return 2
        from photocompare.cli.commands_library import open_library
        from photocompare.library import course_api

        with open_library(args) as library:
            report = course_api.load_report(
                library, args.patient, today=args.today, settings=settings
            )
    if args.json:
        print(json.dumps(report.to_json(details=args.details), indent=2, ensure_ascii=False))
    else:
        print(format_report(report))
    return 0


def _f(x, suffix: str = "") -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):  # the one rounding rule: never shown across a flag's threshold
        from photocompare.core.figures_format import shown_value

        return f"{shown_value(x):.1f}{suffix}"
    return f"{x}{suffix}"


def format_report(report) -> str:
    """Readable text: a table of periods, one sentence per cycle, the flags."""
    from photocompare.core.course import summary_sentence
    from photocompare.core.figures_format import shown_value

    if not report.periods:
        return "\n".join(report.flags.notes)
    header = ("period", "dates", "days", "recorded", "headache/28", "migraine/28", "acute med/28",
              "intensity", "change", "≥30%", "≥50%")
    rows = [header]
    for p in report.periods:
        rows.append((
            p.label, f"{p.start.isoformat()}..{p.end.isoformat()}", str(p.days),
            f"{p.days_recorded} ({shown_value(p.coverage * 100, 0):.0f}%)"
            f"{' !' if p.coverage_warning else ''}",
            _f(p.headache_days_per_28), _f(p.migraine_days_per_28), _f(p.acute_med_days_per_28),
            _f(p.mean_intensity),
            "-" if p.headache_change_pct is None else f"{shown_value(p.headache_change_pct):+.1f}%",
            _f(p.responder_30), _f(p.responder_50)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.append("")
    lines += [summary_sentence(report, p) if p.kind == "baseline"
              else f"{p.label.capitalize()}: {summary_sentence(report, p)}" for p in report.periods]
    flags = report.flags
    chronic = {True: "yes", False: "no", None: "cannot be assessed"}[flags.chronic_migraine_baseline]
    lines += ["", f"Chronic migraine at baseline (ICHD-3 frequency): {chronic}"]
    lines += [f"Medication overuse: {f.message}" for f in flags.medication_overuse]
    if not flags.medication_overuse:
        lines.append("Medication overuse: none flagged")
    if flags.notes:
        lines += ["", "Notes:"] + [f"- {n}" for n in flags.notes]
    lines += ["", DISCLAIMER]
    return "\n".join(lines)


def run_diary_import(args) -> int:
    from photocompare.cli.commands_library import open_library
    from photocompare.library import course_api

    with open_library(args) as library:
        result = course_api.import_csv(library, args.patient, args.file,
                                       skip_bad_rows=args.skip_bad_rows)
    from pathlib import Path

    name = Path(args.file).name
    for warning in result.warnings:
        print(f"photocompare: {name}: {warning}", file=sys.stderr)
    _report_bad_rows(name, result.bad_rows, args.skip_bad_rows)
    if not result.applied:
        print(f"photocompare: {name}: nothing imported ({len(result.bad_rows)} bad rows); fix "
              "them or pass --skip-bad-rows", file=sys.stderr)
        return 2
    what = "days" if result.kind == "diary" else "monthly summaries"
    print(f"{name}: {result.inserted} {what} added, {result.updated} changed, "
          f"{result.unchanged} unchanged, {result.skipped_bad_rows} bad rows skipped")
    return 0


def run_diary_export(args) -> int:
    from photocompare.cli.commands_library import open_library
    from photocompare.library import course_api

    with open_library(args) as library:
        count = course_api.export_csv(library, args.patient, args.file, summaries=args.summaries)
    print(f"{args.file}: {count} {'monthly summaries' if args.summaries else 'days'} written")
    return 0


