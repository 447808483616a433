"""Lazy thumbnails for the photo grid: decoded off the GUI thread, cached, newest request first.

The grid asks for a thumbnail only when a cell is painted, so with 1,000+ photos only the
visible ones are decoded. Requests go on a stack (the cells the user is looking at *now* come
first); a bounded number of small batches run on a private QThreadPool (so imports and analysis
on the global pool do not starve the grid, and the other way round). Images are created as
QImage in the worker (thread-safe) and turned into QPixmap on the GUI thread.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtGui import QImage, QPixmap

from photocompare.ui.workers import TaskContext, run_task

log = logging.getLogger(__name__)

BATCH = 6
MAX_QUEUE = 256


def load_thumbnail_image(key: str, path: str, size: int) -> QImage:
    """Decode a small copy of the photo (orientation applied, JPEG DCT-domain reduced)."""
    from photocompare.core.thumbnails import make_thumbnail

    image = QImage.fromData(make_thumbnail(path, max(size, 64)))
    if image.isNull():
        raise ValueError("thumbnail could not be decoded")
    return _scaled(image, size)


def library_thumbnail_loader(library) -> Callable[[str, str, int], QImage]:
    """Thumbnails through the library's on-disk cache (made once per photo, then reused)."""

    def load(key: str, path: str, size: int) -> QImage:
        cached = library.thumbnail(key)
        image = QImage(str(cached))
        if image.isNull():
            raise ValueError("thumbnail could not be decoded")
        return _scaled(image, size)

    return load


def _scaled(image: QImage, size: int) -> QImage:
    from PySide6.QtCore import Qt

    if max(image.width(), image.height()) <= size:
        return image
    return image.scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


class ThumbnailLoader(QObject):
    """Cache of thumbnails keyed by sha256; emits `ready(key)` when one arrives."""

    ready = Signal(str)
    failed = Signal(str, str)

    def __init__(
        self,
        size: int = 160,
        cache_limit: int = 800,
        workers: int = 2,
        loader: Callable[[str, str, int], QImage] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.size = size
        self._cache: OrderedDict[str, QPixmap] = OrderedDict()
        self._limit = cache_limit
        self._stack: list[tuple[str, str]] = []  # (key, path), newest last
        self._queued: set[str] = set()
        self._in_flight: set[str] = set()
        self._failed: dict[str, str] = {}
        self._active = 0
        self._max_active = workers
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(workers)
        self._load = loader or load_thumbnail_image
        self.decoded = 0  # how many thumbnails were decoded (tests, benchmarks)

    def pixmap(self, key: str, path: str) -> QPixmap | None:
        """The cached thumbnail, or None after queueing it for loading."""
        pm = self._cache.get(key)
        if pm is not None:
            self._cache.move_to_end(key)
            return pm
        if key in self._failed or key in self._in_flight:
            return None
        if key in self._queued:
            # move to the top of the stack: the user is looking at it now
            self._stack = [item for item in self._stack if item[0] != key]
        self._stack.append((key, path))
        self._queued.add(key)
        if len(self._stack) > MAX_QUEUE:  # cells scrolled away long ago: forget them
            for old_key, _ in self._stack[: len(self._stack) - MAX_QUEUE]:
                self._queued.discard(old_key)
            del self._stack[: len(self._stack) - MAX_QUEUE]
        self._pump()
        return None

    def failure(self, key: str) -> str | None:
        return self._failed.get(key)

    def pending(self) -> int:
        return len(self._stack) + len(self._in_flight)

    def wait(self, msecs: int = 10_000) -> bool:
        """Wait for the decoding threads (at shutdown)."""
        self._stack.clear()
        self._queued.clear()
        return self._pool.waitForDone(msecs)

    def clear(self) -> None:
        self._stack.clear()
        self._queued.clear()
        self._cache.clear()
        self._failed.clear()

    def _pump(self) -> None:
        while self._active < self._max_active and self._stack:
            batch = []
            while self._stack and len(batch) < BATCH:
                key, path = self._stack.pop()
                self._queued.discard(key)
                self._in_flight.add(key)
                batch.append((key, path))
            self._active += 1
            def work(
                ctx: TaskContext, batch=batch, size=self.size, load=self._load
            ) -> list[tuple[str, QImage | None, str]]:
                out = []
                for key, path in batch:
                    if ctx.cancelled:
                        break
                    try:
                        out.append((key, load(key, path, size), ""))
                    except Exception as exc:  # shown as the cell's tooltip, never raised
                        out.append((key, None, str(exc) or type(exc).__name__))
                return out

            run_task(work, on_done=self._arrived, on_error=self._batch_failed, pool=self._pool)

    def _arrived(self, results: list[tuple[str, QImage | None, str]]) -> None:
        self._active -= 1
        for key, image, error in results:
            self._in_flight.discard(key)
            if image is None or image.isNull():
                self._failed[key] = error or "could not be read"
                self.failed.emit(key, self._failed[key])
                continue
            self._cache[key] = QPixmap.fromImage(image)
            self.decoded += 1
            while len(self._cache) > self._limit:
                self._cache.popitem(last=False)
            self.ready.emit(key)
        self._pump()

    def _batch_failed(self, exc: BaseException) -> None:
        self._active -= 1
        log.warning("thumbnail batch failed: %s", exc)
        self._in_flight.clear()
        self._pump()
