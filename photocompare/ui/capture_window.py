"""The Capture window: a live camera (or video) with the baseline photo as a ghost and guidance.

The live picture is shown at the display's pace from the newest frame the reader has (a timer
on the GUI thread picks it up; nothing waits for the analysis), so the preview never stutters.
The analysis (`core.live_guide.LiveGuide`: MediaPipe VIDEO-mode landmarks and the pair checks
on worker threads, frames dropped when it falls behind) sends each frame's guidance through a
queued signal. The baseline is drawn over the live face as a ghost, aligned to it by the
frame's registration, with an adjustable opacity; arrows and words say what to change ("turn
4° to the patient's left", "move closer", "1 stop too dark"); the border turns green when every
check `photocompare check` makes would pass. A photo is taken automatically after a short hold
of matching frames, or with the button / the space bar, at the camera's full resolution, then
imported into the visit, labelled and checked like a hot-folder photo (`photo_taken` carries
that result, so a Visit capture panel can fill its slot).

Entry point for the main window: `open_capture_window(parent, library, patient_id, source)`.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QKeyEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from photocompare.core.live_baseline import Baseline
from photocompare.core.live_evaluate import FrameGuidance
from photocompare.core.live_guide import LiveGuide
from photocompare.core.live_words import guidance_words
from photocompare.settings import CaptureSettings, CheckThresholds

log = logging.getLogger(__name__)

PREVIEW_INTERVAL_MS = 33  # about 30 pictures per second, whatever the analysis rate
READY_COLOUR = QColor(46, 125, 50)
ADJUST_COLOUR = QColor(249, 168, 37)
NO_FACE_COLOUR = QColor(120, 120, 120)


def shot_title(view: str, expression: str) -> str:
    return f"{view.replace('-', ' ').capitalize()} · {expression.replace('-', ' ')}"


# -- the picture ----------------------------------------------------------------------------------
class GuidePreview(QWidget):
    """Paints the newest frame, the aligned ghost, arrows and words. Display work only."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(480, 270)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.opacity = 0.4
        self.ghost_visible = True
        self.frame_index = -1
        self._frame: QImage | None = None
        self._frame_size = (0, 0)  # full-resolution size of the shown frame
        self._ghost: QImage | None = None
        self._baseline: Baseline | None = None
        self._guidance: FrameGuidance | None = None
        self._words: list[str] = []
        self._thresholds = CheckThresholds()
        self.message = ""

    def set_baseline(self, baseline: Baseline | None) -> None:
        self._baseline = baseline
        self._ghost = None
        self.update()

    def set_thresholds(self, thresholds: CheckThresholds) -> None:
        self._thresholds = thresholds

    def set_frame(self, index: int, rgb: np.ndarray) -> None:
        """Show a frame (full-resolution RGB), reduced to the widget's size first."""
        h, w = rgb.shape[:2]
        f = min(self.width() / w, self.height() / h, 1.0)
        shown = rgb if f >= 0.999 else cv2.resize(
            rgb, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA
        )
        shown = np.ascontiguousarray(shown)
        image = QImage(shown.data, shown.shape[1], shown.shape[0], shown.strides[0],
                       QImage.Format.Format_RGB888).copy()
        if self._frame is None or image.size() != self._frame.size() or (w, h) != self._frame_size:
            self._ghost = None  # display size changed: the ghost is made again
        self._frame, self._frame_size, self.frame_index = image, (w, h), index
        if self._ghost is None and self._baseline is not None:
            self._ghost = self._make_ghost(self._guidance)
        self.update()

    def set_guidance(self, g: FrameGuidance) -> None:
        self._guidance = g
        self._words = guidance_words(g, self._thresholds)
        if g.face and g.ghost_matrix is not None:
            self._ghost = self._make_ghost(g)
        self.update()

    @property
    def guidance(self) -> FrameGuidance | None:
        return self._guidance

    @property
    def words(self) -> list[str]:
        return list(self._words)

    def has_ghost(self) -> bool:
        return self._ghost is not None

    def _make_ghost(self, g: FrameGuidance | None) -> QImage | None:
        """The baseline warped onto the shown frame: aligned to the live face when the frame
        has one, else scaled to the frame."""
        b = self._baseline
        if b is None or self._frame is None or not self._frame_size[0]:
            return None
        dw, dh = self._frame.width(), self._frame.height()
        ds = dw / self._frame_size[0]
        display = np.diag([ds, ds, 1.0])
        from_small = np.diag([1 / b.scale, 1 / b.scale, 1.0])  # baseline analysed px -> full px
        if g is not None and g.face and g.ghost_matrix is not None:
            to_frame = np.vstack([np.array(g.ghost_matrix), [0, 0, 1.0]])
        else:
            f = min(self._frame_size[0] / b.measures.width, self._frame_size[1] / b.measures.height)
            to_frame = np.diag([f, f, 1.0])
        m = (display @ to_frame @ from_small)[:2]
        warped = cv2.warpAffine(b.rgb, m, (dw, dh), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT)
        warped = np.ascontiguousarray(warped)
        return QImage(warped.data, dw, dh, warped.strides[0], QImage.Format.Format_RGB888).copy()

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, _event: Any) -> None:  # noqa: N802 (Qt override)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(20, 20, 20))
        if self._frame is None:
            p.setPen(QColor(220, 220, 220))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                       self.message or "Waiting for the camera…")
            p.end()
            return
        fw, fh = self._frame.width(), self._frame.height()
        x0, y0 = (self.width() - fw) / 2, (self.height() - fh) / 2
        target = QRectF(x0, y0, fw, fh)
        p.drawImage(target, self._frame)
        if self.ghost_visible and self._ghost is not None and self.opacity > 0:
            p.setOpacity(self.opacity)
            p.drawImage(target, self._ghost)
            p.setOpacity(1.0)
        g = self._guidance
        colour = NO_FACE_COLOUR if g is None or not g.face else (
            READY_COLOUR if g.ready else ADJUST_COLOUR)
        p.setPen(QPen(colour, 6))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(target.adjusted(3, 3, -3, -3))
        if g is not None and g.face:
            self._paint_arrows(p, target, g)
        self._paint_words(p, target, g, colour)
        p.end()

    def _paint_arrows(self, p: QPainter, r: QRectF, g: FrameGuidance) -> None:
        """Arrows on screen for turn and nod. The picture is the camera's view (not mirrored):
        the patient's right is on the left of the screen."""
        t = self._thresholds
        cx, cy = r.center().x(), r.center().y()
        size = min(r.width(), r.height()) * 0.12
        p.setPen(QPen(QColor(255, 255, 255), 3))
        p.setBrush(ADJUST_COLOUR)
        if g.yaw_diff_deg is not None and abs(g.yaw_diff_deg) > t.yaw_warn_deg:
            # turned too far to the patient's left (+): turn back to the patient's right (screen left)
            sign = -1 if g.yaw_diff_deg > 0 else 1
            _arrow(p, QPointF(cx - sign * size, r.top() + size), QPointF(cx + sign * size, r.top() + size))
        if g.pitch_diff_deg is not None and abs(g.pitch_diff_deg) > t.pitch_warn_deg:
            sign = 1 if g.pitch_diff_deg > 0 else -1  # chin up too far: arrow down
            x = r.right() - size
            _arrow(p, QPointF(x, cy - sign * size), QPointF(x, cy + sign * size))
        if g.scale_ratio is not None and not np.isnan(g.scale_ratio):
            if g.scale_ratio < t.scale_warn_low or g.scale_ratio > t.scale_warn_high:
                closer = g.scale_ratio < t.scale_warn_low
                x = r.left() + size
                for k in (-1, 1):  # outward arrows = bigger (closer), inward = smaller (back)
                    a, b = (0.3, 1.0) if closer else (1.0, 0.3)
                    _arrow(p, QPointF(x, cy + k * size * a), QPointF(x, cy + k * size * b))

    def _paint_words(self, p: QPainter, r: QRectF, g: FrameGuidance | None, colour: QColor) -> None:
        if g is None:
            text = "Analysing…"
        elif not g.face:
            text = "No face in view"
        elif g.ready:
            text = "Matches the baseline — hold still"
        else:
            text = " · ".join(self._words)
        font = QFont(self.font())
        font.setPointSizeF(max(11.0, r.height() / 30))
        font.setBold(True)
        p.setFont(font)
        box = QRectF(r.left() + 10, r.bottom() - r.height() * 0.16, r.width() - 20, r.height() * 0.13)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 170))
        p.drawRoundedRect(box, 8, 8)
        p.setPen(QColor(255, 255, 255) if g is None or not g.ready else colour.lighter(160))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)


