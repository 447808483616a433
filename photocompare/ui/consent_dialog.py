"""Patient ▸ Photo consent…: record or withdraw the patient's consent for the selected photos.

One checkbox per use (clinical record, sharing with the patient, insurer, teaching, marketing).
A box is ticked when every selected photo has that consent, half-ticked when only some do. On
Save, a ticked use is recorded for every selected photo and an unticked one is withdrawn where it
was given; a half-ticked box is left as it is. `library.consent` does the work and writes
each change to the audit log (who, when, which photo and use).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from photocompare.core.errors import PhotoCompareError
from photocompare.library import consent
from photocompare.ui.export_dialog import use_title


def consent_summary(library: Any, photo_ids: list[int]) -> dict[str, int]:
    """use -> how many of `photo_ids` have that consent in force."""
    counts = dict.fromkeys(consent.USES, 0)
    for photo_id in photo_ids:
        for state in consent.consent_states(library, photo_id):
            if state.granted:
                counts[state.use] = counts.get(state.use, 0) + 1
    return counts


class ConsentDialog(QDialog):
    """`photos`: PhotoRow-like objects (`.id`, `.original_name`) of one patient."""

    def __init__(
        self,
        library: Any,
        photos: list[Any],
        *,
        highlight_use: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Photo consent")
        self.setMinimumWidth(420)
        self._library = library
        self.photo_ids = [int(p.id) for p in photos]
        self.changed_rows = 0
        names = ", ".join(p.original_name for p in photos[:3]) + (
            f" and {len(photos) - 3} more" if len(photos) > 3 else ""
        )
        heading = QLabel(
            f"<b>{len(photos)} photo{'s' if len(photos) != 1 else ''}</b>: {names}<br>"
            "The patient agrees that these photos may be used for:"
        )
        heading.setWordWrap(True)
        heading.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        counts = consent_summary(library, self.photo_ids)
        self._initial: dict[str, Qt.CheckState] = {}
        self.boxes: dict[str, QCheckBox] = {}
        for use in consent.USES:
            box = QCheckBox(use_title(use))
            n = counts.get(use, 0)
            if n == len(self.photo_ids) and n:
                state = Qt.CheckState.Checked
            elif n:
                state = Qt.CheckState.PartiallyChecked
                box.setTristate(True)
                box.setToolTip(f"{n} of {len(self.photo_ids)} selected photos have this consent")
            else:
                state = Qt.CheckState.Unchecked
            box.setCheckState(state)
            if use == highlight_use:
                box.setStyleSheet("font-weight: bold;")
            self._initial[use] = state
            self.boxes[use] = box
            layout.addWidget(box)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("note, e.g. signed form on file (optional)")
        layout.addWidget(self.note_edit)
        hint = QLabel("Each change is recorded in the audit log with your user name and the time.")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def changes(self) -> tuple[list[str], list[str]]:
        """(uses to record, uses to withdraw) from the boxes the user changed."""
        grant, revoke = [], []
        for use, box in self.boxes.items():
            state = box.checkState()
            if state == self._initial[use] or state == Qt.CheckState.PartiallyChecked:
                continue
            (grant if state == Qt.CheckState.Checked else revoke).append(use)
        return grant, revoke

    def save(self) -> bool:
        """Write the changes (audited by library.consent); False with a message on failure."""
        grant, revoke = self.changes()
        try:
            if grant:
                self.changed_rows += consent.record_consent(
                    self._library, self.photo_ids, grant, note=self.note_edit.text().strip()
                )
            if revoke:
                self.changed_rows += consent.revoke_consent(self._library, self.photo_ids, revoke)
        except PhotoCompareError as exc:
            QMessageBox.warning(self, "Consent not saved", str(exc))
            return False
        return True

    def accept(self) -> None:
        if self.save():
            super().accept()
