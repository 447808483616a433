"""Consistency panel: one row per pair check (traffic light, numbers, plain-language message,
tooltip on why it matters) and the side-effect measures before vs after.

It shows the core's `PairResult` as it is; it never recomputes a verdict (one verdict, everywhere).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from photocompare.core.checks import PairCheck, check_figures
from photocompare.core.side_effects import side_effect_note
from photocompare.core.side_effects import side_effect_rows as side_effect_display_rows

STATUS_COLOURS = {"pass": "#2e9d44", "warn": "#e0a000", "fail": "#d03030"}
STATUS_WORDS = {"pass": "OK", "warn": "Check", "fail": "Not comparable"}

WHY = {
    "angle": "A head turned or tilted differently changes how brows, lids and wrinkles look; "
    "a few degrees can mimic or hide a treatment effect.",
    "framing": "A different distance or crop changes the apparent size of features; alignment "
    "corrects some of it, but large differences lose detail.",
    "lighting": "Lighting changes shadows in lines and folds more than most treatments do; an "
    "exposure or light-direction change can look like an effect.",
    "expression": "Brow raising, frowning or smiling changes the very lines a treatment acts on; "
    "compare like with like.",
    "sharpness": "A blurred photo hides fine lines, so the after photo can look smoother than the "
    "skin is.",
    "identity": "Two photos of different people must never be compared as before and after; "
    "the face descriptors of the two photos are compared to catch a wrong photo.",
}

SIDE_EFFECT_HINT = (
    "Measured from the face landmarks as ratios of the interocular distance (mm assume an "
    "average interocular distance of 63 mm). Each change is shown with its measurement noise "
    "and counts as a finding only beyond it; a drop in brow height or eyelid opening beyond "
    "noise can indicate brow or eyelid ptosis."
)


def _light(status: str) -> QIcon:
    pm = QPixmap(16, 16)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor(STATUS_COLOURS.get(status, "#888888")))
    p.setPen(QColor("#202020"))
    p.drawEllipse(2, 2, 12, 12)
    p.end()
    return QIcon(pm)


def format_numbers(numbers: dict[str, Any]) -> str:
    out = []
    for key, value in numbers.items():
        if key in ("status", "message") or value is None:
            continue
        name = key
        unit = ""
        for suffix, u in (("_deg", "°"), ("_ev", " EV"), ("_iod", " IOD"), ("_px", " px"), ("_pct", " %")):
            if key.endswith(suffix):
                name, unit = key[: -len(suffix)], u
                break
        name = name.replace("_", " ")
        if isinstance(value, float):
            out.append(f"{name} {value:+.2f}{unit}" if "diff" in key else f"{name} {value:.2f}{unit}")
        elif isinstance(value, (int, str, bool)):
            out.append(f"{name} {value}{unit}")
    return ", ".join(out)


def _check_numbers(check: Any) -> dict[str, Any]:
    numbers = getattr(check, "numbers", None)
    if isinstance(numbers, dict):
        return numbers
    if dataclasses.is_dataclass(check):
        return {
            f.name: getattr(check, f.name)
            for f in dataclasses.fields(check)
            if f.name not in ("status", "message", "name")
        }
    return {}


def side_effect_rows(before: Any, after: Any) -> list[tuple[str, float | None, float | None]]:
    """(measure, before, after) for every numeric side-effect measure both faces carry."""
    b = getattr(getattr(before, "face", None), "side_effects", None)
    a = getattr(getattr(after, "face", None), "side_effects", None)
    source = b if b is not None else a
    if source is None or not dataclasses.is_dataclass(source):
        return []
    rows = []
    names = {f.name for f in dataclasses.fields(source)}
    for f in dataclasses.fields(source):
        if f.name.startswith("assumed_"):
            continue
        if f.name.endswith("_iod") and f.name[:-4] + "_mm" in names:
            continue  # shown in mm (the IOD ratio is in the tooltip of the table)
        bv = getattr(b, f.name, None) if b is not None else None
        av = getattr(a, f.name, None) if a is not None else None
        if all(v is None or isinstance(v, (int, float)) for v in (bv, av)) and (bv is not None or av is not None):
            rows.append((f.name, None if bv is None else float(bv), None if av is None else float(av)))
    return rows


MEASURE_WORDS = {"mrd1": "MRD1", "mrd2": "MRD2"}  # acronyms a clinician reads as such
MEASURE_TIPS = {
    "mrd1": "Margin-reflex distance 1: from the centre of the pupil to the upper eyelid margin; "
    "a drop can indicate eyelid ptosis.",
    "mrd2": "Margin-reflex distance 2: from the centre of the pupil to the lower eyelid margin.",
}


def several_faces_note(result: Any) -> str:
    """A warning when a photo of the pair shows more than one face (the largest, most central
    one is measured): the clinician must check it is the patient."""
    parts = []
    by_likeness = False
    for word in ("before", "after"):
        face = getattr(getattr(result, word, None), "face", None)
        n = getattr(face, "faces_found", 1) or 1
        if n > 1:
            parts.append(f"the {word} photo shows {n} faces")
            by_likeness |= "likeness" in str(getattr(face, "detection", ""))
    if not parts:
        return ""
    text = " and ".join(parts)
    which = (
        "the face most like the before photo's was measured"
        if by_likeness
        else "the largest, most central face was measured"
    )
    return text[:1].upper() + text[1:] + f": {which} — check it is the patient."


def _measure_label(name: str) -> str:
    first, _, rest = name.partition("_")
    if first in MEASURE_WORDS:
        name = MEASURE_WORDS[first] + ("_" + rest if rest else "")
    text = name.replace("_", " ")
    for suffix, unit in ((" mm", " (mm)"), (" iod", " (× IOD)"), (" ratio", " (ratio)")):
        if text.endswith(suffix):
            text = text[: -len(suffix)] + unit
    return text[:1].upper() + text[1:]


class ConsistencyPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.verdict = QLabel("No pair yet.")
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        self.checks = QTableWidget(0, 2)
        self.checks.setHorizontalHeaderLabels(["Check", "Result"])
        self.checks.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
        self.checks.verticalHeader().hide()
        self.checks.setWordWrap(True)
        self.checks.setTextElideMode(Qt.TextElideMode.ElideNone)  # sentences are never cut
        self.checks.horizontalHeader().sectionResized.connect(self._refit_rows_later)
        self.checks.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.checks.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.checks.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.checks.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.checks.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.checks.setAccessibleName("Consistency checks")
        self.side_title = QLabel("<b>Side-effect measures</b>")
        self.side_title.setToolTip(SIDE_EFFECT_HINT)
        self.side = QTableWidget(0, 4)
        self.side.setHorizontalHeaderLabels(["Measure", "Before", "After", "Change"])
        self.side.verticalHeader().hide()
        self.side.setWordWrap(True)
        self.side.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.side.horizontalHeader().sectionResized.connect(self._refit_rows_later)
        self.side_note = QLabel()
        self.side_note.setWordWrap(True)
        self.side.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.side.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            self.side.horizontalHeader().setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.side.setToolTip(SIDE_EFFECT_HINT)
        self.side.setAccessibleName("Side-effect measures")
        self.alignment = QLabel()
        self.alignment.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(self.verdict)
        layout.addWidget(self.checks, 3)
        layout.addWidget(self.alignment)
        layout.addWidget(self.side_title)
        layout.addWidget(self.side, 2)
        layout.addWidget(self.side_note)
        self.setMinimumWidth(260)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._refit_rows_later()

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._refit_rows_later()

    def _refit_rows_later(self, *_: Any) -> None:
        # Wrapped rows need their height again once the column widths are final (after the
        # layout pass), or the end of a sentence is cut off.
        QTimer.singleShot(0, self._refit_rows)

    def _refit_rows(self) -> None:
        self.checks.resizeRowsToContents()
        self.side.resizeRowsToContents()

    def clear(self, message: str = "") -> None:
        self.verdict.setText(message)
        self.checks.setRowCount(0)
        self.side.setRowCount(0)
        self.side_note.setText("")
        self.alignment.setText("")

    def show_result(self, result: Any, note: str = "") -> None:
        self.clear()
        if result is None:
            self.verdict.setText(note or "No consistency checks for this pair.")
            return
        consistent = bool(getattr(result, "consistent", False))
        colour = STATUS_COLOURS["pass" if consistent else "fail"]
        word = "Comparable" if consistent else "Not comparable as taken"
        checks = getattr(result, "checks", {}) or {}
        failing = [n for n, c in checks.items() if str(getattr(c, "status", "")) == "fail"]
        warned = [n for n, c in checks.items() if str(getattr(c, "status", "")) == "warn"]
        faces = all(getattr(getattr(result, w, None), "face", None) is not None for w in ("before", "after"))
        if failing and faces:  # without a face every check fails for that one reason
            word += " — " + ", ".join(failing) + " differ" + ("s" if len(failing) == 1 else "")
        elif warned and faces:
            word += " — check " + ", ".join(warned)
        extra = [x for x in (note, several_faces_note(result)) if x]
        self.verdict.setText(
            f"<span style='color:{colour}; font-weight:bold'>{word}</span>"
            + "".join(f"<br>{x}" for x in extra)
        )
        self.checks.setRowCount(len(checks))
        for row, (name, check) in enumerate(checks.items()):
            status = str(getattr(check, "status", "warn"))
            message = str(getattr(check, "message", ""))
            why = WHY.get(name, "")
            first = QTableWidgetItem(_light(status), f"{name.capitalize()}  {STATUS_WORDS.get(status, status)}")
            first.setData(Qt.ItemDataRole.UserRole, status)
            numbers = check_figures(name, check) if isinstance(check, PairCheck) else format_numbers(
                _check_numbers(check)
            )
            text = QTableWidgetItem(f"{message}\n{numbers}" if numbers else message)
            text.setData(Qt.ItemDataRole.UserRole, numbers)
            for item in (first, text):
                item.setToolTip(f"{message}\n\nWhy it matters: {why}" if why else message)
            self.checks.setItem(row, 0, first)
            self.checks.setItem(row, 1, text)
        self._refit_rows_later()
        al = getattr(result, "alignment", None)
        if al is not None:
            self.alignment.setText(
                "Alignment: rotated {:+.1f}°, scaled ×{:.3f}, shifted {:.0f}, {:.0f} px; "
                "residual {:.3f} IOD".format(
                    getattr(al, "rotation_deg", 0.0),
                    getattr(al, "scale", 1.0),
                    getattr(al, "tx_px", 0.0),
                    getattr(al, "ty_px", 0.0),
                    getattr(al, "residual_iod", 0.0),
                )
            )
        else:
            self.alignment.setText("No alignment (a face was not found in both photos).")
        rows = side_effect_display_rows(result)
        self.side.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate((row["label"], row["before"], row["after"], row["change"])):
                item = QTableWidgetItem(text)
                tip = MEASURE_TIPS.get(row["key"].partition("_")[0])
                if tip and c == 0:
                    item.setToolTip(tip)
                if c in (1, 2):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if c == 3 and row["finding"]:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.side.setItem(r, c, item)
        self.side.resizeRowsToContents()
        self.side_note.setText(side_effect_note(result) if rows else "")
        self.side_title.setVisible(bool(rows))
        self.side.setVisible(bool(rows))
        self.side_note.setVisible(bool(rows))

    def statuses(self) -> dict[str, str]:
        """check name -> status as shown (tests)."""
        out = {}
        for r in range(self.checks.rowCount()):
            item = self.checks.item(r, 0)
            out[item.text().split()[0].lower()] = item.data(Qt.ItemDataRole.UserRole)
        return out
