"""Fixtures shared by the desktop-app tests (a module may override them with its own)."""

from __future__ import annotations

import shutil

import pytest

from photocompare.library.db import Library


@pytest.fixture(scope="module")
def analysis():
    """One face-analysis service per test module: the model is heavy to load."""
    from photocompare.core.analysis_service import AnalysisService

    service = AnalysisService()
    yield service
    service.close()


@pytest.fixture
def library(tmp_path):
    """An empty library in the test's own folder."""
    lib = Library.open(tmp_path / "lib")
    yield lib
    lib.close()


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory):
    """The demo library (patient DEMO-001), made once per test module."""
    from photocompare.demo import create_demo_library

    target = tmp_path_factory.mktemp("demo_master")
    create_demo_library(target)
    return target


@pytest.fixture
def demo_library(demo_master, tmp_path):
    """A private copy of the demo library: audit and consent rows of one test stay there."""
    target = tmp_path / "demo"
    shutil.copytree(demo_master, target)
    lib = Library.open(target)
    yield lib
    lib.close()


@pytest.fixture
def window(qtbot, library, tmp_path, analysis):
    """A shown main window on the test's empty `library`, with the app's own collaborators."""
    from photocompare.ui.main_window import MainWindow
    from photocompare.ui.settings_store import SettingsStore

    w = MainWindow(library, SettingsStore.at_path(tmp_path / "settings.ini"), analysis)
    qtbot.addWidget(w)
    w.resize(1500, 950)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()
    w.shutdown()


def quiet_window(qtbot, library, tmp_path, analysis=None):
    """A shown 1300×850 main window that neither warms the analysis up nor suggests labels
    after an import (tests that look at exactly what an import did). The caller closes it."""
    from photocompare.ui.main_window import MainWindow
    from photocompare.ui.settings_store import SettingsStore

    w = MainWindow(
        library,
        SettingsStore.at_path(tmp_path / "settings.ini"),
        analysis,
        suggest_labels_after_import=False,
        warm_up_analysis=False,
    )
    qtbot.addWidget(w)
    w.resize(1300, 850)
    w.show()
    qtbot.waitExposed(w)
    return w


def new_patient(window, external_id="P-1", name="Test Patient"):
    """Add a patient through the library API and open it in the window."""
    from photocompare.library import api as la

    row = la.save_patient(window.library, patient_id=None, external_id=external_id,
                          display_name=name, birth_year=None, notes="")
    window.reload_patients(row.id)
    assert window.patient is not None and window.patient.id == row.id
    return row


def run_import(qtbot, window, paths):
    """Import `paths` through the window and return the import's summary once it finished."""
    with qtbot.waitSignal(window.import_finished, timeout=60_000) as blocker:
        task = window.start_import(paths)
        assert task is not None
    return blocker.args[0]


def save_grab(widget, name, tmp_path):
    """Screenshot of `widget` saved as tmp_path/NAME.png; returns it as a QImage."""
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    pixmap = widget.grab()
    path = tmp_path / f"{name}.png"
    assert pixmap.save(str(path))
    return pixmap.toImage()


def not_blank(image) -> bool:
    """Whether a QImage shows something (not one flat colour)."""
    import numpy as np
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).copy()
    return arr.std() > 10


def photo_row(pid, day, view="frontal", expr="neutral"):
    """A library photo row (no file behind it) taken at 10:00 on `day`, for grid and pair tests."""
    import datetime as dt

    from photocompare.library import api as la

    return la.PhotoRow(
        id=pid, patient_id=1, sha256=f"{pid:064x}", original_name=f"{pid}.jpg",
        taken_at=dt.datetime.combine(day, dt.time(10)), date_source="exif", camera_make=None,
        camera_model=None, orientation=None, width=10, height=10, format="JPEG",
        view_label=view, expression_label=expr, note="", path="",
    )


def wait_for_audits(qtbot, window) -> None:
    """Until the window's audit entries (written on workers) are all in the library."""
    qtbot.waitUntil(lambda: not window.audit_trail.tasks, timeout=10_000)


@pytest.fixture
def make_window(qtbot, library, tmp_path, analysis):
    """A shown main window on the module's `library`; keyword arguments are its collaborators
    (e.g. `choose_printer`). Closed, its audits awaited and shut down after the test."""

    from photocompare.ui.main_window import MainWindow
    from photocompare.ui.settings_store import SettingsStore

    made = []

    def make(**collaborators):
        w = MainWindow(
            library, SettingsStore.at_path(tmp_path / "settings.ini"), analysis, warm_up_analysis=False,
            suggest_labels_after_import=False, **collaborators,
        )
        qtbot.addWidget(w)
        w.resize(1500, 950)
        w.show()
        qtbot.waitExposed(w)
        made.append(w)
        return w

    yield make
    for w in made:
        close_window(qtbot, w)


def close_window(qtbot, w) -> None:
    """End of a test: close the dialogs it left open and the window, wait for the window's
    audit entries, shut its workers down."""
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        if widget is not w and widget.isVisible():
            widget.close()
    w.close()
    wait_for_audits(qtbot, w)
    w.shutdown()


@pytest.fixture
def demo_window(qtbot, demo_master, tmp_path, analysis):
    """The main window on the shared demo library, patient DEMO-001 open."""
    from photocompare.ui.main_window import MainWindow
    from photocompare.ui.settings_store import SettingsStore

    lib = Library.open(demo_master)
    w = MainWindow(lib, SettingsStore.at_path(tmp_path / "settings.ini"), analysis)
    qtbot.addWidget(w)
    w.resize(1500, 950)
    w.show()
    qtbot.waitExposed(w)
    assert w.select_patient_by_external_id("DEMO-001")
    yield w
    w.close()
    w.shutdown()
    lib.close()


def open_demo_pair(qtbot, window):
    """Open the first suggested pair of the open patient and wait until it is shown."""
    pairs = window.suggested_pairs()
    assert pairs, "the demo patient must offer a suggested pair"
    with qtbot.waitSignal(window.compare.pair_ready, timeout=60_000):
        window.open_pair(pairs[0].before, pairs[0].after)
    return pairs[0]
