"""Photo inspector: preview with a landmark overlay toggle, EXIF summary, analysis figures, and
the editable view / expression labels and note (edits go through the window's undo stack)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from photocompare.core.labels import suggest_labels
from photocompare.core.pair_pictures import landmark_dot_radius_px
from photocompare.library.api import EXPRESSION_LABELS, VIEW_LABELS, PhotoRow
from photocompare.ui.qimage import qimage_from_rgb
from photocompare.ui.workers import TaskContext, run_task

PREVIEW_PX = 480
EXIF_KEYS_FIRST = ("DateTimeOriginal", "Make", "Model", "LensModel", "ExposureTime", "FNumber", "ISOSpeedRatings", "FocalLength", "Flash")


def _analysis_rows(measures: Any) -> list[tuple[str, str]]:
    face = getattr(measures, "face", None)
    if face is None:
        return [("Face", "no face found")]
    rows = [
        (
            "Faces found",
            str(face.faces_found)
            + (" — the largest, most central one is measured" if face.faces_found > 1 else ""),
        ),
        ("Head turn (yaw)", f"{face.yaw_deg:+.1f}°"),
        ("Head up/down (pitch)", f"{face.pitch_deg:+.1f}°"),
        ("Head tilt (roll)", f"{face.roll_deg:+.1f}°"),
        ("Interocular distance", f"{face.interocular_px:.0f} px"),
        ("Sharpness", f"{face.sharpness:.2f}"),
    ]
    lighting = getattr(face, "lighting", None)
    if lighting is not None:
        for name in ("exposure_ev", "contrast", "balance_lr", "direction_deg"):
            value = getattr(lighting, name, None)
            if isinstance(value, (int, float)):
                rows.append((f"Lighting {name.replace('_', ' ')}", f"{value:.2f}"))
    expr = getattr(face, "expression", None)
    if expr is not None:
        for f in dataclasses.fields(expr) if dataclasses.is_dataclass(expr) else []:
            name, value = f.name, getattr(expr, f.name)
            if isinstance(value, (int, float)):
                rows.append((name.replace("_iod", "").replace("_", " ").capitalize() + " (IOD)", f"{value:.2f}"))
    rows.append(("Found by", getattr(face, "detection", "")))
    return rows


class Inspector(QWidget):
    """Shows one photo; emits label_edit_requested(photo_id, field, new_value)."""

    label_edit_requested = Signal(int, str, object)

    def __init__(self, analysis: Any | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.analysis = analysis
        self.photo: PhotoRow | None = None
        self.measures: Any = None
        self._rgb: np.ndarray | None = None
        self._scale = 1.0
        self._generation = 0
        self.preview = QLabel("No photo selected")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(200)
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.landmarks_box = QCheckBox("Show landmarks")
        self.landmarks_box.setToolTip("Overlay the 478 face landmarks used for the checks and alignment")
        self.landmarks_box.toggled.connect(self._render_preview)
        self.view_combo = QComboBox()
        self.view_combo.addItem("—", None)
        for v in VIEW_LABELS:
            self.view_combo.addItem(v, v)
        self.expr_combo = QComboBox()
        self.expr_combo.addItem("—", None)
        for v in EXPRESSION_LABELS:
            self.expr_combo.addItem(v, v)
        self.suggest_button = QPushButton("Use suggestion")
        self.suggest_button.setToolTip("Set the labels suggested from head pose and expression measures")
        self.suggest_button.clicked.connect(self.apply_suggestion)
        self.suggestion = QLabel()
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("note for this photo")
        self.view_combo.activated.connect(lambda _i: self._edit("view_label", self.view_combo.currentData()))
        self.expr_combo.activated.connect(lambda _i: self._edit("expression_label", self.expr_combo.currentData()))
        self.note_edit.editingFinished.connect(lambda: self._edit("note", self.note_edit.text()))
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["", ""])
        self.table.horizontalHeader().hide()
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Photo details")
        form = QFormLayout()
        form.addRow("View:", self.view_combo)
        form.addRow("Expression:", self.expr_combo)
        form.addRow(self.suggestion, self.suggest_button)
        form.addRow("Note:", self.note_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.preview, 3)
        layout.addWidget(self.landmarks_box)
        layout.addLayout(form)
        layout.addWidget(self.table, 2)
        self.setEnabled(False)

    def _edit(self, field: str, value: Any) -> None:
        if self.photo is None:
            return
        current = getattr(self.photo, field)
        if (current or None) != (value or None):
            self.label_edit_requested.emit(self.photo.id, field, value)

    def apply_suggestion(self) -> None:
        view, expr = suggest_labels(self.measures) if self.measures is not None else (None, None)
        if view:
            self._edit("view_label", view)
        if expr:
            self._edit("expression_label", expr)

    def show_photo(self, photo: PhotoRow | None) -> Any:
        """Show a photo; returns the worker task loading its preview, EXIF and analysis."""
        self._generation += 1
        generation = self._generation
        self.photo = photo
        self.measures = None
        self._rgb = None
        self.table.setRowCount(0)
        if photo is None:
            self.setEnabled(False)
            self.title.setText("")
            self.preview.setText("No photo selected")
            self.preview.setPixmap(QPixmap())
            return None
        self.setEnabled(True)
        self.update_labels(photo)
        self.title.setText(f"<b>{photo.original_name}</b><br>{photo.date_text} ({photo.date_source or '?'})")
        self.preview.setText("Loading…")
        self.suggestion.setText("Analysing…")
        analysis = self.analysis

        def work(ctx: TaskContext) -> tuple[Any, dict, Any, str]:
            from photocompare.core.images import load_rgb, read_info

            info = read_info(photo.path)
            loaded = load_rgb(photo.path, max_side=PREVIEW_PX * 2)
            measures, error = None, ""
            if analysis is not None:
                try:
                    measures = analysis.measures(photo.path, photo.sha256)
                except Exception as exc:
                    error = str(exc)
            return loaded, info, measures, error

        def done(out) -> None:
            if generation != self._generation:
                return
            loaded, info, measures, error = out
            self._rgb = loaded.rgb
            self._scale = loaded.rgb.shape[1] / loaded.full_width
            self.measures = measures
            self._fill_table(photo, info, measures, error)
            view, expr = suggest_labels(measures) if measures is not None else (None, None)
            self.suggestion.setText(f"Suggested: {view or '—'} · {expr or '—'}" if measures else error or "")
            self.suggest_button.setEnabled(bool(view or expr))
            self._render_preview()

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.preview.setText(f"Cannot show this photo: {exc}")
                self.suggestion.setText("")

        return run_task(work, on_done=done, on_error=failed)

    def update_labels(self, photo: PhotoRow) -> None:
        if self.photo is not None and photo.id != self.photo.id:
            return
        self.photo = photo
        self.view_combo.setCurrentIndex(max(0, self.view_combo.findData(photo.view_label)))
        self.expr_combo.setCurrentIndex(max(0, self.expr_combo.findData(photo.expression_label)))
        if not self.note_edit.hasFocus() or self.note_edit.text() != photo.note:
            self.note_edit.setText(photo.note)

    def _fill_table(self, photo: PhotoRow, info: Any, measures: Any, error: str) -> None:
        rows: list[tuple[str, str]] = [
            ("Size", f"{photo.width} × {photo.height} ({photo.format})"),
            ("Camera", " ".join(x for x in (photo.camera_make, photo.camera_model) if x) or "unknown"),
            ("Orientation", str(photo.orientation) if photo.orientation else "none"),
            ("SHA-256", photo.sha256[:16] + "…"),
        ]
        exif = dict(getattr(info, "exif", {}) or {})
        for key in EXIF_KEYS_FIRST:
            if key in exif:
                rows.append((key, exif.pop(key)))
        for key in sorted(exif)[:30]:
            rows.append((key, exif[key]))
        rows.append(("— Analysis —", "" if measures is not None else (error or "not available")))
        if measures is not None:
            rows.extend(_analysis_rows(measures))
        self.table.setRowCount(len(rows))
        for r, (k, v) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(k))
            item = QTableWidgetItem(str(v))
            item.setToolTip(str(v))
            self.table.setItem(r, 1, item)
        self.table.resizeColumnToContents(0)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._render_preview()

    def _render_preview(self) -> None:
        if self._rgb is None:
            return
        image = qimage_from_rgb(self._rgb)
        pm = QPixmap.fromImage(image)
        face = getattr(self.measures, "face", None)
        if self.landmarks_box.isChecked() and face is not None:
            p = QPainter(pm)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(0, 255, 180, 220))
            points = np.asarray(face.landmarks_px)[:, :2] * self._scale
            target = self.preview.size()
            shown = min(target.width() / max(pm.width(), 1), target.height() / max(pm.height(), 1))
            r = landmark_dot_radius_px(points, shown if shown > 0 else 1.0)
            for x, y in points:
                p.drawEllipse(QPointF(float(x), float(y)), r, r)
            p.end()
        target = self.preview.size()
        if target.width() > 10 and target.height() > 10:
            pm = pm.scaled(target, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
        self.preview.setPixmap(pm)

    def landmarks_drawn(self) -> bool:
        return self.landmarks_box.isChecked() and getattr(self.measures, "face", None) is not None


class InspectorDock(QDockWidget):
    """The inspector as a dock that belongs to the Photos tab: it is about the grid's photo, so
    it gives its room to the other tabs and comes back with the Photos tab (if it was open)."""

    def __init__(self, inspector: Inspector, tabs: QTabWidget, parent: QWidget | None = None) -> None:
        super().__init__("Photo inspector", parent)
        self.setObjectName("inspector")
        self.setWidget(inspector)
        inspector.setMinimumWidth(240)
        self._tabs = tabs
        self._wanted = True
        self._last_tab = 0
        tabs.currentChanged.connect(self._tab_changed)

    def _tab_changed(self, _index: int) -> None:
        index = self._tabs.currentIndex()
        if self._last_tab == 0 and index != 0:
            self._wanted = not self.isHidden()
            self.hide()
        elif index == 0 and self._last_tab != 0:
            self.setVisible(self._wanted)
        self._last_tab = index

    def wanted(self) -> bool:
        """Whether the user has the inspector open — also while another tab has its room."""
        return self._wanted if self._tabs.currentIndex() != 0 else not self.isHidden()

    def set_wanted(self, on: bool) -> None:
        """Open or close it as remembered from the last session (the saved dock layout alone
        would keep it closed for good when the app was closed on another tab)."""
        self._wanted = on
        if self._tabs.currentIndex() == 0:
            self.setVisible(on)
