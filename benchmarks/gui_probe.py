"""GUI-side measurements, each run in a fresh subprocess (offscreen Qt), one JSON line out.

    python -m benchmarks.gui_probe import  --library DIR --photos DIR [--patient ID]
    python -m benchmarks.gui_probe browse  --library DIR [--patient ID]

`import`: the app's own import path — `MainWindow.start_import` (the importer on a worker
thread, progress throttled to the GUI) — while a 5 ms QTimer on the GUI thread records the
longest gap between its ticks: the worst event-loop stall a clinician would feel.
`browse`: the main window on a library, the patient's photo grid scrolled from top to bottom
(waiting at each screenful for its thumbnails), then the process's peak resident memory
(ru_maxrss / VmHWM) — a fresh process, so the figure is the GUI's alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

TICK_MS = 5
IDLE_BASELINE_S = 3.0
WARMUP_S = 2.0


def _qt_app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from photocompare.core.quiet import drop_cv2_qt_environment

    drop_cv2_qt_environment()
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["photocompare-benchmark"])


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (VmHWM on Linux, else ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class StallMeter:
    """A fast timer on the GUI thread; the longest gap between ticks is the worst stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last = None
        self.max_gap_ms = 0.0
        self.max_gap_at_s = 0.0
        self.gaps_over_50ms = 0
        self.ticks = 0
        self.started = 0.0

    def start(self) -> None:
        self.last = self.started = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.last is not None:
            gap = (now - self.last) * 1000 - TICK_MS
            if gap > 50:
                self.gaps_over_50ms += 1
            if gap > self.max_gap_ms:
                self.max_gap_ms, self.max_gap_at_s = gap, self.last - self.started
        self.last = now
        self.ticks += 1


class StallSampler:
    """Diagnostics: when the GUI thread has not ticked for 30 ms, note what it is running.

    A watchdog thread samples the GUI thread's Python stack (sys._current_frames); the most
    frequent innermost app/library frames say where the stalls come from.
    """

    def __init__(self, meter: StallMeter, threshold_ms: float = 30.0) -> None:
        import threading

        self.meter = meter
        self.threshold_s = threshold_ms / 1000
        self.gui_thread = threading.get_ident()
        self.samples: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(1)

    def _run(self) -> None:
        import traceback

        while not self._stop.wait(0.01):
            last = self.meter.last
            if last is None or time.perf_counter() - last < self.threshold_s:
                continue
            frame = sys._current_frames().get(self.gui_thread)
            if frame is None:
                continue
            stack = traceback.extract_stack(frame)[-6:]
            key = " <- ".join(f"{Path(f.filename).name}:{f.name}:{f.lineno}" for f in reversed(stack))
            self.samples[key] = self.samples.get(key, 0) + 1

    def top(self, n: int = 5) -> list[tuple[str, int]]:
        return sorted(self.samples.items(), key=lambda kv: -kv[1])[:n]


