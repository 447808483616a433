"""The main window: patients on the left, the patient's timeline and photo grid, the compare
view, the migraine panel (issue 6), and the photo inspector as a dock.

A thin layer: the library (A), the face analysis and pairing (B) and the migraine course (C) do
the work; this window starts it off the GUI thread and shows the results.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from photocompare.core.analysis_service import AnalysisService
from photocompare.core.errors import ConsentMissing, PhotoCompareError
from photocompare.core.labels import suggest_labels
from photocompare.core.pair_suggest import suggest_pairs, targets
from photocompare.library import api as la
from photocompare.library.importer import import_paths
from photocompare.ui.compare_view import CompareView, PairContext
from photocompare.ui.export_dialog import ExportDialog, ExportOptions
from photocompare.ui.import_dialog import ImportDialog
from photocompare.ui.inspector import Inspector
from photocompare.ui.patient_list import PatientDialog, PatientList
from photocompare.ui.photo_grid import PhotoGridModel, PhotoGridView
from photocompare.ui.settings_store import SettingsStore
from photocompare.ui.thumbnail_loader import ThumbnailLoader, library_thumbnail_loader
from photocompare.ui.workers import TaskContext, run_task

log = logging.getLogger(__name__)

try:  # issue 6 (engineer E): the migraine panel, patient review mode, pair figures
    from photocompare.ui.migraine_panel import MigrainePanel
except ImportError:  # pragma: no cover - present in the full app
    MigrainePanel = None  # type: ignore[assignment,misc]
try:
    from photocompare.ui.review_mode import ReviewWindow
except ImportError:  # pragma: no cover
    ReviewWindow = None  # type: ignore[assignment,misc]
try:
    from photocompare.ui.pair_figures import PairFiguresWidget
except ImportError:  # pragma: no cover
    PairFiguresWidget = None  # type: ignore[assignment,misc]
try:  # issue 8 (engineer G): audit log and consent
    from photocompare.library import audit as audit_log
except ImportError:  # pragma: no cover - present in the full app
    audit_log = None  # type: ignore[assignment]
try:
    from photocompare.library import consent as consent_gate
except ImportError:  # pragma: no cover
    consent_gate = None  # type: ignore[assignment]


def _audit_view_class() -> Any:
    """G's audit dialog (ui/audit_view.py), looked up when the menu entry is used."""
    try:
        from photocompare.ui.audit_view import AuditDialog
    except ImportError:
        return None
    return AuditDialog

GIL_SWITCH_INTERVAL_S = 0.001
WARM_UP_DELAY_MS = 800  # load the face model shortly after the window is up
PROGRESS_INTERVAL_S = 0.1  # import progress reaches the GUI at most 10 times a second
ICON_PX = 160
PHOTO_ROLE = Qt.ItemDataRole.UserRole + 1


