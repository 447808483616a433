"""Choosing what to compare: the suggested before/after pairs (same view and expression,
baseline against a chosen cycle or date), the order of two hand-picked photos, and the view /
expression label suggestions that make pairs findable after an import."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QListWidget, QListWidgetItem, QProgressBar, QWidget

from photocompare.core.analysis_service import AnalysisService
from photocompare.core.course import CourseReport
from photocompare.core.labels import suggest_labels
from photocompare.core.pair_suggest import (
    PairScore,
    SuggestedPair,
    baseline_notice,
    candidate_pairs,
    no_pair_reason,
    rank_pairs,
    score_checks,
    targets,
)
from photocompare.library import api as la
from photocompare.settings import CheckThresholds, CompareSettings
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
    when the user opens one. The widgets are laid out by the photos page.

    The list first shows the pairs nearest in time; once `set_analysis` has handed in the app's
    AnalysisService, every candidate pair is checked on a worker (photo measures are cached by
    the service, pair scores here) and the list is reordered: the best pair by the checks first
    and selected. `checked` is emitted when the ranked list is shown."""

    pair_chosen = Signal(object, object)
    checked = Signal()

    def __init__(self, parent: QObject | None = None, settings: CompareSettings | None = None) -> None:
        super().__init__(parent)
        self.photos: list[la.PhotoRow] = []
        self.report: CourseReport | None = None
        self.settings = settings or CompareSettings()
        self.analysis: AnalysisService | None = None
        self._thresholds: Callable[[], CheckThresholds] = CheckThresholds
        self._scores: dict[tuple[str, str, CheckThresholds], PairScore] = {}
        self._task: Task | None = None
        self._generation = 0
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

    def set_analysis(
        self,
        analysis: AnalysisService | None,
        thresholds: Callable[[], CheckThresholds] | CheckThresholds | None = None,
    ) -> None:
        """Check suggested pairs with the app's shared `analysis` service (on a worker), with the
        current check thresholds (a callable, e.g. `settings_store.thresholds`, is asked at every
        refresh so a changed setting counts at once)."""
        self.analysis = analysis
        if isinstance(thresholds, CheckThresholds):
            self._thresholds = lambda: thresholds
        elif thresholds is not None:
            self._thresholds = thresholds
        self.refresh()

    def set_photos(self, photos: list[la.PhotoRow], report: CourseReport | None) -> None:
        """New photos or course: rebuild the targets (keeping the chosen one) and the list.
        The first time (or when the chosen target is gone) the latest target with a photo is
        chosen, so the list does not open on an empty cycle."""
        self.photos, self.report = photos, report
        gap = self.settings.suggest_outlier_gap_days
        combo = self.target_combo
        combo.blockSignals(True)
        current = combo.currentData()
        combo.clear()
        keys = []
        for title, key in targets(photos, report, gap):
            combo.addItem(title, key)
            keys.append(key)
        idx = combo.findData(current)
        if idx < 0:
            with_photos = [i for i, key in enumerate(keys) if candidate_pairs(photos, report, key, 1, gap)]
            idx = with_photos[-1] if with_photos else combo.count() - 1
        combo.setCurrentIndex(idx)
        combo.blockSignals(False)
        self.refresh()

    def update_photos(self, photos: list[la.PhotoRow]) -> None:
        """Labels changed: the same targets, new suggestions."""
        self.photos = photos
        self.refresh()

    def refresh(self) -> None:
        """Show the candidates at once (nearest in time, or as already checked), then check the
        ones not checked yet on a worker."""
        self._generation += 1
        if self._task is not None:
            self._task.context.cancel()
            self._task = None
        target = self.target_combo.currentData()
        gap = self.settings.suggest_outlier_gap_days
        candidates = candidate_pairs(
            self.photos, self.report, target, self.settings.suggest_max_candidates_per_group, gap
        )
        thresholds = self._thresholds() if self.analysis is not None else None
        scores = self._known_scores(candidates, thresholds)
        self._show(candidates, scores, target)
        missing = [c for c in candidates if c.key not in scores]
        if self.analysis is not None and missing:
            self._check(candidates, missing, thresholds, target)
        else:
            self.checked.emit()

    def _known_scores(
        self, candidates: list[SuggestedPair], thresholds: CheckThresholds | None
    ) -> dict[tuple[int, int], PairScore]:
        if thresholds is None:
            return {}
        out = {}
        for c in candidates:
            score = self._scores.get((c.before.sha256, c.after.sha256, thresholds))
            if score is not None:
                out[c.key] = score
        return out

    def _show(self, candidates: list[SuggestedPair], scores: dict[tuple[int, int], PairScore], target) -> None:
        self.pairs_list.clear()
        gap = self.settings.suggest_outlier_gap_days
        notice = baseline_notice(self.photos, self.report, gap)
        pairs = rank_pairs(candidates, scores)
        for pair in pairs:
            item = QListWidgetItem(pair.title)
            item.setData(PAIR_ROLE, pair)
            tip = f"{pair.before.original_name} → {pair.after.original_name}"
            if pair.score is None and self.analysis is not None:
                tip += " (checking…)"
            item.setToolTip(tip)
            self.pairs_list.addItem(item)
        if pairs:
            self.pairs_list.setCurrentRow(0)  # the default pair: the best by the checks
        else:
            self._info(no_pair_reason(self.photos, self.report, target, gap))
        if notice:
            self._info(notice)

    def _info(self, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        item.setToolTip(text)
        self.pairs_list.addItem(item)

    def _check(
        self,
        candidates: list[SuggestedPair],
        missing: list[SuggestedPair],
        thresholds: CheckThresholds,
        target,
    ) -> None:
        generation = self._generation
        analysis = self.analysis
        jobs = [(c.key, c.before.path, c.before.sha256, c.after.path, c.after.sha256) for c in missing]

        def work(ctx: TaskContext) -> dict[tuple[str, str], PairScore]:
            out: dict[tuple[str, str], PairScore] = {}
            for _key, b_path, b_sha, a_path, a_sha in jobs:
                if ctx.cancelled:
                    break
                try:
                    # The whole check, as `check` and the compare view make it (aligned pair
                    # photometry, identity), so a suggestion never disagrees with the verdict.
                    result = analysis.compare(b_path, a_path, thresholds, keys=(b_sha, a_sha))
                    out[(b_sha, a_sha)] = score_checks(
                        result.checks, result.before.face, result.after.face
                    )
                except Exception as exc:  # an unreadable photo: the pair is listed last
                    log.info("suggested pair could not be checked: %s", exc)
                    out[(b_sha, a_sha)] = PairScore((), 0, math.inf, unreadable=user_message(exc))
            return out

        def done(found: dict[tuple[str, str], PairScore]) -> None:
            for (b_sha, a_sha), score in found.items():
                self._scores[(b_sha, a_sha, thresholds)] = score
            if generation != self._generation:
                return  # the photos or the target changed meanwhile; that refresh shows its own
            self._task = None
            selected = self.pairs_list.currentRow()
            self._show(candidates, self._known_scores(candidates, thresholds), target)
            if selected > 0 and selected < self.pairs_list.count():
                self.pairs_list.setCurrentRow(selected)
            self.checked.emit()

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self._task = None
                log.warning("pair suggestions could not be checked: %s", exc)
                self.checked.emit()

        self._task = run_task(work, on_done=done, on_error=failed)

    def busy(self) -> bool:
        """True while the suggested pairs are being checked."""
        return self._task is not None

    def cancel(self) -> None:
        if self._task is not None:
            self._task.context.cancel()
            self._task = None

    def pairs(self) -> list[SuggestedPair]:
        out = []
        for i in range(self.pairs_list.count()):
            pair = self.pairs_list.item(i).data(PAIR_ROLE)
            if pair is not None:
                out.append(pair)
        return out

    def default_pair(self) -> SuggestedPair | None:
        """The pair suggested first (the best by the checks once they have run)."""
        pairs = self.pairs()
        return pairs[0] if pairs else None

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
