"""Settings: the review PIN is stored as a salted hash, thresholds and sheet defaults round-trip,
the settings dialog refuses inconsistent limits and a mismatched PIN, and keeps an originals
store folder without pinning the library on OK alone."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")


from photocompare.settings import CheckThresholds  # noqa: E402
from photocompare.ui.settings_dialog import SettingsDialog  # noqa: E402
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


def test_settings_keep_an_originals_store_folder_and_ok_alone_does_not_pin_the_library(qtbot, tmp_path):
    ini = tmp_path / "settings.ini"
    store = SettingsStore.at_path(ini)
    dialog = SettingsDialog(store, current_library="/srv/lib")
    qtbot.addWidget(dialog)
    dialog.apply()
    assert not SettingsStore.at_path(ini).has_library_location(), "OK without a change must not pin the default"

    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    dialog.library_edit.setText("postgresql+psycopg://pc@db.clinic/photocompare")
    assert "store folder" in (dialog.validation_error() or "")
    dialog.store_edit.setText(str(tmp_path / "shared-store"))
    assert dialog.validation_error() is None
    dialog.apply()
    again = SettingsStore.at_path(ini)
    assert again.store_location() == str(tmp_path / "shared-store")
    reopened = SettingsDialog(again)
    qtbot.addWidget(reopened)
    assert reopened.store_edit.text() == str(tmp_path / "shared-store")
