"""What a clinician reads when something goes wrong: one readable line, never a traceback.

Every workflow window shows errors the same way, so the wording lives here once.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from photocompare.core.errors import PhotoCompareError

log = logging.getLogger(__name__)


def user_message(exc: BaseException) -> str:
    """The app's own errors as they are, anything else in one line (details go to the log)."""
    if isinstance(exc, PhotoCompareError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"The file or folder could not be used: {exc.strerror or exc}"
    return f"Something went wrong ({type(exc).__name__}). Details are in the log file."


def show_error(parent: QWidget | None, title: str, exc: BaseException) -> None:
    """A blocking warning; unexpected errors are logged with their traceback first."""
    if not isinstance(exc, PhotoCompareError):
        log.error("%s: %s", title, exc, exc_info=exc)
    QMessageBox.warning(parent, title, user_message(exc))


def open_warning(parent: QWidget | None, title: str, text: str) -> QMessageBox:
    """A window-modal warning that does not block the caller: a worker's result arrives in a
    callback, and a nested event loop there would let the next result overtake this one."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.open()
    return box
