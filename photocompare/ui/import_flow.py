"""Importing photos for the open patient: choose files or a folder (or drop them on the
window), copy them into the library on a worker with a progress dialog that can cancel, then
say in the status bar what was imported, found twice, refused or skipped — with a Details
button that brings the full report back. The report is not left open to be closed by hand
after every import; it stays up only when the import stopped because the library failed.

The file dialogs and the clock are collaborators with defaults, so the flow can be driven
without a person at the dialogs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressBar, QPushButton, QWidget

from photocompare.core.images import PHOTO_SUFFIXES
from photocompare.library import api as la
from photocompare.library.importer import ImportSummary, import_paths
from photocompare.ui.import_dialog import ImportDialog, summary_sentence
from photocompare.ui.messages import user_message
from photocompare.ui.settings_store import SettingsStore
from photocompare.ui.workers import Task, TaskContext, run_task

if TYPE_CHECKING:
    from photocompare.library.db import Library

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.1  # import progress reaches the GUI at most 10 times a second
# every format the importer takes (AVIF, HEIC, greyscale PGM, ...), from the one list in the core
PHOTO_FILTER = f"Photos ({' '.join('*' + s for s in sorted(PHOTO_SUFFIXES))});;All files (*)"
SUMMARY_SHOWN_MS = 20_000  # how long the import's one-line summary stays in the status bar

# (parent, folder to start in) -> the chosen paths; empty when the user cancelled
PathChooser = Callable[[QWidget, str], list[str]]


def choose_photo_files(parent: QWidget, start_dir: str) -> list[str]:
    files, _ = QFileDialog.getOpenFileNames(parent, "Import photos", start_dir, PHOTO_FILTER)
    return list(files)


def choose_photo_folder(parent: QWidget, start_dir: str) -> list[str]:
    folder = QFileDialog.getExistingDirectory(parent, "Import a folder", start_dir)
    return [folder] if folder else []


class ImportFlow(QObject):
    """One import at a time. `imported` carries the ImportSummary once the summary is shown
    (None when the import failed)."""

    imported = Signal(object)

    def __init__(
        self,
        library: Library,
        settings_store: SettingsStore,
        progress_bar: QProgressBar,
        report_status: Callable[[str, int], None],
        parent: QWidget,
        *,
        choose_files: PathChooser = choose_photo_files,
        choose_folder: PathChooser = choose_photo_folder,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.settings_store = settings_store
        self.progress_bar = progress_bar
        self.report_status = report_status
        self.parent_widget = parent
        self.choose_files = choose_files
        self.choose_folder = choose_folder
        self.clock = clock
        self.task: Task | None = None
        self.dialog: ImportDialog | None = None
        # in the status bar next to the summary: shows the last import's full report again
        self.details_button = QPushButton("Import details…")
        self.details_button.setToolTip("The last import's full report: what it did with each file, and why")
        self.details_button.setFlat(True)
        self.details_button.hide()
        self.details_button.clicked.connect(self.show_details)

    def ask_files(self, patient: la.PatientRow) -> Task | None:
        files = self.choose_files(self.parent_widget, self.settings_store.last_import_dir())
        if not files:
            return None
        self.settings_store.set_last_import_dir(str(Path(files[0]).parent))
        return self.start(patient, files)

    def ask_folder(self, patient: la.PatientRow) -> Task | None:
        chosen = self.choose_folder(self.parent_widget, self.settings_store.last_import_dir())
        if not chosen:
            return None
        self.settings_store.set_last_import_dir(chosen[0])
        return self.start(patient, chosen)

    def start(self, patient: la.PatientRow | None, paths: list[str | Path]) -> Task | None:
        """Import files/folders for `patient` on a worker; returns the task.

        Progress reaches the GUI thread at most every PROGRESS_INTERVAL_S (the import never
        floods the event loop); Cancel stops after the file being copied.
        """
        parent = self.parent_widget
        if patient is None:
            QMessageBox.information(parent, "Import", "Choose or create a patient first.")
            return None
        if self.task is not None:
            QMessageBox.information(parent, "Import", "An import is already running.")
            return None
        library, external_id, clock = self.library, patient.external_id, self.clock
        paths = [str(p) for p in paths]
        if self.dialog is not None:  # the previous report: the Details button shows the new one
            self.dialog.close()
            self.dialog.deleteLater()
        self.details_button.hide()
        dialog = ImportDialog(patient.label, parent)
        self.dialog = dialog

        def work(ctx: TaskContext) -> ImportSummary:
            last = [0.0]

            def progress(done: int, total: int, message: str = "") -> None:
                now = clock()
                if done >= total or now - last[0] >= PROGRESS_INTERVAL_S:
                    last[0] = now
                    ctx.progress(done, total, Path(message).name if message else "")

            return import_paths(library, paths, external_id, progress=progress, cancelled=lambda: ctx.cancelled)

        def done(summary: ImportSummary) -> None:
            self.task = None
            self.progress_bar.hide()
            cancelled = bool(getattr(summary, "cancelled", False))
            dialog.show_summary(summary, cancelled)
            counts = dialog.counts
            log.info("import finished for patient %s: %s%s", patient.id, counts, " (cancelled)" if cancelled else "")
            if not getattr(summary, "stopped", None):  # a stopped import keeps its report in view
                dialog.hide()
            sentence = summary_sentence(summary, cancelled)
            # stays in the status bar (the label suggestions that follow write over messages)
            self.details_button.setText(f"{sentence}  Details…")
            self.details_button.show()
            self.report_status(sentence, SUMMARY_SHOWN_MS)
            self.imported.emit(summary)

        def failed(exc: BaseException) -> None:
            self.task = None
            self.progress_bar.hide()
            dialog.show_error(user_message(exc))
            self.imported.emit(None)

        def progress(done_: int, total: int, message: str) -> None:
            dialog.set_progress(done_, total, message)
            self.progress_bar.setRange(0, max(total, 1))
            self.progress_bar.setValue(done_)

        self.progress_bar.setRange(0, 0)
        self.progress_bar.show()
        task = run_task(work, on_done=done, on_error=failed, on_progress=progress)
        self.task = task
        dialog.cancel_requested.connect(task.context.cancel)
        dialog.show()
        log.info("import started for patient %s: %d path(s)", patient.id, len(paths))
        return task

    def show_details(self) -> ImportDialog | None:
        """The last import's full report (every file and what happened to it)."""
        if self.dialog is not None:
            self.dialog.show()
            self.dialog.raise_()
            self.dialog.activateWindow()
        return self.dialog

    def cancel(self) -> None:
        if self.task is not None:
            self.task.context.cancel()
