"""Editors for what a payer report needs beyond the course: diagnosis, prior preventives, insurer.

Each dialog only collects values; validation and storage are `library.payer_repo`'s (the same
functions as the CLI), so a value refused here is refused there with the same sentence, and every
save is audited and kept in the course history. Edits pass the row version the dialog read, so
a change made meanwhile on another workstation is reported instead of overwritten.

Entry points for the main window (Patient menu):
    open_diagnosis_editor(parent, library, patient_id) -> bool
    open_preventive_history(parent, library, patient_id) -> bool
    open_payer_editor(parent, library, patient_id) -> bool
    open_prescriber_settings(parent, store) -> bool   (store: ui.settings_store.SettingsStore)
Each returns True when something was saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from photocompare.core.errors import PhotoCompareError
from photocompare.core.payer_report import Diagnosis, PayerDetails, PreventiveTrial
from photocompare.core.payer_rules import OUTCOMES, PREVENTIVE_CLASS_LABELS, PREVENTIVE_CLASSES
from photocompare.library import payer_repo
from photocompare.settings import Prescriber


def _qdate(value: dt.date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def _date_edit(value: dt.date | None) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDate(_qdate(value or dt.date.today()))
    return edit


class _Form(QDialog):
    """A dialog with a form, an error line and Save/Cancel; subclasses implement `_save`."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.error = QLabel("")
        self.error.setStyleSheet("color: #c62828")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._try_save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _try_save(self) -> None:
        try:
            self._save()
        except PhotoCompareError as exc:
            self.error.setText(str(exc))
            return
        self.accept()

    def _save(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class DiagnosisDialog(_Form):
    """ICD-10 code and date of onset (the ICHD-3 evidence is computed from the diary)."""

    def __init__(self, library: Any, patient_id: int, parent: QWidget | None = None) -> None:
        super().__init__("Diagnosis", parent)
        self.library, self.patient_id = library, patient_id
        stored = payer_repo.get_diagnosis(library, patient_id)
        self._version = stored.row_version if stored else None
        value = stored.value if stored else Diagnosis("G43.7")
        self.code = QLineEdit(value.icd10_code)
        self.code.setPlaceholderText("e.g. G43.7 (chronic migraine)")
        self.has_onset = QCheckBox("known")
        self.has_onset.setChecked(value.onset_date is not None)
        self.onset = _date_edit(value.onset_date)
        self.onset.setEnabled(self.has_onset.isChecked())
        self.has_onset.toggled.connect(self.onset.setEnabled)
        row = QHBoxLayout()
        row.addWidget(self.has_onset)
        row.addWidget(self.onset, 1)
        self.form.addRow("ICD-10 code", self.code)
        self.form.addRow("Date of onset", row)
        self.form.addRow(QLabel("The ICHD-3 chronic-migraine evidence is computed from the "
                                "diary, never typed."))

    def _save(self) -> None:
        onset = _pydate(self.onset.date()) if self.has_onset.isChecked() else None
        payer_repo.set_diagnosis(self.library, self.patient_id,
                                 Diagnosis(self.code.text(), onset),
                                 expected_version=self._version)


class PayerDialog(_Form):
    """The patient's insurer; printed on a report only with the patient's insurer consent."""

    def __init__(self, library: Any, patient_id: int, parent: QWidget | None = None) -> None:
        super().__init__("Insurer", parent)
        self.library, self.patient_id = library, patient_id
        stored = payer_repo.get_payer(library, patient_id)
        self._version = stored.row_version if stored else None
        value = stored.value if stored else PayerDetails("")
        self.name = QLineEdit(value.payer_name)
        self.plan = QLineEdit(value.plan)
        self.member_id = QLineEdit(value.member_id)
        self.authorisation = QLineEdit(value.authorisation_number)
        self.form.addRow("Insurer", self.name)
        self.form.addRow("Plan", self.plan)
        self.form.addRow("Member ID", self.member_id)
        self.form.addRow("Authorisation number", self.authorisation)

    def _save(self) -> None:
        payer_repo.set_payer(self.library, self.patient_id, PayerDetails(
            self.name.text(), self.plan.text(), self.member_id.text(), self.authorisation.text()),
            expected_version=self._version)


class PreventiveDialog(_Form):
    """One preventive trial: drug, class, dose, start/stop, outcome, note."""

    def __init__(self, library: Any, patient_id: int, stored=None,
                 parent: QWidget | None = None) -> None:
        super().__init__("Preventive treatment", parent)
        self.library, self.patient_id = library, patient_id
        self._id = stored.id if stored else None
        self._version = stored.row_version if stored else None
        value = stored.value if stored else None
        self.drug = QLineEdit(value.drug if value else "")
        self.drug_class = QComboBox()
        for key in PREVENTIVE_CLASSES:
            self.drug_class.addItem(PREVENTIVE_CLASS_LABELS[key], key)
        if value:
            self.drug_class.setCurrentIndex(PREVENTIVE_CLASSES.index(value.drug_class))
        self.dose = QLineEdit(value.dose if value else "")
        self.start = _date_edit(value.start if value else None)
        self.has_stop = QCheckBox("stopped")
        self.has_stop.setChecked(bool(value and value.stop))
        self.stop = _date_edit(value.stop if value and value.stop else None)
        self.stop.setEnabled(self.has_stop.isChecked())
        self.has_stop.toggled.connect(self.stop.setEnabled)
        self.outcome = QComboBox()
        for key in OUTCOMES:
            self.outcome.addItem(key.replace("-", " "), key)
        if value:
            self.outcome.setCurrentIndex(OUTCOMES.index(value.outcome))
        self.note = QLineEdit(value.note if value else "")
        stop_row = QHBoxLayout()
        stop_row.addWidget(self.has_stop)
        stop_row.addWidget(self.stop, 1)
        self.form.addRow("Drug", self.drug)
        self.form.addRow("Class", self.drug_class)
        self.form.addRow("Dose", self.dose)
        self.form.addRow("Start", self.start)
        self.form.addRow("Stop", stop_row)
        self.form.addRow("Outcome", self.outcome)
        self.form.addRow("Note", self.note)

    def value(self) -> PreventiveTrial:
        stop = _pydate(self.stop.date()) if self.has_stop.isChecked() else None
        return PreventiveTrial(self.drug.text().strip(), self.drug_class.currentData(),
                               _pydate(self.start.date()), stop, self.dose.text().strip(),
                               self.outcome.currentData(), self.note.text().strip())

    def _save(self) -> None:
        payer_repo.save_preventive(self.library, self.patient_id, self.value(),
                                   preventive_id=self._id, expected_version=self._version)


class PreventiveHistoryDialog(QDialog):
    """The patient's preventive history as a table with Add, Edit and Delete."""

    COLUMNS = ("Drug", "Class", "Dose", "Start", "Stop", "Outcome", "Note")

    def __init__(self, library: Any, patient_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Prior preventive treatments")
        self.library, self.patient_id = library, patient_id
        self.changed = False
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.add_button = QPushButton("Add…")
        self.edit_button = QPushButton("Edit…")
        self.delete_button = QPushButton("Delete")
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(close)
        self.resize(760, 320)
        self.reload()

    def reload(self) -> None:
        self._rows = payer_repo.load_preventives(self.library, self.patient_id)
        self.table.setRowCount(len(self._rows))
        for r, stored in enumerate(self._rows):
            p = stored.value
            cells = (p.drug, PREVENTIVE_CLASS_LABELS[p.drug_class], p.dose, p.start.isoformat(),
                     p.stop.isoformat() if p.stop else "ongoing", p.outcome.replace("-", " "),
                     p.note)
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        has = bool(self._rows)
        self.edit_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    def _selected(self):
        row = self.table.currentRow()
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def add(self) -> None:
        if PreventiveDialog(self.library, self.patient_id, parent=self).exec():
            self.changed = True
            self.reload()

    def edit_selected(self) -> None:
        stored = self._selected()
        if stored is None:
            return
        if PreventiveDialog(self.library, self.patient_id, stored, parent=self).exec():
            self.changed = True
            self.reload()

    def delete_selected(self, confirm: bool = True) -> None:
        stored = self._selected()
        if stored is None:
            return
        if confirm and QMessageBox.question(
                self, "Delete preventive",
                f"Delete {stored.value.drug} from the preventive history? The change is kept "
                "in the history.") != QMessageBox.StandardButton.Yes:
            return
        try:
            payer_repo.delete_preventive(self.library, stored.id,
                                         expected_version=stored.row_version)
        except PhotoCompareError as exc:
            QMessageBox.warning(self, "Delete preventive", str(exc))
        self.changed = True
        self.reload()


class PrescriberDialog(_Form):
    """Who signs payer reports: name, specialty, national provider ID, clinic address, logo."""

    def __init__(self, store: Any, parent: QWidget | None = None) -> None:
        super().__init__("Prescriber", parent)
        self.store = store
        value = store.prescriber()
        self.name = QLineEdit(value.name)
        self.specialty = QLineEdit(value.specialty)
        self.provider_id = QLineEdit(value.provider_id)
        self.provider_id.setPlaceholderText("national provider ID (NPI, GMC, LANR...)")
        self.address = QPlainTextEdit(value.clinic_address)
        self.address.setFixedHeight(70)
        self.logo = QLineEdit(value.logo_path)
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose_logo)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo, 1)
        logo_row.addWidget(browse)
        self.form.addRow("Name", self.name)
        self.form.addRow("Specialty", self.specialty)
        self.form.addRow("Provider ID", self.provider_id)
        self.form.addRow("Clinic address", self.address)
        self.form.addRow("Clinic logo", logo_row)

    def _choose_logo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Clinic logo", "",
                                              "Images (*.png *.jpg *.jpeg)")
        if path:
            self.logo.setText(path)

    def value(self) -> Prescriber:
        return Prescriber(self.name.text().strip(), self.specialty.text().strip(),
                          self.provider_id.text().strip(), self.address.toPlainText().strip(),
                          self.logo.text().strip())

    def _save(self) -> None:
        from pathlib import Path

        from PySide6.QtGui import QImageReader

        value = self.value()
        if value.logo_path:
            logo = Path(value.logo_path)
            if not logo.is_file():
                raise PhotoCompareError(f"{logo.name}: clinic logo not found")
            if not QImageReader(str(logo)).canRead():
                raise PhotoCompareError(f"{logo.name}: not a PNG or JPEG image")
        self.store.set_prescriber(value)
        self.store.sync()


def open_prescriber_settings(parent: QWidget | None, store: Any) -> bool:
    return bool(PrescriberDialog(store, parent).exec())


def open_diagnosis_editor(parent: QWidget | None, library: Any, patient_id: int) -> bool:
    return bool(DiagnosisDialog(library, patient_id, parent).exec())


def open_payer_editor(parent: QWidget | None, library: Any, patient_id: int) -> bool:
    return bool(PayerDialog(library, patient_id, parent).exec())


def open_preventive_history(parent: QWidget | None, library: Any, patient_id: int) -> bool:
    dialog = PreventiveHistoryDialog(library, patient_id, parent)
    dialog.exec()
    return dialog.changed
