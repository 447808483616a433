"""Render the app icon (resources/icons/photocompare.svg) to PNG, ICO and ICNS (set-up time).

``python packaging/make_icons.py`` writes resources/icons/photocompare-{16..512}.png (Qt's SVG
renderer, offscreen), photocompare.ico (Windows) and photocompare.icns (macOS) with Pillow.
The outputs are committed; run again after editing the SVG.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
SVG = ICONS / "photocompare.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render_pngs() -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for name in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        os.environ.pop(name, None)
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot parse {SVG}")
    written = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = ICONS / f"photocompare-{size}.png"
        if not image.save(str(path)):
            raise SystemExit(f"cannot write {path}")
        written.append(path)
    return written


def write_ico_icns() -> None:
    from PIL import Image

    biggest = Image.open(ICONS / "photocompare-512.png").convert("RGBA")
    biggest.save(
        ICONS / "photocompare.ico",
        sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)],
    )
    biggest.save(ICONS / "photocompare.icns")


if __name__ == "__main__":
    for p in render_pngs():
        print(p.relative_to(ROOT))
    write_ico_icns()
    print("resources/icons/photocompare.ico, photocompare.icns")
