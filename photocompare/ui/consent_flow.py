"""Recording or withdrawing a patient's consent for photos from the main window.

Which photos: the grid's selection, or the pair in the compare view when that is what the
clinician is looking at. `library.consent` writes each change to the audit log itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

from photocompare.library import api as la
from photocompare.ui.consent_dialog import ConsentDialog

if TYPE_CHECKING:
    from photocompare.library.db import Library


def record_consent(
    parent: QWidget,
    library: Library,
    photos: Sequence[la.PhotoRow],
    use: str | None,
    report_status: Callable[[str], None],
) -> ConsentDialog | None:
    """Open the consent dialog for `photos` (highlighting `use` when an export was refused for
    it); None, after telling the user what to select, when there are no photos."""
    if not photos:
        QMessageBox.information(
            parent, "Photo consent", "Select the photos first (Ctrl+click for several), then choose Photo consent…"
        )
        return None
    dialog = ConsentDialog(library, list(photos), highlight_use=use, parent=parent)
    if dialog.exec() == ConsentDialog.DialogCode.Accepted:
        n = dialog.changed_rows
        report_status(f"Consent saved ({n} change{'s' if n != 1 else ''}, recorded in the audit log).")
    return dialog
