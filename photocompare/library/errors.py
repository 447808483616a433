"""Database failures turned into one readable sentence, in one place.

Every write of the library API (`library/api.py`, `library/course_api.py`) and the `Library`
helpers runs inside `mapped_errors(...)`. What a clinician sees is what went wrong and that
nothing was saved — never a row's values (a name or an ID would end up on screen, in a
terminal scroll-back or in a log), never SQL. The database's own text goes nowhere: only the
exception's class name is logged, for support.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from photocompare.core.errors import LibraryError

log = logging.getLogger(__name__)


@contextmanager
def mapped_errors(
    action: str, *, duplicate: str | None = None, write: bool = True
) -> Iterator[None]:
    """Run a library read or write; database errors leave as `LibraryError`.

    `action` says what was being done ("saving the patient"); `duplicate` is the sentence for a
    unique-constraint clash (another workstation inserted the same ID between our check and our
    insert). `LibraryError`s (including `ConcurrentEditError` and label errors) pass unchanged.
    `write=False` (a read) drops the "nothing was saved" reassurance.
    """
    kept = "; nothing was saved" if write else ""
    try:
        yield
    except LibraryError:
        raise
    except sa.exc.IntegrityError:
        log.warning("%s: integrity error", action)
        raise LibraryError(
            duplicate
            or f"{action} failed: it clashes with a record already in the library or refers "
            f"to one that is gone{kept}"
        ) from None
    except (sa.exc.OperationalError, sqlite3.OperationalError) as exc:
        log.warning("%s: %s", action, type(exc).__name__)
        raise LibraryError(
            f"{action} failed: the library database is busy or cannot be reached{kept} "
            "— try again in a moment"
        ) from None
    except sa.exc.SQLAlchemyError as exc:
        log.warning("%s: %s", action, type(exc).__name__)
        raise LibraryError(
            f"{action} failed: the library database refused it ({type(exc).__name__})"
            f"{kept}"
        ) from None
