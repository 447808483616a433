"""What the main window remembers and how it goes full screen: geometry and dock layout kept
between sessions, and a full screen that shows only the comparison (for looking at a pair
with the patient, without the patient list or another record in view)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QMainWindow, QWidget

from photocompare.ui.settings_store import SettingsStore


def restore_window(window: QMainWindow, store: SettingsStore) -> None:
    geometry = store.window_geometry()
    if geometry is not None:
        window.restoreGeometry(geometry)
    state = store.window_state()
    if state is not None:
        window.restoreState(state)


def save_window(window: QMainWindow, store: SettingsStore) -> None:
    store.set_window_geometry(QByteArray(window.saveGeometry()))
    store.set_window_state(QByteArray(window.saveState()))
    store.sync()


class FullScreen:
    """Toggles `window` full screen; when `focused()` is true (the compare view is showing) the
    widgets `surroundings()` names are hidden too and come back as they were."""

    def __init__(
        self, window: QMainWindow, focused: Callable[[], bool], surroundings: Callable[[], Sequence[QWidget]]
    ) -> None:
        self.window = window
        self.focused = focused
        self.surroundings = surroundings
        self._hidden: list[tuple[QWidget, bool]] = []

    def toggle(self) -> None:
        if self.window.isFullScreen():
            self.window.showNormal()
            for widget, visible in self._hidden:
                widget.setVisible(visible)
            self._hidden = []
            return
        self._hidden = []
        if self.focused():
            for widget in self.surroundings():
                self._hidden.append((widget, widget.isVisible()))
                widget.hide()
        self.window.showFullScreen()
