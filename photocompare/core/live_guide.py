"""Live guidance: each frame of a camera or video compared with the baseline photo, as `check` would.

Frames come from OpenCV's `VideoCapture` (a camera by index — USB webcam, document camera, an
HDMI capture of a camera's live view — or a video file). A frame is analysed like a photo: the
same measures (`core.face`, `core.measures`) and the same pair checks (`core.checks`, thresholds
from `settings.CheckThresholds`) against the baseline, so `ready` means exactly "every check
`photocompare check` makes would pass". Differences are AFTER − BEFORE (the frame minus the
baseline), as in `check`.

Threads and hand-offs. A reader thread grabs frames; a landmark thread runs MediaPipe's
FaceLandmarker in VIDEO mode (it tracks the face from one frame to the next instead of searching
the whole frame each time); a measure thread computes the measures, checks, guidance and the
automatic capture. The hand-offs between them hold ONE item: with a camera a new frame replaces
one that was not taken yet (frames are dropped, never queued, so guidance is never behind the
patient); with a video file each hand-off waits, so every frame is processed, as fast as the
machine allows. The landmarks and the measures of consecutive frames run at the same time, which
is what keeps the processed rate close to the bare landmarker's: the landmarker works outside
Python's GIL, so frame n+1's landmarks overlap frame n's measures on the second core. Results
still leave in frame order (one measure thread takes the frames in the order they were read),
and VIDEO mode gets increasing timestamps (one landmark thread, in reading order). `prepare()`
makes the baseline's share of every comparison before the first frame, and while a guide runs
OpenCV works on the calling thread only (`_opencv_single_threaded`).

The pieces it runs live next to it: the frame analyser (`core.live_analyzer`), the baseline and
the frame-to-baseline registration (`core.live_baseline`), one frame judged against the baseline
and the readiness rule (`core.live_evaluate`), and the guidance words (`core.live_words`). This
module holds the frame source, the threads and their hand-offs, and the automatic capture's
writing of the frame.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from photocompare.core import quiet
from photocompare.core.errors import PhotoCompareError
from photocompare.core.face_detect import Detection
from photocompare.core.live_analyzer import VideoFaceAnalyzer
from photocompare.core.live_baseline import Baseline, load_baseline
from photocompare.core.live_evaluate import (
    FrameGuidance,
    LiveIdentity,
    LiveSlowMeasures,
    evaluate_frame,
)
from photocompare.settings import CaptureSettings, CheckThresholds, ImageLimits

log = logging.getLogger(__name__)

_FILE_QUEUE_FRAMES = 3  # a video file: frames waiting between stages (a camera: one, replaced)


class CaptureSourceError(PhotoCompareError):
    """A camera or video file that cannot be opened or read."""


# -- OpenCV's own thread pool while a guide runs -----------------------------------------------------
_CV_LOCK = threading.Lock()
_cv_runs = 0
_cv_threads_before = 0


@contextlib.contextmanager
def _opencv_single_threaded() -> Iterator[None]:
    """OpenCV calls run on the calling thread only while a guide runs. The guide already keeps
    the cores busy with its own stages (frame decoding, landmarks, measures); OpenCV splitting
    each small resize, blur or warp of a frame across its pool on top of that only adds hand-offs
    and waiting for a core (measured: about a tenth of the CPU time per frame). The setting is
    process-wide, so it is put back when the last running guide ends."""
    global _cv_runs, _cv_threads_before
    with _CV_LOCK:
        if _cv_runs == 0:
            _cv_threads_before = cv2.getNumThreads()
            cv2.setNumThreads(1)
        _cv_runs += 1
    try:
        yield
    finally:
        with _CV_LOCK:
            _cv_runs -= 1
            if _cv_runs == 0:
                cv2.setNumThreads(_cv_threads_before)


# -- hand-off between threads ---------------------------------------------------------------------
class _Handoff:
    """Hand-off between two threads. `drop=True` (a camera): ONE slot, a new item replaces one
    not taken yet (counted in `dropped`) — frames are dropped, never queued. `drop=False` (a
    file, where every frame is processed): `put` waits while `capacity` items are waiting; a
    few places smooth out the stages' frame-to-frame jitter so neither stage idles."""

    def __init__(self, drop: bool, capacity: int = 1) -> None:
        self.drop = drop
        self.capacity = 1 if drop else max(1, capacity)
        self.dropped = 0
        self._items: deque[Any] = deque()
        self._closed = False
        self._cond = threading.Condition()

    def put(self, item: Any) -> bool:
        with self._cond:
            if not self.drop:
                while len(self._items) >= self.capacity and not self._closed:
                    self._cond.wait(0.1)
            if self._closed:
                return False
            if self.drop and self._items:
                self._items.clear()
                self.dropped += 1
            self._items.append(item)
            self._cond.notify_all()
            return True

    def get(self) -> Any:
        """The next item, or None once closed and empty."""
        with self._cond:
            while not self._items and not self._closed:
                self._cond.wait(0.1)
            if not self._items:
                return None
            item = self._items.popleft()
            self._cond.notify_all()
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


