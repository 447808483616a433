"""Treatment session editor: date, product, lot, expiry, injector and units per PREEMPT site.

Sites are toggled on the head diagram (click: protocol dose ↔ not injected) or edited in the
table beside it (any units). Totals per muscle and the deviations from the protocol come from
the core (`photocompare.core.preempt`) and are shown — a deviating session is saved as given,
never refused. Saving goes through the course repository, which keeps the edit history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from photocompare.core import preempt
from photocompare.core.errors import PhotoCompareError
from photocompare.library import course_api as course_io
from photocompare.ui.date_field import DATE_FORMAT_HINT, IsoDateEdit
from photocompare.ui.head_diagram import DiagramSite, HeadDiagram

PRODUCTS = ("onabotulinumtoxinA (Botox)",)


def _qdate(value: dt.date | None) -> QDate:
    if value is None:
        return QDate.currentDate()
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class SessionEditor(QDialog):
    """Record or edit one treatment session; `saved` carries the stored session's id."""

    saved = Signal(object)

    def __init__(
        self,
        library: Any,
        patient_id: int,
        session: Any | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Treatment session" if session is None else "Edit treatment session")
        self._library = library
        self._patient_id = patient_id
        self._session = session  # a course_records.Stored[Treatment], or None for a new one
        self._session_id = course_io.get(session, "id")
        self._units: dict[str, float] = {}
        self._updating = False

        # --- session fields; a new session starts from the last one's vial and injector (the
        # same lot is usually used for months, and retyping it is where typos come from)
        carried = self.previous_session() if session is None else None
        source = session if session is not None else carried
        self.date_edit = IsoDateEdit(_qdate(course_io.as_date(course_io.get(session, "date"))))
        self.date_edit.setCalendarPopup(True)
        self.product_edit = QComboBox()
        self.product_edit.setEditable(True)
        self.product_edit.addItems(PRODUCTS)
        if course_io.get(source, "product"):
            self.product_edit.setCurrentText(str(course_io.get(source, "product")))
        self.lot_edit = QLineEdit(course_io.session_lot(source) if source is not None else "")
        self.lot_edit.setPlaceholderText("e.g. C5432C3")
        expiry = course_io.as_date(course_io.get(source, "expiry"))
        self.expiry_edit = IsoDateEdit(_qdate(expiry or dt.date.today() + dt.timedelta(days=365)))
        self.expiry_edit.setCalendarPopup(True)
        self.injector_edit = QLineEdit(str(course_io.get(source, "injector") or ""))
        recorded_time = course_io.get(session, "session_time")
        self.time_edit = QLineEdit(recorded_time.strftime("%H:%M") if recorded_time else "")
        self.time_edit.setPlaceholderText("optional, e.g. 10:30")
        self.time_edit.setToolTip(
            "When the injections were given (24-hour HH:MM). With a time, photos taken that day "
            "before it count for the period before, later ones for the new cycle.")
        self.note_edit = QLineEdit(str(course_io.get(session, "note") or ""))
        form = QFormLayout()
        form.addRow(f"&Date ({DATE_FORMAT_HINT})", self.date_edit)
        form.addRow("&Time (HH:MM)", self.time_edit)
        form.addRow("&Product", self.product_edit)
        form.addRow("&Lot number", self.lot_edit)
        form.addRow(f"E&xpiry ({DATE_FORMAT_HINT})", self.expiry_edit)
        form.addRow("&Injector", self.injector_edit)
        form.addRow("N&ote", self.note_edit)
        self.carried_label = QLabel()
        self.carried_label.setWordWrap(True)
        if carried is not None:
            self.carried_label.setText(
                "Product, lot, expiry and injector are those of the session of "
                f"{course_io.session_date(carried).isoformat()}: check them against the vial.")
            form.addRow("", self.carried_label)
        self.expiry_warning = QLabel()
        self.expiry_warning.setStyleSheet("color: #b03a2e;")
        form.addRow("", self.expiry_warning)

        # --- sites
        self.diagram = HeadDiagram()
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Site", "Protocol U", "Units"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.setMinimumWidth(360)
        self._rows: dict[str, int] = {}
        self._spins: dict[str, QDoubleSpinBox] = {}
        for row, site in enumerate(preempt.ALL_SITES.values()):
            self.table.insertRow(row)
            self._rows[site.site_id] = row
            name = QTableWidgetItem(site.label)
            name.setData(Qt.ItemDataRole.UserRole, site.site_id)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, 0, name)
            proto = QTableWidgetItem(f"{site.units:g}")
            proto.setFlags(proto.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, 1, proto)
            spin = QDoubleSpinBox()
            spin.setRange(0.0, 100.0)
            spin.setDecimals(1)
            spin.setSingleStep(2.5)
            spin.setSuffix(" U")
            spin.setAccessibleName(f"Units at {site.label}")
            spin.valueChanged.connect(lambda v, k=site.site_id: self._on_spin(k, v))
            self.table.setCellWidget(row, 2, spin)
            self._spins[site.site_id] = spin

        fill = QPushButton("Fill PREEMPT &155 U")
        fill.clicked.connect(self.fill_protocol)
        clear = QPushButton("Cl&ear sites")
        clear.clicked.connect(self.clear_sites)
        self.totals_label = QLabel()
        self.totals_label.setWordWrap(True)
        self.totals_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.deviation_list = QListWidget()
        self.deviation_list.setAccessibleName("Deviations from the PREEMPT protocol")
        self.deviation_list.setMaximumHeight(90)

        fields_box = QGroupBox("Session")
        fields_box.setLayout(form)
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(fill)
        buttons_row.addWidget(clear)
        buttons_row.addStretch(1)
        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(fields_box)
        side.addLayout(buttons_row)
        side.addWidget(self.totals_label)
        side.addWidget(QLabel("Deviations from the protocol (information, not an error):"))
        side.addWidget(self.deviation_list)
        side.addWidget(self.table, 1)
        side_box = QWidget()
        side_box.setLayout(side)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("Click a site to toggle it; edit units in the table."))
        left_layout.addWidget(self.diagram, 1)
        key = QLabel(
            "Filled circle = injected (units inside) · “+” = not injected · dashed = "
            "follow-the-pain site · orange ring = differs from the protocol"
        )
        key.setWordWrap(True)
        left_layout.addWidget(key)

        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(left)
        lower.addWidget(side_box)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setChildrenCollapsible(False)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(lower, 1)
        layout.addWidget(self.buttons)
        self.resize(1100, 720)

        self.diagram.siteClicked.connect(self.toggle_site)
        self.table.currentCellChanged.connect(self._on_row)
        self.date_edit.dateChanged.connect(self._update_expiry_warning)
        self.expiry_edit.dateChanged.connect(self._update_expiry_warning)

        given = course_io.session_sites(session)
        self.set_units(given if session is not None else preempt.protocol_units())
        self._update_expiry_warning()

    # state ------------------------------------------------------------------------------
    def units(self) -> dict[str, float]:
        """site_id -> units for every injected site."""
        return {k: v for k, v in self._units.items() if v > 0}

    def set_units(self, units: dict[str, float]) -> None:
        self._units = {k: float(v) for k, v in units.items() if float(v) > 0}
        self._updating = True
        try:
            for site_id, spin in self._spins.items():
                spin.setValue(self._units.get(site_id, 0.0))
        finally:
            self._updating = False
        self._refresh()

    def fill_protocol(self) -> None:
        self.set_units(preempt.protocol_units())

    def clear_sites(self) -> None:
        self.set_units({})

    def toggle_site(self, site_id: str) -> None:
        """Click on the diagram: injected → not injected; not injected → protocol dose."""
        site = preempt.ALL_SITES.get(site_id)
        if site is None:
            return
        units = dict(self._units)
        if units.get(site_id, 0.0) > 0:
            units.pop(site_id, None)
        else:
            units[site_id] = site.units
        self.set_units(units)
        row = self._rows.get(site_id)
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollToItem(self.table.item(row, 0))

    def _on_spin(self, site_id: str, value: float) -> None:
        if self._updating:
            return
        if value > 0:
            self._units[site_id] = float(value)
        else:
            self._units.pop(site_id, None)
        self._refresh()

    def _on_row(self, row: int, *_: int) -> None:
        item = self.table.item(row, 0) if row >= 0 else None
        self.diagram.set_selected(item.data(Qt.ItemDataRole.UserRole) if item else None)

    def total_units(self) -> float:
        return sum(preempt.units_by_muscle(self.units()).values())

    def deviations(self) -> list[Any]:
        return preempt.compare_with_protocol(self.units())

    def _refresh(self) -> None:
        units = self.units()
        self.diagram.set_sites(
            [
                DiagramSite(
                    key=s.site_id,
                    muscle=s.muscle,
                    side=s.side,
                    view=s.view,
                    x=s.x,
                    y=s.y,
                    units=units.get(s.site_id, 0.0),
                    standard_units=s.units,
                    follow_the_pain=s.follow_the_pain,
                    label=s.label,
                )
                for s in preempt.ALL_SITES.values()
            ]
        )
        per_muscle = preempt.units_by_muscle(units)
        parts = [
            f"{preempt.MUSCLE_LABELS[m]} {u:g} U" for m, u in per_muscle.items() if u > 0
        ]
        self.totals_label.setText(
            f"<b>Total {self.total_units():g} U at {len(units)} sites</b>"
            f" (protocol {preempt.PROTOCOL_TOTAL_UNITS:g} U at {preempt.PROTOCOL_SITE_COUNT})"
            + ("<br>" + " · ".join(parts) if parts else "")
        )
        self.deviation_list.clear()
        devs = self.deviations()
        if not devs:
            self.deviation_list.addItem("Follows the PREEMPT protocol.")
        for dev in devs:
            self.deviation_list.addItem(dev.message)

    def previous_session(self) -> Any | None:
        """The patient's latest recorded session (the one a new session carries over from)."""
        try:
            sessions = course_io.list_sessions(self._library, self._patient_id)
        except PhotoCompareError:
            return None
        return max(sessions, key=course_io.session_date) if sessions else None

    def _update_expiry_warning(self) -> None:
        if self.expiry_edit.date() < self.date_edit.date():
            self.expiry_warning.setText("Expiry is before the session date.")
        else:
            self.expiry_warning.setText("")

    # saving -----------------------------------------------------------------------------
    def session_values(self) -> dict[str, Any]:
        return {
            "date": _pydate(self.date_edit.date()),
            "product": self.product_edit.currentText().strip(),
            "lot_number": self.lot_edit.text().strip(),
            "expiry": _pydate(self.expiry_edit.date()),
            "injector": self.injector_edit.text().strip(),
            "total_units": self.total_units(),
            "sites": self.units(),
            "note": self.note_edit.text().strip(),
            "session_time": self.session_time(),
        }

    def session_time(self) -> dt.time | None:
        """The typed session time; None when empty. ValueError (a sentence) when not a time."""
        text = self.time_edit.text().strip()
        if not text:
            return None
        try:
            value = dt.time.fromisoformat(text)
        except ValueError:
            raise ValueError(f"“{text}” is not a time: type it as HH:MM (24-hour)") from None
        return value.replace(second=0, microsecond=0)

    def save(self) -> None:
        for field, name in ((self.date_edit, "Date"), (self.expiry_edit, "Expiry")):
            if not field.is_valid():
                QMessageBox.warning(self, "Session not saved", f"{name}: {field.error_text()}")
                field.setFocus()
                return
        try:
            self.session_time()
        except ValueError as exc:
            QMessageBox.warning(self, "Session not saved", f"Time: {exc}")
            self.time_edit.setFocus()
            return
        values = self.session_values()
        try:
            self._session_id = course_io.save_session(
                self._library, self._patient_id, values, session=self._session
            )
        except PhotoCompareError as exc:
            QMessageBox.warning(self, "Session not saved", str(exc))
            return
        self.saved.emit(self._session_id)
        self.accept()
