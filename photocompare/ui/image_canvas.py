"""Canvases of the compare view: one shared zoom/pan state, so side-by-side panes stay in
step, and a canvas that paints one picture, or two for the slider wipe and the onion skin,
with captions and the grid / midline overlay."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from photocompare.settings import CompareSettings
from photocompare.ui import palette


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
        # "On the face": the face box (scene px) and how much room around it; like "fit", the
        # zoom follows the panes' size until the user zooms or pans.
        self.face_box: tuple[float, float, float, float] | None = None
        self.face_factor = CompareSettings().face_view_box_factor
        self.on_face = False
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

    def set_scene(self, w: int, h: int, face_box: tuple[float, float, float, float] | None = None) -> None:
        """A new picture of w x h scene px; shown on `face_box` when given, else fitted."""
        self.scene_w, self.scene_h = max(1, w), max(1, h)
        self.face_box = face_box
        if face_box is not None:
            self.set_face()
            return
        self.cx, self.cy = w / 2, h / 2
        self.fit = True
        self.on_face = False
        self.changed.emit()

    def face_zoom(self, view_w: float, view_h: float) -> float:
        """The zoom at which the face box (times `face_factor`) fills the view; never less
        than "fit" (a face filling the frame is shown whole)."""
        fit = self.fit_zoom(view_w, view_h)
        if self.face_box is None:
            return fit
        _x, _y, w, h = self.face_box
        zoom = min(view_w / max(1.0, w * self.face_factor), view_h / max(1.0, h * self.face_factor))
        return float(np.clip(max(fit, zoom), 0.02, 32.0))

    def set_face(self) -> bool:
        """Show the face (both panes, since they share this state); False without a face."""
        if self.face_box is None:
            return False
        x, y, w, h = self.face_box
        self.cx, self.cy = x + w / 2, y + h / 2
        self.fit = False
        self.on_face = True
        self.changed.emit()
        return True

    def fit_zoom(self, view_w: int, view_h: int) -> float:
        return max(1e-3, min(view_w / self.scene_w, view_h / self.scene_h))

    def set_view(self, zoom: float, cx: float, cy: float) -> None:
        self.zoom = float(np.clip(zoom, 0.02, 32.0))
        self.cx = float(np.clip(cx, 0, self.scene_w))
        self.cy = float(np.clip(cy, 0, self.scene_h))
        self.fit = False
        self.on_face = False
        self.changed.emit()

    def set_fit(self) -> None:
        self.fit = True
        self.on_face = False
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
        if s.fit:
            return s.fit_zoom(*s.viewport())
        if s.on_face:
            return s.face_zoom(*s.viewport())
        return s.zoom

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
        p.fillRect(self.rect(), palette.CANVAS_BACKDROP)
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
            p.setPen(QPen(palette.OVERLAY_LINE, 2))
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
        pen = QPen(palette.MIDLINE, 2, Qt.PenStyle.DashLine)
        p.setPen(pen)
        mx = self.midline_x if self.midline_x is not None else s.scene_w / 2
        x = self.scene_to_widget(mx, 0).x()
        p.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
        if self.eye_line_y is not None:
            y = self.scene_to_widget(0, self.eye_line_y).y()
            p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))

    def caption_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(9.0, font.pointSizeF()))
        font.setBold(True)
        return font

    def caption_boxes(self) -> list[tuple[QRectF, str, str]]:
        """Where the captions go: the left one top-left, the right one top-right, or on the next
        row when the two would overlap (the difference map's long title next to "After · …" in
        a narrow pane); a caption wider than the pane is elided, never cut off mid-letter."""
        fm = QFontMetrics(self.caption_font())
        margin, pad, gap = 6, 12, 8
        room = max(20, self.width() - 2 * margin - pad)
        h = fm.height() + 6
        out: list[tuple[QRectF, str, str]] = []  # box, shown text, full text
        y = margin
        left_box: QRectF | None = None
        for text, right in ((self.caption, False), (self.caption_right, True)):
            if not text:
                continue
            shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, room)
            w = fm.horizontalAdvance(shown) + pad
            x = self.width() - w - margin if right else margin
            box = QRectF(x, y, w, h)
            if right and left_box is not None and box.left() < left_box.right() + gap:
                box.moveTop(left_box.bottom() + 4)  # no room beside the title: the next row
            if not right:
                left_box = box
            out.append((box, shown, text))
        return out

    def _paint_caption(self, p: QPainter) -> None:
        p.setFont(self.caption_font())
        for box, shown, text in self.caption_boxes():
            p.fillRect(box, QColor(0, 0, 0, 170))
            p.setPen(palette.CAPTION_ADJUSTED if "adjusted" in text else palette.CAPTION)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, shown)
