"""Label and note edits of a photo as undoable steps: a mislabelled view or expression breaks
the suggested pairs, so a wrong click must be one Ctrl+Z away."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

FIELD_NAMES = {"view_label": "view label", "expression_label": "expression label", "note": "note"}

PhotoWriter = Callable[[int, str, str | None], None]  # (photo id, field, value) -> saved


class PhotoEditCommand(QUndoCommand):
    """One label / note change of one photo; `write` saves a value (redo: new, undo: old)."""

    def __init__(self, write: PhotoWriter, photo_id: int, field: str, old: str | None, new: str | None) -> None:
        super().__init__(f"change {FIELD_NAMES.get(field, field)}")
        self.write, self.photo_id, self.field, self.old, self.new = write, photo_id, field, old, new

    def redo(self) -> None:
        self.write(self.photo_id, self.field, self.new)

    def undo(self) -> None:
        self.write(self.photo_id, self.field, self.old)
