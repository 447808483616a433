"""The payer-report dialog and the payer editors, headless (pytest-qt): what is saved goes through
payer_repo with history; the preview is the PDF's pages; missing data disables Save/Print."""

from __future__ import annotations

import datetime as dt

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate

from photocompare.library import audit, payer_repo
from photocompare.library import course_repo as crepo
from photocompare.settings import Prescriber
from photocompare.ui.payer_editors import (
    DiagnosisDialog,
    PayerDialog,
    PreventiveDialog,
    PreventiveHistoryDialog,
)
from photocompare.ui.payer_report_dialog import PayerReportDialog
from tests import payer_scenarios as sc


@pytest.fixture
def patient(library):
    """P-200 with the hand-computed responder course in the library; returns its internal id."""
    inputs = sc.responder_30_not_50()
    pid = library.add_patient("P-200", display_name="Anna Beispiel", birth_year=1975).id
    crepo.save_diary_days(library, pid, inputs.diary)
    for t in inputs.treatments:
        crepo.save_treatment(library, pid, t)
    for q in inputs.questionnaires:
        crepo.save_questionnaire(library, pid, q)
    return pid


def test_report_dialog_switches_profile_and_saves_an_audited_pdf(qtbot, library, patient,
                                                                 tmp_path):
    dialog = PayerReportDialog(library, patient, Prescriber(name="Dr. Eva Kopf",
                                                            specialty="Neurology",
                                                            provider_id="LANR 123456789"))
    qtbot.addWidget(dialog)
    assert dialog.kind.currentData() == "renewal"  # treatments exist
    assert dialog.report.met is True and "criteria met" in dialog.status.text()
    assert not dialog.pages.pixmap().isNull() and dialog.page_count in (1, 2)
    assert [dialog.period.itemText(i) for i in range(dialog.period.count())][1:] == [
        "cycle 1", "cycle 2"]
    dialog.profile.setCurrentIndex(dialog.profile.findData("ahs"))
    dialog.refresh()
    assert dialog.report.profile.key == "ahs" and dialog.report.met is False
    dialog.period.setCurrentIndex(dialog.period.findData("cycle 1"))
    assert dialog.report.assessment.label == "cycle 1"
    out = dialog.save_pdf(tmp_path / "report.pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(str(out)).pages).split())
    assert "American Headache Society" in text and "Dr. Eva Kopf, Neurology" in text
    assert "LANR 123456789" in text and "cycle 1 (assessed)" in text
    entries = audit.entries(library, action=audit.PAYER_REPORT_EXPORTED)
    assert len(entries) == 1 and '"profile": "ahs"' in entries[0].details


def test_report_dialog_with_missing_data_says_what_and_disables_output(qtbot, library):
    pid = library.add_patient("P-201", display_name="Otto Leer").id
    dialog = PayerReportDialog(library, pid)
    qtbot.addWidget(dialog)
    assert dialog.kind.currentData() == "initial"
    assert "no diary days or monthly summaries" in dialog.status.text()
    assert not dialog.save_button.isEnabled() and not dialog.print_button.isEnabled()


def test_toml_profile_from_a_file(qtbot, library, patient, tmp_path):
    path = tmp_path / "acme.toml"
    path.write_text('name = "Acme Health"\nsource = "Acme MP-7"\nthreshold_pct = 40\n'
                    'measure = "migraine_days"\nafter_cycles = 2\n', encoding="utf-8")
    dialog = PayerReportDialog(library, patient)
    qtbot.addWidget(dialog)
    dialog.set_profile_file(str(path))
    assert dialog.report.profile.name == "Acme Health" and dialog.report.met is True
    path.write_text("name = 1\n", encoding="utf-8")
    dialog.refresh()
    assert dialog.report is None and "acme.toml" in dialog.status.text()


def test_editors_save_through_the_repository_with_history(qtbot, library, patient):
    d = DiagnosisDialog(library, patient)
    qtbot.addWidget(d)
    d.code.setText("G43.709")
    d.has_onset.setChecked(True)
    d.onset.setDate(QDate(2015, 5, 1))
    d._try_save()
    assert d.result() == d.DialogCode.Accepted
    assert payer_repo.get_diagnosis(library, patient).value.onset_date == dt.date(2015, 5, 1)

    bad = DiagnosisDialog(library, patient)
    qtbot.addWidget(bad)
    bad.code.setText("headache")
    bad._try_save()
    assert "does not look like one" in bad.error.text()
    assert payer_repo.get_diagnosis(library, patient).value.icd10_code == "G43.709"

    p = PayerDialog(library, patient)
    qtbot.addWidget(p)
    p.name.setText("AOK Bayern")
    p.member_id.setText("A123456789")
    p._try_save()
    assert payer_repo.get_payer(library, patient).value.member_id == "A123456789"

    entry = PreventiveDialog(library, patient)
    qtbot.addWidget(entry)
    entry.drug.setText("Topiramate")
    entry.drug_class.setCurrentIndex(entry.drug_class.findData("antiepileptic"))
    entry.start.setDate(QDate(2022, 1, 1))
    entry.has_stop.setChecked(True)
    entry.stop.setDate(QDate(2022, 3, 31))
    entry.outcome.setCurrentIndex(entry.outcome.findData("ineffective"))
    entry._try_save()
    history = PreventiveHistoryDialog(library, patient)
    qtbot.addWidget(history)
    assert history.table.rowCount() == 1
    assert history.table.item(0, 0).text() == "Topiramate"
    assert history.table.item(0, 4).text() == "2022-03-31"
    history.table.selectRow(0)
    history.delete_selected(confirm=False)
    assert history.table.rowCount() == 0 and history.changed
    actions = [h.action for h in crepo.history(library, patient, table="payer_preventives")]
    assert actions == ["insert", "delete"]


def test_prescriber_round_trips_through_the_settings_store(tmp_path, qapp):
    from photocompare.ui.settings_store import SettingsStore

    store = SettingsStore.at_path(tmp_path / "s.ini")
    assert store.prescriber() == Prescriber()
    chosen = Prescriber("Dr. Eva Kopf", "Neurology", "LANR 123456789",
                        "Kopfschmerzzentrum\nHauptstr. 1\n80331 München", str(tmp_path / "l.png"))
    store.set_prescriber(chosen)
    store.sync()
    again = SettingsStore.at_path(tmp_path / "s.ini")
    assert again.prescriber() == chosen
    assert again.settings().prescriber == chosen
    again.set_prescriber(Prescriber())
    assert again.prescriber() == Prescriber()


def test_prescriber_dialog_refuses_a_missing_logo_and_stores_the_rest(qtbot, tmp_path,
                                                                      astronaut_jpeg):
    from photocompare.ui.payer_editors import PrescriberDialog
    from photocompare.ui.settings_store import SettingsStore

    store = SettingsStore.at_path(tmp_path / "s.ini")
    dialog = PrescriberDialog(store)
    qtbot.addWidget(dialog)
    dialog.name.setText("Dr. Eva Kopf")
    dialog.provider_id.setText("LANR 123456789")
    dialog.address.setPlainText("Hauptstr. 1\n80331 München")
    dialog.logo.setText(str(tmp_path / "nope.png"))
    dialog._try_save()
    assert "nope.png: clinic logo not found" in dialog.error.text()
    assert store.prescriber() == Prescriber()
    dialog.logo.setText(str(astronaut_jpeg))
    dialog._try_save()
    assert store.prescriber() == Prescriber("Dr. Eva Kopf", "", "LANR 123456789",
                                            "Hauptstr. 1\n80331 München", str(astronaut_jpeg))
