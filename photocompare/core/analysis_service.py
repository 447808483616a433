"""The app's one FaceAnalyzer, shared by every view, used only from worker threads.

The landmark model is heavy (hundreds of ms to load), so it is created once, on first use, on a
worker thread — never on the GUI thread. MediaPipe's IMAGE mode is not thread-safe, so every
call into the analyzer holds one lock. Per-photo measures are cached by the photo's SHA-256
(the content, so the cache can never show another photo's figures). Face descriptors for the
identity check go through `descriptor_cache` (the library's store of them), so a photo's
descriptor is computed once, ever.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from photocompare.core import quiet
from photocompare.settings import CheckThresholds, ImageLimits


class AnalysisService:
    def __init__(
        self,
        limits: ImageLimits | None = None,
        cache_size: int = 256,
        descriptor_cache: Callable[[str, Callable[[], Any]], Any] | None = None,
    ) -> None:
        self._limits = limits or ImageLimits()
        self._descriptor_cache = descriptor_cache
        self._lock = threading.Lock()
        self._analyzer: Any = None
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._cache_size = cache_size
        self._closed = False
        self.created = 0  # how many analyzers were built (must stay 1)

    def _get(self) -> Any:  # call with the lock held
        if self._closed:
            raise RuntimeError("analysis service closed")
        if self._analyzer is None:
            from photocompare.core.face import FaceAnalyzer

            with quiet.native_stderr_silenced():  # TFLite/absl start-up chatter -> log file
                self._analyzer = FaceAnalyzer(limits=self._limits)
            self.created += 1
        return self._analyzer

    def warm_up(self) -> None:
        """Load the model now (on a worker, soon after start-up) instead of in the middle of
        the first import or comparison: loading holds the interpreter lock for a while."""
        with self._lock:
            if not self._closed:
                self._get()

    def measures(self, path: str, key: str | None = None) -> Any:
        """PhotoMeasures of one photo (cached by `key`, normally its sha256)."""
        key = key or path
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
            with quiet.native_stderr_silenced():
                result = self._get().analyze(path)
            self._remember(key, result)
            return result

    def cached_measures(self, key: str) -> Any | None:
        with self._lock:
            return self._cache.get(key)

    def _remember(self, key: str, value: Any) -> None:
        self._cache[key] = value
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def compare(
        self,
        before_path: str,
        after_path: str,
        thresholds: CheckThresholds | None = None,
        align: bool = True,
        keys: tuple[str | None, str | None] = (None, None),
    ) -> Any:
        """The PairResult of the pair (checks, alignment, both photos' measures). `keys` (the
        photos' SHA-256) let stored face descriptors be reused."""
        from photocompare.core.pairing import compare_photos

        with self._lock, quiet.native_stderr_silenced():
            return compare_photos(
                before_path,
                after_path,
                self._get(),
                thresholds=thresholds or CheckThresholds(),
                align=align,
                descriptor_cache=self._descriptor_cache if any(keys) else None,
                descriptor_keys=keys,
            )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._analyzer is not None:
                try:
                    self._analyzer.close()
                finally:
                    self._analyzer = None