def user_message(exc: BaseException) -> str:
    """What a clinician reads: the app's own errors as they are, anything else in one line."""
    if isinstance(exc, PhotoCompareError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"The file or folder could not be used: {exc.strerror or exc}"
    return f"Something went wrong ({type(exc).__name__}). Details are in the log file."


class PhotoEditCommand(QUndoCommand):
    """One label / note change of one photo, undoable."""

    def __init__(self, window: MainWindow, photo_id: int, field: str, old: Any, new: Any) -> None:
        names = {"view_label": "view label", "expression_label": "expression label", "note": "note"}
        super().__init__(f"change {names.get(field, field)}")
        self.window, self.photo_id, self.field, self.old, self.new = window, photo_id, field, old, new

    def redo(self) -> None:
        self.window._write_photo(self.photo_id, self.field, self.new)

    def undo(self) -> None:
        self.window._write_photo(self.photo_id, self.field, self.old)


class _KioskGuard(QObject):
    """While review mode is open, hides any other window of the app that tries to appear and
    remembers it, so it comes back when review mode is left."""

    def __init__(self, review: QWidget, hidden: list[QWidget], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._review = review
        self._hidden = hidden

    def _belongs_to_review(self, widget: QWidget) -> bool:
        w: QWidget | None = widget
        while w is not None:
            if w is self._review:
                return True
            w = w.parentWidget()
        return False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Show and isinstance(obj, QWidget) and obj.isWindow():
            kind = obj.windowType()
            if kind not in (Qt.WindowType.ToolTip, Qt.WindowType.Popup) and not self._belongs_to_review(obj):
                if obj not in self._hidden:
                    self._hidden.append(obj)
                obj.hide()
        return False


class MainWindow(QMainWindow):
    import_finished = Signal(object)  # ImportSummary
    labels_suggested = Signal(int)  # how many photos got suggested labels
    export_finished = Signal(object)  # the written path(s), or the exception

    def __init__(
        self,
        library: Any,
        settings: SettingsStore | None = None,
        analysis: AnalysisService | None = None,
        *,
        suggest_labels_after_import: bool = True,
        warm_up_analysis: bool = True,
    ) -> None:
        super().__init__()
        # Workers (import, analysis, thumbnails) run Python too; with the default 5 ms GIL
        # switch interval every Python<->Qt round trip of a repaint can wait 5 ms for them.
        # 1 ms keeps the window responsive at a small cost in worker throughput.
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL_S))
        self.library = library
        self.settings_store = settings or SettingsStore()
        self.analysis = analysis or AnalysisService(getattr(library, "limits", None))
        self._owns_analysis = analysis is None
        self.suggest_after_import = suggest_labels_after_import
        self.patient: la.PatientRow | None = None
        self.photos: list[la.PhotoRow] = []
        self.course_report: Any = None
        self.import_task: Any = None
        self.import_dialog: ImportDialog | None = None
        self.label_task: Any = None
        self.review_window: Any = None
        self._hidden_for_review: list[QWidget] = []
        self._kiosk_guard: _KioskGuard | None = None
        self._audited_patient_id: int | None = None  # "patient opened" once per selection change
        self.audit_tasks: list[Any] = []
        self.audit_dialog: Any = None
        self.export_message: QMessageBox | None = None
        self.consent_dialog: Any = None
        self._hidden_for_full_screen: list[tuple[QWidget, bool]] = []
        self.setWindowTitle("PhotoCompare")
        self.setAcceptDrops(True)
        self.undo_stack = QUndoStack(self)

        # widgets ------------------------------------------------------------------------
        self.patient_list = PatientList()
        self.patient_list.patient_selected.connect(self.show_patient)
        self.patient_list.new_patient_requested.connect(self.new_patient)

        self.loader = ThumbnailLoader(size=ICON_PX, loader=library_thumbnail_loader(library), parent=self)
        self.grid_model = PhotoGridModel(self.loader, self)
        self.grid = PhotoGridView(self.grid_model, ICON_PX)
        self.grid.selectionModel().selectionChanged.connect(self._selection_changed)
        self.grid.activated_pair.connect(self.compare_selected)
        self.grid.doubleClicked.connect(lambda _i: self.compare_selected())

        self.timeline = QTreeWidget()
        self.timeline.setHeaderLabels(["Timeline", "Photos"])
        self.timeline.setAccessibleName("Timeline of periods and visits")
        self.timeline.setColumnWidth(0, 230)
        self.timeline.setMinimumWidth(200)
        self.timeline.currentItemChanged.connect(self._timeline_changed)

        self.patient_title = QLabel("Choose or create a patient.")
        self.patient_title.setTextFormat(Qt.TextFormat.RichText)
        self.import_button = QPushButton("Import photos…")
        self.import_button.clicked.connect(self.import_files_dialog)
        self.compare_button = QPushButton("Compare selected")
        self.compare_button.setToolTip("Compare the two selected photos (Enter)")
        self.compare_button.clicked.connect(self.compare_selected)
        self.target_combo = QComboBox()
        self.target_combo.setToolTip("Compare baseline photos with this cycle (or date)")
        self.target_combo.setAccessibleName("Compare baseline with")
        self.target_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.target_combo.setMinimumContentsLength(10)
        self.target_combo.currentIndexChanged.connect(self._refresh_suggestions)
        self.pairs_list = QListWidget()
        self.pairs_list.setAccessibleName("Suggested pairs")
        self.pairs_list.setMaximumHeight(84)
        self.pairs_list.itemActivated.connect(self._open_suggested)
        self.pairs_list.itemDoubleClicked.connect(self._open_suggested)

        header = QHBoxLayout()
        header.addWidget(self.patient_title, 1)
        header.addWidget(QLabel("Baseline vs:"))
        header.addWidget(self.target_combo)
        header.addWidget(self.compare_button)
        header.addWidget(self.import_button)
        photos_page = QWidget()
        pl = QVBoxLayout(photos_page)
        pl.setContentsMargins(4, 4, 4, 4)
        pl.addLayout(header)
        self.pairs_label = QLabel("Suggested pairs (same view and expression):")
        pl.addWidget(self.pairs_label)
        pl.addWidget(self.pairs_list)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.timeline)
        split.addWidget(self.grid)
        split.setStretchFactor(1, 4)
        split.setSizes([300, 800])
        pl.addWidget(split, 1)

        self.compare = CompareView(self.analysis)
        self.compare.full_screen_requested.connect(self.toggle_full_screen)
        self.compare.export_requested.connect(self.export_sheet)
        self.compare.print_requested.connect(self.print_sheet)
        self.compare.pair_changed.connect(self._pair_changed)
        self.pair_figures = None
        if PairFiguresWidget is not None:
            self.pair_figures = PairFiguresWidget()
            self.compare.period_area.addWidget(self.pair_figures)
            self.compare.external_period_widget = True
            self.compare.period_label.hide()

        self.tabs = QTabWidget()
        self.tabs.addTab(photos_page, "Photos")
        self.tabs.addTab(self.compare, "Compare")
        self.migraine_panel = None
        if MigrainePanel is not None:
            try:
                self.migraine_panel = MigrainePanel()
                self.tabs.addTab(self.migraine_panel, "Migraine course")
            except Exception:  # the rest of the app stays usable
                log.exception("migraine panel could not be created")

        self.patient_list.setMinimumWidth(160)
        main_split = QSplitter(Qt.Orientation.Horizontal)
        main_split.addWidget(self.patient_list)
        main_split.addWidget(self.tabs)
        main_split.setStretchFactor(1, 5)
        main_split.setSizes([240, 1000])
        self.setCentralWidget(main_split)

        self.inspector = Inspector(self.analysis)
        self.inspector.label_edit_requested.connect(self.edit_photo)
        self.inspector_dock = QDockWidget("Photo inspector", self)
        self.inspector_dock.setObjectName("inspector")
        self.inspector_dock.setWidget(self.inspector)
        self.inspector.setMinimumWidth(240)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inspector_dock)

        self._inspector_wanted = True
        self._last_tab = 0
        self.tabs.currentChanged.connect(self._tab_changed)

        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().showMessage(f"Library: {getattr(library, 'location', '')}")

        self._build_menus()
        self.setTabOrder(self.patient_list.search, self.patient_list.view)
        self.setTabOrder(self.patient_list.view, self.tabs)
        self._update_actions()
        self.reload_patients()
        self._update_empty_hint()
        self.resize(1400, 900)
        self._restore_geometry()
        self.warm_up_task = None
        if warm_up_analysis:
            QTimer.singleShot(WARM_UP_DELAY_MS, self._warm_up)

    def _warm_up(self) -> None:
        def failed(exc: BaseException) -> None:  # e.g. the model file is missing
            self.warm_up_task = None
            self.statusBar().showMessage(f"Face analysis unavailable: {user_message(exc)}", 15000)

        self.warm_up_task = run_task(lambda _ctx: self.analysis.warm_up(), on_error=failed)

    # --- menus ---------------------------------------------------------------------------
    def _action(self, menu, text: str, slot, shortcut: Any = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self.new_patient_action = self._action(f, "&New patient…", self.new_patient, QKeySequence.StandardKey.New)
        self.edit_patient_action = self._action(f, "&Edit patient…", self.edit_patient, "Ctrl+E")
        f.addSeparator()
        self.import_files_action = self._action(f, "&Import photos…", self.import_files_dialog, "Ctrl+I")
        self.import_folder_action = self._action(f, "Import &folder…", self.import_folder_dialog, "Ctrl+Shift+I")
        f.addSeparator()
        self._action(f, "&Settings…", self.open_settings, QKeySequence.StandardKey.Preferences)
        f.addSeparator()
        self._action(f, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        e = mb.addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        e.addAction(undo)
        e.addAction(redo)
        self.undo_action, self.redo_action = undo, redo
        v = mb.addMenu("&View")
        self._action(v, "&Photos", lambda: self.tabs.setCurrentIndex(0), "Ctrl+Shift+P")
        self._action(v, "&Compare", lambda: self.tabs.setCurrentWidget(self.compare), "Ctrl+Shift+C")
        self._action(v, "Find &patient", self._focus_search, QKeySequence.StandardKey.Find)
        v.addAction(self.inspector_dock.toggleViewAction())
        self._action(v, "&Full screen", self.toggle_full_screen, "F11")
        p = mb.addMenu("&Patient")
        self.compare_action = self._action(p, "Compare &selected photos", self.compare_selected, "Ctrl+Return")
        self.review_action = self._action(
            p, "&Review mode…", self.open_review_mode, "Ctrl+R", "Show this patient their own progress"
        )
        self.export_action = self._action(p, "E&xport sheet…", self.export_sheet, "Ctrl+Shift+E")
        self.print_action = self._action(p, "&Print sheet…", self.print_sheet, QKeySequence.StandardKey.Print)
        p.addSeparator()
        self.consent_action = self._action(
            p, "Photo &consent…", lambda: self.open_consent(), "Ctrl+Shift+K",
            "Record or withdraw the patient's consent for the selected photos (or the compared pair)",
        )
        lib_menu = mb.addMenu("&Library")
        self.audit_action = self._action(
            lib_menu, "&Audit log…", self.open_audit_log, None, "Who opened, exported or changed which record, and when"
        )
        self.audit_action.setEnabled(_audit_view_class() is not None)
        h = mb.addMenu("&Help")
        self._action(h, "&About PhotoCompare", self.show_about)

    NO_PATIENT_HINT = (
        "No patient chosen.\n\nCreate one with File ▸ New patient… (Ctrl+N) or choose one on the "
        "left; then import photos (Ctrl+I for files, Ctrl+Shift+I for a folder, or drag them here).\n\n"
        "To look around first, start the app with --demo: a demo patient with a checked comparison."
    )
    NO_PHOTO_HINT = (
        "No photos for this patient yet.\n\nImport photos… (Ctrl+I), a whole folder (Ctrl+Shift+I), "
        "or drag files or folders onto this window."
    )

    def _update_empty_hint(self) -> None:
        """What the empty photo grid says: choose/create a patient, or import photos."""
        if self.patient is None:
            self.grid.set_empty_text(self.NO_PATIENT_HINT)
        elif not self.photos:
            self.grid.set_empty_text(self.NO_PHOTO_HINT)
        else:
            self.grid.set_empty_text("No photos in this part of the timeline.")

    def _focus_search(self) -> None:
        self.patient_list.search.setFocus()
        self.patient_list.search.selectAll()

    def _update_actions(self) -> None:
        has = self.patient is not None
        for a in (
            self.edit_patient_action, self.import_files_action, self.import_folder_action, self.review_action,
            self.consent_action,
        ):
            a.setEnabled(has)
        self.consent_action.setEnabled(has and consent_gate is not None)
        self.review_action.setEnabled(has and ReviewWindow is not None)
        self.import_button.setEnabled(has)
        self.compare_button.setEnabled(has)

    # --- patients ------------------------------------------------------------------------
    def reload_patients(self, select_id: int | None = None) -> None:
        try:
            patients = la.list_patients(self.library)
        except Exception as exc:
            self.show_error("Patients could not be read", exc)
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
            self.show_error("The patient could not be opened", exc)
            return
        if patient is None:
            return
        if self.patient is None or patient.id != self.patient.id:
            self.undo_stack.clear()
        self.patient = patient
        log.info("patient %s opened", patient.id)
        if patient.id != self._audited_patient_id:  # once per selection change, not per refresh
            self._audited_patient_id = patient.id
            self.audit("PATIENT_OPENED", patient.id, patient.external_id)
        self.setWindowTitle(f"PhotoCompare — {patient.label}")
        self.reload_photos()
        if self.migraine_panel is not None and hasattr(self.migraine_panel, "set_patient"):
            try:
                self.migraine_panel.set_patient(self.library, patient.id)
            except Exception:
                log.exception("migraine panel could not show patient %s", patient.id)
        self._update_actions()

    def reload_photos(self, keep_selection: bool = True) -> None:
        if self.patient is None:
            return
        photos = la.list_photos(self.library, self.patient.id)
        report = la.load_course_report(self.library, self.patient.id)
        self._apply_photos(self.patient.id, photos, report, keep_selection)

    def reload_photos_async(self, then: Any = None) -> Any:
        """Read the patient's photos and course on a worker (after an import of hundreds of
        photos the query alone would stall the window), then show them; `then()` afterwards."""
        if self.patient is None:
            if then:
                then()
            return None
        library, patient_id = self.library, self.patient.id

        def work(_ctx: TaskContext) -> tuple[list[la.PhotoRow], Any]:
            return la.list_photos(library, patient_id), la.load_course_report(library, patient_id)

        def done(result: tuple[list[la.PhotoRow], Any]) -> None:
            self._apply_photos(patient_id, result[0], result[1], True)
            if then:
                then()

        def failed(exc: BaseException) -> None:
            self.show_error("The photos could not be read", exc)
            if then:
                then()

        return run_task(work, on_done=done, on_error=failed)

    def _apply_photos(self, patient_id: int, photos: list[la.PhotoRow], report: Any, keep_selection: bool) -> None:
        if self.patient is None or self.patient.id != patient_id:
            return  # the user moved on to another patient meanwhile
        selected = {p.id for p in self.grid.selected_photos()} if keep_selection else set()
        self.photos = photos
        self.course_report = report
        self._build_timeline()
        self._fill_targets()
        n = len(self.photos)
        self.patient_title.setText(
            f"<b>{self.patient.display_name or self.patient.external_id}</b> · ID {self.patient.external_id}"
            f" · {n} photo{'s' if n != 1 else ''}"
        )
        if selected:
            for p in selected:
                row = self.grid_model.row_of_photo(p)
                if row >= 0:
                    self.grid.selectionModel().select(
                        self.grid_model.index(row), self.grid.selectionModel().SelectionFlag.Select
                    )

    def _period_label(self, photo: la.PhotoRow) -> str | None:
        period = la.period_for(self.course_report, photo.taken_date)
        return getattr(period, "label", None) if period is not None else None

    def _build_timeline(self) -> None:
        self.timeline.blockSignals(True)
        self.timeline.clear()
        all_item = QTreeWidgetItem(["All photos", str(len(self.photos))])
        all_item.setData(0, PHOTO_ROLE, None)
        self.timeline.addTopLevelItem(all_item)
        groups: dict[str, list[la.PhotoRow]] = {}
        period_of: dict[int, str] = {}
        order: list[str] = []
        if self.course_report is not None:
            from photocompare.core.pair_suggest import main_periods

            for period in main_periods(self.course_report):
                order.append(str(period.label))
                groups[str(period.label)] = []
        for ph in self.photos:
            label = self._period_label(ph) if self.course_report is not None else None
            if label is not None and label in groups:
                groups[label].append(ph)
                period_of[ph.id] = label
            else:
                key = "outside the diary periods" if self.course_report is not None else "photos"
                if key not in groups:
                    groups[key] = []
                    order.append(key)
                groups[key].append(ph)
        for key in order:
            members = groups[key]
            period = None
            if self.course_report is not None:
                period = next((p for p in getattr(self.course_report, "periods", []) if str(p.label) == key), None)
            title = key.capitalize()
            if period is not None:
                title += f"  ({period.start:%Y-%m-%d} – {period.end:%Y-%m-%d})"
            if key == "photos":
                parent = self.timeline.invisibleRootItem()
            else:
                parent = QTreeWidgetItem([title, str(len(members))])
                parent.setToolTip(0, title)  # the dates do not fit a narrow timeline
                parent.setData(0, PHOTO_ROLE, [p.id for p in members])
                self.timeline.addTopLevelItem(parent)
            by_day: dict[str, list[int]] = {}
            for ph in members:
                by_day.setdefault(ph.date_text, []).append(ph.id)
            for day, ids in by_day.items():
                child = QTreeWidgetItem([f"Visit {day}" if day != "no date" else "No date", str(len(ids))])
                child.setData(0, PHOTO_ROLE, ids)
                if parent is self.timeline.invisibleRootItem():
                    self.timeline.addTopLevelItem(child)
                else:
                    parent.addChild(child)
            if parent is not self.timeline.invisibleRootItem():
                parent.setExpanded(True)
        self.timeline.setCurrentItem(all_item)
        self.timeline.blockSignals(False)
        self._update_empty_hint()
        self.grid_model.set_photos(self.photos, period_of)
        self.inspector.show_photo(None)

    def _timeline_changed(self, current: QTreeWidgetItem | None, _prev: Any) -> None:
        if current is None:
            return
        ids = current.data(0, PHOTO_ROLE)
        rows = self.photos if ids is None else [p for p in self.photos if p.id in set(ids)]
        self.grid_model.set_photos(rows, self.grid_model.period_labels)

    def _tab_changed(self, _index: int) -> None:
        """The inspector is about the grid's photo: it gives its room to the other tabs."""
        index = self.tabs.currentIndex()
        if self._last_tab == 0 and index != 0:
            self._inspector_wanted = not self.inspector_dock.isHidden()
            self.inspector_dock.hide()
        elif index == 0 and self._last_tab != 0:
            self.inspector_dock.setVisible(self._inspector_wanted)
        self._last_tab = index

    # --- pairs ---------------------------------------------------------------------------
    def _fill_targets(self) -> None:
        self.target_combo.blockSignals(True)
        current = self.target_combo.currentData()
        self.target_combo.clear()
        for title, key in targets(self.photos, self.course_report):
            self.target_combo.addItem(title, key)
        idx = self.target_combo.findData(current)
        self.target_combo.setCurrentIndex(idx if idx >= 0 else self.target_combo.count() - 1)
        self.target_combo.blockSignals(False)
        self._refresh_suggestions()

    def _refresh_suggestions(self) -> None:
        self.pairs_list.clear()
        pairs = suggest_pairs(self.photos, self.course_report, self.target_combo.currentData())
        for pair in pairs:
            item = QListWidgetItem(pair.title)
            item.setData(PHOTO_ROLE, pair)
            item.setToolTip(f"{pair.before.original_name} → {pair.after.original_name}")
            self.pairs_list.addItem(item)
        if not pairs:
            item = QListWidgetItem(
                "No suggestion: label the photos' view and expression, or select any two photos "
                "and press Compare."
                if len(self.photos) >= 2
                else "Suggestions appear once the patient has photos from two dates."
            )
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.pairs_list.addItem(item)

    def suggested_pairs(self) -> list[Any]:
        out = []
        for i in range(self.pairs_list.count()):
            pair = self.pairs_list.item(i).data(PHOTO_ROLE)
            if pair is not None:
                out.append(pair)
        return out

    def _open_suggested(self, item: QListWidgetItem) -> None:
        pair = item.data(PHOTO_ROLE)
        if pair is not None:
            self.open_pair(pair.before, pair.after)

    def compare_selected(self) -> Any:
        selected = self.grid.selected_photos()
        if len(selected) != 2:
            self.statusBar().showMessage("Select exactly two photos to compare (Ctrl+click).", 5000)
            return None
        before, after = sorted(selected, key=lambda p: (p.taken_at is None, la._naive(p.taken_at), p.id))
        return self.open_pair(before, after)

    def open_pair(self, before: la.PhotoRow, after: la.PhotoRow) -> Any:
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
        self.compare.left.setFocus()
        return task

    def _pair_changed(self, context: PairContext) -> None:
        if self.pair_figures is not None:
            try:
                self.pair_figures.set_pair(context.course_report, context.before.taken_at, context.after.taken_at)
            except Exception:
                log.exception("pair figures could not be shown")

    # --- selection / inspector / edits ---------------------------------------------------
    def _selection_changed(self, *_args: Any) -> None:
        selected = self.grid.selected_photos()
        self.inspector.show_photo(selected[-1] if selected else None)
        if len(selected) == 2:
            self.statusBar().showMessage("Two photos selected: press Enter to compare them.", 4000)

    def edit_photo(self, photo_id: int, field: str, value: Any) -> None:
        photo = next((p for p in self.photos if p.id == photo_id), None)
        if photo is None:
            return
        self.undo_stack.push(PhotoEditCommand(self, photo_id, field, getattr(photo, field), value))

    def _write_photo(self, photo_id: int, field: str, value: Any) -> None:
        try:
            row = la.update_photo(self.library, photo_id, **{field: value})
        except Exception as exc:
            self.show_error("The change could not be saved", exc)
            return
        self._photo_updated(row)

    def _photo_updated(self, row: la.PhotoRow) -> None:
        self._photos_updated([row])

    def _photos_updated(self, rows: list[la.PhotoRow]) -> None:
        if not rows:
            return
        by_id = {r.id: r for r in rows}
        self.photos = [by_id.get(p.id, p) for p in self.photos]
        self.grid_model.update_photos(by_id)
        if self.inspector.photo is not None and self.inspector.photo.id in by_id:
            self.inspector.update_labels(by_id[self.inspector.photo.id])
        self._refresh_suggestions()

    # --- import ----------------------------------------------------------------------------
    def import_files_dialog(self) -> None:
        if self.patient is None:
            return
        files, _ = QFileDialog.getOpenFileNames(
            self,
            "Import photos",
            self.settings_store.last_import_dir(),
            "Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp *.heic *.heif);;All files (*)",
        )
        if files:
            self.settings_store.set_last_import_dir(str(Path(files[0]).parent))
            self.start_import(files)

    def import_folder_dialog(self) -> None:
        if self.patient is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Import a folder", self.settings_store.last_import_dir())
        if folder:
            self.settings_store.set_last_import_dir(folder)
            self.start_import([folder])

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and self.patient is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.start_import(paths)

    def start_import(self, paths: list[str | Path]) -> Any:
        """Import files/folders for the current patient on a worker; returns the task.

        Progress reaches the GUI thread at most every PROGRESS_INTERVAL_S (the import never
        floods the event loop); Cancel stops after the file being copied.
        """
        if self.patient is None:
            QMessageBox.information(self, "Import", "Choose or create a patient first.")
            return None
        if self.import_task is not None:
            QMessageBox.information(self, "Import", "An import is already running.")
            return None
        library, external_id = self.library, self.patient.external_id
        paths = [str(p) for p in paths]
        dialog = ImportDialog(self.patient.label, self)
        self.import_dialog = dialog

        def work(ctx: TaskContext) -> Any:
            last = [0.0]

            def progress(done: int, total: int, message: str = "") -> None:
                now = time.monotonic()
                if done >= total or now - last[0] >= PROGRESS_INTERVAL_S:
                    last[0] = now
                    ctx.progress(done, total, Path(message).name if message else "")

            return import_paths(library, paths, external_id, progress=progress, cancelled=lambda: ctx.cancelled)

        def done(summary: Any) -> None:
            self.import_task = None
            self.progress.hide()
            cancelled = bool(getattr(summary, "cancelled", False))
            dialog.show_summary(summary, cancelled)
            counts = dialog.counts
            log.info("import finished for patient %s: %s%s", self.patient.id if self.patient else "?", counts, " (cancelled)" if cancelled else "")
            self.statusBar().showMessage(
                f"Imported {counts['imported']}, duplicates {counts['duplicates']}, rejected {counts['rejected']}.", 8000
            )

            def then() -> None:
                self.import_finished.emit(summary)
                if self.suggest_after_import and counts["imported"]:
                    self.suggest_missing_labels([pid for _p, pid in getattr(summary, "imported", [])])

            self.reload_photos_async(then)

        def failed(exc: BaseException) -> None:
            self.import_task = None
            self.progress.hide()
            dialog.show_error(user_message(exc))
            self.import_finished.emit(None)

        def progress(done_: int, total: int, message: str) -> None:
            dialog.set_progress(done_, total, message)
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(done_)

        self.progress.setRange(0, 0)
        self.progress.show()
        task = run_task(work, on_done=done, on_error=failed, on_progress=progress)
        self.import_task = task
        dialog.cancel_requested.connect(task.context.cancel)
        dialog.show()
        log.info("import started for patient %s: %d path(s)", self.patient.id, len(paths))
        return task

    def suggest_missing_labels(self, photo_ids: list[int]) -> Any:
        """Analyse newly imported photos on a worker and fill in view/expression suggestions
        where the user has not set labels (they stay editable; undo is not involved)."""
        rows = [p for p in self.photos if p.id in set(photo_ids) and not (p.view_label and p.expression_label)]
        if not rows or self.label_task is not None:
            return None
        library, analysis = self.library, self.analysis

        def work(ctx: TaskContext) -> list[la.PhotoRow]:
            out, last = [], 0.0
            for i, row in enumerate(rows, 1):
                if ctx.cancelled:
                    break
                try:
                    view, expr = suggest_labels(analysis.measures(row.path, row.sha256))
                    updated = la.set_suggested_labels(library, row.id, view, expr)
                except Exception as exc:  # a photo without a usable face keeps no label
                    log.info("no label suggestion for photo %s: %s", row.id, exc)
                    updated = None
                if updated is not None:
                    out.append(updated)
                if time.monotonic() - last > PROGRESS_INTERVAL_S or i == len(rows):
                    last = time.monotonic()
                    ctx.progress(i, len(rows), "Suggesting view and expression labels…")
            return out

        def done(updated: list[la.PhotoRow]) -> None:
            self.label_task = None
            self.progress.hide()
            self._photos_updated(updated)
            self.statusBar().showMessage(f"Suggested labels for {len(updated)} photo(s); edit them in the inspector.", 6000)
            self.labels_suggested.emit(len(updated))

        def failed(exc: BaseException) -> None:
            self.label_task = None
            self.progress.hide()
            self.statusBar().showMessage(f"Label suggestions stopped: {user_message(exc)}", 8000)
            self.labels_suggested.emit(0)

        def progress(i: int, n: int, message: str) -> None:
            self.progress.show()
            self.progress.setRange(0, n)
            self.progress.setValue(i)
            self.statusBar().showMessage(message)

        self.label_task = run_task(work, on_done=done, on_error=failed, on_progress=progress)
        return self.label_task

    # --- other actions -----------------------------------------------------------------
    def open_settings(self) -> None:
        from photocompare.ui.settings_dialog import SettingsDialog

        current = getattr(self.library, "location", None)
        store = getattr(getattr(self.library, "store", None), "root", None)
        if current and store is not None:
            current = f"{current} (originals in {store})"
        SettingsDialog(self.settings_store, self, current_library=current).exec()

    # --- consent (issue 8) -----------------------------------------------------------------
    def open_consent(self, photos: list[la.PhotoRow] | None = None, use: str | None = None) -> Any:
        """Record or withdraw consent for `photos` (default: the grid's selection, else the pair
        in the compare view); library.consent writes each change to the audit log."""
        if consent_gate is None or self.patient is None:
            return None
        if photos is None:
            photos = self.grid.selected_photos()
            if (not photos or self.tabs.currentWidget() is self.compare) and self.compare.context is not None:
                photos = [self.compare.context.before, self.compare.context.after]
        if not photos:
            QMessageBox.information(
                self, "Photo consent", "Select the photos first (Ctrl+click for several), then choose Photo consent…"
            )
            return None
        from photocompare.ui.consent_dialog import ConsentDialog

        dialog = ConsentDialog(self.library, list(photos), highlight_use=use, parent=self)
        self.consent_dialog = dialog
        if dialog.exec() == ConsentDialog.DialogCode.Accepted:
            n = dialog.changed_rows
            self.statusBar().showMessage(
                f"Consent saved ({n} change{'s' if n != 1 else ''}, recorded in the audit log).", 8000
            )
        return dialog

    # --- audit log (issue 8) -------------------------------------------------------------
    def audit(
        self,
        action_name: str,
        patient_id: int | None,
        external_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> Any:
        """Append an audit entry (G's library.audit) on a worker; returns the task or None.
        `action_name` is the constant's name in library.audit, e.g. "PATIENT_OPENED"."""
        if audit_log is None:
            return None
        action = getattr(audit_log, action_name, None)
        if action is None:
            return None
        library = self.library

        def work(_ctx: TaskContext) -> None:
            audit_log.record(
                library, action, patient_id=patient_id, patient_external_id=external_id, details=details
            )

        def failed(exc: BaseException) -> None:
            log.error("audit entry %s could not be written: %s", action, exc)

        def finished(*_args: Any) -> None:
            if task in self.audit_tasks:
                self.audit_tasks.remove(task)

        task = run_task(work, on_done=finished, on_error=lambda exc: (failed(exc), finished()))
        self.audit_tasks.append(task)
        return task

    def open_audit_log(self) -> Any:
        dialog_class = _audit_view_class()
        if dialog_class is None:
            QMessageBox.information(self, "Audit log", "The audit log is not available in this build.")
            return None
        dialog = dialog_class(self.library, self)
        self.audit_dialog = dialog
        dialog.show()
        return dialog

    # --- review mode (kiosk) ------------------------------------------------------------
    def open_review_mode(self) -> Any:
        """Show the patient their own progress. Everything else of the app is hidden while
        review mode is open (the patient must not see other records) and comes back when the
        review window is left."""
        if self.patient is None or ReviewWindow is None:
            return None
        try:
            window = ReviewWindow(
                self.library, self.patient.id, settings_store=self.settings_store, analysis=self.analysis
            )
        except Exception as exc:
            self.show_error("Review mode could not start", exc)
            return None
        self.review_window = window
        log.info("review mode opened for patient %s", self.patient.id)
        self.audit("REVIEW_MODE_ENTERED", self.patient.id, self.patient.external_id)
        window.left.connect(self._review_left)
        self._hide_for_review(window)
        window.show()
        return window

    def _hide_for_review(self, review: QWidget) -> None:
        from PySide6.QtWidgets import QApplication

        hidden = list(self._hidden_for_review)
        for widget in QApplication.topLevelWidgets():
            if widget is review or not widget.isVisible() or widget in hidden:
                continue
            hidden.append(widget)
            widget.hide()
        self._hidden_for_review = hidden
        # Windows that would appear later (an import summary, an error box) stay hidden too
        # until review mode is left: the patient must not see other records.
        self._kiosk_guard = _KioskGuard(review, self._hidden_for_review, self)
        QApplication.instance().installEventFilter(self._kiosk_guard)
        review.destroyed.connect(self._review_left)

    def _review_left(self, *_args: Any) -> None:
        from PySide6.QtWidgets import QApplication

        guard, self._kiosk_guard = getattr(self, "_kiosk_guard", None), None
        if guard is not None:
            QApplication.instance().removeEventFilter(guard)
            guard.deleteLater()
        hidden, self._hidden_for_review = self._hidden_for_review, []
        for widget in hidden:
            try:
                widget.show()
            except RuntimeError:  # closed and deleted while review mode was open
                pass
        if self in hidden:
            self.raise_()
            self.activateWindow()
        self.review_window = None

    # --- export and print ---------------------------------------------------------------
    def _export_names(self, context: PairContext, extension: str) -> tuple[str, str]:
        """Suggested file names: identified and de-identified (never a name in the latter)."""
        patient = self.patient
        ext_id = patient.external_id if patient else None
        name = patient.display_name if patient else None
        try:
            from photocompare.export.deidentify import suggested_filename

            on = context.after.taken_at
            return (
                suggested_filename("sheet", extension, patient_id=ext_id, patient_name=name, on=on),
                suggested_filename("sheet", extension, patient_id=ext_id, deidentify=True, on=on),
            )
        except ImportError:
            plain = f"comparison-{context.before.date_text}-{context.after.date_text}.{extension}"
            return plain, plain

    def _pair_for_export(self) -> tuple[PairContext, Any] | None:
        context = self.compare.context
        pics = self.compare.pictures
        if context is None or pics is None:
            self.statusBar().showMessage("Open a pair in the compare view first.", 5000)
            return None
        if pics.result is None:
            QMessageBox.information(
                self, "Export", "This pair has no consistency checks, so no sheet can be made. " + pics.note
            )
            return None
        return context, pics

    def _sheet_inputs(self) -> tuple[Any, PairContext, Any] | None:
        """What both Export and Print need: the sheet renderer and the analysed pair (or None,
        after telling the user why not)."""
        pair = self._pair_for_export()
        if pair is None:
            return None
        try:
            from photocompare.export import sheet as sheet_module
        except ImportError:
            QMessageBox.information(self, "Export", "Sheet export is not available in this build.")
            return None
        context, pics = pair
        return sheet_module, context, pics

    def export_sheet(self) -> Any:
        """Ask what the export is for, then write the sheet (consent checked, audited)."""
        inputs = self._sheet_inputs()
        if inputs is None:
            return None
        sheet_module, context, pics = inputs
        named, anonymous = self._export_names(context, "pdf")
        dialog = ExportDialog(
            named,
            self.settings_store.last_import_dir(),
            self.settings_store.sheet_defaults().paper,
            suggested_deidentified_name=anonymous,
            parent=self,
        )
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return None
        options = dialog.options()
        return self.run_export(sheet_module, context, pics, options.path, options)

    def print_sheet(self) -> Any:
        """Ask what the print is for, check consent, then print through QPrintDialog."""
        inputs = self._sheet_inputs()
        if inputs is None:
            return None
        sheet_module, context, pics = inputs
        dialog = ExportDialog(paper=self.settings_store.sheet_defaults().paper, for_print=True, parent=self)
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return None
        return self.run_export(sheet_module, context, pics, "", dialog.options())

    def _build_sheet(
        self, sheet_module: Any, context: PairContext, pics: Any, options: ExportOptions, defaults: Any, patient: Any
    ) -> Any:
        """Worker side: the consent gate, then the sheet's data (F's build_sheet_data)."""
        photo_ids = [context.before.id, context.after.id]
        if consent_gate is not None:
            consent_gate.require_consent(self.library, photo_ids, options.use)
        return sheet_module.build_sheet_data(
            pics.result,
            context.course_report,
            before_path=context.before.path,
            after_path=context.after.path,
            patient_id=patient.external_id if patient else None,
            patient_name=None if options.deidentify or patient is None else patient.display_name,
            deidentify=options.deidentify,
            view_label=" / ".join(x for x in (context.before.view_label, context.before.expression_label) if x) or None,
            clinic_name=defaults.clinic_name,
            clinician=defaults.clinician_name,
            before_taken_at=context.before.taken_at,
            after_taken_at=context.after.taken_at,
        )

    def run_export(
        self, sheet_module: Any, context: PairContext, pics: Any, out: str, options: ExportOptions | None = None
    ) -> Any:
        """Consent check and rendering on a worker; a refusal or failure shows a message box;
        a written sheet is recorded in the audit log. `options.fmt == "print"` prints instead
        (QPrintDialog on the GUI thread, rendering on a worker)."""
        if options is None:
            paper = self.settings_store.sheet_defaults().paper.lower()
            options = ExportOptions(paper=paper, fmt="png" if out.lower().endswith(".png") else "pdf", path=out)
        paper = options.paper.lower()
        patient = self.patient
        defaults = self.settings_store.sheet_defaults()  # read here: QSettings stays on this thread
        photo_ids = [context.before.id, context.after.id]

        def work(_ctx: TaskContext) -> Any:
            data = self._build_sheet(sheet_module, context, pics, options, defaults, patient)
            if options.fmt == "print":
                return data
            if options.fmt == "png":
                return sheet_module.render_png(data, out, paper=paper)
            return sheet_module.render_pdf(data, out, paper=paper)

        def done(result: Any) -> None:
            if options.fmt == "print":
                self._print_data(sheet_module, result, options)
                return
            written = result if isinstance(result, list) else [result]
            self._audit_export(options, photo_ids, [Path(str(p)).name for p in written])
            self.statusBar().showMessage(f"Sheet written: {out}", 8000)
            log.info("sheet written for patient %s", patient.id if patient else "?")
            self.export_finished.emit(result)

        def failed(exc: BaseException) -> None:
            self.export_finished.emit(exc)
            if isinstance(exc, ConsentMissing):
                box = self._show_export_message(
                    "Export refused: no consent",
                    f"This sheet is not written: the patient has not consented to these photos being used "
                    f"for {options.use_label}.\n\n{exc}\n\nIf the patient has agreed, record it with "
                    "Record consent… (Patient ▸ Photo consent…), then export again; or choose the use "
                    "they agreed to.",
                )
                record = box.addButton("Record consent…", QMessageBox.ButtonRole.ActionRole)
                pair = [context.before, context.after]
                record.clicked.connect(lambda: self.open_consent(pair, options.use))
                return
            if not isinstance(exc, PhotoCompareError):
                log.error("sheet export failed: %s", exc, exc_info=exc)
            self._show_export_message("The sheet could not be written", user_message(exc))

        self.statusBar().showMessage("Checking consent and writing the sheet…")
        return run_task(work, on_done=done, on_error=failed)

    def _audit_export(self, options: ExportOptions, photo_ids: list[int], files: list[str]) -> Any:
        patient = self.patient
        return self.audit(
            "SHEET_EXPORTED",
            patient.id if patient else None,
            patient.external_id if patient else None,
            {
                "files": files,
                "format": options.fmt,
                "paper": options.paper,
                "photo_ids": photo_ids,
                "use": options.use,
                "deidentified": options.deidentify,
            },
        )

    def _ask_printer(self, printer: Any) -> bool:
        from PySide6.QtPrintSupport import QPrintDialog

        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print comparison sheet")
        return dialog.exec() == QPrintDialog.DialogCode.Accepted

    def _print_data(self, sheet_module: Any, data: Any, options: ExportOptions, printer: Any = None) -> Any:
        """GUI thread: the print dialog; then F's print_sheets on a worker, audited."""
        from PySide6.QtGui import QPageSize
        from PySide6.QtPrintSupport import QPrinter

        if printer is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            size = QPageSize.PageSizeId.Letter if options.paper == "letter" else QPageSize.PageSizeId.A4
            printer.setPageSize(QPageSize(size))
        if not self._ask_printer(printer):
            self.statusBar().showMessage("Printing cancelled.", 4000)
            self.export_finished.emit(None)
            return None
        context = self.compare.context
        photo_ids = [context.before.id, context.after.id] if context is not None else []
        self.print_printer = printer  # kept alive until the worker is done

        def work(_ctx: TaskContext) -> Any:
            sheet_module.print_sheets(data, printer)
            return printer.printerName() or printer.outputFileName() or "printer"

        def done(target: Any) -> None:
            self._audit_export(options, photo_ids, [Path(str(target)).name])
            self.statusBar().showMessage("Sheet sent to the printer.", 8000)
            self.export_finished.emit(target)

        def failed(exc: BaseException) -> None:
            self.export_finished.emit(exc)
            self._show_export_message("The sheet could not be printed", user_message(exc))

        return run_task(work, on_done=done, on_error=failed)

    def _show_export_message(self, title: str, text: str) -> QMessageBox:
        """A window-modal message that does not block the caller (tests read `export_message`)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        self.export_message = box
        box.open()
        return box

    def show_about(self) -> None:
        try:
            from photocompare.ui.about_dialog import AboutDialog

            AboutDialog(self).exec()
        except ImportError:
            from photocompare import __version__

            QMessageBox.about(self, "About PhotoCompare", f"PhotoCompare {__version__}")

    def toggle_full_screen(self) -> None:
        """Full screen; from the compare view only the comparison stays (Esc or F11 leaves)."""
        if self.isFullScreen():
            self.showNormal()
            for widget, visible in self._hidden_for_full_screen:
                widget.setVisible(visible)
            self._hidden_for_full_screen = []
            return
        self._hidden_for_full_screen = []
        if self.tabs.currentWidget() is self.compare:
            for widget in (self.patient_list, self.inspector_dock, self.menuBar(), self.statusBar(), self.tabs.tabBar()):
                self._hidden_for_full_screen.append((widget, widget.isVisible()))
                widget.hide()
        self.showFullScreen()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self.isFullScreen():
            self.toggle_full_screen()
            return
        super().keyPressEvent(event)

    def show_error(self, title: str, exc: BaseException) -> None:
        if not isinstance(exc, PhotoCompareError):
            log.error("%s: %s", title, exc, exc_info=exc)
        QMessageBox.warning(self, title, user_message(exc))

    # --- window state --------------------------------------------------------------------
    def _restore_geometry(self) -> None:
        geometry = self.settings_store.window_geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings_store.window_state()
        if state is not None:
            self.restoreState(state)

    def save_geometry(self) -> None:
        self.settings_store.set_window_geometry(QByteArray(self.saveGeometry()))
        self.settings_store.set_window_state(QByteArray(self.saveState()))
        self.settings_store.sync()

    def closeEvent(self, event) -> None:
        self.save_geometry()
        self.compare.stop()
        if self.import_task is not None:
            self.import_task.context.cancel()
        if self.label_task is not None:
            self.label_task.context.cancel()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Wait for workers and release the face model (call once the window is closed)."""
        from PySide6.QtCore import QThreadPool

        for task in (self.import_task, self.label_task):
            if task is not None:
                task.context.cancel()
        self.loader.wait()
        QThreadPool.globalInstance().waitForDone(10_000)
        self.loader.clear()
        if self._owns_analysis:
            self.analysis.close()
