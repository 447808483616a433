"""The pieces of the patient review window: a photo that fills its space with a caption
band, the masked PIN prompt for leaving, and the filter that keeps Esc from leaving."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QImage, QPainter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from photocompare.ui import palette


class PictureView(QWidget):
    """A photo scaled to fit, centred, with a caption band under it."""

    def __init__(self, caption: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._caption = caption
        self._badge = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(600, 700)

    def set_image(self, image: QImage | None, caption: str, badge: str = "") -> None:
        self._image = image
        self._caption = caption
        self._badge = badge
        self.setAccessibleName(caption)
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def caption(self) -> str:
        return self._caption

    def badge(self) -> str:
        """The small note in the corner, e.g. "aligned to before"."""
        return self._badge

    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.fillRect(self.rect(), palette.REVIEW_PHOTO_BACKDROP)
        fm_h = self.fontMetrics().height()
        cap_h = int(fm_h * 2.2)
        area = QRectF(0, 0, self.width(), self.height() - cap_h)
        if self._image is not None and not self._image.isNull():
            iw, ih = self._image.width(), self._image.height()
            s = min(area.width() / iw, area.height() / ih)
            target = QRectF(0, 0, iw * s, ih * s)
            target.moveCenter(area.center())
            p.drawImage(target, self._image)
        else:
            p.setPen(palette.REVIEW_MUTED_TEXT)
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, "No photo")
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        p.setFont(font)
        p.setPen(palette.CAPTION)
        p.drawText(
            QRectF(0, self.height() - cap_h, self.width(), cap_h),
            Qt.AlignmentFlag.AlignCenter,
            self._caption,
        )
        if self._badge:
            f2 = QFont(self.font())
            p.setFont(f2)
            p.setPen(palette.REVIEW_BADGE_TEXT)
            p.drawText(QRectF(8, 6, self.width() - 16, fm_h + 4), Qt.AlignmentFlag.AlignRight, self._badge)
        p.end()


class PinDialog(QDialog):
    """Asks for the review-mode PIN (masked input)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Leave review mode")
        self.setModal(True)
        self.pin_edit = QLineEdit()
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setAccessibleName("PIN")
        self.message = QLabel("Enter the PIN to leave review mode.")
        # The review window's dark style (light label text) cascades to its child dialogs: this
        # dialog has the normal light background, so its text takes the normal colour again.
        self.setStyleSheet("QLabel { color: palette(window-text); }")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.pin_edit)
        layout.addWidget(buttons)

    def pin(self) -> str:
        return self.pin_edit.text()


class EscapeFilter(QObject):
    """Swallows Esc for the review window and its children (Esc must not leave)."""

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            if event.key() == Qt.Key.Key_Escape and not isinstance(obj, QDialog):
                event.accept()
                return True
        return False
