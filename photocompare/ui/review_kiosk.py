"""Review mode as a kiosk: while the patient looks at their own progress, every other window
of the app is hidden — and stays hidden if it tries to appear (an import summary, an error
box) — so the patient never sees another record. Leaving review mode brings them back.

Entering, leaving and every wrong PIN typed to leave go to the audit log: a locked screen that
someone tried to unlock is worth knowing about."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QWidget

from photocompare.core.analysis_service import AnalysisService
from photocompare.library import api as la
from photocompare.ui.audit_flow import AuditTrail
from photocompare.ui.messages import show_error
from photocompare.ui.review_mode import ReviewWindow
from photocompare.ui.settings_store import SettingsStore

if TYPE_CHECKING:
    from photocompare.library.db import Library

log = logging.getLogger(__name__)


class KioskGuard(QObject):
    """Application-wide event filter: hides any other top-level window that is shown while
    review mode is open and remembers it, so it comes back when review mode is left."""

    def __init__(self, review: QWidget, hidden: list[QWidget], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._review = review
        self._hidden = hidden

    def _belongs_to_review(self, widget: QWidget) -> bool:
        w: QWidget | None = widget
        while w is not None:
            if w is self._review:
                return True
            w = w.parentWidget()
        return False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Show and isinstance(obj, QWidget) and obj.isWindow():
            kind = obj.windowType()
            if kind not in (Qt.WindowType.ToolTip, Qt.WindowType.Popup) and not self._belongs_to_review(obj):
                if obj not in self._hidden:
                    self._hidden.append(obj)
                obj.hide()
        return False


class ReviewKiosk(QObject):
    """Opens the review window for a patient and keeps the rest of the app out of sight."""

    def __init__(
        self,
        library: Library,
        settings_store: SettingsStore,
        analysis: AnalysisService,
        audit_trail: AuditTrail,
        main_window: QWidget,
    ) -> None:
        super().__init__(main_window)
        self.library = library
        self.settings_store = settings_store
        self.analysis = analysis
        self.audit_trail = audit_trail
        self.main_window = main_window
        self.window: ReviewWindow | None = None
        self._hidden: list[QWidget] = []
        self._guard: KioskGuard | None = None

    def open(self, patient: la.PatientRow) -> ReviewWindow | None:
        try:
            window = ReviewWindow(
                self.library, patient.id, settings_store=self.settings_store, analysis=self.analysis
            )
        except Exception as exc:
            show_error(self.main_window, "Review mode could not start", exc)
            return None
        self.window = window
        log.info("review mode opened for patient %s", patient.id)
        self.audit_trail.record("REVIEW_MODE_ENTERED", patient.id, patient.external_id)
        window.left.connect(self._left)
        window.left.connect(lambda: self.audit_trail.record("REVIEW_MODE_LEFT", patient.id, patient.external_id))
        window.pin_refused.connect(
            lambda: self.audit_trail.record("REVIEW_PIN_REFUSED", patient.id, patient.external_id))
        self._hide_others(window)
        window.show()
        return window

    def _hide_others(self, review: QWidget) -> None:
        hidden = list(self._hidden)
        for widget in QApplication.topLevelWidgets():
            if widget is review or not widget.isVisible() or widget in hidden:
                continue
            hidden.append(widget)
            widget.hide()
        self._hidden = hidden
        self._guard = KioskGuard(review, self._hidden, self)
        QApplication.instance().installEventFilter(self._guard)
        review.destroyed.connect(self._left)

    def _left(self, *_args: object) -> None:
        guard, self._guard = self._guard, None
        if guard is not None:
            QApplication.instance().removeEventFilter(guard)
            guard.deleteLater()
        hidden, self._hidden = self._hidden, []
        for widget in hidden:
            try:
                widget.show()
            except RuntimeError:  # closed and deleted while review mode was open
                pass
        if self.main_window in hidden:
            self.main_window.raise_()
            self.main_window.activateWindow()
        self.window = None
