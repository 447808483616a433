"""A QGuiApplication for rendering when none exists (CLI, tests): offscreen, no display needed.

cv2 (opencv-contrib) points Qt at its bundled Qt 5 through environment variables; they are
dropped before Qt 6 starts. QtGui only: rendering sheets never needs QtWidgets.
"""

from __future__ import annotations

import sys

from photocompare.core.quiet import drop_cv2_qt_environment

_app = None  # keeps the application alive for the life of the process


def ensure_gui_application():
    """Return the running QGuiApplication (the app's, in the GUI) or start an offscreen one."""
    global _app
    drop_cv2_qt_environment()
    from PySide6.QtGui import QGuiApplication

    existing = QGuiApplication.instance()
    if existing is not None:
        return existing
    # Rendering never needs a screen: the command-line argument overrides any QT_QPA_PLATFORM.
    _app = QGuiApplication([sys.argv[0] if sys.argv else "photocompare", "-platform", "offscreen"])
    return _app
