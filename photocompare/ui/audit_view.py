"""The audit log in the app: a read-only table (who, where, when, what, which patient) with
filters and CSV export. Each entry reads as a sentence ("dr-a moved photo 12 (IMG_1.jpg) from
patient P-1 to patient P-2.", `library.audit_words`); the stored JSON details stay in the CSV
export and in the sentence's tooltip. Entries come from `photocompare.library.audit` and are loaded off the
GUI thread; nothing here can change the log (the database refuses it anyway).

    dialog = AuditDialog(library, parent=main_window)   # optionally patient_id=...
    dialog.exec()
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from photocompare.library import audit
from photocompare.library.audit_words import sentence
from photocompare.ui.workers import run_task

COLUMNS = ("Time (UTC)", "User", "Workstation", "Action", "Patient ID", "Photo", "What happened")
SENTENCE_COLUMN = COLUMNS.index("What happened")
ALL_ACTIONS = "All actions"


class AuditDialog(QDialog):
    """Shows the audit log; `records` holds what the table shows (for tests and export)."""

    def __init__(self, library, parent=None, patient_external_id: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Audit log")
        self.resize(1000, 520)
        self._library = library
        self.records: list[audit.AuditRecord] = []
        self.loading = False
        self._generation = 0  # only the newest reload may fill the table

        self.action_box = QComboBox()
        self.action_box.addItem(ALL_ACTIONS)
        for action in sorted(audit.ACTIONS):
            self.action_box.addItem(action)
        self.patient_edit = QLineEdit(patient_external_id or "")
        self.patient_edit.setPlaceholderText("patient ID (all patients when empty)")
        self.patient_edit.setClearButtonEnabled(True)
        refresh = QPushButton("Refresh")
        self.export_button = QPushButton("Export CSV…")
        close = QPushButton("Close")
        self.status = QLabel("")

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        filters = QHBoxLayout()
        filters.addWidget(QLabel("Action:"))
        filters.addWidget(self.action_box)
        filters.addWidget(QLabel("Patient:"))
        filters.addWidget(self.patient_edit, 1)
        filters.addWidget(refresh)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

        refresh.clicked.connect(self.reload)
        self.action_box.currentIndexChanged.connect(self.reload)
        self.patient_edit.returnPressed.connect(self.reload)
        self.export_button.clicked.connect(self._ask_export)
        close.clicked.connect(self.accept)
        self.reload()

    # -- loading ------------------------------------------------------------------------------
    def reload(self) -> None:
        action = self.action_box.currentText()
        action = None if action == ALL_ACTIONS else action
        patient = self.patient_edit.text().strip() or None
        library = self._library
        self._generation += 1
        generation = self._generation
        self.loading = True
        self.status.setText("Loading…")

        def load(_ctx):
            patient_id = None
            if patient is not None:
                found = library.get_patient(patient)
                if found is None:
                    return None
                patient_id = found.id
            return audit.entries(library, patient_id=patient_id, action=action)

        def done(records) -> None:
            if generation != self._generation:
                return  # a newer filter was asked for while this one loaded: drop stale rows
            self.loading = False
            if records is None:
                self._show([])
                self.status.setText(f"No patient {patient} in the library")
                return
            self._show(records)

        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            self.loading = False
            self.status.setText(f"Could not read the audit log: {exc}")

        run_task(load, done, failed)

    def _show(self, records: list[audit.AuditRecord]) -> None:
        self.records = list(records)
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(records))
        for row, r in enumerate(records):
            values = (
                r.at_utc.strftime("%Y-%m-%d %H:%M:%S"),
                r.user,
                r.workstation,
                r.action,
                r.patient_external_id or "",
                "" if r.photo_id is None else str(r.photo_id),
                sentence(r),
            )
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if col == SENTENCE_COLUMN and r.details:
                    item.setToolTip(f"{value}\n\nAs recorded: {r.details}")
                self.table.setItem(row, col, item)
        self.table.setSortingEnabled(True)
        self.table.resizeRowsToContents()  # a sentence wraps onto more lines, never cut off
        self.status.setText(f"{len(records)} entries")
        self.export_button.setEnabled(bool(records))

    # -- export -------------------------------------------------------------------------------
    def export_to(self, path: str | Path) -> int:
        """Write what the table shows as CSV; returns the number of entries written."""
        return audit.write_csv(self.records, path)

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export audit log", "audit-log.csv",
                                              "CSV files (*.csv)")
        if not path:
            return
        try:
            n = self.export_to(path)
        except OSError as exc:
            QMessageBox.warning(self, "Export audit log", f"Could not write {path}: {exc}")
            return
        self.status.setText(f"Exported {n} entries to {Path(path).name}")