# -- the whole loop -------------------------------------------------------------------------------
@dataclass(frozen=True)
class GuideSummary:
    """The `guide --json` "done" line: frames read, frames processed, processed per second."""

    frames: int
    processed: int
    fps: float
    dropped: int
    captured: tuple[str, ...] = ()
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "event": "done",
            "frames": self.frames,
            "processed": self.processed,
            "fps": round(self.fps, 2),
        }


@dataclass
class _Frame:
    index: int
    timestamp_ms: int
    rgb: np.ndarray  # full resolution
    small: np.ndarray | None = None
    detections: list[Detection] | None = None


def parse_source(source: str | int) -> str | int:
    """A camera index ("0", 1) or a video file path."""
    if isinstance(source, int):
        return source
    text = str(source).strip()
    if text.isdigit() and not Path(text).exists():
        return int(text)
    return text


def open_source(source: str | int) -> tuple[cv2.VideoCapture, bool]:
    """(capture, is_camera). CaptureSourceError with one line when it cannot be opened."""
    src = parse_source(source)
    if isinstance(src, int):
        with quiet.native_stderr_silenced():
            cap = cv2.VideoCapture(src)
        if not cap.isOpened():
            cap.release()
            raise CaptureSourceError(
                f"camera {src} could not be opened (not connected, in use by another program, "
                "or camera access not allowed)"
            )
        return cap, True
    path = Path(src)
    if not path.exists():
        raise CaptureSourceError(f"{path}: video file not found")
    if not path.is_file():
        raise CaptureSourceError(f"{path}: not a video file")
    with quiet.native_stderr_silenced():
        cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise CaptureSourceError(f"{path}: cannot be opened as a video")
    return cap, False


