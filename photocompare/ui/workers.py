"""Background work on the global QThreadPool, Picard-style: `run_task(func, on_done)`.

Rules that keep the worker thread alive: the task's signals are connected *before* it is
started, and a strong reference to the task is kept (in `_running`) until it has finished —
a task collected by Python while running crashes the worker thread.

`func` receives a `TaskContext` it can use to report progress and to see a cancel request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class TaskContext:
    """Handed to the background function: progress reporting and cooperative cancel."""

    def __init__(self, signals: _TaskSignals) -> None:
        self._signals = signals
        self._cancel = threading.Event()

    def progress(self, done: int, total: int, message: str = "") -> None:
        self._signals.progress.emit(done, total, message)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()


class _TaskSignals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)  # the function's result
    failed = Signal(object)  # the exception


class Task(QRunnable):
    def __init__(self, func: Callable[[TaskContext], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # we own the lifetime (see module docstring)
        self.signals = _TaskSignals()
        self.context = TaskContext(self.signals)
        self._func = func

    def run(self) -> None:  # runs on a pool thread
        try:
            result = self._func(self.context)
        except Exception as exc:  # reported to the GUI thread, which shows str(exc)
            from photocompare.core.errors import PhotoCompareError

            if isinstance(exc, PhotoCompareError):  # an expected refusal (e.g. no consent)
                log.info("background task stopped: %s", exc)
            else:
                log.exception("background task failed")
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)


_running: set[Task] = set()


def run_task(
    func: Callable[[TaskContext], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
    pool: QThreadPool | None = None,
) -> Task:
    """Run `func(context)` on the thread pool; callbacks run on the GUI thread."""
    task = Task(func)
    _running.add(task)

    def _release(*_: object) -> None:
        _running.discard(task)

    if on_progress is not None:
        task.signals.progress.connect(on_progress)
    if on_done is not None:
        task.signals.finished.connect(on_done)
    if on_error is not None:
        task.signals.failed.connect(on_error)
    task.signals.finished.connect(_release)
    task.signals.failed.connect(_release)
    (pool or QThreadPool.globalInstance()).start(task)
    return task


def running_tasks() -> int:
    return len(_running)
