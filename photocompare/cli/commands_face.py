"""CLI sub-commands for face analysis: `check` (consistency of a before/after pair) and `align`.

    photocompare check BEFORE AFTER [--json]
    photocompare check --batch PAIRS.csv [--json]        # header: before,after
    photocompare align BEFORE AFTER -o OUT.png|.jpg [--side-by-side] [--match-lighting]
    photocompare align --batch JOBS.csv [--side-by-side]  # header: before,after,output

The landmark model is loaded once per process. Exit codes: check → 0 whenever the analysis ran
(also inconsistent or faceless pairs), 2 with one stderr line for an unreadable file; batch
forms go on after a bad pair and exit 1 if any pair could not be processed. A relative path in
a CSV is taken as given when it exists (from the current folder), else relative to the CSV's
folder (so relative output paths land beside the CSV).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path
from typing import Any

from photocompare.core.errors import PhotoCompareError, UnreadablePhoto

_STATUS_LABEL = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}


class BadJobFile(PhotoCompareError):
    """A batch CSV that cannot be used."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's sub-commands to the `photocompare` parser."""
    check = sub.add_parser(
        "check",
        help="check that a before/after pair is comparable (angle, framing, lighting, ...)",
        description="Check that BEFORE and AFTER are comparable: head angle, framing, lighting, "
        "expression, sharpness, same person; align AFTER onto BEFORE; brow and eyelid changes "
        "with their measurement noise.",
    )
    check.add_argument("photos", nargs="*", metavar="PHOTO", help="BEFORE AFTER")
    check.add_argument("--batch", metavar="PAIRS.csv", help="CSV with a header before,after")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.add_argument("--no-align", action="store_true", help="skip the alignment")
    check.set_defaults(func=_cmd_check)

    align = sub.add_parser(
        "align",
        help="write AFTER aligned onto BEFORE (or the pair side by side)",
        description="Align AFTER onto BEFORE using landmarks that the treatment does not move.",
    )
    align.add_argument("photos", nargs="*", metavar="PHOTO", help="BEFORE AFTER")
    align.add_argument("-o", "--output", metavar="OUT", help="output .png or .jpg")
    align.add_argument("--batch", metavar="JOBS.csv", help="CSV with a header before,after,output")
    align.add_argument("--side-by-side", action="store_true", help="write BEFORE | aligned AFTER")
    align.add_argument(
        "--match-lighting",
        action="store_true",
        help="also match exposure/colour of AFTER to BEFORE (display only; labelled 'adjusted')",
    )
    align.set_defaults(func=_cmd_align)


# -- check --------------------------------------------------------------------------------------
def _cmd_check(args: argparse.Namespace) -> int:
    from photocompare.core.face import FaceAnalyzer
    from photocompare.core.pairing import compare_photos

    if args.batch:
        if args.photos:
            return _usage("check: give either BEFORE AFTER or --batch PAIRS.csv, not both")
        jobs = _read_jobs(Path(args.batch), ("before", "after"))
    else:
        if len(args.photos) != 2:
            return _usage("check: expected BEFORE AFTER (or --batch PAIRS.csv)")
        for p in args.photos:
            _require_file(Path(p))
        jobs = None

    with FaceAnalyzer() as analyzer:
        if jobs is None:
            result = compare_photos(
                args.photos[0], args.photos[1], analyzer, align=not args.no_align
            )
            if args.json:
                print(json.dumps(result.to_json(), ensure_ascii=False))
            else:
                print(_report(result))
            return 0
        any_error = False
        for i, job in enumerate(jobs):
            if job.get("error"):
                any_error = True
                _emit_batch_error(job, job["error"], args.json)
                continue
            try:
                result = compare_photos(
                    job["before"], job["after"], analyzer, align=not args.no_align
                )
            except PhotoCompareError as exc:
                any_error = True
                _emit_batch_error(job, str(exc), args.json)
                continue
            if args.json:
                out = result.to_json()
                out["error"] = None
                print(json.dumps(out, ensure_ascii=False), flush=True)
            else:
                if i:
                    print()
                print(_report(result), flush=True)
        return 1 if any_error else 0


def _emit_batch_error(job: dict[str, Any], reason: str, as_json: bool) -> None:
    print(f"photocompare: {reason}", file=sys.stderr, flush=True)
    if as_json:
        print(
            json.dumps(
                {
                    "before": {"path": str(job["before"])},
                    "after": {"path": str(job["after"])},
                    "checks": None,
                    "consistent": None,
                    "alignment": None,
                    "error": reason,
                },
                ensure_ascii=False,
            ),
            flush=True,
        )
    elif job.get("error"):
        print(f"ERROR  {reason}", flush=True)
    else:
        print(f"ERROR  {job['before']} / {job['after']}: {reason}", flush=True)


