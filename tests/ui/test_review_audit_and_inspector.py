"""Small losses: leaving review mode and every wrong PIN typed to leave are in the audit log;
review mode's sentence shows a change as the table does (never "50 % fewer" for −49.96 %);
the photo inspector comes back after the app was closed on the Compare tab. Real library."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("pytestqt")

from photocompare.library import audit  # noqa: E402
from photocompare.ui.main_window import MainWindow  # noqa: E402
from photocompare.ui.review_mode import summary_sentence  # noqa: E402
from photocompare.ui.settings_store import SettingsStore  # noqa: E402
from tests.ui.migraine_helpers import make_library  # noqa: E402


@pytest.fixture
def course(tmp_path):
    lib, pid = make_library(tmp_path)
    yield lib, pid
    lib.close()


def _window(qtbot, lib, settings):
    w = MainWindow(lib, settings, warm_up_analysis=False, suggest_labels_after_import=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _done(qtbot, w):
    qtbot.waitUntil(lambda: not w.audit_trail.tasks, timeout=10_000)
    w.close()
    w.shutdown()


def test_wrong_pins_and_leaving_review_mode_are_audited(qtbot, course, tmp_path):
    lib, pid = course
    settings = SettingsStore.at_path(tmp_path / "settings.ini")
    settings.set_review_pin("2468")
    w = _window(qtbot, lib, settings)
    assert w.select_patient_by_external_id("P-001")
    review = w.open_review_mode()
    qtbot.addWidget(review)
    assert not review.leave_with_pin("1111") and not review.leave_with_pin("")
    assert review.isVisible() and not w.isVisible()
    assert review.leave_with_pin("2468")
    qtbot.waitUntil(lambda: not w.audit_trail.tasks, timeout=10_000)
    actions = [e.action for e in audit.entries(lib, patient_id=pid)
               if e.action.startswith("review")]
    assert actions == [audit.REVIEW_MODE_ENTERED, audit.REVIEW_PIN_REFUSED, audit.REVIEW_PIN_REFUSED,
                       audit.REVIEW_MODE_LEFT]
    assert all("2468" not in e.details and "1111" not in e.details for e in audit.entries(lib))
    assert w.isVisible()
    _done(qtbot, w)


def test_review_sentence_rounds_as_the_table_does():
    base = SimpleNamespace(label="baseline", headache_days_per_28=14.0, headache_change_pct=None)
    cycle = SimpleNamespace(label="cycle 1", headache_days_per_28=7.0056, headache_change_pct=-49.96)
    report = SimpleNamespace(periods=[base, cycle])
    assert summary_sentence(report, cycle) == "Headache days went from 14 to 7 per 28 days — 49.9 % fewer."
    flat = SimpleNamespace(label="cycle 2", headache_days_per_28=14.0, headache_change_pct=0.3)
    assert summary_sentence(SimpleNamespace(periods=[base, flat]), flat).endswith("about the same.")


def test_the_inspector_comes_back_after_closing_on_the_compare_tab(qtbot, course, tmp_path):
    lib, _pid = course
    ini = tmp_path / "settings.ini"
    w = _window(qtbot, lib, SettingsStore.at_path(ini))
    assert w.inspector_dock.isVisible()
    w.tabs.setCurrentWidget(w.compare)
    assert not w.inspector_dock.isVisible()  # it gives its room to the compare view
    _done(qtbot, w)

    again = _window(qtbot, lib, SettingsStore.at_path(ini))
    assert again.tabs.currentWidget() is again.photos_page
    assert again.inspector_dock.isVisible()
    # closed by the user on the Photos tab: stays closed next time
    again.inspector_dock.close()
    _done(qtbot, again)
    third = _window(qtbot, lib, SettingsStore.at_path(ini))
    assert not third.inspector_dock.isVisible()
    third.tabs.setCurrentWidget(third.compare)
    third.tabs.setCurrentWidget(third.photos_page)
    assert not third.inspector_dock.isVisible()
    _done(qtbot, third)
