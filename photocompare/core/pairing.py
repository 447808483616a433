"""Compare a BEFORE and an AFTER photo: measures, pair checks, alignment — one call.

`compare_photos(before, after, analyzer)` decodes each photo once (reduced, in the JPEG DCT
domain), analyses both with the caller's `FaceAnalyzer`, runs the pair checks and aligns AFTER
onto BEFORE. `PairResult.to_json()` is the object `photocompare check --json` prints contract); more fields than the contract lists are included under extra keys.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from photocompare.core.align import Alignment, estimate_alignment
from photocompare.core.checks import PairCheck, _round, pair_checks
from photocompare.core.face import FaceAnalyzer, PhotoMeasures
from photocompare.core.identity import DescriptorCache, IdentityModel, photo_descriptor
from photocompare.core.identity import similarity as identity_similarity
from photocompare.core.pair_measures import PairMeasures, measure_pair
from photocompare.core.side_effects import PairSideEffects, pair_side_effects
from photocompare.settings import CheckThresholds


@dataclass(frozen=True)
class PairResult:
    before: PhotoMeasures
    after: PhotoMeasures
    checks: dict[str, PairCheck]
    consistent: bool
    alignment: Alignment | None
    before_image: Any = field(default=None, repr=False, compare=False)  # LoadedImage analysed
    after_image: Any = field(default=None, repr=False, compare=False)
    pair: PairMeasures | None = field(default=None, repr=False)
    side_effects: PairSideEffects | None = None

    @property
    def notes(self) -> tuple[str, ...]:
        """Informational notes about the pair (never a failing check): e.g. swapped dates."""
        return capture_order_notes(self.before.taken_at, self.after.taken_at)

    def to_json(self) -> dict[str, Any]:
        return {
            "before": _photo_json(self.before),
            "after": _photo_json(self.after),
            "checks": {name: check.to_json() for name, check in self.checks.items()},
            "consistent": self.consistent,
            "alignment": self.alignment.summary() if self.alignment else None,
            "notes": list(self.notes),
            "side_effects": self.side_effects.to_json() if self.side_effects else None,
        }


def capture_order_notes(
    before_taken: datetime | date | None, after_taken: datetime | date | None
) -> tuple[str, ...]:
    """A note when the AFTER photo was taken before the BEFORE photo (both dates known).

    Only informational: the photos may simply have been picked the wrong way round, which the
    checks (angle, lighting, ...) cannot notice. Aware and naive times are compared on their
    wall-clock values; a plain date is compared on the day only.
    """
    if before_taken is None or after_taken is None:
        return ()
    before_key, after_key = _comparable(before_taken, after_taken)
    if not after_key < before_key:
        return ()
    return (
        f"The after photo was taken before the before photo ({_when(after_taken)} vs "
        f"{_when(before_taken)}): check that the photos are not swapped.",
    )


def _comparable(a: datetime | date, b: datetime | date) -> tuple[Any, Any]:
    if not isinstance(a, datetime) or not isinstance(b, datetime):
        return _day(a), _day(b)
    if (a.tzinfo is None) != (b.tzinfo is None):
        return a.replace(tzinfo=None), b.replace(tzinfo=None)
    return a, b


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _when(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return f"{value:%Y-%m-%d}"


def _photo_json(p: PhotoMeasures) -> dict[str, Any]:
    out = p.summary()
    if p.face is not None:
        f = p.face
        out["face"].update(
            {
                "exposure_ev": _round(f.lighting.exposure_ev),
                "sharpness": _round(f.sharpness),
                "detection": f.detection,
                "framing": _rounded(asdict(f.framing)),
                "lighting": _rounded(asdict(f.lighting)),
                "expression": _rounded(asdict(f.expression)),
                "side_effects": _rounded(asdict(f.side_effects)),
            }
        )
    return out


def _rounded(d: dict[str, Any]) -> dict[str, Any]:
    return {k: _round(v) for k, v in d.items()}


def compare_photos(
    before_path: Any,
    after_path: Any,
    analyzer: FaceAnalyzer,
    thresholds: CheckThresholds | None = None,
    align: bool = True,
    refine: bool = True,
    identity: Any = True,
    descriptor_cache: DescriptorCache | None = None,
    descriptor_keys: tuple[str | None, str | None] = (None, None),
) -> PairResult:
    """Analyse, check and align a pair. Paths (or `LoadedImage`s) in; `UnreadablePhoto` for bad files.

    `thresholds` defaults to `CheckThresholds()`. `identity`: True uses the shipped descriptor
    model (`IdentityModel.shared()`), an `IdentityModel` is used as given, False skips the
    check (it then warns "not checked"). `descriptor_cache` with `descriptor_keys` (the library
    passes the photos' SHA-256) lets a descriptor be computed only once per photo; the cache is
    called from a helper thread (started by Python), one photo at a time.
    """
    thresholds = thresholds or CheckThresholds()
    # Each face descriptor is computed on a helper thread while the main line goes on (the next
    # photo's decode and landmarks, the alignment): the network runs in NumPy, which lets the
    # interpreter go, so on two cores the identity check costs little more than its hand-over.
    helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pair-descriptors")
    try:
        return _compare(
            before_path, after_path, analyzer, thresholds, align, refine, identity,
            descriptor_cache, descriptor_keys, helper,
        )
    finally:
        helper.shutdown(wait=True, cancel_futures=True)


def _describe_later(
    helper: ThreadPoolExecutor,
    identity: Any,
    photo: PhotoMeasures,
    rgb: Any,
    cache: DescriptorCache | None,
    key: str | None,
) -> Future | None:
    if identity is False or photo.face is None:
        return None

    def run() -> Any:
        model = IdentityModel.shared() if identity is True else identity
        return photo_descriptor(photo, rgb, model, cache, key)

    return helper.submit(run)


def _compare(
    before_path: Any,
    after_path: Any,
    analyzer: FaceAnalyzer,
    thresholds: CheckThresholds,
    align: bool,
    refine: bool,
    identity: Any,
    descriptor_cache: DescriptorCache | None,
    descriptor_keys: tuple[str | None, str | None],
    helper: ThreadPoolExecutor,
) -> PairResult:
    before_img, before_path = _load(before_path, analyzer)
    before = analyzer.analyze(before_img, path=before_path)
    before_descriptor = _describe_later(
        helper, identity, before, before_img.rgb, descriptor_cache, descriptor_keys[0]
    )
    after_img, after_path = _load(after_path, analyzer)
    after = analyzer.analyze(after_img, path=after_path)
    after_descriptor = None
    if before_descriptor is not None and after.face is None:
        before_descriptor.cancel()  # no pair to check; stops it only if it has not started
    elif before_descriptor is not None:
        after_descriptor = _describe_later(
            helper, identity, after, after_img.rgb, descriptor_cache, descriptor_keys[1]
        )

    def aligned(after: PhotoMeasures) -> tuple[Alignment | None, float | None]:
        """The alignment of AFTER onto BEFORE and the roll difference it measures."""
        if not align or before.face is None or after.face is None:
            return None, None
        alignment = estimate_alignment(
            before.face.landmarks_px,
            after.face.landmarks_px,
            before_scale=before.analysis_scale,
            after_scale=after.analysis_scale,
            before_rgb=before_img.rgb,
            after_rgb=after_img.rgb,
            refine=refine,
        )
        # The intensity-refined alignment measures the relative in-plane tilt better than the
        # two photos' landmark eye lines: AFTER tilted θ counter-clockwise is rotated back by −θ.
        if alignment.method == "landmarks+intensity":
            return alignment, -alignment.rotation_deg
        return alignment, None

    alignment, roll_diff = aligned(after)
    pair = None
    similarity = None
    if before_descriptor is not None and after_descriptor is not None:
        db = before_descriptor.result()
        da = after_descriptor.result()
        model = IdentityModel.shared() if identity is True else identity
        if db is not None and da is not None:
            similarity = identity_similarity(db, da)
        if (
            db is not None
            and (similarity is None or similarity < thresholds.identity_warn_below)
            and after.face.faces_found > 1
        ):
            # A group photo: measure the face most like the BEFORE photo's, not the largest.
            def likeness(landmarks: Any) -> float:
                return identity_similarity(db, model.describe(after_img.rgb, landmarks))

            other = analyzer.analyze(after_img, path=after_path, prefer=likeness)
            if other.face is not None:
                da2 = photo_descriptor(other, after_img.rgb, model)  # not the cached face
                s2 = identity_similarity(db, da2) if da2 is not None else None
                if s2 is not None and (similarity is None or s2 > similarity):
                    after, similarity = other, s2
                    alignment, roll_diff = aligned(after)
    if before.face is not None and after.face is not None:
        pair = _pair_measures(before, after, before_img.rgb, after_img.rgb, alignment, thresholds)
    checks = pair_checks(
        before,
        after,
        thresholds,
        roll_diff_deg=roll_diff,
        pair=pair,
        identity_similarity=similarity,
    )
    consistent = all(c.status != "fail" for c in checks.values())
    side = pair_side_effects(before, after, checks, noise=thresholds)
    return PairResult(
        before, after, checks, consistent, alignment, before_img, after_img, pair, side
    )


def _pair_measures(
    before: PhotoMeasures,
    after: PhotoMeasures,
    before_rgb: Any,
    after_rgb: Any,
    alignment: Alignment | None,
    thresholds: CheckThresholds,
) -> PairMeasures:
    import numpy as np

    sb, sa = before.analysis_scale, after.analysis_scale
    bp = before.face.landmarks_px.copy()
    ap = after.face.landmarks_px.copy()
    bp[:, :2] *= sb
    ap[:, :2] *= sa
    a2b = None
    if alignment is not None:
        full = np.vstack([alignment.as_array(), [0, 0, 1]])
        a2b = np.diag([sb, sb, 1.0]) @ full @ np.diag([1 / sa, 1 / sa, 1.0])
    return measure_pair(
        before_rgb, bp, after_rgb, ap, a2b, before.face.interocular_px, thresholds
    )


def _load(source: Any, analyzer: FaceAnalyzer) -> tuple[Any, Path | None]:
    from photocompare.core.face import analysis_side
    from photocompare.core.images import load_rgb

    if isinstance(source, (str, Path)):
        path = Path(source)
        return load_rgb(
            path, max_side=analysis_side(path, analyzer.limits), limits=analyzer.limits
        ), path
    return source, None
