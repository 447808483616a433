"""The audit-log dialog shows the entries, filters them and exports what it shows (headless)."""

from __future__ import annotations

import csv

from photocompare.library import audit
from photocompare.library.db import Library


def test_audit_dialog_lists_filters_and_exports(qtbot, tmp_path):
    from photocompare.ui.audit_view import AuditDialog

    lib = Library.open(tmp_path / "lib")
    p7 = lib.add_patient("P-7", "Erika Mustermann")
    p8 = lib.add_patient("P-8")
    audit.record(lib, audit.PATIENT_OPENED, patient_id=p7.id)
    audit.record(lib, audit.REVIEW_MODE_ENTERED, patient_id=p7.id)
    audit.record(lib, audit.SHEET_EXPORTED, patient_id=p8.id, details={"file": "p8.pdf"})
    try:
        dialog = AuditDialog(lib)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: not dialog.loading, timeout=10_000)
        assert dialog.table.rowCount() == 3
        cells = [dialog.table.item(r, 3).text() for r in range(3)]
        assert cells == [audit.PATIENT_OPENED, audit.REVIEW_MODE_ENTERED, audit.SHEET_EXPORTED]
        assert dialog.table.item(0, 4).text() == "P-7"
        assert dialog.table.item(0, 1).text() == audit.current_user()
        shot = tmp_path / "audit_dialog.png"
        dialog.grab().save(str(shot))
        assert shot.stat().st_size > 0

        dialog.action_box.setCurrentText(audit.SHEET_EXPORTED)
        qtbot.waitUntil(lambda: not dialog.loading and dialog.table.rowCount() == 1, timeout=10_000)
        assert "p8.pdf" in dialog.table.item(0, 6).text()

        dialog.action_box.setCurrentText("All actions")
        dialog.patient_edit.setText("P-7")
        dialog.reload()
        qtbot.waitUntil(lambda: not dialog.loading and dialog.table.rowCount() == 2, timeout=10_000)
        out = tmp_path / "shown.csv"
        assert dialog.export_to(out) == 2
        with open(out, newline="", encoding="utf-8") as fh:
            assert [r["action"] for r in csv.DictReader(fh)] == cells[:2]
        # names never shown: the table holds IDs only
        texts = [dialog.table.item(r, c).text() for r in range(2) for c in range(7)]
        assert not any("Erika" in t for t in texts)

        dialog.patient_edit.setText("P-404")
        dialog.reload()
        qtbot.waitUntil(lambda: not dialog.loading, timeout=10_000)
        assert dialog.table.rowCount() == 0 and "No patient P-404" in dialog.status.text()
    finally:
        lib.close()


def test_a_slow_older_reload_never_overwrites_a_newer_filter(qtbot, tmp_path, monkeypatch):
    """Two filters asked for in quick succession: the table shows the newest, whatever finishes last."""
    import time

    from photocompare.ui import audit_view
    from photocompare.ui.audit_view import AuditDialog

    lib = Library.open(tmp_path / "lib")
    p7 = lib.add_patient("P-7")
    p8 = lib.add_patient("P-8")
    audit.record(lib, audit.PATIENT_OPENED, patient_id=p7.id)
    audit.record(lib, audit.PATIENT_OPENED, patient_id=p8.id)
    real_entries = audit.entries

    def entries(target, patient_id=None, **kw):
        if patient_id is None:
            time.sleep(0.6)  # the unfiltered (older) request is the slow one
        return real_entries(target, patient_id=patient_id, **kw)

    monkeypatch.setattr(audit_view.audit, "entries", entries)
    try:
        dialog = AuditDialog(lib)  # starts the slow unfiltered load
        qtbot.addWidget(dialog)
        dialog.patient_edit.setText("P-7")
        dialog.reload()  # the newer, fast, filtered load
        qtbot.waitUntil(lambda: not dialog.loading, timeout=10_000)
        qtbot.wait(900)  # let the slow, older load finish too
        assert dialog.table.rowCount() == 1
        assert dialog.table.item(0, 4).text() == "P-7"
    finally:
        lib.close()
