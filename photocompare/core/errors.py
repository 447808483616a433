"""One error type per layer, each with a message a clinician can read.

The CLI and the UI show `str(error)` and never a traceback, so every message names the file (or
record) and the reason in one line: ``UnreadablePhoto: IMG_0412.HEIC: file ends early``.
"""

from __future__ import annotations

from pathlib import Path


class PhotoCompareError(Exception):
    """Base of every error the app expects and explains to the user."""


class UnreadablePhoto(PhotoCompareError):
    """A file that cannot be read as a photo (corrupt, truncated, too large, not an image...)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


class ModelMissing(PhotoCompareError):
    """The shipped face-landmark model is not where the app looks for it."""


class LibraryError(PhotoCompareError):
    """The library (database or store of originals) cannot do what was asked."""


class ConcurrentEditError(LibraryError):
    """Another workstation changed the record since it was read (optimistic locking)."""


class ConsentMissing(PhotoCompareError):
    """An export for a use the patient has not consented to."""


class CourseError(PhotoCompareError):
    """Migraine diary / treatment data that cannot be used (bad CSV, bad dates...)."""


class ExportError(PhotoCompareError):
    """A sheet, image or DICOM file could not be written."""
