"""Settings: the clinic logo for the sheet header, and where treatment-day photos belong."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QMessageBox

from photocompare.core.course import compute_course, period_for_date
from photocompare.core.course_figures import DiaryDay
from photocompare.ui.settings_dialog import SettingsDialog
from photocompare.ui.settings_store import SettingsStore


@pytest.fixture
def store(tmp_path):
    return SettingsStore.at_path(tmp_path / "settings.ini")


def test_clinic_logo_is_chosen_previewed_and_stored(qtbot, store, bad_images, tmp_path):
    logo = bad_images / "hopper.png"  # a real PNG
    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    assert dialog.logo_preview.text() == "No logo on the sheets."
    dialog.logo_edit.setText(str(logo))
    assert dialog.logo_preview.pixmap() is not None and not dialog.logo_preview.pixmap().isNull()
    assert dialog.validation_error() is None
    dialog.apply()
    assert store.sheet_defaults().logo_path == str(logo)
    # a new dialog shows the stored logo; "No logo" clears it
    again = SettingsDialog(SettingsStore.at_path(tmp_path / "settings.ini"))
    qtbot.addWidget(again)
    assert again.logo_edit.text() == str(logo)
    again.logo_edit.setText("")
    again.apply()
    assert store.sheet_defaults().logo_path == ""


@pytest.mark.parametrize(("name", "message"), [
    ("broken.png", "broken.png: the clinic logo is not a readable image"),
    ("no-such-logo.png", "no-such-logo.png: the clinic logo file was not found"),
])
def test_a_bad_logo_is_refused_with_one_sentence(qtbot, store, bad_images, monkeypatch, name, message):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    dialog.logo_edit.setText(str(bad_images / name))
    assert message in dialog.logo_preview.text()
    dialog.accept()
    assert shown and message in shown[0]
    assert store.sheet_defaults().logo_path == ""  # nothing stored


def test_logo_reaches_the_sheet_data(store, bad_images, pair_result_for_logo):
    from photocompare.export.sheet_data import build_sheet_data

    pair_result, images = pair_result_for_logo
    logo = str(bad_images / "hopper.png")
    store.set_sheet_defaults(store.sheet_defaults().__class__(logo_path=logo))
    data = build_sheet_data(pair_result, None, images=images,
                            clinic_logo=store.sheet_defaults().logo_path or None)
    assert data.clinic_logo == logo


@pytest.fixture
def pair_result_for_logo(astronaut_rgb):
    from types import SimpleNamespace

    from photocompare.export.pair_images import PairImages

    images = PairImages(before_rgb=astronaut_rgb, after_rgb=astronaut_rgb, aligned=False,
                        cropped=False, note=None)
    return SimpleNamespace(before=None, after=None, alignment=None, checks=(), consistent=None), images


def test_treatment_day_setting_is_stored_and_used(qtbot, store):
    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    assert dialog.treatment_day_combo.currentData() == "before"
    dialog.treatment_day_combo.setCurrentIndex(dialog.treatment_day_combo.findData("after"))
    dialog.apply()
    course = store.course_settings()
    assert course.treatment_day_photo_period == "after"
    assert store.settings().course.treatment_day_photo_period == "after"
    days = [DiaryDay(dt.date(2026, 1, 1) + dt.timedelta(days=i), headache=True) for i in range(40)]
    report = compute_course(days, [], [dt.date(2026, 1, 29)], settings=course)
    assert period_for_date(report, dt.date(2026, 1, 29)).label == "cycle 1"
    dialog.treatment_day_combo.setCurrentIndex(dialog.treatment_day_combo.findData("before"))
    dialog.apply()
    assert store.course_settings().treatment_day_photo_period == "before"