def _report(result: Any) -> str:
    lines = []
    for label, photo in (("Before", result.before), ("After", result.after)):
        name = Path(photo.path).name if photo.path else "(image)"
        when = f", taken {photo.taken_at:%Y-%m-%d %H:%M}" if photo.taken_at else ""
        lines.append(f"{label + ':':8}{name}  {photo.width}x{photo.height}{when}")
        f = photo.face
        if f is None:
            lines.append("        no face found")
            continue
        which = (
            "the one most like the before photo"
            if "likeness" in f.detection
            else "the largest, most central"
        )
        more = f" ({f.faces_found} faces; {which} is measured)" if f.faces_found > 1 else ""
        lines.append(
            f"        face: eye distance {f.interocular_px:.0f} px, turn {f.yaw_deg:+.1f}°, "
            f"nod {f.pitch_deg:+.1f}°, tilt {f.roll_deg:+.1f}°, exposure {f.lighting.exposure_ev:+.2f} EV{more}"
        )
        s = f.side_effects
        lines.append(
            f"        brows above eyes R {s.brow_height_right_mm:.1f} / L {s.brow_height_left_mm:.1f} mm, "
            f"lid opening R {s.eyelid_aperture_right_mm:.1f} / L {s.eyelid_aperture_left_mm:.1f} mm "
            f"(assuming {s.assumed_iod_mm:.0f} mm between the eyes)"
        )
    lines.append("")
    for name, check in result.checks.items():
        lines.append(f"  {_STATUS_LABEL[check.status]}  {name:<11} {check.message}")
    lines.append("")
    failing = [n for n, c in result.checks.items() if c.status == "fail"]
    lines.append(
        "Comparable: yes" if result.consistent else f"Comparable: NO ({', '.join(failing)} failed)"
    )
    lines.extend(f"Note: {note}" for note in getattr(result, "notes", ()))
    from photocompare.core.side_effects import side_effect_sentences

    lines.extend(side_effect_sentences(result))
    al = result.alignment
    if al is not None:
        way = "counter-clockwise" if al.rotation_deg >= 0 else "clockwise"
        lines.append(
            f"Alignment: rotate after {abs(al.rotation_deg):.2f}° {way}, scale {al.scale:.3f}, "
            f"shift ({al.tx_px:+.1f}, {al.ty_px:+.1f}) px; residual {al.residual_iod:.3f} eye-distances"
        )
    else:
        lines.append("Alignment: not possible (no face in one of the photos)")
    return "\n".join(lines)


# -- align --------------------------------------------------------------------------------------
def _cmd_align(args: argparse.Namespace) -> int:
    from photocompare.core.face import FaceAnalyzer

    if args.batch:
        if args.photos or args.output:
            return _usage("align: give either BEFORE AFTER -o OUT or --batch JOBS.csv, not both")
        jobs = _read_jobs(Path(args.batch), ("before", "after", "output"))
    else:
        if len(args.photos) != 2 or not args.output:
            return _usage("align: expected BEFORE AFTER -o OUT.png|.jpg (or --batch JOBS.csv)")
        for p in args.photos:
            _require_file(Path(p))
        _check_output(Path(args.output), tuple(Path(p) for p in args.photos))
        jobs = None

    with FaceAnalyzer() as analyzer:
        if jobs is None:
            _align_one(
                analyzer,
                Path(args.photos[0]),
                Path(args.photos[1]),
                Path(args.output),
                args.side_by_side,
                args.match_lighting,
            )
            return 0
        any_error = False
        for job in jobs:
            if job.get("error"):
                any_error = True
                print(f"ERROR  {job['error']}", flush=True)
                print(f"photocompare: {job['error']}", file=sys.stderr, flush=True)
                continue
            try:
                out = Path(job["output"])
                _check_output(out, (Path(job["before"]), Path(job["after"])))
                _align_one(
                    analyzer,
                    Path(job["before"]),
                    Path(job["after"]),
                    out,
                    args.side_by_side,
                    args.match_lighting,
                )
                print(f"OK     {out}", flush=True)
            except PhotoCompareError as exc:
                any_error = True
                print(f"ERROR  {job['before']} / {job['after']}: {exc}", flush=True)
                print(f"photocompare: {exc}", file=sys.stderr, flush=True)
        return 1 if any_error else 0


class NoFaceToAlign(PhotoCompareError):
    pass


