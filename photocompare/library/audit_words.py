"""The audit log in sentences: "dr-a moved photo 12 (IMG_1.jpg) from patient P-1 to P-2."

The log stores each entry's details as JSON (kept as they are in the CSV export, for auditors and
scripts); a clinician reading the log in the app gets one plain sentence per entry instead. Only
ids, file names and codes appear — the log holds no names, so neither do the sentences. An
unknown action or detail is still shown (as "key: value"), never dropped.
"""

from __future__ import annotations

import json
from typing import Any

from photocompare.library import audit

_USE_WORDS = {
    "clinical_record": "the clinical record",
    "patient_sharing": "sharing with the patient",
    "insurer": "the insurer",
    "teaching": "teaching",
    "marketing": "marketing",
}


def details_of(record: audit.AuditRecord) -> dict[str, Any]:
    """The entry's details as a dict ({"text": ...} when they are not JSON)."""
    text = (record.details or "").strip()
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {"text": text}
    return data if isinstance(data, dict) else {"text": str(data)}


def _photo(record: audit.AuditRecord, d: dict[str, Any]) -> str:
    name = d.pop("file", None)
    if record.photo_id is None:
        return f"photo {name}" if name else "a photo"
    return f"photo {record.photo_id}" + (f" ({name})" if name else "")


def _patient(record: audit.AuditRecord) -> str:
    return f"patient {record.patient_external_id}" if record.patient_external_id else ""


def _list(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def _use(value: Any) -> str:
    return _USE_WORDS.get(str(value), str(value).replace("_", " "))


def _when(value: Any) -> str:
    return str(value).replace("T", " ") if value else "no date"


def _what(record: audit.AuditRecord, d: dict[str, Any]) -> str:
    """The verb phrase of the sentence; consumes the details it uses from `d`."""
    a = record.action
    who = _patient(record)
    of_patient = f" of {who}" if who else ""
    if a == audit.PATIENT_OPENED:
        return f"opened the record of {who or 'a patient'}"
    if a == audit.REVIEW_MODE_ENTERED:
        return f"showed {who or 'a patient'}'s photos in review mode"
    if a == audit.REVIEW_MODE_LEFT:
        return f"left review mode{of_patient}"
    if a == audit.REVIEW_PIN_REFUSED:
        return f"typed a wrong PIN to leave review mode{of_patient}"
    if a in (audit.SHEET_EXPORTED, audit.DICOM_EXPORTED, audit.IMAGE_EXPORTED):
        kind = {audit.SHEET_EXPORTED: "a comparison sheet", audit.DICOM_EXPORTED: "DICOM files",
                audit.IMAGE_EXPORTED: "images"}[a]
        text = f"exported {kind}{of_patient}"
        files = d.pop("files", None) or d.pop("file", None)
        if files:
            text += f" to {_list(files)}"
        if "photo_ids" in d:
            text += f" (photos {_list(d.pop('photo_ids'))})"
        if "use" in d:
            text += f" for {_use(d.pop('use'))}"
        if d.pop("deidentified", False):
            text += ", de-identified"
        return text
    if a == audit.PHOTO_DELETED:
        d.pop("sha256", None)
        return f"moved {_photo(record, d)}{of_patient} to the trash"
    if a == audit.PHOTO_RESTORED:
        return f"restored {_photo(record, d)}{of_patient} from the trash"
    if a == audit.PHOTO_PURGED:
        d.pop("sha256", None)
        return f"deleted {_photo(record, d)}{of_patient} for good (emptied from the trash)"
    if a == audit.PHOTO_MOVED:
        src, dst = d.pop("from_patient", "?"), d.pop("to_patient", "?")
        text = f"moved {_photo(record, d)} from patient {src} to patient {dst}"
        revoked = d.pop("consent_revoked", None)
        if revoked:
            text += f"; its consent for {', '.join(_use(u) for u in revoked)} was revoked"
        return text
    if a == audit.PHOTO_REDATED:
        old, new = d.pop("from", None), d.pop("to", None)
        src = d.pop("from_source", "")
        d.pop("to_source", None)
        was = f"{_when(old)}" + (f" from {'the camera' if src == 'exif' else src}" if src else "")
        return f"corrected the capture date of {_photo(record, d)}{of_patient} to {_when(new)} (was {was})"
    if a == audit.DIARY_EDITED:
        return _diary_words(d, of_patient)
    if a in (audit.CONSENT_RECORDED, audit.CONSENT_REVOKED):
        verb = "recorded" if a == audit.CONSENT_RECORDED else "revoked"
        use = _use(d.pop("use", "a use"))
        return f"{verb} consent for {use} for {_photo(record, d)}{of_patient}"
    if a == audit.EXPORT_REFUSED:
        use = _use(d.pop("use", "this use"))
        ids = d.pop("photo_ids", None)
        photos = f"photos {_list(ids)}" if ids else _photo(record, d)
        return f"was refused an export{of_patient} for {use}: no consent for {photos}"
    if a == audit.LIBRARY_BACKED_UP:
        d.pop("rows", None)
        text = f"backed up the library to {d.pop('file', 'a file')}"
        if "originals" in d:
            text += f" ({d.pop('originals')} originals)"
        return text
    if a == audit.LIBRARY_RESTORED:
        text = f"restored the library from {d.pop('file', 'a backup')}"
        if "originals" in d:
            text += f" ({d.pop('originals')} originals)"
        return text
    return a.replace("_", " ") + of_patient


def _diary_words(d: dict[str, Any], of_patient: str) -> str:
    change = d.pop("change", "changed")
    verb = {"inserted": "added", "updated": "changed", "deleted": "deleted",
            "unchanged": "saved unchanged"}.get(str(change), str(change))
    if "diary_day" in d:
        return f"{verb} the diary day {d.pop('diary_day')}{of_patient}"
    if "monthly_summary" in d:
        return f"{verb} monthly counts (record {d.pop('monthly_summary')}){of_patient}"
    if "treatment" in d:
        return f"{verb} a treatment session (record {d.pop('treatment')}){of_patient}"
    if "csv_import" in d:
        kind = d.pop("kind", "")
        return f"imported the diary file {d.pop('csv_import')}" + (f" ({kind})" if kind else "") + of_patient
    if "diary_days_inserted" in d:
        parts = [f"{d.pop(k)} {k.removeprefix('diary_days_')}" for k in list(d)
                 if k.startswith("diary_days_")]
        return f"saved diary days{of_patient} ({', '.join(parts)})"
    return f"edited the migraine record{of_patient}"


def sentence(record: audit.AuditRecord) -> str:
    """One sentence for an audit entry (who did what, to which record), ending with a full stop."""
    d = details_of(record)
    what = _what(record, d)
    rest = "; ".join(f"{k.replace('_', ' ')}: {_list(v)}" for k, v in sorted(d.items())
                     if v not in (None, "", [], {}))
    text = f"{record.user} {what}" + (f" ({rest})" if rest else "")
    return text.rstrip(".") + "."
