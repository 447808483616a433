"""Starting the app: the gui command and its options, the demo start (logs name no patient), no
display said in one line, a server library with the store folder from the settings, review mode
for the current patient only, unexpected errors as a readable message in the log, and the
window's geometry remembered."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
import subprocess
import sys

from PySide6.QtWidgets import QMessageBox  # noqa: E402

from photocompare.ui.main_window import MainWindow  # noqa: E402
from photocompare.ui.settings_store import SettingsStore  # noqa: E402


@pytest.mark.parametrize("extra", [[], ["--review", "DEMO-001"]], ids=["main-window", "review-mode"])
def test_the_gui_command_starts_the_demo_and_logs_without_patient_names(tmp_path, extra):
    import os
    import sys

    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        PHOTOCOMPARE_EXIT_AFTER_MS="1500",
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        HOME=str(tmp_path),
    )
    env.pop("PHOTOCOMPARE_LIBRARY", None)
    proc = subprocess.run(
        [sys.executable, "-m", "photocompare", "gui", "--demo", *extra],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    logs = list((tmp_path / "state").rglob("photocompare.log"))
    assert logs, "the app writes a log file for support"
    text = logs[0].read_text()
    assert "starting" in text and "patient" in text
    assert "Demo Patient" not in text, "patient names never go to the log"
    assert list((tmp_path / "data").rglob("library.sqlite3")), "the demo lives in the per-user data dir"


def test_review_mode_opens_for_the_current_patient_only(qtbot, demo_window):
    w = demo_window
    assert w.review_action.isEnabled()
    review = w.open_review_mode()
    assert review is not None
    qtbot.addWidget(review)
    assert review.patient.external_id == "DEMO-001"
    assert w.tabs.indexOf(w.migraine_panel) >= 0


def test_unexpected_errors_show_a_readable_message_and_go_to_the_log(qtbot, tmp_path, monkeypatch):
    import logging
    import sys

    from photocompare.core import quiet
    from photocompare.ui import app as app_module

    monkeypatch.setattr(quiet, "_SINK_PATH", quiet._SINK_PATH)
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(self.text()) or 0)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    log_file = app_module.setup_logging(tmp_path / "logs")
    app_module.install_exception_hook(log_file)
    try:
        raise ZeroDivisionError("division by zero in a slot")
    except ZeroDivisionError:
        sys.excepthook(*sys.exc_info())
    for h in logging.getLogger().handlers:
        h.flush()
    assert shown and "Traceback" not in shown[0] and str(log_file) in shown[0]
    assert "ZeroDivisionError" in log_file.read_text()
    from photocompare.core.errors import UnreadablePhoto

    try:
        raise UnreadablePhoto("/x/IMG_1.jpg", "file ends early")
    except UnreadablePhoto:
        sys.excepthook(*sys.exc_info())
    assert shown[-1] == "IMG_1.jpg: file ends early"
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "baseFilename", None) == str(log_file):
            root.removeHandler(h)
            h.close()


def test_window_geometry_is_remembered(qtbot, library, tmp_path, analysis):
    store = SettingsStore.at_path(tmp_path / "geometry.ini")
    first = MainWindow(library, store, analysis, warm_up_analysis=False)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.resize(first.width(), 560)  # the offscreen screen is 800 x 600: check the height
    qtbot.waitUntil(lambda: first.height() == 560)
    first.inspector_dock.hide()
    first.close()
    assert store.window_geometry() is not None
    first.shutdown()
    second = MainWindow(library, SettingsStore.at_path(tmp_path / "geometry.ini"), analysis, warm_up_analysis=False)
    qtbot.addWidget(second)
    assert second.height() == 560
    assert second.inspector_dock.isHidden(), "dock layout (window state) is restored too"
    second.shutdown()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland check is Linux-only")
def test_gui_without_a_display_says_so_in_one_line():
    """On Linux with no X11/Wayland display and no QT_QPA_PLATFORM, one line and exit 2 (no abort)."""
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run(
        [sys.executable, "-m", "photocompare", "gui", "--demo"],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display found" in lines[0]


def test_gui_command_is_registered_with_its_options():
    from photocompare.cli import build_parser

    args = build_parser().parse_args(["gui", "--library", "/tmp/x", "--demo", "--review", "DEMO-001"])
    assert (args.library, args.demo, args.review, args.store) == ("/tmp/x", True, "DEMO-001", None)


def test_the_gui_opens_a_url_library_with_the_store_folder_from_settings(tmp_path, monkeypatch):
    from photocompare.ui.app import open_library

    monkeypatch.delenv("PHOTOCOMPARE_STORE", raising=False)
    monkeypatch.delenv("PHOTOCOMPARE_LIBRARY", raising=False)
    settings = SettingsStore.at_path(tmp_path / "settings.ini")
    settings.set_store_location(str(tmp_path / "shared-store"))
    url = f"sqlite:///{tmp_path / 'server' / 'library.sqlite3'}"
    (tmp_path / "server").mkdir()
    lib = open_library(url, None, False, settings)
    try:
        assert Path(lib.store.root) == tmp_path / "shared-store"
    finally:
        lib.close()
    folder_lib = open_library(str(tmp_path / "folder"), None, False, settings)
    try:  # a folder library keeps its own store
        assert Path(folder_lib.store.root) == tmp_path / "folder" / "store"
    finally:
        folder_lib.close()
