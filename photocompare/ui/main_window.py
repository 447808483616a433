"""The main window: patients on the left; the patient's timeline and photo grid, the compare
view and the migraine course as tabs; the photo inspector as a dock.

Wiring only: menus, docks, tabs and the hand-offs between them. Each workflow lives in its own
module — import (`import_flow`), pair choice and label suggestions (`pair_flow`), export and
print (`sheet_export`), consent (`consent_flow`), audit (`audit_flow`), review mode
(`review_kiosk`), photo corrections and undo (`photo_edit_flow`), payer dialogs (`payer_flow`),
keeping figures current after any library write (`figures_refresh`) — and the library, face
analysis and migraine course do the work off the GUI thread.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QMainWindow,
    QMenu,
    QProgressBar,
    QSplitter,
    QTabWidget,
)

from photocompare.core.analysis_service import AnalysisService
from photocompare.core.course import CourseReport
from photocompare.library import api as la
from photocompare.library import changes as library_changes
from photocompare.library.descriptors import descriptor_cache
from photocompare.library.importer import ImportSummary
from photocompare.ui.about_dialog import AboutDialog
from photocompare.ui.audit_flow import AuditTrail
from photocompare.ui.audit_view import AuditDialog
from photocompare.ui.compare_view import CompareView, PairContext
from photocompare.ui.consent_dialog import ConsentDialog
from photocompare.ui.consent_flow import record_consent
from photocompare.ui.figures_refresh import FiguresRefresh
from photocompare.ui.import_flow import (
    ImportFlow,
    PathChooser,
    choose_photo_files,
    choose_photo_folder,
)
from photocompare.ui.inspector import Inspector, InspectorDock
from photocompare.ui.messages import show_error, user_message
from photocompare.ui.migraine_panel import MigrainePanel
from photocompare.ui.pair_figures import PairFiguresWidget
from photocompare.ui.pair_flow import LabelSuggester, order_pair
from photocompare.ui.patient_list import PatientDialog, PatientList
from photocompare.ui.payer_flow import PayerFlow
from photocompare.ui.photo_edit_flow import PhotoEditFlow
from photocompare.ui.photos_page import PhotosPage
from photocompare.ui.review_kiosk import ReviewKiosk
from photocompare.ui.review_mode import ReviewWindow
from photocompare.ui.settings_dialog import SettingsDialog
from photocompare.ui.settings_store import SettingsStore
from photocompare.ui.sheet_export import (
    DialogRunner,
    PrinterChooser,
    SheetExport,
    ask_printer,
    exec_export_dialog,
)
from photocompare.ui.window_state import FullScreen, restore_window, save_window
from photocompare.ui.workers import Task, run_task

if TYPE_CHECKING:
    from photocompare.library.db import Library

log = logging.getLogger(__name__)

GIL_SWITCH_INTERVAL_S = 0.001
WARM_UP_DELAY_MS = 800  # load the face model shortly after the window is up

class MainWindow(QMainWindow):
    import_finished = Signal(object)  # ImportSummary once the photos are shown again, or None
    labels_suggested = Signal(int)  # how many photos got suggested labels
    export_finished = Signal(object)  # the written path(s), the exception, or None (cancelled)

    def __init__(
        self,
        library: Library,
        settings: SettingsStore | None = None,
        analysis: AnalysisService | None = None,
        *,
        suggest_labels_after_import: bool = True,
        warm_up_analysis: bool = True,
        choose_printer: PrinterChooser = ask_printer,
        run_export_dialog: DialogRunner = exec_export_dialog,
        choose_import_files: PathChooser = choose_photo_files,
        choose_import_folder: PathChooser = choose_photo_folder,
    ) -> None:
        super().__init__()
        # Workers (import, analysis, thumbnails) run Python too; with the default 5 ms GIL
        # switch interval every Python<->Qt round trip of a repaint can wait 5 ms for them.
        # 1 ms keeps the window responsive at a small cost in worker throughput.
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL_S))
        self.library = library
        self.settings_store = settings or SettingsStore()
        self.analysis = analysis or AnalysisService(
            getattr(library, "limits", None),
            descriptor_cache=descriptor_cache(library) if library is not None else None,
        )
        self._owns_analysis = analysis is None
        self.suggest_after_import = suggest_labels_after_import
        self.patient: la.PatientRow | None = None
        self._audited_patient_id: int | None = None  # "patient opened" once per selection change
        self.warm_up_task: Task | None = None
        self.setWindowTitle("PhotoCompare")
        self.setAcceptDrops(True)
        self.undo_stack = QUndoStack(self)

        self._build_workflows(choose_printer, run_export_dialog, choose_import_files, choose_import_folder)
        self._build_photos_page()
        self._build_tabs()
        self._build_inspector()
        self.photo_edits = PhotoEditFlow(
            library, self.undo_stack, self.grid, lambda: self.photos, self._photos_updated, self.report_status, self,
            grid_in_view=lambda: self.tabs.currentWidget() is self.photos_page,
        )
        self.payer = PayerFlow(library, self.settings_store, self, lambda: self.patient.id if self.patient else None)
        # one notification for every committed library write: the views with derived figures reload
        self.figures = FiguresRefresh(self)
        self.statusBar().showMessage(f"Library: {getattr(library, 'location', '')}")
        self._build_menus()
        self.setTabOrder(self.patient_list.search, self.patient_list.view)
        self.setTabOrder(self.patient_list.view, self.tabs)
        self._update_actions()
        self.reload_patients()
        self.resize(1400, 900)
        restore_window(self, self.settings_store)
        self.inspector_dock.set_wanted(self.settings_store.inspector_wanted())
        if warm_up_analysis:
            QTimer.singleShot(WARM_UP_DELAY_MS, self._warm_up)

    # --- layout --------------------------------------------------------------------------
    def _build_workflows(
        self, choose_printer: PrinterChooser, run_export_dialog: DialogRunner,
        choose_import_files: PathChooser, choose_import_folder: PathChooser,
    ) -> None:
        """One collaborator per workflow; they report to the status bar and its progress bar."""
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.statusBar().addPermanentWidget(self.progress)
        self.audit_trail = AuditTrail(self.library, self)
        self.imports = ImportFlow(
            self.library, self.settings_store, self.progress, self.report_status, self,
            choose_files=choose_import_files, choose_folder=choose_import_folder,
        )
        self.imports.imported.connect(self._imported)
        self.statusBar().addPermanentWidget(self.imports.details_button)
        self.labeller = LabelSuggester(self.library, self.analysis, self.progress, self.report_status, self)
        self.labeller.finished.connect(self._labels_suggested)
        self.sheets = SheetExport(
            self.library, self.settings_store, self.audit_trail, self, self.report_status,
            lambda photos, use: self.open_consent(photos, use), choose_printer, run_export_dialog,
        )
        self.sheets.finished.connect(self.export_finished)
        self.kiosk = ReviewKiosk(self.library, self.settings_store, self.analysis, self.audit_trail, self)

    def _build_photos_page(self) -> None:
        self.patient_list = PatientList()
        self.patient_list.patient_selected.connect(self.show_patient)
        self.patient_list.new_patient_requested.connect(self.new_patient)
        self.patient_list.setMinimumWidth(160)
        self.photos_page = PhotosPage(self.library, self.settings_store.course_settings)
        self.photos_page.compare_requested.connect(self.compare_selected)
        self.photos_page.import_requested.connect(self.import_files_dialog)
        self.photos_page.suggestions.pair_chosen.connect(self.open_pair)
        self.photos_page.suggestions.set_analysis(self.analysis, self.settings_store.thresholds)
        self.photos_page.photos_shown.connect(lambda: self.inspector.show_photo(None))
        # the page's parts the rest of the window (and a test driving it) works with
        self.grid, self.grid_model, self.loader = self.photos_page.grid, self.photos_page.grid_model, self.photos_page.loader
        self.pairs_list = self.photos_page.suggestions.pairs_list
        self.grid.selectionModel().selectionChanged.connect(self._selection_changed)

    def _build_tabs(self) -> None:
        self.compare = CompareView(self.analysis)
        self.compare.full_screen_requested.connect(self.toggle_full_screen)
        self.compare.export_requested.connect(self.export_sheet)
        self.compare.print_requested.connect(self.print_sheet)
        self.compare.pair_changed.connect(self.pair_figures_changed)
        self.pair_figures = PairFiguresWidget()
        self.compare.set_period_widget(self.pair_figures)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.photos_page, "Photos")
        self.tabs.addTab(self.compare, "Compare")
        self.migraine_panel = MigrainePanel()
        self.migraine_panel.course_settings = self.settings_store.course_settings
        self.tabs.addTab(self.migraine_panel, "Migraine course")
        main_split = QSplitter(Qt.Orientation.Horizontal)
        main_split.addWidget(self.patient_list)
        main_split.addWidget(self.tabs)
        main_split.setStretchFactor(1, 5)
        main_split.setSizes([240, 1000])
        self.setCentralWidget(main_split)

    def _build_inspector(self) -> None:
        self.inspector = Inspector(self.analysis)
        self.inspector.label_edit_requested.connect(self.edit_photo)
        self.inspector_dock = InspectorDock(self.inspector, self.tabs, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inspector_dock)
        self.full_screen = FullScreen(
            self,
            lambda: self.tabs.currentWidget() is self.compare,
            lambda: (self.patient_list, self.inspector_dock, self.menuBar(), self.statusBar(), self.tabs.tabBar()),
        )

    def _warm_up(self) -> None:
        def failed(exc: BaseException) -> None:  # e.g. the model file is missing
            self.warm_up_task = None
            self.statusBar().showMessage(f"Face analysis unavailable: {user_message(exc)}", 15000)

        self.warm_up_task = run_task(lambda _ctx: self.analysis.warm_up(), on_error=failed)

    def report_status(self, text: str, timeout_ms: int = 0) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    # --- menus ---------------------------------------------------------------------------
    def _action(
        self, menu: QMenu, text: str, slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None, tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        keys = QKeySequence.StandardKey
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self.new_patient_action = self._action(f, "&New patient…", self.new_patient, keys.New)
        self.edit_patient_action = self._action(f, "&Edit patient…", self.edit_patient, "Ctrl+E")
        f.addSeparator()
        self.import_files_action = self._action(f, "&Import photos…", self.import_files_dialog, "Ctrl+I")
        self.import_folder_action = self._action(f, "Import &folder…", self.import_folder_dialog, "Ctrl+Shift+I")
        f.addSeparator()
        self._action(f, "&Quit", self.close, keys.Quit)
        e = mb.addMenu("&Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(keys.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(keys.Redo)
        e.addAction(self.undo_action)
        e.addAction(self.redo_action)
        e.addSeparator()
        e.addActions(self.photo_edits.actions())
        v = mb.addMenu("&View")
        self._action(v, "&Photos", lambda: self.tabs.setCurrentIndex(0), "Ctrl+Shift+P")
        self._action(v, "&Compare", lambda: self.tabs.setCurrentWidget(self.compare), "Ctrl+Shift+C")
        self._action(v, "Find &patient", self._focus_search, keys.Find)
        v.addAction(self.inspector_dock.toggleViewAction())
        self._action(v, "&Full screen", self.toggle_full_screen, "F11")
        p = mb.addMenu("&Patient")
        self.compare_action = self._action(p, "Compare &selected photos", self.compare_selected, "Ctrl+Return")
        self.review_action = self._action(
            p, "&Review mode…", self.open_review_mode, "Ctrl+R", "Show this patient their own progress"
        )
        self.export_action = self._action(p, "E&xport sheet…", self.export_sheet, "Ctrl+Shift+E")
        self.print_action = self._action(p, "&Print sheet…", self.print_sheet, keys.Print)
        p.addSeparator()
        self.consent_action = self._action(
            p, "Photo &consent…", lambda: self.open_consent(), "Ctrl+Shift+K",
            "Record or withdraw the patient's consent for the selected photos (or the compared pair)",
        )
        s = mb.addMenu("&Settings")
        self._action(s, "&Settings…", self.open_settings, keys.Preferences)
        self.payer.add_to(p, s)
        lib_menu = mb.addMenu("&Library")
        self.audit_action = self._action(
            lib_menu, "&Audit log…", self.open_audit_log, None, "Who opened, exported or changed which record, and when"
        )
        h = mb.addMenu("&Help")
        self._action(h, "&About PhotoCompare", lambda: AboutDialog(self).exec())

    def _focus_search(self) -> None:
        self.patient_list.search.setFocus()
        self.patient_list.search.selectAll()

    def _update_actions(self) -> None:
        has = self.patient is not None
        for widget in (
            self.edit_patient_action, self.import_files_action, self.import_folder_action, self.review_action,
            self.consent_action,
        ):
            widget.setEnabled(has)
        self.photos_page.set_patient_enabled(has)
        self.payer.set_patient_enabled(has)

    # --- patients ------------------------------------------------------------------------
    def reload_patients(self, select_id: int | None = None) -> None:
        try:
            patients = la.list_patients(self.library)
        except Exception as exc:
            show_error(self, "Patients could not be read", exc)
            return
        self.patient_list.set_patients(patients, select_id)

    def new_patient(self) -> None:
        dlg = PatientDialog(self.library, None, self)
        if dlg.exec() and dlg.saved is not None:
            self.reload_patients(dlg.saved.id)

    def edit_patient(self) -> None:
        if self.patient is None:
            return
        dlg = PatientDialog(self.library, self.patient, self)
        if dlg.exec() and dlg.saved is not None:
            self.reload_patients(dlg.saved.id)
            self.show_patient(dlg.saved.id)

    def select_patient_by_external_id(self, external_id: str) -> bool:
        row = la.find_patient(self.library, external_id)
        if row is None:
            return False
        if not self.patient_list.select_patient(row.id):
            self.show_patient(row.id)
        return True

    def show_patient(self, patient_id: int) -> None:
        try:
            patient = la.get_patient(self.library, patient_id)
        except Exception as exc:
            show_error(self, "The patient could not be opened", exc)
            return
        if patient is None:
            return
        if self.patient is None or patient.id != self.patient.id:
            self.photo_edits.clear()
        self.figures.forget()  # everything is read afresh below
        self.patient = patient
        log.info("patient %s opened", patient.id)
        if patient.id != self._audited_patient_id:  # once per selection change, not per refresh
            self._audited_patient_id = patient.id
            self.audit_trail.record("PATIENT_OPENED", patient.id, patient.external_id)
        self.setWindowTitle(f"PhotoCompare — {patient.label}")
        self.reload_photos()
        try:
            self.migraine_panel.set_patient(self.library, patient.id)
        except Exception:  # the photos stay usable without the course
            log.exception("migraine panel could not show patient %s", patient.id)
        self._update_actions()

    @property
    def photos(self) -> list[la.PhotoRow]:
        return self.photos_page.photos

    @property
    def course_report(self) -> CourseReport | None:
        return self.photos_page.report

    def reload_photos(self, keep_selection: bool = True) -> None:
        if self.patient is not None:
            self.photos_page.load(self.patient, keep_selection)

    def reload_photos_async(self, then: Callable[[], None] = lambda: None) -> Task | None:
        """Read the patient's photos and course on a worker, show them, then call `then()`."""
        return self.photos_page.reload_async(lambda exc: show_error(self, "The photos could not be read", exc), then)

    # --- pairs ---------------------------------------------------------------------------
    def suggested_pairs(self) -> list[object]:
        return list(self.photos_page.suggestions.pairs())

    def compare_selected(self) -> Task | None:
        selected = self.grid.selected_photos()
        if len(selected) != 2:
            self.report_status("Select exactly two photos to compare (Ctrl+click).", 5000)
            return None
        return self.open_pair(*order_pair(*selected))

    def open_pair(self, before: la.PhotoRow, after: la.PhotoRow) -> Task | None:
        """Show a pair in the compare view; returns the worker task preparing it."""
        context = PairContext(
            before=before,
            after=after,
            before_period=la.period_for(self.course_report, before.taken_date),
            after_period=la.period_for(self.course_report, after.taken_date),
            course_report=self.course_report,
            patient=self.patient,
        )
        self.tabs.setCurrentWidget(self.compare)
        self.statusBar().clearMessage()  # "press Enter to compare" is done with
        log.info("pair opened: photos %s and %s", before.id, after.id)
        task = self.compare.open_pair(context, self.settings_store.thresholds())
        self.compare.focus_pictures()
        return task

    def pair_figures_changed(self, context: PairContext) -> None:
        try:
            self.pair_figures.set_pair(context.course_report, context.before.taken_at, context.after.taken_at)
        except Exception:  # the comparison stays usable without the figures
            log.exception("pair figures could not be shown")

    # --- selection / inspector / edits ---------------------------------------------------
    def _selection_changed(self, *_args: object) -> None:
        selected = self.grid.selected_photos()
        self.inspector.show_photo(selected[-1] if selected else None)
        if len(selected) == 2:
            self.report_status("Two photos selected: press Enter to compare them.", 4000)

    def edit_photo(self, photo_id: int, field: str, value: str | None) -> None:
        self.photo_edits.edit_label(photo_id, field, value)

    def _photos_updated(self, rows: list[la.PhotoRow]) -> None:
        if not rows:
            return
        by_id = {r.id: r for r in rows}
        self.photos_page.update_photos(by_id)
        if self.inspector.photo is not None and self.inspector.photo.id in by_id:
            self.inspector.update_labels(by_id[self.inspector.photo.id])

    # --- import and label suggestions ----------------------------------------------------
    def import_files_dialog(self) -> None:
        if self.patient is not None:
            self.imports.ask_files(self.patient)

    def import_folder_dialog(self) -> None:
        if self.patient is not None:
            self.imports.ask_folder(self.patient)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and self.patient is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.start_import(paths)

    def start_import(self, paths: list[str]) -> Task | None:
        """Import files/folders for the current patient on a worker; returns the task."""
        return self.imports.start(self.patient, paths)

    def _imported(self, summary: ImportSummary | None) -> None:
        if summary is None:
            self.import_finished.emit(None)
            return

        def then() -> None:
            self.import_finished.emit(summary)
            imported = {pid for _path, pid in summary.imported}
            if self.suggest_after_import and imported:
                self.suggest_missing_labels(sorted(imported))

        self.reload_photos_async(then)

    def suggest_missing_labels(self, photo_ids: list[int]) -> Task | None:
        wanted = set(photo_ids)
        return self.labeller.start([p for p in self.photos if p.id in wanted])

    def _labels_suggested(self, updated: list[la.PhotoRow]) -> None:
        self._photos_updated(updated)
        self.labels_suggested.emit(len(updated))

    # --- export, consent, audit, review ----------------------------------------------------
    def export_sheet(self) -> Task | None:
        return self.sheets.export(self.compare.context, self.compare.pictures)

    def print_sheet(self) -> Task | None:
        return self.sheets.print(self.compare.context, self.compare.pictures)

    def open_consent(self, photos: list[la.PhotoRow] | None = None, use: str | None = None) -> ConsentDialog | None:
        """Consent for `photos` (default: the grid's selection, else the compared pair)."""
        if self.patient is None:
            return None
        if photos is None:
            photos = self.grid.selected_photos()
            context = self.compare.context
            if (not photos or self.tabs.currentWidget() is self.compare) and context is not None:
                photos = [context.before, context.after]
        return record_consent(self, self.library, photos, use, lambda text: self.report_status(text, 8000))

    def open_audit_log(self) -> AuditDialog:
        return self.audit_trail.open_log(self)

    def open_review_mode(self) -> ReviewWindow | None:
        """Show the patient their own progress, with the rest of the app out of sight."""
        return self.kiosk.open(self.patient) if self.patient is not None else None

    def open_settings(self) -> None:
        current = getattr(self.library, "location", None)
        store = getattr(getattr(self.library, "store", None), "root", None)
        if current and store is not None:
            current = f"{current} (originals in {store})"
        if SettingsDialog(self.settings_store, self, current_library=current).exec() and self.patient is not None:
            # e.g. the period a treatment day's photos belong to: the figures are read afresh
            self.figures.changed(self.patient.id, library_changes.COURSE)

    # --- window state --------------------------------------------------------------------
    def toggle_full_screen(self) -> None:
        """Full screen; from the compare view only the comparison stays (Esc or F11 leaves)."""
        self.full_screen.toggle()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape and self.isFullScreen():
            self.toggle_full_screen()
            return
        super().keyPressEvent(event)

    def save_geometry(self) -> None:
        self.settings_store.set_inspector_wanted(self.inspector_dock.wanted())
        save_window(self, self.settings_store)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.save_geometry()
        self.compare.stop()
        self.imports.cancel()
        self.labeller.cancel()
        self.photos_page.suggestions.cancel()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Wait for workers and release the face model (call once the window is closed)."""
        self.imports.cancel()
        self.labeller.cancel()
        self.figures.close()
        self.loader.wait()
        QThreadPool.globalInstance().waitForDone(10_000)
        self.loader.clear()
        if self._owns_analysis:
            self.analysis.close()
