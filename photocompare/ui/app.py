"""Start the desktop app: environment, logging, QApplication, the main window.

Order matters: cv2 (imported by the face core) points Qt at its own Qt 5 plugins through
environment variables, so those are dropped *before* QApplication exists. Logs go to a file in
the per-user log directory (patients appear there by internal id only, never by name), and so
does MediaPipe's native chatter. An unexpected exception shows a short message a clinician can
act on — the traceback goes to the log file, never to a dialog.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from photocompare import APP_NAME, __version__
from photocompare.core import quiet
from photocompare.logs import configure_file_logging

log = logging.getLogger("photocompare.ui")
ROOT = Path(__file__).resolve().parents[2]


def setup_logging(directory: Path | None = None) -> Path:
    """Rotating log file for support (native libraries' chatter included); returns its path,
    or os.devnull when the log folder cannot be used and records go to stderr instead."""
    path = configure_file_logging(
        directory, level=logging.INFO, fallback_stream=sys.stderr, native_output=True
    )
    return path or Path(os.devnull)


def icon_path() -> Path | None:
    """The app icon that packaging puts in resources/icons, when present."""
    candidates = [ROOT / "resources" / "icons"]
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.insert(0, Path(frozen) / "resources" / "icons")
    for folder in candidates:
        for name in ("photocompare.svg", "photocompare.png", "app.svg", "app.png", "icon.png"):
            if (folder / name).is_file():
                return folder / name
        if folder.is_dir():
            found = sorted(folder.glob("*.png")) + sorted(folder.glob("*.svg"))
            if found:
                return found[-1]
    return None


def install_exception_hook(log_file: Path) -> None:
    """Unexpected errors: traceback to the log, a readable message box to the user."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        from PySide6.QtWidgets import QApplication, QMessageBox

        from photocompare.core.errors import PhotoCompareError

        if QApplication.instance() is None:
            return
        if isinstance(exc, PhotoCompareError):
            text = str(exc)
        else:
            text = (
                "PhotoCompare ran into a problem it did not expect and could not finish what "
                "you asked. Your photos and records are safe.\n\n"
                f"If it happens again, please send the log file to support:\n{log_file}"
            )
        box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, text)
        box.exec()

    sys.excepthook = hook


def open_library(location: str | None, store: str | None, demo: bool, settings):
    """The demo library (created on first use), the given one, or the one in settings."""
    from photocompare.library.db import Library, is_url

    if demo:
        from photocompare.demo import create_demo_library, default_demo_dir

        target = Path(location) if location else default_demo_dir()
        create_demo_library(target)
        return Library.open(target, store)
    if location is None and not os.environ.get("PHOTOCOMPARE_LIBRARY") and settings.has_library_location():
        location = settings.library_location()
    effective = location or os.environ.get("PHOTOCOMPARE_LIBRARY")
    if not store and not os.environ.get("PHOTOCOMPARE_STORE") and is_url(effective):
        # Settings ▸ Library ▸ Originals store folder: the shared folder a server library needs
        # (a folder library keeps its originals in its own store/)
        store = settings.store_location() or None
    return Library.open(location, store)


def missing_display() -> str | None:
    """Why the desktop app cannot open a window here (Linux without X11/Wayland), else None.

    Without this Qt aborts with a core dump and a paragraph about plugins; the user gets one
    line instead. An explicit QT_QPA_PLATFORM (e.g. offscreen for checks) is respected.
    """
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set): start the app from a "
        "desktop session, or set QT_QPA_PLATFORM=offscreen for a headless check"
    )


def ask_store_folder(settings) -> bool:
    """A server library opened without a store folder: offer to choose the shared folder of the
    originals (kept in Settings ▸ Library ▸ Originals store folder). True when one was chosen."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    answer = QMessageBox.question(
        None,
        APP_NAME,
        "This server library keeps its original photos in a shared folder, and none is set on "
        "this workstation.\n\nChoose the originals store folder now? (It is kept in Settings ▸ "
        "Library; `--store DIR` also sets it for one start.)",
    )
    if answer != QMessageBox.StandardButton.Yes:
        return False
    folder = QFileDialog.getExistingDirectory(None, "Originals store folder")
    if not folder:
        return False
    settings.set_store_location(folder)
    settings.sync()
    return True


def run_gui(library: str | None = None, store: str | None = None, demo: bool = False, review: str | None = None) -> int:
    quiet.drop_cv2_qt_environment()
    missing = missing_display()
    if missing:
        print(f"photocompare: {missing}", file=sys.stderr)
        return 2
    log_file = setup_logging()
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtGui import QGuiApplication, QIcon
    from PySide6.QtWidgets import QApplication, QMessageBox

    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    icon = icon_path()
    if icon is not None:
        qicon = QIcon()
        for size_png in sorted(icon.parent.glob("photocompare-*.png")):  # every size packaging made
            qicon.addFile(str(size_png))
        if qicon.isNull():
            qicon = QIcon(str(icon))
        app.setWindowIcon(qicon)
    install_exception_hook(log_file)
    log.info("PhotoCompare %s starting (demo=%s, review=%s)", __version__, demo, bool(review))

    from photocompare.core.errors import PhotoCompareError
    from photocompare.ui.main_window import MainWindow
    from photocompare.ui.settings_store import SettingsStore

    settings = SettingsStore()
    try:
        lib = open_library(library, store, demo, settings)
    except PhotoCompareError as exc:
        lib = None
        if "needs --store" in str(exc) and ask_store_folder(settings):
            try:  # the folder just chosen is in the settings now
                lib = open_library(library, store, demo, settings)
            except PhotoCompareError as again:
                exc = again
        if lib is None:
            QMessageBox.critical(None, APP_NAME, f"The library could not be opened.\n\n{exc}")
            return 2
    window = MainWindow(lib, settings)
    if review:
        if not window.select_patient_by_external_id(review):
            QMessageBox.critical(None, APP_NAME, f"There is no patient with the ID {review}.")
            return 2
        review_window = window.open_review_mode()
        if review_window is None:
            return 2
        # kiosk: only the review window; the app ends when the patient view is left
        review_window.left.connect(window.show)
        review_window.showFullScreen() if os.environ.get("PHOTOCOMPARE_KIOSK") else review_window.show()
    else:
        window.show()
        if demo:
            window.select_patient_by_external_id("DEMO-001")
    exit_after = os.environ.get("PHOTOCOMPARE_EXIT_AFTER_MS")  # smoke tests of the real start
    if exit_after:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(int(exit_after), app.quit)
    code = app.exec()
    window.shutdown()
    lib.close()
    log.info("PhotoCompare closed (exit %s)", code)
    return int(code)
