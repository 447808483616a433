"""CLI sub-commands for capture at the chair: `watch` (a hot folder) and `guide` (live camera).

    photocompare watch DIR --patient P [--library ...] [--json] [--existing]
    photocompare guide --source CAMERA_INDEX|VIDEO_FILE --baseline PHOTO [--json]
                       [--auto-capture DIR] [--hold N] [--max-frames N]

`watch --json` prints one object per line: `{"event": "watching", "folder"}` once it watches,
then per file `{"event": "photo", "path", "status", "reason", "photo_id", "view",
"expression", "baseline_photo_id", "check"}`, and on SIGINT/SIGTERM `{"event": "stopped",
"imported", "duplicates", "rejected"}` (exit 0). A folder that does not exist or vanishes is
one line on stderr and exit 2; a non-photo is a `rejected` line and the watch goes on.

`guide --json` prints per processed frame `{"event": "frame", "index", "face", "yaw_diff_deg",
"pitch_diff_deg", "roll_diff_deg", "scale_ratio", "offset_iod", "exposure_diff_ev", "ready"}`
(after − before, as in `check`), `{"event": "captured", "path", "index"}` per saved frame, and
last `{"event": "done", "frames", "processed", "fps"}`. A camera or video that cannot be opened
is one line and exit 2.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from photocompare.cli.commands_library import add_library_arguments, open_library
from photocompare.core.errors import PhotoCompareError


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's sub-commands to the `photocompare` parser."""
    p = sub.add_parser(
        "watch",
        help="import, label and check each new photo dropped in a folder (a hot folder)",
        description="Watch DIR: each complete new photo is imported for the patient, labelled "
        "and checked against the patient's baseline photo of the same view and expression. "
        "Stop with Ctrl+C.",
    )
    p.add_argument("folder", metavar="DIR", help="the folder the camera software writes to")
    p.add_argument("--patient", required=True, metavar="ID", help="patient id (MRN); created if new")
    add_library_arguments(p)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument(
        "--existing", action="store_true", help="also take the files already in the folder"
    )
    p.set_defaults(func=cmd_watch)

    g = sub.add_parser(
        "guide",
        help="live guidance from a camera or video against a baseline photo",
        description="Compare each frame of a camera or video file with the baseline photo: "
        "head angle, distance, position and exposure; optionally save the frame when all match.",
    )
    g.add_argument(
        "--source", required=True, metavar="CAMERA_INDEX|VIDEO_FILE",
        help="camera number (0 = the first camera) or a video file",
    )
    g.add_argument("--baseline", required=True, metavar="PHOTO", help="the baseline photo")
    g.add_argument("--json", action="store_true", help="one JSON object per line")
    g.add_argument(
        "--auto-capture", metavar="DIR", default=None,
        help="save the full-resolution frame into DIR after a hold of ready frames",
    )
    g.add_argument(
        "--hold", type=_positive_int, default=None, metavar="N",
        help="consecutive ready frames before a capture (default from settings)",
    )
    g.add_argument(
        "--max-frames", type=_positive_int, default=None, metavar="N",
        help="stop after N frames read from the source",
    )
    g.set_defaults(func=cmd_guide)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {value}")
    return value


def _emit(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


class _StopOnSignal:
    """SIGINT/SIGTERM set an event (the loop finishes the file in hand, then reports)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> threading.Event:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, lambda *_: self.event.set())
        return self.event

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


# -- watch --------------------------------------------------------------------------------------
def cmd_watch(args: argparse.Namespace) -> int:
    from photocompare.core.hot_folder import FolderWatcher
    from photocompare.settings import Settings

    settings = Settings()
    watcher = FolderWatcher(
        args.folder, include_existing=args.existing, settings=settings.capture,
        limits=settings.images,
    )
    watcher.start()  # FolderUnavailable -> one line, exit 2 (before the library is touched)

    from photocompare.core.face import FaceAnalyzer
    from photocompare.library.hot_folder_import import HotFolderImporter

    with _StopOnSignal() as stop, open_library(args, create=True) as library:
        with FaceAnalyzer(limits=library.limits) as analyzer:
            importer = HotFolderImporter(library, args.patient, analyzer, settings.checks)
            folder = str(watcher.folder)
            if args.json:
                _emit({"event": "watching", "folder": folder})
            else:
                print(f"watching {folder} for patient {args.patient} (Ctrl+C to stop)", flush=True)
            for complete in watcher.watch(stop):
                result = importer.handle(complete)
                if result.status == "rejected":
                    print(f"photocompare: {result.path}: {result.reason}", file=sys.stderr, flush=True)
                if args.json:
                    _emit(result.to_json())
                else:
                    print(_watch_line(result), flush=True)
            counts = importer.stopped_json()
            if args.json:
                _emit(counts)
            else:
                print(
                    f"stopped: {counts['imported']} imported, {counts['duplicates']} duplicates, "
                    f"{counts['rejected']} rejected"
                )
    return 0


def _watch_line(result: Any) -> str:
    name = Path(result.path).name
    if result.status == "rejected":
        return f"rejected   {name}: {result.reason}"
    if result.status == "duplicate":
        return f"duplicate  {name}: {result.reason}"
    labels = " ".join(x for x in (result.view, result.expression) if x) or "no face found"
    head = f"imported   {name} (photo {result.photo_id}, {labels})"
    if result.check is None:
        return head + (f": {result.reason}" if result.reason else "")
    verdict = {"pass": "matches", "warn": "comparable, with warnings", "fail": "RETAKE"}[
        result.verdict
    ]
    lines = [f"{head}: {verdict} vs photo {result.baseline_photo_id}"]
    for name_, check in result.check["checks"].items():
        if check["status"] != "pass":
            lines.append(f"    {check['status'].upper():4}  {name_:<10} {check['message']}")
    lines.extend(f"    note  {n}" for n in result.check.get("notes", []))
    return "\n".join(lines)


# -- guide --------------------------------------------------------------------------------------
def cmd_guide(args: argparse.Namespace) -> int:
    from photocompare.core.live_guide import LiveGuide
    from photocompare.core.live_words import guidance_words
    from photocompare.settings import Settings

    settings = Settings()
    hold = args.hold or settings.capture.hold_frames
    capture_dir = Path(args.auto_capture) if args.auto_capture else None
    if capture_dir is not None:
        _require_folder(capture_dir)
    guide = LiveGuide(
        args.source, args.baseline, thresholds=settings.checks, capture=settings.capture,
        limits=settings.images, hold_frames=hold, capture_dir=capture_dir,
    )

    def on_frame(g: Any) -> None:
        if args.json:
            _emit(g.to_json())
        else:
            state = "READY" if g.ready else "     "
            words = "; ".join(guidance_words(g)) if g.face else "no face"
            print(f"frame {g.index:>5} {state} {words}", flush=True)

    def on_capture(path: Path, index: int) -> None:
        if args.json:
            _emit({"event": "captured", "path": str(path), "index": index})
        else:
            print(f"captured frame {index} -> {path}", flush=True)

    with _StopOnSignal() as stop:
        summary = guide.run(
            on_result=on_frame, on_capture=on_capture, max_frames=args.max_frames, stop=stop
        )
    if args.json:
        _emit(summary.to_json())
    else:
        print(
            f"done: {summary.frames} frames read, {summary.processed} analysed "
            f"({summary.fps:.1f} per second)"
        )
    return 0


def _require_folder(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise PhotoCompareError(f"{path}: not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PhotoCompareError(f"{path}: cannot create the folder ({exc.strerror or exc})") from None
