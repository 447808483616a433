"""Settings dialog: library location, check thresholds, sheet defaults (with the clinic logo),
where treatment-day photos belong, review-mode PIN."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImageReader, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from photocompare.settings import CheckThresholds, CourseSettings, ImageLimits, Paper
from photocompare.ui.settings_store import SettingsStore, SheetDefaults

# Labels a clinician reads; keys are CheckThresholds field names.
THRESHOLD_LABELS = {
    "yaw_warn_deg": ("Head turn (yaw): warn above", "°"),
    "yaw_fail_deg": ("Head turn (yaw): fail above", "°"),
    "pitch_warn_deg": ("Head tilt up/down (pitch): warn above", "°"),
    "pitch_fail_deg": ("Head tilt up/down (pitch): fail above", "°"),
    "roll_fail_deg": ("Head tilt sideways (roll): fail above", "°"),
    "exposure_warn_ev": ("Exposure difference: warn above", " EV"),
    "exposure_fail_ev": ("Exposure difference: fail above", " EV"),
    "scale_warn_low": ("Face size ratio: warn below", ""),
    "scale_warn_high": ("Face size ratio: warn above", ""),
    "scale_fail_low": ("Face size ratio: fail below", ""),
    "scale_fail_high": ("Face size ratio: fail above", ""),
    "offset_warn_iod": ("Face position shift: warn above", " × IOD"),
    "offset_fail_iod": ("Face position shift: fail above", " × IOD"),
    "balance_warn_ev": ("Left/right lighting balance: warn above", " EV"),
    "balance_fail_ev": ("Left/right lighting balance: fail above", " EV"),
    "direction_warn_deg": ("Light direction: warn above", "°"),
    "direction_fail_deg": ("Light direction: fail above", "°"),
    "direction_min_gradient_ev_per_iod": ("Light direction counts from a gradient of", " EV/IOD"),
    "color_warn": ("Skin colour difference: warn above", ""),
    "color_fail": ("Skin colour difference: fail above", ""),
    "sharpness_warn_ratio": ("Sharpness ratio: warn below", ""),
    "sharpness_fail_ratio": ("Sharpness ratio: fail below", ""),
    "mouth_open_warn_iod": ("Mouth opening: warn above", " × IOD"),
    "mouth_open_fail_iod": ("Mouth opening: fail above", " × IOD"),
    "smile_width_warn_iod": ("Smile width: warn above", " × IOD"),
    "smile_width_fail_iod": ("Smile width: fail above", " × IOD"),
    "eye_open_warn_iod": ("Eye opening: warn above", " × IOD"),
    "brow_raise_warn_iod": ("Brow raise: warn above", " × IOD"),
}
UNIT_SUFFIXES = (("_deg", "°"), ("_ev", " EV"), ("_iod", " × IOD"))
LOGO_FILTER = "Images (*.png *.jpg *.jpeg *.svg)"
LOGO_PREVIEW_PX = (200, 60)
TREATMENT_DAY_CHOICES = (
    ("before", "the period before the treatment (photographed before injecting)"),
    ("after", "the new cycle that starts that day"),
)


def logo_problem(path: str) -> str | None:
    """Why `path` cannot be the clinic logo (one sentence naming the file), or None."""
    if not path:
        return None
    p = Path(path)
    if not p.is_file():
        return f"{p.name}: the clinic logo file was not found ({path})"
    if p.stat().st_size > ImageLimits().max_file_bytes:
        return f"{p.name}: the clinic logo file is too large"
    reader = QImageReader(str(p))
    size = reader.size()
    if not reader.canRead() or not size.isValid() or size.width() < 1 or size.height() < 1:
        return f"{p.name}: the clinic logo is not a readable image (PNG, JPEG or SVG)"
    return None


def threshold_label(name: str) -> tuple[str, str]:
    """A readable label and unit for a CheckThresholds field (new fields get a generic one)."""
    if name in THRESHOLD_LABELS:
        return THRESHOLD_LABELS[name]
    unit = ""
    for suffix, u in UNIT_SUFFIXES:
        if name.endswith(suffix):
            name, unit = name[: -len(suffix)], u
            break
    words = name.replace("_warn", ": warn at").replace("_fail", ": fail at").replace("_", " ")
    return words[:1].upper() + words[1:], unit


class SettingsDialog(QDialog):
    def __init__(
        self, store: SettingsStore, parent: QWidget | None = None, *, current_library: str | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._store = store
        tabs = QTabWidget()

        # library
        lib = QWidget()
        lib_form = QFormLayout(lib)
        self._initial_library = store.library_location()
        self.library_edit = QLineEdit(self._initial_library)
        self.library_edit.setPlaceholderText("a folder, or a server URL: postgresql+psycopg://user@host/db")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_library)
        row = QHBoxLayout()
        row.addWidget(self.library_edit)
        row.addWidget(browse)
        lib_form.addRow("Library folder or URL:", row)
        self._initial_store = store.store_location()
        self.store_edit = QLineEdit(self._initial_store)
        self.store_edit.setPlaceholderText("shared folder for a server (URL) library")
        self.store_edit.setToolTip(
            "Where the original photos of a PostgreSQL (server) library are kept: a shared folder "
            "every workstation of the clinic reaches under the same path. A library folder keeps "
            "its originals in its own 'store' subfolder and does not use this."
        )
        store_browse = QPushButton("Browse…")
        store_browse.clicked.connect(self._browse_store)
        store_row = QHBoxLayout()
        store_row.addWidget(self.store_edit)
        store_row.addWidget(store_browse)
        lib_form.addRow("Originals store folder:", store_row)
        if current_library:
            open_now = QLabel(f"Open now: {current_library}")
            open_now.setWordWrap(True)
            open_now.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            lib_form.addRow(open_now)
        note = QLabel("A new library location or store folder takes effect when the app restarts.")
        note.setWordWrap(True)
        lib_form.addRow(note)
        tabs.addTab(lib, "Library")

        # thresholds
        checks_inner = QWidget()
        checks_form = QFormLayout(checks_inner)
        self.threshold_spins: dict[str, QDoubleSpinBox] = {}
        current = store.thresholds()
        for f in fields(CheckThresholds):
            label, suffix = threshold_label(f.name)
            spin = QDoubleSpinBox()
            spin.setDecimals(3 if float(getattr(current, f.name)) < 0.1 else 2)
            spin.setRange(0.0, 180.0)
            spin.setSingleStep(0.05 if "scale" in f.name or "ev" in f.name else 0.5)
            spin.setSuffix(suffix)
            spin.setValue(float(getattr(current, f.name)))
            spin.setObjectName(f"threshold_{f.name}")
            self.threshold_spins[f.name] = spin
            checks_form.addRow(label + ":", spin)
        reset = QPushButton("Restore defaults")
        reset.clicked.connect(self._reset_thresholds)
        checks_form.addRow(reset)
        checks = QScrollArea()
        checks.setWidget(checks_inner)
        checks.setWidgetResizable(True)
        tabs.addTab(checks, "Checks")

        # sheet
        sheet = QWidget()
        sheet_form = QFormLayout(sheet)
        defaults = store.sheet_defaults()
        self.clinic_edit = QLineEdit(defaults.clinic_name)
        self.clinician_edit = QLineEdit(defaults.clinician_name)
        self.paper_combo = QComboBox()
        for paper in Paper:
            self.paper_combo.addItem(paper.label, paper.value)
        self.paper_combo.setCurrentIndex(max(0, self.paper_combo.findData(defaults.paper.value)))
        sheet_form.addRow("Clinic name:", self.clinic_edit)
        sheet_form.addRow("Clinician:", self.clinician_edit)
        sheet_form.addRow("Paper:", self.paper_combo)
        self.logo_edit = QLineEdit(defaults.logo_path)
        self.logo_edit.setPlaceholderText("no logo")
        self.logo_edit.setToolTip("A PNG, JPEG or SVG printed at the top of every comparison sheet")
        logo_browse = QPushButton("Browse…")
        logo_browse.clicked.connect(self._browse_logo)
        logo_clear = QPushButton("No logo")
        logo_clear.clicked.connect(self.logo_edit.clear)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo_edit, 1)
        logo_row.addWidget(logo_browse)
        logo_row.addWidget(logo_clear)
        sheet_form.addRow("Clinic logo:", logo_row)
        self.logo_preview = QLabel()
        self.logo_preview.setMinimumHeight(LOGO_PREVIEW_PX[1])
        sheet_form.addRow("", self.logo_preview)
        self.logo_edit.textChanged.connect(self._update_logo_preview)
        self._update_logo_preview()
        tabs.addTab(sheet, "Sheets")

        # migraine course
        course = QWidget()
        course_form = QFormLayout(course)
        self.treatment_day_combo = QComboBox()
        for key, text in TREATMENT_DAY_CHOICES:
            self.treatment_day_combo.addItem(text, key)
        current_course = store.course_settings()
        index = self.treatment_day_combo.findData(current_course.treatment_day_photo_period)
        self.treatment_day_combo.setCurrentIndex(max(index, 0))
        course_form.addRow("Photos taken on a treatment day belong to:", self.treatment_day_combo)
        course_note = QLabel(
            "Where a session's time is recorded, a photo taken before it belongs to the period "
            "before and one taken after it to the new cycle, whatever is chosen here.")
        course_note.setWordWrap(True)
        course_form.addRow(course_note)
        tabs.addTab(course, "Migraine course")

        # review mode
        review = QWidget()
        review_form = QFormLayout(review)
        self.pin_state = QLabel()
        self.pin_edit = QLineEdit()
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setPlaceholderText("new PIN (4–12 digits); empty keeps the current one")
        self.pin_repeat = QLineEdit()
        self.pin_repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.clear_pin_button = QPushButton("Remove PIN")
        self.clear_pin_button.clicked.connect(self._clear_pin)
        review_form.addRow("Current:", self.pin_state)
        review_form.addRow("New PIN:", self.pin_edit)
        review_form.addRow("Repeat:", self.pin_repeat)
        review_form.addRow(self.clear_pin_button)
        review_form.addRow(
            QLabel("Leaving patient review mode asks for this PIN. Only a salted hash is stored.")
        )
        self._update_pin_state()
        tabs.addTab(review, "Review mode")

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        self.resize(560, 520)
        layout.addWidget(buttons)

    def _browse_library(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Library folder", self.library_edit.text())
        if path:
            self.library_edit.setText(path)

    def _browse_store(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Originals store folder", self.store_edit.text())
        if path:
            self.store_edit.setText(path)

    def _browse_logo(self) -> None:
        start = self.logo_edit.text() or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Clinic logo", start, LOGO_FILTER)
        if path:
            self.logo_edit.setText(path)

    def _update_logo_preview(self) -> None:
        path = self.logo_edit.text().strip()
        problem = logo_problem(path)
        if not path:
            self.logo_preview.setPixmap(QPixmap())
            self.logo_preview.setText("No logo on the sheets.")
        elif problem:
            self.logo_preview.setPixmap(QPixmap())
            self.logo_preview.setText(problem)
        else:
            pixmap = QPixmap(path).scaled(*LOGO_PREVIEW_PX, Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.SmoothTransformation)
            self.logo_preview.setPixmap(pixmap)

    def course_settings(self) -> CourseSettings:
        return replace(CourseSettings(),
                       treatment_day_photo_period=self.treatment_day_combo.currentData())

    def _reset_thresholds(self) -> None:
        default = CheckThresholds()
        for name, spin in self.threshold_spins.items():
            spin.setValue(float(getattr(default, name)))

    def _clear_pin(self) -> None:
        self._store.set_review_pin(None)
        self._update_pin_state()

    def _update_pin_state(self) -> None:
        self.pin_state.setText("a PIN is set" if self._store.has_review_pin() else "no PIN")
        self.clear_pin_button.setEnabled(self._store.has_review_pin())

    def thresholds(self) -> CheckThresholds:
        return CheckThresholds(**{n: s.value() for n, s in self.threshold_spins.items()})

    def validation_error(self) -> str | None:
        t = self.thresholds()
        if t.yaw_warn_deg > t.yaw_fail_deg or t.pitch_warn_deg > t.pitch_fail_deg:
            return "A warning limit must not be above its failure limit."
        if t.exposure_warn_ev > t.exposure_fail_ev:
            return "The exposure warning limit must not be above its failure limit."
        if not (t.scale_fail_low <= t.scale_warn_low <= 1.0 <= t.scale_warn_high <= t.scale_fail_high):
            return "Face size limits must satisfy: fail low ≤ warn low ≤ 1 ≤ warn high ≤ fail high."
        problem = logo_problem(self.logo_edit.text().strip())
        if problem:
            return problem
        location = self.library_edit.text().strip()
        if "://" in location and not self.store_edit.text().strip():
            return "A server library (URL) needs an originals store folder: a shared folder for the photos."
        pin = self.pin_edit.text()
        if pin:
            if pin != self.pin_repeat.text():
                return "The two PIN entries differ."
            if not (pin.isdigit() and 4 <= len(pin) <= 12):
                return "The PIN must be 4 to 12 digits."
        return None

    def accept(self) -> None:
        problem = self.validation_error()
        if problem:
            QMessageBox.warning(self, "Settings", problem)
            return
        self.apply()
        super().accept()

    def apply(self) -> None:
        store = self._store
        location = self.library_edit.text().strip()
        if location and location != self._initial_library:  # OK alone must not pin the default
            store.set_library_location(location)
        folder = self.store_edit.text().strip()
        if folder != self._initial_store:
            store.set_store_location(folder)
        store.set_thresholds(self.thresholds())
        store.set_sheet_defaults(
            SheetDefaults(
                clinic_name=self.clinic_edit.text().strip(),
                clinician_name=self.clinician_edit.text().strip(),
                paper=Paper(self.paper_combo.currentData()),
                logo_path=self.logo_edit.text().strip(),
            )
        )
        store.set_course_settings(self.course_settings())
        if self.pin_edit.text():
            store.set_review_pin(self.pin_edit.text())
        store.sync()
