"""The PREEMPT injection sites on a drawn head: front, left side, right side and back views.

Only drawing and hit-testing live here. The site table (names, muscles, sides, default units)
is the core's (`photocompare.core.preempt`); the session editor hands this widget one
`DiagramSite` per site with its current units, and listens to `siteClicked`.

Each site is placed where the core's table puts it (`InjectionSite.view/x/y`, 0..1 in a view
panel). The core has one "side" profile with the face towards x = 0; the diagram draws a right
profile (face to the right, so x is mirrored) and a left profile (face to the left, as is).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from photocompare.ui import palette

VIEWS = ("front", "right", "left", "back")
VIEW_TITLES = {
    "front": "Front",
    "right": "Right side",
    "left": "Left side",
    "back": "Back",
}

SIDE_MIRROR = 1.1  # right-profile x = SIDE_MIRROR - core x (see site_position)

MUSCLE_COLOURS = palette.MUSCLES


@dataclass(frozen=True)
class DiagramSite:
    """One site as the diagram shows it."""

    key: str  # the core's site id
    muscle: str  # the core's muscle key
    side: str  # "left" | "right" | "midline" (the patient's side)
    view: str  # the core's view: "front" | "side" | "back"
    x: float  # the core's position in that view (0..1)
    y: float
    units: float  # 0 = not injected
    standard_units: float  # the protocol's units for the site
    follow_the_pain: bool = False
    label: str = ""


def site_position(site: DiagramSite) -> tuple[str, float, float]:
    """(panel, x, y) of a site: the core's position, side profiles split by the patient's side."""
    if site.view == "side":
        # the core's profile has the face at x = 0; ours faces right with the ear at x ≈ 0.43,
        # so mirror and shift: the temporalis fan sits above and in front of the ear
        x = SIDE_MIRROR - site.x
        if site.side == "right":
            return ("right", x, site.y)
        return ("left", 1.0 - x, site.y)
    return (site.view if site.view in VIEWS else "front", site.x, site.y)


class HeadDiagram(QWidget):
    """Four head outlines with one clickable circle per site, showing its units."""

    siteClicked = Signal(str)  # noqa: N815 (Qt naming)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sites: list[DiagramSite] = []
        self._selected: str | None = None
        self.setMinimumSize(480, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.setAccessibleName("Injection sites on the head: front, right side, left side, back")

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(760, 260)

    def set_sites(self, sites: list[DiagramSite]) -> None:
        self._sites = list(sites)
        self.update()

    def sites(self) -> list[DiagramSite]:
        return list(self._sites)

    def set_selected(self, key: str | None) -> None:
        self._selected = key
        self.update()

    # geometry ---------------------------------------------------------------------------
    def _panels(self) -> dict[str, QRectF]:
        """One slot per view (a row of four, or 2 × 2 when that is larger), each keeping the
        head's proportions (width = 0.85 × height)."""
        title_h = self.fontMetrics().height() + 4
        best: tuple[float, int, int] | None = None
        for cols, rows in ((4, 1), (2, 2)):
            slot_w, slot_h = self.width() / cols, self.height() / rows - title_h - 4
            ph = max(10.0, min(slot_h, (slot_w - 8) / 0.85))
            if best is None or ph > best[0]:
                best = (ph, cols, rows)
        ph, cols, rows = best
        pw = ph * 0.85
        slot_w, slot_h = self.width() / cols, self.height() / rows
        out = {}
        for i, v in enumerate(VIEWS):
            c, r = i % cols, i // cols
            left = c * slot_w + (slot_w - pw) / 2
            top = r * slot_h + title_h + (slot_h - title_h - ph) / 2
            out[v] = QRectF(left, top, pw, ph)
        return out

    def _radius(self) -> float:
        panels = self._panels()
        r = min(next(iter(panels.values())).width(), next(iter(panels.values())).height()) * 0.045
        return max(7.0, min(r, 14.0))

    def site_centre(self, site: DiagramSite) -> QPointF:
        view, x, y = site_position(site)
        rect = self._panels()[view]
        return QPointF(rect.left() + x * rect.width(), rect.top() + y * rect.height())

    def site_at(self, pos: QPointF) -> DiagramSite | None:
        r = self._radius() + 2
        best, best_d = None, r * r
        for site in self._sites:
            c = self.site_centre(site)
            d = (c.x() - pos.x()) ** 2 + (c.y() - pos.y()) ** 2
            if d <= best_d:
                best, best_d = site, d
        return best

    # events -----------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            site = self.site_at(event.position())
            if site is not None:
                self._selected = site.key
                self.siteClicked.emit(site.key)
                self.update()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        site = self.site_at(event.position())
        if site is None:
            self.setToolTip("")
            self.unsetCursor()
        else:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
            kind = ("follow-the-pain, " if site.follow_the_pain else "") + (
                f"protocol {site.standard_units:g} U"
            )
            self.setToolTip(f"{site.label or site.key}: {site.units:g} U ({kind}) — click to toggle")
        super().mouseMoveEvent(event)

    # drawing ----------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), self.palette().base())
        text = self.palette().text().color()
        outline = QPen(self.palette().mid().color().darker(130), 2)
        skin = palette.SKIN
        for view, rect in self._panels().items():
            p.setPen(text)
            p.drawText(
                QRectF(rect.left() - 20, rect.top() - self.fontMetrics().height() - 4,
                       rect.width() + 40, self.fontMetrics().height() + 2),
                Qt.AlignmentFlag.AlignCenter,
                VIEW_TITLES[view],
            )
            p.setPen(outline)
            p.setBrush(skin)
            p.drawPath(_head_path(view, rect))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(_feature_path(view, rect))

        r = self._radius()
        font = QFont(self.font())
        font.setPixelSize(max(7, int(r * 0.95)))
        font.setBold(True)
        p.setFont(font)
        for site in self._sites:
            c = self.site_centre(site)
            colour = MUSCLE_COLOURS.get(site.muscle, palette.MUSCLE_UNKNOWN)
            injected = site.units > 0
            deviates = injected and site.units != site.standard_units
            if not site.follow_the_pain and not injected:
                deviates = True  # a protocol site left out
            pen = QPen(colour.darker(140), 2.5 if site.key == self._selected else 1.2)
            if site.follow_the_pain:
                pen.setStyle(Qt.PenStyle.DashLine)
            if deviates and not site.follow_the_pain:
                pen = QPen(palette.SITE_HIGHLIGHT, 2.5)
            p.setPen(pen)
            p.setBrush(QBrush(colour if injected else QColor(255, 255, 255, 200)))
            p.drawEllipse(c, r, r)
            if site.key == self._selected:
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.setPen(QPen(self.palette().highlight().color(), 2))
                p.drawEllipse(c, r + 3, r + 3)
            p.setPen(QColor("white") if injected else colour.darker(120))
            p.drawText(
                QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r),
                Qt.AlignmentFlag.AlignCenter,
                f"{site.units:g}" if injected else "+",
            )
        p.end()


