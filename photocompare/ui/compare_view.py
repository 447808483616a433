"""The compare view: a before/after pair in six modes, with the consistency panel beside it.

Modes (shortcut): 1 side by side (synchronised zoom and pan), 2 slider wipe, 3 onion skin
(opacity slider), 4 blink (adjustable interval), 5 difference heat map, 6 grid / midline
overlay. Toggles: A aligned / as taken, L display-only lighting match (the after picture is then
labelled "adjusted"), F or Ctrl+0 fit, Ctrl+1 100 %, +/- zoom, wheel zoom about the cursor,
drag to pan, F11 full screen.

Everything heavy (decoding at full resolution, analysis, alignment warp, lighting match,
difference map) runs on a worker; the GUI thread only paints ready-made images. The warp and the
lighting match are B's (`core.align`); this module only arranges pictures on screen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QColor,
    QFont,
    QImage,
    QKeySequence,
    QPainter,
    QPen,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from photocompare.ui.consistency_panel import ConsistencyPanel
from photocompare.ui.thumbnail_loader import qimage_from_rgb
from photocompare.ui.workers import TaskContext, run_task

log = logging.getLogger(__name__)

DISPLAY_MAX_SIDE = 2048
HEAT_FULL_SCALE = 64.0  # grey-level difference shown as the hottest colour

MODES = (
    ("side", "Side by side", "1"),
    ("wipe", "Slider", "2"),
    ("onion", "Onion skin", "3"),
    ("blink", "Blink", "4"),
    ("diff", "Difference", "5"),
    ("grid", "Grid / midline", "6"),
)


# --------------------------------------------------------------------------------------------
# Pictures prepared off the GUI thread
# --------------------------------------------------------------------------------------------
@dataclass
class PairPictures:
    """Display-resolution arrays, all in BEFORE's frame (H, W of `before`)."""

    before: np.ndarray
    after_taken: np.ndarray  # as taken, scaled to before's width (cropped/padded to its height)
    after_aligned: np.ndarray | None  # warped onto before by B's alignment
    full_width: int
    aligned_valid: np.ndarray | None = None  # bool (H, W): the warped after photo has pixels  # before's full-resolution width (100 % zoom)
    matched: dict[bool, np.ndarray] = field(default_factory=dict)  # aligned? -> lighting-matched
    heat: dict[tuple[bool, bool], np.ndarray] = field(default_factory=dict)
    midline_x: float | None = None  # face midline in display px of before
    eye_line_y: float | None = None
    result: Any = None  # B's PairResult (or None when the analysis is unavailable)
    note: str = ""  # why alignment / checks are missing

    def after(self, aligned: bool, matched: bool) -> np.ndarray:
        base = self.after_aligned if aligned and self.after_aligned is not None else self.after_taken
        key = aligned and self.after_aligned is not None
        if matched and key in self.matched:
            return self.matched[key]
        return base

    def heatmap(self, aligned: bool, matched: bool) -> np.ndarray:
        key = (aligned and self.after_aligned is not None, matched)
        if key not in self.heat:
            valid = self.aligned_valid if key[0] else None
            self.heat[key] = difference_heatmap(self.before, self.after(*key), valid)
        return self.heat[key]


def _resize(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    import cv2

    return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)


def _display_size(w: int, h: int) -> tuple[int, int, float]:
    s = min(1.0, DISPLAY_MAX_SIDE / max(w, h))
    return max(1, round(w * s)), max(1, round(h * s)), s


