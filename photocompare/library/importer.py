"""Files and folders -> the library, one photo at a time, never half-imported.

For each file: validate and describe it (`core.images.read_info`: full decode within
`ImageLimits`, lenient EXIF), skip it if the same bytes are already in the library, otherwise
journal it as pending, copy it atomically into the store, then commit its row (and its visit)
in one transaction, then clear the journal. A rejected file changes nothing; the import goes on
with the next file. `progress(done, total, path)` is called after each file and `cancelled()`
is checked before each, so a UI can show a bar and stop between files.
"""

from __future__ import annotations

import itertools
import json
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from photocompare.core.errors import LibraryError, UnreadablePhoto
from photocompare.core.images import (
    OTHER_IMAGE_SUFFIXES,
    PHOTO_SUFFIXES,
    PhotoInfo,
    read_info,
)
from photocompare.library.db import Library
from photocompare.library.models import Patient, Photo, Visit
from photocompare.library.store import StoreUnavailable, _crash_hook

_WALK_SUFFIXES = PHOTO_SUFFIXES | OTHER_IMAGE_SUFFIXES

READ_AHEAD_WORKERS = 2  # photos validated in parallel ahead of the sequential store/record step
ProgressFn = Callable[[int, int, str], None]
CancelFn = Callable[[], bool]


@dataclass(frozen=True)
class FileResult:
    """What happened to one file: status "imported" | "duplicate" | "rejected" | "skipped"
    (a file in an imported folder that is not a picture at all; never an error)."""

    path: str
    status: str
    reason: str | None = None  # "duplicate of IMG_1.jpg (patient P-1)" or why it was refused
    photo_id: int | None = None  # the new photo, or the existing one for a duplicate
    sha256: str | None = None


@dataclass
class ImportSummary:
    """imported: [(path, photo_id)]; duplicates and rejected: [(path, reason)]."""

    imported: list[tuple[str, int]] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    results: list[FileResult] = field(default_factory=list)  # every file, in order
    cancelled: bool = False
    patient_id: int | None = None
    skipped: list[tuple[str, str]] = field(default_factory=list)  # not pictures: (path, reason)
    # Why the import stopped before the end (store read-only or gone, database full), and how
    # many files were never tried; None when every file was tried.
    stopped: str | None = None
    not_tried: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "imported": len(self.imported),
            "duplicates": len(self.duplicates),
            "rejected": len(self.rejected),
        }


