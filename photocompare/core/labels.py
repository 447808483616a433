"""Suggested view and expression labels from the face measures (the user can always change them).

The core computes the suggestion; the UI (inspector, label suggestions after import) only shows
it and lets the clinician confirm or change it. Cut-offs are suggestions for a
clinician to confirm, not clinical thresholds, hence not in settings.

View naming follows clinical photography: a *right oblique* view shows the patient's RIGHT side
of the face, i.e. the head is turned towards the patient's LEFT (the face measures' yaw_deg > 0).
"""

from __future__ import annotations

from typing import Any

from photocompare.core.errors import LibraryError

__all__ = [
    "BROW_FROWN_BELOW_IOD",
    "BROW_RAISED_ABOVE_IOD",
    "EXPRESSION_LABELS",
    "EYES_CLOSED_BELOW_IOD",
    "FRONTAL_MAX_YAW_DEG",
    "MOUTH_OPEN_ABOVE_IOD",
    "OBLIQUE_MAX_YAW_DEG",
    "SMILE_WIDTH_ABOVE_IOD",
    "VIEW_LABELS",
    "LabelError",
    "check_expression_label",
    "check_view_label",
    "suggest_expression",
    "suggest_labels",
    "suggest_view",
]

#: The label vocabulary, defined here once: the database validates against it, the CLI checks
#: `--view` with it, the inspector offers it and pair suggestions sort by its order (frontal
#: first). A None label means "not labelled yet".
VIEW_LABELS = ("frontal", "left-oblique", "right-oblique", "left-lateral", "right-lateral")
EXPRESSION_LABELS = ("neutral", "raised-brows", "frown", "eyes-closed", "smile")


class LabelError(LibraryError, ValueError):
    """A view or expression label outside the vocabulary.

    A LibraryError so the CLI and the UI show its one line; a ValueError so SQLAlchemy's
    attribute validators (which expect one) can raise it unchanged."""


def check_view_label(value: str | None) -> str | None:
    """`value` when it is a known view label or None; LabelError otherwise."""
    if value is not None and value not in VIEW_LABELS:
        raise LabelError(f"view label must be one of {', '.join(VIEW_LABELS)}")
    return value


def check_expression_label(value: str | None) -> str | None:
    """`value` when it is a known expression label or None; LabelError otherwise."""
    if value is not None and value not in EXPRESSION_LABELS:
        raise LabelError(f"expression label must be one of {', '.join(EXPRESSION_LABELS)}")
    return value


FRONTAL_MAX_YAW_DEG = 12.0
OBLIQUE_MAX_YAW_DEG = 55.0

# expression cut-offs, as ratios of the interocular distance (IOD); set from real neutral and
# smiling faces in ../shared/data/faces (neutral: smile width 0.75-1.0, brow raise 0.22-0.32)
EYES_CLOSED_BELOW_IOD = 0.04
SMILE_WIDTH_ABOVE_IOD = 1.1
MOUTH_OPEN_ABOVE_IOD = 0.35
BROW_RAISED_ABOVE_IOD = 0.38
BROW_FROWN_BELOW_IOD = 0.17


def suggest_view(measures: Any) -> str | None:
    face = getattr(measures, "face", None)
    if face is None:
        return None
    yaw = float(face.yaw_deg)
    side = "right" if yaw > 0 else "left"
    if abs(yaw) <= FRONTAL_MAX_YAW_DEG:
        return VIEW_LABELS[0]
    if abs(yaw) <= OBLIQUE_MAX_YAW_DEG:
        return f"{side}-oblique"
    return f"{side}-lateral"


def suggest_expression(measures: Any) -> str | None:
    face = getattr(measures, "face", None)
    expr = getattr(face, "expression", None)
    if expr is None:
        return None
    eye = getattr(expr, "eye_open_iod", None)
    smile = getattr(expr, "smile_width_iod", None)
    mouth = getattr(expr, "mouth_open_iod", None)
    brow = getattr(expr, "brow_raise_iod", None)
    if eye is not None and eye < EYES_CLOSED_BELOW_IOD:
        return "eyes-closed"
    if smile is not None and smile > SMILE_WIDTH_ABOVE_IOD and (mouth is None or mouth < MOUTH_OPEN_ABOVE_IOD):
        return "smile"
    if brow is not None and brow > BROW_RAISED_ABOVE_IOD:
        return "raised-brows"
    if brow is not None and brow < BROW_FROWN_BELOW_IOD:
        return "frown"
    return "neutral"


def suggest_labels(measures: Any) -> tuple[str | None, str | None]:
    """(view, expression) suggestions; None where the photo has no face."""
    return suggest_view(measures), suggest_expression(measures)