def _head_path(view: str, r: QRectF) -> QPainterPath:
    """Head, neck and (back view) shoulders as one outline."""
    def pt(x: float, y: float) -> QPointF:
        return QPointF(r.left() + x * r.width(), r.top() + y * r.height())

    path = QPainterPath()
    if view in ("front", "back"):
        path.addEllipse(QRectF(pt(0.26, 0.08), pt(0.74, 0.60)))
        neck = QPainterPath()
        neck.moveTo(pt(0.40, 0.55))
        neck.lineTo(pt(0.40, 0.74))
        neck.quadTo(pt(0.20, 0.77), pt(0.04, 0.88))
        neck.lineTo(pt(0.04, 0.98))
        neck.lineTo(pt(0.96, 0.98))
        neck.lineTo(pt(0.96, 0.88))
        neck.quadTo(pt(0.80, 0.77), pt(0.60, 0.74))
        neck.lineTo(pt(0.60, 0.55))
        neck.closeSubpath()
        path = path.united(neck)
    else:
        sign = 1 if view == "right" else -1

        def sp(x: float, y: float) -> QPointF:  # mirror for the left side
            return pt(0.5 + sign * (x - 0.5), y)

        path.moveTo(sp(0.50, 0.08))
        path.cubicTo(sp(0.72, 0.08), sp(0.78, 0.28), sp(0.76, 0.36))  # forehead
        path.lineTo(sp(0.80, 0.44))  # nose
        path.lineTo(sp(0.75, 0.47))
        path.cubicTo(sp(0.76, 0.55), sp(0.72, 0.60), sp(0.62, 0.62))  # chin
        path.lineTo(sp(0.58, 0.66))
        path.lineTo(sp(0.58, 0.80))
        path.lineTo(sp(0.36, 0.80))
        path.lineTo(sp(0.36, 0.60))
        path.cubicTo(sp(0.22, 0.52), sp(0.22, 0.14), sp(0.50, 0.08))  # back of head
        path.closeSubpath()
    return path


def _feature_path(view: str, r: QRectF) -> QPainterPath:
    """Eyes/brows (front), ear (sides), hairline and spine (back): orientation cues."""
    def pt(x: float, y: float) -> QPointF:
        return QPointF(r.left() + x * r.width(), r.top() + y * r.height())

    path = QPainterPath()
    if view == "front":
        for cx in (0.41, 0.59):
            path.addEllipse(QRectF(pt(cx - 0.045, 0.42), pt(cx + 0.045, 0.455)))
            path.moveTo(pt(cx - 0.06, 0.395))
            path.quadTo(pt(cx, 0.37), pt(cx + 0.06, 0.395))
        path.moveTo(pt(0.50, 0.44))
        path.lineTo(pt(0.48, 0.50))
        path.lineTo(pt(0.52, 0.50))
        path.moveTo(pt(0.44, 0.54))
        path.quadTo(pt(0.50, 0.56), pt(0.56, 0.54))
    elif view in ("left", "right"):
        sign = 1 if view == "right" else -1
        x0 = 0.5 + sign * (0.43 - 0.5)
        path.addEllipse(QRectF(pt(x0 - 0.035, 0.38), pt(x0 + 0.035, 0.49)))
        ex = 0.5 + sign * (0.68 - 0.5)
        path.addEllipse(QRectF(pt(ex - 0.02, 0.37), pt(ex + 0.02, 0.39)))
    else:
        path.moveTo(pt(0.50, 0.48))
        path.lineTo(pt(0.50, 0.76))
        path.moveTo(pt(0.30, 0.46))
        path.quadTo(pt(0.50, 0.52), pt(0.70, 0.46))
    return path
