"""Smaller pieces of the desktop app: settings (PIN hash, thresholds), patient list search and
dialog, thumbnail loader, label suggestions, pair suggestions, the demo library, the CLI."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("pytestqt")

from photocompare.library.db import Library  # noqa: E402
from photocompare.settings import CheckThresholds  # noqa: E402
from photocompare.ui import library_access as la  # noqa: E402
from photocompare.ui.settings_store import SettingsStore, SheetDefaults  # noqa: E402


def test_review_pin_is_stored_as_a_salted_hash_never_the_pin(tmp_path, qapp):
    ini = tmp_path / "s.ini"
    store = SettingsStore.at_path(ini)
    assert store.check_review_pin("anything")  # no PIN set
    store.set_review_pin("4711")
    store.sync()
    assert "4711" not in ini.read_text()
    again = SettingsStore.at_path(ini)
    assert again.has_review_pin()
    assert again.check_review_pin("4711")
    assert not again.check_review_pin("4712")
    other = SettingsStore.at_path(tmp_path / "t.ini")
    other.set_review_pin("4711")
    assert other.qsettings.value("review/pin_hash") != again.qsettings.value("review/pin_hash")


def test_thresholds_and_sheet_defaults_round_trip(tmp_path, qapp):
    store = SettingsStore.at_path(tmp_path / "s.ini")
    assert store.thresholds() == CheckThresholds()
    changed = CheckThresholds(yaw_warn_deg=2.0, exposure_fail_ev=1.0)
    store.set_thresholds(changed)
    store.set_sheet_defaults(SheetDefaults("Headache Clinic", "Dr. Who", "Letter"))
    store.sync()
    again = SettingsStore.at_path(tmp_path / "s.ini")
    assert again.thresholds() == changed
    assert again.sheet_defaults() == SheetDefaults("Headache Clinic", "Dr. Who", "Letter")
    assert again.settings().checks == changed


def test_settings_dialog_refuses_inconsistent_limits_and_mismatched_pin(qtbot, tmp_path):
    from photocompare.ui.settings_dialog import SettingsDialog

    store = SettingsStore.at_path(tmp_path / "s.ini")
    dlg = SettingsDialog(store)
    qtbot.addWidget(dlg)
    assert dlg.validation_error() is None
    dlg.threshold_spins["yaw_warn_deg"].setValue(9.0)
    assert "warning" in dlg.validation_error()
    dlg.threshold_spins["yaw_warn_deg"].setValue(3.0)
    dlg.pin_edit.setText("1234")
    dlg.pin_repeat.setText("1235")
    assert "differ" in dlg.validation_error()
    dlg.pin_repeat.setText("1234")
    dlg.clinic_edit.setText("Migraine Clinic")
    dlg.accept()
    assert store.check_review_pin("1234") and not store.check_review_pin("0000")
    assert store.sheet_defaults().clinic_name == "Migraine Clinic"


def test_patient_search_by_name_or_id_and_the_patient_dialog(qtbot, tmp_path):
    from photocompare.ui.patient_list import PatientDialog, PatientList

    with Library.open(tmp_path / "lib") as lib:
        la.save_patient(lib, patient_id=None, external_id="MRN-7", display_name="Ada Lovelace", birth_year=1985, notes="")
        dlg = PatientDialog(lib)
        qtbot.addWidget(dlg)
        dlg.id_edit.setText("MRN-8")
        dlg.name_edit.setText("Charles Babbage")
        dlg.accept()
        assert dlg.saved is not None and dlg.saved.external_id == "MRN-8"
        clash = PatientDialog(lib, dlg.saved)
        qtbot.addWidget(clash)
        clash.id_edit.setText("MRN-7")
        with pytest.raises(Exception, match="already"):
            la.save_patient(lib, patient_id=dlg.saved.id, external_id="MRN-7", display_name="x", birth_year=None, notes="")
        plist = PatientList()
        qtbot.addWidget(plist)
        plist.set_patients(la.list_patients(lib))
        assert plist.proxy.rowCount() == 2
        plist.search.setText("lovel")
        assert plist.proxy.rowCount() == 1
        plist.search.setText("mrn-8")
        assert plist.proxy.rowCount() == 1
        with qtbot.waitSignal(plist.patient_selected) as sel:
            qtbot.keyClick(plist.search, "\r")
        assert sel.args[0] == dlg.saved.id


def test_thumbnail_loader_decodes_off_the_gui_thread_and_reports_bad_files(qtbot, astronaut_jpeg, tmp_path):
    import threading

    from photocompare.ui.thumbnail_loader import ThumbnailLoader, load_thumbnail_image

    threads = set()

    def load(key, path, size):
        threads.add(threading.current_thread())
        return load_thumbnail_image(key, path, size)

    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff garbage")
    loader = ThumbnailLoader(size=96, loader=load)
    assert loader.pixmap("good", str(astronaut_jpeg)) is None
    assert loader.pixmap("bad", str(bad)) is None
    qtbot.waitUntil(lambda: loader.pending() == 0, timeout=10_000)
    pm = loader.pixmap("good", str(astronaut_jpeg))
    assert pm is not None and max(pm.width(), pm.height()) == 96
    assert loader.failure("bad")
    assert threading.main_thread() not in threads


def _row(pid, day, view="frontal", expr="neutral"):
    return la.PhotoRow(
        id=pid, patient_id=1, sha256=f"{pid:064x}", original_name=f"{pid}.jpg",
        taken_at=dt.datetime.combine(day, dt.time(10)), date_source="exif", camera_make=None,
        camera_model=None, orientation=None, width=10, height=10, format="JPEG",
        view_label=view, expression_label=expr, note="", path="",
    )


def test_pairs_without_a_course_match_view_and_expression_first_date_vs_chosen():
    from photocompare.ui.pair_suggest import suggest_pairs, targets

    d0, d1 = dt.date(2026, 1, 5), dt.date(2026, 4, 1)
    photos = [
        _row(1, d0), _row(2, d0, "left-oblique"), _row(3, d0, expr="frown"),
        _row(4, d1), _row(5, d1, "left-oblique"), _row(6, d1, "right-oblique"),
    ]
    assert targets(photos, None) == [(d1.isoformat(), d1)]
    pairs = suggest_pairs(photos, None, d1)
    assert [(p.before.id, p.after.id) for p in pairs] == [(1, 4), (2, 5)]


def test_demo_library_has_the_demo_patient_dated_photos_and_course(tmp_path):
    from photocompare.demo import DEMO_PATIENT_ID, create_demo_library

    create_demo_library(tmp_path / "demo")
    create_demo_library(tmp_path / "demo")  # a second start leaves it as it is
    with Library.open(tmp_path / "demo") as lib:
        patient = la.find_patient(lib, DEMO_PATIENT_ID)
        assert patient is not None and patient.display_name == "Demo Patient"
        photos = la.list_photos(lib, patient.id)
        assert len(photos) == 5
        assert all(p.date_source == "exif" for p in photos)
        assert len({p.sha256 for p in photos}) == 5
        report = la.load_course_report(lib, patient.id)
        if report is not None:  # the course issue's demo data
            labels = {la.period_for(report, p.taken_date).label for p in photos}
            assert "baseline" in labels and "cycle 1" in labels


def test_gui_command_is_registered_with_its_options():
    from photocompare.cli import build_parser

    args = build_parser().parse_args(["gui", "--library", "/tmp/x", "--demo", "--review", "DEMO-001"])
    assert (args.library, args.demo, args.review, args.store) == ("/tmp/x", True, "DEMO-001", None)


def test_grid_with_1200_photos_decodes_only_what_is_visible(qtbot, astronaut_jpeg):
    import time

    from PySide6.QtWidgets import QApplication

    from photocompare.ui.photo_grid import PhotoGridModel, PhotoGridView
    from photocompare.ui.thumbnail_loader import ThumbnailLoader, load_thumbnail_image

    loader = ThumbnailLoader(size=96, loader=load_thumbnail_image)
    model = PhotoGridModel(loader)
    day = dt.date(2026, 1, 1)
    rows = [_row(i, day + dt.timedelta(days=i % 300)) for i in range(1, 1201)]
    rows = [la.PhotoRow(**{**r.__dict__, "path": str(astronaut_jpeg)}) for r in rows]
    model.set_photos(rows)
    view = PhotoGridView(model, 96)
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: loader.decoded > 0 and loader.pending() == 0, timeout=20_000)
    first = loader.decoded
    assert 0 < first < 150, f"only the visible cells are decoded, not {first}"
    worst = 0.0
    bar = view.verticalScrollBar()
    for step in range(1, 11):
        t = time.perf_counter()
        bar.setValue(bar.maximum() * step // 10)
        QApplication.processEvents()
        worst = max(worst, time.perf_counter() - t)
    assert worst < 0.25, f"scrolling stalled {worst * 1000:.0f} ms"
    qtbot.waitUntil(lambda: loader.pending() == 0, timeout=20_000)
    last = model.index(model.rowCount() - 1)
    assert loader.pixmap(rows[-1].sha256, rows[-1].path) is not None or view.visualRect(last).isEmpty()
    assert loader.decoded < 600
    loader.wait()


def test_signal_emit_does_not_release_references_it_does_not_own(qapp):
    """PySide6 6.12.0 on Python 3.11 dropped a reference to True on every Signal.emit(); after a
    few thousand emits (a long session, a thumbnail grid) the interpreter aborted. pyproject pins
    PySide6 below 6.12; this guards the pin."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        changed = Signal(int, int, str)

    e = Emitter()
    e.changed.connect(lambda *_: None)
    before = sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)
    for i in range(500):
        e.changed.emit(i, 500, "x")
    after = sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)
    assert all(abs(a - b) < 50 for a, b in zip(after, before, strict=True)), (before, after)


def test_difference_map_is_dark_for_identical_photos_and_ignores_uncovered_borders(astronaut_rgb):
    import numpy as np

    from photocompare.core.pair_pictures import difference_heatmap

    same = difference_heatmap(astronaut_rgb, astronaut_rgb.copy())
    darker = (astronaut_rgb * 0.6).astype(np.uint8)
    changed = difference_heatmap(astronaut_rgb, darker)
    assert changed.mean() > same.mean() + 20
    holed = darker.copy()
    holed[:, :40] = 0  # e.g. the black border left by warping the after photo
    valid = np.ones(astronaut_rgb.shape[:2], bool)
    valid[:, :40] = False
    masked = difference_heatmap(astronaut_rgb, holed, valid)
    assert masked[:, :30].mean() <= same[:, :30].mean() + 25
