"""Finding patients by name or ID, the patient dialog, suggested before/after pairs without a
migraine course, and the demo library's patient, dated photos and course."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("pytestqt")

from photocompare.library import api as la  # noqa: E402
from photocompare.library.db import Library  # noqa: E402
from tests.ui.conftest import photo_row  # noqa: E402


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


def test_pairs_without_a_course_match_view_and_expression_first_date_vs_chosen():
    from photocompare.core.pair_suggest import suggest_pairs, targets

    d0, d1 = dt.date(2026, 1, 5), dt.date(2026, 4, 1)
    photos = [
        photo_row(1, d0), photo_row(2, d0, "left-oblique"), photo_row(3, d0, expr="frown"),
        photo_row(4, d1), photo_row(5, d1, "left-oblique"), photo_row(6, d1, "right-oblique"),
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
