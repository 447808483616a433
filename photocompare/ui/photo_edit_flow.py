"""Correcting photos from the main window: Move to trash (Delete key, Edit menu, the grid's
context menu), Move to patient… and Correct capture date… (context menu, Edit menu), and the
label and note edits of the inspector — all on the window's one Undo/Redo stack.

The edits are `ui.photo_edit_actions.PhotoEditHistory` (audited and version-checked by
`library.photo_edits`); each applied edit is mirrored by a command on the window's QUndoStack,
so Edit ▸ Undo undoes the latest thing the user did, a label change or a move alike. The views
do not reload here: the library announces the committed change (`ui.library_events`) and the
window reloads the patient's photos and figures from that one notification.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QMenu, QWidget

from photocompare.library import api as la
from photocompare.ui.messages import open_warning, show_error
from photocompare.ui.photo_edit_actions import PhotoEditHistory, ask_move_photos, ask_redate_photo
from photocompare.ui.photo_edits import PhotoEditCommand

if TYPE_CHECKING:
    from photocompare.library.db import Library
    from photocompare.ui.photo_grid import PhotoGridView

log = logging.getLogger(__name__)


class _HistoryStep(QUndoCommand):
    """One applied PhotoEditHistory action on the QUndoStack: it is already done when pushed
    (the first redo does nothing); undo and redo then go through the history."""

    def __init__(self, flow: PhotoEditFlow, text: str) -> None:
        super().__init__(text)
        self.flow = flow
        self.done = True

    def redo(self) -> None:
        if self.done:  # pushed after the edit was applied
            return
        self.done = True
        self.flow.history_step(redo=True)

    def undo(self) -> None:
        self.done = False
        self.flow.history_step(redo=False)


class PhotoEditFlow(QObject):
    """The photo-correcting actions of one main window (`trash_action`, `move_action`,
    `redate_action`), the grid's context menu, and the inspector's label edits."""

    def __init__(
        self,
        library: Library,
        undo_stack: QUndoStack,
        grid: PhotoGridView,
        photos: Callable[[], list[la.PhotoRow]],
        photos_updated: Callable[[list[la.PhotoRow]], None],
        report_status: Callable[[str, int], None],
        parent: QWidget,
        *,
        grid_in_view: Callable[[], bool] = lambda: True,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.undo_stack = undo_stack
        self.grid = grid
        self.photos = photos
        self.photos_updated = photos_updated
        self.report_status = report_status
        self.parent_widget = parent
        self.grid_in_view = grid_in_view
        self.last_failure = ""
        self.history = self._new_history()

        self.trash_action = QAction("Move to &trash", parent)
        self.trash_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.trash_action.setStatusTip("Move the selected photos to the trash (Undo brings them back)")
        self.trash_action.triggered.connect(self.trash_selected)
        self.move_action = QAction("Move to &patient…", parent)
        self.move_action.setStatusTip("File the selected photos under another patient")
        self.move_action.triggered.connect(self.move_selected)
        self.redate_action = QAction("Correct capture &date…", parent)
        self.redate_action.setStatusTip("Correct the date a photo was taken (the file is not changed)")
        self.redate_action.triggered.connect(self.redate_selected)
        grid.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        grid.customContextMenuRequested.connect(self.show_context_menu)
        grid.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        self.update_actions()

    # --- actions -------------------------------------------------------------------------
    def actions(self) -> list[QAction]:
        return [self.trash_action, self.move_action, self.redate_action]

    def update_actions(self) -> None:
        n = len(self.grid.selected_photos())
        self.trash_action.setEnabled(n > 0)
        self.move_action.setEnabled(n > 0)
        self.redate_action.setEnabled(n == 1)

    def _selected_ids(self) -> list[int]:
        return [p.id for p in self.grid.selected_photos()] if self.grid_in_view() else []

    def trash_selected(self) -> bool:
        ids = self._selected_ids()
        return bool(ids) and self._recorded(self.history.trash(ids))

    def move_selected(self) -> bool:
        ids = self._selected_ids()
        return bool(ids) and self._recorded(ask_move_photos(self.parent_widget, self.library, ids, self.history))

    def redate_selected(self) -> bool:
        ids = self._selected_ids()
        if len(ids) != 1:
            self.report_status("Select one photo to correct its date.", 5000)
            return False
        return self._recorded(ask_redate_photo(self.parent_widget, self.library, ids[0], self.history))

    def show_context_menu(self, pos: QPoint) -> QMenu | None:
        """The grid's context menu on the photos under the cursor (right-click selects first)."""
        index = self.grid.indexAt(pos)
        if index.isValid() and not self.grid.selectionModel().isSelected(index):
            self.grid.setCurrentIndex(index)
        self.update_actions()
        if not self.grid.selected_photos():
            return None
        menu = QMenu(self.grid)
        menu.addAction(self.move_action)
        menu.addAction(self.redate_action)
        menu.addSeparator()
        menu.addAction(self.trash_action)
        menu.popup(self.grid.viewport().mapToGlobal(pos))
        return menu

    # --- the undo stack ------------------------------------------------------------------
    def _recorded(self, applied: bool) -> bool:
        if applied:
            self.undo_stack.push(_HistoryStep(self, self.history.undo_text().removeprefix("Undo ")))
        return applied

    def history_step(self, *, redo: bool) -> None:
        ok = self.history.redo() if redo else self.history.undo()
        if not ok:  # refused (another workstation changed the photo): the stack can't follow
            QTimer.singleShot(0, self.clear)

    def clear(self) -> None:
        """Forget the undo history (another patient is open, or an undo was refused)."""
        self.undo_stack.clear()
        old, self.history = self.history, self._new_history()
        old.deleteLater()

    def _new_history(self) -> PhotoEditHistory:
        history = PhotoEditHistory(self.library, self)
        history.failed.connect(self._failed)
        history.changed.connect(lambda text: text and self.report_status(text, 8000))
        return history

    def _failed(self, text: str) -> None:
        self.last_failure = text
        open_warning(self.parent_widget, "The photo could not be changed", text)

    # --- label and note edits (the inspector) ---------------------------------------------
    def edit_label(self, photo_id: int, field: str, value: str | None) -> None:
        photo = next((p for p in self.photos() if p.id == photo_id), None)
        if photo is not None:
            self.undo_stack.push(PhotoEditCommand(self._write_photo, photo_id, field, getattr(photo, field), value))

    def _write_photo(self, photo_id: int, field: str, value: str | None) -> None:
        try:
            row = la.update_photo(self.library, photo_id, **{field: value})
        except Exception as exc:
            show_error(self.parent_widget, "The change could not be saved", exc)
            return
        self.photos_updated([row])
