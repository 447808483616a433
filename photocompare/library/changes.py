"""One change notification for everything the library writes.

Views that show figures derived from the library (the timeline's baseline and cycles, the
migraine figures next to a pair, the migraine panel, a sheet about to be exported) go stale
when a diary is imported, a treatment recorded or a photo moved, re-dated or trashed — and
there are many writers (the importer, the course repository, photo edits, payer data). Rather
than have each writer remember to refresh each view, the library's own Session notes which
patients' records a transaction touched, and `Library.session()` announces them once the
transaction has committed (never for a rollback: nothing changed then).

Qt-free: subscribers are plain callables, called on the thread that committed. A GUI bridges
them to its own thread (`photocompare.ui.library_events`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from photocompare.library.locking import ClinicSession

log = logging.getLogger(__name__)

# Kinds of change a subscriber can tell apart.
PHOTOS = "photos"  # a photo added, moved, re-dated, trashed or restored: periods may change
LABELS = "labels"  # only a photo's view/expression label or note: no figure depends on it
COURSE = "course"  # diary, monthly summaries, treatments, questionnaires, period notes
PATIENT = "patient"  # the patient's own record (name, ID, birth year)
PAYER = "payer"  # diagnosis, preventive history, insurer

# A photo edit that touches only these columns changes no derived figure.
_LABEL_COLUMNS = frozenset({"view_label", "expression_label", "note", "row_version"})
# Tables whose rows are traces of other changes, not data a view shows figures from.
_IGNORED_TABLES = frozenset({"audit_log", "course_history"})
_INFO_KEY = "photocompare_changed"

Callback = Callable[[int, str], None]


class LibraryChanges:
    """Subscribers of one open library: `subscribe(callback)` → `callback(patient_id, kind)`
    after each committed write that touched the patient's records (one call per patient and
    kind per transaction)."""

    def __init__(self) -> None:
        self._callbacks: list[Callback] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Add `callback`; returns a function that removes it again."""
        with self._lock:
            self._callbacks.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return unsubscribe

    def notify(self, patient_id: int, kind: str) -> None:
        """Tell every subscriber; a failing subscriber is logged and the others still hear."""
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback(int(patient_id), kind)
            except Exception:  # a view's bug must not turn a committed write into an error
                log.exception("a library change subscriber failed (patient %s, %s)", patient_id, kind)

    def committed(self, session: Any) -> None:
        """Announce what `session` wrote (called by `Library.session` after its commit)."""
        touched: set[tuple[int, str]] = session.info.pop(_INFO_KEY, set())
        for patient_id, kind in sorted(touched):
            self.notify(patient_id, kind)


def _kind(obj: Any, table: str) -> str | None:
    if table in _IGNORED_TABLES:
        return None
    if table == "photos":
        state = sa.inspect(obj)
        if state.pending or state.deleted or obj in state.session.deleted:
            return PHOTOS
        changed = {a.key for a in state.attrs if a.history.has_changes()}
        return LABELS if changed and changed <= _LABEL_COLUMNS else PHOTOS
    if table == "patients":
        return PATIENT
    if table.startswith("course_"):
        return COURSE
    if table.startswith("payer_"):
        return PAYER
    if table == "visits":
        return PHOTOS
    return None


def _patient_ids(obj: Any, table: str) -> set[int]:
    """The patients a row belongs to — before and after the change (a moved photo tells both)."""
    if table == "patients":
        return {obj.id} if getattr(obj, "id", None) is not None else set()
    if not hasattr(obj, "patient_id"):
        return set()
    ids = {obj.patient_id} if obj.patient_id is not None else set()
    history = sa.inspect(obj).attrs.patient_id.history
    ids.update(v for v in history.deleted or () if v is not None)
    return ids


@event.listens_for(ClinicSession, "before_flush")
def _note_changes(session: Any, _context: Any, _instances: Any) -> None:
    touched: set[tuple[int, str]] = session.info.setdefault(_INFO_KEY, set())
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        table = getattr(obj, "__tablename__", "")
        kind = _kind(obj, table)
        if kind is None:
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        for pid in _patient_ids(obj, table):
            touched.add((pid, kind))


@event.listens_for(ClinicSession, "after_rollback")
def _forget_changes(session: Any) -> None:
    session.info.pop(_INFO_KEY, None)
