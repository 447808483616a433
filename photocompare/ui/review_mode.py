"""Patient review mode: one patient's own progress, for the patient to look at.

Shows only that patient: a large before/after pair (aligned by the face core when it can,
otherwise as taken), the plain-language summary of headache days, and the dates. There is no
library navigation, no patient list, no search and no editing anywhere in this window, and no
menu or shortcut that opens one. Leaving is an explicit action ("Leave review…"); when a PIN is
set it must be entered (checked against a salted hash — the PIN itself is never stored). Esc,
Alt+F4 and the window's close button do not leave while a PIN is set.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QImage, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from photocompare.core import figures_format
from photocompare.core.analysis_service import AnalysisService
from photocompare.core.course_format import (
    as_date,
    baseline_of,
    field,
    main_periods,
    period_containing,
)
from photocompare.core.errors import LibraryError
from photocompare.library import api as library_access
from photocompare.ui import palette
from photocompare.ui.qimage import qimage_from_rgb
from photocompare.ui.review_widgets import EscapeFilter, PictureView, PinDialog
from photocompare.ui.workers import run_task

log = logging.getLogger(__name__)

PIN_ITERATIONS = 200_000


# --- PIN hashing (format "pbkdf2_sha256$ITER$SALT_HEX$DIGEST_HEX") -----------------------------
def hash_pin(pin: str, *, salt: bytes | None = None, iterations: int = PIN_ITERATIONS) -> str:
    """A salted PBKDF2 hash of `pin`, self-describing so it can be stored as one string."""
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, pin_hash: str) -> bool:
    """True when `pin` matches a hash made by `hash_pin` (constant-time comparison)."""
    try:
        scheme, iterations, salt_hex, digest_hex = pin_hash.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt_hex), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


# --- what the window shows -----------------------------------------------------------------------
# Shown when the identity check says the two photos are of different people: the patient is
# told plainly, and the photos stay side by side as taken, never aligned one onto the other.
OTHER_PERSON_BADGE = "as taken — may show another person"
OTHER_PERSON_TEXT = ("The after photo may show another person, so it is not laid over the "
                     "before photo. Please ask your clinician.")


@dataclass(frozen=True)
class OtherPerson:
    """A pair whose identity check failed; `message` is the check's own sentence."""

    message: str


@dataclass(frozen=True)
class ReviewPair:
    label: str  # "Cycle 2"
    before: library_access.PhotoRow
    after: library_access.PhotoRow
    before_period: Any | None
    after_period: Any | None


def summary_sentence(report: Any, after_period: Any | None) -> str:
    """The plain-language headache-day summary for a period vs baseline (core's figures)."""
    try:  # the course core's own wording, when it offers one
        from photocompare.core import course as course_core

        helper = getattr(course_core, "plain_summary", None) or getattr(
            course_core, "summary_sentence", None
        )
        if helper is not None and report is not None:
            text = helper(report, field(after_period, "label")) if after_period is not None else helper(report)
            if text:
                return str(text)
    except Exception:  # noqa: BLE001 - fall back to our own wording of the same figures
        log.debug("course summary helper unavailable", exc_info=True)
    base = baseline_of(report)
    if base is None or after_period is None or after_period is base:
        return ""
    before = field(base, "headache_days_per_28")
    after = field(after_period, "headache_days_per_28")
    change = field(after_period, "headache_change_pct")
    if before is None or after is None:
        return ""
    text = f"Headache days went from {_days(before)} to {_days(after)} per 28 days"
    if change is None:
        return text + "."
    change = float(change)  # shown through figures_format, as in the table and the core's sentence
    if abs(change) < 0.5:
        return text + " — about the same."
    return text + f" — {figures_format.fmt_pct_size(change)} {'fewer' if change < 0 else 'more'}."


def _days(value: Any) -> str:
    return figures_format.fmt_per28(float(value))


