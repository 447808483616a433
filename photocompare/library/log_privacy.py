"""The support log names patients by internal number only, on every path.

Messages that reach the log are often exception texts written for the clinician on screen
("photo s1-7.png (patient MRN-1042) has no consent ..."), and a traceback repeats them. Rather
than trusting every `log.*` call site, the process-wide log-record factory rewrites each record
as it is made: every known patient identifier (clinic ID / MRN and display name) in the message
and in the exception text becomes ``patient #<internal id>``.

Identifiers are learnt from the library: all patients when a library opens
(`learn_patients`), and every patient the ORM loads or inserts afterwards (mapper events), so
a patient created during this run is covered as well.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback

import sqlalchemy as sa
from sqlalchemy import event

from photocompare.library.models import Patient

_lock = threading.Lock()
_known: dict[str, int] = {}  # identifier text -> internal patient id
_pattern: re.Pattern[str] | None = None
_installed = False


def remember(patient_id: int | None, *identifiers: str | None) -> None:
    """Redact these identifiers of patient `patient_id` from every later log record."""
    global _pattern
    if patient_id is None:
        return
    added = False
    with _lock:
        for text in identifiers:
            text = (text or "").strip()
            if text and _known.get(text) != patient_id:
                _known[text] = int(patient_id)
                added = True
        if added:
            names = sorted(_known, key=len, reverse=True)  # longest first: "Ann Lee" before "Ann"
            _pattern = re.compile(
                r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])"
            )


def redact(text: str) -> str:
    """`text` with every known patient identifier replaced by ``patient #<id>``."""
    pattern = _pattern
    if pattern is None or not text:
        return text
    return pattern.sub(lambda m: f"patient #{_known.get(m.group(0), '?')}", text)


def learn_patients(engine: sa.Engine) -> None:
    """Learn every patient of an opened library (one small query)."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(Patient.id, Patient.external_id, Patient.display_name)
            ).all()
    except sa.exc.SQLAlchemyError:
        return  # an old or damaged schema: the ORM events still cover what is loaded
    for pid, external_id, name in rows:
        remember(pid, external_id, name)


def _record_factory(base):
    def make(*args, **kwargs) -> logging.LogRecord:
        record = base(*args, **kwargs)
        if _pattern is None:
            return record
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is logging's own business
            return record
        record.msg, record.args = redact(message), ()
        if record.exc_info and record.exc_info[0] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = redact(text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    return make


def install() -> None:
    """Make every log record of this process go through `redact` (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        logging.setLogRecordFactory(_record_factory(logging.getLogRecordFactory()))
        _installed = True

    @event.listens_for(Patient, "load")
    def _loaded(target, _context) -> None:
        remember(target.id, target.external_id, target.display_name)

    @event.listens_for(Patient, "refresh")
    def _refreshed(target, _context, _attrs) -> None:
        remember(target.id, target.external_id, target.display_name)

    @event.listens_for(Patient, "after_insert")
    def _inserted(_mapper, _conn, target) -> None:
        remember(target.id, target.external_id, target.display_name)

    @event.listens_for(Patient, "after_update")
    def _updated(_mapper, _conn, target) -> None:
        remember(target.id, target.external_id, target.display_name)


install()
