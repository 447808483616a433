"""Thumbnail grid of a patient's photos: a list model plus an icon-mode QListView.

Smooth with thousands of photos: uniform item sizes, batched layout, and thumbnails asked for
only when a cell is painted (`ThumbnailLoader` decodes them off the GUI thread).
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyledItemDelegate, QWidget

from photocompare.core.labels import EXPRESSION_LABELS, VIEW_LABELS
from photocompare.library.api import PhotoRow
from photocompare.ui import palette
from photocompare.ui.thumbnail_loader import ThumbnailLoader

CAPTION_LINES = 2  # date, then view · expression
CAPTION_PAD_PX = 12  # the item delegate's margins around the caption and under the icon

PhotoRole = Qt.ItemDataRole.UserRole + 1
PhotoIdRole = Qt.ItemDataRole.UserRole + 2


def caption_labels(view: str | None, expression: str | None) -> str:
    """The caption's second line: "view · expression", or "unlabelled"."""
    return " · ".join(x for x in (view, expression) if x) or "unlabelled"


def _placeholder(size: int, text_colour: QColor = palette.THUMBNAIL_TEXT) -> QPixmap:
    pm = QPixmap(size, size)
    pm.fill(palette.THUMBNAIL_BACKDROP)
    p = QPainter(pm)
    p.setPen(text_colour)
    p.drawText(pm.rect(), Qt.AlignmentFlag.AlignCenter, "…")
    p.end()
    return pm


class PhotoGridModel(QAbstractListModel):
    def __init__(self, loader: ThumbnailLoader, parent=None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._rows: list[PhotoRow] = []
        self._row_of_key: dict[str, list[int]] = {}
        self._placeholder = _placeholder(loader.size)
        self._broken = _placeholder(loader.size, palette.THUMBNAIL_BROKEN)
        self.period_labels: dict[int, str] = {}
        loader.ready.connect(self._thumbnail_ready)
        loader.failed.connect(lambda key, _reason: self._thumbnail_ready(key))

    def set_photos(self, rows: list[PhotoRow], period_labels: dict[int, str] | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.period_labels = dict(period_labels or {})
        self._row_of_key = {}
        for i, r in enumerate(self._rows):
            self._row_of_key.setdefault(r.sha256, []).append(i)
        self.endResetModel()

    def update_photo(self, row: PhotoRow) -> None:
        self.update_photos({row.id: row})

    def update_photos(self, rows: dict[int, PhotoRow]) -> None:
        """Replace changed rows (labels, note) and repaint only those cells."""
        for i, r in enumerate(self._rows):
            new = rows.get(r.id)
            if new is not None:
                self._rows[i] = new
                idx = self.index(i)
                self.dataChanged.emit(idx, idx)

    def photos(self) -> list[PhotoRow]:
        return list(self._rows)

    def photo_at(self, row: int) -> PhotoRow:
        return self._rows[row]

    def row_of_photo(self, photo_id: int) -> int:
        for i, r in enumerate(self._rows):
            if r.id == photo_id:
                return i
        return -1

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        r = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{r.date_text}\n{caption_labels(r.view_label, r.expression_label)}"
        if role == Qt.ItemDataRole.DecorationRole:
            pm = self._loader.pixmap(r.sha256, r.path)
            if pm is not None:
                return pm
            return self._broken if self._loader.failure(r.sha256) else self._placeholder
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [r.original_name, f"taken {r.date_text} ({r.date_source or 'unknown'})"]
            period = self.period_labels.get(r.id)
            if period:
                lines.append(f"period: {period}")
            if r.note:
                lines.append(f"note: {r.note}")
            failure = self._loader.failure(r.sha256)
            if failure:
                lines.append(f"thumbnail: {failure}")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Photo {r.original_name}, {r.date_text}"
        if role == PhotoRole:
            return r
        if role == PhotoIdRole:
            return r.id
        return None

    def _thumbnail_ready(self, key: str) -> None:
        for i in self._row_of_key.get(key, ()):
            idx = self.index(i)
            self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])


class _CellDelegate(QStyledItemDelegate):
    """Every cell is the grid cell: the default size follows the first photo's thumbnail and
    wraps the caption to the icon's width, which cut "right-oblique · neutral" into a third,
    hidden line under a portrait photo."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 (Qt API)
        grid = self._view.gridSize()
        gap = 2 * self._view.spacing()
        return QSize(max(1, grid.width() - gap), max(1, grid.height() - gap))


class PhotoGridView(QListView):
    """Icon grid; Enter opens the compare view on the selection."""

    activated_pair = Signal()

    def __init__(self, model: PhotoGridModel, icon_px: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setItemDelegate(_CellDelegate(self))
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(200)
        self.setIconSize(QSize(icon_px, icon_px))
        self.setSpacing(4)
        self._fit_grid_to_captions()
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAccessibleName("Photos")
        self.empty_text = ""  # shown in the empty grid: what to do next

    def _fit_grid_to_captions(self) -> None:
        """Cells tall enough for a full-height (portrait) thumbnail AND its two caption lines at
        the current font: a fixed text allowance cut the captions off under tall photos as soon
        as the font was larger than the one it was measured with."""
        px = self.iconSize().width()
        fm = self.fontMetrics()
        text_h = CAPTION_LINES * fm.lineSpacing() + CAPTION_PAD_PX
        widest = max(fm.horizontalAdvance(caption_labels(v, e)) for v in VIEW_LABELS for e in EXPRESSION_LABELS)
        self.setGridSize(QSize(max(px + 24, widest + CAPTION_PAD_PX), px + text_h + 2 * self.spacing()))

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_grid_to_captions()

    def set_empty_text(self, text: str) -> None:
        self.empty_text = text
        self.viewport().update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().paintEvent(event)
        if self.empty_text and self.model() is not None and self.model().rowCount() == 0:
            p = QPainter(self.viewport())
            p.setPen(self.palette().color(self.palette().ColorRole.PlaceholderText))
            p.drawText(
                self.viewport().rect().adjusted(24, 24, -24, -24),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.empty_text,
            )
            p.end()

    def selected_photos(self) -> list[PhotoRow]:
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        m: PhotoGridModel = self.model()  # type: ignore[assignment]
        return [m.photo_at(r) for r in rows]

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.activated_pair.emit()
            return
        super().keyPressEvent(event)
