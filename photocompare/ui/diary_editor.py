"""Diary editor: a month calendar to mark headache / migraine / medication days, monthly counts,
and CSV import with the bad-row report.

Every change is stored at once through the course repository (which keeps the edit history) and
announced with `changed`, so the migraine panel and chart recompute from the core. Keys on the
calendar: H headache, M migraine, F headache-free, D medication, Del = not recorded.

CSV import never half-imports: when the file has bad rows, a dialog lists each with its line
number and reason, and the user chooses to skip them (importing the good rows) or to cancel.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QEvent, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSlider,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from photocompare.core.course_figures import DiaryDay, MedicationClass, MonthlySummary
from photocompare.core.errors import PhotoCompareError
from photocompare.library import course_api as course_io
from photocompare.ui import palette
from photocompare.ui.date_field import DATE_FORMAT_HINT, IsoDateEdit

HEADACHE_FREE, HEADACHE, MIGRAINE = palette.HEADACHE_FREE_TINT, palette.HEADACHE_TINT, palette.MIGRAINE_TINT
MEDICATION = palette.MEDICATION


def _py(d: QDate) -> dt.date:
    return dt.date(d.year(), d.month(), d.day())


def _q(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


class DiaryCalendar(QCalendarWidget):
    """A month calendar that colours each day by its diary entry."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: dict[dt.date, DiaryDay] = {}
        self.setGridVisible(True)
        self.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.setMinimumSize(420, 300)

    def set_entries(self, entries: dict[dt.date, DiaryDay]) -> None:
        self._entries = entries
        self.updateCells()

    def paintCell(self, painter: QPainter, rect: QRect, date: QDate) -> None:  # noqa: N802
        entry = self._entries.get(_py(date))
        if entry is not None and entry.recorded:
            colour = HEADACHE_FREE
            if entry.migraine:
                colour = MIGRAINE
            elif entry.headache:
                colour = HEADACHE
            painter.save()
            painter.fillRect(rect.adjusted(1, 1, -1, -1), colour)
            painter.restore()
        super().paintCell(painter, rect, date) if entry is None else self._paint_text(
            painter, rect, date, entry
        )

    def _paint_text(self, painter: QPainter, rect: QRect, date: QDate, entry: DiaryDay) -> None:
        painter.save()
        in_month = date.month() == self.monthShown()
        painter.setPen(self.palette().text().color() if in_month else palette.NOT_THIS_MONTH)
        if date == self.selectedDate():
            painter.setPen(QColor(self.palette().highlight().color()))
            painter.drawRect(rect.adjusted(1, 1, -2, -2))
            painter.setPen(self.palette().text().color())
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(date.day()))
        small = painter.font()
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.7))
        painter.setFont(small)
        if entry.intensity is not None and entry.headache:
            painter.drawText(
                rect.adjusted(2, 1, -3, -1),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                str(entry.intensity),
            )
        if entry.medication:
            painter.setBrush(MEDICATION)
            painter.setPen(Qt.PenStyle.NoPen)
            r = max(3, rect.height() // 9)
            painter.drawEllipse(rect.left() + 4, rect.bottom() - 2 * r - 2, 2 * r, 2 * r)
        painter.restore()


class BadRowsDialog(QDialog):
    """The bad rows of a diary CSV (line number, reason): skip them and import, or cancel."""

    def __init__(
        self,
        file_name: str,
        bad_rows: list[tuple[int, str]],
        good_count: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Problems in the diary file")
        self.table = QTableWidget(len(bad_rows), 2)
        self.table.setHorizontalHeaderLabels(["Line", "Reason"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for row, (line, reason) in enumerate(bad_rows):
            item = QTableWidgetItem(str(line))
            item.setData(Qt.ItemDataRole.DisplayRole, int(line))
            self.table.setItem(row, 0, item)
            self.table.setItem(row, 1, QTableWidgetItem(str(reason)))
        self.message = QLabel(
            f"{file_name}: {len(bad_rows)} row(s) cannot be read. Nothing has been imported.\n"
            f"You can import the {good_count} good row(s) and skip the bad ones, or cancel."
        )
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.skip_button = buttons.addButton(
            f"Skip bad rows, import {good_count}", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.skip_button.setEnabled(good_count > 0)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(640, 360)

    def rows(self) -> list[tuple[int, str]]:
        return [
            (int(self.table.item(r, 0).text()), self.table.item(r, 1).text())
            for r in range(self.table.rowCount())
        ]


class DiaryEditor(QWidget):
    """Calendar + day form + monthly counts + CSV import for one patient."""

    changed = Signal()

    def __init__(self, library: Any, patient_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._library = library
        self._patient_id = patient_id
        self._entries: dict[dt.date, DiaryDay] = {}
        self._loading = False
        # hooks tests (and kiosk builds) can replace: file chooser and bad-row dialog runner
        self.choose_csv = self._choose_csv
        self.confirm_bad_rows = self._confirm_bad_rows
        self.last_bad_rows_dialog: BadRowsDialog | None = None

        # --- daily tab
        self.calendar = DiaryCalendar()
        self.calendar.selectionChanged.connect(self._show_selected)
        self.state_combo = QComboBox()
        self.state_combo.addItems(["Not recorded", "Headache-free", "Headache"])
        self.migraine_check = QCheckBox("&Migraine")
        self.hours_spin = QDoubleSpinBox()
        self.hours_spin.setRange(0, 24)
        self.hours_spin.setDecimals(1)
        self.hours_spin.setSpecialValueText("–")
        self.intensity_slider = QSlider(Qt.Orientation.Horizontal)
        self.intensity_slider.setRange(-1, 10)
        self.intensity_slider.setPageStep(1)
        self.intensity_label = QLabel("–")
        self.intensity_slider.valueChanged.connect(
            lambda v: self.intensity_label.setText("–" if v < 0 else str(v))
        )
        self.medication_check = QCheckBox("Acute me&dication")
        self.class_combo = QComboBox()
        self.class_combo.addItem("(class not given)", None)
        for cls in MedicationClass:
            self.class_combo.addItem(cls.label, cls)
        self.note_edit = QLineEdit()
        self.save_day_button = QPushButton("&Save day")
        self.save_day_button.clicked.connect(self.save_selected_day)
        self.state_combo.currentIndexChanged.connect(self._sync_enabled)
        self.medication_check.toggled.connect(self._sync_enabled)

        intensity_row = QHBoxLayout()
        intensity_row.addWidget(self.intensity_slider, 1)
        intensity_row.addWidget(self.intensity_label)
        form = QFormLayout()
        self.day_title = QLabel()
        form.addRow(self.day_title)
        form.addRow("Day", self.state_combo)
        form.addRow("", self.migraine_check)
        form.addRow("Hours", self.hours_spin)
        form.addRow("Peak intensity", intensity_row)
        form.addRow("", self.medication_check)
        form.addRow("Medication class", self.class_combo)
        form.addRow("Note", self.note_edit)
        form.addRow("", self.save_day_button)
        legend = QLabel(
            f"<span style='background:{HEADACHE_FREE.name()}'>&nbsp;headache-free&nbsp;</span> "
            f"<span style='background:{HEADACHE.name()}'>&nbsp;headache&nbsp;</span> "
            f"<span style='background:{MIGRAINE.name()}'>&nbsp;migraine&nbsp;</span> "
            f"<span style='color:{MEDICATION.name()}'>●</span> medication · "
            "keys: H, M, F, D, Del"
        )
        day_box = QGroupBox("Selected day")
        day_box.setLayout(form)
        daily = QWidget()
        dl = QHBoxLayout(daily)
        left = QVBoxLayout()
        left.addWidget(self.calendar, 1)
        left.addWidget(legend)
        dl.addLayout(left, 3)
        dl.addWidget(day_box, 2)

        # quick keys on the calendar (its inner day grid has the focus): an event filter, so they
        # work without window-level shortcut machinery
        self._quick_keys = {
            Qt.Key.Key_H: "headache",
            Qt.Key.Key_M: "migraine",
            Qt.Key.Key_F: "free",
            Qt.Key.Key_D: "medication",
            Qt.Key.Key_Delete: "clear",
            Qt.Key.Key_Backspace: "clear",
        }
        self.calendar.installEventFilter(self)
        for child in self.calendar.findChildren(QWidget):
            child.installEventFilter(self)

        # --- monthly tab
        self.summary_table = QTableWidget(0, 5)
        self.summary_table.setHorizontalHeaderLabels(
            ["From", "To", "Headache days", "Migraine days", "Acute-med days"]
        )
        self.summary_table.verticalHeader().setVisible(False)
        self.summary_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.summary_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.summary_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        today = dt.date.today()
        self.sum_start = IsoDateEdit(_q(today.replace(day=1)))
        self.sum_end = IsoDateEdit(_q(today))
        for w in (self.sum_start, self.sum_end):
            w.setCalendarPopup(True)
        self.sum_headache = QSpinBox()
        self.sum_migraine = QSpinBox()
        self.sum_med = QSpinBox()
        for w in (self.sum_headache, self.sum_migraine, self.sum_med):
            w.setRange(0, 366)
        add = QPushButton("&Add counts")
        add.clicked.connect(self.add_summary)
        remove = QPushButton("&Remove selected")
        remove.clicked.connect(self.remove_selected_summary)
        sform = QFormLayout()
        sform.addRow(f"From ({DATE_FORMAT_HINT})", self.sum_start)
        sform.addRow(f"To ({DATE_FORMAT_HINT})", self.sum_end)
        sform.addRow("Headache days", self.sum_headache)
        sform.addRow("Migraine days", self.sum_migraine)
        sform.addRow("Acute-medication days", self.sum_med)
        srow = QHBoxLayout()
        srow.addWidget(add)
        srow.addWidget(remove)
        sform.addRow(srow)
        monthly = QWidget()
        ml = QHBoxLayout(monthly)
        ml.addWidget(self.summary_table, 3)
        sbox = QGroupBox("Counts for a date range")
        sbox.setLayout(sform)
        ml.addWidget(sbox, 2)

        self.tabs = QTabWidget()
        self.tabs.addTab(daily, "Daily diary")
        self.tabs.addTab(monthly, "Monthly counts")
        self.import_button = QPushButton("&Import diary CSV…")
        self.import_button.clicked.connect(self.import_csv)
        self.status = QLabel()
        bottom = QHBoxLayout()
        bottom.addWidget(self.import_button)
        bottom.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)

        self.reload()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if (
            event.type() == QEvent.Type.KeyPress
            and event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
            and event.key() in self._quick_keys
            and (obj is self.calendar or self.calendar.isAncestorOf(obj))
        ):
            self.quick_mark(self._quick_keys[event.key()])
            return True
        return super().eventFilter(obj, event)

    # loading ----------------------------------------------------------------------------
    def reload(self) -> None:
        self._entries = {d.date: d for d in course_io.load_diary(self._library, self._patient_id)}
        self._summaries = course_io.load_summaries(self._library, self._patient_id)
        self.calendar.set_entries(self._entries)
        self._fill_summaries()
        self._show_selected()

    def entries(self) -> dict[dt.date, DiaryDay]:
        return dict(self._entries)

    def select_date(self, day: dt.date) -> None:
        self.calendar.setSelectedDate(_q(day))
        self._show_selected()

    def selected_date(self) -> dt.date:
        return _py(self.calendar.selectedDate())

    def _show_selected(self) -> None:
        day = self.selected_date()
        entry = self._entries.get(day)
        self._loading = True
        try:
            self.day_title.setText(f"<b>{day.strftime('%A %d %B %Y')}</b>")
            if entry is None or not entry.recorded:
                self.state_combo.setCurrentIndex(0)
            else:
                self.state_combo.setCurrentIndex(2 if (entry.headache or entry.migraine) else 1)
            self.migraine_check.setChecked(bool(entry and entry.migraine))
            self.hours_spin.setValue(entry.hours if entry and entry.hours is not None else 0)
            self.intensity_slider.setValue(
                entry.intensity if entry and entry.intensity is not None else -1
            )
            self.medication_check.setChecked(bool(entry and entry.medication))
            cls = entry.medication_class if entry else None
            idx = self.class_combo.findData(MedicationClass(cls) if cls else None)
            self.class_combo.setCurrentIndex(max(0, idx))
            self.note_edit.setText(entry.note if entry else "")
        finally:
            self._loading = False
        self._sync_enabled()

    def _sync_enabled(self) -> None:
        headache = self.state_combo.currentIndex() == 2
        recorded = self.state_combo.currentIndex() > 0
        for w in (self.migraine_check, self.hours_spin, self.intensity_slider):
            w.setEnabled(headache)
        self.medication_check.setEnabled(recorded)
        self.class_combo.setEnabled(recorded and self.medication_check.isChecked())

    # editing ----------------------------------------------------------------------------
    def day_from_form(self) -> DiaryDay:
        state = self.state_combo.currentIndex()
        headache: bool | None = None if state == 0 else state == 2
        medication = bool(headache is not None and self.medication_check.isChecked())
        return DiaryDay(
            date=self.selected_date(),
            headache=headache,
            migraine=bool(headache and self.migraine_check.isChecked()),
            hours=(self.hours_spin.value() or None) if headache else None,
            intensity=(
                self.intensity_slider.value()
                if headache and self.intensity_slider.value() >= 0
                else None
            ),
            medication=medication,
            medication_class=self.class_combo.currentData() if medication else None,
            note=self.note_edit.text().strip(),
        )

    def save_selected_day(self) -> None:
        self._store_day(self.day_from_form())

    def set_day(self, day: DiaryDay) -> None:
        """Store one day (as the form would); used by the quick keys and by tests."""
        self.select_date(day.date)
        self._store_day(day)

    def quick_mark(self, what: str) -> None:
        """H / M / F / D / Del on the calendar: change the selected day and store it."""
        day = self.selected_date()
        cur = self._entries.get(day) or DiaryDay(date=day, headache=None)
        if what == "headache":
            new = DiaryDay(day, True, cur.migraine, cur.hours, cur.intensity, cur.medication,
                           cur.medication_class, cur.note)
        elif what == "migraine":
            new = DiaryDay(day, True, True, cur.hours, cur.intensity, cur.medication,
                           cur.medication_class, cur.note)
        elif what == "free":
            new = DiaryDay(day, False, False, None, None, cur.medication, cur.medication_class,
                           cur.note)
        elif what == "medication":
            new = DiaryDay(day, cur.headache if cur.headache is not None else True, cur.migraine,
                           cur.hours, cur.intensity, not cur.medication,
                           cur.medication_class if not cur.medication else None, cur.note)
        else:
            new = DiaryDay(day, None)
        self._store_day(new)

    def _store_day(self, entry: DiaryDay) -> None:
        try:
            if entry.headache is None and not entry.note:
                course_io.delete_day(self._library, self._patient_id, entry.date)
            else:
                course_io.save_day(self._library, self._patient_id, entry)
        except PhotoCompareError as exc:
            QMessageBox.warning(self, "Diary not saved", str(exc))
            return
        self.reload()
        self.status.setText(f"Saved {entry.date.isoformat()}.")
        self.changed.emit()

    # monthly counts ---------------------------------------------------------------------
    def _fill_summaries(self) -> None:
        self.summary_table.setRowCount(len(self._summaries))
        for row, stored in enumerate(self._summaries):
            s = stored.value
            values = [
                s.start.isoformat(),
                s.end.isoformat(),
                str(s.headache_days),
                str(s.migraine_days),
                str(s.acute_med_days),
            ]
            for col, text in enumerate(values):
                self.summary_table.setItem(row, col, QTableWidgetItem(text))

    def add_summary(self) -> None:
        for field, name in ((self.sum_start, "From"), (self.sum_end, "To")):
            if not field.is_valid():
                QMessageBox.warning(self, "Counts not saved", f"{name}: {field.error_text()}")
                field.setFocus()
                return
        summary = MonthlySummary(
            start=_py(self.sum_start.date()),
            end=_py(self.sum_end.date()),
            headache_days=self.sum_headache.value(),
            migraine_days=self.sum_migraine.value(),
            acute_med_days=self.sum_med.value(),
        )
        self.store_summary(summary)

    def store_summary(self, summary: MonthlySummary) -> bool:
        if summary.end < summary.start:
            QMessageBox.warning(self, "Counts not saved", "The range ends before it starts.")
            return False
        if not summary.migraine_days <= summary.headache_days <= summary.days:
            QMessageBox.warning(
                self,
                "Counts not saved",
                f"Migraine days must not exceed headache days, and headache days must not "
                f"exceed the {summary.days} days of the range.",
            )
            return False
        try:
            course_io.save_summary(self._library, self._patient_id, summary)
        except PhotoCompareError as exc:
            QMessageBox.warning(self, "Counts not saved", str(exc))
            return False
        self.reload()
        self.changed.emit()
        return True

    def remove_selected_summary(self) -> None:
        row = self.summary_table.currentRow()
        if not (0 <= row < len(self._summaries)):
            return
        try:
            course_io.delete_summary(self._library, self._summaries[row])
        except PhotoCompareError as exc:
            QMessageBox.warning(self, "Counts not removed", str(exc))
            return
        self.reload()
        self.changed.emit()

    # CSV import -------------------------------------------------------------------------
    def _choose_csv(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import diary CSV", "", "Diary CSV (*.csv *.txt);;All files (*)"
        )
        return path or None

    def _confirm_bad_rows(self, dialog: BadRowsDialog) -> bool:
        return dialog.exec() == QDialog.DialogCode.Accepted

    def import_csv(self, path: str | Path | None = None) -> int:
        """Import a diary CSV; returns the number of rows stored (0 when cancelled).

        The repository imports nothing while the file has bad rows; the report dialog lets the
        user skip them (the good rows are imported in one transaction) or cancel.
        """
        from photocompare.core.diary_csv import parse_diary_csv

        path = path or self.choose_csv()
        if not path:
            return 0
        name = Path(path).name
        try:
            result = course_io.import_csv(self._library, self._patient_id, path, skip_bad_rows=False)
            if not result.applied:
                parsed = parse_diary_csv(path)
                good = len(parsed.entries) + len(parsed.summaries)
                dialog = BadRowsDialog(name, list(result.bad_rows), good, self)
                self.last_bad_rows_dialog = dialog
                if not self.confirm_bad_rows(dialog):
                    self.status.setText(f"Import of {name} cancelled; nothing imported.")
                    return 0
                result = course_io.import_csv(
                    self._library, self._patient_id, path, skip_bad_rows=True
                )
        except PhotoCompareError as exc:
            QMessageBox.warning(self, "Diary not imported", str(exc))
            return 0
        self.reload()
        stored = result.inserted + result.updated + result.unchanged
        what = "monthly count(s)" if result.kind == "summary" else "diary day(s)"
        self.status.setText(
            f"Imported {stored} {what} from {name} ({result.inserted} new, {result.updated} changed)"
            + (f"; skipped {result.skipped_bad_rows} bad row(s)." if result.skipped_bad_rows else ".")
        )
        self.changed.emit()
        return stored


class DiaryDialog(QDialog):
    """The diary editor in its own window (opened from the migraine panel)."""

    def __init__(self, library: Any, patient_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Headache diary")
        self.editor = DiaryEditor(library, patient_id, self)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor, 1)
        layout.addWidget(close)
        self.resize(900, 560)
