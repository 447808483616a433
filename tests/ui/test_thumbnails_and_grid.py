"""Thumbnails are decoded off the GUI thread (bad files reported), a grid of 1,200 photos decodes
only what is visible, and a signal emit does not release references it does not own."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

pytest.importorskip("pytestqt")

from photocompare.library import api as la  # noqa: E402
from tests.ui.conftest import photo_row  # noqa: E402


def test_thumbnail_loader_decodes_off_the_gui_thread_and_reports_bad_files(qtbot, astronaut_jpeg, tmp_path):
    import threading

    from photocompare.ui.thumbnail_loader import ThumbnailLoader, load_thumbnail_image

    threads = set()

    def load(key, path, size):
        threads.add(threading.current_thread())
        return load_thumbnail_image(key, path, size)

    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff garbage")
    loader = ThumbnailLoader(size=96, loader=load)
    assert loader.pixmap("good", str(astronaut_jpeg)) is None
    assert loader.pixmap("bad", str(bad)) is None
    qtbot.waitUntil(lambda: loader.pending() == 0, timeout=10_000)
    pm = loader.pixmap("good", str(astronaut_jpeg))
    assert pm is not None and max(pm.width(), pm.height()) == 96
    assert loader.failure("bad")
    assert threading.main_thread() not in threads


def test_grid_with_1200_photos_decodes_only_what_is_visible(qtbot, astronaut_jpeg):
    import time

    from PySide6.QtWidgets import QApplication

    from photocompare.ui.photo_grid import PhotoGridModel, PhotoGridView
    from photocompare.ui.thumbnail_loader import ThumbnailLoader, load_thumbnail_image

    loader = ThumbnailLoader(size=96, loader=load_thumbnail_image)
    model = PhotoGridModel(loader)
    day = dt.date(2026, 1, 1)
    rows = [photo_row(i, day + dt.timedelta(days=i % 300)) for i in range(1, 1201)]
    rows = [la.PhotoRow(**{**r.__dict__, "path": str(astronaut_jpeg)}) for r in rows]
    model.set_photos(rows)
    view = PhotoGridView(model, 96)
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: loader.decoded > 0 and loader.pending() == 0, timeout=20_000)
    first = loader.decoded
    assert 0 < first < 150, f"only the visible cells are decoded, not {first}"
    worst = 0.0
    bar = view.verticalScrollBar()
    for step in range(1, 11):
        t = time.perf_counter()
        bar.setValue(bar.maximum() * step // 10)
        QApplication.processEvents()
        worst = max(worst, time.perf_counter() - t)
    assert worst < 0.25, f"scrolling stalled {worst * 1000:.0f} ms"
    qtbot.waitUntil(lambda: loader.pending() == 0, timeout=20_000)
    last = model.index(model.rowCount() - 1)
    assert loader.pixmap(rows[-1].sha256, rows[-1].path) is not None or view.visualRect(last).isEmpty()
    assert loader.decoded < 600
    loader.wait()


def test_signal_emit_does_not_release_references_it_does_not_own(qapp):
    """PySide6 6.12.0 on Python 3.11 dropped a reference to True on every Signal.emit(); after a
    few thousand emits (a long session, a thumbnail grid) the interpreter aborted. pyproject pins
    PySide6 below 6.12; this guards the pin."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        changed = Signal(int, int, str)

    e = Emitter()
    e.changed.connect(lambda *_: None)
    before = sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)
    for i in range(500):
        e.changed.emit(i, 500, "x")
    after = sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)
    assert all(abs(a - b) < 50 for a, b in zip(after, before, strict=True)), (before, after)


@pytest.mark.parametrize(("point_size", "reload"), [(9, False), (13, False), (16, False), (13, True)])
def test_grid_captions_stay_whole_under_tall_photos_at_any_font_size(qtbot, point_size, reload):
    """A portrait photo's thumbnail is as tall as the cell's icon area; its two caption lines
    (date, view · expression) must still fit below it, in a narrow grid (inspector open) and with
    a large system font."""
    from pathlib import Path

    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    from photocompare.ui.photo_grid import PhotoGridModel, PhotoGridView
    from photocompare.ui.thumbnail_loader import ThumbnailLoader, load_thumbnail_image

    examples = Path(__file__).resolve().parents[2] / "../shared/data/faces/face_recognition-examples/examples"
    names = [("biden.jpg", "right-oblique"), ("obama_small.jpg", "frontal")]  # 970×2204 and 320×240
    rows = [
        la.PhotoRow(
            id=i, patient_id=1, sha256=f"{i:064x}", original_name=name,
            taken_at=dt.datetime(2026, 1, 5 + i, 10), date_source="exif", camera_make=None,
            camera_model=None, orientation=None, width=10, height=10, format="JPEG",
            view_label=view, expression_label="neutral", note="", path=str(examples / name),
        )
        for i, (name, view) in enumerate(names)
    ]
    loader = ThumbnailLoader(size=160, loader=load_thumbnail_image)
    model = PhotoGridModel(loader)
    view = PhotoGridView(model, 160)
    qtbot.addWidget(view)
    font = view.font()
    font.setPointSize(point_size)
    view.setFont(font)
    model.set_photos(rows)
    view.resize(230, 700)  # one column: the inspector takes the rest of the window
    view.show()
    qtbot.waitExposed(view)

    def decoded() -> bool:
        return all(loader.pixmap(r.sha256, r.path) is not None for r in rows)

    qtbot.waitUntil(decoded, timeout=20_000)
    if reload:  # an import adds a photo of another shape and the grid is read again
        wide = dataclasses.replace(rows[1], id=2, sha256=f"{2:064x}", original_name="obama-720p.jpg",
                                   path=str(examples / "obama-720p.jpg"), view_label="left-lateral")
        rows = [*rows, wide]
        model.set_photos(rows)
        qtbot.waitUntil(decoded, timeout=20_000)
        qtbot.wait(50)
    tall = loader.pixmap(rows[0].sha256, rows[0].path)
    assert tall.height() == 160 and tall.width() < 100, "the portrait thumbnail fills the icon height"
    fm = view.fontMetrics()
    for i, row in enumerate(rows):
        index = model.index(i)
        option = QStyleOptionViewItem()
        view.initViewItemOption(option)
        option.rect = view.visualRect(index)
        view.itemDelegate().initStyleOption(option, index)
        text_rect = view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, view)
        lines = model.data(index).split("\n")
        assert len(lines) == 2
        assert text_rect.height() >= 2 * fm.lineSpacing(), f"{row.original_name}: caption cut at {point_size} pt"
        assert all(fm.horizontalAdvance(line) <= text_rect.width() for line in lines)