def migraine_sentence(report: Any, after_period: Any | None) -> str:
    base = baseline_of(report)
    if base is None or after_period is None or after_period is base:
        return ""
    before = field(base, "migraine_days_per_28")
    after = field(after_period, "migraine_days_per_28")
    if before is None or after is None:
        return ""
    return f"Migraine days: {_days(before)} → {_days(after)} per 28 days."


def choose_pairs(photos: list[library_access.PhotoRow], report: Any | None) -> list[ReviewPair]:
    """One pair per treatment cycle that has a photo: a baseline photo vs that cycle's photo.

    Prefers the same view and expression as the baseline photo (the frontal neutral one when
    there is one). Without course periods: the first vs the last photo.
    """
    dated = [p for p in photos if p.taken_at is not None]
    if len(dated) < 2:
        return []
    periods = main_periods(report) if report is not None else []
    if not periods:
        return [ReviewPair("Latest", dated[0], dated[-1], None, None)]

    def period_of(photo: library_access.PhotoRow) -> Any | None:
        return period_containing(report, photo.taken_date)

    baseline = baseline_of(report)
    base_photos = [p for p in dated if period_of(p) is baseline] if baseline is not None else []
    first_start = as_date(field(periods[0], "start"))
    if not base_photos and first_start is not None:  # photos taken before any diary period
        base_photos = [p for p in dated if p.taken_date and p.taken_date < first_start]
    if not base_photos:
        base_photos = dated[:1]

    def rank(p: library_access.PhotoRow) -> tuple[int, int]:
        return (
            0 if (p.view_label or "frontal") == "frontal" else 1,
            0 if (p.expression_label or "neutral") == "neutral" else 1,
        )

    before = sorted(base_photos, key=rank)[0]
    pairs = []
    for period in periods:
        if period is baseline:
            continue
        in_period = [p for p in dated if period_of(p) is period and p.id != before.id]
        if not in_period:
            continue
        same = [
            p
            for p in in_period
            if p.view_label == before.view_label and p.expression_label == before.expression_label
        ]
        after = (same or in_period)[-1]
        label = str(field(period, "label", "")).capitalize()
        pairs.append(ReviewPair(label, before, after, period_of(before), period))
    return pairs


