"""Import progress and report: a progress bar with Cancel, then what was imported, what was a
duplicate, what was rejected and what was skipped (not a photo) — each with its reason — and,
when the library itself failed midway, why the import stopped and how many files were never
tried.

The dialog is not modal: the import runs on a worker thread and the main window stays usable.
Once the import is done the report need not be closed by hand: `ImportFlow` puts it away and
leaves a one-line summary with a Details button in the status bar.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)


def _name(item: Any) -> str:
    """A readable name for one entry of ImportSummary.imported / .duplicates."""
    if isinstance(item, (str, Path)):
        return Path(item).name
    if isinstance(item, tuple) and item:
        head = _name(item[0])
        rest = " ".join(str(x) for x in item[1:] if x not in (None, ""))
        return f"{head} — {rest}" if rest else head
    for attr in ("path", "original_name", "name"):
        value = getattr(item, attr, None)
        if value:
            text = Path(str(value)).name
            why = getattr(item, "reason", None) or getattr(item, "message", None)
            return f"{text} — {why}" if why else text
    return str(item)


def _name_and_detail(item: Any, result: str) -> tuple[str, str]:
    """(file name, what happened) for an imported or duplicate entry of ImportSummary.

    Imported entries are (path, photo_id): the internal id means nothing to a clinician and is
    not shown. Duplicates are (path, "duplicate of IMG_1.jpg (patient P-1)"): the reason goes in
    the Result column, where it can be read in full."""
    if isinstance(item, tuple) and item:
        name = Path(str(item[0])).name
        if result == "duplicate":
            reason = next((str(x) for x in item[1:] if isinstance(x, str) and x), "")
            return name, reason or "already in the library"
        return name, result
    return _name(item), "already in the library" if result == "duplicate" else result


def _entries(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, int):
        return [f"{value} file(s)"] if value else []
    return list(value)


def summary_sentence(summary: Any, cancelled: bool = False) -> str:
    """One line for the status bar: "Import finished: 3 imported, 1 duplicate, 2 rejected,
    4 skipped (not photos)." — only the parts that happened."""
    parts = [f"{len(_entries(getattr(summary, 'imported', None)))} imported"]
    for attr, one, many in (
        ("duplicates", "duplicate", "duplicates"),
        ("rejected", "rejected", "rejected"),
        ("skipped", "skipped (not a photo)", "skipped (not photos)"),
    ):
        n = len(_entries(getattr(summary, attr, None)))
        if n:
            parts.append(f"{n} {one if n == 1 else many}")
    head = "Import cancelled" if cancelled else "Import finished"
    stopped = getattr(summary, "stopped", None)
    if stopped:
        head = "Import stopped"
        not_tried = int(getattr(summary, "not_tried", 0) or 0)
        parts.append(f"{not_tried} not tried — {stopped}")
    return f"{head}: {', '.join(parts)}."


class ImportDialog(QDialog):
    cancel_requested = Signal()

    def __init__(self, patient_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import photos — {patient_label}")
        self.setModal(False)
        self.resize(700, 440)
        self.status = QLabel("Preparing…")
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.report = QTreeWidget()
        self.report.setHeaderLabels(["File", "Result"])
        self.report.setColumnWidth(0, 260)
        self.report.setRootIsDecorated(True)
        self.report.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self._cancel_or_close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.bar)
        layout.addWidget(self.report, 1)
        layout.addWidget(self.buttons)
        self.finished_import = False
        self.counts: dict[str, int] = {}
        self.skipped_count = 0

    def set_progress(self, done: int, total: int, message: str = "") -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        self.status.setText(f"Importing {done} of {total}…" + (f"  {message}" if message else ""))

    def _cancel_or_close(self) -> None:
        if self.finished_import:
            self.accept()
            return
        self.status.setText("Cancelling… (the file being copied is finished first)")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setEnabled(False)
        self.cancel_requested.emit()

    def reject(self) -> None:  # Esc / window close
        self._cancel_or_close()

    def show_summary(self, summary: Any, cancelled: bool) -> None:
        self.finished_import = True
        imported = _entries(getattr(summary, "imported", None))
        duplicates = _entries(getattr(summary, "duplicates", None))
        rejected = _entries(getattr(summary, "rejected", None))
        skipped = _entries(getattr(summary, "skipped", None))
        self.counts = {
            "imported": len(imported),
            "duplicates": len(duplicates),
            "rejected": len(rejected),
        }
        self.skipped_count = len(skipped)
        self.status.setText(summary_sentence(summary, cancelled))
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.report.clear()
        for title, items, result in (
            ("Rejected", rejected, None),
            ("Skipped (not photos)", skipped, None),
            ("Imported", imported, "imported"),
            ("Duplicates", duplicates, "duplicate"),
        ):
            if not items and title.startswith("Skipped"):
                continue
            group = QTreeWidgetItem([f"{title} ({len(items)})", ""])
            group.setFirstColumnSpanned(True)
            self.report.addTopLevelItem(group)
            for item in items:
                if result is None:  # rejected or skipped: (path, reason)
                    path, reason = (item[0], item[1]) if isinstance(item, tuple) else (item, "")
                    child = QTreeWidgetItem([Path(str(path)).name, str(reason)])
                    child.setToolTip(0, str(path))
                    child.setToolTip(1, str(reason))
                else:
                    name, detail = _name_and_detail(item, result)
                    child = QTreeWidgetItem([name, detail])
                    child.setToolTip(0, str(item[0]) if isinstance(item, tuple) and item else name)
                    child.setToolTip(1, detail)
                group.addChild(child)
            group.setExpanded(title == "Rejected" or len(items) <= 50)
        self.report.resizeColumnToContents(0)
        self.report.setColumnWidth(0, min(max(self.report.columnWidth(0), 160), 320))
        self.report.show()
        close = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.clear()
        del close
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close).setFocus(
            Qt.FocusReason.OtherFocusReason
        )
        self.buttons.rejected.disconnect()
        self.buttons.rejected.connect(self.accept)

    def show_error(self, message: str) -> None:
        self.finished_import = True
        self.status.setText(f"Import stopped: {message}")
        self.bar.setRange(0, 1)
        self.buttons.clear()
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.disconnect()
        self.buttons.rejected.connect(self.accept)

    def rejected_rows(self, group_title: str = "Rejected") -> list[tuple[str, str]]:
        """(file name, reason) of each rejected (or, with "Skipped", skipped) file, as the
        report shows them."""
        out = []
        for i in range(self.report.topLevelItemCount()):
            group = self.report.topLevelItem(i)
            if group.text(0).startswith(group_title):
                for j in range(group.childCount()):
                    out.append((group.child(j).text(0), group.child(j).text(1)))
        return out
