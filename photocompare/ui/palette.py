"""The app's colours, once: the same thing has the same colour everywhere — a headache day is
the same orange in the course chart, the diary calendar and its legend — and a colour means
one thing only. Backgrounds of calendar cells are tints of the same colours, so they stay
readable under black text."""

from __future__ import annotations

from PySide6.QtGui import QColor

TINT_WHITE_SHARE = 0.6  # how much white a cell background mixes into its colour


def tint(colour: QColor, white_share: float = TINT_WHITE_SHARE) -> QColor:
    """`colour` mixed with white: a background for text in that colour's meaning."""
    return QColor(*(round(c + (255 - c) * white_share) for c in (colour.red(), colour.green(), colour.blue())))


# --- the migraine course (chart, diary calendar and its legend) --------------------------------
HEADACHE = QColor("#d9822b")
MIGRAINE = QColor("#7b3fa0")
MEDICATION = QColor("#1f6fb2")  # a treatment in the chart, a medication day in the diary
HEADACHE_TINT = tint(HEADACHE)
MIGRAINE_TINT = tint(MIGRAINE)
HEADACHE_FREE_TINT = QColor("#d5f0d8")
NOT_THIS_MONTH = QColor("#999999")  # calendar days of the neighbouring months

# --- how good a figure is (course table rows) ---------------------------------------------------
WARN_BACKGROUND = QColor("#fff3cd")
GOOD_BACKGROUND = QColor("#d4efdf")

# --- injection sites on the head diagram, by muscle ---------------------------------------------
SKIN = QColor("#f6e7da")
SITE_HIGHLIGHT = QColor("#e67e22")
MUSCLE_UNKNOWN = QColor("#555555")
MUSCLES = {
    "corrugator": QColor("#c0392b"),
    "procerus": QColor("#8e44ad"),
    "frontalis": QColor("#2471a3"),
    "temporalis": QColor("#138d75"),
    "occipitalis": QColor("#b9770e"),
    "cervical_paraspinal": QColor("#6e2c00"),
    "trapezius": QColor("#1e8449"),
}

# --- photos on screen: dark surroundings, so the skin tones are judged by themselves ----------
CANVAS_BACKDROP = QColor("#1e1e1e")
THUMBNAIL_BACKDROP = QColor("#2b2b2b")
THUMBNAIL_TEXT = QColor("#888888")
THUMBNAIL_BROKEN = QColor("#cc4444")
OVERLAY_LINE = QColor("#ffffff")  # the grid over a photo
MIDLINE = QColor("#00e0ff")  # the face's midline and eye line
CAPTION = QColor("#ffffff")
CAPTION_ADJUSTED = QColor("#ffd54a")  # a lighting-matched (display-only) picture is marked

# --- review mode (the patient's own screen) -----------------------------------------------------
REVIEW_BACKDROP = QColor("#1b1b1b")
REVIEW_PHOTO_BACKDROP = QColor("#111111")
REVIEW_TEXT = QColor("#f2f2f2")
REVIEW_MUTED_TEXT = QColor("#bbbbbb")
REVIEW_BADGE_TEXT = QColor("#dddddd")
REVIEW_CHOSEN = QColor("#2f6fb7")
