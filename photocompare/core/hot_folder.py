"""A hot folder: notice each complete new photo that camera or sync software drops in a folder.

Polling, not file-system events: it works the same on every platform and on network and sync
folders where change notifications are unreliable, and a stat of one folder every fraction of
a second costs next to nothing. A file is *complete* when its size and modification time are
unchanged across two polls AND it decodes fully (`core.images.read_info`); a file that is
stable but does not decode yet (a tool pausing between parts) is retried for
`CaptureSettings.undecodable_grace_s` before it is reported as rejected. A file renamed into
the folder is a new path, so it counts as new. Files present when watching starts are ignored
unless `include_existing`; hidden files and names that tools use while writing (`.part`,
`.tmp`, ...) are never taken. Only the folder itself is watched, not sub-folders.

`FolderWatcher.poll()` returns what became complete since the last poll; the library side
(`photocompare.library.hot_folder_import`) imports, labels and checks each one.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from photocompare.core.errors import PhotoCompareError, UnreadablePhoto
from photocompare.core.images import PhotoInfo, read_info
from photocompare.settings import CaptureSettings, ImageLimits


class FolderUnavailable(PhotoCompareError):
    """The watched folder does not exist, is not a folder, or has vanished."""


@dataclass(frozen=True)
class CompleteFile:
    """A file that finished arriving: `info` when it is a whole photo, else `reason`."""

    path: Path
    info: PhotoInfo | None
    reason: str | None  # why it is not a usable photo (then `info` is None)
    size_bytes: int
    complete_at_s: float  # monotonic clock when it was found complete


# (size, mtime in ns, inode): a file is unchanged while all three are.
_Signature = tuple[int, int, int]


@dataclass
class _Pending:
    signature: _Signature
    failing_since_s: float | None = None  # stable but not decodable since then
    last_reason: str | None = None


class FolderWatcher:
    """Poll one folder; `poll()` returns the files that became complete since the last call."""

    def __init__(
        self,
        folder: str | Path,
        *,
        include_existing: bool = False,
        settings: CaptureSettings | None = None,
        limits: ImageLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.folder = Path(folder).expanduser()
        self.settings = settings or CaptureSettings()
        self.limits = limits or ImageLimits()
        self._clock = clock
        self._include_existing = include_existing
        self._pending: dict[Path, _Pending] = {}
        self._done: dict[Path, _Signature] = {}  # handled (or ignored at start) as of this state
        self._started = False

    # -- public ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Check the folder and remember what is already there (ignored unless include_existing)."""
        listing = self._scan()
        if not self._include_existing:
            self._done.update(listing)
        self._started = True

    def poll(self) -> list[CompleteFile]:
        """One look at the folder. Raises `FolderUnavailable` when the folder has gone."""
        if not self._started:
            self.start()
        listing = self._scan()
        now = self._clock()
        ready: list[CompleteFile] = []
        for gone in [p for p in self._pending if p not in listing]:
            del self._pending[gone]
        for gone in [p for p in self._done if p not in listing]:
            del self._done[gone]  # a file later put back under this name is new again
        for path in sorted(listing):
            sig = listing[path]
            if self._done.get(path) == sig:
                continue
            pending = self._pending.get(path)
            if pending is None or pending.signature != sig:
                self._pending[path] = _Pending(sig)  # new or still changing: look again next poll
                continue
            result = self._try_complete(path, pending, now)
            if result is not None:
                del self._pending[path]
                self._done[path] = sig
                ready.append(result)
        return ready

    def watch(
        self, stop: threading.Event, interval_s: float | None = None
    ) -> Iterator[CompleteFile]:
        """Yield complete files until `stop` is set (`FolderUnavailable` ends it early)."""
        interval = self.settings.poll_interval_s if interval_s is None else interval_s
        if not self._started:
            self.start()
        while not stop.is_set():
            yield from self.poll()
            stop.wait(interval)

    @property
    def waiting(self) -> int:
        """Files seen but not complete yet (still being written, or not decodable yet)."""
        return len(self._pending)

    # -- internals ------------------------------------------------------------------------------
    def _try_complete(self, path: Path, pending: _Pending, now: float) -> CompleteFile | None:
        size = pending.signature[0]
        try:
            info = read_info(path, self.limits)
        except UnreadablePhoto as exc:
            if pending.failing_since_s is None:
                pending.failing_since_s = now
            pending.last_reason = exc.reason
            if now - pending.failing_since_s < self.settings.undecodable_grace_s:
                return None  # maybe the tool pauses between parts: try again next poll
            return CompleteFile(path, None, exc.reason, size, now)
        return CompleteFile(path, info, None, size, self._clock())

    def _scan(self) -> dict[Path, _Signature]:
        with self._reading_folder():
            st = self.folder.stat()
        if not stat.S_ISDIR(st.st_mode):
            raise FolderUnavailable(f"{self.folder}: not a folder")
        out: dict[Path, _Signature] = {}
        with self._reading_folder(), os.scandir(self.folder) as entries:
            for entry in entries:
                if not self._candidate(entry.name):
                    continue
                try:
                    est = entry.stat(follow_symlinks=True)
                except OSError:
                    continue  # removed between listing and stat
                if stat.S_ISREG(est.st_mode):
                    out[Path(entry.path)] = (est.st_size, est.st_mtime_ns, est.st_ino)
        return out

    @contextlib.contextmanager
    def _reading_folder(self) -> Iterator[None]:
        """The watched folder gone or unreadable (a card pulled, a share dropped) becomes one
        `FolderUnavailable` line naming it."""
        try:
            yield
        except FileNotFoundError:
            raise FolderUnavailable(f"{self.folder}: folder not found") from None
        except OSError as exc:
            raise FolderUnavailable(
                f"{self.folder}: folder cannot be read ({exc.strerror or exc})"
            ) from None

    def _candidate(self, name: str) -> bool:
        if name.startswith("."):
            return False
        lower = name.lower()
        return not any(lower.endswith(s) for s in self.settings.partial_suffixes)