class ReviewWindow(QWidget):
    """Full-screen-capable window showing one patient's own before/after and headache days.

    `pin_hash` is a `hash_pin` string; alternatively `pin_check` (e.g. the settings store's
    `check_review_pin`) verifies a PIN. With neither, leaving needs only the explicit button.
    """

    left = Signal()  # emitted once the user has left review mode
    pin_refused = Signal()  # a wrong PIN was entered to leave (each attempt; for the audit log)

    def __init__(
        self,
        library: Any,
        patient_id: int | str,
        pin_hash: str | None = None,
        *,
        pin_check: Callable[[str], bool] | None = None,
        settings_store: Any | None = None,
        align: bool = True,
        analysis: AnalysisService | None = None,
        pin_dialog: Callable[[QWidget], PinDialog] = PinDialog,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._library = library
        # The app's shared ui.analysis_service.AnalysisService (one face model, used on workers,
        # native chatter silenced). Without one, this window makes its own on first use.
        self._analysis = analysis
        self._own_analysis: AnalysisService | None = None
        self._pin_hash = pin_hash
        self._pin_check = pin_check
        if pin_check is None and pin_hash is None and settings_store is not None:
            if settings_store.has_review_pin():
                self._pin_check = settings_store.check_review_pin
        self._allow_close = False
        self._align = align
        self._tasks: list[Any] = []
        self._aligned: dict[int, QImage] = {}  # pair index -> aligned "after" picture
        # pair index -> why its "after" photo may show someone else (never aligned onto "before")
        self._other_person: dict[int, str] = {}
        self._pin_dialog = pin_dialog  # makes the PIN prompt (a different one at a kiosk)

        self.patient = _resolve_patient(library, patient_id)
        self.setWindowTitle(f"PhotoCompare — review: {self.patient.label}")
        self.report = library_access.load_course_report(library, self.patient.id)
        photos = library_access.list_photos(library, self.patient.id)
        self.pairs = choose_pairs(photos, self.report)

        # header
        self.name_label = QLabel(self.patient.display_name or self.patient.external_id)
        f = QFont(self.font())
        f.setPointSizeF(f.pointSizeF() * 1.8)
        f.setBold(True)
        self.name_label.setFont(f)
        self.leave_button = QPushButton("Leave review…")
        self.leave_button.setAutoDefault(False)
        self.leave_button.clicked.connect(self.request_leave)
        self.fullscreen_button = QPushButton("Full screen")
        self.fullscreen_button.setCheckable(True)
        self.fullscreen_button.toggled.connect(self._set_fullscreen)
        header = QHBoxLayout()
        header.addWidget(self.name_label)
        header.addStretch(1)
        header.addWidget(self.fullscreen_button)
        header.addWidget(self.leave_button)

        # pictures
        self.before_view = PictureView("Before")
        self.after_view = PictureView("After")
        pictures = QHBoxLayout()
        pictures.setSpacing(8)
        pictures.addWidget(self.before_view, 1)
        pictures.addWidget(self.after_view, 1)

        # summary
        self.summary_label = QLabel()
        sf = QFont(self.font())
        sf.setPointSizeF(sf.pointSizeF() * 1.7)
        self.summary_label.setFont(sf)
        self.summary_label.setWordWrap(True)
        self.summary_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail_label = QLabel()
        df = QFont(self.font())
        df.setPointSizeF(df.pointSizeF() * 1.2)
        self.detail_label.setFont(df)
        self.detail_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail_label.setWordWrap(True)

        # cycle choice (this patient's own cycles only)
        self.cycle_buttons = QButtonGroup(self)
        self.cycle_buttons.setExclusive(True)
        cycles = QHBoxLayout()
        cycles.addStretch(1)
        for i, pair in enumerate(self.pairs):
            b = QPushButton(pair.label)
            b.setCheckable(True)
            b.setAutoDefault(False)
            self.cycle_buttons.addButton(b, i)
            cycles.addWidget(b)
        cycles.addStretch(1)
        self.cycle_buttons.idClicked.connect(self.show_pair)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(pictures, 1)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.detail_label)
        if len(self.pairs) > 1:
            layout.addLayout(cycles)
        self.setStyleSheet(
            f"ReviewWindow {{ background: {palette.REVIEW_BACKDROP.name()}; }}"
            f" QLabel {{ color: {palette.REVIEW_TEXT.name()}; }}"
            "QPushButton { padding: 6px 14px; }"
            f"QPushButton:checked {{ background: {palette.REVIEW_CHOSEN.name()}; color: white; font-weight: bold; }}"
        )

        self._escape_filter = EscapeFilter(self)
        self.installEventFilter(self._escape_filter)
        for child in self.findChildren(QWidget):
            child.installEventFilter(self._escape_filter)
        self.resize(1280, 860)
        if self.pairs:
            self.show_pair(len(self.pairs) - 1)
        else:
            self._show_summary_only()

    # public -----------------------------------------------------------------------------
    @property
    def pin_required(self) -> bool:
        return bool(self._pin_hash) or self._pin_check is not None

    def aligned_pairs(self) -> frozenset[int]:
        """Indices of the pairs whose after photo has been aligned onto the before photo."""
        return frozenset(self._aligned)

    @property
    def analysis_in_use(self) -> AnalysisService | None:
        """The face analysis this window aligns with: the app's shared one, or the one it made
        for itself (None before the first alignment and after the window was closed)."""
        return self._analysis if self._analysis is not None else self._own_analysis

    @property
    def made_own_analysis(self) -> bool:
        """True while this window holds a face model of its own (it had none handed in)."""
        return self._own_analysis is not None

    def check_pin(self, pin: str) -> bool:
        if self._pin_hash:
            return verify_pin(pin, self._pin_hash)
        if self._pin_check is not None:
            return bool(self._pin_check(pin))
        return True

    def show_kiosk(self) -> None:
        """Show full screen (waiting-room kiosk)."""
        self.fullscreen_button.setChecked(True)
        self.showFullScreen()

    def request_leave(self) -> bool:
        """The explicit way out: asks for the PIN when one is set; True when left."""
        if self.pin_required:
            dialog = self._pin_dialog(self)
            while True:
                if dialog.exec() != QDialog.DialogCode.Accepted:
                    return False
                if self.check_pin(dialog.pin()):
                    break
                self.pin_refused.emit()
                dialog.message.setText("Wrong PIN. Try again, or Cancel to stay.")
                dialog.pin_edit.clear()
        self._allow_close = True
        self.left.emit()
        self.close()
        return True

    def leave_with_pin(self, pin: str) -> bool:
        """Leave if `pin` is right (or none is set); otherwise stay. True when left."""
        if self.pin_required and not self.check_pin(pin):
            self.pin_refused.emit()
            return False
        self._allow_close = True
        self.left.emit()
        self.close()
        return True

    def show_pair(self, index: int) -> None:
        if not (0 <= index < len(self.pairs)):
            return
        pair = self.pairs[index]
        button = self.cycle_buttons.button(index)
        if button is not None:
            button.setChecked(True)
        self.current_pair = pair
        before_img = _load_qimage(pair.before.path)
        after_img = _load_qimage(pair.after.path)
        self.before_view.set_image(before_img, _caption("Before", pair.before, pair.before_period))
        after_caption = _caption("After", pair.after, pair.after_period)
        if index in self._aligned:
            self.after_view.set_image(self._aligned[index], after_caption, "aligned to before")
        elif index in self._other_person:
            self.after_view.set_image(after_img, after_caption, OTHER_PERSON_BADGE)
        else:
            self.after_view.set_image(after_img, after_caption, "as taken")
        self.summary_label.setText(summary_sentence(self.report, pair.after_period))
        self.detail_label.setText(self._detail_text(pair.after_period, index))
        if self._align and index not in self._aligned and index not in self._other_person:
            self._start_alignment(index, pair)

    # internals --------------------------------------------------------------------------
    def _show_summary_only(self) -> None:
        self.current_pair = None
        periods = main_periods(self.report) if self.report is not None else []
        latest = periods[-1] if len(periods) > 1 else None
        self.before_view.set_image(None, "Before")
        self.after_view.set_image(None, "After")
        self.summary_label.setText(summary_sentence(self.report, latest) or "No comparison yet.")
        self.detail_label.setText(self._detail_text(latest))

    def _detail_text(self, period: Any | None, index: int | None = None) -> str:
        parts = [migraine_sentence(self.report, period)]
        if index is not None and index in self._other_person:
            parts.insert(0, OTHER_PERSON_TEXT)
        base = baseline_of(self.report)
        if base is not None and period is not None and period is not base:
            parts.append(
                f"Before treatment: {_long_date(field(base, 'start'))} – {_long_date(field(base, 'end'))}; "
                f"{field(period, 'label', '')}: {_long_date(field(period, 'start'))} – "
                f"{_long_date(field(period, 'end'))}."
            )
        return "  ".join(p for p in parts if p)

    def _analysis_service(self) -> AnalysisService:
        """The shared analysis service, or (standalone) one of our own: it creates a single
        FaceAnalyzer, on the worker, inside quiet.native_stderr_silenced()."""
        if self._analysis is not None:
            return self._analysis
        if self._own_analysis is None:
            self._own_analysis = AnalysisService(getattr(self._library, "limits", None))
        return self._own_analysis

    def _start_alignment(self, index: int, pair: ReviewPair) -> None:
        # imported here: OpenCV is loaded when the first pair is aligned, not at app start
        from photocompare.core.align import warp_with_coverage
        from photocompare.core.images import load_rgb

        analysis = self._analysis_service()

        def work(ctx) -> Any:
            result = analysis.compare(
                pair.before.path, pair.after.path, None, align=True,
                keys=(pair.before.sha256, pair.after.sha256),
            )
            identity = result.checks.get("identity")
            if identity is not None and identity.status == "fail":
                return OtherPerson(identity.message)  # two people are never laid over each other
            if result.alignment is None:
                return None
            before = load_rgb(pair.before.path, max_side=1600)
            after = load_rgb(pair.after.path, max_side=1600)
            # Warp the reduced AFTER straight into the reduced BEFORE frame (display size).
            return warp_with_coverage(
                after.rgb,
                result.alignment,
                before.rgb.shape,
                after_scale=after.scale,
                before_scale=before.scale,
            ).rgb

        def done(warped: Any) -> None:
            if warped is None:
                return
            if isinstance(warped, OtherPerson):
                self._other_person[index] = warped.message
                if getattr(self, "current_pair", None) is pair:
                    self.after_view.set_image(
                        self.after_view.image(), self.after_view.caption(), OTHER_PERSON_BADGE
                    )
                    self.detail_label.setText(self._detail_text(pair.after_period, index))
                return
            try:
                image = qimage_from_rgb(warped)
                self._aligned[index] = image
                if getattr(self, "current_pair", None) is pair:
                    self.after_view.set_image(image, self.after_view.caption(), "aligned to before")
            except RuntimeError:  # the window was closed while the alignment ran
                pass

        self._tasks.append(run_task(work, done, lambda exc: log.info("review: no alignment: %s", exc)))

    def _release_own_analysis(self) -> None:
        """Close a standalone window's own face model (on a worker: it waits for a running
        comparison to finish, which must not freeze the screen)."""
        own, self._own_analysis = self._own_analysis, None
        if own is not None:
            run_task(lambda _ctx: own.close(), None, lambda exc: log.info("review: close: %s", exc))

    def _set_fullscreen(self, on: bool) -> None:
        if on:
            self.showFullScreen()
        else:
            self.showNormal()

    # the ways out ----------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            event.accept()  # Esc never leaves review mode
            return
        if event.matches(QKeySequence.StandardKey.FullScreen) or event.key() == Qt.Key.Key_F11:
            self.fullscreen_button.toggle()
            return
        if event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right) and self.pairs:
            current = self.cycle_buttons.checkedId()
            step = -1 if event.key() == Qt.Key.Key_Left else 1
            self.show_pair(max(0, min(len(self.pairs) - 1, current + step)))
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802
        if self._allow_close or not self.pin_required:
            if not self._allow_close:
                self._allow_close = True
                self.left.emit()
            self._release_own_analysis()
            event.accept()
        else:
            event.ignore()