def _align_one(
    analyzer: Any, before: Path, after: Path, out: Path, side: bool, match: bool
) -> None:

    from photocompare.core.align import match_photometric, side_by_side, warp_with_coverage
    from photocompare.core.images import load_rgb
    from photocompare.core.pairing import compare_photos

    result = compare_photos(before, after, analyzer)
    if result.alignment is None:
        which = before if result.before.face is None else after
        raise NoFaceToAlign(f"{which.name}: no face found, cannot align")
    full_before = load_rgb(before, limits=analyzer.limits).rgb
    full_after = load_rgb(after, limits=analyzer.limits).rgb
    warped = warp_with_coverage(full_after, result.alignment, full_before.shape)
    aligned = warped.rgb
    if match:
        aligned = match_photometric(aligned, full_before, warped.coverage)
        aligned = _label(aligned, "adjusted (display only)")
    image = side_by_side(full_before, aligned) if side else aligned
    _write_image(image, out)


def _label(rgb: Any, text: str) -> Any:
    import cv2

    out = rgb.copy()
    h = out.shape[0]
    scale = max(0.5, h / 900)
    thick = max(1, int(round(scale * 2)))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    pad = int(8 * scale)
    cv2.rectangle(out, (0, 0), (tw + 2 * pad, th + base + 2 * pad), (0, 0, 0), -1)
    cv2.putText(
        out,
        text,
        (pad, pad + th),
        cv2.FONT_HERSHEY_SIMPLEX,
        scale,
        (255, 255, 255),
        thick,
        cv2.LINE_AA,
    )
    return out


def _write_image(rgb: Any, out: Path) -> None:
    from PIL import Image

    from photocompare.core.errors import ExportError

    suffix = out.suffix.lower()
    tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
    try:
        img = Image.fromarray(rgb)
        if suffix in (".jpg", ".jpeg"):
            img.save(tmp, format="JPEG", quality=95)
        else:
            img.save(tmp, format="PNG")
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"{out.name}: cannot write ({exc.strerror or exc})") from exc


# -- helpers ------------------------------------------------------------------------------------
def _usage(message: str) -> int:
    print(f"photocompare: {message}", file=sys.stderr)
    return 2


def _require_file(path: Path) -> None:
    if not path.exists():
        raise UnreadablePhoto(path, "no such file")
    if path.is_dir():
        raise UnreadablePhoto(path, "is a folder, not a photo")


def _check_output(out: Path, inputs: tuple[Path, ...] = ()) -> None:
    from photocompare.cli.commands_export import overwrites_input
    from photocompare.core.errors import ExportError

    clash = overwrites_input([out], inputs)
    if clash:
        raise ExportError(clash)

    if out.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise ExportError(f"{out.name}: output must end in .png or .jpg")
    if not out.parent.exists():
        raise ExportError(f"{out.name}: folder {out.parent} does not exist")


def _read_jobs(csv_path: Path, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows of a batch CSV (UTF-8 with or without BOM; `,` `;` or tab separated).

    A row with an empty required cell gets an "error" naming its line; the batch reports it
    and goes on with the other rows.
    """
    if csv_path.exists() and not csv_path.is_dir() and not csv_path.is_file():
        raise BadJobFile(f"{csv_path.name}: not a regular file")  # a FIFO would block for ever
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as fh:
            first = fh.readline()
            fh.seek(0)
            if first.startswith("\ufeff"):
                fh.read(1)
            delimiter = max((",", ";", "\t"), key=first.count)
            reader = csv.DictReader(fh, delimiter=delimiter)
            header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
            missing = [c for c in columns if c not in header]
            if missing:
                raise BadJobFile(
                    f"{csv_path.name}: header must name the columns {','.join(columns)} "
                    f"(missing {', '.join(missing)})"
                )
            jobs = []
            for row in reader:
                # a row longer than the header puts its extra cells in a list under None
                clean = {
                    (k or "").strip().lower(): v.strip()
                    for k, v in row.items()
                    if k is not None and isinstance(v, str)
                }
                if not any(clean.get(c) for c in columns):
                    continue  # blank line
                job: dict[str, Any] = {
                    c: _resolve(clean.get(c, ""), csv_path) for c in columns
                }
                empty = [c for c in columns if not clean.get(c)]
                if empty:
                    job["error"] = (
                        f"{csv_path.name}: line {reader.line_num}: no {', '.join(empty)}"
                    )
                jobs.append(job)
            return jobs
    except FileNotFoundError:
        raise BadJobFile(f"{csv_path.name}: no such file") from None
    except IsADirectoryError:
        raise BadJobFile(f"{csv_path.name}: is a folder, not a CSV file") from None
    except UnicodeDecodeError:
        raise BadJobFile(f"{csv_path.name}: not a UTF-8 text (CSV) file") from None
    except (OSError, csv.Error) as exc:
        raise BadJobFile(f"{csv_path.name}: cannot read ({exc})") from None


def _resolve(text: str, csv_path: Path) -> Path:
    p = Path(text)
    if p.is_absolute() or p.exists() or not text:
        return p
    return csv_path.parent / p
