"""Export and print of the comparison sheet from the compare view.

Both ask first what the sheet is for (the use decides whose consent is needed), check consent
and build the sheet's data on a worker, and record what left the library in the audit log. A
refusal for lack of consent offers to record consent right there; once it is recorded, the
same export (file name, use, paper) goes on by itself. The export dialog and the printer
dialog are collaborators (`run_dialog`, `choose_printer`) with defaults, so the flow can be
driven without a person at the screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QMessageBox, QWidget

from photocompare.core.errors import ConsentMissing, PhotoCompareError
from photocompare.core.pair_pictures import PairPictures
from photocompare.export import sheet
from photocompare.export.deidentify import suggested_filename
from photocompare.export.sheet_data import SheetData
from photocompare.library import api as la
from photocompare.library import consent as consent_gate
from photocompare.library import course_repo
from photocompare.ui.audit_flow import AuditTrail
from photocompare.ui.compare_view import PairContext
from photocompare.ui.export_dialog import ExportDialog, ExportOptions
from photocompare.ui.messages import open_warning, user_message
from photocompare.ui.settings_store import SettingsStore, SheetDefaults
from photocompare.ui.workers import Task, TaskContext, run_task

if TYPE_CHECKING:
    from photocompare.library.db import Library

log = logging.getLogger(__name__)

PrinterChooser = Callable[[QPrinter, QWidget], bool]
DialogRunner = Callable[[ExportDialog], bool]  # shows the export dialog; True when accepted
ConsentOpener = Callable[[list[la.PhotoRow], str], object]
StatusReporter = Callable[[str, int], None]


def ask_printer(printer: QPrinter, parent: QWidget) -> bool:
    """The system print dialog; True when the user chose to print."""
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print comparison sheet")
    return dialog.exec() == QPrintDialog.DialogCode.Accepted


def exec_export_dialog(dialog: ExportDialog) -> bool:
    """The export dialog, modal; True when the user chose to go ahead."""
    return dialog.exec() == ExportDialog.DialogCode.Accepted


def export_names(context: PairContext, extension: str) -> tuple[str, str]:
    """Suggested file names: identified and de-identified (never a name in the latter)."""
    patient = context.patient
    ext_id = patient.external_id if patient else None
    name = patient.display_name if patient else None
    on = context.after.taken_at
    return (
        suggested_filename("sheet", extension, patient_id=ext_id, patient_name=name, on=on),
        suggested_filename("sheet", extension, patient_id=ext_id, deidentify=True, on=on),
    )


def build_sheet(
    library: Library, context: PairContext, pics: PairPictures, options: ExportOptions, defaults: SheetDefaults
) -> SheetData:
    """Worker side: the consent gate first (a refusal is audited by library.consent), then the
    sheet's data, with the clinic logo and the clinician's notes on the periods shown."""
    consent_gate.require_consent(library, [context.before.id, context.after.id], options.use)
    patient = context.patient
    before = context.before
    notes = course_repo.load_notes(library, patient.id) if patient is not None else {}
    return sheet.build_sheet_data(
        pics.result,
        context.course_report,
        before_path=before.path,
        after_path=context.after.path,
        patient_id=patient.external_id if patient else None,
        patient_name=None if options.deidentify or patient is None else patient.display_name,
        deidentify=options.deidentify,
        view_label=" / ".join(x for x in (before.view_label, before.expression_label) if x) or None,
        clinic_name=defaults.clinic_name,
        clinic_logo=defaults.logo_path or None,
        clinician=defaults.clinician_name,
        period_notes=notes,
        before_taken_at=before.taken_at,
        after_taken_at=context.after.taken_at,
    )


class SheetExport(QObject):
    """Export (PDF/PNG) and print of the analysed pair; `finished` carries the written path(s)
    or the printer name, the exception, or None when printing was cancelled."""

    finished = Signal(object)

    def __init__(
        self,
        library: Library,
        settings_store: SettingsStore,
        audit_trail: AuditTrail,
        parent: QWidget,
        report_status: StatusReporter,
        open_consent: ConsentOpener,
        choose_printer: PrinterChooser = ask_printer,
        run_dialog: DialogRunner = exec_export_dialog,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.settings_store = settings_store
        self.audit_trail = audit_trail
        self.parent_widget = parent
        self.report_status = report_status
        self.open_consent = open_consent
        self.choose_printer = choose_printer
        self.run_dialog = run_dialog
        self.printer: QPrinter | None = None  # kept alive until the print worker is done
        self.retry_task: Task | None = None  # the export re-run after consent was recorded

    def _ready(self, context: PairContext | None, pics: PairPictures | None) -> bool:
        """Whether the pair can make a sheet; if not, the user is told why."""
        if context is None or pics is None:
            self.report_status("Open a pair in the compare view first.", 5000)
            return False
        if pics.result is None:
            QMessageBox.information(
                self.parent_widget, "Export",
                "This pair has no consistency checks, so no sheet can be made. " + pics.note,
            )
            return False
        return True

    def export(self, context: PairContext | None, pics: PairPictures | None) -> Task | None:
        """Ask what the export is for, then write the sheet (consent checked, audited)."""
        if not self._ready(context, pics):
            return None
        named, anonymous = export_names(context, "pdf")
        dialog = ExportDialog(
            named,
            self.settings_store.last_import_dir(),
            self.settings_store.sheet_defaults().paper,
            suggested_deidentified_name=anonymous,
            parent=self.parent_widget,
        )
        if not self.run_dialog(dialog):
            return None
        options = dialog.options()
        return self.run(context, pics, options.path, options)

    def print(self, context: PairContext | None, pics: PairPictures | None) -> Task | None:
        """Ask what the print is for, check consent, then print through the printer chooser."""
        if not self._ready(context, pics):
            return None
        paper = self.settings_store.sheet_defaults().paper
        dialog = ExportDialog(paper=paper, for_print=True, parent=self.parent_widget)
        if not self.run_dialog(dialog):
            return None
        return self.run(context, pics, "", dialog.options())

    def run(
        self, context: PairContext, pics: PairPictures, out: str, options: ExportOptions | None = None
    ) -> Task:
        """Consent check and rendering on a worker; a refusal or failure shows a message box;
        a written sheet is recorded in the audit log. `options.fmt == "print"` prints instead
        (printer chooser on the GUI thread, rendering on a worker)."""
        defaults = self.settings_store.sheet_defaults()  # read here: QSettings stays on this thread
        if options is None:
            fmt = "png" if out.lower().endswith(".png") else "pdf"
            options = ExportOptions(paper=defaults.paper.lower(), fmt=fmt, path=out)
        paper = options.paper.lower()
        library = self.library
        patient = context.patient

        def work(_ctx: TaskContext) -> SheetData | object:
            data = build_sheet(library, context, pics, options, defaults)
            if options.fmt == "print":
                return data
            if options.fmt == "png":
                return sheet.render_png(data, out, paper=paper)
            return sheet.render_pdf(data, out, paper=paper)

        def done(result: object) -> None:
            if options.fmt == "print":
                self._print_data(context, result, options)
                return
            written = result if isinstance(result, list) else [result]
            self._audit(context, options, [Path(str(p)).name for p in written])
            self.report_status(f"Sheet written: {out}", 8000)
            log.info("sheet written for patient %s", patient.id if patient else "?")
            self.finished.emit(result)

        def failed(exc: BaseException) -> None:
            self.report_status("", 0)  # no longer "writing the sheet…"
            self.finished.emit(exc)
            if isinstance(exc, ConsentMissing):
                box = open_warning(
                    self.parent_widget,
                    "Export refused: no consent",
                    f"This sheet is not written: the patient has not consented to these photos being used "
                    f"for {options.use_label}.\n\n{exc}\n\nIf the patient has agreed, choose Record "
                    "consent…: once it is recorded the sheet is written as you chose. Otherwise export "
                    "again for the use they agreed to.",
                )
                record = box.addButton("Record consent…", QMessageBox.ButtonRole.ActionRole)
                record.clicked.connect(lambda: self.record_consent_and_retry(context, pics, out, options))
                return
            if not isinstance(exc, PhotoCompareError):
                log.error("sheet export failed: %s", exc, exc_info=exc)
            open_warning(self.parent_widget, "The sheet could not be written", user_message(exc))

        self.report_status("Checking consent and writing the sheet…", 0)
        return run_task(work, on_done=done, on_error=failed)

    def record_consent_and_retry(
        self, context: PairContext, pics: PairPictures, out: str, options: ExportOptions
    ) -> Task | None:
        """The refusal's "Record consent…": the consent dialog; if the use is now consented
        for both photos, the same export goes on (same file, paper and use) — no second trip
        through the export dialog, nothing typed twice."""
        pair = [context.before, context.after]
        self.open_consent(pair, options.use)
        if consent_gate.missing_consent(self.library, [p.id for p in pair], options.use):
            self.report_status(
                f"No consent for {options.use_label} recorded: the sheet was not written.", 8000)
            self.retry_task = None
            return None
        what = "printing" if options.fmt == "print" else f"writing {Path(out).name}"
        self.report_status(f"Consent recorded: {what}…", 0)
        self.retry_task = self.run(context, pics, out, options)
        return self.retry_task

    def _audit(self, context: PairContext, options: ExportOptions, files: list[str]) -> Task | None:
        patient = context.patient
        return self.audit_trail.record(
            "SHEET_EXPORTED",
            patient.id if patient else None,
            patient.external_id if patient else None,
            {
                "files": files,
                "format": options.fmt,
                "paper": options.paper,
                "photo_ids": [context.before.id, context.after.id],
                "use": options.use,
                "deidentified": options.deidentify,
            },
        )

    def _print_data(self, context: PairContext, data: SheetData, options: ExportOptions) -> Task | None:
        """GUI thread: the printer chooser; then the printing on a worker, audited."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        size = QPageSize.PageSizeId.Letter if options.paper == "letter" else QPageSize.PageSizeId.A4
        printer.setPageSize(QPageSize(size))
        if not self.choose_printer(printer, self.parent_widget):
            self.report_status("Printing cancelled.", 4000)
            self.finished.emit(None)
            return None
        self.printer = printer

        def work(_ctx: TaskContext) -> str:
            sheet.print_sheets(data, printer)
            return printer.printerName() or printer.outputFileName() or "printer"

        def done(target: str) -> None:
            self._audit(context, options, [Path(str(target)).name])
            self.report_status("Sheet sent to the printer.", 8000)
            self.finished.emit(target)

        def failed(exc: BaseException) -> None:
            self.finished.emit(exc)
            open_warning(self.parent_widget, "The sheet could not be printed", user_message(exc))

        return run_task(work, on_done=done, on_error=failed)
