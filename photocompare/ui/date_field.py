"""A date field that takes a typed ISO date exactly as typed ("2026-08-12" is 12 August 2026).

Qt's QDateEdit types into one section at a time: "2026-08-12" typed after a click on the day
section became 2026-11-08, and after Tab 2026-11-08 or 2025-08-12 depending on the section the
cursor was in. Clinicians type dates from paper records, so this field reads the whole text:

* entering the field selects all of it, so what is typed replaces the date as a whole;
* the text is parsed as ISO 8601 (YYYY-MM-DD, or YYYYMMDD) and nothing else — never day-first
  or month-first; the expected format is the placeholder, the tooltip and the error text;
* an impossible or out-of-range date turns the field red with one sentence saying why, and
  `date()` keeps the last valid date; dialogs ask `is_valid()` before saving;
* Up/Down step one day, Page Up/Down one month; the calendar button picks a date by mouse.

The API mirrors the parts of QDateEdit the dialogs use (`date`, `setDate`, `dateChanged`,
`setMinimumDate`, `setMaximumDate`, `setCalendarPopup`), so it is a drop-in replacement.
"""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import QDate, QRegularExpression, Qt, Signal
from PySide6.QtGui import QAction, QRegularExpressionValidator
from PySide6.QtWidgets import QCalendarWidget, QLineEdit, QStyle, QVBoxLayout, QWidget

DATE_FORMAT_HINT = "YYYY-MM-DD"
_ISO = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")
# What may be typed on the way to a date (so letters or "12/08/2026" never get in).
_TYPING = QRegularExpression(r"^(\d{0,8}|\d{4}-\d{0,2}(-\d{0,2})?)$")
_ERROR_STYLE = "QLineEdit { background: #fde2e1; }"


def parse_iso_date(text: str) -> dt.date:
    """YYYY-MM-DD or YYYYMMDD as a date; ValueError with a clinician's sentence otherwise."""
    text = text.strip()
    m = _ISO.match(text)
    if not m:
        raise ValueError(f"“{text}” is not a complete date: type it as {DATE_FORMAT_HINT}")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise ValueError(f"“{text}” is not a date in the calendar (type it as "
                         f"{DATE_FORMAT_HINT})") from None


def _to_qdate(value: QDate | dt.date | None) -> QDate:
    if value is None:
        return QDate.currentDate()
    if isinstance(value, QDate):
        return QDate(value)
    return QDate(value.year, value.month, value.day)


