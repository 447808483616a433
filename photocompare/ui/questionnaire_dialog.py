"""Enter one MIDAS or HIT-6 questionnaire for a patient, with its score shown as it is filled in.

The dialog only collects answers: the score, the MIDAS grade and the HIT-6 band come from
`photocompare.core.questionnaires` (the same code the repository re-scores with on save), so the
figure on screen is the figure stored. An unanswered question keeps Save disabled and says
which one; MIDAS days are bounded by the core's recall window. Saving goes through
`course_io.save_questionnaire`, which keeps the edit history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from photocompare.core.errors import PhotoCompareError
from photocompare.core.questionnaires import (
    HIT6_POINTS,
    MIDAS_MAX_DAYS,
    QuestionnaireResult,
    hit6,
    midas,
)
from photocompare.library import course_api as course_io
from photocompare.ui.date_field import DATE_FORMAT_HINT, IsoDateEdit

KINDS = (("midas", "MIDAS — Migraine Disability Assessment"), ("hit6", "HIT-6 — Headache Impact Test"))

MIDAS_QUESTIONS = (
    "Days missed work or school",
    "Days productivity at work or school halved",
    "Days missed household work",
    "Days household productivity halved",
    "Days missed family, social or leisure activities",
)

HIT6_QUESTIONS = (
    "When you have headaches, how often is the pain severe?",
    "How often do headaches limit your usual daily activities?",
    "When you have a headache, how often do you wish you could lie down?",
    "Past 4 weeks: how often too tired for work or daily activities?",
    "Past 4 weeks: how often fed up or irritated by headaches?",
    "Past 4 weeks: how often did headaches limit your concentration?",
)

NOT_ANSWERED = -1  # the MIDAS spin boxes' "—" value: a question not answered yet


def _qdate(value: dt.date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class QuestionnaireDialog(QDialog):
    """Record one MIDAS or HIT-6; `saved` carries the stored questionnaire's id."""

    saved = Signal(object)

    def __init__(
        self,
        library: Any,
        patient_id: int,
        parent: QWidget | None = None,
        *,
        kind: str = "midas",
        today: dt.date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add questionnaire")
        self._library = library
        self._patient_id = patient_id
        self._result: QuestionnaireResult | None = None
        self.problem = ""
        today = today or dt.date.today()

        # --- which questionnaire, when
        self.kind_combo = QComboBox()
        for key, label in KINDS:
            self.kind_combo.addItem(label, key)
        self.kind_combo.setAccessibleName("Questionnaire")
        self.date_edit = IsoDateEdit(_qdate(today))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setMaximumDate(_qdate(today))
        self.date_edit.setToolTip("The day the patient answered (not in the future)")
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("optional")
        head = QFormLayout()
        head.addRow("&Questionnaire", self.kind_combo)
        head.addRow(f"&Date taken ({DATE_FORMAT_HINT})", self.date_edit)

        # --- MIDAS: days in the last 3 months per question
        self.midas_spins: list[QSpinBox] = []
        midas_box = QGroupBox(f"MIDAS — number of days in the last 3 months (0–{MIDAS_MAX_DAYS})")
        midas_form = QFormLayout(midas_box)
        for i, text in enumerate(MIDAS_QUESTIONS, start=1):
            spin = QSpinBox()
            spin.setRange(NOT_ANSWERED, MIDAS_MAX_DAYS)
            spin.setSpecialValueText("—")  # shown for NOT_ANSWERED
            spin.setValue(NOT_ANSWERED)
            spin.setSuffix(" days")
            spin.setAccessibleName(f"MIDAS question {i}: {text}")
            spin.valueChanged.connect(self._update_score)
            midas_form.addRow(f"&{i}. {text}", spin)
            self.midas_spins.append(spin)

        # --- HIT-6: one answer per item
        self.hit6_combos: list[QComboBox] = []
        hit6_box = QGroupBox("HIT-6 — answer each item")
        hit6_form = QFormLayout(hit6_box)
        for i, text in enumerate(HIT6_QUESTIONS, start=1):
            combo = QComboBox()
            combo.setPlaceholderText("— choose —")
            for word, points in HIT6_POINTS.items():
                combo.addItem(f"{word.capitalize()} ({points})", points)
            combo.setCurrentIndex(-1)
            combo.setAccessibleName(f"HIT-6 item {i}: {text}")
            combo.currentIndexChanged.connect(self._update_score)
            hit6_form.addRow(f"&{i}. {text}", combo)
            self.hit6_combos.append(combo)

        self.pages = QStackedWidget()
        self.pages.addWidget(midas_box)
        self.pages.addWidget(hit6_box)

        # --- live score, as the core computes it
        self.score_label = QLabel()
        self.score_label.setAccessibleName("Score")
        self.score_label.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #a94442;")

        tail = QFormLayout()
        tail.addRow("N&ote", self.note_edit)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.pages)
        layout.addWidget(self.score_label)
        layout.addWidget(self.problem_label)
        layout.addLayout(tail)
        layout.addWidget(self.buttons)

        self.kind_combo.currentIndexChanged.connect(self._on_kind)
        self.date_edit.dateChanged.connect(self._update_score)
        self.set_kind(kind)
        self._on_kind()

    # state ------------------------------------------------------------------------------
    def kind(self) -> str:
        return self.kind_combo.currentData()

    def set_kind(self, kind: str) -> None:
        index = self.kind_combo.findData(kind)
        if index < 0:
            raise ValueError(f"unknown questionnaire {kind!r}")
        self.kind_combo.setCurrentIndex(index)

    def set_midas_days(self, days: list[int | None]) -> None:
        """Fill the 5 MIDAS answers; None leaves a question unanswered."""
        for spin, value in zip(self.midas_spins, days, strict=True):
            spin.setValue(NOT_ANSWERED if value is None else value)

    def set_hit6_points(self, points: list[int | None]) -> None:
        """Fill the 6 HIT-6 answers by points (6, 8, 10, 11, 13); None leaves an item unanswered."""
        for combo, value in zip(self.hit6_combos, points, strict=True):
            combo.setCurrentIndex(-1 if value is None else combo.findData(value))

    def scored(self) -> QuestionnaireResult | None:
        """The core's scored questionnaire, or None while an answer is missing or invalid."""
        return self._result

    def _on_kind(self) -> None:
        self.pages.setCurrentIndex(0 if self.kind() == "midas" else 1)
        self._update_score()

    def _answers(self) -> tuple[list[int], list[int]]:
        """(answers given, numbers of the questions still unanswered) for the chosen kind."""
        if self.kind() == "midas":
            values = [s.value() for s in self.midas_spins]
            missing = [i for i, v in enumerate(values, start=1) if v == NOT_ANSWERED]
        else:
            values = [c.currentData() for c in self.hit6_combos]
            missing = [i for i, v in enumerate(values, start=1) if v is None]
        return values, missing

    def _update_score(self, *_: object) -> None:
        values, missing = self._answers()
        name = "MIDAS" if self.kind() == "midas" else "HIT-6"
        self._result = None
        self.problem = ""
        if missing:
            total = len(values)
            self.problem = (
                f"{len(missing)} of {total} {'questions' if name == 'MIDAS' else 'items'} "
                f"not answered yet ({', '.join(map(str, missing))})."
            )
        else:
            date = _pydate(self.date_edit.date())
            try:
                self._result = midas(date, values) if self.kind() == "midas" else hit6(date, values)
            except PhotoCompareError as exc:
                self.problem = str(exc)
        if self._result is not None:
            r = self._result
            grade = f"grade {r.grade} ({r.description})" if r.kind == "midas" else r.grade
            self.score_label.setText(f"{name} score {r.score} — {grade}")
        else:
            self.score_label.setText(f"{name} score —")
        self.problem_label.setText(self.problem)
        self.problem_label.setVisible(bool(self.problem))
        self.save_button.setEnabled(self._result is not None)

    # saving -----------------------------------------------------------------------------
    def save(self) -> None:
        if self._result is None:
            return
        if not self.date_edit.is_valid():
            QMessageBox.warning(self, "Questionnaire not saved",
                                f"Date taken: {self.date_edit.error_text()}")
            self.date_edit.setFocus()
            return
        try:
            stored_id = course_io.save_questionnaire(
                self._library, self._patient_id, self._result, note=self.note_edit.text().strip()
            )
        except PhotoCompareError as exc:
            QMessageBox.warning(self, "Questionnaire not saved", str(exc))
            return
        self.saved.emit(stored_id)
        self.accept()