class LiveGuide:
    """Frames from a camera or video, compared with a baseline photo, on worker threads.

    `run()` blocks until the source ends, `max_frames` were read or `stop` is set; results go to
    `on_result(FrameGuidance)` and captures to `on_capture(path, index)`, both called on the
    measure thread. A UI reads `latest_frame()` for its preview at its own pace.
    """

    def __init__(
        self,
        source: str | int,
        baseline: str | Path | Baseline,
        *,
        thresholds: CheckThresholds | None = None,
        capture: CaptureSettings | None = None,
        limits: ImageLimits | None = None,
        hold_frames: int | None = None,
        capture_dir: str | Path | None = None,
        realtime: bool | None = None,
        analyzer: VideoFaceAnalyzer | None = None,
        identity_model: Any = None,
    ) -> None:
        """`identity_model`: an `IdentityModel` or a function returning one (default: the
        shipped model); see `LiveIdentity`."""
        self.source = parse_source(source)
        self.thresholds = thresholds or CheckThresholds()
        self.capture_settings = capture or CaptureSettings()
        self.limits = limits or ImageLimits()
        self.hold_frames = max(1, int(hold_frames or self.capture_settings.hold_frames))
        self.capture_dir = Path(capture_dir) if capture_dir is not None else None
        # Automatic capture after the hold (a window can switch it off and keep the key).
        self.auto_capture = self.capture_dir is not None
        self._realtime = realtime
        self._baseline_source = baseline
        self.baseline: Baseline | None = baseline if isinstance(baseline, Baseline) else None
        self._analyzer = analyzer
        self._identity_model = identity_model
        self.identity: LiveIdentity | None = None
        self._latest: tuple[int, np.ndarray] | None = None
        self._latest_lock = threading.Lock()
        self._capture_requested = threading.Event()
        self.last_guidance: FrameGuidance | None = None

    # -- for a UI -------------------------------------------------------------------------------
    def latest_frame(self) -> tuple[int, np.ndarray] | None:
        """(index, full-resolution RGB) of the newest frame read (for a preview)."""
        with self._latest_lock:
            return self._latest

    def request_capture(self) -> None:
        """Save the next processed frame whatever the checks say (a key or button press)."""
        self._capture_requested.set()

    # -- the loop ---------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Open the baseline (and fail early, with one line, on a bad one), and make its half
        of every per-frame comparison now, before the first frame: the reduced copy and its
        half of the pair measures, the registration template, the identity model and the
        baseline's face descriptor. The first frames then cost what every other frame costs,
        instead of stalling the pipeline for the baseline's share."""
        if self.baseline is None:
            self.baseline = load_baseline(self._baseline_source)
        settings = self.capture_settings
        self.baseline.pair_copy(
            settings.live_pair_max_iod_px, self.thresholds, settings.live_photometry_iod_px
        )
        _ = self.baseline.registration
        if self.identity is None:
            self.identity = LiveIdentity(self.baseline, self._identity_model)
        self.identity.prepare()

    def run(
        self,
        on_result: Callable[[FrameGuidance], None] | None = None,
        on_capture: Callable[[Path, int], None] | None = None,
        *,
        max_frames: int | None = None,
        stop: threading.Event | None = None,
    ) -> GuideSummary:
        stop = stop or threading.Event()
        self.prepare()
        cap, is_camera = open_source(self.source)
        realtime = is_camera if self._realtime is None else self._realtime
        own_analyzer = self._analyzer is None
        analyzer = self._analyzer or VideoFaceAnalyzer(
            self.limits, max_side_px=self.capture_settings.live_analysis_max_side_px
        )
        to_landmarks = _Handoff(drop=realtime, capacity=_FILE_QUEUE_FRAMES)
        to_measures = _Handoff(drop=realtime, capacity=_FILE_QUEUE_FRAMES)
        counts = {"frames": 0, "processed": 0}
        captured: list[str] = []
        errors: list[BaseException] = []
        times: list[float] = []

        def reader() -> None:
            fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
            period = 1.0 / fps if (not is_camera and realtime and 1.0 <= fps <= 240.0) else 0.0
            t0 = time.monotonic()
            index = 0
            try:
                while not stop.is_set() and (max_frames is None or index < max_frames):
                    if period:
                        delay = t0 + index * period - time.monotonic()
                        if delay > 0:
                            stop.wait(delay)
                    ok, bgr = cap.read()
                    if not ok or bgr is None:
                        if index == 0:
                            errors.append(CaptureSourceError(_no_frame_message(self.source)))
                        break
                    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                    if is_camera:
                        ts = int((time.monotonic() - t0) * 1000)
                    else:
                        ts = int(round(index * 1000.0 / fps)) if fps > 0 else index * 33
                    with self._latest_lock:
                        self._latest = (index, rgb)
                    if not times:
                        times.append(time.monotonic())
                    index += 1
                    counts["frames"] = index
                    if not to_landmarks.put(_Frame(index - 1, ts, rgb)):
                        break  # the analysis stopped
            except Exception as exc:  # pragma: no cover - a driver failing mid-stream
                errors.append(exc)
            finally:
                to_landmarks.close()

        def landmarks() -> None:
            try:
                while (item := to_landmarks.get()) is not None and not stop.is_set():
                    item.small = analyzer.reduce(item.rgb)
                    item.detections = analyzer.detect_frame(item.small, item.timestamp_ms)
                    if not to_measures.put(item):
                        break
            except Exception as exc:
                errors.append(exc)
                stop.set()
            finally:
                to_landmarks.close()  # a reader waiting to hand over a frame gives up
                to_measures.close()

        assert self.baseline is not None
        identity = self.identity
        assert identity is not None
        identity.restart()
        slow = LiveSlowMeasures(
            self.capture_settings.live_slow_measures_every_frames,
            self.capture_settings.live_ready_accepts_sharpness_warn,
        )

        def measures() -> None:
            held = 0
            stretch_taken = False
            try:
                while (item := to_measures.get()) is not None and not stop.is_set():
                    frame = analyzer.measure_frame(
                        item.small, item.detections or [], (item.rgb.shape[1], item.rgb.shape[0])
                    )
                    g = evaluate_frame(
                        item.index, self.baseline, frame, self.thresholds, item.small,
                        identity_similarity=identity.update(frame, item.small),
                        identity_note=identity.note, capture=self.capture_settings, slow=slow,
                    )
                    self.last_guidance = g
                    counts["processed"] += 1
                    if on_result is not None:
                        on_result(g)
                    held = held + 1 if g.ready else 0
                    if not g.ready:
                        stretch_taken = False
                    take = self._capture_requested.is_set()
                    if self.auto_capture and held >= self.hold_frames and not stretch_taken:
                        take, stretch_taken = True, True
                    if take:
                        self._capture_requested.clear()
                        path = self._save(item.rgb, item.index)
                        if path is not None:
                            captured.append(str(path))
                            if on_capture is not None:
                                on_capture(path, item.index)
                times.append(time.monotonic())
            except Exception as exc:
                errors.append(exc)
                stop.set()
                to_measures.close()

        threads = [
            threading.Thread(target=fn, name=f"live-guide-{fn.__name__}", daemon=True)
            for fn in (reader, landmarks, measures)
        ]
        try:
            with _opencv_single_threaded():
                for t in threads:
                    t.start()
                for t in threads:
                    while t.is_alive():
                        t.join(0.2)
        finally:
            stop.set()
            to_landmarks.close()
            to_measures.close()
            for t in threads:
                t.join(5)
            cap.release()
            if own_analyzer:
                analyzer.close()
        if errors:
            # An expected refusal or a closed output pipe (`guide --json | head`) passes as it is.
            raise errors[0] if isinstance(errors[0], (PhotoCompareError, BrokenPipeError)) else CaptureSourceError(
                f"{self.source}: frames could not be analysed ({type(errors[0]).__name__}: {errors[0]})"
            )
        seconds = (times[-1] - times[0]) if len(times) >= 2 else 0.0
        fps = counts["processed"] / seconds if seconds > 0 else 0.0
        return GuideSummary(
            counts["frames"], counts["processed"], fps,
            to_landmarks.dropped + to_measures.dropped, tuple(captured), seconds,
        )

    def _save(self, rgb: np.ndarray, index: int) -> Path | None:
        """Write the full-resolution frame into the capture folder (atomically: a hot folder
        watching it never sees half a file). Where no folder is set, nothing is written."""
        if self.capture_dir is None:
            return None
        settings = self.capture_settings
        ext = ".png" if settings.capture_format.lower() == "png" else ".jpg"
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = self.capture_dir / f"capture-{stamp}-{index:06d}{ext}"
        tmp = target.with_name(target.name + ".part")
        params = (
            [cv2.IMWRITE_PNG_COMPRESSION, 3]
            if ext == ".png"
            else [cv2.IMWRITE_JPEG_QUALITY, int(settings.capture_jpeg_quality)]
        )
        ok, data = cv2.imencode(ext, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), params)
        if not ok:
            log.warning("frame %d could not be encoded", index)
            return None
        try:
            with open(tmp, "wb") as fh:
                fh.write(data.tobytes())
            os.replace(tmp, target)
        except OSError as exc:
            raise PhotoCompareError(
                f"{self.capture_dir}: the captured frame could not be saved ({exc.strerror or exc})"
            ) from None
        return target


def _no_frame_message(source: str | int) -> str:
    if isinstance(source, int):
        return f"camera {source} gave no picture (in use by another program, or access not allowed)"
    return f"{source}: no frame could be read from the video"
