"""The migraine panel beside a patient's photos: periods table, chart, flags, sessions, notes.

Every figure comes from the course core (`CourseReport` via the course repository); the panel
only lays them out. Clinical flags are shown as information for the clinician, never as a
decision. The diary editor, the session editor and the MIDAS / HIT-6 questionnaire dialog open
from here and the panel recomputes when they report a change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from photocompare.core.course_format import (
    coverage_warning,
    field,
    flags_lines,
    fmt_date,
    fmt_num,
    fmt_pct,
    main_periods,
)
from photocompare.core.errors import PhotoCompareError
from photocompare.core.figures_format import fmt_share
from photocompare.library import course_api as course_io
from photocompare.ui import palette
from photocompare.ui.course_chart import CourseChart
from photocompare.ui.notes import NotesWidget

log = logging.getLogger(__name__)

COLUMNS = (
    "Period",
    "Dates",
    "Headache\ndays /28",
    "Migraine\ndays /28",
    "Acute med\ndays /28",
    "Mean\nintensity",
    "Headache\nchange",
    "Responder",
    "Recorded\n(coverage)",
)
COL_RESPONDER = 7
COL_COVERAGE = 8
WARN_BRUSH = QBrush(palette.WARN_BACKGROUND)
GOOD_BRUSH = QBrush(palette.GOOD_BACKGROUND)


class MigrainePanel(QWidget):
    """Shows one patient's migraine course; `set_patient(library, patient_id)` then `refresh()`."""

    changed = Signal()  # after an edit made from the panel (diary, session, questionnaire)
    periodSelected = Signal(str)  # noqa: N815 - label of the period chosen in the table

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._library: Any = None
        self._patient_id: int | None = None
        # () -> CourseSettings, e.g. which period a treatment day's photos belong to; None = defaults
        self.course_settings: Callable[[], Any] | None = None
        self.report: Any = None
        self.error: str | None = None
        self.empty_reason = ""

        self.title = QLabel("No patient")
        self.title.setStyleSheet("font-weight: bold;")
        self.diary_button = QPushButton("&Diary…")
        self.diary_button.setToolTip("Mark headache, migraine and medication days; import a CSV")
        self.diary_button.clicked.connect(self.open_diary)
        self.session_button = QPushButton("New &treatment session…")
        self.session_button.clicked.connect(lambda: self.open_session(None))
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.diary_button)
        header.addWidget(self.session_button)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName("Migraine figures per period")
        self.table.currentCellChanged.connect(self._on_period_row)

        self.chart = CourseChart()

        self.flags_list = QListWidget()
        self.flags_list.setWordWrap(True)
        self.flags_list.setAccessibleName("Clinical information")
        flags_box = QWidget()
        fl = QVBoxLayout(flags_box)
        fl.setContentsMargins(0, 0, 0, 0)
        hint = QLabel("Information for the clinician — not a treatment decision.")
        hint.setStyleSheet("color: palette(mid); font-style: italic;")
        fl.addWidget(hint)
        fl.addWidget(self.flags_list, 1)

        self.sessions_table = QTableWidget(0, 6)
        self.sessions_table.setHorizontalHeaderLabels(
            ["Date", "Product", "Lot", "Expiry", "Units", "Protocol"]
        )
        self.sessions_table.verticalHeader().setVisible(False)
        self.sessions_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sessions_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.sessions_table.horizontalHeader().setStretchLastSection(True)
        self.sessions_table.cellDoubleClicked.connect(self._on_session_double_click)
        self._sessions: list[Any] = []

        self.questionnaires_list = QListWidget()
        self.questionnaires_list.setAccessibleName("MIDAS and HIT-6 questionnaires")
        self.questionnaire_button = QPushButton("Add &questionnaire…")
        self.questionnaire_button.setToolTip("Enter a MIDAS or HIT-6; the score is computed")
        self.questionnaire_button.clicked.connect(self.open_questionnaire)
        self.questionnaire_dialog: Any = None
        questionnaires_box = QWidget()
        ql = QVBoxLayout(questionnaires_box)
        ql.setContentsMargins(0, 0, 0, 0)
        ql.addWidget(self.questionnaires_list, 1)
        q_buttons = QHBoxLayout()
        q_buttons.addWidget(self.questionnaire_button)
        q_buttons.addStretch(1)
        ql.addLayout(q_buttons)

        self.notes = NotesWidget()

        self.tabs = QTabWidget()
        self.tabs.addTab(flags_box, "Clinical information")
        self.tabs.addTab(self.sessions_table, "Sessions")
        self.tabs.addTab(questionnaires_box, "MIDAS / HIT-6")
        self.tabs.addTab(self.notes, "Notes")

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 2)
        split.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(split, 1)
        self._set_enabled(False)

    # public -----------------------------------------------------------------------------
    def set_patient(self, library: Any, patient_id: int | None) -> None:
        self._library = library
        self._patient_id = patient_id
        self.notes.set_patient(library, patient_id)
        self.refresh()

    def refresh(self) -> None:
        self.error = None
        self.report = None
        self.empty_reason = ""
        if self._library is None or self._patient_id is None:
            self.title.setText("No patient")
            self._set_enabled(False)
            self._show_report(None)
            return
        self._set_enabled(True)
        try:
            settings = self.course_settings() if self.course_settings is not None else None
            self.report = course_io.load_report(self._library, self._patient_id, settings=settings)
            self._sessions = course_io.list_sessions(self._library, self._patient_id)
            questionnaires = course_io.list_questionnaires(self._library, self._patient_id)
        except PhotoCompareError as exc:
            self.error = str(exc)
            self._sessions, questionnaires = [], []
        self.title.setText(course_io.patient_title(self._library, self._patient_id))
        self.empty_reason = self._empty_reason()
        self.chart.empty_text = self.empty_reason or "No diary figures yet"
        self._show_report(self.report)
        self._show_sessions()
        self.questionnaires_list.clear()
        for q in questionnaires:
            self.questionnaires_list.addItem(course_io.questionnaire_text(q))
        if not questionnaires:
            self.questionnaires_list.addItem("No MIDAS or HIT-6 recorded.")

    def _empty_reason(self) -> str:
        """Why there are no figures per period yet, and what to do (empty when there are)."""
        if self.error or (self.report is not None and main_periods(self.report)):
            return ""
        try:
            days = [d.date for d in course_io.load_diary(self._library, self._patient_id)]
            summaries = course_io.load_summaries(self._library, self._patient_id)
        except PhotoCompareError:
            return ""
        if not days and not summaries:
            return (
                "No diary recorded yet. Use Diary… to mark headache, migraine and medication days "
                "(or import a CSV); figures per period appear once a treatment session is recorded."
            )
        if not self._sessions:
            span = f" ({min(days):%Y-%m-%d} – {max(days):%Y-%m-%d})" if days else ""
            recorded = f"{len(days)} diary day{'s' if len(days) != 1 else ''}{span}"
            if summaries:
                recorded += f" and {len(summaries)} monthly count{'s' if len(summaries) != 1 else ''}"
            return (
                f"{recorded} recorded. Record the first treatment session (New treatment session…) "
                "to see figures per period: the 28 days before it are the baseline."
            )
        return ""

    def period_rows(self) -> list[list[str]]:
        """The table's text, row by row (tests, copy)."""
        return [
            [self.table.item(r, c).text() for c in range(self.table.columnCount())]
            for r in range(self.table.rowCount())
        ]

    # internals --------------------------------------------------------------------------
    def _set_enabled(self, on: bool) -> None:
        self.diary_button.setEnabled(on)
        self.session_button.setEnabled(on)
        self.questionnaire_button.setEnabled(on)

    def _show_report(self, report: Any | None) -> None:
        periods = main_periods(report) if report is not None else []
        self.table.setRowCount(len(periods))
        for row, p in enumerate(periods):
            r30, r50 = field(p, "responder_30"), field(p, "responder_50")
            warn = coverage_warning(p)
            if r50:
                responder = "✔ ≥ 50 %"
            elif r30:
                responder = "✔ ≥ 30 %"
            else:
                responder = "–" if r30 is None else "no"
            values = [
                str(field(p, "label", "")),
                f"{fmt_date(field(p, 'start'))} – {fmt_date(field(p, 'end'))}",
                fmt_num(field(p, "headache_days_per_28")),
                fmt_num(field(p, "migraine_days_per_28")),
                fmt_num(field(p, "acute_med_days_per_28")),
                fmt_num(field(p, "mean_intensity")),
                fmt_pct(field(p, "headache_change_pct")),
                responder,
                f"{field(p, 'days_recorded', 0)} of {field(p, 'days')} d "
                f"({fmt_share(field(p, 'coverage') or 0)})" + (" ⚠" if warn else ""),
            ]
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if col >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if col == COL_COVERAGE and warn:
                    item.setBackground(WARN_BRUSH)
                    item.setToolTip(warn + " — figures may be unreliable")
                if col == COL_RESPONDER:
                    if r30:
                        item.setBackground(GOOD_BRUSH)
                    item.setToolTip(
                        "Responder: headache days per 28 fell by at least 30 % "
                        f"({'yes' if r30 else 'no'}) / 50 % ({'yes' if r50 else 'no'}) vs baseline"
                        if r30 is not None
                        else "The baseline has no change"
                    )
                if col == 2:
                    item.setToolTip(
                        f"{fmt_num(field(p, 'headache_days'))} headache days in "
                        f"{field(p, 'days_recorded', 0)} recorded days"
                    )
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        rows_shown = max(2, min(len(periods), 8))
        height = (
            self.table.horizontalHeader().height()
            + sum(self.table.rowHeight(r) for r in range(min(len(periods), rows_shown)))
            + (rows_shown - min(len(periods), rows_shown)) * self.table.verticalHeader().defaultSectionSize()
            + 2 * self.table.frameWidth()
            + 2
        )
        self.table.setMinimumHeight(height)
        self.chart.set_report(report)
        self.flags_list.clear()
        if self.error:
            warn_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
            self.flags_list.addItem(QListWidgetItem(warn_icon, self.error))
        info = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
        for line in flags_lines(field(report, "flags")) if report is not None else []:
            self.flags_list.addItem(QListWidgetItem(info, line))
        if report is None and not self.error and self._patient_id is not None:
            self.flags_list.addItem("No diary or treatment recorded yet.")
        if getattr(self, "empty_reason", ""):
            self.flags_list.insertItem(0, QListWidgetItem(info, self.empty_reason))

    def _show_sessions(self) -> None:
        self._sessions = sorted(self._sessions, key=lambda s: course_io.session_date(s))
        self.sessions_table.setRowCount(len(self._sessions))
        for row, s in enumerate(self._sessions):
            deviations = course_io.session_deviations(s)
            values = [
                fmt_date(course_io.session_date(s)),
                str(course_io.get(s, "product") or ""),
                str(course_io.session_lot(s) or ""),
                fmt_date(course_io.get(s, "expiry")),
                f"{fmt_num(course_io.session_units(s))} U",
                "follows PREEMPT" if not deviations else f"{len(deviations)} deviation(s)",
            ]
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if col == 5 and deviations:
                    item.setToolTip("\n".join(d.message for d in deviations))
                    item.setBackground(WARN_BRUSH)
                self.sessions_table.setItem(row, col, item)

    def _on_period_row(self, row: int, *_: int) -> None:
        item = self.table.item(row, 0) if row >= 0 else None
        if item is None:
            return
        label = item.text()
        self.notes.set_period(label)
        self.periodSelected.emit(label)

    def _on_session_double_click(self, row: int, _col: int) -> None:
        if 0 <= row < len(self._sessions):
            self.open_session(self._sessions[row])

    # editors ----------------------------------------------------------------------------
    def open_diary(self) -> None:
        from photocompare.ui.diary_editor import DiaryDialog

        dialog = DiaryDialog(self._library, self._patient_id, self)
        dialog.editor.changed.connect(self._after_edit)
        dialog.exec()

    def open_session(self, session: Any | None) -> None:
        from photocompare.ui.session_editor import SessionEditor

        dialog = SessionEditor(self._library, self._patient_id, session, self)
        dialog.saved.connect(lambda _id: self._after_edit())
        dialog.exec()

    def open_questionnaire(self) -> None:
        """Open the questionnaire dialog (window-modal, not blocking); the panel refreshes on save."""
        from photocompare.ui.questionnaire_dialog import QuestionnaireDialog

        dialog = QuestionnaireDialog(self._library, self._patient_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(lambda _id: self._after_edit())
        dialog.destroyed.connect(lambda *_: setattr(self, "questionnaire_dialog", None))
        self.questionnaire_dialog = dialog
        dialog.open()

    def _after_edit(self) -> None:
        self.refresh()
        self.changed.emit()
