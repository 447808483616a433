"""Each complete photo from a hot folder: import, label, pick the baseline, check — one call.

`HotFolderImporter.handle(complete_file)` imports the file for the visit's patient (the same
importer as `photocompare import`: validated, copied atomically into the store, duplicates
recognised), suggests view and expression labels (never replacing a person's), picks the
baseline — the patient's earliest photo with the same view and expression, else the patient's
earliest photo, with a note saying so — and runs the same pair check as `photocompare check`
(`core.pairing.compare_photos`), so the verdict at the chair and the one after the visit agree.

The baseline's measures are kept between drops (a visit checks many photos against few
baselines), and the new photo is decoded and analysed once for both its labels and its check.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from photocompare.core.errors import LibraryError, PhotoCompareError
from photocompare.core.face import analysis_side
from photocompare.core.hot_folder import CompleteFile
from photocompare.core.images import LoadedImage, load_rgb
from photocompare.library.db import Library
from photocompare.library.importer import _create_patient, _import_one
from photocompare.library.labelling import suggest_and_store_labels
from photocompare.library.models import Photo
from photocompare.settings import CheckThresholds

log = logging.getLogger(__name__)

_BASELINE_CACHE_SIZE = 8  # baselines kept decoded and measured (one per shot of the list)


@dataclass(frozen=True)
class HotFolderResult:
    """What happened to one file; `to_json()` is the `watch --json` "photo" line."""

    path: str
    status: str  # "imported" | "duplicate" | "rejected"
    reason: str | None
    photo_id: int | None
    view: str | None
    expression: str | None
    baseline_photo_id: int | None
    check: dict[str, Any] | None  # as `check --json`, with a note when the baseline is a fallback
    consistent: bool | None  # the check's verdict (None without a check)
    seconds_to_verdict: float  # from the file being complete to this result

    def to_json(self) -> dict[str, Any]:
        return {
            "event": "photo",
            "path": self.path,
            "status": self.status,
            "reason": self.reason,
            "photo_id": self.photo_id,
            "view": self.view,
            "expression": self.expression,
            "baseline_photo_id": self.baseline_photo_id,
            "check": self.check,
        }

    @property
    def verdict(self) -> str:
        """"pass" (all checks pass), "warn" (comparable, with warnings), "fail" (retake), or
        "none" (no check: rejected, duplicate, or nothing to compare with yet)."""
        if self.check is None:
            return "none"
        statuses = {c.get("status") for c in (self.check.get("checks") or {}).values()}
        if "fail" in statuses:
            return "fail"
        return "warn" if "warn" in statuses else "pass"


@dataclass(frozen=True)
class _Measured:
    signature: tuple[int, int]
    image: LoadedImage
    measures: Any


class _KnownMeasures:
    """Stands in for the analyzer inside `compare_photos`: images measured already are not
    analysed again (they are recognised by identity), anything else goes to the analyzer."""

    def __init__(self, analyzer: Any, known: dict[int, Any]) -> None:
        self._analyzer = analyzer
        self._known = known
        self.limits = analyzer.limits

    def analyze(self, source: Any, *, path: str | Path | None = None) -> Any:
        found = self._known.get(id(source))
        return found if found is not None else self._analyzer.analyze(source, path=path)


class HotFolderImporter:
    """Import-label-check for one patient's visit. Not thread-safe: one caller at a time."""

    def __init__(
        self,
        library: Library,
        patient_external_id: str,
        analyzer: Any,
        thresholds: CheckThresholds | None = None,
        *,
        display_name: str | None = None,
    ) -> None:
        self.library = library
        self.patient_external_id = (patient_external_id or "").strip()
        if not self.patient_external_id:
            raise LibraryError("a patient id is needed to import photos")
        self.analyzer = analyzer
        self.thresholds = thresholds or CheckThresholds()
        self.display_name = display_name
        self.counts = {"imported": 0, "duplicates": 0, "rejected": 0}
        self._measured: OrderedDict[Path, _Measured] = OrderedDict()

    def handle(self, complete: CompleteFile) -> HotFolderResult:
        """Never raises for a bad file (a `rejected` result); LibraryError when the library
        itself fails."""
        started = complete.complete_at_s
        path = str(complete.path)
        if complete.info is None:
            self.counts["rejected"] += 1
            return self._result(path, "rejected", complete.reason, started)
        # The watcher has just validated the file (full decode, hash): hand that description
        # to the importer instead of decoding the file a second time.
        outcome = _import_one(self.library, complete.path, self._patient_id, complete.info)
        if outcome is None or outcome.status == "rejected":
            self.counts["rejected"] += 1
            reason = outcome.reason if outcome is not None else "could not be imported"
            return self._result(path, "rejected", reason, started)
        photo = self.library.photo(int(outcome.photo_id or 0))
        if outcome.status == "duplicate":
            self.counts["duplicates"] += 1
            return self._result(
                path, "duplicate", outcome.reason, started, photo_id=outcome.photo_id,
                view=getattr(photo, "view_label", None),
                expression=getattr(photo, "expression_label", None),
            )
        self.counts["imported"] += 1
        assert photo is not None  # just committed by the importer
        return self._label_and_check(path, photo, started)

    def _patient_id(self) -> int:
        """The visit's patient, created with the first photo actually imported (a watch whose
        files are all rejected leaves the library as it was)."""
        patient = self.library.get_patient(self.patient_external_id)
        if patient is not None:
            return patient.id
        return _create_patient(self.library, self.patient_external_id, self.display_name)

    # -- steps ------------------------------------------------------------------------------
    def _label_and_check(self, path: str, photo: Photo, started: float) -> HotFolderResult:
        try:
            new = self._measure(self.library.original_path(photo), keep=False)
        except PhotoCompareError as exc:  # stored, but cannot be analysed: no labels, no check
            log.info("photo %s imported but not analysed: %s", photo.id, exc)
            return self._result(path, "imported", None, started, photo_id=photo.id)
        labels = suggest_and_store_labels(
            self.library, [photo.id], self.analyzer, measures={photo.id: new.measures}
        )
        view = labels[0].view if labels else None
        expression = labels[0].expression if labels else None
        baseline, note = self._baseline(photo, view, expression)
        if baseline is None:
            return self._result(
                path, "imported", "first photo of this patient: nothing to check it against yet",
                started, photo_id=photo.id, view=view, expression=expression,
            )
        check, consistent = self._check(baseline, new)
        if check is not None and note:
            check["notes"] = [*check.get("notes", []), note]
        return self._result(
            path, "imported", None, started, photo_id=photo.id, view=view,
            expression=expression, baseline_photo_id=baseline.id, check=check,
            consistent=consistent,
        )

    def _baseline(
        self, photo: Photo, view: str | None, expression: str | None
    ) -> tuple[Photo | None, str | None]:
        """Earliest photo with the same labels; else the patient's earliest (with a note)."""
        others = [p for p in self.library.photos(photo.patient_id) if p.id != photo.id]
        if not others:
            return None, None
        if view and expression:
            for p in others:  # oldest first
                if p.view_label == view and p.expression_label == expression:
                    return p, None
        first = others[0]
        labels = " ".join(x for x in (view, expression) if x) or "unlabelled"
        note = (
            f"No earlier photo labelled {labels}: checked against the patient's earliest "
            f"photo (photo {first.id})."
        )
        return first, note

    def _check(self, baseline: Photo, new: _Measured) -> tuple[dict[str, Any] | None, bool | None]:
        from photocompare.core.pairing import compare_photos

        try:
            before = self._measure(self.library.original_path(baseline), keep=True)
        except PhotoCompareError as exc:
            log.info("baseline photo %s cannot be analysed: %s", baseline.id, exc)
            return None, None
        known = {id(before.image): before.measures, id(new.image): new.measures}
        result = compare_photos(
            before.image, new.image, _KnownMeasures(self.analyzer, known), self.thresholds
        )
        return result.to_json(), bool(result.consistent)

    def _measure(self, path: Path, *, keep: bool) -> _Measured:
        """Decode the analysed copy and measure it (baselines are kept between drops)."""
        st = path.stat()
        signature = (st.st_size, st.st_mtime_ns)
        cached = self._measured.get(path)
        if cached is not None and cached.signature == signature:
            self._measured.move_to_end(path)
            return cached
        limits = self.analyzer.limits
        image = load_rgb(path, max_side=analysis_side(path, limits), limits=limits)
        measured = _Measured(signature, image, self.analyzer.analyze(image, path=path))
        if keep:
            self._measured[path] = measured
            while len(self._measured) > _BASELINE_CACHE_SIZE:
                self._measured.popitem(last=False)
        return measured

    def _result(
        self,
        path: str,
        status: str,
        reason: str | None,
        started: float,
        *,
        photo_id: int | None = None,
        view: str | None = None,
        expression: str | None = None,
        baseline_photo_id: int | None = None,
        check: dict[str, Any] | None = None,
        consistent: bool | None = None,
    ) -> HotFolderResult:
        return HotFolderResult(
            path, status, reason, photo_id, view, expression, baseline_photo_id, check,
            consistent, max(0.0, time.monotonic() - started),
        )

    def stopped_json(self) -> dict[str, Any]:
        """The `watch --json` "stopped" line."""
        return {"event": "stopped", **self.counts}
