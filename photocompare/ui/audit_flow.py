"""The audit trail as the desktop writes and shows it: entries are appended on a worker (the
database write must not stall the window) and the audit log dialog opens from the menu."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from photocompare.library import audit as audit_log
from photocompare.ui.audit_view import AuditDialog
from photocompare.ui.workers import Task, TaskContext, run_task

if TYPE_CHECKING:
    from photocompare.library.db import Library

log = logging.getLogger(__name__)


class AuditTrail(QObject):
    """Appends audit entries off the GUI thread and keeps each pending write until it is done
    (closing the app waits for `tasks` to empty, so no entry is lost)."""

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.tasks: list[Task] = []
        self.dialog: AuditDialog | None = None

    def record(
        self,
        action_name: str,
        patient_id: int | None,
        external_id: str | None = None,
        details: dict[str, object] | None = None,
    ) -> Task | None:
        """`action_name` is the constant's name in library.audit, e.g. "PATIENT_OPENED"."""
        action = getattr(audit_log, action_name, None)
        if action is None:
            return None
        library = self.library

        def work(_ctx: TaskContext) -> None:
            audit_log.record(
                library, action, patient_id=patient_id, patient_external_id=external_id, details=details
            )

        def finished(*_args: object) -> None:
            if task in self.tasks:
                self.tasks.remove(task)

        def failed(exc: BaseException) -> None:
            log.error("audit entry %s could not be written: %s", action, exc)
            finished()

        task = run_task(work, on_done=finished, on_error=failed)
        self.tasks.append(task)
        return task

    def open_log(self, parent: QWidget) -> AuditDialog:
        """The read-only audit log, non-modal so the clinician can keep working beside it."""
        dialog = AuditDialog(self.library, parent)
        self.dialog = dialog
        dialog.show()
        return dialog
