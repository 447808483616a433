""""What is this export for?" — asked before a comparison sheet leaves the library.

The use decides whose consent is needed (the uses of library.consent: clinical record, sharing with
the patient, insurer, teaching, marketing); de-identifying prints the patient ID only (no name,
no name in the PDF's metadata or the suggested file name). Paper and format (PDF / PNG) and the
output path complete the choice. For printing, format and path are not asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from photocompare.library.consent import CLINICAL_RECORD, USE_LABELS, USES
from photocompare.settings import Paper

FORMATS = (("pdf", "PDF document"), ("png", "PNG image (one per page)"))
PAPERS = tuple((paper.value, paper.label) for paper in Paper)


@dataclass(frozen=True)
class ExportOptions:
    use: str = CLINICAL_RECORD
    deidentify: bool = False
    paper: str = Paper.A4.value  # a Paper value
    fmt: str = "pdf"  # "pdf" | "png" | "print"
    path: str = ""

    @property
    def use_label(self) -> str:
        return USE_LABELS.get(self.use, self.use)


def use_title(use: str) -> str:
    text = USE_LABELS.get(use, use)
    text = text.removeprefix("the ").removeprefix("an ")
    return text[:1].upper() + text[1:]


class ExportDialog(QDialog):
    """Asks use, de-identification, paper, format and path; `options()` gives the answer."""

    def __init__(
        self,
        suggested_name: str = "comparison.pdf",
        folder: str = "",
        paper: str = Paper.A4.value,
        *,
        for_print: bool = False,
        suggested_deidentified_name: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.for_print = for_print
        self.setWindowTitle("Print comparison sheet" if for_print else "Export comparison sheet")
        self._folder = folder
        self._names = (Path(suggested_name).stem, Path(suggested_deidentified_name or suggested_name).stem)

        self.use_box = QComboBox()
        for use in USES:
            self.use_box.addItem(use_title(use), use)
        self.use_box.setAccessibleName("What is this export for")
        self.deidentify_box = QCheckBox("De-identify (ID only, no metadata)")
        self.deidentify_box.setToolTip(
            "The sheet shows the patient ID only: no name on the page, in the file's metadata "
            "or in the file name."
        )
        self.paper_box = QComboBox()
        for key, title in PAPERS:
            self.paper_box.addItem(title, key)
        index = self.paper_box.findData(Paper.from_setting(paper).value)
        self.paper_box.setCurrentIndex(max(0, index))
        self.format_box = QComboBox()
        for key, title in FORMATS:
            self.format_box.addItem(title, key)
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName("Save as")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.setAutoDefault(False)
        self.browse_button.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)

        form = QFormLayout()
        form.addRow("This export is for:", self.use_box)
        form.addRow("", self.deidentify_box)
        form.addRow("Paper:", self.paper_box)
        if not for_print:
            form.addRow("Format:", self.format_box)
            form.addRow("Save as:", path_row)
        else:
            self.format_box.hide()
            self.path_edit.hide()
            self.browse_button.hide()
        note = QLabel(
            "The patient's consent for this use is checked for both photos before anything is "
            "written; the export is recorded in the audit log."
        )
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Print…" if for_print else "Export")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)

        self.deidentify_box.toggled.connect(self._suggest_path)
        self.format_box.currentIndexChanged.connect(self._suggest_path)
        self._suggest_path()
        self.resize(480, self.sizeHint().height())

    # --- answers ------------------------------------------------------------------------
    def options(self) -> ExportOptions:
        return ExportOptions(
            use=self.use_box.currentData(),
            deidentify=self.deidentify_box.isChecked(),
            paper=self.paper_box.currentData(),
            fmt="print" if self.for_print else self.format_box.currentData(),
            path="" if self.for_print else self._path_with_suffix(),
        )

    def set_options(self, options: ExportOptions) -> None:
        """Preset the dialog (tests, or the last choice)."""
        self.use_box.setCurrentIndex(max(0, self.use_box.findData(options.use)))
        self.deidentify_box.setChecked(options.deidentify)
        self.paper_box.setCurrentIndex(max(0, self.paper_box.findData(options.paper)))
        if options.fmt in ("pdf", "png"):
            self.format_box.setCurrentIndex(max(0, self.format_box.findData(options.fmt)))
        if options.path:
            self.path_edit.setText(options.path)

    # --- internals ----------------------------------------------------------------------
    def _path_with_suffix(self) -> str:
        text = self.path_edit.text().strip()
        if not text:
            return ""
        suffix = "." + self.format_box.currentData()
        path = Path(text)
        return str(path if path.suffix.lower() == suffix else path.with_suffix(suffix))

    def _suggest_path(self, *_args: object) -> None:
        """Keep the suggested name in step with the choices (never a name when de-identified);
        a path the user typed keeps its folder and name, only the extension follows the format."""
        stem = self._names[1] if self.deidentify_box.isChecked() else self._names[0]
        suffix = "." + self.format_box.currentData()
        current = self.path_edit.text().strip()
        if not current or Path(current).stem in self._names:
            folder = Path(current).parent if current else Path(self._folder or ".")
            self.path_edit.setText(str(folder / f"{stem}{suffix}"))
        else:
            self.path_edit.setText(str(Path(current).with_suffix(suffix)))

    def _browse(self) -> None:
        fmt = self.format_box.currentData()
        pattern = "PDF (*.pdf)" if fmt == "pdf" else "PNG (*.png)"
        path, _ = QFileDialog.getSaveFileName(self, self.windowTitle(), self.path_edit.text(), pattern)
        if path:
            self.path_edit.setText(path)

    def _accept(self) -> None:
        if not self.for_print and not self.path_edit.text().strip():
            self.path_edit.setFocus()
            return
        self.accept()
