"""Correcting photos in the app: delete (to the trash), move to another patient, correct the
capture date — each undoable from the Edit menu. The main window wires these in:

    history = PhotoEditHistory(library, parent=window)      # one per open library
    history.changed.connect(window.refresh_after_photo_edit) # the photo list and figures reload
    # Delete key / context menu "Move to trash":
    history.trash(photo_ids)
    # context menu "Move to another patient…":
    ask_move_photos(window, library, photo_ids, history)
    # context menu "Correct the date…":
    ask_redate_photo(window, library, photo_id, history)
    # Edit ▸ Undo / Redo (texts from history.undo_text() / redo_text()):
    history.undo(); history.redo()

The edits themselves are `library.photo_edits` (audited, version-checked, originals untouched);
this module only asks for the values and keeps the undo and redo lists. A failed edit (another
workstation changed the photo, a date in the future, ...) is shown as one sentence and leaves
the library as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from photocompare.core.errors import PhotoCompareError
from photocompare.library import photo_edits
from photocompare.ui.date_field import DATE_FORMAT_HINT, IsoDateEdit

TIME_HINT = "HH:MM"


class PhotoEditHistory(QObject):
    """Applies photo edits and keeps them for Undo/Redo; `changed(text)` after every change
    (the text says what happened, for the status bar), `failed(text)` when an edit was refused."""

    changed = Signal(str)
    failed = Signal(str)

    def __init__(self, library: Any, parent: QObject | None = None, *, user: str | None = None) -> None:
        super().__init__(parent)
        self._library = library
        self._user = user
        self._undo: list[list[photo_edits.PhotoEdit]] = []  # one entry per user action
        self._redo: list[list[photo_edits.PhotoEdit]] = []

    # --- applying --------------------------------------------------------------------------
    def _run(self, steps: Iterable[Callable[[], photo_edits.PhotoEdit]], done_text: str) -> bool:
        """Apply the steps in order; on a refusal, undo the ones already applied (one user
        action is all or nothing) and report the reason."""
        applied: list[photo_edits.PhotoEdit] = []
        try:
            for step in steps:
                applied.append(step())
        except PhotoCompareError as exc:
            for edit in reversed(applied):
                try:
                    photo_edits.undo(self._library, edit, user=self._user)
                except PhotoCompareError:
                    pass  # reported below; the audit log has both lines
            self.failed.emit(str(exc))
            if applied:
                self.changed.emit("")
            return False
        if applied:
            self._undo.append(applied)
            self._redo.clear()
            self.changed.emit(done_text)
        return bool(applied)

    def trash(self, photo_ids: Iterable[int]) -> bool:
        ids = list(photo_ids)
        return self._run(
            [lambda i=i: photo_edits.trash_photo(self._library, i, user=self._user) for i in ids],
            f"{_count(ids)} moved to the trash (Undo brings {'it' if len(ids) == 1 else 'them'} back)")

    def move(self, photo_ids: Iterable[int], patient_external_id: str) -> bool:
        ids = list(photo_ids)
        return self._run(
            [lambda i=i: photo_edits.move_photo(self._library, i, patient_external_id,
                                                user=self._user) for i in ids],
            f"{_count(ids)} moved to patient {patient_external_id}")

    def redate(self, photo_id: int, taken_at: dt.datetime | dt.date,
               expected_version: int | None = None) -> bool:
        return self._run(
            [lambda: photo_edits.redate_photo(self._library, photo_id, taken_at,
                                              expected_version=expected_version, user=self._user)],
            f"capture date corrected to {taken_at.isoformat(sep=' ') if isinstance(taken_at, dt.datetime) else taken_at.isoformat()}")

    # --- undo / redo -----------------------------------------------------------------------
    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo_text(self) -> str:
        return f"Undo {_describe(self._undo[-1])}" if self._undo else "Undo"

    def redo_text(self) -> str:
        return f"Redo {_describe(self._redo[-1])}" if self._redo else "Redo"

    def undo(self) -> bool:
        return self._swap(self._undo, self._redo, "Undone")

    def redo(self) -> bool:
        return self._swap(self._redo, self._undo, "Redone")

    def _swap(self, source: list, target: list, verb: str) -> bool:
        if not source:
            return False
        edits = source.pop()
        reversed_edits: list[photo_edits.PhotoEdit] = []
        try:
            for edit in reversed(edits):
                reversed_edits.append(photo_edits.undo(self._library, edit, user=self._user))
        except PhotoCompareError as exc:
            self.failed.emit(f"{verb[:-1]} not possible: {exc}")
            self.changed.emit("")
            return False
        target.append(list(reversed(reversed_edits)))
        self.changed.emit(f"{verb}: {_describe(edits)}")
        return True


def _count(ids: list[int]) -> str:
    return "1 photo" if len(ids) == 1 else f"{len(ids)} photos"


def _describe(edits: list[photo_edits.PhotoEdit]) -> str:
    if len(edits) == 1:
        return edits[0].description
    verb = edits[0].description.split(" of ")[0]
    return f"{verb} of {len(edits)} photos"


# --------------------------------------------------------------------------------- dialogs


class RedateDialog(QDialog):
    """Ask for a photo's corrected capture date (typed as YYYY-MM-DD, time optional)."""

    def __init__(self, photo: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Correct the capture date")
        taken = getattr(photo, "taken_at", None)
        camera = photo_edits.camera_date(photo) if hasattr(photo, "exif") else None
        self.date_edit = IsoDateEdit(taken.date() if taken else dt.date.today())
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setMaximumDate(dt.date.today() + photo_edits.FUTURE_TOLERANCE)
        self.time_edit = QLineEdit(taken.strftime("%H:%M") if taken else "")
        self.time_edit.setPlaceholderText(f"{TIME_HINT} (empty keeps the recorded time)")
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #b03a2e;")
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Photo:", QLabel(str(getattr(photo, "original_name", ""))))
        form.addRow("Recorded:", QLabel(taken.isoformat(sep=" ") if taken else "no date"))
        form.addRow("Camera's own date:", QLabel(camera or "none in the file"))
        form.addRow(f"&Date ({DATE_FORMAT_HINT}):", self.date_edit)
        form.addRow(f"&Time ({TIME_HINT}):", self.time_edit)
        note = QLabel("The photo file is not changed; the camera's date stays on record and "
                      "the correction is written to the audit log.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def value(self) -> dt.datetime | dt.date | None:
        """The corrected date (a date alone keeps the recorded time of day); None if invalid."""
        if not self.date_edit.is_valid():
            self.problem.setText(self.date_edit.error_text())
            return None
        day = self.date_edit.py_date()
        text = self.time_edit.text().strip()
        if not text:
            return day
        try:
            time = dt.time.fromisoformat(text)
        except ValueError:
            self.problem.setText(f"“{text}” is not a time: type it as {TIME_HINT} (24-hour)")
            return None
        return dt.datetime.combine(day, time)

    def accept(self) -> None:
        if self.value() is not None:
            super().accept()


class MoveDialog(QDialog):
    """Ask which patient the photos belong to (the other patients of the library)."""

    def __init__(self, patients: list[Any], current_patient_id: int, count: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Move to another patient")
        self.patient_combo = QComboBox()
        for p in patients:
            if p.id != current_patient_id:
                self.patient_combo.addItem(getattr(p, "label", p.external_id), p.external_id)
        form = QFormLayout()
        form.addRow(f"Move {'1 photo' if count == 1 else f'{count} photos'} to:", self.patient_combo)
        note = QLabel("Consent recorded for these photos is revoked: it was given by the patient "
                      "they were filed under. The move is written to both patients' audit log.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.patient_combo.count() > 0)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def external_id(self) -> str | None:
        return self.patient_combo.currentData()


def ask_redate_photo(parent: QWidget, library: Any, photo_id: int,
                     history: PhotoEditHistory) -> bool:
    """The "Correct the date…" action: ask, then apply through `history` (undoable)."""
    photo = library.photo(photo_id)
    if photo is None:
        QMessageBox.warning(parent, "Correct the date", f"No photo with id {photo_id}.")
        return False
    dialog = RedateDialog(photo, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    return history.redate(photo_id, dialog.value(), expected_version=photo.row_version)


def ask_move_photos(parent: QWidget, library: Any, photo_ids: list[int],
                    history: PhotoEditHistory) -> bool:
    """The "Move to another patient…" action: ask, then apply through `history` (undoable)."""
    from photocompare.library import api as library_access

    if not photo_ids:
        return False
    first = library.photo(photo_ids[0])
    if first is None:
        return False
    dialog = MoveDialog(library_access.list_patients(library), first.patient_id,
                        len(photo_ids), parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.external_id():
        return False
    return history.move(photo_ids, dialog.external_id())
