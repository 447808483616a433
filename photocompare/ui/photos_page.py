"""The "Photos" tab of one patient: the header (name, photo count, the baseline chooser,
Compare and Import), the suggested pairs, the timeline of periods and visits, and the
thumbnail grid it filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from photocompare.core.course import CourseReport, CourseSettings
from photocompare.library import api as la
from photocompare.ui.pair_flow import PairSuggestions
from photocompare.ui.photo_grid import PhotoGridModel, PhotoGridView
from photocompare.ui.thumbnail_loader import ThumbnailLoader, library_thumbnail_loader
from photocompare.ui.timeline import fill_timeline, new_timeline, photos_under
from photocompare.ui.workers import Task, run_task

if TYPE_CHECKING:
    from photocompare.library.db import Library

ICON_PX = 160
NO_PATIENT_HINT = (
    "No patient chosen.\n\nCreate one with File ▸ New patient… (Ctrl+N) or choose one on the "
    "left; then import photos (Ctrl+I for files, Ctrl+Shift+I for a folder, or drag them here).\n\n"
    "To look around first, start the app with --demo: a demo patient with a checked comparison."
)
NO_PHOTO_HINT = (
    "No photos for this patient yet.\n\nImport photos… (Ctrl+I), a whole folder (Ctrl+Shift+I), "
    "or drag files or folders onto this window."
)


class PhotosPage(QWidget):
    """`compare_requested` when the user asks to compare the selection (button, Enter or a
    double click); `import_requested` from the Import button; the suggested pairs are in
    `suggestions`."""

    compare_requested = Signal()
    import_requested = Signal()
    photos_shown = Signal()  # after a (re)load: nothing in the grid is selected any more

    def __init__(
        self, library: Library, course_settings: Callable[[], CourseSettings | None] = lambda: None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.course_settings = course_settings  # read on the GUI thread: QSettings stays there
        self.patient: la.PatientRow | None = None
        self.photos: list[la.PhotoRow] = []
        self.report: CourseReport | None = None
        self.loader = ThumbnailLoader(size=ICON_PX, loader=library_thumbnail_loader(library), parent=self)
        self.grid_model = PhotoGridModel(self.loader, self)
        self.grid = PhotoGridView(self.grid_model, ICON_PX)
        self.grid.activated_pair.connect(self.compare_requested)
        self.grid.doubleClicked.connect(lambda _i: self.compare_requested.emit())
        self.timeline = new_timeline()
        self.timeline.currentItemChanged.connect(self._timeline_changed)

        self.title = QLabel("Choose or create a patient.")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.import_button = QPushButton("Import photos…")
        self.import_button.clicked.connect(self.import_requested)
        self.compare_button = QPushButton("Compare selected")
        self.compare_button.setToolTip("Compare the two selected photos (Enter)")
        self.compare_button.clicked.connect(self.compare_requested)
        self.suggestions = PairSuggestions(self)

        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(QLabel("Baseline vs:"))
        header.addWidget(self.suggestions.target_combo)
        header.addWidget(self.compare_button)
        header.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(header)
        layout.addWidget(self.suggestions.label)
        layout.addWidget(self.suggestions.pairs_list)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.timeline)
        split.addWidget(self.grid)
        split.setStretchFactor(1, 4)
        split.setSizes([300, 800])
        layout.addWidget(split, 1)
        self.grid.set_empty_text(NO_PATIENT_HINT)

    def set_patient_enabled(self, on: bool) -> None:
        self.import_button.setEnabled(on)
        self.compare_button.setEnabled(on)

    def load(self, patient: la.PatientRow, keep_selection: bool = True) -> None:
        """Read and show `patient`'s photos and course now."""
        self.patient = patient
        photos = la.list_photos(self.library, patient.id)
        report = la.load_course_report(self.library, patient.id, settings=self.course_settings())
        self._show(patient, photos, report, keep_selection)

    def reload_async(self, on_error: Callable[[BaseException], None], then: Callable[[], None]) -> Task | None:
        """Read the photos and course on a worker (after an import of hundreds of photos the
        query alone would stall the window), show them, then call `then()` (also after an error)."""
        patient, library, settings = self.patient, self.library, self.course_settings()
        if patient is None:
            then()
            return None

        def done(result: tuple[list[la.PhotoRow], CourseReport | None]) -> None:
            if self.patient is not None and self.patient.id == patient.id:  # else the user moved on
                self._show(patient, result[0], result[1], True)
            then()

        def failed(exc: BaseException) -> None:
            on_error(exc)
            then()

        return run_task(
            lambda _ctx: (la.list_photos(library, patient.id),
                          la.load_course_report(library, patient.id, settings=settings)),
            on_done=done, on_error=failed,
        )

    def _show(
        self, patient: la.PatientRow, photos: list[la.PhotoRow], report: CourseReport | None, keep_selection: bool
    ) -> None:
        """Timeline, grid, suggestions and title rebuilt; the selected photos stay selected
        when `keep_selection`."""
        selected = {p.id for p in self.grid.selected_photos()} if keep_selection else set()
        self.photos, self.report = photos, report
        _all, period_of = fill_timeline(self.timeline, photos, report)
        self.grid.set_empty_text(NO_PHOTO_HINT if not photos else "No photos in this part of the timeline.")
        self.grid_model.set_photos(photos, period_of)
        self.photos_shown.emit()
        self.suggestions.set_photos(photos, report)
        n = len(photos)
        self.title.setText(
            f"<b>{patient.display_name or patient.external_id}</b> · ID {patient.external_id}"
            f" · {n} photo{'s' if n != 1 else ''}"
        )
        selection = self.grid.selectionModel()
        for photo_id in selected:
            row = self.grid_model.row_of_photo(photo_id)
            if row >= 0:
                selection.select(self.grid_model.index(row), selection.SelectionFlag.Select)

    def update_photos(self, changed: dict[int, la.PhotoRow]) -> None:
        """Some photos' labels or notes changed: the grid and the suggestions follow."""
        self.photos = [changed.get(p.id, p) for p in self.photos]
        self.grid_model.update_photos(changed)
        self.suggestions.update_photos(self.photos)

    def _timeline_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if current is not None:
            self.grid_model.set_photos(photos_under(current, self.photos), self.grid_model.period_labels)
