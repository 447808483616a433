"""Silence native log chatter (TensorFlow Lite, absl, glog, OpenCV) on the user's terminal.

MediaPipe's C++ side writes straight to file descriptor 2, so Python's `logging` cannot catch
it; we redirect fd 2 to the log file (or /dev/null) around the noisy calls.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

# Must be set before mediapipe / cv2 are imported to have an effect.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
os.environ.setdefault("ABSL_MIN_LOG_LEVEL", "3")

_SINK_PATH: str = os.devnull
_lock = threading.Lock()
_depth = 0
_saved_fd: int | None = None


def set_native_log_sink(path: str | os.PathLike[str]) -> None:
    """Send native chatter to this file instead of /dev/null (the app's log file)."""
    global _SINK_PATH
    _SINK_PATH = os.fspath(path)


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Redirect fd 2 to the sink while any thread is inside such a block (nesting-safe)."""
    global _depth, _saved_fd
    if os.environ.get("PHOTOCOMPARE_DEBUG_NATIVE"):
        yield
        return
    with _lock:
        if _depth == 0:
            try:
                sys.stderr.flush()
                _saved_fd = os.dup(2)
                with open(_SINK_PATH, "ab") as sink:
                    os.dup2(sink.fileno(), 2)
            except (OSError, ValueError):
                _saved_fd = None
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved_fd is not None:
                try:
                    sys.stderr.flush()
                except (OSError, ValueError):
                    pass
                os.dup2(_saved_fd, 2)
                os.close(_saved_fd)
                _saved_fd = None


def drop_cv2_qt_environment() -> None:
    """opencv-contrib's cv2 points Qt at its bundled Qt 5; remove that before Qt 6 starts."""
    for name in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        os.environ.pop(name, None)
