"""Face descriptors kept per photo (table `face_descriptors`, migration m0004).

`descriptor_cache(library)` returns the callable `core.identity` takes (`DescriptorCache`): a
descriptor is looked up by the photo's SHA-256 and computed — and stored — only when missing,
so the app never waits for it twice. `get` / `put` are the plain accessors.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import sqlalchemy as sa

from photocompare.core.identity import DESCRIPTOR_LENGTH, MODEL_NAME

_meta = sa.MetaData()
face_descriptors = sa.Table(
    "face_descriptors",
    _meta,
    sa.Column("photo_sha256", sa.String(64), primary_key=True),
    sa.Column("model", sa.String(64), primary_key=True),
    sa.Column("descriptor", sa.LargeBinary, nullable=True),
    sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
)
MODEL_KEY = MODEL_NAME.removesuffix(".dat")[:64]
_NOT_STORED = object()


def get(library: Any, sha256: str) -> np.ndarray | None | object:
    """The stored descriptor; None when the photo is stored as faceless; `NOT_STORED` if absent."""
    with library.session() as s:
        row = s.execute(
            sa.select(face_descriptors.c.descriptor).where(
                face_descriptors.c.photo_sha256 == sha256, face_descriptors.c.model == MODEL_KEY
            )
        ).first()
    if row is None:
        return _NOT_STORED
    if row[0] is None:
        return None
    vec = np.frombuffer(row[0], dtype="<f4")
    return vec.copy() if vec.size == DESCRIPTOR_LENGTH else _NOT_STORED


def put(library: Any, sha256: str, descriptor: np.ndarray | None) -> None:
    """Store (or replace) a photo's descriptor; None records "no face"."""
    blob = None if descriptor is None else np.asarray(descriptor, dtype="<f4").tobytes()
    with library.session(write=True) as s:
        s.execute(
            sa.delete(face_descriptors).where(
                face_descriptors.c.photo_sha256 == sha256, face_descriptors.c.model == MODEL_KEY
            )
        )
        s.execute(
            sa.insert(face_descriptors).values(
                photo_sha256=sha256,
                model=MODEL_KEY,
                descriptor=blob,
                computed_at=datetime.now(UTC),
            )
        )


NOT_STORED = _NOT_STORED


def descriptor_cache(library: Any) -> Callable[[str, Callable[[], Any]], Any]:
    """A `core.identity.DescriptorCache` backed by the library (keys: photo SHA-256)."""

    def cache(sha256: str, compute: Callable[[], Any]) -> Any:
        found = get(library, sha256)
        if found is not _NOT_STORED:
            return found
        descriptor = compute()
        try:
            put(library, sha256, descriptor)
        except sa.exc.IntegrityError:
            pass  # the photo is not (or no longer) in this library: nothing to keep it for
        return descriptor

    return cache


def same_person_status(library: Any, sha_a: str, sha_b: str, thresholds: Any = None) -> str:
    """"pass" | "warn" | "fail" from the two photos' STORED descriptors, or "unknown" when
    either is not stored yet (nothing is computed here: cheap enough to filter suggestions)."""
    from photocompare.core.checks import check_identity
    from photocompare.core.identity import similarity
    from photocompare.settings import CheckThresholds

    a, b = get(library, sha_a), get(library, sha_b)
    if a is _NOT_STORED or b is _NOT_STORED or a is None or b is None:
        return "unknown"
    return check_identity(similarity(a, b), thresholds or CheckThresholds()).status