def _run_event_loop(seconds: float, quit_signal=None) -> None:
    """A real (blocking) Qt event loop, as in the app — not a busy processEvents() poll, which
    would compete with the worker threads for the CPU and the GIL."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    if quit_signal is not None:
        quit_signal.connect(loop.quit)
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def _window(library_dir: str, patient: str):
    from photocompare.library.db import Library
    from photocompare.ui.main_window import MainWindow
    from photocompare.ui.settings_store import SettingsStore

    library = Library.open(library_dir)
    settings = SettingsStore.at_path(str(Path(library_dir) / "benchmark-settings.ini"))
    try:
        window = MainWindow(library, settings, suggest_labels_after_import=False)
    except TypeError:  # an older signature
        window = MainWindow(library, settings)
    window.resize(1280, 860)
    window.show()
    if not window.select_patient_by_external_id(patient):
        raise SystemExit(json.dumps({"error": f"patient {patient} not in the library"}))
    return library, window


def run_import(library_dir: str, photos_dir: str, patient: str, timeout_s: float) -> dict:
    _app = _qt_app()  # kept alive for the whole run
    from photocompare.library.db import Library

    with_patient = Library.open(library_dir)
    try:
        if with_patient.get_patient(patient) is None:
            with_patient.add_patient(patient, display_name="Benchmark patient")
    finally:
        with_patient.close()
    library, window = _window(library_dir, patient)
    paths = sorted(str(p) for p in Path(photos_dir).glob("*.jpg"))
    _run_event_loop(WARMUP_S)  # first show: fonts, style, layout (not part of an import)
    finished: dict = {}
    def on_finished(summary) -> None:
        finished.setdefault("summary", summary)
        finished.setdefault("at", time.perf_counter() - started)

    window.import_finished.connect(on_finished)
    idle = StallMeter()  # baseline: the same event loop with nothing to do (machine noise)
    idle.start()
    _run_event_loop(IDLE_BASELINE_S)
    idle.stop()
    meter = StallMeter()
    sampler = StallSampler(meter) if os.environ.get("PHOTOCOMPARE_BENCH_SAMPLE") else None
    meter.start()
    if sampler:
        sampler.start()
    started = time.perf_counter()
    task = window.start_import(paths)
    if task is None:
        return {"error": "start_import refused"}
    if "summary" not in finished:
        _run_event_loop(timeout_s, quit_signal=window.import_finished)
    elapsed = time.perf_counter() - started
    meter.stop()
    if sampler:
        sampler.stop()
    summary = finished.get("summary")
    imported = len(getattr(summary, "imported", []) or []) if summary is not None else 0
    result = {
        "photos": len(paths),
        "imported": imported,
        "seconds": elapsed,
        "photos_per_s": imported / elapsed if elapsed > 0 else 0.0,
        "max_stall_ms": meter.max_gap_ms,
        "idle_max_stall_ms": idle.max_gap_ms,
        "max_stall_at_s": meter.max_gap_at_s,
        "stalls_over_50ms": meter.gaps_over_50ms,
        "finished_at_s": finished.get("at", elapsed),
        "ticks": meter.ticks,
        "timed_out": summary is None,
        "peak_rss_mb": peak_rss_mb(),
    }
    if sampler:
        result["stall_samples"] = sampler.top()
    window.close()
    library.close()
    return result


def run_browse(library_dir: str, patient: str, timeout_s: float) -> dict:
    app = _qt_app()
    started = time.perf_counter()
    library, window = _window(library_dir, patient)
    grid, loader = window.grid, window.loader

    def settle(limit_s: float = 10.0) -> None:
        end = time.perf_counter() + limit_s
        for _ in range(5):
            app.processEvents()
        while loader.pending() > 0 and time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.002)
        app.processEvents()

    settle()
    meter = StallMeter()
    sampler = StallSampler(meter) if os.environ.get("PHOTOCOMPARE_BENCH_SAMPLE") else None
    meter.start()
    if sampler:
        sampler.start()
    bar = grid.verticalScrollBar()
    screens = 0
    deadline = started + timeout_s
    while time.perf_counter() < deadline:
        settle()
        screens += 1
        if bar.value() >= bar.maximum():
            break
        bar.setValue(min(bar.maximum(), bar.value() + max(1, bar.pageStep())))
    meter.stop()
    if sampler:
        sampler.stop()
    rows = grid.model().rowCount()
    result = {
        "max_stall_ms_while_scrolling": meter.max_gap_ms,
        "photos": rows,
        "screens": screens,
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": peak_rss_mb(),
        "reached_end": bar.value() >= bar.maximum(),
    }
    if sampler:
        result["stall_samples"] = sampler.top()
    window.close()
    library.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["import", "browse"])
    parser.add_argument("--library", required=True)
    parser.add_argument("--photos")
    parser.add_argument("--patient", default="BENCH-1")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    if args.mode == "import":
        result = run_import(args.library, args.photos, args.patient, args.timeout)
    else:
        result = run_browse(args.library, args.patient, args.timeout)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