class IsoDateEdit(QLineEdit):
    """A QLineEdit that holds one date, typed as YYYY-MM-DD (see the module docstring)."""

    dateChanged = Signal(QDate)  # noqa: N815 - the QDateEdit name, so callers need no change

    def __init__(self, date: QDate | dt.date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._date = _to_qdate(date)
        self._min = QDate(1900, 1, 1)
        self._max = QDate(2999, 12, 31)
        self._error = ""
        self._hint = ""
        self._popup: QWidget | None = None
        self._select_on_release = False
        self._calendar_action: QAction | None = None
        self.setValidator(QRegularExpressionValidator(_TYPING, self))
        self.setPlaceholderText(DATE_FORMAT_HINT)
        self.setMaxLength(10)
        self.setText(self._date.toString(Qt.DateFormat.ISODate))
        self._update_tooltip()
        self.textEdited.connect(self._on_text_edited)
        self.editingFinished.connect(self._on_editing_finished)

    # --- QDateEdit-like API -------------------------------------------------------------------
    def date(self) -> QDate:
        """The last valid date (typed, picked or set)."""
        return QDate(self._date)

    def py_date(self) -> dt.date:
        d = self._date
        return dt.date(d.year(), d.month(), d.day())

    def setDate(self, date: QDate | dt.date) -> None:  # noqa: N802
        """Set the date (clamped to the allowed range, as QDateEdit does)."""
        q = _to_qdate(date)
        if q < self._min:
            q = QDate(self._min)
        if q > self._max:
            q = QDate(self._max)
        self._set_error("")
        self.setText(q.toString(Qt.DateFormat.ISODate))
        self._commit(q)

    def setMinimumDate(self, date: QDate | dt.date) -> None:  # noqa: N802
        self._min = _to_qdate(date)
        if self._date < self._min:
            self.setDate(self._min)

    def setMaximumDate(self, date: QDate | dt.date) -> None:  # noqa: N802
        self._max = _to_qdate(date)
        if self._date > self._max:
            self.setDate(self._max)

    def minimumDate(self) -> QDate:  # noqa: N802
        return QDate(self._min)

    def maximumDate(self) -> QDate:  # noqa: N802
        return QDate(self._max)

    def setDisplayFormat(self, fmt: str) -> None:  # noqa: N802
        """Only ISO is offered: other formats are what made typed dates ambiguous."""
        if fmt != "yyyy-MM-dd":
            raise ValueError("IsoDateEdit shows dates as yyyy-MM-dd only")

    def setCalendarPopup(self, enable: bool) -> None:  # noqa: N802
        if enable and self._calendar_action is None:
            icon = self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogDetailedView)
            self._calendar_action = self.addAction(icon, QLineEdit.ActionPosition.TrailingPosition)
            self._calendar_action.setToolTip("Pick the date on a calendar")
            self._calendar_action.triggered.connect(self.show_calendar)
        elif not enable and self._calendar_action is not None:
            self.removeAction(self._calendar_action)
            self._calendar_action = None

    def setToolTip(self, text: str) -> None:  # noqa: N802
        """The caller's hint, followed by the expected format (and the error, when there is one)."""
        self._hint = text
        self._update_tooltip()

    # --- state ------------------------------------------------------------------------------
    def is_valid(self) -> bool:
        """True when the text is the date `date()` returns (nothing half-typed or impossible)."""
        return not self._error and self.text().strip() == self._date.toString(Qt.DateFormat.ISODate)

    def error_text(self) -> str:
        """Why the typed text is not used ("" when it is)."""
        if self._error:
            return self._error
        if not self.is_valid():
            return f"“{self.text().strip()}” is not a complete date: type it as {DATE_FORMAT_HINT}"
        return ""

    # --- typing -----------------------------------------------------------------------------
    def _on_text_edited(self, text: str) -> None:
        self._select_on_release = False  # typing has begun: a click now places the cursor
        if len(text.replace("-", "")) < 8:
            self._set_error("")  # still typing
            return
        self._take(text)

    def _on_editing_finished(self) -> None:
        if self.text().strip() and not self.is_valid():
            self._take(self.text())
        if not self.text().strip():
            self._set_error(f"No date: type it as {DATE_FORMAT_HINT}")

    def _take(self, text: str) -> None:
        try:
            value = parse_iso_date(text)
        except ValueError as exc:
            self._set_error(str(exc))
            return
        q = _to_qdate(value)
        if q < self._min or q > self._max:
            lo = self._min.toString(Qt.DateFormat.ISODate)
            hi = self._max.toString(Qt.DateFormat.ISODate)
            self._set_error(f"{value.isoformat()} is outside the allowed dates ({lo} to {hi})")
            return
        self._set_error("")
        normal = q.toString(Qt.DateFormat.ISODate)
        if self.text() != normal:
            self.setText(normal)
        self._commit(q)

    def _commit(self, q: QDate) -> None:
        if q != self._date:
            self._date = QDate(q)
            self.dateChanged.emit(QDate(q))

    def _set_error(self, message: str) -> None:
        self._error = message
        self.setStyleSheet(_ERROR_STYLE if message else "")
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        parts = [self._hint] if self._hint else []
        parts.append(f"Type the date as {DATE_FORMAT_HINT} (e.g. 2026-08-12); "
                     "Up/Down change it by a day.")
        if self._error:
            parts.append(self._error)
        super().setToolTip("\n".join(parts))

    def focusInEvent(self, event) -> None:  # noqa: N802
        super().focusInEvent(event)
        # Select all so typing replaces the date as a whole. A click places the cursor on its
        # press, after focus arrived, so the first click after focus arrives (by mouse or by
        # Tab) selects all again on its release; a later click places the cursor as usual.
        self.selectAll()
        self._select_on_release = True

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        if self._select_on_release:
            self._select_on_release = False
            self.selectAll()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        steps = {Qt.Key.Key_Up: (1, 0), Qt.Key.Key_Down: (-1, 0),
                 Qt.Key.Key_PageUp: (0, 1), Qt.Key.Key_PageDown: (0, -1)}
        if event.key() in steps:
            days, months = steps[event.key()]
            self.setDate(self._date.addDays(days).addMonths(months))
            self.selectAll()
            return
        super().keyPressEvent(event)

    # --- calendar ---------------------------------------------------------------------------
    def show_calendar(self) -> QCalendarWidget:
        """Open the calendar under the field; a click on a day sets it."""
        popup = QWidget(self, Qt.WindowType.Popup)
        layout = QVBoxLayout(popup)
        layout.setContentsMargins(0, 0, 0, 0)
        calendar = QCalendarWidget(popup)
        calendar.setMinimumDate(self._min)
        calendar.setMaximumDate(self._max)
        calendar.setSelectedDate(self._date)
        layout.addWidget(calendar)

        def picked(day: QDate) -> None:
            self.setDate(day)
            popup.close()

        calendar.clicked.connect(picked)
        calendar.activated.connect(picked)
        popup.move(self.mapToGlobal(self.rect().bottomLeft()))
        popup.show()
        self._popup = popup
        return calendar
