"""The content-addressed store of originals (by SHA-256) and the thumbnail cache.

Layout under the store root::

    ab/cdef0123...        an original, byte-identical, named by its SHA-256 (read-only)
    tmp/                  files being written (temporary names; removed on success)
    pending/<sha>.<id>    journal: "this original may not have a database row yet"
    thumbs/<px>/ab/<sha>.jpg   thumbnails (a cache: may be deleted at any time)

Writes are atomic: copy to tmp/ while hashing, flush + fsync, rename into place (os.replace),
fsync the folder. The importer writes a pending marker before the copy and removes it after
the database row is committed, so an import killed at any point leaves either nothing or a
marker that `cleanup_leftovers()` (run when the library opens) resolves: an original whose row
never got committed is removed, one whose row exists is kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import stat
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from photocompare.core.errors import LibraryError

CHUNK_BYTES = 1024 * 1024
#: Leftovers written by another computer (shared store) are only cleaned after this long.
FOREIGN_LEFTOVER_AGE_S = 6 * 3600
_HEX = frozenset("0123456789abcdef")


def _crash_hook(point: str) -> None:
    """Test hook: PHOTOCOMPARE_TEST_CRASH_AT=<point> kills the process right there."""
    if os.environ.get("PHOTOCOMPARE_TEST_CRASH_AT") == point:
        os._exit(70)


def _is_sha256(text: str) -> bool:
    return len(text) == 64 and set(text) <= _HEX


def _fsync_dir(path: Path) -> None:
    if sys.platform.startswith("win"):
        return  # directories cannot be opened for fsync on Windows; NTFS journals renames
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform.startswith("win"):
        import ctypes

        process_query_limited_information = 0x1000
        handle = ctypes.windll.kernel32.OpenProcess(process_query_limited_information, False, pid)
        if not handle:
            return False
        ctypes.windll.kernel32.CloseHandle(handle)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class StoreUnavailable(LibraryError):
    """The store folder itself cannot be written (read-only, gone, full): no later file can
    be stored either, so an import stops instead of refusing every remaining file."""


def store_problem(root: Path, exc: OSError) -> StoreUnavailable:
    """One plain line for a failure of the store folder (not of the file being imported)."""
    import errno

    if exc.errno == errno.EROFS or exc.errno in (errno.EACCES, errno.EPERM):
        return StoreUnavailable(f"the store folder {root} is read-only (nothing can be added)")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreUnavailable(f"the disk holding the store folder {root} is full")
    if exc.errno == errno.ENOENT or not root.is_dir():
        return StoreUnavailable(f"the store folder {root} is gone (disconnected or deleted?)")
    return StoreUnavailable(f"the store folder {root} cannot be written ({exc.strerror or exc})")


@dataclass(frozen=True)
class StoreReport:
    """What `Store.verify` found."""

    checked: int = 0
    ok: int = 0
    missing: list[str] = field(default_factory=list)  # sha256 expected but no file
    corrupt: list[str] = field(default_factory=list)  # file whose bytes no longer hash to its name
    unreferenced: list[str] = field(default_factory=list)  # file with no database row


@dataclass(frozen=True)
class CleanupReport:
    removed_tmp: int = 0
    removed_originals: int = 0
    resolved_markers: int = 0


class Store:
    """A folder of originals addressed by SHA-256; safe to share between processes."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.tmp_dir = self.root / "tmp"
        self.pending_dir = self.root / "pending"
        self.thumbs_dir = self.root / "thumbs"
        try:
            for folder in (self.root, self.tmp_dir, self.pending_dir, self.thumbs_dir):
                folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(
                f"cannot use the store folder {self.root}: {exc.strerror or exc}"
            ) from None
        self._writer_id = f"{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:8]}"

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    # -- paths ----------------------------------------------------------------------------
    def path_for(self, sha256: str) -> Path:
        """Where the original with this SHA-256 lives (whether or not it exists)."""
        sha256 = sha256.lower()
        if not _is_sha256(sha256):
            raise LibraryError(f"not a SHA-256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:]

    def thumbnail_path(self, sha256: str, px: int) -> Path:
        sha256 = sha256.lower()
        if not _is_sha256(sha256):
            raise LibraryError(f"not a SHA-256: {sha256!r}")
        return self.thumbs_dir / str(int(px)) / sha256[:2] / f"{sha256}.jpg"

    def contains(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def iter_originals(self) -> Iterator[str]:
        """The SHA-256 of every original file in the store."""
        for sub in sorted(self.root.iterdir()):
            if len(sub.name) != 2 or not set(sub.name) <= _HEX or not sub.is_dir():
                continue
            for item in sorted(sub.iterdir()):
                name = sub.name + item.name
                if _is_sha256(name) and item.is_file():
                    yield name

    # -- writing --------------------------------------------------------------------------
    def put(self, source: str | Path, expected_sha256: str | None = None) -> str:
        """Copy `source` into the store atomically; returns its SHA-256.

        When `expected_sha256` is given and the bytes copied hash differently (the file changed
        after it was checked), nothing is stored and LibraryError is raised.
        """
        source = Path(source)
        tmp = self.tmp_dir / f"{self._writer_id}.{uuid.uuid4().hex}.part"
        digest = hashlib.sha256()
        try:
            src = open(source, "rb")  # noqa: SIM115 - closed by the with below
        except OSError as exc:
            raise LibraryError(f"{source.name}: cannot be read ({exc.strerror or exc})") from None
        try:
            try:
                dst = open(tmp, "xb")  # noqa: SIM115
            except OSError as exc:
                src.close()
                raise store_problem(self.root, exc) from None
            with src, dst:
                while chunk := src.read(CHUNK_BYTES):
                    digest.update(chunk)
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            _crash_hook("after_tmp_write")
            sha = digest.hexdigest()
            if expected_sha256 is not None and sha != expected_sha256.lower():
                raise LibraryError(f"{source.name}: the file changed while it was being imported")
            dest = self.path_for(sha)
            if dest.is_file():
                tmp.unlink(missing_ok=True)  # same bytes already stored
                return sha
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            os.replace(tmp, dest)
            _fsync_dir(dest.parent)
            return sha
        except OSError as exc:
            raise store_problem(self.root, exc) from None
        finally:
            with contextlib.suppress(OSError):
                if tmp.exists():
                    os.chmod(tmp, stat.S_IWUSR | stat.S_IRUSR)
                    tmp.unlink()

    def remove(self, sha256: str) -> bool:
        """Delete an original (used for leftovers and by the trash); True when a file went."""
        path = self.path_for(sha256)
        try:
            os.chmod(path, stat.S_IWUSR | stat.S_IRUSR)
            path.unlink()
        except FileNotFoundError:
            return False
        for px_dir in self.thumbs_dir.glob("*"):
            with contextlib.suppress(OSError):
                (px_dir / sha256[:2] / f"{sha256}.jpg").unlink()
        return True

    # -- pending markers (import journal) -------------------------------------------------
    def mark_pending(self, sha256: str) -> Path:
        """Record, durably, that `sha256` may be stored before its row is committed."""
        marker = self.pending_dir / f"{sha256}.{self._writer_id}"
        payload = {"host": socket.gethostname(), "pid": os.getpid(), "time": time.time()}
        try:
            with open(marker, "w", encoding="utf-8") as fh:
                json.dump(payload, fh)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            with contextlib.suppress(OSError):
                marker.unlink()
            raise store_problem(self.root, exc) from None
        _fsync_dir(self.pending_dir)
        return marker

    def clear_pending(self, marker: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            marker.unlink()

    def _leftover(self, path: Path, info: dict | None = None) -> bool:
        """Was this tmp file / marker left by a writer that is gone?"""
        host = socket.gethostname()
        if info is None:  # tmp file: host.pid.rand.rand.part
            parts = path.name.split(".")
            try:
                pid = int(parts[-4])
                writer_host = ".".join(parts[:-4])
            except (IndexError, ValueError):
                return True
        else:
            writer_host, pid = str(info.get("host", "")), int(info.get("pid", -1))
        if writer_host == host:
            return pid != os.getpid() and not _pid_alive(pid)
        try:
            age = time.time() - path.stat().st_mtime
        except OSError:
            return False
        return age > FOREIGN_LEFTOVER_AGE_S

    def cleanup_leftovers(self, has_row: Callable[[str], bool]) -> CleanupReport:
        """Remove what interrupted imports left behind. `has_row(sha)` asks the database."""
        removed_tmp = removed_originals = resolved = 0
        for tmp in self.tmp_dir.glob("*"):
            if tmp.is_file() and self._leftover(tmp):
                with contextlib.suppress(OSError):
                    os.chmod(tmp, stat.S_IWUSR | stat.S_IRUSR)
                    tmp.unlink()
                    removed_tmp += 1
        for marker in self.pending_dir.glob("*"):
            sha = marker.name.split(".", 1)[0]
            try:
                info = json.loads(marker.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                # unreadable (e.g. empty) marker: its writer died while writing it. Its name
                # (sha.host.pid.rand) still says who wrote it, so a dead local writer's marker
                # is resolved now rather than after the foreign-host grace period.
                parts = marker.name.split(".")
                try:
                    info = {"host": ".".join(parts[1:-2]), "pid": int(parts[-2])}
                except (IndexError, ValueError):
                    info = {"host": "", "pid": -1}
            if not isinstance(info, dict) or not self._leftover(marker, info):
                continue
            if _is_sha256(sha) and not has_row(sha) and not self._other_pending(sha, marker):
                if self.remove(sha):
                    removed_originals += 1
            self.clear_pending(marker)
            resolved += 1
        return CleanupReport(removed_tmp, removed_originals, resolved)

    def _other_pending(self, sha256: str, marker: Path) -> bool:
        """Another live marker for the same file (a concurrent import of the same bytes)."""
        for other in self.pending_dir.glob(f"{sha256}.*"):
            if other != marker:
                try:
                    info = json.loads(other.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                if isinstance(info, dict) and not self._leftover(other, info):
                    return True
        return False

    # -- checking -------------------------------------------------------------------------
    def verify(self, expected: set[str] | None = None, rehash: bool = True) -> StoreReport:
        """Check that every expected original is present and (with `rehash`) still intact.

        `expected` is the set of SHA-256 the database references; files not in it are listed
        as unreferenced (not removed: that is for the user or cleanup to decide).
        """
        present = set(self.iter_originals())
        expected = set(present if expected is None else expected)
        missing = sorted(expected - present)
        corrupt: list[str] = []
        checked = ok = 0
        for sha in sorted(expected & present):
            checked += 1
            if rehash and _hash_file(self.path_for(sha)) != sha:
                corrupt.append(sha)
            else:
                ok += 1
        return StoreReport(
            checked=checked,
            ok=ok,
            missing=missing,
            corrupt=corrupt,
            unreferenced=sorted(present - expected),
        )


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK_BYTES):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()
