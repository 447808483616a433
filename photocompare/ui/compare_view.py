"""The compare view: a before/after pair in six modes, with the consistency panel beside it.

Modes (shortcut): 1 side by side (synchronised zoom and pan), 2 slider wipe, 3 onion skin
(opacity slider), 4 blink (adjustable interval), 5 difference heat map, 6 grid / midline
overlay. Toggles: A aligned / as taken, L display-only lighting match (the after picture is then
labelled "adjusted"), Z the face (a pair opens on the before photo's face, both sides in
step), F or Ctrl+0 fit the whole frame, Ctrl+1 100 %, +/- zoom, wheel zoom about the cursor,
drag to pan, F11 full screen.

Everything heavy (decoding at full resolution, analysis, alignment warp, lighting match,
difference map) runs on a worker (`core.pair_pictures`); the GUI thread only paints ready-made
images on the canvases of `image_canvas`. This module arranges them and holds the controls.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QImage,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from photocompare.core import figures_format
from photocompare.core.analysis_service import AnalysisService
from photocompare.core.course import CourseReport
from photocompare.core.course_figures import PeriodFigures
from photocompare.core.course_format import pair_periods
from photocompare.core.pair_pictures import PairPictures, prepare_pair
from photocompare.library.api import PatientRow, PhotoRow
from photocompare.settings import CheckThresholds
from photocompare.ui.consistency_panel import ConsistencyPanel
from photocompare.ui.image_canvas import ImageCanvas, ViewState
from photocompare.ui.qimage import qimage_from_rgb
from photocompare.ui.workers import Task, TaskContext, run_task

log = logging.getLogger(__name__)

MODES = (
    ("side", "Side by side", "1"),
    ("wipe", "Slider", "2"),
    ("onion", "Onion skin", "3"),
    ("blink", "Blink", "4"),
    ("diff", "Difference", "5"),
    ("grid", "Grid / midline", "6"),
)


# --------------------------------------------------------------------------------------------
# The view
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PairContext:
    """What a pair is: the two photos (PhotoRow), and the migraine-course periods they fall in."""

    before: PhotoRow
    after: PhotoRow
    before_period: PeriodFigures | None = None
    after_period: PeriodFigures | None = None
    course_report: CourseReport | None = None
    patient: PatientRow | None = None


class CompareView(QWidget):
    """Before/after comparison with six modes; see the module docstring for the shortcuts."""

    pair_ready = Signal(object)  # PairPictures
    pair_changed = Signal(object)  # PairContext, as soon as a pair is chosen
    mode_changed = Signal(str)
    export_requested = Signal()
    print_requested = Signal()
    busy_changed = Signal(bool)
    full_screen_requested = Signal()

    def __init__(self, analysis: AnalysisService | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.analysis = analysis
        self.thresholds = None
        self.context: PairContext | None = None
        self.pictures: PairPictures | None = None
        self.mode = "side"
        self.aligned = True
        self.aligned_wanted = True  # the user's choice; a pair without alignment does not change it
        self.matched = False
        self._task = None
        self._generation = 0
        self._blink_show_after = False
        self._images: dict[str, QImage] = {}

        self.state = ViewState(self)
        self.left = ImageCanvas(self.state)
        self.right = ImageCanvas(self.state)
        self.left.setAccessibleName("Before photo")
        self.right.setAccessibleName("After photo")
        canvases = QWidget()
        cl = QHBoxLayout(canvases)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(4)
        cl.addWidget(self.left, 1)
        cl.addWidget(self.right, 1)

        # toolbar ------------------------------------------------------------------------
        bar = QToolBar("Compare")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.mode_group = QActionGroup(self)
        self.mode_group.setExclusive(True)
        self.mode_actions: dict[str, QAction] = {}
        for key, title, shortcut in MODES:
            action = QAction(title, self)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{title} ({shortcut})")
            action.triggered.connect(lambda _=False, k=key: self.set_mode(k))
            self.addAction(action)
            self.mode_group.addAction(action)
            self.mode_actions[key] = action
            bar.addAction(action)
        bar2 = QHBoxLayout()  # second row: toggles and view actions (always visible)
        self.aligned_box = QCheckBox("Aligned")
        self.aligned_box.setChecked(True)
        self.aligned_box.setToolTip("Show the after photo aligned onto the before photo (A); off = as taken")
        self.aligned_box.toggled.connect(self.set_aligned)
        self.matched_box = QCheckBox("Match lighting")
        self.matched_box.setToolTip(
            "Display only: adjusts the after photo's exposure and colour to the before photo (L). "
            "The picture is labelled 'adjusted' while this is on."
        )
        self.matched_box.toggled.connect(self.set_matched)
        bar2.addWidget(self.aligned_box)
        bar2.addWidget(self.matched_box)
        bar2.addStretch(1)
        self.fit_button = QToolButton()
        self.fit_button.setText("Fit")
        self.fit_button.setToolTip("Fit to window (F, Ctrl+0)")
        self.fit_button.clicked.connect(self.fit)
        self.face_button = QToolButton()
        self.face_button.setText("Face")
        self.face_button.setToolTip("Zoom to the face, both sides in step (Z)")
        self.face_button.clicked.connect(self.show_face)
        self.actual_button = QToolButton()
        self.actual_button.setText("100 %")
        self.actual_button.setToolTip("Actual pixels (Ctrl+1)")
        self.actual_button.clicked.connect(self.actual_size)
        self.full_button = QToolButton()
        self.full_button.setText("Full screen")
        self.full_button.setToolTip("Full screen (F11)")
        self.full_button.clicked.connect(self.full_screen_requested)
        self.export_button = QToolButton()
        self.export_button.setText("Export sheet…")
        self.export_button.setToolTip(
            "Write a comparison sheet (PDF or PNG) for this pair: asks what it is for and checks the "
            "patient's consent"
        )
        self.export_button.clicked.connect(self.export_requested)
        self.print_button = QToolButton()
        self.print_button.setText("Print…")
        self.print_button.setToolTip("Print a comparison sheet for this pair (consent is checked)")
        self.print_button.clicked.connect(self.print_requested)
        for b in (self.face_button, self.fit_button, self.actual_button, self.full_button, self.export_button, self.print_button):
            bar2.addWidget(b)

        for text, slot in (
            ("A", lambda: self.aligned_box.isEnabled() and self.aligned_box.toggle()),
            ("L", lambda: self.matched_box.toggle()),
            ("Z", self.show_face),
            ("F", self.fit),
            ("Ctrl+0", self.fit),
            ("Ctrl+1", self.actual_size),
            ("+", lambda: self.left.zoom_by(1.25)),
            ("=", lambda: self.left.zoom_by(1.25)),
            ("-", lambda: self.left.zoom_by(0.8)),
        ):
            action = QAction(self)
            action.setShortcut(QKeySequence(text))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

        # per-mode controls ----------------------------------------------------------------
        controls = QHBoxLayout()
        self.wipe_slider = self._slider("Wipe position", 500, self._wipe_changed)
        self.opacity_slider = self._slider("After opacity", 500, self._opacity_changed)
        self.blink_spin = QSpinBox()
        self.blink_spin.setRange(100, 5000)
        self.blink_spin.setSingleStep(100)
        self.blink_spin.setValue(700)
        self.blink_spin.setSuffix(" ms")
        self.blink_spin.setAccessibleName("Blink interval")
        self.blink_spin.valueChanged.connect(self._blink_interval_changed)
        self.wipe_label = QLabel("Wipe:")
        self.opacity_label = QLabel("After opacity:")
        self.blink_label = QLabel("Blink every:")
        for w in (
            self.wipe_label,
            self.wipe_slider,
            self.opacity_label,
            self.opacity_slider,
            self.blink_label,
            self.blink_spin,
        ):
            controls.addWidget(w)
        controls.addStretch(1)
        self.blink_timer = QTimer(self)
        self.blink_timer.setInterval(self.blink_spin.value())
        self.blink_timer.timeout.connect(self._blink)

        self.period_label = QLabel()
        self.period_label.setWordWrap(True)
        self.period_label.setTextFormat(Qt.TextFormat.RichText)
        self.external_period_widget = False  # set when a richer figures widget is plugged in
        self.period_area = QVBoxLayout()  # extra widgets (the migraine figures of the pair)
        self.period_area.setContentsMargins(0, 0, 0, 0)
        self.period_area.addWidget(self.period_label)
        self.status = QLabel("Choose two photos and press Compare (or Enter).")
        self.status.setWordWrap(True)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(bar)
        ll.addLayout(bar2)
        ll.addLayout(self.period_area)
        ll.addWidget(canvases, 1)
        ll.addLayout(controls)
        ll.addWidget(self.status)
        self.panel = ConsistencyPanel()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([900, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter)
        self.mode_actions["side"].setChecked(True)
        self._update_controls()
        self._enable(False)

    def set_period_widget(self, widget: QWidget) -> None:
        """Show `widget` (e.g. the migraine figures of the pair) instead of the one-line
        period summary above the pictures."""
        self.period_area.addWidget(widget)
        self.external_period_widget = True
        self.period_label.hide()

    def focus_pictures(self) -> None:
        """Keyboard focus on the pictures, so the mode and zoom shortcuts work at once."""
        self.left.setFocus()

    def _slider(self, name: str, value: int, slot) -> QSlider:
        s = QSlider(Qt.Orientation.Horizontal)
        s.setRange(0, 1000)
        s.setValue(value)
        s.setAccessibleName(name)
        s.setMinimumWidth(100)
        s.valueChanged.connect(slot)
        return s

    def _enable(self, on: bool) -> None:
        for w in (self.fit_button, self.actual_button, self.export_button, self.print_button):
            w.setEnabled(on)
        self.face_button.setEnabled(on and self.pictures is not None and self.pictures.face_box is not None)
        self.aligned_box.setEnabled(on and self.pictures is not None and self.pictures.after_aligned is not None)
        self.matched_box.setEnabled(on and self.pictures is not None and bool(self.pictures.matched))

    # --- opening a pair ----------------------------------------------------------------
    def open_pair(self, context: PairContext, thresholds: CheckThresholds | None = None) -> Task:
        """Start preparing the pair off the GUI thread; returns the worker task."""
        if context.course_report is not None:
            # The periods of the pair by the one rule (core.course_format.pair_periods), from the
            # capture times: on a treatment day with a recorded session time the time decides.
            before_period, after_period = pair_periods(
                context.course_report, context.before.taken_at, context.after.taken_at
            )
            context = replace(context, before_period=before_period, after_period=after_period)
        self.context = context
        self.thresholds = thresholds
        self._generation += 1
        generation = self._generation
        if self._task is not None:
            self._task.context.cancel()
        self.pictures = None
        self._images.clear()
        self._enable(False)
        self.panel.clear("Analysing the pair…")
        self._show_periods(context)
        self.pair_changed.emit(context)
        self.status.setText("Preparing the comparison…")
        self.busy_changed.emit(True)
        before_path, after_path = context.before.path, context.after.path
        analysis = self.analysis

        def work(ctx: TaskContext) -> PairPictures:
            return prepare_pair(before_path, after_path, analysis, thresholds, ctx)

        def done(pics: PairPictures) -> None:
            if generation == self._generation:
                self._task = None
                self._pair_ready(pics)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self._task = None
                self.busy_changed.emit(False)
                self.status.setText(f"This pair cannot be shown: {exc}")
                self.panel.clear(str(exc))

        def progress(_done: int, _total: int, message: str) -> None:
            if generation == self._generation and message:
                self.status.setText(message)

        self._task = run_task(work, on_done=done, on_error=failed, on_progress=progress)
        return self._task

    def _pair_ready(self, pics: PairPictures) -> None:
        self.pictures = pics
        h, w = pics.before.shape[:2]
        # Open on the before photo's face (in a portrait photo "fit" shows it ~30 px tall);
        # without a face the whole frame is shown.
        self.state.set_scene(w, h, pics.face_box)
        # A pair without alignment (no face in one photo) shows "as taken" but does not change
        # the user's choice: the next pair with faces is shown aligned again.
        self.aligned = pics.after_aligned is not None and self.aligned_wanted
        self.aligned_box.blockSignals(True)
        self.aligned_box.setChecked(self.aligned)
        self.aligned_box.blockSignals(False)
        if not pics.matched and self.matched:
            self.matched_box.setChecked(False)
        self._enable(True)
        self.panel.show_result(pics.result, pics.note)
        c = self.context
        names = f"{c.before.original_name} ({c.before.date_text}) → {c.after.original_name} ({c.after.date_text})"
        self.status.setText(names + (f" — {pics.note}" if pics.note else ""))
        self.busy_changed.emit(False)
        self._refresh()
        self.pair_ready.emit(pics)

    def _show_periods(self, c: PairContext) -> None:
        # Figures are shown through the one formatter (core.figures_format), so "−49.7 %" here
        # reads the same as in the migraine panel, the sheet and the review mode.
        def text(period: PeriodFigures | None) -> str:
            if period is None:
                return "no diary figures"
            label = getattr(period, "label", "period")
            per28 = getattr(period, "headache_days_per_28", None)
            change = getattr(period, "headache_change_pct", None)
            out = f"<b>{label}</b>"
            if per28 is not None:
                out += f": {figures_format.fmt_per28(per28)} headache days / 28"
            if change is not None and label != "baseline":
                out += f" ({figures_format.fmt_pct(change)})"
            return out

        if self.external_period_widget or (c.before_period is None and c.after_period is None):
            self.period_label.setText("")
            self.period_label.hide()
        else:
            self.period_label.setText(f"Before — {text(c.before_period)}  ·  After — {text(c.after_period)}")
            self.period_label.show()

    # --- modes and toggles ---------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        if mode not in self.mode_actions:
            raise ValueError(mode)
        self.mode = mode
        action = self.mode_actions[mode]
        if not action.isChecked():
            action.setChecked(True)  # toggled (not triggered): the group unchecks the others
        self._update_controls()
        self._refresh()
        self.mode_changed.emit(mode)

    def set_aligned(self, on: bool) -> None:
        can_align = self.pictures is not None and self.pictures.after_aligned is not None
        if can_align:
            self.aligned_wanted = bool(on)
        self.aligned = bool(on) and can_align
        if self.aligned_box.isChecked() != bool(on):
            self.aligned_box.setChecked(bool(on))
        self._images.clear()
        self._refresh()

    def set_matched(self, on: bool) -> None:
        self.matched = bool(on)
        if self.matched_box.isChecked() != bool(on):
            self.matched_box.setChecked(bool(on))
        self._images.clear()
        self._refresh()

    def fit(self) -> None:
        self.state.set_fit()

    def show_face(self) -> None:
        """Zoom both sides to the before photo's face (Z); nothing happens without a face."""
        if self.pictures is not None and not self.state.set_face():
            self.status.setText("No face was found in the before photo: showing the whole frame (F).")

    def actual_size(self) -> None:
        if self.pictures is None:
            return
        zoom = self.state.scene_w / self.pictures.full_width  # 1 photo px = 1 screen px
        self.state.set_view(zoom / self.left.devicePixelRatioF(), self.state.cx, self.state.cy)

    def _update_controls(self) -> None:
        m = self.mode
        for w in (self.wipe_label, self.wipe_slider):
            w.setVisible(m == "wipe")
        for w in (self.opacity_label, self.opacity_slider):
            w.setVisible(m == "onion")
        for w in (self.blink_label, self.blink_spin):
            w.setVisible(m == "blink")
        self.right.setVisible(m in ("side", "grid"))
        if m == "blink":
            self._blink_show_after = False
            self.blink_timer.start()
        else:
            self.blink_timer.stop()

    def _wipe_changed(self, value: int) -> None:
        self.left.wipe = value / 1000
        self.left.update()

    def _opacity_changed(self, value: int) -> None:
        self.left.opacity = value / 1000
        self.left.update()

    def _blink_interval_changed(self, ms: int) -> None:
        self.blink_timer.setInterval(ms)

    def _blink(self) -> None:
        self._blink_show_after = not self._blink_show_after
        self._refresh()

    def _qimage(self, name: str, array_fn) -> QImage:
        img = self._images.get(name)
        if img is None:
            img = qimage_from_rgb(array_fn())
            self._images[name] = img
        return img

    def after_caption(self) -> str:
        parts = ["After"]
        if self.context is not None:
            parts.append(self.context.after.date_text)
        parts.append("aligned" if self.aligned else "as taken")
        if self.matched:
            parts.append("adjusted")
        return " · ".join(parts)

    def before_caption(self) -> str:
        return "Before" + (f" · {self.context.before.date_text}" if self.context else "")

    def _refresh(self) -> None:
        pics = self.pictures
        left, right = self.left, self.right
        for c in (left, right):
            c.grid = False
            c.caption_right = ""
        if pics is None:
            left.image = right.image = left.under = left.over = None
            left.caption = right.caption = ""
            left.update()
            right.update()
            return
        aligned = self.aligned and pics.after_aligned is not None
        matched = self.matched and bool(pics.matched)
        before = self._qimage("before", lambda: pics.before)
        after = self._qimage(f"after-{aligned}-{matched}", lambda: pics.after(aligned, matched))
        m = self.mode
        left.midline_x = right.midline_x = pics.midline_x
        left.eye_line_y = right.eye_line_y = pics.eye_line_y
        if m in ("side", "grid"):
            left.mode = right.mode = "single"
            left.image, right.image = before, after
            left.caption, right.caption = self.before_caption(), self.after_caption()
            left.grid = right.grid = m == "grid"
        elif m in ("wipe", "onion"):
            left.mode = m
            left.under, left.over = before, after
            left.wipe = self.wipe_slider.value() / 1000
            left.opacity = self.opacity_slider.value() / 1000
            left.caption = self.before_caption()
            left.caption_right = self.after_caption()
        elif m == "blink":
            left.mode = "single"
            left.image = after if self._blink_show_after else before
            left.caption = self.after_caption() if self._blink_show_after else self.before_caption()
        elif m == "diff":
            left.mode = "single"
            left.image = self._qimage(f"heat-{aligned}-{matched}", lambda: pics.heatmap(aligned, matched))
            left.caption = "Difference (brighter = more change)" + (
                "" if matched else " — exposure differences included; L matches lighting"
            )
            left.caption_right = self.after_caption()
        left.update()
        right.update()

    def shown_images(self) -> dict[str, QImage | None]:
        """What the canvases currently show: the pictures of the current mode."""
        return {"left": self.left.image, "right": self.right.image, "under": self.left.under, "over": self.left.over}

    def stop(self) -> None:
        self.blink_timer.stop()
        if self._task is not None:
            self._task.context.cancel()
