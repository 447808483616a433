"""View and expression labels suggested at import, on every path into the library.

The app's import, `photocompare import` and the hot folder all call
`suggest_and_store_labels` after the files are stored, so a photo has labels whichever way it
came in. A suggestion only fills a label nobody has set: a label a person chose is never
overwritten (a photo imported again as a duplicate keeps its labels).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from photocompare.core.errors import PhotoCompareError
from photocompare.core.labels import suggest_labels
from photocompare.library.db import Library
from photocompare.library.models import Photo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LabelOutcome:
    """One photo's labels after suggestion; `suggested_*` is what the face measures said."""

    photo_id: int
    view: str | None  # the label now stored (the person's, or the suggestion)
    expression: str | None
    suggested_view: str | None
    suggested_expression: str | None
    changed: bool  # True when a suggestion was written
    measures: Any = None  # PhotoMeasures of the stored original (None when not analysed)


def store_suggested_labels(
    library: Library, photo_id: int, view: str | None, expression: str | None
) -> tuple[str | None, str | None, bool]:
    """Write the suggestions into empty label fields only; returns (view, expression, changed)."""
    with library.session(write=True) as s:
        photo = s.get(Photo, photo_id)
        if photo is None:
            return None, None, False
        changed = False
        if view and not photo.view_label:
            photo.view_label, changed = view, True
        if expression and not photo.expression_label:
            photo.expression_label, changed = expression, True
        return photo.view_label, photo.expression_label, changed


def suggest_and_store_labels(
    library: Library,
    photo_ids: Iterable[int],
    analyzer: Any,
    *,
    measures: dict[int, Any] | None = None,
) -> list[LabelOutcome]:
    """Analyse each photo's stored original and fill in missing view/expression labels.

    `analyzer` is a `core.face.FaceAnalyzer` (or anything with its `analyze(path)`);
    `measures` may give already computed `PhotoMeasures` by photo id (the hot folder analyses
    the photo once for labels and check). A photo whose labels are both set is not analysed;
    a photo that cannot be analysed (no face, unreadable) keeps no label and is logged by its
    internal number only.
    """
    out: list[LabelOutcome] = []
    for photo_id in photo_ids:
        photo = library.photo(int(photo_id))
        if photo is None:
            continue
        known = (measures or {}).get(photo.id)
        if photo.view_label and photo.expression_label and known is None:
            out.append(
                LabelOutcome(photo.id, photo.view_label, photo.expression_label, None, None, False)
            )
            continue
        try:
            if known is None:
                known = analyzer.analyze(library.original_path(photo))
        except PhotoCompareError as exc:
            log.info("no label suggestion for photo %s: %s", photo.id, exc)
            out.append(
                LabelOutcome(photo.id, photo.view_label, photo.expression_label, None, None, False)
            )
            continue
        view, expression = suggest_labels(known)
        stored_view, stored_expr, changed = store_suggested_labels(
            library, photo.id, view, expression
        )
        out.append(LabelOutcome(photo.id, stored_view, stored_expr, view, expression, changed, known))
    return out
