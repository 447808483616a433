"""The Visit capture panel: the visit's shot list, each slot filling as photos arrive.

The slots come from `settings.CaptureSettings.shot_list` (default: frontal neutral, raised
brows, frown, eyes closed, left and right oblique, left and right lateral). A photo that arrives
— from the hot folder this panel watches, or from the Capture window (`show_result`) — lands in
the slot of its suggested view and expression: green when every check against the baseline
passes, amber when it is comparable with warnings, red with a retake prompt when a check fails
(the failing checks' messages say what to change). A photo that is the patient's first, with
nothing to compare against, fills its slot in blue.

The watch runs on a worker thread (`core.hot_folder.FolderWatcher` and
`library.hot_folder_import.HotFolderImporter`, the same code as `photocompare watch`); results
reach the panel through a queued signal, so the window stays responsive.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from photocompare.settings import CaptureSettings, CheckThresholds

log = logging.getLogger(__name__)

SLOT_COLOURS = {
    "waiting": "#9e9e9e",
    "pass": "#2e7d32",
    "warn": "#f9a825",
    "fail": "#c62828",
    "none": "#1565c0",
}
SLOT_WORDS = {
    "waiting": "waiting",
    "pass": "matches the baseline",
    "warn": "comparable, with warnings",
    "fail": "retake",
    "none": "taken (nothing to compare with yet)",
}


def _title(view: str, expression: str) -> str:
    return f"{view.replace('-', ' ').capitalize()} · {expression.replace('-', ' ')}"


class _Slot:
    def __init__(self, parent: QWidget, view: str, expression: str) -> None:
        self.key = (view, expression)
        self.state = "waiting"
        self.photo_id: int | None = None
        self.lamp = QLabel(parent)
        self.lamp.setFixedSize(16, 16)
        self.title = QLabel(_title(view, expression), parent)
        self.detail = QLabel(SLOT_WORDS["waiting"], parent)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.set("waiting", SLOT_WORDS["waiting"])

    def set(self, state: str, text: str, photo_id: int | None = None) -> None:
        self.state, self.photo_id = state, photo_id
        self.lamp.setStyleSheet(f"background: {SLOT_COLOURS[state]}; border-radius: 8px;")
        self.lamp.setToolTip(SLOT_WORDS[state])
        self.detail.setText(text)
        colour = SLOT_COLOURS["fail"] if state == "fail" else ""
        self.detail.setStyleSheet(f"color: {colour}; font-weight: bold;" if colour else "")


class _Bridge(QObject):
    result = Signal(object)
    failed = Signal(str)
    watching = Signal(str)
    stopped = Signal()


class VisitCapturePanel(QWidget):
    """Shot list with green/amber/red slots, filled by hot-folder photos and taken photos.

    Wiring: `VisitCapturePanel(library, patient_external_id)`; `start_watching(folder)` /
    `stop_watching()`; connect a Capture window's `photo_taken` to `show_result`.
    `photo_checked(result)` is emitted for every photo shown (a `HotFolderResult`).
    """

    photo_checked = Signal(object)
    watch_failed = Signal(str)

    def __init__(
        self,
        library: Any = None,
        patient_external_id: str | None = None,
        parent: QWidget | None = None,
        *,
        settings: Any = None,
    ) -> None:
        super().__init__(parent)
        from photocompare.settings import Settings

        self.settings = settings or Settings()
        self.capture_settings: CaptureSettings = self.settings.capture
        self.thresholds: CheckThresholds = self.settings.checks
        self.library = library
        self.patient_external_id = patient_external_id
        self.folder: Path | None = None
        self.others: list[Any] = []  # photos outside the shot list, rejected files, duplicates
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._bridge = _Bridge(self)
        self._bridge.result.connect(self.show_result)
        self._bridge.failed.connect(self._on_failed)
        self._bridge.watching.connect(self._on_watching)
        self._bridge.stopped.connect(self._on_stopped)
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        self.folder_label = QLabel("Hot folder: not watching", self)
        self.folder_label.setWordWrap(True)
        self.choose_button = QPushButton("Watch a folder…", self)
        self.choose_button.clicked.connect(self._choose_folder)
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop_watching)
        header.addWidget(self.folder_label, 1)
        header.addWidget(self.choose_button)
        header.addWidget(self.stop_button)
        layout.addLayout(header)
        frame = QFrame(self)
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(frame)
        self.slots: dict[tuple[str, str], _Slot] = {}
        for row, (view, expression) in enumerate(self.capture_settings.shot_list):
            slot = _Slot(frame, view, expression)
            self.slots[slot.key] = slot
            grid.addWidget(slot.lamp, row, 0)
            grid.addWidget(slot.title, row, 1)
            grid.addWidget(slot.detail, row, 2)
        grid.setColumnStretch(2, 1)
        layout.addWidget(frame)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addStretch(1)

    # -- results ----------------------------------------------------------------------------
    def show_result(self, result: Any) -> tuple[str, str] | None:
        """Put one photo's result in its slot; returns the slot key (None when no slot fits)."""
        self.photo_checked.emit(result)
        name = Path(result.path).name
        if result.status == "rejected":
            self.others.append(result)
            self.message.setText(f"{name} was not imported: {result.reason}")
            return None
        if result.status == "duplicate":
            self.others.append(result)
            self.message.setText(f"{name} is already in the library ({result.reason})")
            return None
        key = (result.view, result.expression)
        slot = self.slots.get(key)
        if slot is None:
            self.others.append(result)
            labels = " ".join(x for x in key if x) or "no face found"
            self.message.setText(f"{name} (photo {result.photo_id}, {labels}) is not on the shot list")
            return None
        verdict = result.verdict
        if verdict == "none":
            text = f"photo {result.photo_id}: {result.reason or SLOT_WORDS['none']}"
        elif verdict == "pass":
            text = f"photo {result.photo_id}: matches photo {result.baseline_photo_id}"
        else:
            problems = [
                c["message"] for c in result.check["checks"].values() if c["status"] == verdict
            ]
            prefix = "Retake — " if verdict == "fail" else ""
            text = f"{prefix}photo {result.photo_id}: " + "; ".join(problems)
        notes = (result.check or {}).get("notes") or []
        if notes:
            text += "\n" + " ".join(notes)
        slot.set(verdict, text, result.photo_id)
        self.message.setText(f"{name}: {_title(*key)} — {SLOT_WORDS[verdict]}")
        return key

    def slot_state(self, view: str, expression: str) -> str:
        return self.slots[(view, expression)].state

    # -- the hot folder ---------------------------------------------------------------------
    def start_watching(self, folder: str | Path, *, include_existing: bool = False) -> None:
        """Watch `folder` for this patient's new photos (stops a previous watch first)."""
        if self.library is None or not self.patient_external_id:
            self._on_failed("Choose a patient before watching a folder.")
            return
        self.stop_watching()
        self.folder = Path(folder)
        stop = threading.Event()
        self._stop = stop
        bridge, library, patient = self._bridge, self.library, self.patient_external_id
        settings = self.settings

        def work() -> None:
            from photocompare.core.errors import PhotoCompareError
            from photocompare.core.face import FaceAnalyzer
            from photocompare.core.hot_folder import FolderWatcher
            from photocompare.library.hot_folder_import import HotFolderImporter

            try:
                watcher = FolderWatcher(folder, include_existing=include_existing,
                                        settings=settings.capture, limits=library.limits)
                watcher.start()
                with FaceAnalyzer(limits=library.limits) as analyzer:
                    importer = HotFolderImporter(library, patient, analyzer, settings.checks)
                    bridge.watching.emit(str(watcher.folder))
                    for complete in watcher.watch(stop):
                        bridge.result.emit(importer.handle(complete))
            except PhotoCompareError as exc:
                bridge.failed.emit(str(exc))
            except Exception as exc:  # shown as one line; the details go to the log
                log.exception("hot folder stopped")
                bridge.failed.emit(f"The hot folder stopped: {type(exc).__name__}: {exc}")
            finally:
                try:
                    bridge.stopped.emit()
                except RuntimeError:  # the panel was deleted meanwhile
                    pass

        self._thread = threading.Thread(target=work, name="visit-hot-folder", daemon=True)
        self._thread.start()
        self.choose_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.folder_label.setText(f"Hot folder: starting {self.folder}…")

    def stop_watching(self, wait_s: float = 5.0) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(wait_s)

    @property
    def watching(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder the camera writes to")
        if folder:
            self.start_watching(folder)

    def _on_watching(self, folder: str) -> None:
        self.folder_label.setText(f"Hot folder: watching {folder}")

    def _on_failed(self, message: str) -> None:
        self.message.setText(message)
        self.watch_failed.emit(message)

    def _on_stopped(self) -> None:
        self.choose_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        if self.folder is not None:
            self.folder_label.setText(f"Hot folder: stopped ({self.folder})")

    def closeEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        self.stop_watching()
        super().closeEvent(event)
