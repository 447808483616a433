"""The payer workflow in the main window's menus: Patient ▸ Payer report…, Diagnosis…,
Preventive history…, Insurer…, and Settings ▸ Prescriber…. The dialogs themselves are
`ui.payer_report_dialog` and `ui.payer_editors`; this module only opens them for the open
patient, with the prescriber from the settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from photocompare.ui import payer_editors, payer_report_dialog
from photocompare.ui.settings_store import SettingsStore

if TYPE_CHECKING:
    from photocompare.library.db import Library


class PayerFlow:
    """`patient_actions` need an open patient (enable them with `set_patient_enabled`)."""

    def __init__(
        self, library: Library, settings_store: SettingsStore, parent: QWidget,
        patient_id: Callable[[], int | None],
    ) -> None:
        self.library = library
        self.settings_store = settings_store
        self.parent = parent
        self.patient_id = patient_id
        self.report_action = self._action("Payer &report…", self.open_report,
                                          "A prior-authorisation or continuation report for the payer")
        self.diagnosis_action = self._action("&Diagnosis…", self.open_diagnosis,
                                             "The migraine diagnosis the payer report states")
        self.preventives_action = self._action("Preventive &history…", self.open_preventives,
                                               "Preventive treatments tried before, and why they stopped")
        self.payer_action = self._action("&Insurer…", self.open_payer, "The patient's insurer and member number")
        self.prescriber_action = self._action("&Prescriber…", self.open_prescriber,
                                              "The prescriber and clinic printed on payer reports")
        self.patient_actions = [self.report_action, self.diagnosis_action, self.preventives_action, self.payer_action]

    def _action(self, text: str, slot: Callable[[], Any], tip: str) -> QAction:
        action = QAction(text, self.parent)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def add_to(self, patient_menu: QMenu, settings_menu: QMenu) -> None:
        patient_menu.addSeparator()
        for action in self.patient_actions:
            patient_menu.addAction(action)
        settings_menu.addAction(self.prescriber_action)

    def set_patient_enabled(self, on: bool) -> None:
        for action in self.patient_actions:
            action.setEnabled(on)

    def open_report(self) -> None:
        pid = self.patient_id()
        if pid is not None:
            payer_report_dialog.open_payer_report(
                self.parent, self.library, pid, prescriber=self.settings_store.prescriber())

    def open_diagnosis(self) -> bool:
        pid = self.patient_id()
        return pid is not None and payer_editors.open_diagnosis_editor(self.parent, self.library, pid)

    def open_preventives(self) -> bool:
        pid = self.patient_id()
        return pid is not None and payer_editors.open_preventive_history(self.parent, self.library, pid)

    def open_payer(self) -> bool:
        pid = self.patient_id()
        return pid is not None and payer_editors.open_payer_editor(self.parent, self.library, pid)

    def open_prescriber(self) -> bool:
        return payer_editors.open_prescriber_settings(self.parent, self.settings_store)
