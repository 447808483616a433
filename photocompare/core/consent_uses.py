"""The uses a patient consents to, per photo: the vocabulary only (no database).

Kept out of `library.consent` so the CLI can offer `--use` choices and the UI can list the uses
without loading the database layer; the consent records themselves live in `library.consent`.
"""

from __future__ import annotations

CLINICAL_RECORD = "clinical_record"
PATIENT_SHARING = "patient_sharing"
INSURER = "insurer"
TEACHING = "teaching"
MARKETING = "marketing"

USES: tuple[str, ...] = (CLINICAL_RECORD, PATIENT_SHARING, INSURER, TEACHING, MARKETING)

#: How each use reads in a sentence ("... not consented to for an insurer").
USE_LABELS = {
    CLINICAL_RECORD: "the clinical record",
    PATIENT_SHARING: "sharing with the patient",
    INSURER: "an insurer",
    TEACHING: "teaching",
    MARKETING: "marketing",
}
