"""What leaves the library is asked for, consented and audited: opening a patient and review mode
are audited once per change, the export dialog asks the use and suggests no name when
de-identified, export is refused without consent, the de-identified PDF has no name, printing
checks consent, and consent is recorded and withdrawn from the Patient menu."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget  # noqa: E402

from photocompare.core.analysis_service import AnalysisService  # noqa: E402
from photocompare.core.errors import ConsentMissing  # noqa: E402
from photocompare.demo import DEMO_PATIENT_ID, DEMO_PATIENT_NAME  # noqa: E402
from photocompare.library import api as la  # noqa: E402
from photocompare.library import audit, consent  # noqa: E402
from photocompare.ui.export_dialog import ExportDialog, ExportOptions  # noqa: E402
from tests.ui.conftest import wait_for_audits as _wait_audits  # noqa: E402


@pytest.fixture
def library(demo_library):
    return demo_library




@pytest.fixture
def window(make_window):
    return make_window()




def _open_pair(qtbot, w):
    assert w.select_patient_by_external_id(DEMO_PATIENT_ID)
    pairs = w.suggested_pairs()
    assert pairs, "the demo patient must offer a suggested pair"
    with qtbot.waitSignal(w.compare.pair_ready, timeout=60_000):
        w.open_pair(pairs[0].before, pairs[0].after)
    assert w.compare.pictures.result is not None
    return pairs[0]


@pytest.fixture(scope="module")
def analysis():
    service = AnalysisService()
    service.warm_up()
    yield service
    service.close()


def _demo_patient(library) -> la.PatientRow:
    row = la.find_patient(library, DEMO_PATIENT_ID)
    assert row is not None
    return row


def _shot(widget: QWidget, name: str, tmp_path: Path) -> Path:
    QApplication.processEvents()
    path = tmp_path / f"{name}.png"
    assert widget.grab().save(str(path))
    return path




def test_opening_a_patient_and_review_mode_are_audited_once_per_change(qtbot, window, library):
    demo = _demo_patient(library)
    other = la.save_patient(
        library, patient_id=None, external_id="AUD-2", display_name="Second Person", birth_year=None, notes=""
    )

    def opened(pid):
        return len(audit.entries(library, patient_id=pid, action=audit.PATIENT_OPENED))

    assert window.select_patient_by_external_id(DEMO_PATIENT_ID)
    window.show_patient(demo.id)  # the same patient again (a refresh): no second entry
    window.reload_patients(demo.id)
    _wait_audits(qtbot, window)
    assert opened(demo.id) == 1
    window.show_patient(other.id)
    window.show_patient(demo.id)
    _wait_audits(qtbot, window)
    assert (opened(demo.id), opened(other.id)) == (2, 1)
    review = window.open_review_mode()
    qtbot.addWidget(review)
    _wait_audits(qtbot, window)
    review.leave_with_pin("")
    entries = audit.entries(library, patient_id=demo.id, action=audit.REVIEW_MODE_ENTERED)
    assert len(entries) == 1 and entries[0].patient_external_id == DEMO_PATIENT_ID
    everything = " ".join(e.details for e in audit.entries(library))
    assert DEMO_PATIENT_NAME not in everything and "Second Person" not in everything

    # Library ▸ Audit log… opens the audit dialog, showing these entries
    assert window.audit_action.isEnabled()
    assert "Library" in [a.text().replace("&", "") for a in window.menuBar().actions()]
    window.audit_action.trigger()
    dialog = window.audit_trail.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.loading, timeout=10_000)
    assert {r.action for r in dialog.records} >= {audit.PATIENT_OPENED, audit.REVIEW_MODE_ENTERED}
    dialog.close()


def test_export_dialog_asks_the_use_and_never_suggests_a_name_when_deidentified(qtbot, tmp_path):
    dialog = ExportDialog(
        "sheet_Demo-Patient_ID-DEMO-001_2026-01-01.pdf", "/tmp/out", "Letter",
        suggested_deidentified_name="sheet_ID-DEMO-001_2026-01-01.pdf",
    )
    qtbot.addWidget(dialog)
    assert [dialog.use_box.itemData(i) for i in range(dialog.use_box.count())] == list(consent.USES)
    assert dialog.options().paper == "letter"
    dialog.deidentify_box.setChecked(True)
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("png"))
    dialog.use_box.setCurrentIndex(dialog.use_box.findData(consent.TEACHING))
    options = dialog.options()
    assert options == ExportOptions(
        consent.TEACHING, True, "letter", "png", "/tmp/out/sheet_ID-DEMO-001_2026-01-01.png"
    )
    assert "Demo" not in options.path
    dialog.show()
    qtbot.waitExposed(dialog)
    _shot(dialog, "export_dialog", tmp_path)


def test_export_is_refused_without_consent_and_deidentified_pdf_has_no_name(
    qtbot, make_window, library, tmp_path
):
    from pypdf import PdfReader

    out = tmp_path / "shared.pdf"
    suggested = []

    def answer(dialog):  # stands in for the user filling in the export dialog
        dialog.deidentify_box.setChecked(True)
        suggested.append(Path(dialog.path_edit.text()).name)
        dialog.set_options(ExportOptions(consent.PATIENT_SHARING, True, "letter", "pdf", str(out)))
        return True

    window = make_window(run_export_dialog=answer)
    pair = _open_pair(qtbot, window)
    _shot(window, "compare_view", tmp_path)
    ids = [pair.before.id, pair.after.id]
    demo = _demo_patient(library)

    # no consent for marketing: refused, nothing written, a clear message, the refusal audited
    refused = tmp_path / "refused.pdf"
    options = ExportOptions(consent.MARKETING, False, "a4", "pdf", str(refused))
    with qtbot.waitSignal(window.export_finished, timeout=30_000) as blocker:
        window.sheets.run(window.compare.context, window.compare.pictures, str(refused), options)
    assert isinstance(blocker.args[0], ConsentMissing)
    assert not refused.exists() and not list(tmp_path.glob("refused*"))
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1
    box = boxes[0]
    assert "consent" in box.windowTitle().lower() and "marketing" in box.text()
    box.close()
    assert audit.entries(library, action=audit.EXPORT_REFUSED)
    assert not audit.entries(library, action=audit.SHEET_EXPORTED)

    # consent for sharing with the patient: through the Export button and its dialog, a
    # de-identified PDF without the name, audited
    consent.record_consent(library, ids, [consent.PATIENT_SHARING])
    with qtbot.waitSignal(window.export_finished, timeout=60_000) as blocker:
        window.compare.export_button.click()
    assert not isinstance(blocker.args[0], BaseException), blocker.args[0]
    assert suggested and DEMO_PATIENT_ID in suggested[0] and "Demo" not in suggested[0]
    reader = PdfReader(str(out))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    assert DEMO_PATIENT_ID in text
    assert DEMO_PATIENT_NAME not in text and "Demo" not in text
    assert "Demo" not in str(reader.metadata or {})
    width_pt = float(reader.pages[0].mediabox.width)
    assert abs(width_pt - 612) < 2, "Letter paper"
    _wait_audits(qtbot, window)
    exported = audit.entries(library, action=audit.SHEET_EXPORTED)
    assert len(exported) == 1 and exported[0].patient_id == demo.id
    assert '"deidentified": true' in exported[0].details and consent.PATIENT_SHARING in exported[0].details
    assert "shared.pdf" in exported[0].details


def test_print_checks_consent_then_prints_through_the_print_dialog(qtbot, make_window, library, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    out = tmp_path / "printed.pdf"
    asked = []

    def fake_dialog(printer, _parent):  # stands in for QPrintDialog.exec(): "print to file", accepted
        asked.append(printer)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return True

    uses = []

    def answer(dialog):  # the print variant of the dialog: use, de-identify and paper only
        assert dialog.for_print and not dialog.path_edit.isVisibleTo(dialog)
        dialog.use_box.setCurrentIndex(dialog.use_box.findData(consent.CLINICAL_RECORD))
        uses.append(dialog.options())
        return True

    window = make_window(choose_printer=fake_dialog, run_export_dialog=answer)
    pair = _open_pair(qtbot, window)
    consent.record_consent(library, [pair.before.id, pair.after.id], [consent.CLINICAL_RECORD])
    with qtbot.waitSignal(window.export_finished, timeout=60_000) as blocker:
        window.compare.print_button.click()
    assert uses and uses[0].fmt == "print"
    assert not isinstance(blocker.args[0], BaseException), blocker.args[0]
    assert len(asked) == 1
    assert out.read_bytes()[:5] == b"%PDF-"
    _wait_audits(qtbot, window)
    exported = audit.entries(library, action=audit.SHEET_EXPORTED)
    assert len(exported) == 1 and '"format": "print"' in exported[0].details
