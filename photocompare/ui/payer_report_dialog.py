"""Patient ▸ Payer report…: choose the kind and the payer profile, preview, save as PDF or print.

The report is computed by `core.payer_report` from what `library.payer_repo.load_payer_inputs`
reads, and drawn by `export.payer_report_pdf` — the preview shows the very pages the PDF will
hold. A patient without the data a report needs gets the one sentence saying what is missing
(the same as the CLI's) and Save/Print stay disabled. Payer details are printed only when the
patient has consent for an insurer on record; saving or printing is written to the audit log.

Entry point for the main window:
    open_payer_report(parent, library, patient_id, prescriber=None) -> None
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from photocompare.core.errors import PhotoCompareError
from photocompare.core.payer_report import PayerReport, build_payer_report
from photocompare.core.payer_rules import BUILT_IN, get_profile
from photocompare.library import audit, payer_repo
from photocompare.settings import Prescriber

PREVIEW_DPI = 70
AUTO_PERIOD = "last cycle recorded ≥ 80 %"
TOML_ITEM = "Profile file (TOML)…"


class PayerReportDialog(QDialog):
    def __init__(self, library: Any, patient_id: int, prescriber: Prescriber | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library, self.patient_id = library, patient_id
        self.prescriber = prescriber or Prescriber()
        self.report: PayerReport | None = None
        self._toml_path: str | None = None
        self.inputs = payer_repo.load_payer_inputs(library, patient_id)
        self.include_payer = (self.inputs.payer is not None
                              and payer_repo.has_insurer_consent(library, patient_id))
        self.setWindowTitle(f"Payer report — patient {self.inputs.patient_id}")

        self.kind = QComboBox()
        self.kind.addItem("Initial approval (prior authorisation)", "initial")
        self.kind.addItem("Renewal (continuation)", "renewal")
        if self.inputs.treatments:
            self.kind.setCurrentIndex(1)
        self.profile = QComboBox()
        for key, profile in BUILT_IN.items():
            self.profile.addItem(profile.name, key)
        self.profile.addItem(TOML_ITEM, "toml")
        self.period = QComboBox()
        self.deidentify = QCheckBox("De-identify (ID only: no name, birth year or member ID)")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.pages = QLabel()
        self.pages.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidget(self.pages)
        scroll.setWidgetResizable(True)
        scroll.setMinimumHeight(420)
        self.save_button = QPushButton("Save PDF…")
        self.print_button = QPushButton("Print…")
        close = QPushButton("Close")
        self.save_button.clicked.connect(self.ask_save)
        self.print_button.clicked.connect(self.ask_print)
        close.clicked.connect(self.reject)

        form = QFormLayout()
        form.addRow("Report", self.kind)
        form.addRow("Payer profile", self.profile)
        form.addRow("Assessment period", self.period)
        form.addRow("", self.deidentify)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.save_button, self.print_button, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self.resize(720, 820)

        self._fill_periods()
        self.kind.currentIndexChanged.connect(self.refresh)
        self.profile.activated.connect(self._profile_chosen)
        self.period.currentIndexChanged.connect(self.refresh)
        self.deidentify.toggled.connect(self.refresh)
        self.refresh()

    # ------------------------------------------------------------------ state

    def _fill_periods(self) -> None:
        from photocompare.core.course import compute_course

        self.period.blockSignals(True)
        self.period.clear()
        self.period.addItem(AUTO_PERIOD, None)
        if self.inputs.treatments:
            try:
                course = compute_course(self.inputs.diary, self.inputs.summaries,
                                        self.inputs.treatments)
                for p in course.periods:
                    if p.kind == "cycle":
                        self.period.addItem(p.label, p.label)
            except PhotoCompareError:
                pass  # the report itself will say what is wrong
        self.period.blockSignals(False)

    def _profile_chosen(self, _index: int) -> None:
        if self.profile.currentData() == "toml":
            path, _ = QFileDialog.getOpenFileName(self, "Payer profile", "",
                                                  "Payer profile (*.toml)")
            if not path:
                self.profile.setCurrentIndex(0)
            else:
                self._toml_path = path
        self.refresh()

    def set_profile_file(self, path: str) -> None:
        """Use a TOML profile (what choosing a file in the profile list does)."""
        self._toml_path = path
        self.profile.setCurrentIndex(self.profile.findData("toml"))
        self.refresh()

    def options(self) -> dict[str, Any]:
        return {"prescriber": self.prescriber, "deidentify": self.deidentify.isChecked(),
                "include_payer": self.include_payer}

    def refresh(self) -> None:
        """Recompute the report and redraw the preview."""
        kind = self.kind.currentData()
        self.period.setEnabled(kind == "renewal")
        key = self.profile.currentData()
        self.report = None
        try:
            profile = get_profile(self._toml_path if key == "toml" else key)
            self.report = build_payer_report(
                kind, self.inputs, profile,
                period=self.period.currentData() if kind == "renewal" else None)
        except PhotoCompareError as exc:
            self.status.setText(str(exc))
            self.status.setStyleSheet("color: #c62828")
            self.pages.setPixmap(QPixmap())
            self.save_button.setEnabled(False)
            self.print_button.setEnabled(False)
            return
        note = "" if self.include_payer or self.inputs.payer is None else (
            "  Insurer details are left out: no consent for an insurer on record.")
        self.status.setText(self.report.summary + note)
        self.status.setStyleSheet("")
        self.save_button.setEnabled(True)
        self.print_button.setEnabled(True)
        self._draw_preview()

    def _draw_preview(self) -> None:
        from PySide6.QtGui import QImage, QPainter

        from photocompare.export.payer_report_pdf import render_payer_images

        images = render_payer_images(self.report, dpi=PREVIEW_DPI, **self.options())
        self.page_count = len(images)
        gap = 8
        width = max(i.width() for i in images)
        sheet = QImage(width, sum(i.height() for i in images) + gap * (len(images) - 1),
                       QImage.Format.Format_RGB32)
        sheet.fill(Qt.GlobalColor.gray)
        painter = QPainter(sheet)
        y = 0
        for image in images:
            painter.drawImage(0, y, image)
            y += image.height() + gap
        painter.end()
        self.pages.setPixmap(QPixmap.fromImage(sheet))

    # ------------------------------------------------------------------ output

    def _audit(self, what: str) -> None:
        audit.record(self.library, audit.PAYER_REPORT_EXPORTED, patient_id=self.patient_id,
                     details={"file": what, "kind": self.report.kind,
                              "profile": self.report.profile.key,
                              "deidentified": self.deidentify.isChecked(),
                              "payer_details": self.include_payer, "use": "insurer"})

    def save_pdf(self, path: str | Path) -> Path:
        from photocompare.export.payer_report_pdf import render_payer_pdf

        if self.report is None:
            raise PhotoCompareError("there is no report to save")
        written = render_payer_pdf(self.report, path, **self.options())
        self._audit(Path(written).name)
        return written

    def ask_save(self) -> None:
        if self.report is None:
            return
        name = f"payer-{self.report.kind}-{self.inputs.patient_id}.pdf"
        path, _ = QFileDialog.getSaveFileName(self, "Save payer report", name, "PDF (*.pdf)")
        if not path:
            return
        try:
            self.save_pdf(path)
        except PhotoCompareError as exc:
            QMessageBox.warning(self, "Save payer report", str(exc))

    def ask_print(self) -> None:
        if self.report is None:
            return
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        from photocompare.export.payer_report_pdf import print_payer_report

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if QPrintDialog(printer, self).exec() != QDialog.DialogCode.Accepted:
            return
        try:
            print_payer_report(self.report, printer, **self.options())
            self._audit("printed")
        except PhotoCompareError as exc:
            QMessageBox.warning(self, "Print payer report", str(exc))


def open_payer_report(parent: QWidget | None, library: Any, patient_id: int,
                      prescriber: Prescriber | None = None) -> None:
    """Show the payer-report dialog for one patient (modal)."""
    try:
        dialog = PayerReportDialog(library, patient_id, prescriber, parent)
    except PhotoCompareError as exc:
        QMessageBox.warning(parent, "Payer report", str(exc))
        return
    dialog.exec()
