"""Headache and migraine days per 28 days for each period, drawn with QPainter (no QtCharts).

The x axis is time: each period's bars span its dates, so a 35-day cycle is wider than a
27-day one, and each treatment date is a dashed vertical line. Bars of a period whose
coverage is below the warning threshold are hatched. The figures come from the core's
`CourseReport` unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from photocompare.core.course_format import (
    as_date,
    coverage_warning,
    field,
    fmt_num,
    main_periods,
    treatment_dates,
)
from photocompare.ui import palette

HEADACHE_COLOUR = palette.HEADACHE
MIGRAINE_COLOUR = palette.MIGRAINE
TREATMENT_COLOUR = palette.MEDICATION


@dataclass(frozen=True)
class ChartBar:
    """What the chart draws for one period (exposed for tests and accessibility)."""

    label: str
    start: dt.date
    end: dt.date
    headache_per_28: float | None
    migraine_per_28: float | None
    low_coverage: bool


class CourseChart(QWidget):
    """Bar chart (headache, migraine days / 28 days) per period, line through headache bars."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bars: list[ChartBar] = []
        self._treatments: list[dt.date] = []
        self.empty_text = "No diary figures yet"  # the panel says why when there are none
        self.setMinimumSize(360, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Headache and migraine days per 28 days, by period")

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(640, 280)

    # data ------------------------------------------------------------------------------
    def set_report(self, report: Any | None) -> None:
        bars = []
        for p in main_periods(report) if report is not None else []:
            start, end = as_date(field(p, "start")), as_date(field(p, "end"))
            if start is None or end is None:
                continue
            bars.append(
                ChartBar(
                    label=str(field(p, "label", "")),
                    start=start,
                    end=end,
                    headache_per_28=field(p, "headache_days_per_28"),
                    migraine_per_28=field(p, "migraine_days_per_28"),
                    low_coverage=coverage_warning(p) is not None,
                )
            )
        self._bars = bars
        self._treatments = treatment_dates(report) if report is not None else []
        self.setToolTip("\n".join(self.describe()))
        self.update()

    def bars(self) -> list[ChartBar]:
        return list(self._bars)

    def treatments(self) -> list[dt.date]:
        return list(self._treatments)

    def describe(self) -> list[str]:
        """One line per period, the same figures as drawn (tooltip, screen readers, tests)."""
        return [
            f"{b.label}: headache {fmt_num(b.headache_per_28)}, "
            f"migraine {fmt_num(b.migraine_per_28)} days per 28 days"
            + (" (low coverage)" if b.low_coverage else "")
            for b in self._bars
        ]

    # drawing ---------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), self.palette().base())
        text_colour = self.palette().text().color()
        font = QFont(self.font())
        p.setFont(font)
        fm = p.fontMetrics()
        if not self._bars:
            p.setPen(text_colour)
            p.drawText(
                self.rect().adjusted(16, 16, -16, -16),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.empty_text,
            )
            p.end()
            return

        left = fm.horizontalAdvance("28") + 14
        top = fm.height() * 2 + 6  # legend row
        right = 12
        bottom = fm.height() * 2 + 12  # period labels + dates
        plot = QRectF(left, top, self.width() - left - right, self.height() - top - bottom)
        if plot.width() < 40 or plot.height() < 40:
            p.end()
            return

        values = [v for b in self._bars for v in (b.headache_per_28, b.migraine_per_28) if v]
        y_max = max(28.0, max(values, default=0.0))
        first = min(b.start for b in self._bars)
        last = max(b.end for b in self._bars) + dt.timedelta(days=1)
        span = max(1, (last - first).days)

        def x_of(day: dt.date) -> float:
            return plot.left() + plot.width() * (day - first).days / span

        def y_of(value: float) -> float:
            return plot.bottom() - plot.height() * value / y_max

        # grid and y axis
        grid_pen = QPen(self.palette().mid().color(), 1, Qt.PenStyle.DotLine)
        for tick in range(0, int(y_max) + 1, 7):
            y = y_of(tick)
            p.setPen(grid_pen)
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(text_colour)
            p.drawText(
                QRectF(0, y - fm.height() / 2, left - 6, fm.height()),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                str(tick),
            )
        p.setPen(QPen(text_colour, 1))
        p.drawLine(plot.bottomLeft(), plot.bottomRight())

        # bars
        line_points: list[QPointF] = []
        for bar in self._bars:
            x0 = x_of(bar.start)
            x1 = x_of(bar.end + dt.timedelta(days=1))
            width = x1 - x0
            gap = min(6.0, width * 0.08)
            inner = width - 2 * gap
            bar_w = min(inner / 2, 56.0)
            x0_bars = x0 + (width - 2 * bar_w) / 2  # the pair of bars centred in the period
            for i, (value, colour) in enumerate(
                ((bar.headache_per_28, HEADACHE_COLOUR), (bar.migraine_per_28, MIGRAINE_COLOUR))
            ):
                bx = x0_bars + i * bar_w
                if value is None:
                    p.setPen(text_colour)
                    p.drawText(
                        QRectF(bx, plot.bottom() - fm.height() - 2, bar_w, fm.height()),
                        Qt.AlignmentFlag.AlignCenter,
                        "–",
                    )
                    continue
                rect = QRectF(bx + 1, y_of(float(value)), bar_w - 2, plot.bottom() - y_of(float(value)))
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QBrush(colour))
                if bar.low_coverage:
                    p.setBrush(QBrush(colour.lighter(150)))
                    p.drawRect(rect)
                    p.setBrush(QBrush(colour, Qt.BrushStyle.BDiagPattern))
                p.drawRect(rect)
                p.setPen(text_colour)
                p.drawText(
                    QRectF(bx - 4, rect.top() - fm.height() - 1, bar_w + 8, fm.height()),
                    Qt.AlignmentFlag.AlignCenter,
                    fmt_num(value),
                )
                if i == 0:
                    line_points.append(QPointF(bx + bar_w / 2, rect.top()))
            # period label and dates under the axis
            p.setPen(text_colour)
            label = bar.label + (" ⚠" if bar.low_coverage else "")
            p.drawText(
                QRectF(x0, plot.bottom() + 2, width, fm.height()),
                Qt.AlignmentFlag.AlignCenter,
                fm.elidedText(label, Qt.TextElideMode.ElideRight, int(width)),
            )

        if len(line_points) > 1:
            path = QPainterPath(line_points[0])
            for pt in line_points[1:]:
                path.lineTo(pt)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(HEADACHE_COLOUR.darker(140), 2))
            p.drawPath(path)
            for pt in line_points:
                p.drawEllipse(pt, 3, 3)

        # treatment dates
        p.setPen(QPen(TREATMENT_COLOUR, 2, Qt.PenStyle.DashLine))
        for n, day in enumerate(self._treatments, start=1):
            x = x_of(day)
            p.drawLine(QPointF(x, plot.top() - 4), QPointF(x, plot.bottom()))
            p.save()
            p.setPen(TREATMENT_COLOUR)
            text = f"▼ {n}: {day.strftime('%d %b %Y')}"
            label_left = min(max(x - 80, 0.0), self.width() - 160.0)  # keep it on screen
            p.drawText(
                QRectF(label_left, plot.bottom() + fm.height() + 2, 160, fm.height()),
                Qt.AlignmentFlag.AlignCenter,
                text if len(self._treatments) < 6 else f"▼ {n}",
            )
            p.restore()

        # legend
        lx = plot.left()
        for colour, text in (
            (HEADACHE_COLOUR, "headache days / 28 d"),
            (MIGRAINE_COLOUR, "migraine days / 28 d"),
        ):
            p.fillRect(QRectF(lx, 4, 12, 12), colour)
            p.setPen(text_colour)
            p.drawText(QPointF(lx + 16, 4 + fm.ascent() - 1), text)
            lx += 16 + fm.horizontalAdvance(text) + 18
        p.setPen(QPen(TREATMENT_COLOUR, 2, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(lx, 10), QPointF(lx + 14, 10))
        p.setPen(text_colour)
        p.drawText(QPointF(lx + 18, 4 + fm.ascent() - 1), "treatment")
        p.end()