def _arrow(p: QPainter, start: QPointF, end: QPointF) -> None:
    p.drawLine(start, end)
    d = end - start
    length = max((d.x() ** 2 + d.y() ** 2) ** 0.5, 1e-6)
    ux, uy = d.x() / length, d.y() / length
    head = min(18.0, length * 0.6)
    path = QPainterPath(end)
    path.lineTo(end - QPointF(ux * head - uy * head * 0.5, uy * head + ux * head * 0.5))
    path.lineTo(end - QPointF(ux * head + uy * head * 0.5, uy * head - ux * head * 0.5))
    path.closeSubpath()
    p.drawPath(path)


# -- the window -----------------------------------------------------------------------------------
class _Bridge(QObject):
    """Signals emitted from the analysis threads, delivered on the GUI thread (queued)."""

    guidance = Signal(object)
    captured = Signal(object, int)
    finished = Signal(object)  # GuideSummary or the exception
    checked = Signal(object)  # HotFolderResult of a taken photo
    check_failed = Signal(str)


class CaptureWindow(QWidget):
    """Live preview with guidance; takes photos into the patient's visit (when a library is given).

    `source`: camera index or video file. `baseline`: a photo path; None picks the patient's
    baseline for the chosen shot (earliest photo with its view and expression, else the
    earliest photo). Without a library, taken photos are only written to `capture_dir`.
    """

    photo_taken = Signal(object)  # HotFolderResult (imported, labelled, checked)
    frame_saved = Signal(str)  # path of a taken frame, before import

    def __init__(
        self,
        library: Any = None,
        patient_id: int | str | None = None,
        source: int | str = 0,
        *,
        baseline: str | Path | None = None,
        shot: tuple[str, str] | None = None,
        capture_dir: str | Path | None = None,
        settings: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        from photocompare.settings import Settings

        self.settings = settings or Settings()
        self.capture_settings: CaptureSettings = self.settings.capture
        self.thresholds: CheckThresholds = self.settings.checks
        self.library = library
        self.patient_external_id = _external_id(library, patient_id)
        self.source = source
        self._fixed_baseline = Path(baseline) if baseline else None
        self._own_capture_dir = capture_dir is None
        self.capture_dir = Path(capture_dir) if capture_dir else Path(
            tempfile.mkdtemp(prefix="photocompare-capture-"))
        # As `guide --auto-capture` does: a folder that is not there yet is made. One that
        # cannot be made is named in the message when the first photo cannot be saved.
        with contextlib.suppress(OSError):
            self.capture_dir.mkdir(parents=True, exist_ok=True)
        self.guide: LiveGuide | None = None
        self.baseline_path: Path | None = None
        self.summary: Any = None
        self.error: str | None = None
        self.results: list[Any] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._import_lock = threading.Lock()
        self._analyzer: Any = None
        self._bridge = _Bridge(self)
        self._bridge.guidance.connect(self._on_guidance)
        self._bridge.captured.connect(self._on_captured)
        self._bridge.finished.connect(self._on_finished)
        self._bridge.checked.connect(self._on_checked)
        self._bridge.check_failed.connect(self._on_check_failed)
        self._build(shot or self.capture_settings.shot_list[0])
        self._timer = QTimer(self)
        self._timer.setInterval(PREVIEW_INTERVAL_MS)
        self._timer.timeout.connect(self._pull_frame)

    # -- layout -----------------------------------------------------------------------------
    def _build(self, shot: tuple[str, str]) -> None:
        self.setWindowTitle(f"Capture — patient {self.patient_external_id or ''}".strip(" —"))
        self.preview = GuidePreview(self)
        self.preview.set_thresholds(self.thresholds)
        self.shot_box = QComboBox(self)
        for view, expression in self.capture_settings.shot_list:
            self.shot_box.addItem(shot_title(view, expression), (view, expression))
        index = max(0, self.shot_box.findData(tuple(shot)))
        self.shot_box.setCurrentIndex(index)
        self.shot_box.setToolTip("The shot being taken: its baseline is shown as the ghost")
        self.shot_box.currentIndexChanged.connect(lambda _i: self.restart())
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(40)
        self.opacity_slider.setToolTip("Ghost opacity: how strongly the baseline shows over the live picture")
        self.opacity_slider.valueChanged.connect(self._set_opacity)
        self.auto_box = QCheckBox("Take automatically when it matches", self)
        self.auto_box.setChecked(True)
        self.auto_box.toggled.connect(self._set_auto)
        self.take_button = QPushButton("Take photo (Space)", self)
        self.take_button.clicked.connect(self.take_photo)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.last_photo = QLabel("", self)
        self.last_photo.setWordWrap(True)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Shot:", self))
        controls.addWidget(self.shot_box)
        controls.addSpacing(12)
        controls.addWidget(QLabel("Ghost:", self))
        controls.addWidget(self.opacity_slider, 1)
        controls.addWidget(self.auto_box)
        controls.addWidget(self.take_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview, 1)
        layout.addLayout(controls)
        layout.addWidget(self.status)
        layout.addWidget(self.last_photo)
        self.resize(1000, 680)
        self._set_opacity(self.opacity_slider.value())

    # -- running ----------------------------------------------------------------------------
    def start(self) -> bool:
        """Find the baseline and start the live guidance; False (with a message) when it cannot."""
        from photocompare.core.errors import PhotoCompareError
        from photocompare.core.live_baseline import load_baseline

        shot = self.shot_box.currentData()
        try:
            self.baseline_path = self._fixed_baseline or self._baseline_for(shot)
            if self.baseline_path is None:
                raise PhotoCompareError(
                    "No baseline photo for this patient yet: take the first photos with the hot "
                    "folder or the camera's own software.")
            baseline = load_baseline(self.baseline_path)
        except PhotoCompareError as exc:
            self._show_error(str(exc))
            return False
        self.preview.set_baseline(baseline)
        self.guide = LiveGuide(
            self.source, baseline, thresholds=self.thresholds, capture=self.capture_settings,
            hold_frames=self.capture_settings.hold_frames, capture_dir=self.capture_dir,
            realtime=True,
        )
        self.guide.auto_capture = self.auto_box.isChecked()
        self._stop = threading.Event()
        guide, stop, bridge = self.guide, self._stop, self._bridge

        def run() -> None:
            try:
                result: Any = guide.run(on_result=bridge.guidance.emit,
                                        on_capture=bridge.captured.emit, stop=stop)
            except Exception as exc:  # shown in the window as one line
                result = exc
            try:
                bridge.finished.emit(result)
            except RuntimeError:  # the window was closed meanwhile
                pass

        self._thread = threading.Thread(target=run, name="capture-window-guide", daemon=True)
        self._thread.start()
        self._timer.start()
        self.status.setText(f"Baseline: {Path(self.baseline_path).name} — {self.shot_box.currentText()}")
        return True

    def stop(self, wait_s: float = 3.0) -> None:
        self._stop.set()
        self._timer.stop()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(wait_s)

    def restart(self) -> None:
        if self._thread is None:
            return
        self.stop()
        self.start()

    def take_photo(self) -> None:
        """Take the next analysed frame now, whatever the checks say."""
        if self.guide is not None:
            self.guide.request_capture()

    # -- slots ------------------------------------------------------------------------------
    def _pull_frame(self) -> None:
        latest = self.guide.latest_frame() if self.guide is not None else None
        if latest is not None and latest[0] != self.preview.frame_index:
            self.preview.set_frame(*latest)

    def _on_guidance(self, g: FrameGuidance) -> None:
        self.preview.set_guidance(g)

    def _on_captured(self, path: Path, index: int) -> None:
        self.frame_saved.emit(str(path))
        self.last_photo.setText(f"Photo taken (frame {index}); checking it against the baseline…")
        if self.library is None or not self.patient_external_id:
            self.last_photo.setText(f"Photo taken: {path}")
            return
        from photocompare.ui.workers import run_task

        run_task(lambda _ctx: self._import(Path(path)), on_done=self._bridge.checked.emit,
                 on_error=lambda exc: self._bridge.check_failed.emit(str(exc)))

    def _import(self, path: Path) -> Any:
        """Worker: import the taken frame into the visit, label and check it (hot-folder path)."""
        from photocompare.core.face import FaceAnalyzer
        from photocompare.core.hot_folder import CompleteFile
        from photocompare.core.images import read_info
        from photocompare.library.hot_folder_import import HotFolderImporter

        with self._import_lock:
            if self._analyzer is None:
                self._analyzer = FaceAnalyzer(limits=self.library.limits)
            info = read_info(path, self.library.limits)
            importer = HotFolderImporter(self.library, self.patient_external_id, self._analyzer,
                                         self.thresholds)
            result = importer.handle(CompleteFile(path, info, None, path.stat().st_size, time.monotonic()))
        if result.status in ("imported", "duplicate") and self._own_capture_dir:
            path.unlink(missing_ok=True)  # the original is in the library's store now
        return result

    def _on_checked(self, result: Any) -> None:
        self.results.append(result)
        self.photo_taken.emit(result)
        verdict = {"pass": "matches the baseline", "warn": "comparable, with warnings",
                   "fail": "does not match — retake", "none": result.reason or "no check"}
        text = f"Photo {result.photo_id or ''} {result.status}: {verdict[result.verdict]}"
        if result.verdict in ("warn", "fail") and result.check:
            problems = [c["message"] for c in result.check["checks"].values() if c["status"] != "pass"]
            text += " — " + "; ".join(problems)
        self.last_photo.setText(text)

    def _on_check_failed(self, message: str) -> None:
        self.last_photo.setText(f"The photo was taken but could not be added: {message}")

    def _on_finished(self, result: Any) -> None:
        self._timer.stop()
        self._pull_frame()
        if isinstance(result, BaseException):
            self._show_error(str(result))
        else:
            self.summary = result
            self.status.setText(
                f"{self.status.text()} — stopped after {result.frames} frames "
                f"({result.processed} analysed)")

    def _show_error(self, message: str) -> None:
        self.error = message
        self.preview.message = message
        self.preview.update()
        self.status.setText(message)

    def _set_opacity(self, value: int) -> None:
        self.preview.opacity = value / 100.0
        self.preview.update()

    def _set_auto(self, on: bool) -> None:
        if self.guide is not None:
            self.guide.auto_capture = on

    # -- baseline choice --------------------------------------------------------------------
    def _baseline_for(self, shot: tuple[str, str]) -> Path | None:
        if self.library is None or not self.patient_external_id:
            return None
        photos = self.library.photos(self.patient_external_id)
        if not photos:
            return None
        view, expression = shot
        same = [p for p in photos if p.view_label == view and p.expression_label == expression]
        return Path(self.library.original_path((same or photos)[0]))

    # -- Qt events --------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Space:
            self.take_photo()
            event.accept()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        self.stop()
        with self._import_lock:
            if self._analyzer is not None:
                self._analyzer.close()
                self._analyzer = None
        # A folder of our own is removed once empty; a photo that could not be imported stays.
        if self._own_capture_dir and self.capture_dir.is_dir() and not any(self.capture_dir.iterdir()):
            shutil.rmtree(self.capture_dir, ignore_errors=True)
        super().closeEvent(event)


def _external_id(library: Any, patient_id: int | str | None) -> str | None:
    """The patient's clinic id from an internal number or the clinic id itself."""
    if patient_id is None:
        return None
    if isinstance(patient_id, int) and library is not None:
        from photocompare.library import api

        patient = api.get_patient(library, patient_id)
        return patient.external_id if patient is not None else None
    return str(patient_id)


def open_capture_window(
    parent: QWidget | None, library: Any, patient_id: int | str | None, source: int | str = 0,
    **kwargs: Any,
) -> CaptureWindow:
    """Open and start the Capture window for a patient (internal id or clinic id) and a source
    (camera index or video file). Returns the window (already shown)."""
    window = CaptureWindow(library, patient_id, source, parent=parent, **kwargs)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    window.start()
    return window