def _resolve_patient(library: Any, patient_id: int | str) -> library_access.PatientRow:
    row = None
    if isinstance(patient_id, int) or (isinstance(patient_id, str) and patient_id.isdigit()):
        row = library_access.get_patient(library, int(patient_id))
    if row is None and isinstance(patient_id, str):
        row = library_access.find_patient(library, patient_id)
    if row is None:
        raise LibraryError(f"No patient with the ID {patient_id} in this library.")
    return row


def _caption(word: str, photo: library_access.PhotoRow, period: Any | None) -> str:
    when = _long_date(photo.taken_at)
    label = field(period, "label") if period is not None else None
    if label == "baseline":
        label = "before treatment"
    return f"{word} — {when}" + (f" ({label})" if label else "")


def _long_date(value: Any) -> str:
    d = as_date(value)
    return f"{d.day} {d.strftime('%B %Y')}" if isinstance(d, dt.date) else "–"


def _load_qimage(path: str) -> QImage | None:
    """The photo with its EXIF orientation applied, reduced for the screen (the core's loader)."""
    from photocompare.core.images import load_rgb

    try:
        loaded = load_rgb(path, max_side=2000)
        return qimage_from_rgb(loaded.rgb)
    except Exception as exc:  # noqa: BLE001 - an unreadable photo shows as "No photo"
        log.info("review: cannot show %s: %s", path, exc)
        image = QImage(path)
        return None if image.isNull() else image
