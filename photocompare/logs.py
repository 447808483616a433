"""Logging set up once per process: one rotating file in the per-user log folder.

Both front doors call `configure_file_logging()`: the command line, so warnings and tracebacks
never reach the terminal (one line per failure is the rule there), and the desktop app, so
support has a file to read. Calling it again without a folder returns the file already in use
and adds no second handler; naming another folder moves the file there. Patients appear in the log by internal number only — the callers
log that way; nothing here rewrites records. Qt-free.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path
from typing import TextIO

from photocompare.core import quiet
from photocompare.settings import LogSettings, log_dir

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_MARK = "_photocompare_log_file"  # set on the one handler this module installs


def configure_file_logging(
    directory: str | Path | None = None,
    *,
    level: int | None = None,
    defer_to_existing: bool = False,
    fallback_stream: TextIO | None = None,
    native_output: bool = False,
    settings: LogSettings | None = None,
) -> Path | None:
    """Send log records (and Python warnings) to the rotating log file; returns its path.

    `directory`: default the per-user log folder. `level`: set the root level (None keeps it).
    `defer_to_existing`: when something else already configured logging (a host program, a
    test runner), leave it alone and return None. `fallback_stream`: where records go when the
    folder cannot be used (None: nowhere, and None is returned). `native_output`: also send the
    chatter of native libraries (MediaPipe, OpenCV) to the file instead of discarding it.
    The file is only created when something is logged.
    """
    settings = settings or LogSettings()
    root = logging.getLogger()
    if level is not None:
        root.setLevel(level)
    ours = [h for h in root.handlers if getattr(h, _MARK, False)]
    if directory is None and ours:  # configured already: the second front door shares it
        current = getattr(ours[0], "baseFilename", None)
        return Path(current) if current else None
    path = Path(directory or log_dir()) / settings.file_name
    if any(getattr(h, "baseFilename", None) == os.path.abspath(path) for h in ours):
        return path
    if defer_to_existing and not ours and root.handlers:
        return None
    for handler in ours:  # another folder: move the file rather than log twice
        root.removeHandler(handler)
        handler.close()
    # Library UserWarnings (pydicom, PIL) go to the log too. Off, then on: captureWarnings(True)
    # does nothing when it believes it is already on, but a host (or a test runner) may have put
    # its own `warnings.showwarning` back since, which would silently lose the warnings.
    logging.captureWarnings(False)
    logging.captureWarnings(True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The file opens on the first record; refuse now rather than fail on every record.
        if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            raise PermissionError(f"{path}: not writable")
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path,
            maxBytes=settings.max_bytes,
            backupCount=settings.backup_count,
            encoding="utf-8",
            delay=True,
        )
    except OSError:  # a read-only profile must not stop the app or the command
        handler = (
            logging.StreamHandler(fallback_stream) if fallback_stream else logging.NullHandler()
        )
        written: Path | None = None
    else:
        written = path
        if native_output:
            quiet.set_native_log_sink(path)
    handler.setFormatter(logging.Formatter(_FORMAT))
    setattr(handler, _MARK, True)
    root.addHandler(handler)
    return written
