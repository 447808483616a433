"""The library's change notification on the GUI thread.

`photocompare.library.changes` calls its subscribers on whichever thread committed (an import
or a diary import runs on a worker). `LibraryEvents` turns each call into its `changed(patient
id, kind)` signal, always delivered through the GUI thread's event loop: a view can reload
without locking, and a write made inside a dialog's slot is announced after that slot returns,
not in the middle of it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot


class LibraryEvents(QObject):
    """`changed(patient_id, kind)` after each committed library write (kinds: see
    `library.changes`). Create it on the GUI thread; `close()` stops listening."""

    changed = Signal(int, str)
    _arrived = Signal(int, str)  # emitted on the committing thread, queued to this object

    def __init__(self, library: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._arrived.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        changes = getattr(library, "changes", None)
        self._unsubscribe = changes.subscribe(self._arrived.emit) if changes is not None else None

    @Slot(int, str)
    def _deliver(self, patient_id: int, kind: str) -> None:
        self.changed.emit(patient_id, kind)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