class ImportStopped(LibraryError):
    """The library itself failed mid-import (store, database): the rest cannot be tried."""


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files given explicitly are kept (whatever their name); folders are walked recursively
    for picture file names (photos, plus GIF/RAW/JPEG XL so their refusal is reported; hidden
    files and folders skipped). Order: as given, sorted inside each folder."""
    return expand_paths_and_skipped(paths)[0]


def expand_paths_and_skipped(
    paths: Iterable[str | Path],
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """`expand_paths`, plus the other (not hidden) files found in the folders with the reason
    they are not imported, so an import can list them instead of passing over them silently."""
    out: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found: list[Path] = []
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    suffix = Path(name).suffix.lower()
                    if suffix in _WALK_SUFFIXES:
                        found.append(Path(root) / name)
                    else:
                        shown = suffix or "no file-name extension"
                        skipped.append((Path(root) / name, f"not a photo file ({shown})"))
            candidates = sorted(found)
        else:
            candidates = [path]
        for candidate in candidates:
            key = candidate.absolute()
            if key not in seen:
                seen.add(key)
                out.append(candidate)
    return out, skipped


def import_paths(
    library: Library,
    paths: Iterable[str | Path],
    patient_external_id: str,
    progress: ProgressFn | None = None,
    cancelled: CancelFn | None = None,
    *,
    display_name: str | None = None,
    create_patient: bool = True,
) -> ImportSummary:
    """Import files/folders for a patient (created when new, unless `create_patient=False`).

    Raises LibraryError only when nothing can be done (no such patient, library unusable,
    store or database failing before the first file); per-file problems are reported in the
    summary, and a store or database that fails part-way stops the import with
    `summary.stopped` (why) and `summary.not_tried` set, what was done so far kept.
    """
    external_id = (patient_external_id or "").strip()
    if not external_id:
        raise LibraryError("a patient id is needed to import photos")
    existing = library.get_patient(external_id)
    if existing is None and not create_patient:
        raise LibraryError(f"no patient {external_id} in the library")
    found, skipped = expand_paths_and_skipped(paths)
    files = [f for f in found if not _inside_store(library, f)]
    summary = ImportSummary(patient_id=existing.id if existing is not None else None)
    for path, reason in skipped:
        if not _inside_store(library, path):
            summary.skipped.append((str(path), reason))
            summary.results.append(FileResult(str(path), "skipped", reason))

    def ensure_patient() -> int:
        # A new patient is created with the first photo actually imported, so a command whose
        # files are all rejected (or duplicates) leaves the library exactly as it was.
        if summary.patient_id is None:
            summary.patient_id = _create_patient(library, external_id, display_name)
        return summary.patient_id

    total = len(files)
    infos = _read_ahead(files, library.limits)
    try:
        for done, path in enumerate(files, start=1):
            if cancelled is not None and cancelled():
                summary.cancelled = True
                break
            try:
                result = _import_one(library, path, ensure_patient, next(infos))
            except ImportStopped as exc:
                if not (summary.imported or summary.duplicates or summary.rejected):
                    raise  # nothing was done: a plain refusal, as when the library cannot open
                # What was imported so far stays imported and is reported; the rest is not tried.
                summary.stopped = str(exc)
                summary.not_tried = total - done + 1
                break
            summary.results.append(result)
            if result.status == "imported":
                summary.imported.append((result.path, int(result.photo_id or 0)))
            elif result.status == "duplicate":
                summary.duplicates.append((result.path, result.reason or "duplicate"))
            else:
                summary.rejected.append((result.path, result.reason or "rejected"))
            if progress is not None:
                progress(done, total, str(path))
    finally:
        infos.close()  # stops the read-ahead threads (after a cancel or a stop)
    return summary


def _inside_store(library: Library, path: Path) -> bool:
    """True for a file in the library's own store (originals, thumbnails): importing a folder
    that happens to hold the library must not import its thumbnails as new photos."""
    try:
        root = Path(library.store.root).resolve()
        return Path(path).resolve().is_relative_to(root)
    except (AttributeError, OSError, ValueError):
        return False


def import_file(library: Library, path: Path, patient_id: int) -> FileResult:
    """Import one file for an existing patient; never raises for a bad file."""
    return _import_one(library, Path(path), lambda: patient_id)


def _read_ahead(files: list[Path], limits) -> Iterator[PhotoInfo | UnreadablePhoto]:
    """`read_info` of the files, in order, validated on READ_AHEAD_WORKERS threads ahead of use.

    The full decode that validates a photo is most of an import's time and Pillow releases the
    GIL while decoding, so validating the next files while this one is stored and recorded uses
    both cores of a clinic PC (benchmark P3). Storing and recording stay sequential.
    """
    workers = max(1, min(READ_AHEAD_WORKERS, os.cpu_count() or 1))

    def info_of(path: Path) -> PhotoInfo | UnreadablePhoto:
        try:
            return read_info(path, limits)
        except UnreadablePhoto as exc:
            return exc

    if workers == 1:
        yield from (info_of(path) for path in files)
        return
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="import-read")
    try:
        pending: deque = deque()
        queue = iter(files)
        for path in itertools.islice(queue, workers * 2):
            pending.append(pool.submit(info_of, path))
        while pending:
            future = pending.popleft()
            for path in itertools.islice(queue, 1):
                pending.append(pool.submit(info_of, path))
            yield future.result()
    finally:  # cancelled or finished: drop what has not started, wait for the rest
        pool.shutdown(wait=True, cancel_futures=True)


def _import_one(
    library: Library,
    path: Path,
    patient: Callable[[], int],
    info: PhotoInfo | UnreadablePhoto | None = None,
) -> FileResult:
    if info is None:
        try:
            info = read_info(path, library.limits)
        except UnreadablePhoto as exc:
            info = exc
    if isinstance(info, UnreadablePhoto):
        return FileResult(str(path), "rejected", info.reason)

    try:
        existing = _duplicate_of(library, info.sha256)
    except sa.exc.SQLAlchemyError as exc:
        raise ImportStopped(_database_problem(exc)) from None
    if existing is not None:
        if not library.store.contains(info.sha256):
            return _put_back_original(library, path, info, existing)
        return FileResult(str(path), "duplicate", existing[1], existing[0], info.sha256)

    try:
        patient_id = patient()
    except sa.exc.SQLAlchemyError as exc:
        raise ImportStopped(_database_problem(exc)) from None
    try:
        marker = library.store.mark_pending(info.sha256)
    except StoreUnavailable as exc:
        raise ImportStopped(str(exc)) from None
    # An exception (or a kill) past this point leaves the marker for cleanup on the next open.
    result = _store_and_record(library, path, patient_id, info)
    library.store.clear_pending(marker)
    return result


def _put_back_original(
    library: Library, path: Path, info: PhotoInfo, existing: tuple[int, str]
) -> FileResult:
    """The photo is in the library but its original file is missing from the store: the file
    being imported has the same SHA-256, so it is the original; store it again."""
    try:
        library.store.put(path, expected_sha256=info.sha256)
    except StoreUnavailable as exc:
        raise ImportStopped(str(exc)) from None
    except LibraryError as exc:
        return FileResult(str(path), "rejected", _reason_of(exc, path), existing[0], info.sha256)
    return FileResult(
        str(path), "duplicate", f"{existing[1]}; its missing original was put back in the store",
        existing[0], info.sha256,
    )


def _database_problem(exc: BaseException) -> str:
    text = _first_line(exc)
    if "full" in text.lower():
        return "the library database is full (no space left on its disk)"
    if "readonly" in text.lower() or "read-only" in text.lower():
        return "the library database is read-only"
    return f"the library database failed: {text}"


def _store_and_record(library: Library, path: Path, patient_id: int, info: PhotoInfo) -> FileResult:
    try:
        library.store.put(path, expected_sha256=info.sha256)
    except StoreUnavailable as exc:
        raise ImportStopped(str(exc)) from None
    except LibraryError as exc:
        return FileResult(str(path), "rejected", _reason_of(exc, path), sha256=info.sha256)
    _crash_hook("after_store")
    try:
        photo_id = _insert_photo(library, path, patient_id, info)
    except sa.exc.IntegrityError:
        # Another import committed the same bytes meanwhile: that row now owns the file.
        existing = _duplicate_of(library, info.sha256)
        if existing is not None:
            return FileResult(str(path), "duplicate", existing[1], existing[0], info.sha256)
        _remove_unreferenced(library, info.sha256)
        return FileResult(str(path), "rejected", "could not be recorded in the library")
    except sa.exc.SQLAlchemyError as exc:
        _remove_unreferenced(library, info.sha256)
        raise ImportStopped(_database_problem(exc)) from None
    _crash_hook("after_commit")
    return FileResult(str(path), "imported", None, photo_id, info.sha256)


def _insert_photo(library: Library, path: Path, patient_id: int, info: PhotoInfo) -> int:
    with library.session(write=True) as s:
        visit_id = None
        if info.taken_at is not None:
            visit_date = info.taken_at.date()
            visit_id = s.scalar(
                sa.select(Visit.id).where(
                    Visit.patient_id == patient_id, Visit.visit_date == visit_date
                )
            )
            if visit_id is None:
                visit = Visit(patient_id=patient_id, visit_date=visit_date, note="")
                s.add(visit)
                s.flush()
                visit_id = visit.id
        photo = Photo(
            patient_id=patient_id,
            visit_id=visit_id,
            sha256=info.sha256,
            original_name=path.name[:255],
            file_bytes=path.stat().st_size,
            date_source=info.date_source,
            camera_make=(info.camera_make or None) and info.camera_make[:100],
            camera_model=(info.camera_model or None) and info.camera_model[:100],
            orientation=info.orientation,
            width=info.width,
            height=info.height,
            format=info.format,
            note="",
            exif_json=json.dumps(info.exif, ensure_ascii=False, sort_keys=True),
        )
        photo.set_taken_at(info.taken_at)
        s.add(photo)
        s.flush()
        return photo.id


def _duplicate_of(library: Library, sha256: str) -> tuple[int, str] | None:
    with library.session() as s:
        row = s.execute(
            sa.select(Photo, Patient.external_id)
            .join(Patient, Patient.id == Photo.patient_id)
            .where(Photo.sha256 == sha256)
        ).first()
    if row is None:
        return None
    photo, patient = row
    where = f"patient {patient}"
    if getattr(photo, "deleted_at", None) is not None:
        where += ", in the trash"
    return photo.id, f"duplicate of {photo.original_name} ({where})"


def _remove_unreferenced(library: Library, sha256: str) -> None:
    try:
        if _duplicate_of(library, sha256) is None:
            library.store.remove(sha256)
    except (sa.exc.SQLAlchemyError, OSError):
        pass  # the pending marker stays for cleanup on the next open


def _create_patient(library: Library, external_id: str, display_name: str | None) -> int:
    try:
        return library.add_patient(external_id, display_name or "").id
    except LibraryError:
        patient = library.get_patient(external_id)  # created concurrently
        if patient is None:
            raise
        return patient.id


def _reason_of(exc: Exception, path: Path) -> str:
    text = str(exc)
    prefix = f"{path.name}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    lines = str(orig if orig is not None else exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
