"""Choosing what to compare: the suggested before/after pairs (same view and expression,
baseline against a chosen cycle or date), the order of two hand-picked photos, and the view /
expression label suggestions that make pairs findable after an import."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QListWidget, QListWidgetItem, QProgressBar, QWidget

from photocompare.core.analysis_service import AnalysisService
from photocompare.core.course import CourseReport
from photocompare.core.labels import suggest_labels
from photocompare.core.pair_suggest import SuggestedPair, suggest_pairs, targets
from photocompare.library import api as la
from photocompare.ui.messages import user_message
from photocompare.ui.workers import Task, TaskContext, run_task

if TYPE_CHECKING:
    from photocompare.library.db import Library

log = logging.getLogger(__name__)

PAIR_ROLE = Qt.ItemDataRole.UserRole + 1
PROGRESS_INTERVAL_S = 0.1  # progress reaches the GUI at most 10 times a second


def _taken_key(photo: la.PhotoRow) -> tuple[bool, datetime, int]:
    """Undated photos last; aware and naive times compared on the wall clock."""
    taken = photo.taken_at.replace(tzinfo=None) if photo.taken_at is not None else datetime.min
    return (photo.taken_at is None, taken, photo.id)


def order_pair(first: la.PhotoRow, second: la.PhotoRow) -> tuple[la.PhotoRow, la.PhotoRow]:
    """(before, after) of two hand-picked photos: the earlier one is "before"."""
    before, after = sorted((first, second), key=_taken_key)
    return before, after


class PairSuggestions(QObject):
    """The "Baseline vs" chooser and the list of suggested pairs; `pair_chosen(before, after)`
    when the user opens one. The widgets are laid out by the main window."""

    pair_chosen = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.photos: list[la.PhotoRow] = []
        self.report: CourseReport | None = None
        self.target_combo = QComboBox()
        self.target_combo.setToolTip("Compare baseline photos with this cycle (or date)")
        self.target_combo.setAccessibleName("Compare baseline with")
        self.target_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.target_combo.setMinimumContentsLength(10)
        self.target_combo.currentIndexChanged.connect(self.refresh)
        self.label = QLabel("Suggested pairs (same view and expression):")
        self.pairs_list = QListWidget()
        self.pairs_list.setAccessibleName("Suggested pairs")
        self.pairs_list.setMaximumHeight(84)
        self.pairs_list.itemActivated.connect(self._open)
        self.pairs_list.itemDoubleClicked.connect(self._open)

    def set_photos(self, photos: list[la.PhotoRow], report: CourseReport | None) -> None:
        """New photos or course: rebuild the targets (keeping the chosen one) and the list."""
        self.photos, self.report = photos, report
        combo = self.target_combo
        combo.blockSignals(True)
        current = combo.currentData()
        combo.clear()
        for title, key in targets(photos, report):
            combo.addItem(title, key)
        idx = combo.findData(current)
        combo.setCurrentIndex(idx if idx >= 0 else combo.count() - 1)
        combo.blockSignals(False)
        self.refresh()

    def update_photos(self, photos: list[la.PhotoRow]) -> None:
        """Labels changed: the same targets, new suggestions."""
        self.photos = photos
        self.refresh()

    def refresh(self) -> None:
        self.pairs_list.clear()
        pairs = suggest_pairs(self.photos, self.report, self.target_combo.currentData())
        for pair in pairs:
            item = QListWidgetItem(pair.title)
            item.setData(PAIR_ROLE, pair)
            item.setToolTip(f"{pair.before.original_name} → {pair.after.original_name}")
            self.pairs_list.addItem(item)
        if not pairs:
            item = QListWidgetItem(
                "No suggestion: label the photos' view and expression, or select any two photos "
                "and press Compare."
                if len(self.photos) >= 2
                else "Suggestions appear once the patient has photos from two dates."
            )
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.pairs_list.addItem(item)

    def pairs(self) -> list[SuggestedPair]:
        out = []
        for i in range(self.pairs_list.count()):
            pair = self.pairs_list.item(i).data(PAIR_ROLE)
            if pair is not None:
                out.append(pair)
        return out

    def _open(self, item: QListWidgetItem) -> None:
        pair = item.data(PAIR_ROLE)
        if pair is not None:
            self.pair_chosen.emit(pair.before, pair.after)


class LabelSuggester(QObject):
    """Analyses newly imported photos on a worker and fills in view/expression suggestions where
    the user has set no labels (they stay editable; undo is not involved). `finished` carries
    the updated rows (empty when stopped by an error)."""

    finished = Signal(list)

    def __init__(
        self,
        library: Library,
        analysis: AnalysisService,
        progress_bar: QProgressBar,
        report_status: Callable[[str, int], None],
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.library, self.analysis = library, analysis
        self.progress_bar = progress_bar
        self.report_status = report_status
        self.clock = clock
        self.task: Task | None = None

    def start(self, rows: list[la.PhotoRow]) -> Task | None:
        rows = [p for p in rows if not (p.view_label and p.expression_label)]
        if not rows or self.task is not None:
            return None
        library, analysis, clock = self.library, self.analysis, self.clock

        def work(ctx: TaskContext) -> list[la.PhotoRow]:
            out, last = [], 0.0
            for i, row in enumerate(rows, 1):
                if ctx.cancelled:
                    break
                try:
                    view, expr = suggest_labels(analysis.measures(row.path, row.sha256))
                    updated = la.set_suggested_labels(library, row.id, view, expr)
                except Exception as exc:  # a photo without a usable face keeps no label
                    log.info("no label suggestion for photo %s: %s", row.id, exc)
                    updated = None
                if updated is not None:
                    out.append(updated)
                if clock() - last > PROGRESS_INTERVAL_S or i == len(rows):
                    last = clock()
                    ctx.progress(i, len(rows), "Suggesting view and expression labels…")
            return out

        def done(updated: list[la.PhotoRow]) -> None:
            self.task = None
            self.progress_bar.hide()
            self.report_status(f"Suggested labels for {len(updated)} photo(s); edit them in the inspector.", 6000)
            self.finished.emit(updated)

        def failed(exc: BaseException) -> None:
            self.task = None
            self.progress_bar.hide()
            self.report_status(f"Label suggestions stopped: {user_message(exc)}", 8000)
            self.finished.emit([])

        def progress(i: int, n: int, message: str) -> None:
            self.progress_bar.show()
            self.progress_bar.setRange(0, n)
            self.progress_bar.setValue(i)
            self.report_status(message, 0)

        self.task = run_task(work, on_done=done, on_error=failed, on_progress=progress)
        return self.task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.context.cancel()
