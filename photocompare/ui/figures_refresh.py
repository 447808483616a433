"""Keeping the open patient's derived figures current: the library's one change notification
(`ui.library_events`) reaches this object, which reloads what derives from the changed
records — the timeline's baseline and cycles and the grid (photos and course), the migraine
panel, the compared pair's periods and figures, and so the next exported sheet.

Changes are coalesced: a diary import of 90 days, or a move of ten photos, reloads once, after
the event loop has delivered them all. Label and note edits change no figure and are shown in
place by the window already; payer data has its own dialogs; an import's photos are shown when
the import is done.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer

from photocompare.library import api as la
from photocompare.library import changes
from photocompare.ui.library_events import LibraryEvents
from photocompare.ui.workers import Task


class MainWindowParts(Protocol):
    """What the refresh needs of the main window (a protocol, so this module need not import
    the window that imports it)."""

    library: Any
    patient: la.PatientRow | None
    photos: list[la.PhotoRow]
    course_report: Any
    imports: Any
    compare: Any
    migraine_panel: Any

    def reload_photos_async(self, then: Any = None) -> Any: ...
    def pair_figures_changed(self, *args: Any) -> Any: ...
    def report_status(self, text: str, timeout_ms: int = ...) -> None: ...

log = logging.getLogger(__name__)


class FiguresRefresh(QObject):
    """Connects `window` to its library's change notification, once."""

    def __init__(self, window: MainWindowParts) -> None:
        super().__init__(window)  # type: ignore[arg-type]  # the window is a QObject
        self.window = window
        self.events = LibraryEvents(window.library, self)
        self.events.changed.connect(self.changed)
        self._stale: set[str] = set()  # kinds of change of the open patient not yet shown
        self.last_task: Task | None = None

    def changed(self, patient_id: int, kind: str) -> None:
        """A committed write touched `patient_id`'s records (or a setting changed how they are
        read): schedule one reload of the open patient's figures."""
        w = self.window
        if w.patient is None or patient_id != w.patient.id or kind in (changes.LABELS, changes.PAYER):
            return
        if kind == changes.PHOTOS and w.imports.task is not None:
            return  # the import reloads once it is done
        if not self._stale:
            QTimer.singleShot(0, self.refresh)
        self._stale.add(kind)

    def forget(self) -> None:
        """The patient is being read afresh anyway (opened or reopened)."""
        self._stale.clear()

    def refresh(self) -> Task | None:
        """Reload the open patient's photos and course; the timeline, the migraine panel, the
        compared pair's figures and the next sheet then show the library as it now is."""
        w = self.window
        kinds, self._stale = self._stale, set()
        if w.patient is None or not kinds:
            return None
        if changes.PATIENT in kinds:
            w.patient = la.get_patient(w.library, w.patient.id) or w.patient
        if changes.COURSE in kinds:
            try:
                w.migraine_panel.refresh()
            except Exception:  # the photos stay usable without the course
                log.exception("migraine panel could not show patient %s", w.patient.id)
        self.last_task = w.reload_photos_async(self._refresh_pair)
        return self.last_task

    def _refresh_pair(self) -> None:
        """The compared pair with the fresh course and photo rows (a re-dated photo may now
        fall in another period)."""
        w = self.window
        context = w.compare.context
        if context is None or w.patient is None or context.before.patient_id != w.patient.id:
            return
        rows = {p.id: p for p in w.photos}
        before, after = rows.get(context.before.id, context.before), rows.get(context.after.id, context.after)
        report = w.course_report
        w.compare.context = dataclasses.replace(
            context, before=before, after=after, course_report=report,
            before_period=la.period_for(report, before.taken_date),
            after_period=la.period_for(report, after.taken_date),
        )
        w.pair_figures_changed(w.compare.context)
        if context.before.id not in rows or context.after.id not in rows:
            w.report_status("A compared photo was moved to another patient or to the trash.", 8000)

    def close(self) -> None:
        self.events.close()
