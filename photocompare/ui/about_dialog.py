"""Help ▸ About PhotoCompare: version, runtime versions and the licences of bundled components.

The component list is read from the notices that ship with the app: in a frozen bundle
`<bundle>/licenses/components.csv` (written at build time by packaging/collect_licenses.py with
the installed versions); from a source checkout `packaging/licenses/components.csv` with
versions looked up in the installed distributions' metadata.
"""

from __future__ import annotations

import csv
import platform
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from photocompare import APP_NAME, __version__
from photocompare.core.model_file import resources_dir


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    licence: str
    notes: str


def licences_dir() -> Path | None:
    """Folder holding the licence texts: the bundle's `licenses/`, else packaging/licenses/."""
    bundle = getattr(sys, "_MEIPASS", None)
    candidates = [Path(bundle) / "licenses"] if bundle else []
    candidates.append(Path(__file__).resolve().parents[2] / "packaging" / "licenses")
    for path in candidates:
        if (path / "components.csv").is_file():
            return path
    return None


def _installed_version(distribution: str) -> str:
    if not distribution:
        return ""
    if distribution == "python":
        return platform.python_version()
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def bundled_components() -> list[Component]:
    """The third-party components and their licences, as shipped."""
    folder = licences_dir()
    if folder is None:
        return []
    with open(folder / "components.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [
        Component(
            name=row.get("component", ""),
            version=row.get("version") or _installed_version(row.get("distribution", "")),
            licence=row.get("licence", ""),
            notes=row.get("notes", ""),
        )
        for row in rows
    ]


def app_icon() -> QIcon:
    icon = QIcon()
    folder = resources_dir() / "icons"
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        path = folder / f"photocompare-{size}.png"
        if path.is_file():
            icon.addFile(str(path))
    return icon


class AboutDialog(QDialog):
    """Version, runtime and licence information; a button opens the full licence texts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self.setWindowIcon(app_icon())
        self.components = bundled_components()

        logo = QLabel()
        pixmap = QPixmap(str(resources_dir() / "icons" / "photocompare-128.png"))
        if not pixmap.isNull():
            logo.setPixmap(pixmap.scaled(96, 96, Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation))
        frozen = "installed build" if getattr(sys, "frozen", False) else "running from source"
        self.version_label = QLabel(
            f"<h2>{APP_NAME} {__version__}</h2>"
            "<p>Before/after photo comparison with migraine-course figures for "
            "onabotulinumtoxinA (PREEMPT) clinics.</p>"
            f"<p>Python {platform.python_version()}, Qt {qVersion()}, {platform.system()} "
            f"{platform.machine()} — {frozen}.</p>"
            "<p>The face-landmark model (MediaPipe Face Landmarker, Apache-2.0) ships with the "
            "app and is never downloaded. Photos stay on this computer or your clinic's "
            "library.</p>"
        )
        self.version_label.setWordWrap(True)
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        header = QHBoxLayout()
        header.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self.version_label, 1)

        self.table = QTableWidget(len(self.components), 3)
        self.table.setHorizontalHeaderLabels(["Component", "Version", "Licence"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, component in enumerate(self.components):
            for col, text in enumerate((component.name, component.version, component.licence)):
                item = QTableWidgetItem(text)
                if component.notes:
                    item.setToolTip(component.notes)
                self.table.setItem(row, col, item)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.ResizeToContents
        )

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        self.texts_button = QPushButton("Open licence texts")
        self.texts_button.setEnabled(licences_dir() is not None)
        self.texts_button.clicked.connect(self.open_licence_texts)
        buttons.addButton(self.texts_button, QDialogButtonBox.ButtonRole.ActionRole)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(QLabel("Third-party components shipped with this build:"))
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(720, 560)

    def open_licence_texts(self) -> bool:
        folder = licences_dir()
        if folder is None:
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
