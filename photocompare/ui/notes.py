"""Clinician's notes per period ("cycle 2") and per photo pair, stored by the course repository.

One note per scope; the repository keeps the history of every change. The widget saves when
the user presses Save (or leaves the field after editing), never silently on every key.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from photocompare.core.errors import PhotoCompareError
from photocompare.library import course_api as course_io


def period_scope(label: str) -> str:
    return f"period:{label}"


def pair_scope(before_photo_id: int, after_photo_id: int) -> str:
    return f"pair:{before_photo_id}:{after_photo_id}"


class NotesWidget(QWidget):
    """Edits the note of one scope (a period, or a pair of photos) of one patient."""

    saved = Signal(str)  # the scope

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._library: Any = None
        self._patient_id: int | None = None
        self._scope: str | None = None
        self._loaded_text = ""
        self.title = QLabel("Select a period to see or write its note.")
        self.edit = QPlainTextEdit()
        self.edit.setPlaceholderText("Note for the clinician (kept with its history)")
        self.edit.setAccessibleName("Note")
        self.save_button = QPushButton("Save note")
        self.save_button.clicked.connect(self.save)
        self.edit.textChanged.connect(self._dirty_changed)
        row = QHBoxLayout()
        row.addWidget(self.title, 1)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.edit, 1)
        self._set_scope(None, "")

    def set_patient(self, library: Any, patient_id: int | None) -> None:
        self._library = library
        self._patient_id = patient_id
        self._set_scope(None, "Select a period to see or write its note.")

    def set_period(self, label: str) -> None:
        self._set_scope(period_scope(label), f"Note on {label}")

    def set_pair(self, before_photo_id: int, after_photo_id: int, title: str = "") -> None:
        self._set_scope(pair_scope(before_photo_id, after_photo_id), title or "Note on this pair")

    def scope(self) -> str | None:
        return self._scope

    def text(self) -> str:
        return self.edit.toPlainText()

    def is_dirty(self) -> bool:
        return self._scope is not None and self.text() != self._loaded_text

    def _set_scope(self, scope: str | None, title: str) -> None:
        if self.is_dirty():
            self.save()
        self._scope = scope
        self.title.setText(title)
        text = ""
        if scope is not None and self._library is not None and self._patient_id is not None:
            text = course_io.get_note(self._library, self._patient_id, scope) or ""
        self._loaded_text = text
        self.edit.blockSignals(True)
        self.edit.setPlainText(text)
        self.edit.blockSignals(False)
        self.edit.setEnabled(scope is not None)
        self._dirty_changed()

    def _dirty_changed(self) -> None:
        self.save_button.setEnabled(self.is_dirty())

    def save(self) -> bool:
        if self._scope is None or self._library is None or self._patient_id is None:
            return False
        try:
            course_io.set_note(self._library, self._patient_id, self._scope, self.text())
        except PhotoCompareError as exc:
            QMessageBox.warning(self, "Note not saved", str(exc))
            return False
        self._loaded_text = self.text()
        self._dirty_changed()
        self.saved.emit(self._scope)
        return True

    def focusOutEvent(self, event) -> None:  # noqa: N802
        super().focusOutEvent(event)
