"""The patient's timeline: photos grouped by the diary's main periods (baseline, cycles),
then by visit day; photos outside every period, or of a patient without a diary, by day only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from photocompare.core.course import CourseReport
from photocompare.core.pair_suggest import main_periods
from photocompare.library import api as la

PHOTOS_ROLE = Qt.ItemDataRole.UserRole + 1  # the photo ids under an item; None = all photos
OUTSIDE = "outside the diary periods"
UNGROUPED = "photos"


def new_timeline() -> QTreeWidget:
    tree = QTreeWidget()
    tree.setHeaderLabels(["Timeline", "Photos"])
    tree.setAccessibleName("Timeline of periods and visits")
    tree.setColumnWidth(0, 230)
    tree.setMinimumWidth(200)
    return tree


def _period_label(report: CourseReport, photo: la.PhotoRow) -> str | None:
    period = la.period_for(report, photo.taken_date)
    return getattr(period, "label", None) if period is not None else None


def group_photos(
    photos: list[la.PhotoRow], report: CourseReport | None
) -> tuple[list[str], dict[str, list[la.PhotoRow]], dict[int, str]]:
    """(group keys in order, the photos of each group, the period label of each photo id)."""
    groups: dict[str, list[la.PhotoRow]] = {}
    period_of: dict[int, str] = {}
    order: list[str] = []
    if report is not None:
        for period in main_periods(report):
            order.append(str(period.label))
            groups[str(period.label)] = []
    for ph in photos:
        label = _period_label(report, ph) if report is not None else None
        if label is not None and label in groups:
            groups[label].append(ph)
            period_of[ph.id] = label
        else:
            key = OUTSIDE if report is not None else UNGROUPED
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append(ph)
    return order, groups, period_of


def fill_timeline(
    tree: QTreeWidget, photos: list[la.PhotoRow], report: CourseReport | None
) -> tuple[QTreeWidgetItem, dict[int, str]]:
    """Rebuild `tree` (without emitting its signals); returns the "All photos" item and the
    period label of each photo id (for the grid's badges)."""
    tree.blockSignals(True)
    tree.clear()
    all_item = QTreeWidgetItem(["All photos", str(len(photos))])
    all_item.setData(0, PHOTOS_ROLE, None)
    tree.addTopLevelItem(all_item)
    order, groups, period_of = group_photos(photos, report)
    root = tree.invisibleRootItem()
    for key in order:
        members = groups[key]
        period = None
        if report is not None:
            period = next((p for p in getattr(report, "periods", []) if str(p.label) == key), None)
        title = key.capitalize()
        if period is not None:
            title += f"  ({period.start:%Y-%m-%d} – {period.end:%Y-%m-%d})"
        if key == UNGROUPED:
            parent = root
        else:
            parent = QTreeWidgetItem([title, str(len(members))])
            parent.setToolTip(0, title)  # the dates do not fit a narrow timeline
            parent.setData(0, PHOTOS_ROLE, [p.id for p in members])
            tree.addTopLevelItem(parent)
        by_day: dict[str, list[int]] = {}
        for ph in members:
            by_day.setdefault(ph.date_text, []).append(ph.id)
        for day, ids in by_day.items():
            child = QTreeWidgetItem([f"Visit {day}" if day != "no date" else "No date", str(len(ids))])
            child.setData(0, PHOTOS_ROLE, ids)
            if parent is root:
                tree.addTopLevelItem(child)
            else:
                parent.addChild(child)
        if parent is not root:
            parent.setExpanded(True)
    tree.setCurrentItem(all_item)
    tree.blockSignals(False)
    return all_item, period_of


def photos_under(item: QTreeWidgetItem, photos: list[la.PhotoRow]) -> list[la.PhotoRow]:
    ids = item.data(0, PHOTOS_ROLE)
    if ids is None:
        return photos
    wanted = set(ids)
    return [p for p in photos if p.id in wanted]
