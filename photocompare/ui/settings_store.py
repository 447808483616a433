"""The app's persisted preferences on QSettings, mapped to the typed `photocompare.settings`.

The core never sees QSettings: it receives plain frozen dataclasses (`CheckThresholds`, ...)
built here. Tests inject a store backed by an INI file in a temporary directory so they never
touch the user's real preferences.

The review-mode PIN is stored as a salted PBKDF2 hash, never as the PIN itself.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from photocompare import APP_NAME
from photocompare.core.course import TREATMENT_DAY_PERIODS
from photocompare.settings import (
    CheckThresholds,
    CourseSettings,
    Paper,
    Prescriber,
    Settings,
    default_library_dir,
)

_PIN_ITERATIONS = 200_000


@dataclass(frozen=True)
class SheetDefaults:
    """What a comparison sheet carries unless the user changes it at export time."""

    clinic_name: str = ""
    clinician_name: str = ""
    paper: Paper = Paper.A4
    logo_path: str = ""  # the clinic logo printed in the sheet header ("" = none)

    def __post_init__(self) -> None:
        # Callers may pass the text of a menu or an older stored value ("A4"); keep the Paper.
        object.__setattr__(self, "paper", Paper.parse(self.paper))


class SettingsStore:
    """Typed accessors over one QSettings object."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._q = qsettings if qsettings is not None else QSettings(APP_NAME, APP_NAME)

    @classmethod
    def at_path(cls, ini_path: str | os.PathLike[str]) -> SettingsStore:
        """A store kept in one INI file (tests, portable installs)."""
        return cls(QSettings(os.fspath(ini_path), QSettings.Format.IniFormat))

    @property
    def qsettings(self) -> QSettings:
        return self._q

    def sync(self) -> None:
        self._q.sync()

    # --- library -----------------------------------------------------------------------
    def library_location(self) -> str:
        value = self._q.value("library/location", "", str)
        return value or str(default_library_dir())

    def set_library_location(self, location: str) -> None:
        self._q.setValue("library/location", location)

    def has_library_location(self) -> bool:
        return bool(self._q.value("library/location", "", str))

    def store_location(self) -> str:
        """The originals store folder a server (PostgreSQL) library needs; "" when not set."""
        return self._q.value("library/store", "", str) or ""

    def set_store_location(self, folder: str) -> None:
        if folder:
            self._q.setValue("library/store", folder)
        else:
            self._q.remove("library/store")

    # --- checks ------------------------------------------------------------------------
    def thresholds(self) -> CheckThresholds:
        base = CheckThresholds()
        values = {}
        for f in fields(CheckThresholds):
            raw = self._q.value(f"checks/{f.name}", None)
            if raw is None:
                continue
            try:
                values[f.name] = float(raw)
            except (TypeError, ValueError):
                continue
        return replace(base, **values)

    def set_thresholds(self, thresholds: CheckThresholds) -> None:
        default = CheckThresholds()
        for f in fields(CheckThresholds):
            value = getattr(thresholds, f.name)
            if value == getattr(default, f.name):
                self._q.remove(f"checks/{f.name}")
            else:
                self._q.setValue(f"checks/{f.name}", float(value))

    # --- sheet -------------------------------------------------------------------------
    def sheet_defaults(self) -> SheetDefaults:
        # Older versions stored "A4" / "Letter"; both read as the same Paper.
        paper = Paper.from_setting(self._q.value("sheet/paper", Paper.A4.value, str))
        return SheetDefaults(
            clinic_name=self._q.value("sheet/clinic_name", "", str) or "",
            clinician_name=self._q.value("sheet/clinician_name", "", str) or "",
            paper=paper,
            logo_path=self._q.value("sheet/clinic_logo", "", str) or "",
        )

    def set_sheet_defaults(self, sheet: SheetDefaults) -> None:
        self._q.setValue("sheet/clinic_name", sheet.clinic_name)
        self._q.setValue("sheet/clinician_name", sheet.clinician_name)
        self._q.setValue("sheet/paper", sheet.paper.value)
        if sheet.logo_path:
            self._q.setValue("sheet/clinic_logo", sheet.logo_path)
        else:
            self._q.remove("sheet/clinic_logo")

    # --- migraine course ---------------------------------------------------------------
    def course_settings(self) -> CourseSettings:
        """CourseSettings with the user's choices (where treatment-day photos belong)."""
        period = self._q.value("course/treatment_day_photo_period", "", str) or ""
        if period not in TREATMENT_DAY_PERIODS:
            return CourseSettings()
        return replace(CourseSettings(), treatment_day_photo_period=period)

    def set_course_settings(self, course: CourseSettings) -> None:
        if course.treatment_day_photo_period == CourseSettings().treatment_day_photo_period:
            self._q.remove("course/treatment_day_photo_period")
        else:
            self._q.setValue("course/treatment_day_photo_period", course.treatment_day_photo_period)

    # --- prescriber (payer reports) ------------------------------------------------------
    def prescriber(self) -> Prescriber:
        return Prescriber(**{f.name: self._q.value(f"prescriber/{f.name}", "", str) or ""
                             for f in fields(Prescriber)})

    def set_prescriber(self, prescriber: Prescriber) -> None:
        for f in fields(Prescriber):
            value = getattr(prescriber, f.name)
            if value:
                self._q.setValue(f"prescriber/{f.name}", value)
            else:
                self._q.remove(f"prescriber/{f.name}")

    def settings(self) -> Settings:
        """The typed settings the core receives."""
        sheet = self.sheet_defaults()
        return Settings(
            checks=self.thresholds(),
            course=self.course_settings(),
            clinic_name=sheet.clinic_name,
            clinician_name=sheet.clinician_name,
            prescriber=self.prescriber(),
        )

    # --- review-mode PIN ---------------------------------------------------------------
    def has_review_pin(self) -> bool:
        return bool(self._q.value("review/pin_hash", "", str))

    def set_review_pin(self, pin: str | None) -> None:
        """Store a salted hash of `pin`; None or "" removes the PIN."""
        if not pin:
            self._q.remove("review/pin_hash")
            self._q.remove("review/pin_salt")
            return
        salt = os.urandom(16)
        digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, _PIN_ITERATIONS)
        self._q.setValue("review/pin_salt", salt.hex())
        self._q.setValue("review/pin_hash", digest.hex())

    def check_review_pin(self, pin: str) -> bool:
        """True when no PIN is set, or `pin` matches the stored hash."""
        stored = self._q.value("review/pin_hash", "", str)
        if not stored:
            return True
        try:
            salt = bytes.fromhex(self._q.value("review/pin_salt", "", str))
        except ValueError:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, _PIN_ITERATIONS)
        return hmac.compare_digest(digest.hex(), stored)

    # --- window state ------------------------------------------------------------------
    def window_geometry(self) -> QByteArray | None:
        value = self._q.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_window_geometry(self, geometry: QByteArray) -> None:
        self._q.setValue("window/geometry", geometry)

    def window_state(self) -> QByteArray | None:
        value = self._q.value("window/state")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_window_state(self, state: QByteArray) -> None:
        self._q.setValue("window/state", state)

    def inspector_wanted(self) -> bool:
        """Whether the photo inspector was open when the app was last closed (default open)."""
        return self._q.value("window/inspector_open", True, bool)

    def set_inspector_wanted(self, on: bool) -> None:
        self._q.setValue("window/inspector_open", bool(on))

    def last_import_dir(self) -> str:
        return self._q.value("import/last_dir", str(Path.home()), str) or str(Path.home())

    def set_last_import_dir(self, path: str) -> None:
        self._q.setValue("import/last_dir", path)