def _fit_into(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale to `width` keeping the aspect ratio; crop or pad (black) to `height`."""
    h, w = rgb.shape[:2]
    new_h = max(1, round(h * width / w))
    scaled = _resize(rgb, width, new_h)
    out = np.zeros((height, width, 3), np.uint8)
    top = max(0, (height - new_h) // 2)
    src_top = max(0, (new_h - height) // 2)
    rows = min(height, new_h)
    out[top : top + rows] = scaled[src_top : src_top + rows]
    return out


def difference_heatmap(before: np.ndarray, after: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """|luminance difference| as a colour map (fixed scale, so identical photos look dark).
    Outside `valid` (where the aligned after photo has no pixels) nothing is compared."""
    import cv2

    a = cv2.cvtColor(before, cv2.COLOR_RGB2GRAY).astype(np.float32)
    b = cv2.cvtColor(after, cv2.COLOR_RGB2GRAY).astype(np.float32)
    diff = cv2.GaussianBlur(np.abs(a - b), (0, 0), 1.5)
    if valid is not None:
        diff[~cv2.erode(valid.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)] = 0
    level = np.clip(diff * (255.0 / HEAT_FULL_SCALE), 0, 255).astype(np.uint8)
    heat = cv2.cvtColor(cv2.applyColorMap(level, cv2.COLORMAP_INFERNO), cv2.COLOR_BGR2RGB)
    grey = cv2.cvtColor(a.astype(np.uint8), cv2.COLOR_GRAY2RGB)
    return cv2.addWeighted(heat, 0.8, grey, 0.2, 0)


def prepare_pair(
    before_path: str,
    after_path: str,
    analysis: Any | None,
    thresholds: Any,
    ctx: TaskContext | None = None,
) -> PairPictures:
    """Worker-side: analyse and align the pair (B's core), then build the display pictures."""
    from photocompare.core.images import load_rgb

    def step(i: int, text: str) -> None:
        if ctx is not None:
            ctx.progress(i, 5, text)

    result, note = None, ""
    if analysis is not None:
        step(0, "Checking the pair…")
        try:
            result = analysis.compare(before_path, after_path, thresholds, align=True)
        except Exception as exc:  # the pictures are still worth showing
            log.warning("pair analysis failed: %s", exc)
            note = f"Analysis failed: {exc}"
    step(1, "Loading the photos…")
    before_img = load_rgb(before_path, max_side=DISPLAY_MAX_SIDE)
    after_img = load_rgb(after_path, max_side=DISPLAY_MAX_SIDE)
    before = before_img.rgb
    if max(before.shape[:2]) > DISPLAY_MAX_SIDE:
        dw, dh, _ = _display_size(before.shape[1], before.shape[0])
        before = _resize(before, dw, dh)
    dh, dw = before.shape[:2]
    before_scale = dw / before_img.full_width  # display px per full-res px
    after_taken = _fit_into(after_img.rgb, dw, dh)
    aligned = None
    aligned_valid = None
    alignment = getattr(result, "alignment", None) if result is not None else None
    if alignment is not None:
        step(2, "Aligning…")
        try:
            from photocompare.core.align import warp_with_coverage

            after_scale = after_img.rgb.shape[1] / after_img.full_width
            warped = warp_with_coverage(
                after_img.rgb, alignment, before.shape, after_scale=after_scale, before_scale=before_scale
            )
            aligned, aligned_valid = warped.rgb, warped.coverage
        except Exception as exc:
            log.warning("alignment warp failed: %s", exc)
            note = note or f"Alignment could not be applied: {exc}"
    elif result is not None and not note:
        note = "No alignment: a face was not found in both photos."
    pics = PairPictures(
        before=np.ascontiguousarray(before),
        after_taken=after_taken,
        after_aligned=aligned,
        aligned_valid=aligned_valid,
        full_width=before_img.full_width,
        result=result,
        note=note,
    )
    step(3, "Matching lighting (display only)…")
    try:
        from photocompare.core.align import match_photometric

        pics.matched[False] = np.ascontiguousarray(match_photometric(after_taken, pics.before))
        if aligned is not None:
            pics.matched[True] = np.ascontiguousarray(match_photometric(aligned, pics.before))
    except Exception as exc:  # lighting match is optional; the toggle is disabled without it
        log.info("lighting match unavailable: %s", exc)
    step(4, "Difference map…")
    default_aligned = aligned is not None
    pics.heatmap(default_aligned, False)
    face = getattr(getattr(result, "before", None), "face", None)
    if face is not None:
        s = before_scale
        try:
            lm = np.asarray(face.landmarks_px)
            # midline through nose bridge (168) and chin (152); eye line through eye corners
            pics.midline_x = float((lm[168, 0] + lm[152, 0]) / 2 * s)
            pics.eye_line_y = float((lm[33, 1] + lm[263, 1]) / 2 * s)
        except Exception:
            x, y, w, h = face.box
            pics.midline_x = (x + w / 2) * s
    step(5, "Ready")
    return pics


# --------------------------------------------------------------------------------------------
# Synchronised zoom / pan
# --------------------------------------------------------------------------------------------
class ViewState(QObject):
    """Zoom (screen px per scene px) and the scene point at the view's centre; shared by all
    canvases so side-by-side panes stay in step."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.zoom = 1.0
        self.cx = 0.0
        self.cy = 0.0
        self.fit = True
        self.scene_w = 1
        self.scene_h = 1
        self.canvases: list[QWidget] = []

    def viewport(self) -> tuple[float, float]:
        """The common viewport of the visible canvases (the smallest), so panes that differ by
        a layout pixel still show exactly the same part of the scene at the same zoom."""
        sizes = [(c.width(), c.height()) for c in self.canvases if c.isVisible()] or [
            (c.width(), c.height()) for c in self.canvases
        ]
        if not sizes:
            return 1.0, 1.0
        return float(max(1, min(w for w, _ in sizes))), float(max(1, min(h for _, h in sizes)))

    def set_scene(self, w: int, h: int) -> None:
        self.scene_w, self.scene_h = max(1, w), max(1, h)
        self.cx, self.cy = w / 2, h / 2
        self.fit = True
        self.changed.emit()

    def fit_zoom(self, view_w: int, view_h: int) -> float:
        return max(1e-3, min(view_w / self.scene_w, view_h / self.scene_h))

    def set_view(self, zoom: float, cx: float, cy: float) -> None:
        self.zoom = float(np.clip(zoom, 0.02, 32.0))
        self.cx = float(np.clip(cx, 0, self.scene_w))
        self.cy = float(np.clip(cy, 0, self.scene_h))
        self.fit = False
        self.changed.emit()

    def set_fit(self) -> None:
        self.fit = True
        self.cx, self.cy = self.scene_w / 2, self.scene_h / 2
        self.changed.emit()


class ImageCanvas(QWidget):
    """Paints one or two pictures in scene coordinates under the shared ViewState."""

    def __init__(self, state: ViewState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        state.canvases.append(self)
        state.changed.connect(self.update)
        self.setMinimumSize(160, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.mode = "single"
        self.image: QImage | None = None  # single / blink-current / diff
        self.under: QImage | None = None  # wipe, onion: the BEFORE picture
        self.over: QImage | None = None  # wipe, onion: the AFTER picture
        self.wipe = 0.5
        self.opacity = 0.5
        self.caption = ""
        self.caption_right = ""
        self.grid = False
        self.midline_x: float | None = None
        self.eye_line_y: float | None = None
        self._drag: QPointF | None = None
        self.setMouseTracking(False)

    # geometry ---------------------------------------------------------------------------
    def effective_zoom(self) -> float:
        s = self.state
        return s.fit_zoom(*s.viewport()) if s.fit else s.zoom

    def _centre(self) -> tuple[float, float]:
        vw, vh = self.state.viewport()
        return vw / 2, vh / 2

    def scene_to_widget(self, x: float, y: float) -> QPointF:
        z = self.effective_zoom()
        ox, oy = self._centre()
        return QPointF(ox + (x - self.state.cx) * z, oy + (y - self.state.cy) * z)

    def widget_to_scene(self, p: QPointF) -> tuple[float, float]:
        z = self.effective_zoom()
        ox, oy = self._centre()
        return self.state.cx + (p.x() - ox) / z, self.state.cy + (p.y() - oy) / z

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        s = self.state
        z = self.effective_zoom()
        ox, oy = self._centre()
        anchor = anchor if anchor is not None else QPointF(ox, oy)
        sx, sy = self.widget_to_scene(anchor)
        new_z = float(np.clip(z * factor, 0.02, 32.0))
        cx = sx - (anchor.x() - ox) / new_z
        cy = sy - (anchor.y() - oy) / new_z
        s.set_view(new_z, cx, cy)

    # events -----------------------------------------------------------------------------
    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.25**steps, event.position())
        event.accept()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            if self.mode == "wipe" and event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self._set_wipe_from(event.position())
            else:
                self._drag = event.position()
                self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event) -> None:
        if self._drag is not None:
            delta = event.position() - self._drag
            self._drag = event.position()
            z = self.effective_zoom()
            self.state.set_view(z, self.state.cx - delta.x() / z, self.state.cy - delta.y() / z)

    def mouseReleaseEvent(self, event) -> None:
        self._drag = None
        self.unsetCursor()

    def _set_wipe_from(self, pos: QPointF) -> None:
        x, _ = self.widget_to_scene(pos)
        self.wipe = float(np.clip(x / self.state.scene_w, 0, 1))
        self.update()

    # painting ---------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#1e1e1e"))
        s = self.state
        z = self.effective_zoom()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, z < 2.0)
        p.save()
        p.translate(*self._centre())
        p.scale(z, z)
        p.translate(-s.cx, -s.cy)
        scene = QRectF(0, 0, s.scene_w, s.scene_h)
        if self.mode in ("wipe", "onion") and self.under is not None and self.over is not None:
            if self.mode == "wipe":
                split = s.scene_w * self.wipe
                p.drawImage(scene, self.over)
                p.save()
                p.setClipRect(QRectF(0, 0, split, s.scene_h))
                p.drawImage(scene, self.under)
                p.restore()
            else:
                p.drawImage(scene, self.under)
                p.setOpacity(self.opacity)
                p.drawImage(scene, self.over)
                p.setOpacity(1.0)
        elif self.image is not None:
            p.drawImage(scene, self.image)
        p.restore()
        if self.mode == "wipe" and self.under is not None:
            x = self.scene_to_widget(s.scene_w * self.wipe, 0).x()
            p.setPen(QPen(QColor("#ffffff"), 2))
            p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        if self.grid:
            self._paint_grid(p)
        self._paint_caption(p)
        p.end()

    def _paint_grid(self, p: QPainter) -> None:
        s = self.state
        top_left = self.scene_to_widget(0, 0)
        bottom_right = self.scene_to_widget(s.scene_w, s.scene_h)
        rect = QRectF(top_left, bottom_right)
        p.setPen(QPen(QColor(255, 255, 255, 90), 1))
        for i in range(1, 8):
            x = rect.left() + rect.width() * i / 8
            y = rect.top() + rect.height() * i / 8
            p.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
        pen = QPen(QColor("#00e0ff"), 2, Qt.PenStyle.DashLine)
        p.setPen(pen)
        mx = self.midline_x if self.midline_x is not None else s.scene_w / 2
        x = self.scene_to_widget(mx, 0).x()
        p.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
        if self.eye_line_y is not None:
            y = self.scene_to_widget(0, self.eye_line_y).y()
            p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))

    def _paint_caption(self, p: QPainter) -> None:
        font = QFont(self.font())
        font.setPointSizeF(max(9.0, font.pointSizeF()))
        font.setBold(True)
        p.setFont(font)
        fm = p.fontMetrics()
        for text, right in ((self.caption, False), (self.caption_right, True)):
            if not text:
                continue
            w = fm.horizontalAdvance(text) + 12
            h = fm.height() + 6
            x = self.width() - w - 6 if right else 6
            box = QRectF(x, 6, w, h)
            p.fillRect(box, QColor(0, 0, 0, 170))
            p.setPen(QColor("#ffd54a") if "adjusted" in text else QColor("#ffffff"))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


# --------------------------------------------------------------------------------------------
# The view
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PairContext:
    """What a pair is: the two photos (PhotoRow), and the migraine-course periods they fall in."""

    before: Any
    after: Any
    before_period: Any = None
    after_period: Any = None
    course_report: Any = None
    patient: Any = None


class CompareView(QWidget):
    """Before/after comparison with six modes; see the module docstring for the shortcuts."""

    pair_ready = Signal(object)  # PairPictures
    pair_changed = Signal(object)  # PairContext, as soon as a pair is chosen
    mode_changed = Signal(str)
    export_requested = Signal()
    print_requested = Signal()
    busy_changed = Signal(bool)
    full_screen_requested = Signal()

    def __init__(self, analysis: Any | None = None, parent: QWidget | None = None) -> None:
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
        for b in (self.fit_button, self.actual_button, self.full_button, self.export_button, self.print_button):
            bar2.addWidget(b)

        for text, slot in (
            ("A", lambda: self.aligned_box.isEnabled() and self.aligned_box.toggle()),
            ("L", lambda: self.matched_box.toggle()),
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
        self.aligned_box.setEnabled(on and self.pictures is not None and self.pictures.after_aligned is not None)
        self.matched_box.setEnabled(on and self.pictures is not None and bool(self.pictures.matched))

    # --- opening a pair ----------------------------------------------------------------
    def open_pair(self, context: PairContext, thresholds: Any = None) -> Any:
        """Start preparing the pair off the GUI thread; returns the worker task."""
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
        self.state.set_scene(w, h)
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
        def text(period: Any) -> str:
            if period is None:
                return "no diary figures"
            label = getattr(period, "label", "period")
            per28 = getattr(period, "headache_days_per_28", None)
            change = getattr(period, "headache_change_pct", None)
            out = f"<b>{label}</b>"
            if per28 is not None:
                out += f": {per28:.1f} headache days / 28"
            if change is not None:
                out += f" ({change:+.0f} %)"
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
        """What the canvases currently show (tests)."""
        return {"left": self.left.image, "right": self.right.image, "under": self.left.under, "over": self.left.over}

    def stop(self) -> None:
        self.blink_timer.stop()
        if self._task is not None:
            self._task.context.cancel()
