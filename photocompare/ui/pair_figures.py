"""The figures of the periods a photo pair belongs to (before period vs after period).

For the compare view: every comparison carries its headache-day numbers. The periods are the
core's (`period_for_date` by capture date); the widget only lays their figures side by side.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from photocompare.core.course_format import (
    coverage_warning,
    field,
    fmt_date,
    fmt_num,
    fmt_pct,
    pair_periods,
    period_for,
)
from photocompare.core.figures_format import fmt_share

ROWS = (
    ("Headache days / 28 d", "headache_days_per_28"),
    ("Migraine days / 28 d", "migraine_days_per_28"),
    ("Acute-med days / 28 d", "acute_med_days_per_28"),
    ("Mean peak intensity", "mean_intensity"),
    ("Headache change vs baseline", "headache_change_pct"),
    ("Coverage", "coverage"),
)


def period_of(report: Any, day: dt.date | dt.datetime | None) -> Any | None:
    """The period holding a photo taken at `day` (the one rule, `core.course_format.period_for`;
    a datetime is kept, so a recorded session time decides on a treatment day)."""
    return period_for(report, day)


class PairFiguresWidget(QWidget):
    """A small grid: figure | before period | after period."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(4, 4, 4, 4)
        self._grid.setHorizontalSpacing(12)
        self.before_period: Any = None
        self.after_period: Any = None
        self._cells: dict[tuple[int, int], QLabel] = {}
        self.message = QLabel()
        self.message.setWordWrap(True)
        for col, text in enumerate(("", "Before", "After")):
            self._cell(0, col).setText(f"<b>{text}</b>")
        for row, (name, _key) in enumerate(ROWS, start=2):
            self._cell(row, 0).setText(name)
        self._grid.addWidget(self.message, len(ROWS) + 2, 0, 1, 3)
        from photocompare.ui.notes import NotesWidget

        self.notes = NotesWidget()  # the clinician's note on this pair (see set_pair_notes)
        self.notes.setMaximumHeight(120)
        self.notes.setVisible(False)
        self._grid.addWidget(self.notes, len(ROWS) + 3, 0, 1, 3)
        self.set_pair(None, None, None)

    def _cell(self, row: int, col: int) -> QLabel:
        label = self._cells.get((row, col))
        if label is None:
            label = QLabel()
            if col:
                label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._grid.addWidget(label, row, col)
            self._cells[(row, col)] = label
        return label

    def set_pair(
        self,
        course_report: Any | None,
        before_date: dt.date | dt.datetime | None,
        after_date: dt.date | dt.datetime | None,
    ) -> None:
        self.before_period, self.after_period = pair_periods(course_report, before_date, after_date)
        for col, (period, day) in enumerate(
            ((self.before_period, before_date), (self.after_period, after_date)), start=1
        ):
            label = field(period, "label") if period is not None else None
            head = label.capitalize() if label else ("no period" if day else "no date")
            dates = (
                f"{fmt_date(field(period, 'start'))} – {fmt_date(field(period, 'end'))}"
                if period is not None
                else ""
            )
            self._cell(1, col).setText(
                f"{head}<br><small>{dates}</small>" if dates else head
            )
            for row, (_name, key) in enumerate(ROWS, start=2):
                value = field(period, key) if period is not None else None
                if key == "headache_change_pct":
                    text = fmt_pct(value) if period is not None and label != "baseline" else "–"
                elif key == "coverage":
                    text = fmt_share(value)
                    if period is not None and coverage_warning(period):
                        text += " ⚠"
                else:
                    text = fmt_num(value)
                self._cell(row, col).setText(text)
        periods = getattr(course_report, "periods", None) if course_report is not None else None
        if course_report is None:
            self.message.setText("No migraine diary for this patient yet.")
        elif not periods:
            self.message.setText(
                "No migraine figures yet: they appear once the diary and a treatment session are "
                "recorded (Migraine course tab)."
            )
        elif self.before_period is None or self.after_period is None:
            self.message.setText("A photo was taken outside the diary periods.")
        else:
            self.message.setText("")
        # a grid of dashes says nothing: with no figure for either photo only the message shows
        show_grid = self.before_period is not None or self.after_period is not None
        for label in self._cells.values():
            label.setVisible(show_grid)

    def set_pair_notes(
        self, library: Any, patient_id: int, before_photo_id: int, after_photo_id: int
    ) -> None:
        """Show (and let the clinician edit) the note kept for this pair of photos."""
        self.notes.set_patient(library, patient_id)
        self.notes.set_pair(before_photo_id, after_photo_id, "Note on this pair")
        self.notes.setVisible(True)

    def values(self) -> list[list[str]]:
        """The grid's text (tests, copy)."""
        return [
            [self._cell(r, c).text() for c in range(3)] for r in range(1, len(ROWS) + 2)
        ]
