"""Patient list with a search box (name or ID), and the create/edit patient dialog."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from photocompare.core.errors import PhotoCompareError
from photocompare.library import api as la

PatientIdRole = Qt.ItemDataRole.UserRole + 1
_NO_YEAR = 1879  # the spin box's "unknown" value (the library refuses years before 1880)


class PatientList(QWidget):
    """Search field + list; emits `patient_selected(patient_id)`."""

    patient_selected = Signal(int)
    new_patient_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name or ID…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search patients")
        self.model = QStandardItemModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterRole(Qt.ItemDataRole.UserRole + 2)
        self.view = QListView()
        self.view.setModel(self.proxy)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAccessibleName("Patients")
        self.new_button = QPushButton("New patient…")
        self.new_button.clicked.connect(self.new_patient_requested)
        self.count_label = QLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.count_label)
        layout.addWidget(self.new_button)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._select_first)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.setTabOrder(self.search, self.view)
        self.setTabOrder(self.view, self.new_button)

    def set_patients(self, patients: list[la.PatientRow], select_id: int | None = None) -> None:
        self.model.clear()
        for p in patients:
            item = QStandardItem(p.label)
            item.setData(p.id, PatientIdRole)
            item.setData(f"{p.display_name} {p.external_id}", Qt.ItemDataRole.UserRole + 2)
            item.setToolTip(f"ID {p.external_id}" + (f", born {p.birth_year}" if p.birth_year else ""))
            self.model.appendRow(item)
        self._update_count()
        if select_id is not None:
            self.select_patient(select_id)

    def select_patient(self, patient_id: int) -> bool:
        for row in range(self.proxy.rowCount()):
            idx = self.proxy.index(row, 0)
            if idx.data(PatientIdRole) == patient_id:
                self.view.setCurrentIndex(idx)
                return True
        return False

    def current_patient_id(self) -> int | None:
        idx = self.view.currentIndex()
        return idx.data(PatientIdRole) if idx.isValid() else None

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        noun = "patient" if total == 1 else "patients"
        self.count_label.setText(f"{shown} of {total} {noun}" if shown != total else f"{total} {noun}")

    def _select_first(self) -> None:
        if self.proxy.rowCount():
            self.view.setCurrentIndex(self.proxy.index(0, 0))
            self.view.setFocus()

    def _current_changed(self, current, _previous) -> None:
        if current.isValid():
            self.patient_selected.emit(int(current.data(PatientIdRole)))


class PatientDialog(QDialog):
    """Create or edit a patient. Saving goes through `library_access.save_patient`."""

    def __init__(self, library, patient: la.PatientRow | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit patient" if patient else "New patient")
        self._library = library
        self._patient = patient
        self.saved: la.PatientRow | None = None
        self.id_edit = QLineEdit(patient.external_id if patient else "")
        self.id_edit.setPlaceholderText("record number, e.g. MRN-0042")
        self.name_edit = QLineEdit(patient.display_name if patient else "")
        self.birth_spin = QSpinBox()
        self.birth_spin.setRange(_NO_YEAR, 2100)
        self.birth_spin.setSpecialValueText("unknown")
        self.birth_spin.setValue((patient.birth_year or _NO_YEAR) if patient else _NO_YEAR)
        self.notes_edit = QPlainTextEdit(patient.notes if patient else "")
        self.notes_edit.setTabChangesFocus(True)
        form = QFormLayout()
        form.addRow("Patient ID:", self.id_edit)
        form.addRow("Name:", self.name_edit)
        form.addRow("Year of birth:", self.birth_spin)
        form.addRow("Notes:", self.notes_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def accept(self) -> None:
        try:
            self.saved = la.save_patient(
                self._library,
                patient_id=self._patient.id if self._patient else None,
                external_id=self.id_edit.text(),
                display_name=self.name_edit.text(),
                birth_year=None if self.birth_spin.value() == _NO_YEAR else self.birth_spin.value(),
                notes=self.notes_edit.toPlainText(),
            )
        except PhotoCompareError as exc:
            QMessageBox.warning(self, self.windowTitle(), str(exc))
            return
        super().accept()
