"""The audit log reads as sentences in the app; the CSV export keeps the recorded JSON."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from photocompare.library import audit, consent, course_repo, photo_edits
from photocompare.library.audit_words import sentence
from photocompare.library.db import Library
from photocompare.library.importer import import_paths


@pytest.fixture
def lib(tmp_path, exif_samples):
    library = Library.open(tmp_path / "lib", create=True)
    import_paths(library, [exif_samples / "jpg" / "Canon_40D.jpg"], "P-1")
    library.add_patient("P-2", "Erika Mustermann", None, "")
    yield library
    library.close()


def test_real_actions_read_as_sentences(lib, tmp_path):
    photo = lib.photos("P-1")[0]
    p1 = lib.get_patient("P-1")
    audit.record(lib, audit.PATIENT_OPENED, patient_id=p1.id, user="dr-a")
    consent.record_consent(lib, [photo.id], ["teaching"], user="dr-a")
    photo_edits.redate_photo(lib, photo.id, dt.date(2026, 8, 12), user="dr-a")
    photo_edits.move_photo(lib, photo.id, "P-2", user="dr-a")
    course_repo.save_diary_days(lib, "P-1", [], user="dr-a")
    audit.record(lib, audit.SHEET_EXPORTED, patient_id=p1.id, user="dr-a",
                 details={"files": ["p1.pdf"], "photo_ids": [photo.id], "use": "insurer",
                          "deidentified": True})
    audit.record(lib, audit.EXPORT_REFUSED, patient_id=p1.id, user="dr-a",
                 details={"use": "marketing", "photo_ids": [photo.id]})
    shown = [sentence(r) for r in audit.entries(lib)]
    pid = photo.id
    assert shown[0] == "dr-a opened the record of patient P-1."
    assert shown[1] == f"dr-a recorded consent for teaching for photo {pid} of patient P-1."
    assert shown[2] == (f"dr-a corrected the capture date of photo {pid} (Canon_40D.jpg) of "
                        "patient P-1 to 2026-08-12 15:56:01 (was 2008-05-30 15:56:01 from the camera).")
    assert shown[3] == shown[4] == (
        f"dr-a moved photo {pid} (Canon_40D.jpg) from patient P-1 to patient P-2; its consent "
        "for teaching was revoked.")
    assert shown[-2] == (f"dr-a exported a comparison sheet of patient P-1 to p1.pdf (photos {pid}) "
                         "for the insurer, de-identified.")
    assert shown[-1] == (f"dr-a was refused an export of patient P-1 for marketing: no consent "
                         f"for photos {pid}.")
    assert not any("{" in s or "Erika" in s for s in shown)

    # the CSV keeps the JSON details exactly as recorded
    out = tmp_path / "log.csv"
    audit.export_csv(lib, out)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[3]["details"].startswith("{") and '"to_patient": "P-2"' in rows[3]["details"]


def test_unknown_details_are_kept_not_dropped(lib):
    audit.record(lib, audit.LIBRARY_BACKED_UP, user="it",
                 details={"file": "b.zip", "originals": 3, "rows": {"photos": 3}, "extra": "x"})
    audit.record(lib, audit.PATIENT_OPENED, user="it", details="plain text")
    p1 = lib.get_patient("P-1")
    audit.record(lib, audit.REVIEW_PIN_REFUSED, patient_id=p1.id, user="it")
    audit.record(lib, audit.REVIEW_MODE_LEFT, patient_id=p1.id, user="it")
    backed, opened, refused, left = (sentence(r) for r in audit.entries(lib))
    assert refused == "it typed a wrong PIN to leave review mode of patient P-1."
    assert left == "it left review mode of patient P-1."
    assert backed == "it backed up the library to b.zip (3 originals) (extra: x)."
    assert opened == "it opened the record of a patient (text: plain text)."


def test_the_dialog_shows_sentences(qtbot, lib):
    from photocompare.ui.audit_view import SENTENCE_COLUMN, AuditDialog

    photo = lib.photos("P-1")[0]
    photo_edits.move_photo(lib, photo.id, "P-2", user="dr-a")
    dialog = AuditDialog(lib)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.loading, timeout=10_000)
    cell = dialog.table.item(0, SENTENCE_COLUMN)
    assert cell.text() == f"dr-a moved photo {photo.id} (Canon_40D.jpg) from patient P-1 to patient P-2."
    assert '"from_patient": "P-1"' in cell.toolTip()
