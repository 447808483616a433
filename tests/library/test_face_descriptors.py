"""Face descriptors are computed once per photo and kept in the library (migration m0004)."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from photocompare.core.face import FaceAnalyzer
from photocompare.core.pairing import compare_photos
from photocompare.library import descriptors, trash
from photocompare.library.db import Library
from photocompare.library.importer import import_paths
from photocompare.library.migrations import current_revision
from tests.conftest import shared_path

TRAIN = ("faces", "face_recognition-examples", "examples", "knn_examples", "train")


@pytest.fixture(scope="module")
def analyzer():
    with FaceAnalyzer() as a:
        yield a


def test_descriptor_is_computed_once_and_stored_per_photo(library_url, library_store, analyzer):
    photos = [shared_path(*TRAIN, "obama", "obama.jpg"), shared_path(*TRAIN, "obama", "obama2.jpg")]
    with Library.open(library_url, store=library_store) as lib:
        with lib.engine.connect() as conn:
            assert current_revision(conn) >= 4
        summary = import_paths(lib, photos, "P-7")
        assert len(summary.imported) == 2
        rows = [lib.photo(pid) for _, pid in summary.imported]
        keys = (rows[0].sha256, rows[1].sha256)
        paths = [lib.original_path(r) for r in rows]
        calls = []
        cache = descriptors.descriptor_cache(lib)

        def counting(key, compute):
            def counted():
                calls.append(key)
                return compute()

            return cache(key, counted)

        first = compare_photos(*paths, analyzer, descriptor_cache=counting, descriptor_keys=keys)
        assert sorted(calls) == sorted(keys)
        again = compare_photos(*paths, analyzer, descriptor_cache=counting, descriptor_keys=keys)
        assert len(calls) == 2  # nothing computed the second time
        assert again.checks["identity"].numbers["similarity"] == pytest.approx(
            first.checks["identity"].numbers["similarity"], abs=1e-6
        )
        assert first.checks["identity"].status == "pass"
        assert descriptors.same_person_status(lib, *keys) == "pass"
        stored = descriptors.get(lib, keys[0])
        assert isinstance(stored, np.ndarray) and stored.shape == (128,)
        # The descriptor is biometric data: it goes with its photo.
        trash.delete(lib, summary.imported[0][1], user="test")
        trash.purge(lib, summary.imported[0][1], user="test")
        assert descriptors.get(lib, keys[0]) is descriptors.NOT_STORED
        assert descriptors.same_person_status(lib, *keys) == "unknown"
        assert isinstance(descriptors.get(lib, keys[1]), np.ndarray)


def test_faceless_photo_is_remembered_as_faceless(library_url, library_store):
    with Library.open(library_url, store=library_store) as lib:
        summary = import_paths(lib, [shared_path(*TRAIN, "biden", "biden2.jpg")], "P-8")
        sha = lib.photo(summary.imported[0][1]).sha256
        descriptors.put(lib, sha, None)
        assert descriptors.get(lib, sha) is None
        cache = descriptors.descriptor_cache(lib)
        assert cache(sha, lambda: pytest.fail("must not recompute")) is None
        with lib.engine.connect() as conn:
            n = conn.execute(sa.text("SELECT count(*) FROM face_descriptors")).scalar()
        assert n == 1
