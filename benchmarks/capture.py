"""Capture-at-the-chair benchmarks: hot-folder verdict latency (P6) and live guidance rate (P7).

P6 runs the real `photocompare watch --json` in a subprocess, drops 12 MP camera-like JPEGs into
its folder one at a time and times each verdict line from the moment the file is closed; the
baseline is a full OpenCV decode of the same file, measured in the same run.

P7 makes a 1280×720 MJPG video (300 frames; 60 with --quick) of a real face moving slightly (a ±3° tilt sway, so
the landmarker tracks a live-like head) and, in one process, alternates two runs over that same
file, `live_repeats` times:

* bare: a plain loop on one thread — read and decode a frame (`cv2.VideoCapture.read`), convert
  it to RGB, MediaPipe FaceLandmarker in VIDEO mode (one face, transformation matrix on) on the
  full 1280×720 frame — timed from before the first read to after the last landmarks;
* guide: `LiveGuide(video, baseline).run()` — every frame of the file read, landmarked on the
  full frame by the same model in VIDEO mode, and given every check (registration and roll,
  exposure, colour, light direction, blur, identity, readiness), timed from the first frame read
  to the last frame's result, as the guide's own `done` line reports it. Before that clock
  starts, `run()` prepares the baseline's share (its reduced copy, its half of the pair
  measures, the registration template, the identity model and the baseline's descriptor) just
  as the bare loop creates its landmarker before its clock; the live face's descriptor, and
  everything per frame, is inside the clock.

Both figures are frames processed per second of wall time, every one of the 300 frames in each
run (the run fails if either processes or finds a face in fewer). Nothing passes between the
bare loop and the guide. One `Baseline` (the baseline photo measured once, as a guide window
keeps its baseline) serves every repeat, with what it keeps once made: its prepared halves and
the blurred ladder rungs of its blur half, filled on first use. The guide uses its pipeline (reader, landmark and measure
threads, so one frame's measures overlap the next frame's landmarks, with OpenCV's own thread
pool off while it runs); the bare loop is the single-threaded loop an integration would write,
with OpenCV's default threads. The ratio is the median of per-repeat ratios.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks import photos

LIVE_SIZE = (1280, 720)


# -- P6 -------------------------------------------------------------------------------------------
def hot_folder_latency(workdir: Path, drops: int, baseline_photo: Path, workers: int = 2) -> dict:
    """Median seconds from a dropped 12 MP file being closed to its verdict line."""
    import cv2

    staging = workdir / "hot-staging"
    files = photos.make_variants(staging, drops, photos.TWELVE_MP, workers)
    library = workdir / "hot-library"
    hot = workdir / "hot-folder"
    hot.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    run = [sys.executable, "-m", "photocompare"]
    imported = subprocess.run(
        [*run, "import", str(baseline_photo), "--patient", "BENCH-5", "--library", str(library)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    if imported.returncode != 0:
        raise RuntimeError(f"baseline import failed: {imported.stderr.strip()[:200]}")
    proc = subprocess.Popen(
        [*run, "watch", str(hot), "--patient", "BENCH-5", "--library", str(library), "--json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    latencies: list[float] = []
    decodes: list[float] = []
    verdicts: dict[str, int] = {}
    try:
        first = json.loads(proc.stdout.readline() or "{}")
        if first.get("event") != "watching":
            raise RuntimeError(f"watch did not start: {proc.stderr.read()[:200]}")
        for i, src in enumerate(files):
            data = src.read_bytes()
            target = hot / f"IMG_{i:04d}.jpg"
            with open(target, "wb") as fh:
                fh.write(data)
            closed = time.monotonic()
            line = proc.stdout.readline()
            latencies.append(time.monotonic() - closed)
            event = json.loads(line)
            check = event.get("check") or {}
            verdict = "consistent" if check.get("consistent") else (
                "inconsistent" if check else event.get("status", "?"))
            verdicts[verdict] = verdicts.get(verdict, 0) + 1
            t0 = time.perf_counter()
            cv2.imread(str(target), cv2.IMREAD_COLOR)
            decodes.append(time.perf_counter() - t0)
            time.sleep(0.3)  # the next photo comes a moment later, as at the chair
        proc.terminate()
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return {
        "drops": len(latencies),
        "median_s": statistics.median(latencies),
        "max_s": max(latencies),
        "decode_median_s": statistics.median(decodes),
        "verdicts": verdicts,
        "bytes": files[0].stat().st_size,
    }


# -- P7 -------------------------------------------------------------------------------------------
def make_live_video(path: Path, frames: int) -> Path:
    import cv2

    rgb = photos.camera_like_rgb(LIVE_SIZE, seed=7)
    w, h = LIVE_SIZE
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (w, h))
    for k in range(frames):
        angle = 3.0 * np.sin(2 * np.pi * k / 60)
        m = cv2.getRotationMatrix2D((w / 2, h * 0.45), angle, 1.0)
        frame = cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def bare_landmarker_fps(video: Path) -> tuple[float, int]:
    """Frames per second of a plain loop: read, convert, MediaPipe VIDEO-mode landmarks."""
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    from photocompare.core import quiet
    from photocompare.core.model_file import find_model

    with quiet.native_stderr_silenced():
        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(find_model())),
            running_mode=vision.RunningMode.VIDEO,
            num_faces=1,
            output_facial_transformation_matrixes=True,
        )
        landmarker = vision.FaceLandmarker.create_from_options(options)
    cap = cv2.VideoCapture(str(video))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    n, faces = 0, 0
    started = time.perf_counter()
    try:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
            with quiet.native_stderr_silenced():
                result = landmarker.detect_for_video(image, int(n * 1000 / fps))
            faces += bool(result.face_landmarks)
            n += 1
    finally:
        elapsed = time.perf_counter() - started
        cap.release()
        with quiet.native_stderr_silenced():
            landmarker.close()
    return n / elapsed, faces


def live_fps(workdir: Path, frames: int, repeats: int) -> dict:
    from photocompare.core.live_baseline import load_baseline
    from photocompare.core.live_guide import LiveGuide

    video = make_live_video(workdir / "live-1280x720.avi", frames)
    baseline_path = photos.encode_jpeg(photos.camera_like_rgb(LIVE_SIZE, seed=8),
                                       workdir / "live-baseline.jpg")
    baseline = load_baseline(baseline_path)
    ours, bare, ratios, ready = [], [], [], []
    for _ in range(repeats):
        b, faces = bare_landmarker_fps(video)
        ready_count = [0]

        def count(g, _c=ready_count) -> None:
            _c[0] += g.ready

        summary = LiveGuide(video, baseline).run(on_result=count)
        if summary.processed != frames or faces != frames:
            raise RuntimeError(f"processed {summary.processed}, faces {faces} of {frames} frames")
        # Same clock as the bare loop: from the first frame read to the last one processed.
        o = summary.processed / summary.seconds
        ours.append(o)
        bare.append(b)
        ratios.append(o / b)
        ready.append(ready_count[0])
    return {
        "frames": frames,
        "size": list(LIVE_SIZE),
        "fps": statistics.median(ours),
        "bare_fps": statistics.median(bare),
        "ratio": statistics.median(ratios),
        "ready_frames": ready,
    }
